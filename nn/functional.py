"""Activation functions on Values, and the stable softmax / log-sum-exp."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence

from autodiff import Value

ACTIVATIONS: dict[str, Callable[[Value], Value]] = {
    "sigmoid": Value.sigmoid,
    "tanh": Value.tanh,
    "relu": Value.relu,
    "linear": lambda u: u,
}
"""Unit activations z = f(u). "softmax" acts on a whole layer instead."""


def check_activation(name: object, *, allow_softmax: bool = False) -> str:
    names = [*ACTIVATIONS, "softmax"] if allow_softmax else list(ACTIVATIONS)
    if name not in names:
        raise ValueError(f"unknown activation {name!r}; expected one of {', '.join(names)}")
    return name


def add(terms: Iterable[Value], who: str = "add") -> Value:
    """t_1 + t_2 + … + t_n as n − 1 nodes, starting from t_1: no `+ 0` node
    (Python's `sum()` starts from 0). A single term is returned as it is."""
    it = iter(terms)
    try:
        result = next(it)
    except StopIteration:
        raise ValueError(f"{who}() of an empty sequence") from None
    for t in it:
        result = result + t
    return result


def log_sum_exp(u: Sequence[Value]) -> Value:
    """log Σ_k exp(u_k), computed as m + log Σ_k exp(u_k − m) with m = max_k u_k
    (a float constant, so no exp overflows and the gradient is exactly softmax(u))."""
    if not u:
        raise ValueError("log_sum_exp() of an empty sequence")
    m = max(v.data for v in u)
    return add((v - m).exp() for v in u).log() + m


def softmax(u: Sequence[Value]) -> list[Value]:
    """y_k = exp(u_k) / Σ_j exp(u_j), shifted by max_j u_j so nothing overflows."""
    if not u:
        raise ValueError("softmax() of an empty sequence")
    m = max(v.data for v in u)
    e = [(v - m).exp() for v in u]
    total = add(e)
    return [ek / total for ek in e]


def log_softmax(u: Sequence[Value]) -> list[Value]:
    """log y_k = u_k − log Σ_j exp(u_j), stable for any logits."""
    lse = log_sum_exp(u)
    return [v - lse for v in u]
