"""Activations (the one-operand primitives) and the stable softmax / log-sum-exp."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from autodiff import Primitive, Value, ops, primitives


def activation(name: str) -> Callable[[Value], Value]:
    """The unit activation z = f(u) called `name`: "linear" (the identity) or any
    one-operand primitive of `autodiff.primitives` ("sigmoid", "tanh", "relu",
    "softplus", "sin", ... and user primitives once defined). "softmax" acts on a
    whole layer instead (see `nn.Layer`)."""
    if name == "linear":
        return _identity
    unit = primitives.get(name)
    if unit is None or not _is_activation(unit):
        check_activation(name)  # raises, saying what is known
    return unit  # type: ignore[return-value]


def _identity(u: Value) -> Value:
    return u


def activations() -> list[str]:
    """The names `activation` accepts, "softmax" aside."""
    return ["linear", *(n for n, p in primitives.items() if _is_activation(p))]


def _is_activation(p: Primitive) -> bool:
    return p.arity == 1 and p.name.isidentifier()


def check_activation(name: object, *, allow_softmax: bool = False) -> str:
    """`name` if it names an activation (or "softmax", where allowed); ValueError if not."""
    known = name == "linear" or (allow_softmax and name == "softmax") or (
        isinstance(name, str) and name in primitives and _is_activation(primitives[name]))
    if not known:
        names = [*activations(), *(["softmax"] if allow_softmax else [])]
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(names)}")
    return name  # type: ignore[return-value]


def log_sum_exp(u: Sequence[Value]) -> Value:
    """log Σ_k exp(u_k): the primitive `autodiff.ops.log_sum_exp`, one node computed
    as m + log Σ_k exp(u_k − m) with m = max_k u_k inside its forward, so no exp
    overflows, nothing branches on the data, and ∂/∂u_k = softmax(u)_k exactly."""
    if not u:
        raise ValueError("log_sum_exp() of an empty sequence")
    return ops.log_sum_exp(*u)


def softmax(u: Sequence[Value]) -> list[Value]:
    """y_k = exp(u_k) / Σ_j exp(u_j), computed as exp(u_k − log Σ_j exp(u_j)): stable
    for any logits (every exponent is ≤ 0)."""
    lse = log_sum_exp(u)
    return [ops.exp(v - lse) for v in u]


def log_softmax(u: Sequence[Value]) -> list[Value]:
    """log y_k = u_k − log Σ_j exp(u_j), stable for any logits."""
    lse = log_sum_exp(u)
    return [v - lse for v in u]
