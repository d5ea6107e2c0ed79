"""Losses E_n for one sample (y: the network's outputs, d: the targets), and
their total over a minibatch. With the matching output activation each has the
output delta δ^(L) = ∂E_n/∂u^(L) = y − d (docs/explanation/notation.md).

Every loss returns a Value labelled "E" (so diagrams and the Stepper read
∂E/∂u_1^(3)); `total` names the per-sample losses E_1 … E_N and its result E.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real

from autodiff import Value
from autodiff.ops import softplus
from nn.functional import log_sum_exp

Targets = Sequence[float | Value]
Target = float | Value


def _pairs(y: Sequence[Value], d: object, who: str) -> list[tuple[Value, Target]]:
    if isinstance(d, Real | Value):
        d = [d]
    if not isinstance(y, Sequence) or not isinstance(d, Sequence) or isinstance(d, str):
        raise TypeError(f"{who}(y, d) needs lists of outputs and targets")
    if len(y) != len(d) or not y:
        raise ValueError(f"{who}: {len(y)} outputs but {len(d)} targets")
    for j, yj in enumerate(y):
        if not isinstance(yj, Value):
            raise TypeError(f"{who}: output {j} must be a Value, got {yj!r}")
    for j, dj in enumerate(d):
        if not isinstance(dj, Value) and (not isinstance(dj, Real) or not math.isfinite(dj)):
            raise TypeError(f"{who}: target {j} must be a finite number, got {dj!r}")
    return list(zip(y, d, strict=True))


def _is(d: Target, c: int) -> bool:
    """Is the target d the number c? Never for a Value target (a compiled step
    replays with new targets), so no term of it is left out."""
    return not isinstance(d, Value) and d == c


def _scaled(c: Target, v: Value) -> Value:
    """c·v, with no `× 1` node for the one-hot target c = 1."""
    return v if _is(c, 1) else c * v


TARGET_SUM_TOLERANCE = 1e-6
"""How far from 1 the sum of a cross-entropy's number targets may be: |Σ_k d_k − 1| ≤ 1e-6."""


def _shown(d: Sequence[Target]) -> str:
    text = repr([dk if isinstance(dk, Value) else float(dk) for dk in d])
    return text if len(text) <= 80 else f"{text[:60]}... ({len(d)} targets)"


def _distribution(pairs: list[tuple[Value, Target]], who: str) -> list[tuple[Value, Target]]:
    """The pairs whose target is not the number 0, after checking that the targets
    are one-hot or a probability vector: every number d_k ≥ 0 and, where all are
    numbers, Σ_k d_k = 1 within `TARGET_SUM_TOLERANCE`. Value targets (a compiled
    step's, replayed with new numbers) are not read, so not checked."""
    d = [dk for _, dk in pairs]
    expected = (f"expected one-hot or probability targets (each d_k ≥ 0, Σ_k d_k = 1 "
                f"within {TARGET_SUM_TOLERANCE:g}), got {_shown(d)}")
    for k, dk in enumerate(d):
        if not isinstance(dk, Value) and dk < 0:
            raise ValueError(f"{who}: target {k} is negative ({float(dk)!r}); {expected}")
    kept = [(v, dk) for v, dk in pairs if not _is(dk, 0)]
    if not kept:
        raise ValueError(f"{who}: every target is 0; {expected}")
    if not any(isinstance(dk, Value) for dk in d):
        total = math.fsum(map(float, d))
        if not abs(total - 1.0) <= TARGET_SUM_TOLERANCE:
            raise ValueError(f"{who}: the targets sum to {total!r}, not 1; {expected}")
    return kept


def _binary(pairs: list[tuple[Value, Target]], who: str) -> list[tuple[Value, Target]]:
    """The pairs, after checking that every number target is in [0, 1] (a label or
    a probability). Value targets are not read, so not checked."""
    for j, (_, dj) in enumerate(pairs):
        if not isinstance(dj, Value) and not 0 <= dj <= 1:
            raise ValueError(f"{who}: target {j} is {float(dj)!r}; binary targets must be in "
                             f"[0, 1] (a label 0 or 1, or a probability), got "
                             f"{_shown([d for _, d in pairs])}")
    return pairs


def _named(E: Value | float) -> Value:
    """E, labelled "E". A loss sums at least one term, so E is a Value (mypy types
    Python's `sum()` of Values as Value | 0, the 0 being the sum of none)."""
    assert isinstance(E, Value)
    E.label = "E"
    return E


def squared_error(y: Sequence[Value], d: Targets) -> Value:
    """E_n = ½ Σ_j (y_j − d_j)²; with a linear output, δ_j^(L) = y_j − d_j."""
    return _named(sum((yj - dj) ** 2 for yj, dj in _pairs(y, d, "squared_error")) / 2)


def binary_cross_entropy(y: Sequence[Value], d: Targets) -> Value:
    """E_n = −Σ_j [d_j log y_j + (1 − d_j) log(1 − y_j)] on sigmoid outputs y;
    δ^(L) = y − d. Targets in [0, 1] (ValueError otherwise, naming the loss and the
    target). Needs 0 < y < 1: saturated outputs raise, so prefer
    `binary_cross_entropy_with_logits` when |u| can be large."""
    terms = []
    who = "binary_cross_entropy"
    for yj, dj in _binary(_pairs(y, d, who), who):
        if not _is(dj, 0):
            terms.append(_scaled(dj, yj.log()))
        if not _is(dj, 1):
            terms.append(_scaled(1 - dj, (1 - yj).log()))
    return _named(-sum(terms))


def binary_cross_entropy_with_logits(u: Sequence[Value], d: Targets) -> Value:
    """The binary cross-entropy of y = σ(u), from the logits u, stable for any u:
    E_n = Σ_j [softplus(u_j) − d_j u_j]; ∂E_n/∂u_j = σ(u_j) − d_j. Targets in [0, 1]."""
    who = "binary_cross_entropy_with_logits"
    return _named(sum(softplus(uj) if _is(dj, 0) else softplus(uj) - _scaled(dj, uj)
                      for uj, dj in _binary(_pairs(u, d, who), who)))


def cross_entropy(y: Sequence[Value], d: Targets) -> Value:
    """E_n = −Σ_k d_k log y_k on softmax outputs y, with one-hot or probability
    targets (d_k ≥ 0, Σ_k d_k = 1 within `TARGET_SUM_TOLERANCE`; ValueError
    otherwise, naming the loss and the targets); δ^(L) = y − d. Terms with
    d_k = 0 are skipped; all-zero targets are refused like any other that is no
    distribution (E_n = 0 would silently train nothing)."""
    pairs = _distribution(_pairs(y, d, "cross_entropy"), "cross_entropy")
    return _named(-sum(_scaled(dk, yk.log()) for yk, dk in pairs))


def cross_entropy_with_logits(u: Sequence[Value], d: Targets) -> Value:
    """The cross-entropy of y = softmax(u), from the logits u:
    E_n = Σ_k d_k (log Σ_j e^{u_j} − u_k), stable by log-sum-exp; ∂E_n/∂u_k = y_k − d_k.
    The targets are checked as for `cross_entropy`."""
    who = "cross_entropy_with_logits"
    pairs = _pairs(u, d, who)
    kept = _distribution(pairs, who)
    lse = log_sum_exp([uk for uk, _ in pairs])
    return _named(sum(_scaled(dk, lse - uk) for uk, dk in kept))


def hinge(y: Sequence[Value], d: Targets) -> Value:
    """Max-margin loss for targets ±1: E_n = Σ_j max(0, 1 − d_j y_j)."""
    return _named(sum((1 - _scaled(dj, yj)).relu() for yj, dj in _pairs(y, d, "hinge")))


def total(losses: Sequence[Value], reduction: str = "mean") -> Value:
    """E = Σ_n E_n ("sum") or E = 1/N Σ_n E_n ("mean", a division by N) over
    a minibatch, labelled E; each per-sample loss still labelled E is renamed
    E_n (n = 1 … N). The sum has no `+ 0` node (the engine's 0 + E_1 is E_1), and
    one loss is returned as it is (no `× 1` or `÷ 1` node)."""
    if reduction not in ("mean", "sum"):
        raise ValueError(f"reduction must be 'mean' or 'sum', got {reduction!r}")
    losses = list(losses)
    if not losses:
        raise ValueError("total() of an empty minibatch")
    for n, E_n in enumerate(losses):
        if not isinstance(E_n, Value):
            raise TypeError(f"total() needs the per-sample losses as Values; "
                            f"item {n} is {type(E_n).__name__}")
    if len(losses) == 1:
        return losses[0]
    for n, E_n in enumerate(losses, start=1):
        if E_n.label == "E":
            E_n.label = f"E_{n}"
    E = sum(losses)
    return _named(E / len(losses) if reduction == "mean" else E)
