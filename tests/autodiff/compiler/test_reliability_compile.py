"""`autodiff.compile` under hostile calls (issue 19, section 5).

* `compile(lambda x: x * x, 1.0)(1e200)` raised "the program must return a Value …
  got float": the fallback reran the program with floats. It now reruns it as
  recorded, a leaf Value per number, and raises the interpreter's own error.
* Called with new Value objects at every call, it recorded and kept a program per
  call (300 calls: 301 programs). At most `max_traces` are kept per shape of the
  arguments, and a `RetraceWarning` says so once.

Each failure leaves every `.grad` and parameter as it was."""

import math
import warnings

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autodiff import RetraceWarning, Value, compile, ops

PROGRAMS = {
    "x * x": lambda w, x, y: x * x,
    "w * x * y": lambda w, x, y: w * x * y,
    "exp": lambda w, x, y: ops.exp(x) * w,
    "x ** 3": lambda w, x, y: x**3 + w,
    "x / y": lambda w, x, y: w * x / y,
    "log": lambda w, x, y: ops.log(x) + w,
    "sqrt at 0": lambda w, x, y: ops.sqrt(x * x) + w,
}


def error(f):
    try:
        f()
    except (ArithmeticError, ValueError) as exc:
        return type(exc), str(exc)
    return None


@given(st.sampled_from(sorted(PROGRAMS)),
       st.sampled_from([1e200, -1e200, 1e155, 1e300, 0.0, -1.0, 1e-300, 5e-324]) | st.floats(
           -1e300, 1e300),
       st.sampled_from([1.0, 0.0, 1e-300, 1e200]))
def test_the_fallback_raises_the_interpreters_error_on_values(name, x, y):
    fn = PROGRAMS[name]
    w = Value(0.5, "w")
    step = compile(lambda x, y: fn(w, x, y), 1.5, 2.0)
    w.grad = 3.0
    twin = Value(0.5, "w")
    failed = error(lambda: fn(twin, Value(x), Value(y)))  # the value, on leaf Values
    if failed is None:  # only w's gradient is computed: the numbers' is not, nor its errors
        loss = fn(twin, x, y)
        failed = error(loss.backward) if isinstance(loss, Value) else None
        result = []
        assert error(lambda: result.append(step(x, y))) == failed
        if failed is None:
            assert result == [float(loss)] and w.grad == 3.0 + twin.grad
            return
    else:
        assert error(lambda: step(x, y)) == failed
    assert "got float" not in failed[1]
    assert (w.data, w.grad) == (0.5, 3.0)
    assert step(1.5, 2.0) == fn(Value(0.5), Value(1.5), Value(2.0)).data  # it still replays


def test_the_issues_case():
    step = compile(lambda x: x * x, 1.0)
    with pytest.raises(OverflowError, match=r"^\*: the result is too large for a float, at "
                                            r"1e\+200, 1e\+200$"):
        step(1e200)
    assert step(3.0) == 9.0


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_a_non_finite_argument_is_named(bad):
    w = Value(2.0)
    step = compile(lambda x, ys: w * x + ys[1], 1.0, [1.0, 2.0])
    with pytest.raises(ValueError, match=rf"^autodiff.compile: argument x is {bad!r}; the "
                                         "arguments must be finite numbers"):
        step(bad, [1.0, 2.0])
    with pytest.raises(ValueError, match=rf"^autodiff.compile: argument ys\[1\] is {bad!r}"):
        step(1.0, [1.0, bad])
    assert w.grad == 0.0
    with pytest.raises(ValueError, match=r"argument x is inf"):
        compile(lambda x: x * w, math.inf)


# -- new Value objects at every call ---------------------------------------------------


def a_loss():
    m = nn.MLP(2, [3, 1], seed=5)
    return m, lambda x, y: nn.squared_error(m([x, y]), [1.0])


@pytest.mark.parametrize("max_traces", [1, 3, 8])
def test_new_values_at_every_call_keep_at_most_max_traces_programs(max_traces):
    m, loss = a_loss()
    twin, twin_loss = a_loss()
    step = compile(loss, Value(0.0), Value(1.0), max_traces=max_traces)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for i in range(300):
            x, y = Value(0.01 * i), Value(1.0)
            tx, ty = Value(0.01 * i), Value(1.0)
            assert step(x, y) == twin_loss(tx, ty).data
            twin_loss(tx, ty).backward()
            assert (x.grad, y.grad) == (tx.grad, ty.grad)
            assert step.programs <= max_traces
    assert step.calls == 300 and step.traces == 301
    assert [p.grad for p in m.parameters()] == [p.grad for p in twin.parameters()]
    retrace = [w for w in caught if issubclass(w.category, RetraceWarning)]
    assert len(retrace) == 1
    message = str(retrace[0].message)
    assert "new Value objects" in message and f"only {max_traces} programs" in message
    assert "Pass what changes per step as numbers" in message
    assert retrace[0].filename == __file__  # it points at the call


def test_the_same_values_or_numbers_reuse_one_program_and_never_warn():
    _, loss = a_loss()
    x, y = Value(0.5), Value(1.0)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        by_values = compile(loss)
        by_numbers = compile(loss)
        for i in range(50):
            x.data = 0.01 * i
            by_values(x, y)
            by_numbers(0.01 * i, 1.0)
    assert (by_values.traces, by_values.programs) == (1, 1)
    assert (by_numbers.traces, by_numbers.programs) == (1, 1)


def test_a_few_alternating_values_are_kept_without_warning():
    """Up to max_traces argument sets take turns: each keeps its program."""
    _, loss = a_loss()
    pairs = [(Value(0.1 * k), Value(1.0)) for k in range(4)]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step = compile(loss, max_traces=4)
        for _ in range(20):
            for x, y in pairs:
                step(x, y)
    assert step.traces == 4 and step.programs == 4


def test_other_shapes_have_their_own_room():
    w = Value(1.0)
    step = compile(lambda xs: w * sum(xs), max_traces=2)
    for n in range(1, 6):
        step([Value(1.0)] * n)
        step([Value(2.0)] * n)
    assert step.programs == 10  # two per shape: nothing dropped
