"""The safe expression language: precedence, errors with positions, no recursion."""

import re

import pytest

from autodiff import Value
from autodiff.notation import symbol
from autodiff.notation.expression import ExpressionError, evaluate, names, number, parse


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


@pytest.mark.parametrize(
    "text, position, hint",
    [("x^2", 1, "write ** instead"), ("x × y", 2, "write * instead"),
     ("w·x", 1, "write * instead"), ("x − y", 2, "write - instead"),
     ("x ÷ 2", 2, "write / instead"), ("σ(x)", 0, "write sigmoid(...) instead"),
     ("√x", 0, "write sqrt(...) instead"), ("|x|", 0, "write abs(...) instead"),
     ("x²", 1, "write **2 instead"),
     ("α*x", 0, "names are ASCII letters, digits and _; write alpha"),
     ("x٣", 1, "write the ASCII digit 3"), ("x¹", 1, "write **1 instead"),
     ("2x", 1, "write 2*x for a product"), ("x y", 2, "write x*y for a product"),
     ("(2x)", 2, "write 2*x for a product"), ("2(x + 1)", 1, "write 2*(...) for a product")],
)
def test_common_notations_get_a_hint(text, position, hint):
    with pytest.raises(ExpressionError) as info:
        parse(text)
    assert str(info.value).endswith(hint) and info.value.position == position


def test_the_hints_come_from_the_primitive_records():
    """A symbol is named by its primitive's record, not by a table of the language's own."""
    from autodiff import ops
    from autodiff.core.arithmetic import MUL

    for sym, spelling in ((symbol(MUL), "*"), (symbol(ops.sigmoid), "sigmoid(...)")):
        with pytest.raises(ExpressionError, match=re.escape(f"write {spelling} instead")):
            parse(f"x {sym} (y)")


def test_unary_plus_is_the_operand_itself():
    x = Value(2.0, "x")
    assert evaluate(parse("+x"), {"x": x}) is x
    assert evaluate(parse("-+-x"), {"x": x}).data == 2.0


@pytest.mark.parametrize("text, value", [("2", 2.0), (" -0.5 ", -0.5), ("+1e-3", 1e-3),
                                         (".5", 0.5), ("2.", 2.0), ("-0", 0.0)])
def test_numbers_given_for_names_are_spelt_as_in_expressions(text, value):
    assert number(text) == value


@pytest.mark.parametrize("text", ["1_000", "inf", "nan", "0x10", "٣", "1e", "--1", "",
                                  "1 2", "½"])
def test_other_spellings_of_numbers_are_refused(text):
    with pytest.raises(ExpressionError, match="bad number"):
        number(text, name="x")
    if text not in ("inf", "nan", "--1"):  # a name, a name, minus minus one
        with pytest.raises(ExpressionError):
            parse(text + "*x")


def test_a_number_too_large_for_a_float_is_refused_for_names_too():
    with pytest.raises(ExpressionError, match="too large for a float"):
        number("1e400")


def test_full_width_forms_are_read_as_nfkc_reads_them_and_nothing_else():
    import unicodedata

    from autodiff.notation.expression import ascii_forms

    wide = "".join(map(chr, range(0xFF01, 0xFF5F))) + "\u3000"
    assert ascii_forms(wide) == unicodedata.normalize("NFKC", wide)
    assert ascii_forms(wide) == "".join(map(chr, range(0x21, 0x7F))) + " "
    kept = "x²・･、。重み α ﬁ ½ －"[:-1]  # NFKC would read x² as x2 and ﬁ as fi
    assert ascii_forms(kept) == kept
    assert parse("ｗ＊ｘ＋ｂ") == parse("w*x+b") and number("－１．５ｅ２") == -150.0


@pytest.mark.parametrize("spelt, name", [("ln", "log"), ("arcsin", "asin"), ("ReLU", "relu"),
                                         ("Sigmoid", "sigmoid"), ("TANH", "tanh"),
                                         ("Exp", "exp"), ("Ln", "log"), ("exp", "exp")])
def test_aliases_and_case_variants_name_one_function(spelt, name):
    from autodiff.notation.expression import function

    assert function(spelt) == name
    assert parse(f"{spelt}(x)") == ("call", 0, name, ("name", len(spelt) + 1, "x"))


def test_a_case_variant_of_two_functions_is_refused(monkeypatch):
    from autodiff.notation import expression

    known = expression.functions()
    monkeypatch.setattr(expression, "functions", lambda: {**known, "Relu": known["relu"]})
    with pytest.raises(ExpressionError, match="function 'RELU' could be Relu or relu: write one "
                                              "of them as it is spelt"):
        parse("RELU(x)")
    assert expression.function("Relu") == "Relu" and expression.function("relu") == "relu"


def test_pi_and_e_are_constants_unless_given():
    import math

    assert evaluate(parse("2*pi"), {}) == 2 * math.pi and evaluate(parse("e"), {}) == math.e
    e = Value(2.0, "e")
    assert evaluate(parse("e**2"), {"e": e}).args == (e, 2.0)  # a value given wins
    with pytest.raises(ExpressionError, match="no value for variable 'PI'"):
        evaluate(parse("PI"), {})


def test_a_definition_names_the_output():
    from autodiff.notation.expression import parse_definition

    assert parse_definition("E = (y - d)**2/2") == (
        "E", ("/", 14, ("**", 11, ("-", 7, ("name", 5, "y"), ("name", 9, "d")),
                        ("number", 13, 2.0)), ("number", 15, 2.0)))
    assert parse_definition("ｚ　＝　ｘ") == ("z", ("name", 4, "x"))
    assert parse_definition("x*y") == (None, parse("x*y"))
    with pytest.raises(ExpressionError, match="an output is named by parse_definition") as info:
        parse("E = x")
    assert info.value.position == 2


@pytest.mark.parametrize("word, spelt", [("α", "alpha"), ("Δw", "Deltaw"), ("みず", "mizu"),
                                         ("カ1", "ka1"), ("重み", None), ("きゃ", None),
                                         ("ά", None)])
def test_romanised_spells_what_unicode_names_spell(word, spelt):
    from autodiff.notation.expression import romanised

    assert romanised(word) == spelt
