"""`python -m autodiff --lang ja`: the messages about the input and the expression
language's hints in Japanese; English stays the default."""

import pytest

from autodiff.cli import main
from autodiff.notation.expression import ExpressionError, parse, parse_definition


def error_of(capsys, *args):
    assert main([*args]) == 2
    return capsys.readouterr().err


@pytest.mark.parametrize("args, english, japanese", [
    (["x + q", "--at", "x=1"], "no value for 'q': add it to --at",
     "エラー：「q」 の値がありません。--at に加えてください"),
    (["x + Pi", "--at", "x=1"], " (the constant is spelt pi)", "（定数の綴りは pi）"),
    (["x", "--at", "x=1,x=2"], "x is given twice", "x が二度与えられています"),
    (["x", "--at", "x"], "expected name=number, got 'x'", "名前=数 の形が必要ですが 「x」 でした"),
    (["x", "--at", "x=1,y=2"], "but the expression has no name 'y'", "式に名前 「y」 はありません"),
    (["x", "--at", "x=abc"], "bad number 'abc' for x", "x の数 「abc」 が読めません"),
    (["2x", "--at", "x=1"], "; write 2*x for a product", "積なら 2*x と書いてください"),
    (["w·x", "--at", "w=1,x=1"], "; write * instead", "代わりに * と書いてください"),
    (["x²", "--at", "x=1"], "; write **2 instead", "代わりに **2 と書いてください"),
    (["重み*x", "--at", "x=1"], "write it romanised", "ローマ字か 1 文字の英字で書いてください"),
    (["sigmod(x)", "--at", "x=1"], "did you mean sigmoid?", "sigmoid のことですか？"),
    (["x y", "--at", "x=1,y=1"], "write x*y for a product", "積なら x*y と書いてください"),
    (["E = x = y", "--at", "x=1"], "one = only", "= は出力の名前の後に一つだけです"),
    (["x", "--at", "x=1", "--max-nodes", "0"], "--max-nodes must be at least 1",
     "--max-nodes は 1 以上にしてください"),
    (["x", "y", "--at", "x=1"], "unexpected 'y' after the expression 'x'",
     "式 「x」 の後に思いがけない 'y' があります"),
])
def test_errors_in_japanese_with_lang_ja_and_english_by_default(capsys, args, english,
                                                                 japanese):
    said = error_of(capsys, *args)
    assert english in said and said.startswith("error: ")
    said = error_of(capsys, *args, "--lang", "ja")
    assert japanese in said and said.startswith("エラー：")
    assert english not in said


def test_the_caret_points_at_the_position_under_the_japanese_label(capsys):
    """式 takes two columns: the caret stays under the character it points at."""
    lines = error_of(capsys, "x + q", "--at", "x=1", "--lang", "ja").splitlines()
    assert lines[1] == "  式: x + q"
    assert lines[2] == "          ^"


def test_an_expression_error_says_its_message_in_either_language():
    with pytest.raises(ExpressionError) as info:
        parse("sin(x, y)")
    assert str(info.value) == "sin takes 1 operand, got 2"
    assert info.value.message.say("ja") == "sin のオペランドは 1 個ですが、2 個ありました"
    with pytest.raises(ExpressionError) as info:
        parse_definition("x = 2*x")
    assert info.value.message.say("ja").startswith("出力の名前 x が式の入力にも使われています")
