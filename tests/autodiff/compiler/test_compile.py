"""autodiff.compile with the Python backend: the interpreter's numbers, bit for bit.

Every test compares with what the interpreter does on the same graph:
`fn(*args)` then `loss.backward()`, floats compared by their bits (so 0.0 and
-0.0 differ, and nan would not equal itself).
"""

from __future__ import annotations

import gc
import math
import re
import struct

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Code, TraceError, Value, compile, grad, ops, primitive
from autodiff.strategies import expressions


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def assert_same(a: float, b: float) -> None:
    assert bits(a) == bits(b), f"{a!r} != {b!r}"


# -- user primitives: with a Code, without one, binary, ternary --------------------

softsign = primitive(
    "c_softsign", lambda a: a / (1 + abs(a)), lambda out, a: (1 / (1 + ops.abs(a)) ** 2,))
softsign_code = primitive(
    "c_softsign_code", lambda a: a / (1.0 + math.fabs(a)),
    lambda out, a: (1.0 / (1.0 + ops.abs(a)) ** 2,),
    code=Code("{a} / (1.0 + fabs({a}))", ("1.0 / (1.0 + fabs({a})) ** 2 * {g}",),
              {"fabs": math.fabs}, propagates=True, finite_partials=True))
hypot = primitive(
    "c_hypot", lambda a, b: math.sqrt(a * a + b * b),
    lambda out, a, b: (a / out, b / out), singular_distance=math.hypot,
    code=Code("sqrt({a} * {a} + {b} * {b})", ("({a} / {out}) * {g}", "({b} / {out}) * {g}"),
              {"sqrt": math.sqrt}, propagates=True))
fma = primitive("c_fma", lambda x, y, z: x * y + z, lambda out, x, y, z: (y, x, 1.0))
USER = [softsign, softsign_code, hypot, fma]


def check(expr, inline: bool) -> None:
    """expr compiled with Values as arguments, against backward() on fresh Values."""
    xs = [Value(x) for x in expr.inputs]
    step = compile(expr, *xs, inline=inline)
    ys = [Value(x) for x in expr.inputs]
    out = expr(*ys)
    out.backward()
    assert_same(step(*xs), out.data)
    for x, y in zip(xs, ys, strict=True):
        assert_same(x.grad, y.grad)
    assert step.interpreted == 0, step.source
    numbers = compile(expr, *expr.inputs)  # the inputs as numbers: the value only
    assert_same(numbers(*expr.inputs), out.data)


@given(expressions(max_steps=6), st.booleans())
def test_builtin_expressions_are_the_interpreter_bit_for_bit(expr, inline):
    check(expr, inline)


@given(expressions(operations=[*USER, "+", "*", "-", "relu", "tanh"], max_steps=6),
       st.booleans())
def test_user_primitives_are_the_interpreter_bit_for_bit(expr, inline):
    check(expr, inline)


def test_baydins_example_is_the_evaluation_and_the_adjoint_trace():
    """Baydin et al. (2018), Tables 2 and 3: f(x1, x2) = ln x1 + x1·x2 − sin x2 at (2, 5)."""
    x1, x2 = Value(2.0, "x1"), Value(5.0, "x2")
    f = compile(lambda x1, x2: ops.log(x1) + x1 * x2 - ops.sin(x2), x1, x2, inline=False)
    lines = [line.strip() for line in f.source.splitlines()]
    forward = lines[lines.index("# evaluation trace") + 1:lines.index("# adjoint trace")]
    assert forward == ["v1 = log(x1)", "v2 = x1 * x2", "v3 = v1 + v2", "v4 = sin(x2)",
                       "v5 = v3 - v4"]
    adjoint = lines[lines.index("# adjoint trace") + 1:]
    assert adjoint[:7] == ["v̄5 = 1.0", "v̄4 = -v̄5", "v̄3 = v̄5", "v̄2 = v̄3", "v̄1 = v̄3",
                           "x̄1 = x2 * v̄2 + (1.0 / x1) * v̄1  # ∂v5/∂x1",
                           "x̄2 = cos(x2) * v̄4 + x1 * v̄2  # ∂v5/∂x2"]
    assert f(x1, x2) == pytest.approx(11.652071455223084)
    assert (x1.grad, x2.grad) == (5.5, pytest.approx(1.7163378145367738))
    assert str(f) == f.source


def test_names_come_from_labels_and_the_notes_names_are_comments():
    w, b = Value(0.5, "w_11^(2)"), Value(0.1, "b_1^(2)")

    def neuron(x):
        u = w * x + b
        u.label = "u_1^(2)"
        z = u.sigmoid()
        z.label = "z_1^(2)"
        return z

    step = compile(neuron, 1.5)
    assert "u_1_2 = w_11_2 * x + b_1_2  # u_1^(2)" in step.source
    assert "z_1_2 = sigmoid(u_1_2)  # z_1^(2)" in step.source
    assert "w̄_11_2 = " in step.source and "# ∂z_1^(2)/∂u_1^(2)" in step.source


# -- what the compiled step returns and changes -------------------------------------


def test_results_besides_the_loss_come_back_as_floats():
    w = Value(0.3, "w")

    def fn(xs):
        ys = [w * x for x in xs]
        return sum(y * y for y in ys), (ys, [ys[0].tanh()])

    step = compile(fn, [1.0, 2.0])
    loss, (ys, (t,)) = step([3.0, -1.0])
    assert loss == pytest.approx(0.9) and ys == pytest.approx([0.9, -0.3])
    assert t == pytest.approx(math.tanh(0.9)) and isinstance(ys, list)


def test_gradients_accumulate_into_existing_values_as_backward_does():
    w = Value(0.3, "w")
    step = compile(lambda x: (w * x).tanh(), 2.0)
    w.grad = 1.0
    step(2.0)
    expected = 1.0 + (1 - math.tanh(0.6) ** 2) * 2.0
    assert_same(w.grad, expected)


def test_a_new_shape_is_recorded_anew():
    w = Value(0.3)
    step = compile(lambda xs: sum(w * x for x in xs), [1.0, 2.0, 3.0])
    assert step([1.0, 2.0]) == pytest.approx(0.9) and step.traces == 2
    assert step([1.0, 1.0, 1.0]) == pytest.approx(0.9) and step.traces == 2
    assert step.compile_seconds > 0


def test_values_as_arguments_are_told_apart_by_identity():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    step = compile(lambda a: a * a, x)
    assert step(y) == 9.0 and y.grad == 6.0 and x.grad == 0.0 and step.traces == 2
    assert step(x) == 4.0 and x.grad == 4.0 and step.traces == 2


def test_a_value_passed_twice_gets_its_gradient_once_as_in_backward():
    x = Value(2.0)
    step = compile(lambda a, b: a * b + a, x, x)
    step(x, x)
    y = Value(2.0)
    (lambda a, b: a * b + a)(y, y).backward()
    assert_same(x.grad, y.grad)


def test_a_captured_graph_keeps_its_recorded_numbers_as_in_the_interpreter():
    w = Value(0.5, "w")
    h = w * 2.0  # made before: the interpreter uses h.data as it is
    step = compile(lambda x: h * x, 3.0)
    w.data = 10.0
    assert_same(step(3.0), 3.0)
    assert (w.grad, h.grad) == (6.0, 3.0)


def test_made_leaves_are_constants_and_get_no_gradient():
    w = Value(0.5)
    step = compile(lambda x: w * x + Value(2.0), 1.0)
    assert step(4.0) == 4.0 and w.grad == 4.0


def test_higher_order_a_gradient_penalty():
    """grad(create_graph=True) inside the program: the compiled step differentiates
    the derivative graph once more, bit for bit as backward() on it."""
    w = Value(0.7, "w")

    def penalised(x):
        y = (w * x).tanh()
        (dy,) = grad(y, [w], create_graph=True)
        return y + dy * dy

    step = compile(penalised, 0.3)
    for x in (0.3, -1.2, 2.5):
        before = w.grad
        value = step(x)
        compiled = w.grad - before
        w.grad = 0.0
        out = penalised(x)
        out.backward()
        assert_same(value, out.data)
        assert_same(compiled, w.grad)
        w.grad = before + compiled


def test_the_compiled_step_holds_no_graph():
    def values_alive() -> int:
        gc.collect()
        return sum(type(o) is Value for o in gc.get_objects())  # type(): no __class__ lookups

    w = [Value(0.1 * i) for i in range(20)]
    before = values_alive()
    step = compile(lambda xs: sum((wi * x).tanh() for wi, x in zip(w, xs, strict=True)),
                   [1.0] * 20)
    step([2.0] * 20)
    assert values_alive() == before  # the 20 inputs and 59 nodes recorded are gone
    assert step([2.0] * 20) > 0


# -- branches: primitives, comparisons, numbers read -----------------------------


def test_relu_max_abs_branch_at_every_step():
    w = Value(1.0)
    step = compile(lambda x: (w * x).relu() + ops.maximum(w * x, 0.5) + abs(w - x), 2.0)
    for x in (2.0, -3.0, 0.25):
        w.grad = 0.0
        value = step(x)
        compiled = w.grad
        w.grad = 0.0
        out = (w * x).relu() + ops.maximum(w * x, 0.5) + abs(w - x)
        out.backward()
        assert_same(value, out.data)
        assert_same(compiled, w.grad)
    assert step.traces == 1


def test_a_comparison_of_values_is_checked_at_every_step_and_recorded_anew():
    w = Value(0.5, "w")

    def f(x):
        u = w * x
        return u * u if u > 0 else -u

    step = compile(f, 2.0)
    for x, expected_traces in ((3.0, 1), (-3.0, 2), (4.0, 2), (-1.0, 2)):
        w.grad = 0.0
        value = step(x)
        compiled = w.grad
        w.grad = 0.0
        f(x).backward()
        assert_same(value, f(x).data)
        assert_same(compiled, w.grad)
        assert step.traces == expected_traces
    assert "raise Changed(0)" in step.source


def test_sorting_values_is_comparisons_too():
    w = Value(1.0)
    step = compile(lambda xs: sorted((w * x for x in xs), key=lambda v: v)[0], [3.0, 1.0, 2.0])
    assert step([3.0, 1.0, 2.0]) == 1.0
    assert step([0.5, 1.0, 2.0]) == 0.5 and step.traces == 2


def test_too_many_branches_are_a_clear_error():
    w = Value(1.0)
    step = compile(lambda x: w * x if w * x > 0.5 else -w, 1.0, max_traces=1)
    with pytest.raises(TraceError, match=r"another branch than in each of the 1 programs"):
        step(0.25)


@pytest.mark.parametrize("use, how", [
    (lambda v: v.data > 0, ".data read"),
    (lambda v: float(v) > 0, "float()"),
    (lambda v: math.exp(v) > 0, "float()"),
    (lambda v: v.partials() is None, ".partials()"),
    (lambda v: grad(v, [v]) is None, "a float gradient"),
    (lambda v: setattr(v, "grad", 1.0), ".grad written"),
])
def test_a_program_that_uses_a_number_is_refused_naming_the_line(use, how):
    w = Value(1.0, "w")

    def f(x):
        u = w * x
        use(u)
        return u

    with pytest.raises(TraceError, match=f"{re.escape(how)}.*test_compile.py"):
        compile(f, 1.0)


def test_a_refusal_swallowed_by_the_program_still_refuses():
    def f(x):
        try:
            if x.data > 0:
                return x
        except Exception:
            pass
        return -x

    with pytest.raises(TraceError, match=r"\.data read"):
        compile(f, 1.0)


def test_an_error_of_the_program_while_recorded_says_so():
    with pytest.raises(TypeError, match="int") as info:
        compile(lambda x: range(x), 3.0)
    assert any("autodiff.compile recorded" in note for note in info.value.__notes__)


# -- errors are the interpreter's ----------------------------------------------------


INTERPRETER_ERRORS = [
    ("log of a negative", lambda w, x: ops.log(w * x), -2.0, ValueError),
    ("division by zero", lambda w, x: 1.0 / (w * x), 0.0, ZeroDivisionError),
    ("overflow", lambda w, x: ops.exp(w * x), 2000.0, OverflowError),
    ("overflow absorbed by relu", lambda w, x: (-(w * x * 1e300)).relu(), 1e10, OverflowError),
    ("infinite derivative", lambda w, x: ops.sqrt(w * x), 0.0, OverflowError),
    ("infinite derivative absorbed by relu", lambda w, x: (w * x).relu() ** 0.5 + w,
     -1.0, OverflowError),
    ("negative base, Value exponent", lambda w, x: (w * x) ** w, -1.0, ValueError),
]


@pytest.mark.parametrize("what, fn, x, error", INTERPRETER_ERRORS,
                         ids=[e[0] for e in INTERPRETER_ERRORS])
def test_errors_are_the_interpreters_and_change_nothing(what, fn, x, error):
    w = Value(0.5, "w")
    step = compile(lambda x: fn(w, x), 1.0)
    w.grad = 7.0
    with pytest.raises(error) as compiled:
        step(x)
    assert w.grad == 7.0 and w.data == 0.5
    with pytest.raises(error) as interpreted:
        fn(w, x).backward()
    assert str(compiled.value) == str(interpreted.value)
    assert w.grad == 7.0
    assert step(1.0) == pytest.approx(fn(Value(0.5), 1.0).data)  # and it still replays


def test_a_check_that_checks_nothing_is_not_called():
    """`**`'s operand check matters only for a Value exponent (`Code.checked_when`):
    `x ** 2.0` replays without it, `x ** w` calls it at every step."""
    w = Value(0.5, "w")
    squared = compile(lambda x: (w * x) ** 2.0, 1.0)
    powered = compile(lambda x: (w * x) ** w, 1.0)
    assert "_operands(" not in squared.source and "pow_operands(" in powered.source
    calls = []
    limited = primitive("c_limited", lambda a, b: a * b, lambda out, a, b: (b, a),
                        check_operands=lambda a, b: calls.append((a, b)),
                        code=Code("{a} * {b}", checked_when=(1,)))
    by_number = compile(lambda x: limited(w * x, 3.0), 1.0)
    by_value = compile(lambda x: limited(w * x, w), 1.0)
    calls.clear()
    by_number(2.0)
    assert calls == []
    by_value(2.0)
    assert len(calls) == 1
    for bad in ((2,), [1], (1.0,)):
        with pytest.raises(TypeError, match="checked_when"):
            primitive("c_bad_when", lambda a, b: a * b, lambda out, a, b: (b, a),
                      code=Code("{a} * {b}", checked_when=bad))


def test_an_unusual_primitive_result_reruns_the_interpreter():
    """partials returning ints are accepted by the interpreter (converted): the
    compiled step prints them (2 · g is float(2) · g) and needs no interpreter."""
    twice = primitive("c_twice", lambda a: 2.0 * a, lambda out, a: (2,))
    w = Value(1.5)
    step = compile(lambda x: twice(w * x), 1.0)
    assert step(3.0) == 9.0 and w.grad == 6.0 and step.interpreted == 0
    assert "c_twice_partials" not in step.source


# -- bad calls -------------------------------------------------------------------------


def test_bad_calls_are_clear_errors():
    with pytest.raises(TypeError, match="needs a function"):
        compile(3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="backend"):
        compile(lambda x: x, backend="gpu")
    with pytest.raises(ValueError, match="max_traces"):
        compile(lambda x: x, max_traces=0)
    with pytest.raises(ValueError, match="finite"):
        compile(lambda x: x * 2, math.nan)
    with pytest.raises(TypeError, match="must return a Value"):
        compile(lambda x: 3.0, 1.0)
    with pytest.raises(TypeError, match="returned numbers"):
        compile(lambda x: (x * 2, 3.0), 1.0)
    step = compile(lambda x: x * 2, 1.0)
    with pytest.raises(TypeError, match=r"argument\[0\].*str"):
        step("1.0")
    with pytest.raises(TypeError, match="bool"):
        step(True)


def test_numbers_and_arrays_of_any_kind_are_accepted():
    np = pytest.importorskip("numpy")
    w = Value(2.0)
    step = compile(lambda xs: sum(w * x for row in xs for x in row), [[1.0, 2.0], [3.0, 4.0]])
    assert step([[1, 2], [3, 4]]) == 20.0 and step.traces == 1
    assert step(np.array([[1.0, 2.0], [3.0, 4.0]])) == 20.0 and step.traces == 1
    assert step(((np.float64(1.0), 2), (3, 4.0))) == 20.0 and step.traces == 2  # tuples


def test_an_unrecorded_program_says_so():
    step = compile(lambda x: x * 2)
    assert "not recorded yet" in step.source and "0 program" in repr(step)
    assert step(2.0) == 4.0 and "1 program" in repr(step)


@settings(max_examples=20)
@given(st.lists(st.floats(-3, 3), min_size=1, max_size=5))
def test_a_minibatch_loss_replays_with_new_data(data):
    w, b = Value(0.4, "w"), Value(-0.1, "b")

    def loss(xs):
        return sum(((w * x + b).tanh() - 0.5) ** 2 for x in xs) / len(xs)

    step = compile(loss, [0.0] * len(data))
    value = step(data)
    compiled = (w.grad, b.grad)
    w.grad = b.grad = 0.0
    out = loss(data)
    out.backward()
    assert_same(value, out.data)
    assert list(map(bits, compiled)) == list(map(bits, (w.grad, b.grad)))


def test_a_folded_negative_zero_stays_negative():
    x = Value(0.0)
    step = compile(lambda a: ops.maximum(-(a + a), -0.0), x)
    assert_same(step(x), ops.maximum(-(Value(0.0) * 2), -0.0).data)
    assert "max(v1, -0.0)" in step.source or "-0.0)" in step.source


@pytest.mark.parametrize("template, parts, text", [
    ("{a} * {b}", {"a": ("x + y", "ARITH"), "b": ("z", "ATOM")}, "(x + y) * z"),
    ("{a} - {b}", {"a": ("x - y", "ARITH"), "b": ("u - v", "ARITH")}, "x - y - (u - v)"),
    ("{a} ** {b}", {"a": ("-2.0", "FACTOR"), "b": ("-3.0", "FACTOR")}, "(-2.0) ** -3.0"),
    ("-{a}", {"a": ("x * y", "TERM")}, "-(x * y)"),
    ("{a} if {a} > 0.0 else 0.0", {"a": ("x + y", "ARITH")}, "x + y if x + y > 0.0 else 0.0"),
    ("{g} * {b}", {"g": ("h if c else 0.0", "TEST"), "b": ("z", "ATOM")},
     "(h if c else 0.0) * z"),
    ("exp({a})", {"a": ("h if c else 0.0", "TEST")}, "exp(h if c else 0.0)"),
])
def test_templates_parenthesise_where_python_needs_it(template, parts, text):
    from autodiff.compiler import templates
    exprs = {k: templates.Expr(t, getattr(templates, p), 1) for k, (t, p) in parts.items()}
    filled = templates.Template(template).fill(exprs)
    assert filled.text == text
    operands = [exprs[k] for k in ("a", "b") if k in exprs]
    if "b" in exprs and "a" not in exprs:
        operands = [templates.Expr("unused"), exprs["b"]]
    assert templates.Template(template).filled(operands, None, exprs.get("g")) == filled


_PARTS = [("x", "ATOM", 0), ("x + y", "ARITH", 1), ("x * y", "TERM", 1), ("-x", "FACTOR", 1),
          ("h if c else 0.0", "TEST", 2), ("2.0", "ATOM", 0), ("-0.0", "FACTOR", 0),
          ("x ** y", "POWER", 1), ("x > y", "COMPARE", 1)]


@settings(max_examples=60)
@given(st.data())
def test_a_templates_written_out_fill_is_its_fill(data):
    """`Template.filled` (the fill written out once as a function, which the Python
    backend calls at every node) gives the text, precedence and size `fill` gives,
    for every template of the built-ins (their values and their printed adjoints)."""
    from autodiff.compiler import lowering, templates
    codes = [lowering.code_of(prim, len(code.placeholders()))
             for prim, code in list(lowering.CODES.items()) if prim.builtin]
    texts = sorted({t for c in codes if c is not None for t in (c.value, *(c.adjoints or ()))})
    template = templates.Template(data.draw(st.sampled_from(texts)))

    def part() -> templates.Expr:
        text, precedence, size = data.draw(st.sampled_from(_PARTS))
        return templates.Expr(text, getattr(templates, precedence), size)
    operands, out, g = [part(), part()], part(), part()
    given = {"a": operands[0], "b": operands[1], "out": out, "g": g}
    assert template.filled(operands, out, g) == template.fill(
        {k: part for k, part in given.items() if k in template.counts})


@pytest.mark.parametrize("n", [64, 65, 1000])
def test_a_wide_templates_filler_is_its_fill(n):
    """Beyond `WRITTEN_OUT` placeholders the filler is `fill` itself (a written-out
    expression of 1,000 terms is too deep for CPython's compiler)."""
    from autodiff.compiler import lowering, templates
    from autodiff.notation import operand_names
    code = lowering.code_of(ops.log_sum_exp, n)
    template = templates.Template(code.value)  # log_sum_exp({a}, {b}, ..., one per operand)
    names = operand_names(n)
    operands = [templates.Expr(f"u{k}", templates.ATOM, 0) for k in range(n)]
    out, g = templates.Expr("o", templates.ATOM, 0), templates.Expr("g", templates.ATOM, 0)
    given = {**dict(zip(names, operands, strict=True)), "out": out, "g": g}
    assert template.filled(operands, out, g) == template.fill(
        {k: part for k, part in given.items() if k in template.counts})


def test_the_collector_is_restored_as_it_was_also_after_an_error():
    assert gc.isenabled()
    compile(lambda x: x * 2, 1.0)
    assert gc.isenabled()
    with pytest.raises(ZeroDivisionError):
        compile(lambda x: x / 0, 1.0)
    assert gc.isenabled()
    gc.disable()
    try:
        compile(lambda x: x * 2, 1.0)
        assert not gc.isenabled()
    finally:
        gc.enable()


def test_a_new_branch_that_fails_fails_as_the_interpreter_does():
    w = Value(1.0, "w")

    def f(x):
        u = w * x
        return ops.log(u) if u > 0 else ops.log(u - 1.0)

    step = compile(f, 2.0)
    with pytest.raises(ValueError) as compiled:
        step(-2.0)
    with pytest.raises(ValueError) as interpreted:
        f(-2.0)
    assert str(compiled.value) == str(interpreted.value) and w.grad == 0.0
    assert step(3.0) == pytest.approx(math.log(3.0)) and w.grad == pytest.approx(1 / 1.0)


def test_a_value_made_and_dropped_is_not_computed():
    """As in any tracing compiler: the replay computes what the results depend on."""
    w = Value(1.0)

    def f(x):
        ops.log(w * x)  # dropped: its domain error at x < 0 is the interpreter's alone
        return w * x

    step = compile(f, 2.0)
    assert step(-2.0) == -2.0
    with pytest.raises(ValueError):
        f(-2.0)


def test_threads_compile_and_replay_at_once():
    import threading

    results: dict[int, list[bool]] = {}

    def work(k: int) -> None:
        w = Value(0.1 * k + 0.2)
        f = lambda xs: sum((w * x).tanh() for x in xs)  # noqa: E731
        step = compile(f, [1.0, 2.0])
        ok = []
        for i in range(20):
            xs = [0.1 * i, -0.2 * k]
            w.grad = 0.0
            value = step(xs)
            compiled = w.grad
            w.grad = 0.0
            out = f(xs)
            out.backward()
            ok.append(bits(value) == bits(out.data) and bits(compiled) == bits(w.grad))
        results[k] = ok

    threads = [threading.Thread(target=work, args=(k,)) for k in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert all(all(ok) and len(ok) == 20 for ok in results.values()) and len(results) == 4
    assert gc.isenabled()


def test_a_sum_read_only_by_relus_branch_is_computed_only_where_it_is_taken():
    """∂E/∂z for z = relu(u) is a sum over z's consumers; relu passes it on only where
    u > 0, so the program writes the sum into relu's branch ("... if z > 0.0 else
    0.0"): bit for bit the interpreter's numbers with units on and off."""
    w = [Value(0.5), Value(-1.5), Value(0.25)]
    v = [Value(2.0), Value(-0.1), Value(-3.0)]

    def loss(x):
        hidden = [(wi * x).relu() for wi in w]
        return sum(vj * h * hk for vj, h in zip(v, hidden, strict=True) for hk in hidden)

    step = compile(loss, 1.0)
    assert re.search(r"= \(\S+ \* \S+ \+ [^\n]* if \S+ > 0\.0 else 0\.0\)", step.source), \
        step.source
    for x in (1.0, -1.0, 0.0, 3.0):  # units on and off
        params = [*w, *v]
        for p in params:
            p.grad = 0.0
        got = step(x)
        compiled = [p.grad for p in params]
        for p in params:
            p.grad = 0.0
        out = loss(Value(x))
        out.backward()
        assert_same(got, out.data)
        assert list(map(bits, compiled)) == [bits(p.grad) for p in params]
