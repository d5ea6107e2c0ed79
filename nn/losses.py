"""Losses E_n for one sample (y: the network's outputs, d: the targets), and
their total over a minibatch. With the matching output activation each has the
output delta δ^(L) = ∂E_n/∂u^(L) = y − d (seed notes 000 §4.4.1)."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from numbers import Real

from autodiff import Value
from nn.functional import log_sum_exp

Targets = Sequence[float | Value]


def _add_up(terms: Iterable[Value]) -> Value:
    """Σ terms, starting from the first term: `sum()` would start from 0 and add
    a no-op `+ 0` node to every graph (and diagram). No terms add up to 0."""
    total: Value | None = None
    for term in terms:
        total = term if total is None else total + term
    return Value(0.0) if total is None else total


def _pairs(y: Sequence[Value], d: object, who: str) -> list[tuple[Value, float | Value]]:
    if isinstance(d, Real | Value):
        d = [d]
    if not isinstance(y, Sequence) or not isinstance(d, Sequence) or isinstance(d, str):
        raise TypeError(f"{who}(y, d) needs lists of outputs and targets")
    if len(y) != len(d) or not y:
        raise ValueError(f"{who}: {len(y)} outputs but {len(d)} targets")
    for j, dj in enumerate(d):
        if not isinstance(dj, Value) and (not isinstance(dj, Real) or not math.isfinite(dj)):
            raise TypeError(f"{who}: target {j} must be a finite number, got {dj!r}")
    return list(zip(y, d, strict=True))


def squared_error(y: Sequence[Value], d: Targets) -> Value:
    """E_n = ½ Σ_j (y_j − d_j)²; with a linear output, δ_j^(L) = y_j − d_j."""
    return _add_up((yj - dj) ** 2 for yj, dj in _pairs(y, d, "squared_error")) * 0.5


def binary_cross_entropy(y: Sequence[Value], d: Targets) -> Value:
    """E_n = −Σ_j [d_j log y_j + (1 − d_j) log(1 − y_j)] on sigmoid outputs y;
    δ^(L) = y − d. Needs 0 < y < 1: saturated outputs raise, so prefer
    `binary_cross_entropy_with_logits` when |u| can be large."""
    terms = []
    for yj, dj in _pairs(y, d, "binary_cross_entropy"):
        if dj != 0:
            terms.append(dj * yj.log())
        if dj != 1:
            terms.append((1 - dj) * (1 - yj).log())
    return -_add_up(terms)


def softplus(u: Value) -> Value:
    """log(1 + e^u) without overflow: u + log(1 + e^−u) for u > 0. Both branches
    are the same smooth function, with derivative σ(u)."""
    if u.data > 0:
        return u + ((-u).exp() + 1).log()
    return (u.exp() + 1).log()


def binary_cross_entropy_with_logits(u: Sequence[Value], d: Targets) -> Value:
    """The binary cross-entropy of y = σ(u), from the logits u, stable for any u:
    E_n = Σ_j [softplus(u_j) − d_j u_j]; ∂E_n/∂u_j = σ(u_j) − d_j."""
    return _add_up(softplus(uj) - uj * dj for uj, dj in _pairs(u, d, "binary_cross_entropy"))


def cross_entropy(y: Sequence[Value], d: Targets) -> Value:
    """E_n = −Σ_k d_k log y_k on softmax outputs y, with one-hot or probability
    targets (Σ_k d_k = 1); δ^(L) = y − d. Terms with d_k = 0 are skipped."""
    return -_add_up(dk * yk.log() for yk, dk in _pairs(y, d, "cross_entropy") if dk != 0)


def cross_entropy_with_logits(u: Sequence[Value], d: Targets) -> Value:
    """The cross-entropy of y = softmax(u), from the logits u:
    E_n = Σ_k d_k (log Σ_j e^{u_j} − u_k), stable by log-sum-exp; ∂E_n/∂u_k = y_k − d_k."""
    pairs = _pairs(u, d, "cross_entropy")
    lse = log_sum_exp([uk for uk, _ in pairs])
    return _add_up(dk * (lse - uk) for uk, dk in pairs if dk != 0)


def hinge(y: Sequence[Value], d: Targets) -> Value:
    """Max-margin loss for targets ±1: E_n = Σ_j max(0, 1 − d_j y_j)."""
    return _add_up((1 - yj * dj).relu() for yj, dj in _pairs(y, d, "hinge"))


def total(losses: Sequence[Value], reduction: str = "mean") -> Value:
    """E = Σ_n E_n ("sum") or E = 1/N Σ_n E_n ("mean") over a minibatch."""
    if not losses:
        raise ValueError("total() of an empty minibatch")
    if reduction == "sum":
        return _add_up(losses)
    if reduction == "mean":  # the mean of one loss is that loss: no `× 1` node
        return _add_up(losses) * (1.0 / len(losses)) if len(losses) > 1 else losses[0]
    raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
