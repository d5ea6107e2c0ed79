"""The formula texts say what the partials compute: every derivative text a tool
shows (hand-written for ten built-ins, printed from the partials for the rest
and for users' primitives) is read back as arithmetic and evaluated, and must
give the partials' own number, at many points away from singular points and,
for the hand-written texts, at the kinks and ties where a convention decides."""

from __future__ import annotations

import math
import re

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autodiff import ops, primitive, primitives
from autodiff.checking.singular import singular_distance
from autodiff.notation import Shown, derivative_texts, operand_names
from autodiff.notation.symbols import FORMULAS

# -- reading a formula text back as Python ------------------------------------------
# The notation is docs/explanation/notation.md's; these are the constructs the
# formulas use, each rewritten to Python.

_REWRITES = (
    (r", else ", " else "),  # (A if c, else B)
    (r"\[", "_bracket("), (r"\]", ")"),  # Iverson bracket [c]
    (r"\|([^|]*)\|", r"abs(\1)"),  # |x|
    (r"(\w+)²\(", r"_squared_\1("),  # tan²(x): tan(x)²
    (r"√(\w+)", r"sqrt(\1)"), (r"√\(", "sqrt("),
    (r"\bln ([\w.]+)", r"log(\1)"),
    (r"σ", "sigmoid"),
    (r"−", "-"), (r"·", "*"), (r"\^", "**"), (r"²", "**2"), (r"³", "**3"),
    (r" = ", " == "), (r"≤", "<="), (r"≥", ">="), (r"∞", "inf"),
    (r"\)\(", ")*("),  # σ(x)(1 − σ(x)): a product
    (r"(\d)(sqrt\(|sigmoid\(|\()", r"\1*\2"),  # 2√x, 2σ(x)
)


def _python(text: str) -> str:
    for pattern, replacement in _REWRITES:
        text = re.sub(pattern, replacement, text)
    return text


def _names() -> dict[str, object]:
    names: dict[str, object] = {n: getattr(math, n) for n in dir(math) if not n.startswith("_")}
    names.update(abs=abs, max=max, min=min, inf=math.inf,
                 sign=lambda x: (x > 0) - (x < 0),
                 sigmoid=ops.sigmoid.forward, softplus=ops.softplus.forward,
                 log_sum_exp=ops.log_sum_exp.forward,
                 _bracket=lambda c: 1.0 if c else 0.0)
    for f in ("tan", "tanh", "sigmoid"):
        names[f"_squared_{f}"] = (lambda g: lambda x: g(x) ** 2)(names[f])
    return names


NAMES = _names()


def evaluate(text: str, values: dict[str, float]) -> float:
    """A formula text's number, its names bound to `values`."""
    return float(eval(_python(text), {"__builtins__": {}}, {**NAMES, **values}))


def test_the_reader_reads_the_notations_constructs():
    at = {"x": 0.5, "y": 2.0, "t": 3.0}
    assert evaluate("σ(x)(1 − σ(x))", at) == pytest.approx(0.2350037122)
    assert evaluate("1 + tan²(x)", at) == pytest.approx(1 + math.tan(0.5) ** 2)
    assert evaluate("1/(2√x)", at) == pytest.approx(1 / (2 * math.sqrt(0.5)))
    assert evaluate("(1 if x > 0, else 0.01)", at) == 1.0
    assert evaluate("[x > y] + [x = y]/2", at) == 0.0
    assert evaluate("y·x^(y − 1)", at) == pytest.approx(1.0)
    assert evaluate("x^y·ln x", at) == pytest.approx(0.25 * math.log(0.5))
    assert evaluate("1/(1 + |x|)²", at) == pytest.approx(1 / 2.25)


# -- every primitive's texts against its partials -------------------------------------

softsign = primitive("softsign_formula_test", lambda a: a / (1 + abs(a)),
                     lambda out, a: (1 / (1 + ops.abs(a)) ** 2,))
hypot = primitive("hypot_formula_test", lambda a, b: math.hypot(a, b),
                  lambda out, a, b: (a / out, b / out))

CHECKED = [p for p in primitives.values() if p.builtin] + [softsign, hypot]


def _operands(prim, draw) -> list[float]:
    n = prim.arity if prim.arity is not None else draw(st.integers(1, 4))
    return [draw(st.floats(-3.0, 3.0)) for _ in range(n)]


def _texts(prim, floats, constants):
    """prim's derivative texts with operands named x, y, ... or shown as numbers."""
    letters = [f"x{i}" for i in range(len(floats))]
    shown = [Shown(repr(c), c) if is_constant else Shown(name)
             for name, c, is_constant in zip(letters, floats, constants, strict=True)]
    return derivative_texts(prim, "t", *shown), dict(zip(letters, floats, strict=True))


def _agrees(text: str, values: dict[str, float], expected: float) -> bool:
    try:
        got = evaluate(text, values)
    except (ArithmeticError, ValueError):
        return False
    return math.isclose(got, expected, rel_tol=1e-9, abs_tol=1e-12)


@pytest.mark.parametrize("prim", CHECKED, ids=lambda p: p.name)
@given(data=st.data())
def test_each_derivative_text_computes_the_partials(prim, data):
    floats = _operands(prim, data.draw)
    distance = singular_distance(prim)
    try:
        out = prim.forward(*floats)
        assume(distance is None or distance(*floats) > 1e-3)
        partials = prim.partials(out, *floats)
    except (ArithmeticError, ValueError):
        assume(False)
    assume(all(math.isfinite(d) for d in [out, *partials]))
    constants = [data.draw(st.booleans()) for _ in floats]
    assume(not all(constants))
    texts, values = _texts(prim, floats, constants)
    for k, (text, d) in enumerate(zip(texts, partials, strict=True)):
        if not constants[k]:
            assert _agrees(text, {**values, "t": out}, d), (
                f"{prim.name}: ∂/∂operand {k + 1} written {text!r} gives "
                f"{evaluate(text, {**values, 't': out})!r}, the partials {d!r}, at {floats}")


HAND_WRITTEN_EDGES = [  # where the hand-written texts choose what the partials choose
    (ops.maximum, [1.5, 1.5]), (ops.minimum, [-0.5, -0.5]), (ops.maximum, [0.0, 0.0]),
    (ops.abs, [0.0]), (ops.sqrt, [1e-300]), (ops.pow, [2.0, 0.0]), (ops.pow, [0.5, 1.0]),
    (ops.tan, [0.0]), (ops.atan, [1.0]), (ops.atan, [-1e8]), (ops.sigmoid, [-40.0]),
    (ops.tanh, [20.0]), (ops.exp, [-700.0]),
]


@pytest.mark.parametrize(("prim", "floats"), HAND_WRITTEN_EDGES,
                         ids=lambda x: getattr(x, "name", None))
def test_hand_written_texts_agree_at_ties_kinks_and_far_out(prim, floats):
    assert prim in FORMULAS
    out = prim.forward(*floats)
    texts, values = _texts(prim, floats, [False] * len(floats))
    for text, d in zip(texts, prim.partials(out, *floats), strict=True):
        assert _agrees(text, {**values, "t": out}, d), (text, floats, d)


def test_every_hand_written_formula_is_checked_here():
    hand_written = {p for p in FORMULAS if p.builtin}
    assert hand_written <= set(CHECKED)
    assert hand_written == {p for p, _ in HAND_WRITTEN_EDGES} | {ops.pow}


@pytest.mark.parametrize("prim", [ops.add, ops.mul, ops.log_sum_exp])
def test_texts_name_each_operand(prim):
    n = prim.arity or 3
    texts = derivative_texts(prim, "t", *operand_names(n))
    assert len(texts) == n
