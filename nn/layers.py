"""Neurons, layers, sequential networks, MLPs and residual blocks.

Notation (docs/explanation/notation.md): a layer l receives z^(l−1) and computes, per unit j,

    u_j^(l) = Σ_i w_ji^(l) z_i^(l−1) + b_j^(l),    z_j^(l) = f(u_j^(l)).

Layer 1 is the input (z^(1) = x), so the first layer of weights is l = 2. The
nodes carry these names as labels ("u_1^(2)", "w_12^(2)") and the module path
as their `scope` ("layers.0/neurons.1"), for drawings. Nothing here computes a
derivative: δ_j^(l) = ∂E/∂u_j^(l) is the `.grad` of the node u_j^(l) after
`E.backward()`.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from typing import Any

from autodiff import Value, scope
from nn import recording
from nn.functional import activation, check_activation, softmax
from nn.init import Initializer, Seed, constant, module_rng, spawn, uniform
from nn.module import Module, arguments, build, reserve

Inputs = Sequence[Value | float]


def _check_size(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{name} must be a positive int, got {n!r}")
    return n


def _initializer(name: str, f: Initializer | None, default: Initializer) -> Initializer:
    if f is None:
        return default
    if not callable(f):
        raise TypeError(f"{name} must be an initialiser (fan_in, fan_out, rng) -> float, "
                        f"got {type(f).__name__}")
    return f


def _check_inputs(z: object, nin: int, who: str) -> Inputs:
    if not isinstance(z, Sequence) or isinstance(z, str):
        raise TypeError(f"{who} takes a list of {nin} numbers or Values, got {type(z).__name__}")
    if len(z) != nin:
        raise ValueError(f"{who} takes {nin} inputs, got {len(z)}")
    for i, zi in enumerate(z):
        if not isinstance(zi, Value) and (isinstance(zi, bool) or not isinstance(zi, Real)):
            raise TypeError(f"{who} input {i} must be a number or a Value, got {zi!r}")
        if not isinstance(zi, Value) and not math.isfinite(zi):
            raise ValueError(f"{who} input {i} must be finite, got {zi!r}")
    return z


def _is_callable_module(m: object) -> bool:
    """A Module that defines __call__ (Module's own only raises)."""
    return isinstance(m, Module) and type(m).__call__ is not Module.__call__


def _check_keys(cls: type[Module], config: Mapping[str, Any], keys: set[str]) -> dict[str, Any]:
    args = arguments(config)
    if set(args) != keys:
        raise ValueError(f"a {cls.type_name} config has exactly the keys 'type', "
                         f"{', '.join(map(repr, sorted(keys)))}; got {sorted(args)}")
    return args


class Neuron(Module):
    """One unit: u = Σ_i w_i·z_i + b and z = f(u). `w` is a list of Values, `b` a Value.
    `seed`: see `nn.init` (None: the next stream of the default sequence)."""

    def __init__(
        self,
        nin: int,
        activation: str = "linear",
        *,
        init: Initializer | None = None,
        bias_init: Initializer | None = None,
        seed: Seed = None,
        fan_out: int = 1,
    ) -> None:
        nin, fan_out = _check_size("nin", nin), _check_size("fan_out", fan_out)
        self.activation = check_activation(activation)
        init = _initializer("init", init, uniform())
        bias_init = _initializer("bias_init", bias_init, constant(0.0))
        reserve(nin + 1, f"Neuron({nin})")
        rng = module_rng(seed)
        self.w = [Value(init(nin, fan_out, rng)) for _ in range(nin)]
        self.b = Value(bias_init(nin, fan_out, rng))
        self.name_units(2)

    def own_parameters(self) -> list[tuple[str, Value]]:
        return [*((f"w.{i}", wi) for i, wi in enumerate(self.w)), ("b", self.b)]

    def name_units(self, l: int, j: int = 1) -> int:  # noqa: E741 (the notes' letter)
        """Label the parameters w_ji^(l), b_j^(l) and future nodes u_j^(l), z_j^(l)."""
        for i, wi in enumerate(self.w, start=1):
            sep = "" if j < 10 and i < 10 else ","  # w_12 is j = 1, i = 2; w_12,3 is j = 12
            wi.label = f"w_{j}{sep}{i}^({l})"
        self.b.label = f"b_{j}^({l})"
        self._names = (f"u_{j}^({l})", f"z_{j}^({l})")
        return l + 1

    def pre_activation(self, z: Inputs) -> Value:
        """u = Σ_i w_i·z_i + b, labelled u_j^(l) (inputs are not checked here; see __call__)."""
        u = self.b
        for wi, zi in zip(self.w, z, strict=True):
            u = u + wi * zi
        u.label = self._names[0]
        return u

    def output(self, u: Value, f: Callable[[Value], Value]) -> Value:
        """z = f(u), labelled z_j^(l); u itself, unrenamed, where f is the identity."""
        z = f(u)
        if z is not u:
            z.label = self._names[1]
        return z

    def __call__(self, z: Inputs) -> Value:
        u = self.pre_activation(_check_inputs(z, len(self.w), "Neuron"))
        return self.output(u, activation(self.activation))

    def describe(self) -> str:
        return f"Neuron({len(self.w)}, {self.activation})"

    def config(self) -> dict[str, Any]:
        return {"type": self.type_name, "nin": len(self.w), "activation": self.activation}


class Layer(Module):
    """`nout` neurons on the same `nin` inputs; calling it returns a list of `nout`
    Values, always (also when nout = 1). activation "softmax" applies
    y_k = exp(u_k) / Σ_j exp(u_j) across the layer. Each neuron draws its
    weights from its own stream, spawned from the layer's (`seed`, see `nn.init`).
    Its nodes u^(l), z^(l) are what `nn.record` keeps."""

    records_units = True

    def __init__(
        self,
        nin: int,
        nout: int,
        activation: str = "linear",
        *,
        init: Initializer | None = None,
        bias_init: Initializer | None = None,
        seed: Seed = None,
    ) -> None:
        nin, nout = _check_size("nin", nin), _check_size("nout", nout)
        self.activation = check_activation(activation, allow_softmax=True)
        unit = "linear" if activation == "softmax" else activation
        rng = module_rng(seed)
        self.neurons = [
            Neuron(nin, unit, init=init, bias_init=bias_init, seed=spawn(rng), fan_out=nout)
            for _ in range(nout)
        ]
        self.name_units(2)
        self.scope_parameters()

    def named_children(self) -> list[tuple[str, Module]]:
        return [(f"neurons.{j}", neuron) for j, neuron in enumerate(self.neurons)]

    def name_units(self, l: int) -> int:  # noqa: E741
        for j, neuron in enumerate(self.neurons, start=1):
            neuron.name_units(l, j)
        return l + 1

    @property
    def nin(self) -> int:
        return len(self.neurons[0].w)

    def __call__(self, z: Inputs) -> list[Value]:
        z = _check_inputs(z, self.nin, "Layer")
        f = activation("linear" if self.activation == "softmax" else self.activation)
        us, zs = [], []
        for (name, _), neuron in zip(self.named_children(), self.neurons, strict=True):
            with scope(name):
                u = neuron.pre_activation(z)
                out = neuron.output(u, f)
            us.append(u)
            zs.append(out)
        if self.activation == "softmax":
            zs = softmax(us)
            for neuron, out in zip(self.neurons, zs, strict=True):
                out.label = neuron._names[1]
        recording.notify(self, us, zs)
        return zs

    def describe(self) -> str:
        return f"Layer({self.nin} → {len(self.neurons)}, {self.activation})"

    def config(self) -> dict[str, Any]:
        return {"type": self.type_name, "nin": self.nin, "nout": len(self.neurons),
                "activation": self.activation}


class Sequential(Module):
    """Modules applied in order; `layers` holds them. Their units are named with
    the notes' layer indices l = 2, 3, ... in order, through any nesting (a
    plain list of layers: layer k gets l = k + 2)."""

    def __init__(self, *layers: Module) -> None:
        if not layers:
            raise ValueError("Sequential() needs at least one module")
        for k, m in enumerate(layers):
            if not _is_callable_module(m):
                raise TypeError(f"Sequential() item {k} is not a module: {m!r}")
        self.layers = list(layers)
        self.name_units(2)
        self.scope_parameters()

    def named_children(self) -> list[tuple[str, Module]]:
        return [(f"layers.{k}", m) for k, m in enumerate(self.layers)]

    def __call__(self, x: Inputs) -> list[Value]:
        z: Any = x
        for name, layer in self.named_children():
            with scope(name):
                z = layer(z)
        return list(z)

    def describe(self) -> str:
        inner = ", ".join(m.describe() for m in self.layers)
        return f"{type(self).__name__}({inner})"

    def config(self) -> dict[str, Any]:
        return {"type": self.type_name, "layers": [m.config() for m in self.layers]}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Module:
        layers = _check_keys(cls, config, {"layers"})["layers"]
        if not isinstance(layers, list):
            raise ValueError(f"a {cls.type_name} config's 'layers' must be a list of module "
                             f"configs, got {type(layers).__name__}")
        return cls(*(build(c) for c in layers))


class MLP(Sequential):
    """A multilayer perceptron: `MLP(2, [16, 16, 1])` is 2 inputs, two hidden
    layers of 16 units with `activation`, and 1 output with `output_activation`.
    `model(x)` takes a list of `nin` numbers or Values and returns a list.
    Each layer draws from its own stream, spawned from the MLP's (`seed`, see
    `nn.init`), so its layers differ, and so do two MLPs built with the default."""

    def __init__(
        self,
        nin: int,
        sizes: Sequence[int],
        activation: str = "relu",
        output_activation: str = "linear",
        *,
        init: Initializer | None = None,
        bias_init: Initializer | None = None,
        seed: Seed = None,
    ) -> None:
        nin = _check_size("nin", nin)
        if isinstance(sizes, int) or not isinstance(sizes, Sequence) or not sizes:
            raise ValueError(f"sizes must be a non-empty list of layer widths, got {sizes!r}")
        sizes = [_check_size(f"sizes[{k}]", n) for k, n in enumerate(sizes)]
        check_activation(activation)
        check_activation(output_activation, allow_softmax=True)
        rng = module_rng(seed)
        widths = [nin, *sizes]
        super().__init__(*(
            Layer(widths[k], widths[k + 1],
                  output_activation if k == len(sizes) - 1 else activation,
                  init=init, bias_init=bias_init, seed=spawn(rng))
            for k in range(len(sizes))
        ))
        self.nin, self.sizes = nin, sizes
        self.activation, self.output_activation = activation, output_activation

    def describe(self) -> str:
        arrows = " → ".join(str(n) for n in [self.nin, *self.sizes])
        return f"MLP({arrows}, {self.activation}, output {self.output_activation})"

    def config(self) -> dict[str, Any]:
        return {"type": self.type_name, "nin": self.nin, "sizes": self.sizes,
                "activation": self.activation, "output_activation": self.output_activation}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Module:
        return cls(**arguments(config))  # as Module's default: not Sequential's


class Residual(Module):
    """A skip connection around `block`: z ↦ z + F(z) (docs/explanation/notation.md).

    The identity path carries δ back unchanged, so lower layers keep a gradient
    even where F's own derivative vanishes. `block` must map n Values to n."""

    _BLOCK = "block"  # the child's name: parameter paths "….block.…", scope "…/block"

    def __init__(self, block: Module) -> None:
        if not _is_callable_module(block):
            raise TypeError(f"Residual() needs a module, got {block!r}")
        self.block = block
        self.scope_parameters()

    def named_children(self) -> list[tuple[str, Module]]:
        return [(self._BLOCK, self.block)]

    def __call__(self, z: Inputs) -> list[Value]:
        with scope(self._BLOCK):
            fz = self.block(z)
        if len(fz) != len(z):
            raise ValueError(f"Residual block maps {len(z)} inputs to {len(fz)} outputs; "
                             "it must keep the width")
        return [zi + fi for zi, fi in zip(z, fz, strict=True)]

    def describe(self) -> str:
        return f"Residual({self.block.describe()})"

    def config(self) -> dict[str, Any]:
        return {"type": self.type_name, "block": self.block.config()}

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Module:
        return cls(build(_check_keys(cls, config, {"block"})["block"]))
