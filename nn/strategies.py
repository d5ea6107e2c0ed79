"""Hypothesis strategies for networks: `mlps()` draws small random MLPs with data,
for property tests of backpropagation through `nn` (expressions and values are
in `autodiff.strategies`).

    from hypothesis import given
    from autodiff import gradcheck
    from nn.strategies import mlps

    @given(mlps())
    def test_network(net):
        assert gradcheck(net.loss, net.model.named_parameters()).ok
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from hypothesis import reject
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import nn
from autodiff import Value, primitives
from autodiff.checking import singular_distance
from autodiff.strategies import check_number, check_positive_ints, values

__all__ = ["Network", "mlps"]


@dataclass(frozen=True)
class Network:
    """A drawn network with data: `model(x)` for x in `inputs`, `targets` to fit."""

    model: nn.MLP
    inputs: list[list[float]]
    targets: list[list[float]]

    def loss(self) -> Value:
        """E = 1/N Σ_n ½‖y_n − d_n‖² over the drawn data (as a Value of the parameters)."""
        return nn.total([nn.squared_error(self.model(x), d)
                         for x, d in zip(self.inputs, self.targets, strict=True)])


def mlps(*, max_depth: int = 3, max_width: int = 4, max_samples: int = 3,
         activations: Sequence[str] = ("sigmoid", "tanh", "relu", "linear"),
         margin: float = 0.05) -> st.SearchStrategy[Network]:
    """Small random `nn.MLP`s (1 to `max_depth` layers of 1 to `max_width`
    units, activations drawn from `activations` (any names `nn` accepts),
    weights from a drawn seed, uniform random biases) with 1 to `max_samples`
    inputs in [−2, 2] and targets in [−1, 1]. Every pre-activation u_j^(l) at
    the drawn inputs is at least `margin` away from its activation's singular
    points (relu's kink at 0, by the primitive's `singular_distance`): where it
    is not, the bias b_j^(l) is shifted, layer by layer."""
    check_positive_ints(max_depth=max_depth, max_width=max_width, max_samples=max_samples)
    if isinstance(activations, str) or not activations:
        raise InvalidArgument(f"activations={activations!r} must be a non-empty list of names")
    for a in activations:
        try:
            nn.functional.check_activation(a)
        except ValueError as exc:
            raise InvalidArgument(f"activations: {exc}") from None
    if not check_number("margin", margin) > 0:
        raise InvalidArgument(f"margin={margin!r} must be > 0")

    @st.composite
    def networks(draw) -> Network:
        nin = draw(st.integers(1, max_width))
        sizes = draw(st.lists(st.integers(1, max_width), min_size=1, max_size=max_depth))
        model = nn.MLP(nin, sizes, draw(st.sampled_from(activations)),
                       draw(st.sampled_from(activations)), bias_init=nn.init.uniform(),
                       seed=draw(st.integers(0, 2**32 - 1)))
        n = draw(st.integers(1, max_samples))
        inputs = [[draw(values()) for _ in range(nin)] for _ in range(n)]
        targets = [[draw(values(min_value=-1.0, max_value=1.0)) for _ in range(sizes[-1])]
                   for _ in range(n)]
        _keep_away_from_kinks(model, inputs, margin)
        return Network(model, inputs, targets)

    return networks()


def _keep_away_from_kinks(model: nn.MLP, inputs: list[list[float]], margin: float) -> None:
    """Shift biases so that every u_j^(l) is ≥ margin from its activation's singular
    points at every input. Layer by layer, since a bias moves its own u and
    everything after it. For a kink at one point (relu), of the shifts 0,
    ±2·margin, ±4·margin, ... at most one falls in each sample's forbidden
    interval, so 2N + 1 candidates always contain a good one; where none does
    (another activation), the example is rejected."""
    for k, layer in enumerate(model.layers):
        if not isinstance(layer, nn.Layer):
            continue
        unit = layer.activation
        distance = None if unit == "linear" else singular_distance(primitives[unit])
        if distance is None:
            continue
        with nn.record(model) as rec:
            for x in inputs:
                model(x)
        for j, neuron in enumerate(layer.neurons):
            us = [rec.u[k][n][j].data for n in range(len(inputs))]
            shifts = (s * m * margin for m in range(0, 2 * len(inputs) + 8, 2) for s in (1, -1))
            shift = next((d for d in shifts if all(distance(u + d) >= margin for u in us)), None)
            if shift is None:
                reject()
            neuron.b.data += shift
