"""One derivative against finite differences: the difference quotients
(forward, central, five-point), the comparison with its tolerance and kink test,
and its result, a `GradcheckRow`.

`autodiff.checking` (gradcheck) builds its rows here, and
`autodiff.checking.diagnosis` its evidence of what a wrong derivative got wrong; the
module docstring of `autodiff.checking` explains the steps and tolerances.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace

from autodiff.notation.messages import say

__all__ = ["EPS", "ERROR", "FAIL", "KINK", "METHODS", "OK", "SUBGRADIENT", "GradcheckRow",
           "Method", "central_row", "compare"]

EPS = sys.float_info.epsilon


@dataclass(frozen=True)
class Method:
    """A difference quotient: where f is evaluated, with which weights, its step
    ε at a point w, and the tolerances a check with it uses."""

    offsets: tuple[float, ...]  # where f is evaluated, in steps
    weights: tuple[float, ...]  # D(ε) = Σ weight·f(w + offset·ε) / ε
    step: Callable[[float], float]
    rtol: float
    atol: float

    def quotient(self, fs: Mapping[float, float], h: float, scale: float = 1.0) -> float:
        """The difference quotient with step scale·h, from values at w + k·h."""
        total = math.fsum(c * fs[k * scale] for k, c in zip(self.offsets, self.weights,
                                                             strict=True))
        return total / (scale * h)


METHODS = {
    "forward": Method((0.0, 1.0), (-1.0, 1.0),
                      lambda w: math.sqrt(EPS) * abs(w) or math.sqrt(EPS), 1e-5, 1e-7),
    "central": Method((-1.0, 1.0), (-0.5, 0.5),
                      lambda w: EPS ** (1 / 3) * max(1.0, abs(w)), 1e-6, 1e-8),
    "five-point": Method((-2.0, -1.0, 1.0, 2.0), (1 / 12, -8 / 12, 8 / 12, -1 / 12),
                         lambda w: EPS ** (1 / 5) * max(1.0, abs(w)), 1e-8, 1e-9),
}

OK, FAIL, KINK, ERROR = "ok", "FAIL", "not differentiable", "error"
SUBGRADIENT = "subgradient"
"""The verdict of a row at a kink whose analytic value is a valid subgradient,
with `subgradients="accept"` (else such a row is "not differentiable")."""


@dataclass(frozen=True)
class GradcheckRow:
    """One derivative's comparison.

    `derivative` is what was checked ("∂f/∂x", "∂²f/∂x∂y"; "∂f/∂u1" along the
    random direction u1 of a fast check), `label` the input that was moved (x,
    or y for ∂²f/∂x∂y; u1), `value` its value at the point (0 along a
    direction), `step` the ε used. `verdict` is "ok",
    "FAIL", "not differentiable" (a kink at or within ε of the point; `left`
    and `right` are the one-sided derivatives, and the analytic value lies
    between them: a valid subgradient), "subgradient" (the same, checked
    with `subgradients="accept"`) or "error" (f could not be evaluated
    there); `note` explains errors and likely causes.
    `uncertainty` is the finite difference's estimated error (rounding +
    truncation), `mode` how the analytic side was found ("rev" or "fwd").
    A number that does not apply to a row is None, never nan, so that two
    equal rows compare equal: `numeric` of an "error" row, `left` and
    `right` away from kinks, `uncertainty` of a forward/reverse comparison.
    """

    derivative: str
    label: str
    value: float
    step: float
    analytic: float
    numeric: float | None
    abs_error: float
    rel_error: float
    tolerance: float
    verdict: str
    left: float | None = None
    right: float | None = None
    note: str = ""
    uncertainty: float | None = None
    mode: str = "rev"
    order: int = 1
    random_direction: bool = False

    @property
    def ok(self) -> bool:
        return self.verdict in (OK, KINK, SUBGRADIENT)

    @property
    def valid_subgradient(self) -> bool | None:
        """At a kink (`left`, `right` set), whether the analytic value lies
        between the one-sided derivatives along this row's direction; None
        where f is differentiable."""
        if self.left is None:
            return None
        return self.verdict in (KINK, SUBGRADIENT)


def central_row(evaluate: Callable[[float], float], w: float, analytic: float,
                derivative: str = "") -> GradcheckRow:
    """`analytic` against central differences of `evaluate` around w, with the
    check's default step and tolerances: one row, a kink found as in any row."""
    how = METHODS["central"]
    return compare(evaluate, w, how, None, analytic, derivative, "", how.rtol, how.atol)


def compare(evaluate: Callable[[float], float], w: float, how: Method, eps: float | None,
             analytic: float, derivative: str, label: str, rtol: float, atol: float,
             lang: str = "en") -> GradcheckRow:
    """One row: analytic against the difference quotient of `evaluate` around w
    (its note, if any, in `lang`)."""
    h = how.step(w) if eps is None else eps
    offsets = sorted({0.0, -1.0, -0.5, 0.5, 1.0, *how.offsets, *(k / 2 for k in how.offsets)})
    try:
        fs = {k: evaluate(w + k * h) for k in offsets}
    except (ArithmeticError, ValueError) as exc:
        note = say(lang, "check.fails_near", label=label, value=repr(w), step=f"{h:.3g}",
                   error=f"{type(exc).__name__}: {exc}")
        return GradcheckRow(derivative, label, w, h, analytic, None, math.inf, math.inf,
                            0.0, ERROR, note=note)
    numeric, halved = how.quotient(fs, h), how.quotient(fs, h, 0.5)
    rounding = 8 * EPS * max(map(abs, fs.values())) / h
    truncation = 2 * abs(numeric - halved)  # Richardson at order 1: see the module docstring
    tolerance = atol + rtol * max(abs(analytic), abs(numeric)) + rounding + truncation
    error = abs(analytic - numeric)
    scale = max(abs(analytic), abs(numeric))
    row = GradcheckRow(derivative, label, w, h, analytic, numeric, error,
                       error / scale if scale else 0.0, tolerance,
                       OK if error <= tolerance else FAIL, uncertainty=rounding + truncation)

    # A kink at w: the one-sided derivatives disagree by as much with step h/2 as
    # with h (a smooth f's disagreement, ≈ f″·h, halves). A kink within ε of w:
    # the difference quotient itself changes with the step far more than a
    # smooth f's O(ε^p) truncation error would (relative 1e-3).
    right, left = (fs[1.0] - fs[0.0]) / h, (fs[0.0] - fs[-1.0]) / h
    right2, left2 = (fs[0.5] - fs[0.0]) / (h / 2), (fs[0.0] - fs[-0.5]) / (h / 2)
    jump, jump2 = right - left, right2 - left2
    noise = atol + rtol * max(abs(left), abs(right)) + 4 * rounding
    at_w = abs(jump) > 2 * noise and abs(jump2) > 0.75 * abs(jump)
    near_w = truncation > 1e-3 * max(abs(numeric), abs(halved)) + noise
    if at_w or near_w:
        sides = (left, right, left2, right2)
        inside = min(sides) - noise <= analytic <= max(sides) + noise
        row = replace(row, verdict=KINK if inside else FAIL, left=left, right=right)
    return row
