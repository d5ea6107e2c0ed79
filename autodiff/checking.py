"""Gradient checking: backpropagation against finite differences.

`gradcheck(f, inputs)` compares, for every input w, the analytic derivative
∂f/∂w (from `backward()`, the sweep training uses) with a numeric one (seed
notes 000 §4.4.5), ε_c being machine epsilon:

* "forward":    (f(w + ε) − f(w)) / ε,           ε = √ε_c·|w|  (√ε_c when w = 0)
* "central":    (f(w + ε) − f(w − ε)) / 2ε,      ε = ∛ε_c·max(1, |w|)
* "five-point": (−f(w+2ε) + 8f(w+ε) − 8f(w−ε) + f(w−2ε)) / 12ε,  ε = ε_c^(1/5)·max(1, |w|)

A row passes when |analytic − numeric| ≤ tolerance, where

    tolerance = atol + rtol·max(|analytic|, |numeric|) + rounding + truncation,

rounding = 8·ε_c·F/ε (F the largest |f| seen) bounds the floating-point error
of the differences, and truncation = 2·|D(ε) − D(ε/2)| estimates the method's
own error (D the difference quotient): Richardson's |D(ε) − D(ε/2)| / (1 − 2^−p)
taken at order p = 1, which bounds it whether D converges at its full order
(2 for central differences) or, where a higher derivative of f jumps at the
point (softsign at 0, whose f″ does), only at order 1. The
extra terms are what make the defaults safe: a correct gradient passes even
where f is steep or large, while a wrong local derivative misses by far more.

Kinks: where the one-sided derivatives (f(w + ε) − f(w))/ε and (f(w) − f(w − ε))/ε
disagree, and the disagreement does not halve with ε as a smooth function's
would, f is not differentiable at w; where the difference quotient changes
with ε far more than its truncation error allows, f is not differentiable
within ε of w. Either way the row is reported as "not differentiable" (not a
failure) when the analytic value lies between the one-sided derivatives:
relu′(0) = 0, for example.
"""

from __future__ import annotations

import html
import inspect
import math
import sys
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from functools import cache, partial
from numbers import Real
from typing import Any

from autodiff.engine import Value, reverse_sweep, topological_order
from autodiff.functional import grad

EPS = sys.float_info.epsilon


@dataclass(frozen=True)
class _Method:
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


_METHODS = {
    "forward": _Method((0.0, 1.0), (-1.0, 1.0),
                       lambda w: math.sqrt(EPS) * abs(w) or math.sqrt(EPS), 1e-5, 1e-7),
    "central": _Method((-1.0, 1.0), (-0.5, 0.5),
                       lambda w: EPS ** (1 / 3) * max(1.0, abs(w)), 1e-6, 1e-8),
    "five-point": _Method((-2.0, -1.0, 1.0, 2.0), (1 / 12, -8 / 12, 8 / 12, -1 / 12),
                          lambda w: EPS ** (1 / 5) * max(1.0, abs(w)), 1e-8, 1e-9),
}

OK, FAIL, KINK, ERROR = "ok", "FAIL", "not differentiable", "error"


class GradcheckError(AssertionError):
    """A derivative disagrees with its finite-difference estimate.

    A subclass of `AssertionError`, so a failed check inside a test reads as a
    test failure. The message names the worst input, both numbers, the error
    and the tolerance, followed by the whole table; `.result` holds the
    `GradcheckResult`.
    """

    def __init__(self, message: str, result: GradcheckResult) -> None:
        super().__init__(message)
        self.result = result


@dataclass(frozen=True)
class GradcheckRow:
    """One derivative's comparison.

    `derivative` is what was checked ("∂f/∂x", "∂²f/∂x∂y"), `label` the input
    that was moved (x, or y for ∂²f/∂x∂y), `value` its value at the point,
    `step` the ε used. `verdict` is "ok",
    "FAIL", "not differentiable" (a kink at or within ε of the point; `left`
    and `right` are the one-sided derivatives) or "error" (f could not be
    evaluated there); `note` explains errors and likely causes.
    """

    derivative: str
    label: str
    value: float
    step: float
    analytic: float
    numeric: float
    abs_error: float
    rel_error: float
    tolerance: float
    verdict: str
    left: float = math.nan
    right: float = math.nan
    note: str = ""

    @property
    def ok(self) -> bool:
        return self.verdict in (OK, KINK)


@dataclass(frozen=True, repr=False)
class GradcheckResult:
    """All rows of a check; `ok` when every row passes. `str()` and `repr()`
    are the summary and a table (what a REPL shows), and notebooks show it as an
    HTML table."""

    method: str
    rows: tuple[GradcheckRow, ...]
    diagnosis: str = ""
    """Where a failure comes from, when the check could tell: the primitive whose
    `partials` disagree with finite differences of its own `forward`."""

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def worst(self) -> GradcheckRow:
        """The failing row with the largest error relative to its tolerance
        (the row closest to failing if none fails)."""
        return max(self.rows, key=lambda r: (not r.ok, r.abs_error / max(r.tolerance, 1e-300)))

    @property
    def summary(self) -> str:
        """One line: how many derivatives agree, fail, or could not be checked
        because f is not differentiable at the point."""
        failing = sum(not row.ok for row in self.rows)
        kinks = sum(row.verdict == KINK for row in self.rows)
        n = len(self.rows)
        agreeing = n - failing - kinks
        parts = []
        if failing:
            parts.append(f"FAILED for {failing} of {n} derivative{'s' * (n > 1)}")
        elif agreeing == n:
            parts.append(f"all {n} derivatives agree" if n > 1 else "the derivative agrees")
        elif agreeing:
            parts.append(f"{agreeing} of {n} derivatives agree")
        if kinks:
            parts.append(f"{kinks} derivative{'s' * (kinks > 1)} not checked: f is not "
                         "differentiable here")
        return f"gradcheck ({self.method} differences): {'; '.join(parts)}"

    def _table(self) -> list[list[str]]:
        head = ["derivative", "value", "analytic", "numeric", "abs error", "rel error", "verdict"]
        body = [[r.derivative, f"{r.value:.6g}", f"{r.analytic:.10g}",
                 f"{r.numeric:.10g}", f"{r.abs_error:.2e}", f"{r.rel_error:.2e}",
                 _verdict_text(r)] for r in self.rows]
        return [head, *body]

    def __str__(self) -> str:
        table = self._table()
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                 for row in table]
        lines.insert(1, "  ".join("-" * w for w in widths))
        diagnosis = f"\n{self.diagnosis}" if self.diagnosis else ""
        return self.summary + "\n" + "\n".join(lines) + diagnosis

    __repr__ = __str__

    def _repr_html_(self) -> str:
        head, *body = self._table()
        cells = "".join(f"<th>{html.escape(c)}</th>" for c in head)
        rows = "".join(
            f"<tr style='background:{'#e6f4ea' if r.ok else '#fce8e6'}'>"
            + "".join(f"<td>{html.escape(c)}</td>" for c in texts)
            + "</tr>"
            for r, texts in zip(self.rows, body, strict=True)
        )
        diagnosis = f"<p>{html.escape(self.diagnosis)}</p>" if self.diagnosis else ""
        return (f"<p>{html.escape(self.summary)}</p><table><tr>{cells}</tr>{rows}</table>"
                + diagnosis)


def _verdict_text(r: GradcheckRow) -> str:
    if r.verdict == KINK:
        return f"not differentiable at or near here (left {r.left:.6g}, right {r.right:.6g})"
    if r.verdict == ERROR:
        return f"error: {r.note}"
    if r.verdict == FAIL:
        return f"FAIL (tolerance {r.tolerance:.1e})"
    return OK


Inputs = Sequence[float] | Sequence[Value] | Mapping[str, Value] | Iterable[tuple[str, Value]]


def gradcheck(
    f: Callable[..., Value],
    inputs: Inputs,
    *,
    method: str = "central",
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    raise_exception: bool = True,
) -> GradcheckResult:
    """Check the gradient of `f` at `inputs` against finite differences.

    Two forms:

    * `inputs` are numbers: `f(*values)` is called with fresh Values built from
      them and must return a Value: `gradcheck(lambda x, y: x * y.exp(), [1.0, 2.0])`.
      Rows are labelled with f's parameter names.
    * `inputs` are Values, e.g. a model's parameters: `f()` takes no arguments
      and computes from them: `gradcheck(lambda: loss(model), model.parameters())`.
      `model.named_parameters()` (or a dict name -> Value) labels rows by name.
      Their `data` is moved during the check and always restored, and so is
      the `.grad` of every node of f's graph: the model is left as it was.

    The analytic gradient comes from `backward()`. `method` is "central"
    (default), "forward" or "five-point"; `eps` fixes the step ε for every
    input instead of the method's rule; `atol`, `rtol` default per method
    (central: 1e-8, 1e-6). Each input costs 5 evaluations of f (7 for
    five-point): the extra ones estimate truncation and find kinks.

    Returns a `GradcheckResult`; if a row fails and `raise_exception` is true,
    raises `GradcheckError`. Where f raises a domain error (ValueError,
    ArithmeticError) within a few steps of the point, that row's verdict is
    "error", saying why; if f fails at the point itself, the error propagates
    with a note. `TypeError` if f returns something other than a Value.
    """
    how, rtol, atol, eps = _options(method, rtol, atol, eps)
    problem = _Problem(f, inputs)
    analytic, unreachable = problem.at_the_point(_backpropagated)
    rows = []
    for i, label in enumerate(problem.labels):
        row = _compare(partial(problem.value_at, i), problem.point[i], how, eps,
                       analytic[i], f"∂f/∂{label}", label, rtol, atol)
        if i in unreachable and row.verdict == FAIL:
            row = replace(row, note=f"{label} does not reach f's output through the graph: "
                                    "did f use its .data (or float()) instead of the Value?")
        rows.append(row)
    return _finish(GradcheckResult(method, tuple(rows)), problem, raise_exception)


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Inputs,
    *,
    method: str = "central",
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    raise_exception: bool = True,
) -> GradcheckResult:
    """Check second derivatives: every entry ∂²f/∂x_i∂x_j of the Hessian, found
    by `grad(grad(f, create_graph=True))`, against finite differences (in x_j)
    of the first derivatives ∂f/∂x_i from `grad`. Arguments as for `gradcheck`;
    rows are labelled "∂²f/∂x∂y", in the order i fastest, then j."""
    how, rtol, atol, eps = _options(method, rtol, atol, eps)
    problem = _Problem(f, inputs)

    def hessian(out: Value, leaves: list[Value]) -> list[list[float]]:
        return [grad(g, leaves) for g in grad(out, leaves, create_graph=True)]

    @cache
    def gradient_at(j: int, t: float) -> list[float]:
        point = [t if k == j else x for k, x in enumerate(problem.point)]
        return problem.run(point, grad)

    exact = problem.at_the_point(hessian)
    labels = problem.labels
    def entry(i: int, j: int) -> Callable[[float], float]:
        return lambda t: gradient_at(j, t)[i]

    rows = [_compare(entry(i, j), problem.point[j], how, eps, exact[i][j],
                     f"∂²f/∂{labels[i]}∂{labels[j]}", labels[j], rtol, atol)
            for j in range(len(labels)) for i in range(len(labels))]
    return _finish(GradcheckResult(f"{method}, second order", tuple(rows)), problem,
                   raise_exception)


# -- internals --------------------------------------------------------------------


def _options(method, rtol, atol, eps) -> tuple[_Method, float, float, float | None]:
    if not isinstance(method, str) or method not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(_METHODS)}, got {method!r}")
    how = _METHODS[method]
    rtol = how.rtol if rtol is None else _nonnegative("rtol", rtol)
    atol = how.atol if atol is None else _nonnegative("atol", atol)
    if eps is not None and (not _is_real(eps) or eps <= 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    return how, rtol, atol, None if eps is None else float(eps)


def _is_real(x: object) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool) and math.isfinite(x)


def _nonnegative(name: str, x: object) -> float:
    if not isinstance(x, Real) or not _is_real(x) or x < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0, got {x!r}")
    return float(x)


class _Problem:
    """f and its inputs in either form, evaluated at any point."""

    def __init__(self, f: Callable[..., Value], given: Inputs) -> None:
        if not callable(f):
            raise TypeError(f"f must be callable, got {type(f).__name__}")
        inputs: list[Any] = list(given.items() if isinstance(given, Mapping) else given)
        if not inputs:
            raise ValueError("gradcheck() needs at least one input")
        self.f = f
        if all(isinstance(x, tuple) and len(x) == 2 and isinstance(x[1], Value) for x in inputs):
            self.labels = [str(name) for name, _ in inputs]
            self.params: list[Value] | None = [p for _, p in inputs]
        elif all(isinstance(x, Value) for x in inputs):
            self.labels = [p.label or f"p{i}" for i, p in enumerate(inputs)]
            self.params = inputs
        else:
            for i, x in enumerate(inputs):
                if not _is_real(x):
                    raise TypeError("inputs must be all finite numbers, all Values or all "
                                    f"(name, Value) pairs; inputs[{i}] is {x!r}")
            self.labels = _argument_names(f, len(inputs))
            self.params = None
        if self.params is not None and len(set(self.params)) != len(self.params):
            raise ValueError("inputs contain the same Value twice")
        self.point = [float(x) for x in inputs] if self.params is None else [
            p.data for p in self.params]

    def run(self, point: Sequence[float], use: Callable[[Value, list[Value]], Any]) -> Any:
        """use(f's output at `point`, the input Values), the inputs put back after."""
        if self.params is None:
            leaves = [Value(x, label) for x, label in zip(point, self.labels, strict=True)]
            return use(_call(self.f, leaves), leaves)
        saved = [p.data for p in self.params]
        try:
            for p, x in zip(self.params, point, strict=True):
                p.data = x
            return use(_call(self.f, ()), self.params)
        finally:
            for p, x in zip(self.params, saved, strict=True):
                p.data = x

    def at_the_point(self, use: Callable[[Value, list[Value]], Any]) -> Any:
        """`run` at the point to check; f's errors there get a note saying so."""
        try:
            return self.run(self.point, use)
        except (ArithmeticError, ValueError) as exc:
            given = ", ".join(f"{n} = {x!r}" for n, x in zip(self.labels, self.point, strict=True))
            exc.add_note(f"(raised by f at the point gradcheck was asked to check: {given})")
            raise

    def value_at(self, i: int, t: float) -> float:
        """f with input i moved to t (the others at the point), as a float."""
        point = [t if k == i else x for k, x in enumerate(self.point)]
        return self.run(point, lambda out, leaves: out.data)


def _call(f: Callable[..., Value], args: Sequence[Value]) -> Value:
    out = f(*args)
    if not isinstance(out, Value):
        raise TypeError(f"f must return a Value, got {type(out).__name__}: {out!r} "
                        "(did it use .data or float() on its result?)")
    return out


def _backpropagated(out: Value, inputs: list[Value]) -> tuple[list[float], set[int]]:
    """(∂out/∂x for every input, by the sweep `backward()` runs, with its fast
    steps for +, −, × and relu; the indices of inputs out does not depend on).
    Every `.grad` is left as it was."""
    gradients = reverse_sweep(out)
    unreachable = {i for i, x in enumerate(inputs) if x not in gradients}
    return [gradients.get(x, 0.0) for x in inputs], unreachable


def _argument_names(f: Callable, n: int) -> list[str]:
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return names[:n] if len(names) >= n else [f"x{i}" for i in range(n)]


def _compare(evaluate: Callable[[float], float], w: float, how: _Method, eps: float | None,
             analytic: float, derivative: str, label: str, rtol: float, atol: float
             ) -> GradcheckRow:
    """One row: analytic against the difference quotient of `evaluate` around w."""
    h = how.step(w) if eps is None else eps
    offsets = sorted({0.0, -1.0, -0.5, 0.5, 1.0, *how.offsets, *(k / 2 for k in how.offsets)})
    try:
        fs = {k: evaluate(w + k * h) for k in offsets}
    except (ArithmeticError, ValueError) as exc:
        note = f"f fails near {label} = {w!r} (step {h:.3g}): {type(exc).__name__}: {exc}"
        return GradcheckRow(derivative, label, w, h, analytic, math.nan, math.inf, math.inf,
                            0.0, ERROR, note=note)
    numeric, halved = how.quotient(fs, h), how.quotient(fs, h, 0.5)
    rounding = 8 * EPS * max(map(abs, fs.values())) / h
    truncation = 2 * abs(numeric - halved)  # Richardson at order 1: see the module docstring
    tolerance = atol + rtol * max(abs(analytic), abs(numeric)) + rounding + truncation
    error = abs(analytic - numeric)
    scale = max(abs(analytic), abs(numeric))
    row = GradcheckRow(derivative, label, w, h, analytic, numeric, error,
                       error / scale if scale else 0.0, tolerance,
                       OK if error <= tolerance else FAIL)

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


def _finish(result: GradcheckResult, problem: _Problem, raise_exception: bool
            ) -> GradcheckResult:
    if not result.ok:
        result = replace(result, diagnosis=_diagnose(problem))
        if raise_exception:
            raise GradcheckError(_failure_message(result), result)
    return result


def _moving(forward: Callable[..., float], operands: list[float], i: int
            ) -> Callable[[float], float]:
    """forward as a function of its operand i alone, the others fixed."""
    return lambda t: forward(*operands[:i], t, *operands[i + 1:])


def _diagnose(problem: _Problem) -> str:
    """Check each operation of f's graph at the point on its own: the partials of
    its primitive against central differences of that primitive's `forward`.
    Names the first primitive (in the graph's order) that disagrees, or says
    that none does."""
    try:
        out = problem.at_the_point(lambda out, leaves: out)
    except (ArithmeticError, ValueError):
        return ""
    how = _METHODS["central"]
    checked, wrong = 0, dict[str, list[tuple[list[float], GradcheckRow]]]()
    for v in topological_order(out):
        prim = v.primitive
        if prim is None:
            continue
        checked += 1
        args = v.args
        floats = [a.data if isinstance(a, Value) else a for a in args]
        try:
            analytic = iter(v.partials())
        except (ArithmeticError, ValueError):
            continue
        for i, a in enumerate(args):
            if not isinstance(a, Value):
                continue
            row = _compare(_moving(prim.forward, floats, i), floats[i], how, None, next(analytic),
                           f"∂{prim.name}/∂operand {i + 1}", "", how.rtol, how.atol)
            if row.verdict == FAIL:
                wrong.setdefault(prim.name, []).append((floats, row))
    if not wrong:
        return (f"Each of the {checked} operations of f's graph agrees with finite "
                "differences of its own primitive at the point, so the fault is elsewhere: "
                "f reads .data (or float()) of a Value, or a step of the sweep is wrong.")
    name, cases = next(iter(wrong.items()))
    floats, row = cases[0]
    at = ", ".join(format(x, ".6g") for x in floats)
    return (f"The primitive {name!r} is wrong: its partials disagree with finite differences "
            f"of its forward at {len(cases)} of its nodes; at {name}({at}), {row.derivative} is "
            f"{row.analytic:.10g} by partials but {row.numeric:.10g} numerically.")


def _failure_message(result: GradcheckResult) -> str:
    r = result.worst
    if r.verdict == ERROR:
        head = f"{r.derivative}: {r.note}"
    else:
        head = (f"{r.derivative} at {r.label} = {r.value!r}: analytic {r.analytic!r}, "
                f"numeric {r.numeric!r}, abs error {r.abs_error:.3g}, rel error "
                f"{r.rel_error:.3g} > tolerance {r.tolerance:.3g}")
        if not math.isnan(r.left):
            head += (f" (f is not differentiable at or within ε of here: left {r.left!r}, "
                     f"right {r.right!r}, and the analytic value lies outside them)")
        if r.note:
            head += f"; {r.note}"
    diagnosis = f"\n{result.diagnosis}" if result.diagnosis else ""
    return f"gradient check failed: worst is {head}{diagnosis}\n\n{result}"
