"""Gradient checking: backpropagation against finite differences.

`gradcheck(f, inputs)` compares, for every input w, the analytic derivative
∂f/∂w (from `backward()`, the sweep training uses) with a numeric one (seed
notes 000 §4.4.5):

* "forward":  (f(w + ε) − f(w)) / ε,            ε = √ε_c·|w|  (√ε_c when w = 0)
* "central":  (f(w + ε) − f(w − ε)) / 2ε,       ε = ∛ε_c·max(1, |w|)
* "five-point": (−f(w+2ε) + 8f(w+ε) − 8f(w−ε) + f(w−2ε)) / 12ε,  ε = ε_c^(1/5)·max(1, |w|)

where ε_c is machine epsilon. A row passes when
|analytic − numeric| ≤ atol + rtol·max(|analytic|, |numeric|) + 8·ε_c·F/ε, the
last term being the rounding error of the differences (F the largest |f| seen).

Kinks: where the one-sided differences (f(w+ε) − f(w))/ε and
(f(w) − f(w−ε))/ε disagree, and keep disagreeing when ε is halved (a smooth
function's disagreement halves with ε), the point is reported as not
differentiable. That is not a failure if the analytic value lies between
the two one-sided derivatives (relu′(0) = 0, for example).
"""

from __future__ import annotations

import html
import inspect
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from numbers import Real

from autodiff.engine import Value, topological_order
from autodiff.functional import grad

EPS = sys.float_info.epsilon
_METHODS = {
    # name: (step for w, default rtol, default atol)
    "forward": (lambda w: math.sqrt(EPS) * abs(w) or math.sqrt(EPS), 1e-5, 1e-7),
    "central": (lambda w: EPS ** (1 / 3) * max(1.0, abs(w)), 1e-6, 1e-8),
    "five-point": (lambda w: EPS ** (1 / 5) * max(1.0, abs(w)), 1e-8, 1e-9),
}

OK, FAIL, KINK, ERROR = "ok", "FAIL", "not differentiable", "error"


class GradcheckError(AssertionError):
    """A gradient disagrees with its finite-difference estimate."""


@dataclass(frozen=True)
class GradcheckRow:
    """One input's comparison: `step` is the ε used. `verdict` is "ok", "FAIL",
    "not differentiable" (a kink, with `left` and `right` the one-sided
    derivatives) or "error" (f could not be evaluated near the point; `note`
    says why)."""

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


@dataclass(frozen=True)
class GradcheckResult:
    """All rows of a check; `ok` when every row passes. `str()` is a table."""

    method: str
    rows: tuple[GradcheckRow, ...]

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def worst(self) -> GradcheckRow:
        """The failing row with the largest error (or the largest error overall)."""
        return max(self.rows, key=lambda r: (not r.ok, r.abs_error / max(r.tolerance, 1e-300)))

    def _table(self) -> list[list[str]]:
        head = ["input", "value", "analytic", "numeric", "abs error", "rel error", "verdict"]
        body = [[r.label, f"{r.value:.6g}", f"{r.analytic:.10g}", f"{r.numeric:.10g}",
                 f"{r.abs_error:.2e}", f"{r.rel_error:.2e}", _verdict_text(r)] for r in self.rows]
        return [head, *body]

    def __str__(self) -> str:
        table = self._table()
        widths = [max(len(row[i]) for row in table) for i in range(len(table[0]))]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(row, widths, strict=True)).rstrip()
                 for row in table]
        lines.insert(1, "  ".join("-" * w for w in widths))
        summary = "all gradients agree" if self.ok else "GRADIENT CHECK FAILED"
        return f"gradcheck ({self.method} differences): {summary}\n" + "\n".join(lines)

    def _repr_html_(self) -> str:
        head, *body = self._table()
        cells = "".join(f"<th>{html.escape(c)}</th>" for c in head)
        rows = "".join(
            f"<tr style='background:{'#e6f4ea' if r.ok else '#fce8e6'}'>"
            + "".join(f"<td>{html.escape(c)}</td>" for c in cells_)
            + "</tr>"
            for r, cells_ in zip(self.rows, body, strict=True)
        )
        status = "all gradients agree" if self.ok else "<b>gradient check failed</b>"
        return (f"<p>gradcheck ({html.escape(self.method)} differences): {status}</p>"
                f"<table><tr>{cells}</tr>{rows}</table>")


def _verdict_text(r: GradcheckRow) -> str:
    if r.verdict == KINK:
        return f"not differentiable here (left {r.left:.6g}, right {r.right:.6g})"
    if r.verdict == ERROR:
        return f"error: {r.note}"
    if r.verdict == FAIL:
        return f"FAIL (tolerance {r.tolerance:.1e})"
    return OK


def gradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float] | Sequence[Value],
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
      them and must return a Value, e.g. `gradcheck(lambda x, y: x * y.exp(), [1.0, 2.0])`.
    * `inputs` are Values (a model's parameters): `f()` takes no arguments and
      computes from them, e.g. `gradcheck(lambda: loss(model), model.parameters())`.
      Their `data` is perturbed during the check and restored afterwards.

    The analytic gradients come from `backward()`; the `.grad` of every node of
    f's graph is restored afterwards.

    `eps` fixes the step for every input (default: the method's ε above).
    Returns a `GradcheckResult`; if a row fails and `raise_exception` is true,
    raises `GradcheckError` naming the worst input, both numbers, the error and
    the tolerance.
    """
    if method not in _METHODS:
        raise ValueError(f"method must be one of {', '.join(_METHODS)}, got {method!r}")
    step, default_rtol, default_atol = _METHODS[method]
    rtol = default_rtol if rtol is None else _nonnegative("rtol", rtol)
    atol = default_atol if atol is None else _nonnegative("atol", atol)
    if eps is not None and (not isinstance(eps, Real) or not 0 < eps < math.inf):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    evaluate, leaves, labels, analytic = _setup(f, inputs)

    rows = []
    for i, (leaf, label, a) in enumerate(zip(leaves, labels, analytic, strict=True)):
        w = leaf.data
        h = float(eps) if eps is not None else step(w)
        rows.append(_compare(lambda t, i=i: evaluate(i, t), w, h, a, label, method, rtol, atol))
    result = GradcheckResult(method, tuple(rows))
    if raise_exception and not result.ok:
        raise GradcheckError(_failure_message(result, "∂f/∂"))
    return result


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Sequence[float],
    *,
    eps: float | None = None,
    atol: float = 1e-6,
    rtol: float = 1e-5,
    raise_exception: bool = True,
) -> GradcheckResult:
    """Check second derivatives: every entry ∂²f/∂x_i∂x_j of the Hessian, from
    `grad(grad(f), create_graph=True)`, against central differences of the
    first derivatives (ε = ∛ε_c·max(1, |x_j|)). Rows are labelled "∂²f/∂x∂y"."""
    if not isinstance(inputs, Sequence) or not all(_is_real(x) for x in inputs):
        raise TypeError("gradgradcheck() needs a list of numbers as inputs")
    _, leaves, labels, _ = _setup(f, inputs)
    xs = [Value(x.data, label) for x, label in zip(leaves, labels, strict=True)]
    first = grad(_call(f, xs), xs, create_graph=True)
    hessian = [grad(g, xs) for g in first]
    step = _METHODS["central"][0]

    def gradient_at(j: int, t: float) -> list[float]:
        point = [Value(t if k == j else x.data) for k, x in enumerate(xs)]
        return grad(_call(f, point), point)

    rows = []
    for j, xj in enumerate(xs):
        h = float(eps) if eps is not None else step(xj.data)
        try:
            plus, minus = gradient_at(j, xj.data + h), gradient_at(j, xj.data - h)
        except (ArithmeticError, ValueError) as exc:
            rows += [_error_row(f"∂²f/∂{labels[i]}∂{labels[j]}", xj.data, h, hessian[i][j], exc)
                     for i in range(len(xs))]
            continue
        for i in range(len(xs)):
            numeric = (plus[i] - minus[i]) / (2 * h)
            rows.append(_row(f"∂²f/∂{labels[i]}∂{labels[j]}", xj.data, h, hessian[i][j], numeric,
                             atol + rtol * max(abs(hessian[i][j]), abs(numeric))))
    result = GradcheckResult("central, second order", tuple(rows))
    if raise_exception and not result.ok:
        raise GradcheckError(_failure_message(result, ""))
    return result


# -- internals --------------------------------------------------------------------


def _is_real(x: object) -> bool:
    return isinstance(x, Real) and not isinstance(x, bool) and math.isfinite(x)


def _nonnegative(name: str, x: object) -> float:
    if not isinstance(x, Real) or not 0 <= x < math.inf:
        raise ValueError(f"{name} must be a finite number ≥ 0, got {x!r}")
    return float(x)


def _call(f: Callable[..., Value], args: Sequence[Value]) -> Value:
    out = f(*args)
    if not isinstance(out, Value):
        raise TypeError(f"f must return a Value, got {type(out).__name__}: {out!r}")
    return out


def _setup(f, inputs):
    """(evaluate(i, t) -> f with input i set to t, leaves, labels, analytic gradient)."""
    if not callable(f):
        raise TypeError(f"f must be callable, got {type(f).__name__}")
    inputs = list(inputs)
    if not inputs:
        raise ValueError("gradcheck() needs at least one input")
    if all(isinstance(x, Value) for x in inputs):
        params = inputs
        labels = [p.label or f"p{i}" for i, p in enumerate(params)]

        def evaluate(i: int, t: float) -> float:
            saved = params[i].data
            params[i].data = t
            try:
                return _call(f, ()).data
            finally:
                params[i].data = saved

        return evaluate, params, labels, _backpropagated(_call(f, ()), params)
    for i, x in enumerate(inputs):
        if not _is_real(x):
            raise TypeError(f"inputs must be all finite numbers or all Values; "
                            f"inputs[{i}] is {x!r}")
    labels = _argument_names(f, len(inputs))
    leaves = [Value(x, label) for x, label in zip(inputs, labels, strict=True)]

    def evaluate(i: int, t: float) -> float:
        point = [Value(t if k == i else x.data) for k, x in enumerate(leaves)]
        return _call(f, point).data

    return evaluate, leaves, labels, _backpropagated(_call(f, leaves), leaves)


def _backpropagated(out: Value, inputs: list[Value]) -> list[float]:
    """∂out/∂x by `out.backward()`, the path training uses (its fast steps for
    +, * and relu included), with every `.grad` of the graph restored after."""
    order = topological_order(out)
    saved = [v.grad for v in order]
    try:
        for v in order:
            v.grad = 0.0
        out.backward()
        in_graph = set(order)
        return [x.grad if x in in_graph else 0.0 for x in inputs]
    finally:
        for v, g in zip(order, saved, strict=True):
            v.grad = g


def _argument_names(f: Callable, n: int) -> list[str]:
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return names[:n] if len(names) >= n else [f"x{i}" for i in range(n)]


def _compare(evaluate, w, h, analytic, label, method, rtol, atol) -> GradcheckRow:
    try:
        f0, fp, fm = evaluate(w), evaluate(w + h), evaluate(w - h)
        if method == "forward":
            numeric, seen = (fp - f0) / h, [f0, fp]
        elif method == "central":
            numeric, seen = (fp - fm) / (2 * h), [fp, fm]
        else:
            fp2, fm2 = evaluate(w + 2 * h), evaluate(w - 2 * h)
            numeric, seen = (-fp2 + 8 * fp - 8 * fm + fm2) / (12 * h), [fp, fm, fp2, fm2]
        right, left = (fp - f0) / h, (f0 - fm) / h
        half_jump = (evaluate(w + h / 2) - f0) / (h / 2) - (f0 - evaluate(w - h / 2)) / (h / 2)
    except (ArithmeticError, ValueError) as exc:
        return _error_row(label, w, h, analytic, exc)
    rounding = 8 * EPS * max(map(abs, [f0, *seen])) / h
    tolerance = atol + rtol * max(abs(analytic), abs(numeric)) + rounding
    jump = right - left
    if abs(jump) > 2 * tolerance and abs(half_jump) > 0.75 * abs(jump):  # a kink, not curvature
        inside = min(left, right) - tolerance <= analytic <= max(left, right) + tolerance
        row = _row(label, w, h, analytic, numeric, tolerance)
        return GradcheckRow(**{**row.__dict__, "verdict": KINK if inside else FAIL,
                               "left": left, "right": right})
    return _row(label, w, h, analytic, numeric, tolerance)


def _row(label, w, h, analytic, numeric, tolerance) -> GradcheckRow:
    error = abs(analytic - numeric)
    scale = max(abs(analytic), abs(numeric))
    return GradcheckRow(label, w, h, analytic, numeric, error, error / scale if scale else 0.0,
                        tolerance, OK if error <= tolerance else FAIL)


def _error_row(label, w, h, analytic, exc) -> GradcheckRow:
    return GradcheckRow(label, w, h, analytic, math.nan, math.inf, math.inf, 0.0, ERROR,
                        note=f"f fails near {label} = {w!r}: {type(exc).__name__}: {exc}")


def _failure_message(result: GradcheckResult, prefix: str) -> str:
    r = result.worst
    failing = sum(not row.ok for row in result.rows)
    if r.verdict == ERROR:
        head = r.note
    else:
        head = (f"{prefix}{r.label} at {r.label} = {r.value!r}: analytic {r.analytic!r}, "
                f"numeric {r.numeric!r}, abs error {r.abs_error:.3g}, rel error "
                f"{r.rel_error:.3g} > tolerance {r.tolerance:.3g}")
        if r.verdict == FAIL and not math.isnan(r.left):
            head += (f" (not differentiable here: left {r.left!r}, right {r.right!r}, "
                     "and the analytic value lies outside them)")
    return (f"gradient check failed for {failing} of {len(result.rows)} inputs; "
            f"worst: {head}\n\n{result}")
