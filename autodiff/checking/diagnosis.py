"""Why a primitive's derivative is wrong: the common bugs, named from their pattern.

`gradcheck` finds the primitive whose `partials` disagree with central
differences of its own `forward` at a node of f's graph. One point says only
*that* a partial is wrong; the pattern over several points says *why*. So
`diagnose` evaluates, for the wrong partial ∂p/∂a (A, from `partials` in float
mode, the mode `backward()` uses) and the numerical derivative N (central
differences of `forward`, the check's own estimate):

* at the node's point, at four deterministic points nearby (each Value operand
  moved by up to 0.3·max(1, |operand|), and by less than the distance to the
  nearest singular point where the primitive gives `singular_distance`), and at
  the other nodes of the same primitive; points outside the domain, or where
  the primitive is not differentiable (a kink), are left out;

and names the first of these that fits every point left (within ten times
the check's tolerance; a pattern needs two points, a chain-rule factor
three), with the numbers that show it:

* "float and Value modes disagree": `partials` with floats and with Values
  (what `grad(create_graph=True)` and forward mode use) give different numbers
  at the node; the evidence says which of the two matches N.
* "sign flipped": A = −N.
* "constant factor": A = r·N, r a constant other than ±1 ("2× …: an extra
  factor of 2").
* "chain rule missing a factor": N = m·A at three points or more, m one of
  the operands, e^(operand) or e^(−operand): an inner derivative left out of
  the chain rule (∂σ(w·x + b)/∂w without x). Tried again after the next
  three with N = c·m·A for any constant c, and m also the output or A itself
  ((1 + |a|)⁻² written without its square).
* "operands swapped": A = N_b, the numerical derivative of another operand b.
* "evaluated at the output": A(a) = N(out), the right derivative taken at the
  output where the input was meant (`out` where `a` was meant).
* "evaluated at the input": A evaluated at a = out(z) gives N(z): the input
  where the output was meant (σ′ written a(1 − a) instead of out(1 − out)).
* "right at one point only" (or "right at some points only"): A agrees with N
  at some points and not at others (a number where a function was meant, or a
  special case).
* "no pattern": none fits; the evidence lists A and N at the points.

Each is a `Diagnosis`: `.name`, `.evidence` (a `Message`: said in English by
`str()`, in any language by `.say(lang)`), `.operand` (counted from 1, as the
text counts) and the node it was found at.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import cached_property, partial

from autodiff.checking.differences import FAIL, OK, GradcheckRow, central_row
from autodiff.checking.singular import singular_distance
from autodiff.core import Primitive, Value, topological_order
from autodiff.notation import operand_name
from autodiff.notation.messages import Field, Message, joined, say

MODES = "float and Value modes disagree"
SIGN = "sign flipped"
FACTOR = "constant factor"
SWAPPED = "operands swapped"
AT_OUTPUT = "evaluated at the output"
AT_INPUT = "evaluated at the input"
CHAIN = "chain rule missing a factor"
ONE_POINT = "right at one point only"
SOME_POINTS = "right at some points only"
NO_PATTERN = "no pattern"
NAMES = (MODES, SIGN, FACTOR, CHAIN, SWAPPED, AT_OUTPUT, AT_INPUT, ONE_POINT, SOME_POINTS,
         NO_PATTERN)
"""Every name a `Diagnosis` can have (tried in this order, but for the second
try of CHAIN: see the module's docstring)."""


def named(name: str, lang: str = "en") -> str:
    """A diagnosis's name (one of NAMES) in `lang` (`autodiff.notation.messages`,
    keys "diagnosis.…")."""
    return say(lang, f"diagnosis.{name}")


_OFFSETS = (0.61, -0.37, 0.29, -0.53)
"""Where the nearby points are, in units of the radius: point k moves operand j
by _OFFSETS[(k + j) % 4] (alternating in sign for odd j), so operands move apart."""
_ITSELF = Message("evidence.itself")
_OTHER_NODES = 4
"""At most this many other nodes of the primitive join the points."""


@dataclass(frozen=True)
class Diagnosis:
    """Why the partial of one operand of a primitive is wrong.

    `name` is one of `NAMES` ("constant factor", "operands swapped", ...),
    `evidence` the numbers that show it (a `Message`: `str()` is the English,
    `.say(lang)` any language's), `primitive` the primitive's name,
    `operand` which partial (counted from 1: ∂p/∂a is operand 1), `analytic`
    and `numeric` the partial and the numerical derivative at `node` (the
    node of f's graph where it was found, None when `diagnose` was given
    numbers)."""

    name: str
    evidence: Message
    primitive: str
    operand: int
    analytic: float
    numeric: float
    node: Value | None = field(default=None, compare=False, repr=False)

    @property
    def derivative(self) -> str:
        """"∂p/∂a": the partial that is wrong."""
        return f"∂{self.primitive}/∂{operand_name(self.operand - 1)}"

    @property
    def note(self) -> Message:
        """Three short lines for a diagram or the Stepper: "∂p/∂a by partials:
        0.4889", "numerically: 0.2445", "likely bug: constant factor" (a
        `Message`, as `evidence`: `str()` the English, `.say(lang)`)."""
        return Message("evidence.note", derivative=self.derivative, analytic=_n(self.analytic),
                       numeric=_n(self.numeric), name=partial(named, self.name))

    def __str__(self) -> str:
        return (f"{self.derivative} (operand {self.operand}) of {self.primitive!r}: "
                f"{self.name}: {self.evidence}")


def diagnose(prim: Primitive, *operands: float,
             others: Sequence[Sequence[float]] = ()) -> list[Diagnosis]:
    """The partials of `prim` at `operands` (numbers) against finite
    differences of its forward: one `Diagnosis` per operand whose partial is
    wrong (by float mode, or by Value mode disagreeing), empty where all are
    right. `others` are more points to look at (the operands of other nodes)."""
    if not isinstance(prim, Primitive):
        raise TypeError(f"diagnose() needs a Primitive, got {type(prim).__name__}")
    if not operands or not all(isinstance(x, int | float) and not isinstance(x, bool)
                               and math.isfinite(x) for x in operands):
        raise ValueError(f"diagnose() needs finite numbers as operands, got {operands!r}")
    point = [float(x) for x in operands]
    more = [[float(x) for x in p] for p in others]
    return _Diagnoser(prim, point, range(len(point)), lambda: more).all_wrong(None, None)


def diagnose_graph(out: Value) -> tuple[int, int, list[Diagnosis]]:
    """Every operation of out's graph checked on its own at its node: the number
    of operations, how many of them could not be checked (at or too near a
    kink, a pole or the edge of the domain), and the diagnoses of the first
    primitive (in the graph's order) with a wrong partial, at its first wrong
    node. The node's own local derivatives (`Value.partials()`, what the sweep
    uses) decide whether it is wrong; the pattern is read from the primitive's
    `partials`."""
    nodes = [v for v in topological_order(out) if v.primitive is not None]
    uses: dict[Primitive, list[Value]] = {}
    for v in nodes:
        uses.setdefault(v.primitive, []).append(v)

    unchecked = 0

    def operands(v: Value) -> list[float]:
        return [a.data if isinstance(a, Value) else a for a in v.args]

    for v in nodes:
        prim = v.primitive
        assert prim is not None
        args = v.args
        varying = [j for j, a in enumerate(args) if isinstance(a, Value)]
        try:
            local = v.partials()
        except (ArithmeticError, ValueError):
            unchecked += 1
            continue

        def others(v: Value = v, prim: Primitive = prim) -> list[list[float]]:
            return [operands(w) for w in uses[prim]
                    if w is not v and len(w.args) == len(v.args)][:_OTHER_NODES]

        diagnoser = _Diagnoser(prim, operands(v), varying, others)
        found = diagnoser.all_wrong(dict(zip(varying, local, strict=True)), v)
        if found:
            return len(nodes), unchecked, found
        unchecked += diagnoser.unchecked
    return len(nodes), unchecked, []


def _n(x: float) -> str:
    return format(x, ".4g")


def _ratio(r: float) -> str:
    """r to 4 digits, or to 8 where 4 would show ±1 (a factor 1.0001)."""
    text = _n(r)
    return format(r, ".8g") if text in ("1", "-1") else text


@dataclass
class _At:
    """One point: the operands, forward's value, the float partials, and per
    varying operand the row of partial against central differences (none for
    an operand in which the primitive has a kink there)."""

    point: list[float]
    out: float
    partials: list[float]
    rows: dict[int, GradcheckRow]


class _Diagnoser:
    """The diagnosis of one node's primitive at `point` (its operands; those
    at `varying` are Values). `others` gives the operands of the primitive's
    other nodes; they and the nearby points are evaluated only for a wrong
    partial (or a partial that is a plain number with Values)."""

    def __init__(self, prim: Primitive, point: list[float], varying: Sequence[int],
                 others: Callable[[], list[list[float]]]) -> None:
        self.prim, self.point, self.varying = prim, point, list(varying)
        self._others = others
        self.unchecked = False
        """Set by `all_wrong` where a partial at the point could not be checked."""

    @cached_property
    def near(self) -> list[_At]:
        return [a for p in self.nearby() if (a := self.at(p)) is not None]

    def nearby_partials(self, j: int) -> list[float]:
        """The float partial j at the nearby points (no differences: cheap)."""
        found = []
        for p in self.nearby():
            out = self.forward(p)
            ds = None if out is None else self.float_partials(out, p)
            if ds is not None:
                found.append(ds[j])
        return found

    @cached_property
    def others(self) -> list[_At]:
        return [a for p in self._others() if (a := self.at(p)) is not None]

    # -- evaluating the primitive -----------------------------------------------

    def forward(self, point: Sequence[float]) -> float | None:
        try:
            y = float(self.prim.forward(*point))
        except (ArithmeticError, ValueError, TypeError):
            return None
        return y if math.isfinite(y) else None

    def float_partials(self, out: float, point: Sequence[float]) -> list[float] | None:
        try:
            ds = [float(d) for d in self.prim.partials(out, *point)]
        except (ArithmeticError, ValueError, TypeError):
            return None
        if len(ds) != len(point) or not all(math.isfinite(ds[j]) for j in self.varying):
            return None  # (a constant operand's partial may be nan: ∂(a^p)/∂p for a < 0)
        return ds

    def numeric(self, point: Sequence[float], j: int, analytic: float) -> GradcheckRow | None:
        """analytic against central differences of forward in operand j at point;
        None where they cannot tell (at a kink, or within two steps of a point
        the primitive's `singular_distance` marks; a distance ≤ 0, which a
        conservative `singular_distance` gives inside the domain too, as ** does
        for a negative base, is left to the differences)."""
        def moved(t: float) -> float:
            y = self.prim.forward(*point[:j], t, *point[j + 1:])
            return float(y)
        try:
            row = central_row(moved, point[j], analytic)
            distance = singular_distance(self.prim)
            near = distance is not None and 0.0 < distance(*point) <= 2 * row.step
        except (TypeError, ValueError, ArithmeticError):
            return None
        if near:  # the differences would reach across a pole or a kink
            return None
        return row if row.verdict in (OK, FAIL) and row.numeric is not None else None

    def at(self, point: list[float], local: dict[int, float] | None = None) -> _At | None:
        """Everything at one point; None outside the domain."""
        out = self.forward(point)
        if out is None:
            return None
        ds = self.float_partials(out, point)
        if ds is None:
            return None
        if local is not None:
            ds = [local.get(j, d) for j, d in enumerate(ds)]
        rows = {j: row for j in self.varying
                if (row := self.numeric(point, j, ds[j])) is not None}
        return _At(point, out, ds, rows)

    def nearby(self) -> list[list[float]]:
        """Four points around the node's, within the domain's reach."""
        radius = [0.5 * max(1.0, abs(x)) for x in self.point]
        if (distance := singular_distance(self.prim)) is not None:
            try:
                d = float(distance(*self.point))
            except (ArithmeticError, ValueError, TypeError):
                d = 0.0
            if d > 0.0:  # (≤ 0: at a kink, or a conservative distance: see `numeric`)
                limit = 0.8 * d / (max(_OFFSETS) * len(self.varying))
                radius = [min(r, limit) for r in radius]
        points = []
        for k in range(len(_OFFSETS)):
            p = list(self.point)
            for j in self.varying:
                c = _OFFSETS[(k + j) % len(_OFFSETS)] * (1.0 if j % 2 == 0 else -0.7)
                p[j] += c * radius[j]
            points.append(p)
        return points

    # -- the diagnosis ----------------------------------------------------------

    def all_wrong(self, local: dict[int, float] | None, node: Value | None) -> list[Diagnosis]:
        here = self.at(self.point, local)
        if here is None:
            self.unchecked = True
            return []
        found = []
        for j in self.varying:
            row = here.rows.get(j)
            if row is None:  # a kink or a pole: the differences cannot tell
                self.unchecked = True
                continue
            assert row.numeric is not None
            made = self.modes(here, j)
            if made is None and row.verdict == FAIL:
                made = self.pattern([here] + [p for p in self.near + self.others
                                              if j in p.rows], j)
            if made is not None:
                name, evidence = made
                found.append(Diagnosis(name, evidence, self.prim.name, j + 1,
                                       row.analytic, row.numeric, node))
        return found

    def modes(self, here: _At, j: int) -> tuple[str, Message] | None:
        """MODES where partials with Values give another number than with floats
        at the node, or a plain number where the float partial varies as the
        Value operands move (at the nearby points: a partial made with float()
        or `math`, which a second derivative sees as constant)."""
        point = here.point
        leaves = [Value(x) if k in self.varying else x for k, x in enumerate(point)]
        try:
            out = self.prim(*leaves)
        except (ArithmeticError, ValueError):
            return None  # no node here (a negative base to a Value power)
        try:
            d = self.prim.partials(out, *leaves)[j]
            by_values = float(d.data if isinstance(d, Value) else d)
        except Exception as exc:  # a user's partials that only works on floats
            return MODES, Message("evidence.fails_with_values",
                                  error=f"{type(exc).__name__}: {exc}")
        by_floats, numeric = here.partials[j], here.rows[j].numeric
        assert numeric is not None
        if not isinstance(d, Value) and not _constant([here.partials[j], *self.nearby_partials(j)]):
            return MODES, Message("evidence.plain_number", value=_n(by_values))
        if _close(by_values, by_floats, here.rows[j].tolerance):
            return None
        right = ("evidence.float_right" if _close(by_floats, numeric, here.rows[j].tolerance)
                 else "evidence.value_right" if _close(by_values, numeric,
                                                       here.rows[j].tolerance)
                 else "evidence.neither_right")
        return MODES, Message("evidence.modes_differ", where=self.where(point),
                              floats=_n(by_floats), values=_n(by_values), numeric=_n(numeric),
                              right=Message(right))

    def pattern(self, points: list[_At], j: int) -> tuple[str, Message]:
        if len(points) < 2:
            return NO_PATTERN, Message("evidence.one_point", pair=self.pair(points[0], j))
        analytic = [p.rows[j].analytic for p in points]
        numeric = [_number(p.rows[j]) for p in points]
        tolerance = [p.rows[j].tolerance for p in points]
        count = Message("evidence.count", count=len(points))

        def fits(predicted: Sequence[float | None]) -> bool:
            pairs = [(a, q, t) for a, q, t in zip(analytic, predicted, tolerance, strict=True)
                     if q is not None]
            return len(pairs) >= 2 and all(_close(a, q, t) for a, q, t in pairs)

        a_, name = operand_name(j), self.prim.name
        biggest = max(range(len(points)), key=lambda k: abs(numeric[k]))
        if abs(numeric[biggest]) > 10 * tolerance[biggest]:
            r = analytic[biggest] / numeric[biggest]
            if abs(r) > 1e-3 and fits([r * x for x in numeric]):
                if _close(r, -1.0, 1e-6):
                    return SIGN, Message("evidence.sign", count=count,
                                         pair=self.pair(points[0], j))
                return FACTOR, Message("evidence.factor", ratio=_ratio(r), count=count,
                                       pair=self.pair(points[0], j), words=_factor_words(r))
        chain = partial(self.chain, points, j, count)
        plain = chain(plain=True)
        if plain is not None:
            return plain
        for k in self.varying:
            other = [p.rows[k].numeric if k in p.rows else None for p in points]
            if k != j and fits(other) and not fits(numeric):
                return SWAPPED, Message("evidence.swapped", name=name, a=a_, b=operand_name(k),
                                        count=count, where=self.where(points[0].point),
                                        analytic=_n(analytic[0]), numeric=_n(numeric[0]))
        at_output = [self.numeric_at(p, j, p.out) for p in points]
        if fits(at_output) and not fits(numeric):
            first = next(k for k, q in enumerate(at_output) if q is not None)
            return AT_OUTPUT, Message("evidence.at_output", a=a_, x=_n(points[first].point[j]),
                                      analytic=_n(analytic[first]), out=_n(points[first].out),
                                      count=count)
        at_input = [self.partial_at(p, j) for p in points]
        if self.fits_numeric(at_input, numeric, tolerance):
            return AT_INPUT, Message("evidence.at_input", a=a_, out=_n(points[0].out),
                                     partial=_n(_value(at_input[0])),
                                     x=_n(points[0].point[j]), count=count)
        scaled = chain(plain=False)
        if scaled is not None:
            return scaled
        agree = [k for k in range(len(points)) if _close(analytic[k], numeric[k], tolerance[k])]
        constant: Field = ""
        if len(points) > 1 and _constant(analytic) and not _constant(numeric):
            constant = Message("evidence.constant", value=_n(analytic[0]), a=a_)
        if agree:
            right = joined([self.pair(points[k], j) for k in agree[:2]], "evidence.separator")
            wrong = joined([self.pair(points[k], j) for k in range(len(points))
                            if k not in agree], "evidence.separator")
            return (ONE_POINT if len(agree) == 1 else SOME_POINTS), Message(
                "evidence.some_right", right=right, wrong=wrong, constant=constant)
        listed = joined([self.pair(p, j) for p in points[:3]], "evidence.separator")
        return NO_PATTERN, Message("evidence.no_pattern", listed=listed, constant=constant)

    def chain(self, points: list[_At], j: int, count: Message, plain: bool
              ) -> tuple[str, Message] | None:
        """CHAIN where N = c·m·A at every point for an inner factor m: with
        `plain`, only c = 1 and m of the operands (the likelier reading, tried
        before swapped operands and output for input); else any c and m."""
        analytic = [p.rows[j].analytic for p in points]
        numeric = [_number(p.rows[j]) for p in points]
        tolerance = [p.rows[j].tolerance for p in points]
        if len(points) < 3 or _constant(analytic):
            return None
        for text, factor in self.inner_factors(points, j, plain):
            products = [a * m for a, m in zip(analytic, factor, strict=True)]
            big = max(range(len(points)), key=lambda k: abs(products[k]))
            if abs(products[big]) <= 10 * tolerance[big] or _constant(factor):
                continue
            c = 1.0 if plain else numeric[big] / products[big]
            predicted = [c * q for q in products]
            if abs(c) > 1e-3 and self.fits_numeric(predicted, numeric, tolerance):
                shown = (text if _close(c, 1.0, 1e-6)
                         else Message("evidence.scaled", c=_n(c), factor=text))
                missing = (Message("evidence.square_missing", c=_n(c)) if text is _ITSELF
                           else Message("evidence.inner_missing", factor=shown))
                return CHAIN, Message("evidence.chain", factor=shown, count=count,
                                      pair=self.pair(points[0], j), missing=missing)
        return None

    def fits_numeric(self, predicted: Sequence[float | None], numeric: Sequence[float],
                     tolerance: Sequence[float]) -> bool:
        pairs = [(q, n, t) for q, n, t in zip(predicted, numeric, tolerance, strict=True)
                 if q is not None]
        return len(pairs) >= 2 and all(_close(q, n, t) for q, n, t in pairs)

    def numeric_at(self, p: _At, j: int, x: float) -> float | None:
        """The numerical derivative in operand j with operand j set to x."""
        moved = [x if k == j else v for k, v in enumerate(p.point)]
        if self.forward(moved) is None or x == p.point[j]:
            return None
        row = self.numeric(moved, j, 0.0)
        return None if row is None else row.numeric

    def partial_at(self, p: _At, j: int) -> float | None:
        """The float partial j with operand j set to the output."""
        moved = [p.out if k == j else v for k, v in enumerate(p.point)]
        out = self.forward(moved)
        if out is None or p.out == p.point[j]:
            return None
        ds = self.float_partials(out, moved)
        return None if ds is None else ds[j]

    def inner_factors(self, points: list[_At], j: int, plain: bool
                      ) -> list[tuple[Field, list[float]]]:
        """Inner derivatives a chain rule may have lost, at every point: each
        varying operand x, e^x and e^(−x); unless `plain`, also the output and
        the partial itself (a square missing, as in 1/(1 + |a|) for softsign's
        1/(1 + |a|)²)."""
        candidates: list[tuple[str, Callable[[float], float]]] = [
            ("{}", lambda x: x), ("e^{}", math.exp), ("e^(−{})", lambda x: math.exp(-x))]
        found: list[tuple[Field, list[float]]] = [] if plain else [
            ("out", [p.out for p in points]),
            (_ITSELF, [p.partials[j] for p in points])]
        for k in self.varying:
            for text, g in candidates:
                try:
                    found.append((text.format(operand_name(k)), [g(p.point[k]) for p in points]))
                except OverflowError:
                    continue
        return found

    def where(self, point: Sequence[float]) -> str:
        if len(point) == 1:
            return f"a = {_n(point[0])}"
        return f"({', '.join(operand_name(k) for k in range(len(point)))}) = " \
               f"({', '.join(_n(x) for x in point)})"

    def pair(self, p: _At, j: int) -> Message:
        row = p.rows[j]
        return Message("evidence.pair", where=self.where(p.point), analytic=_n(row.analytic),
                       numeric=_n(_number(row)))


def _number(row: GradcheckRow) -> float:
    assert row.numeric is not None
    return row.numeric


def _value(x: float | None) -> float:
    assert x is not None
    return x


def _close(x: float, y: float, tolerance: float) -> bool:
    """Equal within ten times a row's tolerance, and 1e-5 relatively: what the
    numerical derivative can tell apart."""
    return abs(x - y) <= 10 * tolerance + 1e-5 * max(abs(x), abs(y)) + 1e-12


def _constant(xs: Sequence[float]) -> bool:
    return all(_close(x, xs[0], 0.0) for x in xs)


def _factor_words(r: float) -> Message:
    """"an extra factor of 2", "a factor of 2 missing", "a constant factor 0.3"."""
    for k in range(2, 11):
        if _close(r, k, 0.0):
            return Message("evidence.extra_factor", k=k)
        if _close(r, 1 / k, 0.0):
            return Message("evidence.missing_factor", k=k)
        if _close(r, -k, 0.0) or _close(r, -1 / k, 0.0):
            return Message("evidence.sign_extra_factor" if abs(r) > 1
                           else "evidence.sign_missing_factor", k=k)
    return Message("evidence.constant_factor", ratio=_ratio(r))
