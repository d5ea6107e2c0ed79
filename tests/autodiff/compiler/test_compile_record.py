"""What the compiler reads from the engine: the primitives' `Code` and `observe`.

A `Code` is part of the primitive record: checked when a primitive is defined,
and every built-in's expressions compute what its `forward` and the sweep
compute, bit for bit (tests/test_compile.py checks whole programs). `observe`
reports every way a program can use the numbers of its Values, in its own
thread only, and leaves `Value` as it was.
"""

from __future__ import annotations

import math
import string
import threading

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autodiff import Code, Value, compile, ops, primitive, primitives
from autodiff.compiler.lowering import array_code_of, check_code, code_of
from autodiff.core import hooks
from autodiff.core.hooks import Watcher, watch
from autodiff.notation import operand_names
from tests.autodiff.compiler.test_compile import bits

# -- the record ---------------------------------------------------------------------


@pytest.mark.parametrize("name", [n for n, p in primitives.items() if p.builtin])
def test_every_builtin_code_is_well_formed(name):
    prim = primitives[name]
    code = code_of(prim, prim.arity or 3)
    assert code is not None and code.adjoints is not None  # every built-in is written inline
    if prim.arity is not None:
        check_code(name, "code", code, prim.arity)
    array_code = array_code_of(prim)
    if array_code is not None:
        check_code(name, "array_code", array_code, prim.arity)


def _evaluate(text: str, names: dict, **parts: float) -> float:
    """The expression at these numbers (negative ones parenthesised, as the compiler
    writes them where they need it)."""
    fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    return eval(text.format(**{f: repr(parts[f]) if parts[f] >= 0 else f"({parts[f]!r})"
                               for f in fields}), dict(names))


UNARY_DOMAIN = {"log": (0.1, 5.0), "sqrt": (0.1, 5.0), "asin": (-0.99, 0.99),
                "acos": (-0.99, 0.99), "atan": (-30.0, 30.0)}


@pytest.mark.parametrize("name", [n for n, p in primitives.items() if p.builtin])
@given(data=st.data())
def test_builtin_code_is_forward_and_the_sweep_bit_for_bit(name, data):
    prim = primitives[name]
    lo, hi = UNARY_DOMAIN.get(name, (-3.0, 3.0))
    n = prim.arity or data.draw(st.integers(1, 5))
    operands = [data.draw(st.floats(lo, hi, allow_subnormal=False)) for _ in range(n)]
    if name == "**":
        operands = [data.draw(st.sampled_from([0.0, abs(operands[0]) + 0.5, -2.0])),
                    data.draw(st.sampled_from([operands[1], 0.0, 1.0, 2.0, 3.0]))]
    if name in ("max", "min") and data.draw(st.booleans()):
        operands[1] = operands[0]  # a tie
    code = code_of(prim, n)
    assert code is not None and code.adjoints is not None
    try:
        out = prim.forward(*operands)
        derivatives = prim.partials(out, *operands)
    except (ValueError, ArithmeticError):
        assume(False)  # outside the domain: the compiled step reruns the interpreter
    named = dict(zip(operand_names(n), operands, strict=True))
    assert bits(_evaluate(code.value, code.names, **named)) == bits(out)
    g = data.draw(st.floats(-10.0, 10.0))
    for i, template in enumerate(code.adjoints):
        term = _evaluate(template, code.names, out=out, g=g, **named)
        expected = derivatives[i] * g
        if name == "relu":  # the sweep adds g, or nothing: the same number
            expected = g if out > 0.0 else 0.0
        assert bits(term) == bits(expected), (name, i, operands)


BAD_CODES = [
    ("not a Code", "abc", TypeError, "must be an autodiff.Code"),
    ("too few adjoints", Code("{a}", ()), TypeError, "tuple of 1 expression"),
    ("a list of adjoints", Code("{a}", ["{g}"]), TypeError, "tuple of 1"),  # type: ignore[arg-type]
    ("syntax", Code("{a} +", ("{g}",)), ValueError, "not a Python expression"),
    ("unknown placeholder", Code("{b}", ("{g}",)), ValueError, "uses b"),
    ("g in the value", Code("{a} * {g}", ("{g}",)), ValueError, "uses g"),
    ("positional field", Code("{0}", ("{g}",)), ValueError, "not a Python expression"),
    ("names not callable", Code("f({a})", ("{g}",), {"f": 3}), TypeError,  # type: ignore[dict-item]
     "names must map identifiers to functions"),
]


@pytest.mark.parametrize("what, code, error, match", BAD_CODES, ids=[c[0] for c in BAD_CODES])
def test_a_bad_code_is_refused_when_the_primitive_is_defined(what, code, error, match):
    before = dict(primitives)
    with pytest.raises(error, match=match):
        primitive("coded", lambda a: a, lambda out, a: (1.0,), code=code)
    with pytest.raises(error, match=match):
        primitive("coded", lambda a: a, lambda out, a: (1.0,), array_code=code)
    assert dict(primitives) == before


def test_a_variadic_primitive_takes_no_code():
    with pytest.raises(TypeError, match="variadic"):
        primitive("coded_sum", lambda *u: sum(u), lambda out, *u: (1.0,) * len(u),
                  code=Code("{a}", ("{g}",)))


def test_a_user_code_is_kept_on_the_record():
    code = Code("{a} * {a} * {a}", ("(3.0 * {a} * {a}) * {g}",))
    cube = primitive("coded_cube", lambda a: a * a * a, lambda out, a: (3.0 * a * a,), code=code)
    assert code_of(cube, 1) is code and array_code_of(cube) is None
    assert code.placeholders() == {"a", "g"}


# -- observe --------------------------------------------------------------------------


class Log(Watcher):
    def __init__(self):
        self.events = []

    def compared(self, a, op, b, result):
        self.events.append(("compared", op, result))

    def used(self, v, how):
        self.events.append(("used", how))


def test_observe_reports_comparisons_and_every_use_of_a_number():
    x = Value(2.0, "x")
    y = x * 3
    with watch(Log()) as log:
        assert y > 5 and not y <= 5 and x >= 2 and not (x < 1.5)
        float(y)
        _ = x.data
        x.grad = 1.0
        _ = x.grad
        y.partials()
        y.backward()
        math.exp(x)
    assert log.events == [
        ("compared", ">", True), ("compared", "<=", False), ("compared", ">=", True),
        ("compared", "<", False), ("used", "float()"), ("used", ".data read"),
        ("used", ".grad written"), ("used", ".grad read"), ("used", ".partials()"),
        ("used", "backward()"), ("used", "float()")]


def test_observe_ignores_the_engine_and_the_operations_on_values():
    x = Value(2.0, "x")
    with watch(Log()) as log:
        y = ops.log(x * x + 1) / 2 - x.relu() ** 2
        abs(ops.maximum(x, y))
        repr(y)
    assert log.events == []


def test_observe_leaves_value_as_it_was_also_after_an_error():
    with pytest.raises(RuntimeError), watch(Log()):
        assert hooks.watching
        raise RuntimeError
    assert not hooks.watching
    x = Value(1.5)
    x.data += 1.0
    assert x.data == 2.5


def test_observe_sees_its_own_thread_only():
    x = Value(2.0)
    seen_elsewhere = []

    def other():
        _ = x.data
        seen_elsewhere.append(x > 1)

    with watch(Log()) as log:
        thread = threading.Thread(target=other)
        thread.start()
        thread.join()
        _ = x.data
    assert seen_elsewhere == [True]
    assert log.events == [("used", ".data read")]


def test_observe_needs_an_observer():
    with pytest.raises(TypeError, match="Watcher"):
        watch(print)  # type: ignore[arg-type]


@pytest.mark.parametrize("exponent", [2.0, 3.0, 1.0, 0.0, -0.5, -2.0, 0.5])
def test_a_number_exponent_is_worked_out_in_the_program_and_changes_no_bit(exponent):
    x = Value(1.7, "x")
    step = compile(lambda x: x ** exponent * 3.0, x)
    assert " else " not in step.source and "== 0.0" not in step.source, step.source
    out = step(x)
    y = Value(1.7)
    expected = y ** exponent * 3.0
    expected.backward()
    assert bits(out) == bits(expected.data) and bits(x.grad) == bits(y.grad)
    assert step.interpreted == 0
