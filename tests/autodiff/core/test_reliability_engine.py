"""Hostile operands for the engine: numbers Python cannot make a float of, non-finite
numbers, NumPy scalars of every kind, failures in the middle of a sweep. Each gets a clear
error that names the operation and the operand, and changes nothing."""

import math
import operator
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import Value, grad, ops, primitive, topological_order

BINARY = [("+", operator.add), ("-", operator.sub), ("*", operator.mul), ("/", operator.truediv),
          ("**", operator.pow), ("max", ops.maximum), ("min", ops.minimum)]


def a_graph():
    x = Value(1.5, "x")
    y = (x * 2 + 1).tanh()
    y.backward()
    return x, y, [(v.data, v.grad) for v in topological_order(y)]


huge_ints = st.integers(min_value=10**309, max_value=10**5000) | \
    st.integers(min_value=-(10**5000), max_value=-(10**309))


@given(huge_ints, st.sampled_from(BINARY), st.booleans())
def test_numbers_too_large_for_a_float_name_the_operation_and_the_number(n, op, left):
    name, f = op
    x, y, before = a_graph()
    with pytest.raises(OverflowError) as info:
        f(n, x) if left else f(x, n)
    message = str(info.value)
    assert message.startswith(f"{name}: the number ") and "digits" in message
    assert message.endswith("is too large for a float")
    assert len(message) < 150  # a 5,000-digit number is not echoed whole
    assert [(v.data, v.grad) for v in topological_order(y)] == before


@given(huge_ints)
def test_value_of_a_huge_int_is_an_overflow_error_naming_value(n):
    with pytest.raises(OverflowError, match=r"^Value\(\): the number .*digits.* is too large"):
        Value(n)


@given(st.sampled_from([math.nan, math.inf, -math.inf, np.float64("nan"), np.float32("inf")]),
       st.sampled_from(BINARY), st.booleans())
def test_non_finite_numbers_are_value_errors_naming_the_operand(c, op, left):
    name, f = op
    x, y, before = a_graph()
    with pytest.raises((ValueError, OverflowError)) as info:
        f(c, x) if left else f(x, c)
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    if info.type is ValueError:
        assert "is not a finite number" in message and repr(float(c)) in message
    assert [(v.data, v.grad) for v in topological_order(y)] == before


NUMPY_SCALARS = [np.bool_(True), np.bool_(False), np.int8(-3), np.int16(7), np.int32(-5),
                 np.int64(9), np.uint8(200), np.uint16(3), np.uint32(4), np.uint64(5),
                 np.float16(0.5), np.float32(-1.25), np.float64(2.5), np.longdouble(0.75),
                 Fraction(3, 4), True, 3]


@pytest.mark.parametrize("c", NUMPY_SCALARS, ids=[type(c).__name__ for c in NUMPY_SCALARS])
def test_numpy_scalars_are_accepted_everywhere_alike(c):
    expected = float(c)
    assert Value(c).data == expected and type(Value(c).data) is float
    x = Value(2.0)
    assert (x * c).data == 2.0 * expected and (x + c).data == 2.0 + expected
    assert (x - c).args == (x, expected) and (x - c).op == "-"
    if expected != 0:
        assert (x / c).data == 2.0 / expected
    assert ops.maximum(x, c).data == max(2.0, expected)


@pytest.mark.parametrize("bad", ["1", None, [1.0], 1j, np.array([1.0, 2.0]), object()])
def test_non_numbers_are_type_errors(bad):
    x = Value(2.0)
    with pytest.raises(TypeError):
        x * bad
    with pytest.raises(TypeError, match=r"max\(\): operand 2 must be a Value or a real number"):
        ops.maximum(x, bad)


def failing_identity(name, error, message):
    """(a primitive a ↦ a, arm): after arm(k), its partials raise error(message) at
    their k-th call, counted from that arm."""
    state = {"armed": False, "calls": 0, "at": 0}

    def partials(out, a):
        if state["armed"]:
            state["calls"] += 1
            if state["calls"] == state["at"]:
                raise error(message)
        return (1.0,)

    def arm(k):
        state.update(armed=True, calls=0, at=k)

    return primitive(name, lambda a: a, partials), arm


def test_a_backward_that_fails_half_way_leaves_every_gradient_as_it_was():
    flaky, arm = failing_identity("flaky", ZeroDivisionError,
                                  "a failure in the middle of the sweep")
    x = Value(0.3, "x")
    y = x
    for i in range(1000):
        y = flaky(y * 1.0001) if i % 2 else y + x
    y.backward()  # a first sweep leaves gradients everywhere
    before = [v.grad for v in topological_order(y)]
    assert all(before)
    for sweep in (y.backward, lambda: grad(y, [x])):
        arm(250)
        with pytest.raises(OverflowError, match="flaky: a local derivative is not finite"):
            sweep()
        assert [v.grad for v in topological_order(y)] == before


@given(st.integers(1, 1999))
def test_a_sweep_failing_anywhere_in_a_large_graph_leaves_every_gradient(k):
    step, arm = failing_identity("sometimes_fails", ValueError, "no derivative here")
    x = Value(0.1, "x")
    y = x
    for _ in range(2000):
        y = step(y * 0.999 + x)
    y.backward()
    before = [v.grad for v in topological_order(y)]
    arm(k)
    with pytest.raises(ValueError, match="sometimes_fails: its local derivative fails"):
        y.backward()
    assert [v.grad for v in topological_order(y)] == before
    arm(k)
    with pytest.raises(ValueError, match="sometimes_fails"):
        grad(y, [x], create_graph=True)
    assert [v.grad for v in topological_order(y)] == before


BAD_NUMBERS = [math.nan, math.inf, -math.inf, np.float64("nan"), "x", None, "1.0", [1.0],
               10**400, complex(1, 0)]


@pytest.mark.parametrize("attribute", ["data", "grad"])
@pytest.mark.parametrize("bad", BAD_NUMBERS, ids=repr)
def test_setting_data_or_grad_follows_the_constructors_rules(attribute, bad):
    x, y, before = a_graph()
    error = (ValueError, TypeError, OverflowError)
    with pytest.raises(error, match=rf"^Value\.{attribute}"):
        setattr(x, attribute, bad)
    assert [(v.data, v.grad) for v in topological_order(y)] == before


@pytest.mark.parametrize("attribute", ["data", "grad"])
@given(st.one_of(st.floats(allow_nan=False, allow_infinity=False),
                 st.integers(-10**300, 10**300), st.booleans(), st.fractions()))
def test_any_finite_real_number_can_be_set_and_reads_back_as_a_float(attribute, number):
    x = Value(0.0)
    setattr(x, attribute, number)
    assert type(getattr(x, attribute)) is float and getattr(x, attribute) == float(number)


@pytest.mark.parametrize("seed", [10**400, -(10**400), math.inf, math.nan, "1", None])
def test_a_bad_seed_names_backward_and_changes_nothing(seed):
    _, y, before = a_graph()
    with pytest.raises((ValueError, TypeError, OverflowError), match=r"^backward\(grad=\.\.\.\)"):
        y.backward(seed)
    assert [(v.data, v.grad) for v in topological_order(y)] == before


def test_a_gradient_too_large_for_a_float_raises_naming_the_node():
    x = Value(1e-200, "x")
    y = x * 1e200
    z = y * 1e200
    y.grad, x.grad = 2.0, 3.0
    with pytest.raises(OverflowError,
                       match=r"backward\(\): the gradient of x = 1e-200 \(a leaf\) would be inf"):
        z.backward()
    assert (x.grad, y.grad, z.grad) == (3.0, 2.0, 0.0)
