"""The safe expression language: precedence, errors with positions, no recursion."""

import re

import pytest

from autodiff import Value
from autodiff.expression import ExpressionError, evaluate, names, parse


def test_parse_and_evaluate_with_precedence():
    x = Value(3.0)
    cases = {"-x**2": -9.0, "2**-1": 0.5, "2*3+4": 10.0, "2*(3+4)": 14.0, "x/2/3": 0.5,
             "2**3**2": 512.0, "relu(-x) + exp(0)": 1.0, "1.5e1 + .5": 15.5}
    for text, value in cases.items():
        result = evaluate(parse(text), {"x": x})
        assert (result.data if isinstance(result, Value) else result) == value, text
    # numbers alone fold to numbers: x**-1 is x to the number −1, not to a node
    assert evaluate(parse("x**-1"), {"x": x}).args == (x, -1.0)
    assert evaluate(parse("2*3*x"), {"x": x}).args == (6.0, x)
    assert evaluate(parse("max(x, 2) - min(1, x)"), {"x": x}).data == 2.0
    assert names(parse("a*b + a")) == [("a", 0), ("b", 2), ("a", 6)]


@pytest.mark.parametrize(
    "text, position, words",
    [("x +", 3, "end"), ("foo(x)", 0, "unknown function"), ("x $ 1", 2, "'$'"),
     ("__import__('os')", 11, "unexpected character"), ("(" * 120 + "1" + ")" * 120, 100, "deeper"),
     ("exp", 0, "function"), ("3x", 1, "after a complete"), ("", 0, "end"),
     ("max(x)", 0, "max takes 2 operands, got 1"), ("sin(x, y)", 0, "sin takes 1 operand"),
     ("x" * 20_000, 10_000, "longer")],
)
def test_malformed_expressions_point_at_the_position(text, position, words):
    with pytest.raises(ExpressionError, match=re.escape(words)) as info:
        parse(text)
    assert info.value.position == position


def test_long_chains_need_no_recursion():
    a = Value(1.0)
    assert evaluate(parse("+".join(["a"] * 3000)), {"a": a}).data == 3000.0


def test_numbers_too_large_for_a_float_are_bad_numbers():
    with pytest.raises(ExpressionError, match="too large") as info:
        parse("x * 1e400")
    assert info.value.position == 4


def test_deep_unary_and_power_chains_hit_the_depth_limit_not_the_stack():
    with pytest.raises(ExpressionError, match="deeper"):
        parse("-" * 5000 + "x")
    with pytest.raises(ExpressionError, match="deeper"):
        parse("**".join(["2"] * 3000))
    assert evaluate(parse("-" * 50 + "x"), {"x": Value(2.0)}).data == 2.0
