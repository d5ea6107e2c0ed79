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
within ε of w. Either way the analytic value is a valid subgradient along the
row's direction when it lies between the one-sided derivatives (relu′(0) = 0,
for example): the row is then reported as "not differentiable" (not checked,
not a failure), or with `subgradients="accept"` as "subgradient" (checked and
agreeing); outside them it fails.

rounding + truncation is the row's finite-difference `uncertainty`; a failure
report puts it beside the discrepancy, so that "uncertainty 3e-9, discrepancy
2e-2" says the analytic derivative is wrong, not the difference quotient.

After a failure, each operation of f's graph is checked on its own, and the
first primitive whose partials disagree with differences of its own forward
is named with the likely bug and its evidence (`autodiff.checking.diagnosis`); the
result keeps f's graph at the point, so that `result.draw()` and
`result.stepper()` show that node. `str(result)` is short (at most 12 rows,
the failing ones first); `result.table()` has every row.

Beyond one row per input (the default):

* modes ("rev", "fwd"): the analytic side by reverse mode (`backward()`'s
  sweep), by forward mode (a tangent sweep, `autodiff.calculus.forward`), or both, and
  then also whether the two agree to rounding (within 4·L·ε_c·|J|·|u| for the
  L operations of both sweeps).
* order k: derivatives up to order k, recursively, as `jax.test_util.check_grads`
  does: the derivatives of order ℓ, built as graphs by the same mode (reverse
  over reverse, forward over forward), against finite differences of those of
  order ℓ − 1.
* fast: along a few seeded random directions u instead of every input: the
  directional derivative ∂f/∂u = ∇f·u (one backward pass, or one forward
  sweep) against the difference quotient of t ↦ f(x + t·u), as PyTorch's fast
  mode and JAX's check do. A model with thousands of parameters costs a few
  evaluations of f, not thousands. u is Gaussian, of unit length, scaled by
  max(1, |x_j|) per input as the per-input steps are. On a failure the check
  falls back to the per-input rows, which name the worst input.
"""

from __future__ import annotations

import html
import inspect
import itertools
import math
import random
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, partial
from numbers import Real
from typing import TYPE_CHECKING, Any, TypeGuard

from autodiff.calculus.forward import Linearization, tangent_graphs
from autodiff.calculus.functional import graph_gradients
from autodiff.checking import diagnosis as _diagnosis
from autodiff.checking.differences import (
    EPS,
    ERROR,
    FAIL,
    KINK,
    METHODS,
    SUBGRADIENT,
    GradcheckRow,
    Method,
    compare,
)
from autodiff.core import Value, reverse_sweep, topological_order
from autodiff.core.interrupts import uninterrupted
from autodiff.notation import write
from autodiff.notation.messages import check_lang, say

if TYPE_CHECKING:
    from autodiff.drawing.graph import Diagram
    from autodiff.stepping.stepper import Stepper

SUBGRADIENT_CHOICES = ("skip", "accept")
SHORT_ROWS = 12
"""The most rows `str(result)` shows; `result.table()` shows them all."""


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


@dataclass(frozen=True, repr=False)
class GradcheckResult:
    """All rows of a check; `ok` when every row passes. `str()` and `repr()`
    are the summary, a table of at most SHORT_ROWS rows and the diagnosis (what
    a REPL shows; `table()` has every row), and notebooks show it as a small
    HTML table."""

    method: str
    rows: tuple[GradcheckRow, ...]
    diagnosis: str = ""
    """Where a failure comes from, when the check could tell: the primitive whose
    `partials` disagree with finite differences of its own `forward`."""
    checked: str = ""
    """What else was checked, for the summary: "modes rev and fwd", "orders 1 to 2",
    "along 2 random directions"."""
    note: str = ""
    """What the check did beyond its rows (a fast check's fall-back to inputs)."""
    diagnoses: tuple[_diagnosis.Diagnosis, ...] = ()
    """Why the primitive named in `diagnosis` is wrong: one `Diagnosis` per
    wrong partial (`autodiff.checking.diagnosis`), each with its node."""
    output: Value | None = field(default=None, compare=False)
    """f's output at the point, after a failure: the graph `draw()` and
    `stepper()` show."""
    lang: str = "en"
    """The language of the report (summary, table, verdicts, diagnosis): "en"
    or "ja" (`autodiff.notation.messages`), the diagnosis's evidence and the
    notes on the wrong node and the rows' notes too."""

    @property
    def ok(self) -> bool:
        return all(row.ok for row in self.rows)

    @property
    def worst(self) -> GradcheckRow:
        """The failing row with the largest error relative to its tolerance
        (the row closest to failing if none fails); an input's row before a
        random direction's, so that a failure names an input where it can."""
        return max(self.rows, key=lambda r: (not r.ok, not r.random_direction,
                                             r.abs_error / max(r.tolerance, 1e-300)))

    @property
    def summary(self) -> str:
        """One line: how many derivatives agree, fail, or could not be checked
        because f is not differentiable at the point."""
        failing = sum(not row.ok for row in self.rows)
        kinks = sum(row.verdict == KINK for row in self.rows)
        subgradients = sum(row.verdict == SUBGRADIENT for row in self.rows)
        n = len(self.rows)
        agreeing = n - failing - kinks
        lang = self.lang
        parts = []
        if failing:
            parts.append(say(lang, "check.failed", failing=failing, n=n) if n > 1
                         else say(lang, "check.one_failed"))
        elif agreeing == n:
            parts.append(say(lang, "check.all_agree", n=n) if n > 1
                         else say(lang, "check.one_agrees"))
        elif agreeing:
            parts.append(say(lang, "check.some_agree", agreeing=agreeing, n=n))
        if subgradients:
            parts.append(say(lang, "check.subgradients", count=subgradients))
        if kinks:
            parts.append(say(lang, "check.kinks", count=kinks) if kinks > 1
                         else say(lang, "check.one_kink"))
        checked = f"; {self.checked}" if self.checked else ""
        return say(lang, "check.head", method=self.method, checked=checked,
                   parts="; ".join(parts))

    @property
    def wrong_node(self) -> Value | None:
        """The node of f's graph (at the point) where a primitive's partial was
        found wrong; None if the check passed or no primitive is wrong."""
        return self.diagnoses[0].node if self.diagnoses else None

    def _shown_rows(self) -> list[GradcheckRow]:
        """Every row, or (more than SHORT_ROWS) the failing ones, worst first, up
        to SHORT_ROWS."""
        if len(self.rows) <= SHORT_ROWS:
            return list(self.rows)
        failing = sorted((r for r in self.rows if not r.ok),
                         key=lambda r: r.abs_error / max(r.tolerance, 1e-300), reverse=True)
        return failing[:SHORT_ROWS] if failing else list(self.rows[:SHORT_ROWS])

    def _table(self, rows: Sequence[GradcheckRow]) -> list[list[str]]:
        head = say(self.lang, "check.columns").split("|")
        body = [[r.derivative, f"{r.value:.6g}", f"{r.analytic:.10g}",
                 _number(r.numeric), f"{r.abs_error:.2e}", f"{r.rel_error:.2e}",
                 _verdict_text(r, self.lang)] for r in rows]
        return [head, *body]

    def _text(self, rows: Sequence[GradcheckRow]) -> str:
        table = self._table(rows)
        widths = [max(_width(row[i]) for row in table) for i in range(len(table[0]))]
        lines = ["  ".join(cell + " " * (w - _width(cell))
                           for cell, w in zip(row, widths, strict=True)).rstrip()
                 for row in table]
        lines.insert(1, "  ".join("-" * w for w in widths))
        left_out = len(self.rows) - len(rows)
        if left_out:
            lines.append(self._more_rows(left_out))
        diagnosis = f"\n{self.diagnosis}" if self.diagnosis else ""
        note = f"\n{self.note}" if self.note else ""
        return self.summary + "\n" + "\n".join(lines) + note + diagnosis

    def _more_rows(self, count: int) -> str:
        return (say(self.lang, "check.more_rows", count=count) if count > 1
                else say(self.lang, "check.one_more_row"))

    def table(self) -> str:
        """The summary, every row, and the diagnosis: the long form of `str()`."""
        return self._text(self.rows)

    def __str__(self) -> str:
        """The short form: the summary, at most SHORT_ROWS rows (the failing
        ones, worst first, when there are more), and the diagnosis."""
        return self._text(self._shown_rows())

    __repr__ = __str__

    def _repr_html_(self) -> str:
        shown = self._shown_rows()
        head, *body = self._table(shown)
        cells = "".join(f"<th>{html.escape(c)}</th>" for c in head)
        rows = "".join(
            f"<tr style='background:{'#e6f4ea' if r.ok else '#fce8e6'}'>"
            + "".join(f"<td>{html.escape(c)}</td>" for c in texts)
            + "</tr>"
            for r, texts in zip(shown, body, strict=True)
        )
        left_out = len(self.rows) - len(shown)
        more = f"<p>{html.escape(self._more_rows(left_out))}</p>" if left_out else ""
        texts = [self.note, *(self.diagnosis.splitlines()[:1] if self.diagnoses
                              else [self.diagnosis])]
        diagnosis = "".join(f"<p>{html.escape(text)}</p>" for text in texts if text)
        why = ""
        if self.diagnoses:
            heads = "".join(f"<th>{html.escape(c)}</th>"
                            for c in say(self.lang, "check.why_columns").split("|"))
            why = (f"<table><tr>{heads}</tr>"
                   + "".join(f"<tr><td>{html.escape(d.derivative)}</td><td>"
                             f"{html.escape(_diagnosis.named(d.name, self.lang))}</td><td>"
                             f"{html.escape(d.evidence.say(self.lang))}</td></tr>"
                             for d in self.diagnoses) + "</table>")
        return (f"<p lang='{self.lang}'>{html.escape(self.summary)}</p>"
                f"<table><tr>{cells}</tr>{rows}</table>" + more + diagnosis + why)

    def notes(self) -> dict[Value, str]:
        """What a diagram or the Stepper writes beside the wrong node: each wrong
        partial by `partials` and numerically, and the likely bug."""
        notes: dict[Value, str] = {}
        for d in self.diagnoses:
            if d.node is not None:
                notes[d.node] = "\n".join(filter(None, [notes.get(d.node), d.note.say(self.lang)]))
        return notes

    def draw(self, **draw_options: Any) -> Diagram:
        """f's graph at the point (`autodiff.draw`), the wrong node highlighted
        with its local derivative beside the numerical one. Values and labels
        by default (the check ran no `backward()` on this graph); options as
        for `draw`. ValueError if the check passed."""
        from autodiff.drawing.graph import draw

        output = self._failed_output()
        node = self.wrong_node
        options: dict[str, Any] = {"show": ("label", "data"),
                                   "highlight": [] if node is None else [node], **draw_options}
        return draw(output, notes=self.notes(), **options)

    def stepper(self, *, number_format: str = ".4g") -> Stepper:
        """A `Stepper` through f's graph at the point, whose frames and backward
        step at the wrong node show its local derivative beside the numerical
        one. ValueError if the check passed."""
        from autodiff.stepping.stepper import Stepper

        return Stepper(self._failed_output(), number_format=number_format, notes=self.notes())

    def _failed_output(self) -> Value:
        if self.output is None:
            raise ValueError("the check passed: there is no failing graph to show "
                             "(draw() and stepper() show where a failed check went wrong)")
        return self.output


def _number(x: float | None) -> str:
    return "—" if x is None else f"{x:.10g}"


def _width(text: str) -> int:
    """The columns `text` takes in a terminal: two for a wide (CJK) character."""
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _verdict_text(r: GradcheckRow, lang: str = "en") -> str:
    sides = "" if r.left is None else say(lang, "check.sides", left=f"{r.left:.6g}",
                                          right=f"{r.right:.6g}")
    if r.verdict == KINK:
        return say(lang, "check.verdict_kink", sides=sides)
    if r.verdict == SUBGRADIENT:
        return say(lang, "check.verdict_subgradient", sides=sides)
    if r.verdict == ERROR:
        return say(lang, "check.verdict_error", note=r.note)
    if r.verdict == FAIL:
        uncertainty = ("" if r.uncertainty is None
                       else say(lang, "check.uncertainty", uncertainty=f"{r.uncertainty:.1e}"))
        kink = say(lang, "check.not_subgradient", sides=sides) if sides else ""
        return say(lang, "check.verdict_fail", tolerance=f"{r.tolerance:.1e}",
                   uncertainty=uncertainty, kink=kink)
    return say(lang, "check.verdict_ok")


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
    modes: Sequence[str] = ("rev",),
    order: int = 1,
    fast: bool = False,
    directions: int = 2,
    seed: int = 0,
    fallback: bool = True,
    subgradients: str = "skip",
    lang: str = "en",
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

    `modes` ("rev", "fwd" or both) says which mode finds the analytic side
    (with both, also whether they agree to rounding); `order=k` checks the
    derivatives of every order up to k recursively, each built by the same
    mode, against finite differences of the order below (order 2 costs 5
    gradients per input). `fast=True` checks the derivatives along
    `directions` random unit directions (seeded by `seed`) instead of along
    every input: about 1 + 5·directions evaluations of f, whatever the number
    of inputs; if one fails, the per-input rows are added (up to the failing
    order, while there are at most 10 000 of them) and name the worst input,
    unless `fallback=False` (a model too large to check per input).

    At a kink (f not differentiable at or within ε of the point, along the
    row's input or random direction) a row says whether the analytic value is
    a valid subgradient there, between the one-sided derivatives: if it is
    not, the row fails; if it is, `subgradients="skip"` (default) reports the
    row as not checked ("not differentiable") and `subgradients="accept"`
    counts it as checked and agreeing (verdict "subgradient").

    On a failure, the result's `diagnosis` names the primitive whose partials
    are wrong and why (`diagnoses`, `autodiff.checking.diagnosis`); `result.draw()` and
    `result.stepper()` show f's graph with that node (`wrong_node`) marked.

    `lang` ("en", "ja") is the language of the report: the summary, the
    table, the verdicts and the diagnosis (`GradcheckResult.lang`).

    Returns a `GradcheckResult`; if a row fails and `raise_exception` is true,
    raises `GradcheckError`. Where f raises a domain error (ValueError,
    ArithmeticError) within a few steps of the point, that row's verdict is
    "error", saying why; if f fails at the point itself, the error propagates
    with a note. `TypeError` if f returns something other than a Value.
    """
    how, rtol, atol, eps = _options(method, rtol, atol, eps)
    modes = _modes(modes)
    order = _count("order", order)
    directions = _count("directions", directions)
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"seed must be an int, got {type(seed).__name__}")
    accept = _subgradients(subgradients)
    lang = check_lang(lang)
    problem = _Problem(f, inputs)
    check = _Check(problem, how, eps, rtol, atol, modes, accept, lang)
    levels = range(1, order + 1)
    checked = [(say(lang, "check.both_modes") if len(modes) == 2
                else say(lang, "check.mode", mode=modes[0])) if modes != ("rev",) else "",
               say(lang, "check.orders", order=order) if order > 1 else ""]
    note = ""
    if not fast:
        rows = check.rows(levels, None)
    else:
        rows = check.rows(levels, _random_directions(problem.point, directions, order, seed))
        checked.append(say(lang, "check.directions", count=directions) if directions > 1
                       else say(lang, "check.one_direction"))
        failed = [r.order for r in rows if not r.ok]
        if failed and fallback:
            n = len(problem.point)
            upto = max([level for level in range(1, min(failed) + 1) if n**level <= 10_000],
                       default=1)
            rows += check.rows(range(1, upto + 1), None)
            note = (say(lang, "check.fallback", order=upto) if upto > 1
                    else say(lang, "check.fallback_one"))
    result = GradcheckResult(method, tuple(rows), checked=_joined(checked), note=note,
                             lang=lang)
    return _finish(result, problem, raise_exception)


def gradgradcheck(
    f: Callable[..., Value],
    inputs: Inputs,
    *,
    method: str = "central",
    eps: float | None = None,
    atol: float | None = None,
    rtol: float | None = None,
    raise_exception: bool = True,
    subgradients: str = "skip",
    lang: str = "en",
) -> GradcheckResult:
    """Check second derivatives: every entry ∂²f/∂x_i∂x_j of the Hessian, found
    by `grad(grad(f, create_graph=True))`, against finite differences (in x_j)
    of the first derivatives ∂f/∂x_i from `grad`. Arguments as for `gradcheck`;
    rows are labelled "∂²f/∂x∂y", in the order i fastest, then j. (The rows of
    order 2 of `gradcheck(..., order=2)`.)"""
    how, rtol, atol, eps = _options(method, rtol, atol, eps)
    accept = _subgradients(subgradients)
    lang = check_lang(lang)
    problem = _Problem(f, inputs)
    rows = _Check(problem, how, eps, rtol, atol, ("rev",), accept, lang).rows([2], None)
    method_text = say(lang, "check.second_order", method=method)
    return _finish(GradcheckResult(method_text, tuple(rows), lang=lang), problem,
                   raise_exception)


# -- internals --------------------------------------------------------------------


def _options(method: object, rtol: object, atol: object, eps: object
             ) -> tuple[Method, float, float, float | None]:
    if not isinstance(method, str) or method not in METHODS:
        raise ValueError(f"method must be one of {', '.join(METHODS)}, got {method!r}")
    how = METHODS[method]
    rtol = how.rtol if rtol is None else _nonnegative("rtol", rtol)
    atol = how.atol if atol is None else _nonnegative("atol", atol)
    if eps is not None and (not _is_real(eps) or eps <= 0):
        raise ValueError(f"eps must be a positive finite number, got {eps!r}")
    return how, rtol, atol, None if eps is None else float(eps)


def _is_real(x: object) -> TypeGuard[Real]:
    """A finite real number, not a bool (numbers.Real: ints, floats, NumPy scalars)."""
    return isinstance(x, Real) and not isinstance(x, bool) and math.isfinite(x)


def _nonnegative(name: str, x: object) -> float:
    if not _is_real(x) or x < 0:
        raise ValueError(f"{name} must be a finite number ≥ 0, got {x!r}")
    return float(x)


def _modes(modes: object) -> tuple[str, ...]:
    if isinstance(modes, str) or not isinstance(modes, Sequence) or not modes or any(
            m not in ("rev", "fwd") for m in modes) or len(set(modes)) != len(modes):
        raise ValueError(f"modes must be a non-empty tuple of 'rev' and/or 'fwd', got {modes!r}")
    return tuple(modes)


def _subgradients(choice: object) -> bool:
    """Whether valid subgradients at kinks count as checked ("accept") or not ("skip")."""
    if not isinstance(choice, str) or choice not in SUBGRADIENT_CHOICES:
        raise ValueError(f"subgradients must be 'skip' or 'accept', got {choice!r}")
    return choice == "accept"


def _count(name: str, n: object) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"{name} must be a positive int, got {n!r}")
    return n


def _joined(parts: list[str]) -> str:
    return "; ".join(p for p in parts if p)


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
        # A Ctrl-C during f is held until the parameters are back (a `finally` alone
        # can itself be cut short): it stops the check one evaluation of f later.
        with uninterrupted():
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


def _call(f: Callable[..., Value], args: Sequence[Value]) -> Value:
    out = f(*args)
    if not isinstance(out, Value):
        raise TypeError(f"f must return a Value, got {type(out).__name__}: {out!r} "
                        "(did it use .data or float() on its result?)")
    return out


Direction = int | tuple[float, ...]
"""Along input j (an int), or along a vector with one number per input."""
Path = tuple[Direction, ...]
"""Directions d_1 … d_ℓ: the derivative D^ℓ f[d_1, …, d_ℓ] (() is f itself)."""


class _Derivatives:
    """f's derivatives at one point by one mode, along paths of directions.

    D^ℓ f[d_1, …, d_ℓ] is the derivative along d_ℓ of D^(ℓ−1) f[d_1, …, d_(ℓ−1)],
    built as a Value graph by the mode, "rev" (`grad(create_graph=True)`, and a
    dot product with d) or "fwd" (a tangent graph along d), wherever it is
    differentiated again; the last derivative is a float from one sweep: the
    reverse sweep of `backward()`, or a forward sweep of the linearized graph.
    """

    def __init__(self, out: Value, leaves: list[Value], mode: str) -> None:
        self.leaves, self.mode = leaves, mode
        self._graphs: dict[Path, Value] = {(): out}
        self._gradient_graphs: dict[Path, list[Value]] = {}
        self._gradients: dict[Path, dict[Value, float]] = {}
        self._linearizations: dict[Path, Linearization] = {}

    def graph(self, path: Path) -> Value:
        if path not in self._graphs:
            parent, d = path[:-1], path[-1]
            below = self.graph(parent)
            if self.mode == "rev":
                gradient = self._gradient_graphs.get(parent)
                if gradient is None:
                    gradient = self._gradient_graphs[parent] = graph_gradients(below,
                                                                               self.leaves)
                self._graphs[path] = gradient[d] if isinstance(d, int) else _dot(gradient, d)
            else:
                tangents = dict(zip(self.leaves, self.vector(d), strict=True))
                (self._graphs[path],) = tangent_graphs([below], tangents)
        return self._graphs[path]

    def value(self, path: Path) -> float:
        if not path:
            return self._graphs[()].data
        parent, d = path[:-1], path[-1]
        if self.mode == "fwd":
            return self._linearization(parent)(self.vector(d))[0]
        gradient = self._gradients.get(parent)
        if gradient is None:
            gradient = self._gradients[parent] = reverse_sweep(self.graph(parent))
        if isinstance(d, int):
            return gradient.get(self.leaves[d], 0.0)
        return math.fsum(gradient.get(x, 0.0) * dx for x, dx in zip(self.leaves, d,
                                                                     strict=True))

    def rounding(self, parent: Path, d: Direction) -> tuple[float, int]:
        """(|D|·|d|, the operations swept): the scale of the rounding of the
        derivative along d of the derivative at `parent`."""
        lin = self._linearization(parent)
        return lin.magnitude([abs(x) for x in self.vector(d)])[0], lin.operations

    def _linearization(self, parent: Path) -> Linearization:
        lin = self._linearizations.get(parent)
        if lin is None:
            lin = self._linearizations[parent] = Linearization([self.graph(parent)],
                                                               self.leaves)
        return lin

    def vector(self, d: Direction) -> list[float]:
        if isinstance(d, int):
            return [1.0 if i == d else 0.0 for i in range(len(self.leaves))]
        return list(d)


def _dot(gradient: list[Value], d: tuple[float, ...]) -> Value:
    """Σ_j g_j·d_j as a Value graph."""
    total: Value | None = None
    for g, dj in zip(gradient, d, strict=True):
        if dj != 0.0:
            total = g * dj if total is None else total + g * dj
    return Value(0.0) if total is None else total


def _random_directions(point: list[float], k: int, order: int, seed: int
                       ) -> list[list[tuple[float, ...]]]:
    """k chains of `order` directions: Gaussian, of unit length, then scaled by
    max(1, |x_j|) in input j, as the per-input steps are. Drawn order by order,
    so the first directions do not depend on `order`."""
    rng = random.Random(seed)
    chains: list[list[tuple[float, ...]]] = [[] for _ in range(k)]
    for _ in range(order):
        for chain in chains:
            r = [rng.gauss(0.0, 1.0) for _ in point]
            norm = math.sqrt(math.fsum(x * x for x in r)) or 1.0
            chain.append(tuple(x / norm * max(1.0, abs(w)) for x, w in zip(r, point,
                                                                             strict=True)))
    return chains


_SUPERSCRIPTS = dict(zip(range(2, 10), "²³⁴⁵⁶⁷⁸⁹", strict=True))


def _derivative_text(names: list[str]) -> str:
    """"∂f/∂x", "∂²f/∂x∂y": the derivative along the named inputs or directions."""
    k = len(names)
    power = "" if k == 1 else _SUPERSCRIPTS.get(k, f"^{k}")
    return f"∂{power}f/" + "".join(f"∂{name}" for name in names)


@dataclass(frozen=True)
class _Request:
    """One row to compute: the derivative along `path` + (direction,) by `mode`,
    against differences along `direction` of the derivative at `path`."""

    mode: str
    path: Path
    direction: Direction
    names: list[str]
    together: tuple[Path, ...]
    """The paths whose derivatives are evaluated together along `direction`
    (every parent of this order, for per-input rows)."""


class _Check:
    """The rows of a check: analytic derivatives of each order at the point, by
    each mode, against finite differences of the order below."""

    def __init__(self, problem: _Problem, how: Method, eps: float | None, rtol: float,
                 atol: float, modes: tuple[str, ...], accept_subgradients: bool = False,
                 lang: str = "en") -> None:
        self.problem, self.how, self.eps, self.rtol, self.atol = problem, how, eps, rtol, atol
        self.lang = lang  # of the rows' notes
        self.modes = modes
        self.accept_subgradients = accept_subgradients
        self._at: dict[tuple[str | None, Any, int], Callable[[float], dict[Path, float]]] = {}

    def rows(self, levels: Iterable[int], chains: list[list[tuple[float, ...]]] | None
             ) -> list[GradcheckRow]:
        """Per input (chains None: every path of inputs) or along the random chains."""
        labels, n = self.problem.labels, len(self.problem.point)
        requests: list[tuple[int, _Request]] = []
        for level in levels:
            if chains is None:
                parents = tuple(itertools.product(range(n), repeat=level - 1))
                requests += [(level, _Request(m, p, j, [labels[i] for i in (*p, j)], parents))
                             for j in range(n) for p in parents for m in self.modes]
            else:
                for a, chain in enumerate(chains):
                    names = [f"{_DIRECTION_LETTERS[k]}{a + 1}" if k < len(_DIRECTION_LETTERS)
                             else f"u{a + 1}_{k + 1}" for k in range(level)]
                    parent = tuple(chain[:level - 1])
                    requests += [(level, _Request(m, parent, chain[level - 1], names, (parent,)))
                                 for m in self.modes]
        analytic, bounds, unreachable = self.problem.at_the_point(
            partial(self._analytic, [r for _, r in requests]))
        rows: list[GradcheckRow] = []
        for level, r in requests:
            row = self._row(level, r, analytic[r.mode, (*r.path, r.direction)], chains is not None)
            if level == 1 and r.direction in unreachable and row.verdict == FAIL:
                label = labels[r.direction]  # type: ignore[index]
                row = replace(row, note=say(self.lang, "check.unreachable", label=label))
            rows.append(row)
            if r.mode == self.modes[-1] and len(self.modes) == 2:
                path = (*r.path, r.direction)
                disagreement = _agreement(self.lang, row, analytic["fwd", path],
                                          analytic["rev", path],
                                          bounds[path])
                if disagreement is not None:
                    rows.append(disagreement)
        return rows

    def _analytic(self, requests: list[_Request], out: Value, leaves: list[Value]
                  ) -> tuple[dict[tuple[str, Path], float], dict[Path, float], set[Direction]]:
        """At the point: every requested derivative by its mode; with both modes,
        the rounding bound within which they must agree; the inputs out does
        not depend on."""
        derivatives = {m: _Derivatives(out, leaves, m) for m in self.modes}
        analytic = {(r.mode, (*r.path, r.direction)): derivatives[r.mode].value(
            (*r.path, r.direction)) for r in requests}
        bounds: dict[Path, float] = {}
        if len(self.modes) == 2:
            for r in requests:
                path = (*r.path, r.direction)
                if path not in bounds:
                    scales = [derivatives[m].rounding(r.path, r.direction) for m in self.modes]
                    operations = sum(k for _, k in scales) + len(leaves)
                    bounds[path] = 4 * operations * EPS * max(m for m, _ in scales)
        reached = set(topological_order(out))
        unreachable: set[Direction] = {j for j, x in enumerate(leaves) if x not in reached}
        return analytic, bounds, unreachable

    def _row(self, level: int, r: _Request, analytic: float, random_direction: bool
             ) -> GradcheckRow:
        d = r.direction
        w = self.problem.point[d] if isinstance(d, int) else 0.0
        at = self._values_along(r.mode if level > 1 else None, d, level, r.together)
        derivative = _derivative_text(r.names)
        if len(self.modes) > 1:
            derivative += f" [{r.mode}]"
        row = compare(lambda t: at(t)[r.path], w, self.how, self.eps, analytic, derivative,
                       r.names[-1], self.rtol, self.atol, self.lang)
        verdict = SUBGRADIENT if row.verdict == KINK and self.accept_subgradients else row.verdict
        return replace(row, mode=r.mode, order=level, random_direction=random_direction,
                       verdict=verdict)

    def _values_along(self, mode: str | None, d: Direction, level: int,
                      paths: tuple[Path, ...]) -> Callable[[float], dict[Path, float]]:
        """t ↦ the derivatives at `paths` (of order level − 1) with the point
        moved to t along d: input d set to t, or x + t·d. Cached, so the rows of
        one moved input share their evaluations of f."""
        key = (mode, d, level)
        if key not in self._at:
            point = self.problem.point

            @cache
            def at(t: float) -> dict[Path, float]:
                moved = ([t if k == d else x for k, x in enumerate(point)] if isinstance(d, int)
                         else [x + t * dx for x, dx in zip(point, d, strict=True)])

                def use(out: Value, leaves: list[Value]) -> dict[Path, float]:
                    if level == 1:
                        return {(): out.data}
                    derivatives = _Derivatives(out, leaves, mode or "rev")
                    return {p: derivatives.value(p) for p in paths}
                return self.problem.run(moved, use)

            self._at[key] = at
        return self._at[key]


_DIRECTION_LETTERS = "uvwpqrs"


def _agreement(lang: str, row: GradcheckRow, forward: float, reverse: float, bound: float
               ) -> GradcheckRow | None:
    """None where forward and reverse mode agree to rounding; else a failing row
    saying so (which of the two is wrong, their rows against finite differences
    may tell)."""
    gap = abs(forward - reverse)
    if gap <= bound:
        return None
    derivative = row.derivative.rsplit(" [", 1)[0]
    return replace(row, derivative=f"{derivative} fwd vs rev", analytic=reverse, numeric=forward,
                   abs_error=gap, rel_error=gap / max(abs(forward), abs(reverse)),
                   tolerance=bound, verdict=FAIL, uncertainty=None, mode="fwd and rev",
                   left=None, right=None,
                   note=say(lang, "check.modes_differ", forward=repr(forward),
                            reverse=repr(reverse), gap=f"{gap:.3g}", bound=f"{bound:.3g}"))


def _argument_names(f: Callable, n: int) -> list[str]:
    try:
        params = list(inspect.signature(f).parameters.values())
    except (TypeError, ValueError):
        params = []
    names = [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
    return names[:n] if len(names) >= n else [f"x{i}" for i in range(n)]


def _finish(result: GradcheckResult, problem: _Problem, raise_exception: bool
            ) -> GradcheckResult:
    if not result.ok:
        result = _diagnosed(result, problem)
        if raise_exception:
            raise GradcheckError(_failure_message(result), result)
    return result


def _diagnosed(result: GradcheckResult, problem: _Problem) -> GradcheckResult:
    """The result with its diagnosis: each operation of f's graph at the point
    checked on its own, the partials of its primitive against central
    differences of that primitive's `forward` (`autodiff.checking.diagnosis`); the
    first primitive (in the graph's order) that disagrees named, with why."""
    try:
        out = problem.at_the_point(lambda out, leaves: out)
    except (ArithmeticError, ValueError):
        return result
    checked, unchecked, found = _diagnosis.diagnose_graph(out)
    lang = result.lang
    if not found:
        text = (say(lang, "check.elsewhere_unchecked", checked=checked, unchecked=unchecked)
                if unchecked else say(lang, "check.elsewhere", checked=checked))
        return replace(result, diagnosis=text, output=out)
    first = found[0]
    node = first.node
    assert node is not None and node.primitive is not None
    at = write(node.primitive, *(format(a.data if isinstance(a, Value) else a, ".6g")
                                for a in node.args))
    where = say(lang, "check.at_node", label=node.label) if node.label else ""
    lines = [say(lang, "check.wrong_primitive", primitive=repr(first.primitive), at=at,
                 node=where)]
    lines += [say(lang, "check.modes_partial", derivative=d.derivative,
                  name=_diagnosis.named(d.name, lang), evidence=d.evidence.say(lang))
              if d.name == _diagnosis.MODES else
              say(lang, "check.wrong_partial", derivative=d.derivative,
                  analytic=f"{d.analytic:.6g}", numeric=f"{d.numeric:.6g}",
                  name=_diagnosis.named(d.name, lang), evidence=d.evidence.say(lang))
              for d in found]
    return replace(result, diagnosis="\n".join(lines), diagnoses=tuple(found), output=out)


def _judgement(r: GradcheckRow, lang: str) -> str:
    """The discrepancy against the finite difference's own error estimate (a row
    that has one)."""
    assert r.uncertainty is not None
    fields = {"uncertainty": f"{r.uncertainty:.2g}", "discrepancy": f"{r.abs_error:.2g}"}
    if r.abs_error > 100 * r.uncertainty:
        return say(lang, "check.judged_wrong", **fields)
    ratio = r.abs_error / r.uncertainty if r.uncertainty else math.inf
    return say(lang, "check.judged_probably_wrong", ratio=f"{ratio:.3g}", **fields)


def _failure_message(result: GradcheckResult) -> str:
    r, lang = result.worst, result.lang
    if r.verdict == ERROR:
        head = f"{r.derivative}: {r.note}"
    else:
        head = say(lang, "check.worst", derivative=r.derivative, label=r.label,
                   value=repr(r.value), analytic=repr(r.analytic), numeric=repr(r.numeric),
                   abs_error=f"{r.abs_error:.3g}", rel_error=f"{r.rel_error:.3g}",
                   tolerance=f"{r.tolerance:.3g}")
        if r.left is not None:
            head += say(lang, "check.worst_kink", left=repr(r.left), right=repr(r.right))
        if r.uncertainty is not None:
            head += f"; {_judgement(r, lang)}"
        if r.note:
            head += f"; {r.note}"
    diagnosis = f"\n{result.diagnosis}" if result.diagnosis else ""
    return say(lang, "check.failure", head=head) + f"{diagnosis}\n\n{result}"

