"""Hypothesis strategies for property-testing gradients.

    from hypothesis import given
    from autodiff import gradcheck
    from autodiff.strategies import expressions

    @given(expressions())
    def test_my_engine_agrees_with_finite_differences(expr):
        assert gradcheck(expr, expr.inputs).ok

Conventions follow Hypothesis's own: functions returning a `SearchStrategy`,
plural names, keyword-only options validated when the strategy is built.

Domains hold by construction, with explicit margins. Hypothesis favours floats
near 0 (and since 6.131 also tries literal constants from the source), so an
operand is never left to chance: where a drawn operand a would come closer
than `margin` to a pole, a kink or the edge of a domain at the drawn inputs,
the expression uses a shifted operand instead (`log(a·a + 2·margin)`,
`relu(a + 2·margin)`), and results above `bound` in size are squashed by tanh.
With the defaults (margin 0.25, inputs in [−2, 2]) every operand of log, /,
relu and fractional ** stays 0.25 away from trouble, while the central
difference step is at most ∛ε_c·2 ≈ 1.2e-5: a margin some 20 000 steps wide.
`mlps()` likewise shifts biases so that no pre-activation is near relu's kink.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as exc:  # pragma: no cover - exercised without Hypothesis only
    raise ImportError(
        "autodiff.strategies needs Hypothesis: pip install hypothesis "
        "(or pip install 'autodiff-watch[test]')"
    ) from exc

import nn
from autodiff.engine import Value

__all__ = ["Expression", "Network", "expressions", "mlps", "values"]

UNARY = ("exp", "log", "tanh", "sigmoid", "relu", "neg", "square", "sqrt", "rpow")
BINARY = ("+", "-", "*", "/", "**")
OPERATIONS = UNARY + BINARY


def _check_number(name: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        raise InvalidArgument(f"{name}={x!r} must be a finite number")
    return float(x)


def values(*, min_value: float = -2.0, max_value: float = 2.0,
           min_magnitude: float = 0.0) -> st.SearchStrategy[float]:
    """Finite floats in [min_value, max_value] with |x| ≥ min_magnitude: inputs
    for `Value`s. No NaN, no infinity, no subnormals."""
    lo, hi = _check_number("min_value", min_value), _check_number("max_value", max_value)
    mag = _check_number("min_magnitude", min_magnitude)
    if lo > hi:
        raise InvalidArgument(f"min_value={lo!r} must not exceed max_value={hi!r}")
    if mag < 0:
        raise InvalidArgument(f"min_magnitude={mag!r} must be ≥ 0")
    parts = []
    if hi >= mag:
        parts.append(st.floats(max(lo, mag), hi, allow_subnormal=False))
    if lo <= -mag:
        parts.append(st.floats(lo, min(hi, -mag), allow_subnormal=False))
    if not parts:
        raise InvalidArgument(f"no number in [{lo!r}, {hi!r}] has magnitude ≥ {mag!r}")
    return st.one_of(parts)


@dataclass(frozen=True)
class Expression:
    """A drawn expression: a straight-line program over Values, a DAG because
    steps reuse earlier results. `expr(*values)` runs it and returns a Value;
    `inputs` are the floats it was drawn for (domains hold there); `str()`
    lists the steps."""

    inputs: tuple[float, ...]
    steps: tuple[tuple[str, tuple[int, ...], float], ...]  # (operation, operand indices, constant)

    def __call__(self, *args: Value | float) -> Value:
        if len(args) != len(self.inputs):
            raise TypeError(f"this expression takes {len(self.inputs)} inputs, got {len(args)}")
        nodes: list = [a if isinstance(a, Value) else Value(a) for a in args]
        for op, operands, c in self.steps:
            nodes.append(_APPLY[op](*(nodes[i] for i in operands), c))
        return nodes[-1]

    def __str__(self) -> str:
        names = [f"x{i}" for i in range(len(self.inputs))]
        given = zip(names, self.inputs, strict=True)
        lines = ["inputs: " + ", ".join(f"{n} = {x!r}" for n, x in given)]
        for k, (op, operands, c) in enumerate(self.steps):
            name = f"t{k + 1}"
            lines.append(f"{name} = {_SHOW[op](*(names[i] for i in operands), c)}")
            names.append(name)
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"Expression({len(self.inputs)} inputs, {len(self.steps)} steps)"


_APPLY: dict[str, Callable[..., Value]] = {
    "exp": lambda a, c: a.exp(),
    "log": lambda a, c: (a * a + c).log() if c else a.log(),
    "tanh": lambda a, c: a.tanh(),
    "sigmoid": lambda a, c: a.sigmoid(),
    "relu": lambda a, c: (a + c).relu(),
    "neg": lambda a, c: -a,
    "square": lambda a, c: a**2,
    "sqrt": lambda a, c: (a * a + c) ** 0.5 if c else a**0.5,
    "rpow": lambda a, c: 2.0**a,
    "+": lambda a, b, c: a + b,
    "-": lambda a, b, c: a - b,
    "*": lambda a, b, c: a * b,
    "/": lambda a, b, c: a / (b * b + c) if c else a / b,
    "**": lambda a, b, c: (a * a + c) ** b if c else a**b,
    "squash": lambda a, c: a.tanh(),
}
_SHOW: dict[str, Callable[..., str]] = {
    "exp": lambda a, c: f"exp({a})",
    "log": lambda a, c: f"log({a}·{a} + {c!r})" if c else f"log({a})",
    "tanh": lambda a, c: f"tanh({a})",
    "sigmoid": lambda a, c: f"sigmoid({a})",
    "relu": lambda a, c: f"relu({a} + {c!r})" if c else f"relu({a})",
    "neg": lambda a, c: f"−{a}",
    "square": lambda a, c: f"{a}**2",
    "sqrt": lambda a, c: f"({a}·{a} + {c!r})**0.5" if c else f"{a}**0.5",
    "rpow": lambda a, c: f"2**{a}",
    "+": lambda a, b, c: f"{a} + {b}",
    "-": lambda a, b, c: f"{a} − {b}",
    "*": lambda a, b, c: f"{a} · {b}",
    "/": lambda a, b, c: f"{a} / ({b}·{b} + {c!r})" if c else f"{a} / {b}",
    "**": lambda a, b, c: f"({a}·{a} + {c!r})**{b}" if c else f"{a}**{b}",
    "squash": lambda a, c: f"tanh({a})  (squashed: |value| > bound)",
}


def _safety_constant(op: str, a: float, b: float, margin: float) -> float | None:
    """0.0 if the plain operation is safe at these operand values, the shift to
    use instead, or None if the operation should not be used here."""
    shift = 2 * margin  # a·a + shift ≥ 2·margin; |a| < margin gives a + shift > margin
    if op in ("log", "sqrt"):
        return 0.0 if a >= margin else shift
    if op == "relu":
        return 0.0 if abs(a) >= margin else shift
    if op == "/":
        return 0.0 if abs(b) >= margin else shift
    if op == "**":
        return None if abs(b) > 3 else 0.0 if a >= margin else shift
    if op in ("exp", "rpow"):
        return 0.0 if a <= 5 else None
    return 0.0


@st.composite
def _expressions(draw, n_inputs, elements, max_steps, operations, margin, bound) -> Expression:
    k = draw(n_inputs)
    inputs = tuple(draw(elements) for _ in range(k))
    for x in inputs:
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
            raise InvalidArgument(f"elements drew {x!r}: expressions need finite numbers")
    data = list(inputs)
    steps = []
    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(operations))
        arity = 2 if op in BINARY else 1
        # any earlier node can be an operand (a DAG); counted back from the newest,
        # so examples shrink towards chains of recent results
        operands = tuple(len(data) - 1 - draw(st.integers(0, len(data) - 1))
                         for _ in range(arity))
        a = data[operands[0]]
        b = data[operands[1]] if arity == 2 else 0.0
        c = _safety_constant(op, a, b, margin)
        if c is None:
            continue
        node = _APPLY[op](*(Value(data[i]) for i in operands), c)
        if abs(node.data) > bound:
            steps.append((op, operands, c))
            data.append(node.data)
            op, operands, c = "squash", (len(data) - 1,), 0.0
            node = Value(node.data).tanh()
        steps.append((op, operands, c))
        data.append(node.data)
    if not steps:  # every drawn operation was unsafe: fall back to a product
        steps.append(("*", (0, k - 1), 0.0))
    return Expression(inputs, tuple(steps))


def expressions(*, min_inputs: int = 1, max_inputs: int = 3,
                elements: st.SearchStrategy[float] | None = None, max_steps: int = 8,
                operations: Sequence[str] = OPERATIONS, margin: float = 0.25,
                bound: float = 20.0) -> st.SearchStrategy[Expression]:
    """Random differentiable expressions of `min_inputs` to `max_inputs`
    inputs drawn from `elements` (default `values()`, floats in [−2, 2]):
    DAGs of 1 to `max_steps` operations drawn from `operations` (all
    primitives and the derived −, / by default), with every operand at least
    `margin` away from poles, kinks and domain edges at `expr.inputs`
    (shifted by 2·margin where it would not be), and every step's value at
    most `bound` in size (squashed by tanh where it would not be)."""
    for name, n in (("min_inputs", min_inputs), ("max_inputs", max_inputs),
                    ("max_steps", max_steps)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidArgument(f"{name}={n!r} must be a positive int")
    if min_inputs > max_inputs:
        raise InvalidArgument(f"min_inputs={min_inputs} exceeds max_inputs={max_inputs}")
    unknown = [op for op in operations if op not in OPERATIONS]
    if unknown or not operations:
        raise InvalidArgument(f"operations must be a non-empty subset of {OPERATIONS}, "
                              f"got unknown {unknown}")
    if not _check_number("margin", margin) > 0 or not _check_number("bound", bound) > 1:
        raise InvalidArgument("margin must be > 0 and bound > 1")
    if elements is None:
        elements = values()
    elif not isinstance(elements, st.SearchStrategy):
        raise InvalidArgument(f"elements={elements!r} must be a SearchStrategy of floats")
    return _expressions(st.integers(min_inputs, max_inputs), elements, max_steps,
                        tuple(operations), margin, bound)


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
    units, activations drawn from `activations`, weights from a drawn seed,
    uniform random biases) with 1 to `max_samples` inputs in [−2, 2] and
    targets in [−1, 1]. Every pre-activation u_j^(l) at the drawn inputs is
    at least `margin` away from 0, relu's kink: where it is not, the bias
    b_j^(l) is shifted, layer by layer."""
    for name, n in (("max_depth", max_depth), ("max_width", max_width),
                    ("max_samples", max_samples)):
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidArgument(f"{name}={n!r} must be a positive int")
    unknown = [a for a in activations if a not in ("sigmoid", "tanh", "relu", "linear")]
    if unknown or not activations:
        raise InvalidArgument(f"activations must be a non-empty list of 'sigmoid', 'tanh', "
                              f"'relu', 'linear'; got unknown {unknown}")
    if not _check_number("margin", margin) > 0:
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
    """Shift biases so that every |u_j^(l)| ≥ margin at every input. Layer by
    layer, since a bias moves its own u and everything after it. Of the shifts
    0, ±2·margin, ±4·margin, ... at most one falls in each sample's forbidden
    interval, so 2N + 1 candidates always contain a good one."""
    for k, layer in enumerate(model.layers):
        with nn.record(model) as rec:
            for x in inputs:
                model(x)
        for j, neuron in enumerate(layer.neurons):
            us = [rec.u[k][n][j].data for n in range(len(inputs))]
            shifts = (s * m * margin for m in range(0, 2 * len(inputs) + 2, 2) for s in (1, -1))
            shift = next(d for d in shifts if all(abs(u + d) >= margin for u in us))
            neuron.b.data += shift
