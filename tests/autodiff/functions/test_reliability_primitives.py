"""A primitive's two modes agree, and its numbers get in only finite (issue 19, section 5).

`grad(..., create_graph=True)` evaluates each primitive's `partials` with Values,
`backward()` and `grad()` with floats: at every singular point of every built-in
primitive (where its `singular_distance` is 0: x = 0 for log, sqrt, abs, relu and
the base of **, ±1 for asin and acos, a = b for max and min) the two give the same
numbers or the same error. A user primitive whose modes disagree is named, with both
numbers; a forward returning an int beyond the float range is an OverflowError
naming the primitive and its operands. Nothing is changed by a failure."""

import itertools
import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from autodiff import Value, grad, gradgradcheck, ops, primitive, topological_order
from autodiff.checking import singular_distance
from autodiff.strategies import builtin_operations, values

# singular points of the built-ins and their neighbourhoods: 0, ±1, π/2, tiny and huge
GRID = [0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.0, -2.0, 3.0, math.pi / 2, 1e-300, -1e-300,
        5e-324, 1e-160, 1e300]
NARY_GRID = [0.0, 1.0, -1.0, 1e300]  # for the primitives of any arity (log_sum_exp)
OPERATIONS = builtin_operations()


def outcome(f):
    """f()'s result as numbers, or its error's type and message."""
    try:
        return [g.data if isinstance(g, Value) else g for g in f()]
    except (ArithmeticError, ValueError, TypeError) as exc:
        return type(exc), str(exc)


def both_modes(prim, operands, is_value):
    """The gradients of prim(*operands) by its Value operands in float mode and in
    Value mode; None where the operation itself fails (nothing to differentiate)."""
    xs = [Value(a) if v else a for a, v in zip(operands, is_value, strict=True)]
    inputs = [x for x in xs if isinstance(x, Value)]
    try:
        out = prim(*xs)
    except (ArithmeticError, ValueError):
        return None
    floats = outcome(lambda: grad(out, inputs))
    graphs = outcome(lambda: grad(out, inputs, create_graph=True))
    assert all(x.grad == 0.0 for x in inputs)  # neither mode writes a .grad
    return floats, graphs


def cases(prim):
    """Every operand tuple of the grid, with every choice of which are Values."""
    arities = [prim.arity] if prim.arity is not None else [1, 2, 3]
    for n in arities:
        grid = GRID if n <= 2 else NARY_GRID
        for operands in itertools.product(grid, repeat=n):
            for is_value in itertools.product([True, False], repeat=n):
                if any(is_value):
                    yield operands, is_value


@pytest.mark.parametrize("prim", OPERATIONS, ids=[p.name for p in OPERATIONS])
def test_both_modes_agree_at_every_singular_point_of_every_builtin(prim):
    singular = 0
    for operands, is_value in cases(prim):
        result = both_modes(prim, operands, is_value)
        if result is None:
            continue
        floats, graphs = result
        assert floats == graphs, (prim.name, operands, is_value)
        if singular_distance(prim) is not None and \
                abs(singular_distance(prim)(*operands)) <= 1e-15:
            singular += 1
    # the grid holds singular points of every primitive that has some
    assert singular > 0 or singular_distance(prim) is None, prim.name


def test_the_issues_case_x_to_a_value_exponent_at_zero():
    x, e = Value(0.0, "x"), Value(1.0, "e")
    (dx,) = grad(x**e, [x], create_graph=True)
    assert dx.data == 1.0 == grad(x**e, [x])[0]
    assert [g.data for g in grad(x**e, [x, e], create_graph=True)] == [1.0, 0.0]
    (d2,) = grad(dx, [x])  # x^1 is linear: its second derivative is 0
    assert d2 == 0.0
    for p in (2.0, 3.0, 2.5):  # 0^(p − 1) = 0: the derivative's number is the float mode's
        x, e = Value(0.0), Value(p)
        assert grad(x**e, [x], create_graph=True)[0].data == grad(x**e, [x])[0] == 0.0
    x, e = Value(0.0), Value(0.5)  # p < 1: infinite in both modes
    assert outcome(lambda: grad(x**e, [x]))[0] is OverflowError
    assert outcome(lambda: grad(x**e, [x], create_graph=True))[0] is OverflowError


@given(st.sampled_from(OPERATIONS), st.data())
def test_both_modes_agree_near_and_at_singular_points(prim, data):
    n = prim.arity or data.draw(st.integers(1, 4), label="arity")
    near = st.sampled_from(GRID).flatmap(
        lambda c: st.sampled_from([c, math.nextafter(c, math.inf), math.nextafter(c, -math.inf),
                                   c + 1e-9, c - 1e-9]))
    operands = data.draw(st.lists(near | values(), min_size=n, max_size=n), label="operands")
    if n == 2 and data.draw(st.booleans(), label="equal operands"):
        operands[1] = operands[0]  # the kink of max and min
    is_value = data.draw(st.lists(st.booleans(), min_size=n, max_size=n)
                         .filter(any), label="is Value")
    result = both_modes(prim, operands, is_value)
    if result is not None:
        assert result[0] == result[1]


# -- a user primitive whose two modes disagree ------------------------------------------


def disagreeing(name, other):
    """partials: 2.0 with floats, other·2 (a Value of another graph) with Values."""
    return primitive(name, lambda a: 2.0 * a,
                     lambda out, a: (other * 2 if isinstance(a, Value) else 2.0,))


@given(st.floats(0.5, 100.0).filter(lambda c: c != 1.0), values())
def test_a_primitive_whose_modes_disagree_is_named_with_both_numbers(c, a):
    twice = disagreeing("rel_twice", Value(c))
    x = Value(a, "x")
    y = twice(x) * 3.0
    assert grad(y, [x]) == [6.0]  # float mode alone cannot tell
    nodes = [(v.data, v.grad) for v in topological_order(y)]
    with pytest.raises(ValueError) as info:
        grad(y, [x], create_graph=True)
    message = str(info.value)
    assert message.startswith("rel_twice: its partials give the derivative by operand 1 as "
                              f"2.0 with floats (backward) but {2 * c!r} with Values")
    assert f"x = {a!r}" in message
    assert [(v.data, v.grad) for v in topological_order(y)] == nodes


def test_the_disagreement_names_the_right_operand_among_constants():
    other = Value(4.0)
    mixed = primitive("rel_mixed", lambda a, b: a * b,
                      lambda out, a, b: (b, other if isinstance(b, Value) else 1.0))
    x = Value(1.0, "x")
    with pytest.raises(ValueError, match=r"operand 2 as 1\.0 with floats .* but 4\.0 with Values"):
        grad(mixed(3.0, x), [x], create_graph=True)
    y = Value(2.0, "y")
    with pytest.raises(ValueError, match=r"rel_mixed: .*operand 2 as 1\.0"):
        grad(mixed(x, y), [x, y], create_graph=True)  # operand 1 agrees: b is y in both


def test_rounding_is_no_disagreement():
    wobbly = primitive("rel_wobbly", lambda a: a * a,
                       lambda out, a: (2 * a * (1 + 1e-12) if isinstance(a, Value) else 2 * a,))
    x = Value(3.0)
    assert grad(wobbly(x), [x], create_graph=True)[0].data == pytest.approx(6.0)


def test_gradgradcheck_reports_a_primitive_whose_modes_disagree():
    sneaky = disagreeing("rel_sneaky", Value(1.5))
    with pytest.raises(ValueError, match="rel_sneaky: its partials give"):
        gradgradcheck(lambda x: sneaky(x) * x, [0.7])


# -- a forward returning a number beyond the float range ---------------------------------


@given(st.integers(min_value=10**309, max_value=10**5000), st.booleans(), st.booleans())
def test_a_huge_int_from_forward_names_the_primitive_and_operands(n, negative, as_value):
    huge = primitive("rel_huge", lambda a: -n if negative else n, lambda out, a: (0.0,))
    x = Value(1.25, "x")
    before = topological_order(x)
    with pytest.raises(OverflowError) as info:
        huge(x if as_value else 1.25)
    message = str(info.value)
    assert message.startswith("rel_huge: the result is too large for a float, at ")
    assert message.endswith("x = 1.25" if as_value else "1.25 (a number)")
    assert topological_order(x) == before and x.grad == 0.0


def test_a_huge_int_from_a_binary_forward_names_both_operands():
    huge = primitive("rel_huge2", lambda a, b: 10**400, lambda out, a, b: (0.0, 0.0))
    with pytest.raises(OverflowError, match=r"rel_huge2: .* at a = 2\.0, 3 \(a number\)$"):
        huge(Value(2.0, "a"), 3)
    assert ops.exp(Value(1.0)).data == math.e  # the engine goes on
