"""Partials evaluated on symbols: the branches rewritten with ops.where keep every
float bit for bit, every primitive derives, and the derived trees drive the
compiled code (no call back into partials) and the formula texts."""

from __future__ import annotations

import math
import struct

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import Value, compile, ops, primitive, primitives
from autodiff.calculus.symbolic import NotSymbolic, derive, name
from autodiff.notation import derivative_texts, operand_names


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


# -- the partials as they were written before ops.where (the reference) -------------

def _old_power(out, a, p):
    if p == 0.0:
        da = 0.0
    elif a == 0.0 and p < 1.0:
        da = math.inf
    else:
        try:
            da = p * a ** (p - 1.0)
        except OverflowError:
            da = math.inf
    return da, out * math.log(a) if a > 0.0 else 0.0 if a == 0.0 else math.nan


def _old_atan(out, a):
    if -1.0 <= a <= 1.0:
        return (1.0 / (1.0 + a * a),)
    r = 1.0 / a
    return (r * r / (1.0 + r * r),)


OLD = {
    "relu": lambda out, a: (1.0 if a > 0.0 else 0.0,),
    "abs": lambda out, a: (1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0,),
    "max": lambda out, a, b: (1.0, 0.0) if a > b else (0.0, 1.0) if a < b else (0.5, 0.5),
    "min": lambda out, a, b: (1.0, 0.0) if a < b else (0.0, 1.0) if a > b else (0.5, 0.5),
    "atan": _old_atan,
    "**": _old_power,
}
POINTS = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -3.0, 1e-300, 1e300, -1e300, 5e-324, 7.25]


@pytest.mark.parametrize("name", sorted(OLD))
@given(data=st.data())
def test_partials_rewritten_with_where_are_the_old_ones_bit_for_bit(name, data):
    prim = primitives[name]
    finite = st.floats(allow_nan=False, allow_infinity=False)
    operands = [data.draw(st.one_of(st.sampled_from(POINTS), finite)) for _ in range(prim.arity)]
    if name == "**":
        operands[1] = data.draw(st.one_of(st.sampled_from([0.0, 0.5, 1.0, 2.0, -2.0, 3.0]),
                                          finite))
    try:
        out = prim.forward(*operands)
    except (ValueError, ArithmeticError):
        return
    if out - out != 0.0:
        return
    new, old = prim.partials(out, *operands), OLD[name](out, *operands)
    assert [bits(x) for x in new] == [bits(x) for x in old], operands


def test_where_chooses_lazily_on_numbers_and_keeps_both_on_symbols():
    assert ops.where(True, lambda: 1.0 / 2.0, lambda: 1.0 / 0.0) == 0.5
    assert ops.where(Value(3.0) > 0.0, 1.0, 0.0) == 1.0
    assert ops.equal(Value(2.0), 2.0) and not ops.equal(1.0, 2.0)
    (d,) = derive(ops.relu, ["a"])
    assert repr(d) == "where((a > 0.0), 1.0, 0.0)"


def test_every_builtin_derives_on_symbols():
    """Built-ins only: other test modules define primitives whose partials branch with
    Python's `if` on purpose, and which of them exist depends on the order tests run."""
    for prim in (p for p in primitives.values() if p.builtin):
        assert derive(prim, operand_names(prim.arity or 3)) is not None, prim.name


def test_a_python_branch_on_a_symbol_is_refused_and_falls_back():
    kinked = primitive("c_kinked", lambda a: a if a > 0 else 2.0 * a,
                       lambda out, a: (1.0 if a > 0 else 2.0,))
    with pytest.raises(NotSymbolic):
        kinked.partials(None, derive.__globals__["name"]("a"))
    assert derive(kinked, ["a"]) is None
    assert derivative_texts(kinked, "y", "x") == ("∂y/∂x",)


def test_a_python_equality_on_a_symbol_is_refused_and_falls_back():
    """`a == 1.0` on a symbol must not be read as False: the compiled step would
    take the other branch at a = 1."""
    kink = primitive("c_kink_eq", lambda a: a * a,
                     lambda out, a: (0.0 if a == 1.0 else 2.0 * a,))
    nonzero = primitive("c_kink_ne", lambda a: a * a,
                        lambda out, a: (2.0 * a if a != 1.0 else 0.0,))
    for prim in (kink, nonzero):
        assert derive(prim, ["a"]) is None
        w = Value(1.0)
        step = compile(lambda x, prim=prim, w=w: prim(w * x), 1.0)
        step(1.0)
        assert w.grad == 0.0 and step.interpreted == 0
    a = name("a")
    assert a == a and a != name("a")  # outside derive: identity


# -- compiled code: straight lines, the interpreter's numbers ------------------------

softsign = primitive("c_softsign2", lambda a: a / (1 + abs(a)),
                     lambda out, a: (1 / (1 + ops.abs(a)) ** 2,))
hypot = primitive("c_hypot2", lambda a, b: math.sqrt(a * a + b * b),
                  lambda out, a, b: (a / out, b / out))
leaky = primitive("c_leaky", lambda a: a if a > 0.0 else 0.01 * a,
                  lambda out, a: (ops.where(a > 0.0, 1.0, 0.01),))

DOMAIN = {"log": (0.2, 3.0), "sqrt": (0.2, 3.0), "asin": (-0.9, 0.9), "acos": (-0.9, 0.9)}


def _program(prim):
    n = prim.arity or 3
    lo, hi = DOMAIN.get(prim.name, (-2.0, 2.0))
    if prim.name == "**":
        return (lambda a, b: prim(a, b) * b), [1.5, 2.5], (0.5, 2.0)
    return (lambda *u: prim(*u) * u[0]), [lo + (hi - lo) * (k + 1.3) / (n + 2) for k in range(n)], \
        (lo, hi)


@pytest.mark.parametrize("name", [*(n for n, p in primitives.items() if p.builtin),
                                  "c_softsign2", "c_hypot2", "c_leaky"])
@given(data=st.data())
def test_every_primitive_compiles_inline_and_bit_for_bit(name, data):
    prim = primitives[name]
    fn, start, (lo, hi) = _program(prim)
    xs = [Value(x) for x in start]
    step = compile(fn, *xs)
    assert "_partials" not in step.source, step.source
    values = [data.draw(st.floats(lo, hi)) for _ in xs]
    for v, x in zip(xs, values, strict=True):
        v.data = x
    try:
        loss = step(*xs)
    except (ValueError, ArithmeticError):
        return
    compiled = [bits(v.grad) for v in xs] + [bits(loss)]
    for v in xs:
        v.grad = 0.0
    out = fn(*xs)
    out.backward()
    assert compiled == [bits(v.grad) for v in xs] + [bits(out.data)]


# -- formula texts --------------------------------------------------------------------

def test_a_user_primitive_without_a_formula_shows_its_derived_one():
    assert derivative_texts(softsign, "y", "x") == ("1/(1 + |x|)²",)
    assert derivative_texts(hypot, "r", "x", "y") == ("x/r", "y/r")
    assert derivative_texts(leaky, "y", "x") == ("(1 if x > 0, else 0.01)",)
    assert derivative_texts(ops.log_sum_exp, "y", "u", "v") == ("exp(u − y)", "exp(v − y)")
    assert derivative_texts(ops.asin, "y", "x") == ("1/√(1 − x²)",)
