"""The step to PyTorch: `to_torch(model)` and back with `from_torch(module)`.

The same network, layer for layer, float64. For layer l with inputs z^(l−1):

    u^(l) = W^(l) z^(l−1) + b^(l),   W^(l)[j, i] = w_ji^(l),   z^(l) = f(u^(l)),

so neuron j of an `nn.Layer` is row j of the `torch.nn.Linear` weight, and its
bias is entry j of the Linear's bias. The translation, both ways:

    nn.Layer(nin, nout, f)       torch.nn.Sequential(Linear(nin, nout), F)
                                 (F: Sigmoid, Tanh, ReLU, Softmax(dim=-1); none for
                                 "linear")
    nn.MLP, nn.Sequential        torch.nn.Sequential of the layers' translations
    nn.Residual(block)           TorchResidual(block's translation): z + F(z)

`from_torch` also reads plain PyTorch models: a Sequential of Linear modules,
each followed by at most one activation module (Identity counts as linear),
and this module's `TorchResidual`. A Sequential of layers only (their widths
must chain) whose hidden layers share one activation comes back as an
`nn.MLP`; any other as an `nn.Sequential`.

Needs PyTorch (`pip install 'autodiff-watch[torch]'`); `import nn` does not
import it, `nn.to_torch` and `nn.from_torch` do, on first use.
"""

from __future__ import annotations

import itertools
import math

try:
    import torch
except ImportError as exc:  # pragma: no cover - exercised in a subprocess by the tests
    raise ImportError(
        "nn.to_torch / nn.from_torch need PyTorch: pip install 'autodiff-watch[torch]' "
        "(torch==2.13.0)"
    ) from exc

from nn.layers import MLP, Layer, Residual, Sequential
from nn.module import Module

_FROM_TORCH: dict[type[torch.nn.Module], str] = {
    torch.nn.Sigmoid: "sigmoid",
    torch.nn.Tanh: "tanh",
    torch.nn.ReLU: "relu",
    torch.nn.Identity: "linear",
    torch.nn.Softmax: "softmax",
}
"""The activation modules `from_torch` reads, and the nn activation of each."""
_TO_TORCH = {name: module for module, name in _FROM_TORCH.items()}


class TorchResidual(torch.nn.Module):
    """z ↦ z + block(z), the PyTorch form of `nn.Residual`."""

    def __init__(self, block: torch.nn.Module) -> None:
        super().__init__()
        self.block = block

    def forward(self, z: torch.Tensor) -> torch.Tensor:
        return z + self.block(z)


def to_torch(model: Module) -> torch.nn.Module:
    """A float64 `torch.nn.Module` computing the same function as `model`, with
    exact copies of its weights. Outputs and gradients differ only by rounding
    (torch sums in another order and has its own tanh, exp): the tests hold
    them to 1e-14 of the largest entry."""
    if isinstance(model, Layer):
        return torch.nn.Sequential(*_linear_and_activation(model))
    if isinstance(model, Sequential):
        return torch.nn.Sequential(*(to_torch(m) for m in model.layers))
    if isinstance(model, Residual):
        return TorchResidual(to_torch(model.block))
    raise TypeError(
        f"to_torch() translates nn.Layer, nn.MLP, nn.Sequential and nn.Residual, "
        f"got {type(model).__name__} (wrap a single Neuron in an nn.Layer)"
    )


def _linear_and_activation(layer: Layer) -> list[torch.nn.Module]:
    if layer.activation not in _TO_TORCH:
        raise ValueError(f"to_torch(): {layer.describe()} has the activation "
                         f"{layer.activation!r}, which PyTorch has no module for here; "
                         f"to_torch translates {', '.join(sorted(_TO_TORCH))}")
    linear = torch.nn.Linear(layer.nin, len(layer.neurons), dtype=torch.float64)
    with torch.no_grad():
        linear.weight.copy_(torch.tensor([[w.data for w in n.w] for n in layer.neurons],
                                         dtype=torch.float64))
        linear.bias.copy_(torch.tensor([n.b.data for n in layer.neurons], dtype=torch.float64))
    if layer.activation == "linear":
        return [linear]
    if layer.activation == "softmax":
        return [linear, torch.nn.Softmax(dim=-1)]
    return [linear, _TO_TORCH[layer.activation]()]


def from_torch(module: torch.nn.Module) -> Module:
    """The `nn` model computing the same function as `module`, with its weights
    (exact copies: float64, float32 and smaller floats are all exact in a float).
    Raises TypeError or ValueError, naming the part, for anything nn has no form
    for (other module types, a Linear without bias, activations not after a
    Linear, non-finite weights)."""
    if isinstance(module, torch.nn.Linear):
        return _layer(module, "linear", "Linear")
    if isinstance(module, TorchResidual):
        return Residual(from_torch(module.block))
    if not isinstance(module, torch.nn.Sequential):
        raise TypeError(
            f"from_torch() reads torch.nn.Sequential, Linear, the activations "
            f"{', '.join(t.__name__ for t in _FROM_TORCH)} and nn.torch_bridge.TorchResidual; "
            f"got {type(module).__name__}"
        )
    parts = _parts(module)
    if isinstance(module[0], torch.nn.Linear) and len(parts) == 1:
        return parts[0]  # Sequential(Linear[, F]): the translation of one Layer
    return _as_mlp(parts) or Sequential(*parts)


def _parts(seq: torch.nn.Sequential) -> list[Module]:
    """The nn modules of a Sequential: each Linear with the activation after it."""
    children = list(seq.named_children())
    if not children:
        raise ValueError("from_torch(): an empty torch.nn.Sequential has no nn form")
    parts: list[Module] = []
    k = 0
    while k < len(children):
        name, child = children[k]
        if isinstance(child, torch.nn.Linear):
            activation = "linear"
            if k + 1 < len(children) and type(children[k + 1][1]) in _FROM_TORCH:
                activation = _activation(*children[k + 1])
                k += 1
            parts.append(_layer(child, activation, name))
        elif type(child) in _FROM_TORCH:
            raise ValueError(
                f"from_torch(): activation {name} ({type(child).__name__}) does not follow a "
                "Linear; in nn every activation belongs to a Layer"
            )
        else:
            parts.append(from_torch(child))
        k += 1
    return parts


def _activation(name: str, module: torch.nn.Module) -> str:
    if isinstance(module, torch.nn.Softmax) and module.dim not in (-1, 1):
        raise ValueError(
            f"from_torch(): Softmax {name} is over dim={module.dim}; nn's softmax is across "
            "a layer's units (dim=-1)"
        )
    return _FROM_TORCH[type(module)]


def _layer(linear: torch.nn.Linear, activation: str, name: str) -> Layer:
    if linear.bias is None:
        raise ValueError(f"from_torch(): Linear {name} has no bias; every nn neuron has one")
    if not linear.weight.is_floating_point():
        raise TypeError(f"from_torch(): Linear {name} has {linear.weight.dtype} weights")
    weight, bias = linear.weight.detach().tolist(), linear.bias.detach().tolist()
    for j, row in enumerate(weight):
        for i, x in enumerate([*row, bias[j]]):
            if not math.isfinite(x):
                where = f"bias[{j}]" if i == len(row) else f"weight[{j}, {i}]"
                raise ValueError(f"from_torch(): Linear {name} {where} is {x!r}, not finite")
    layer = Layer(linear.in_features, linear.out_features, activation)
    for neuron, row, b in zip(layer.neurons, weight, bias, strict=True):
        for w, x in zip(neuron.w, row, strict=True):
            w.data = x
        neuron.b.data = b
    return layer


def _as_mlp(parts: list[Module]) -> MLP | None:
    """The nn.MLP with these layers' weights, if the layers form one."""
    layers = [p for p in parts if isinstance(p, Layer)]
    if len(layers) < len(parts):
        return None
    for k, (a, b) in enumerate(itertools.pairwise(layers)):
        if len(a.neurons) != b.nin:
            raise ValueError(f"from_torch(): layer {k + 1} takes {b.nin} inputs but layer {k} "
                             f"gives {len(a.neurons)}")
    hidden = {layer.activation for layer in layers[:-1]}
    if len(hidden) > 1 or "softmax" in hidden:
        return None
    mlp = MLP(layers[0].nin, [len(layer.neurons) for layer in layers],
              hidden.pop() if hidden else "relu", layers[-1].activation)
    theirs = (p for layer in layers for p in layer.parameters())
    for mine, their in zip(mlp.parameters(), theirs, strict=True):
        mine.data = their.data
    return mlp
