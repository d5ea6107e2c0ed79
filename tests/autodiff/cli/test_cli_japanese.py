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
    (["x", "--at", "x=1", "-o", "g.xyz"], "Graphviz here cannot write .xyz",
     "エラー：-o g.xyz：ここの Graphviz は .xyz を書けません"),
    (["x", "--at", "x=1", "-o", "graph"], "the extension names the format",
     "拡張子で形式を指定します"),
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


@pytest.mark.parametrize("args, english, japanese", [
    (["--max-nodes", "abc"], "argument --max-nodes: invalid int value: 'abc'",
     "引数 --max-nodes：int として読めない値です：'abc'"),
    (["--stpes"], "unrecognized arguments: --stpes", "知らない引数です：--stpes"),
    (["--at"], "argument --at: expected one argument", "引数 --at：値が 1 つ必要です"),
    (["--steps=1"], "argument --steps: ignored explicit argument '1'",
     "引数 --steps：値をとらないオプションに値 '1' が付いています"),
])
def test_argparses_own_errors_in_japanese(capsys, args, english, japanese):
    said = error_of(capsys, "x", "--at", "x=1", *args)
    assert said == f"error: {english} (python -m autodiff --help)\n"
    said = error_of(capsys, "x", "--at", "x=1", "--lang", "ja", *args)
    assert said == f"エラー：{japanese}（python -m autodiff --help）\n"
    said = error_of(capsys, "x", "--at", "x=1", "--lang=ja", *args)  # --lang=ja as well
    assert said.startswith(f"エラー：{japanese}")


def test_an_unknown_language_is_refused_in_the_language_asked_for_before(capsys):
    said = error_of(capsys, "x", "--at", "x=1", "--lang", "fr")
    assert said.startswith("error: argument --lang: invalid choice: 'fr' (choose from ")
    said = error_of(capsys, "x", "--at", "x=1", "--lang", "ja", "--lang", "fr")
    assert said.startswith("エラー：引数 --lang：選べない値です：'fr'")


def test_an_error_while_evaluating_is_headed_in_japanese(capsys):
    assert main(["log(x)", "--at", "x=-1", "--lang", "ja"]) == 1
    assert capsys.readouterr().err.startswith("エラー：log: needs an input > 0")


def help_of(capsys, monkeypatch, *args):
    monkeypatch.setenv("COLUMNS", "80")
    assert main(["--help", *args]) == 0
    return capsys.readouterr().out


def test_the_help_in_japanese(capsys, monkeypatch):
    english = help_of(capsys, monkeypatch)
    japanese = help_of(capsys, monkeypatch, "--lang", "ja")
    assert english.startswith("usage: python -m autodiff") and "\noptions:\n" in english
    assert japanese.startswith("使い方：python -m autodiff")
    assert "\n位置引数:\n" in japanese and "\nオプション:\n" in japanese
    assert "このヘルプを表示して終了します" in japanese and "順伝播と逆伝播" in japanese
    for words in ("show this help", "positional arguments", "options:", "usage:", "repeatable",
                  "the language of the output"):
        assert words in english and words not in japanese, words
    options = [line.split()[0] for line in english.splitlines() if line.startswith("  -")]
    assert options == [line.split()[0] for line in japanese.splitlines()
                       if line.startswith("  -")]  # the same options, in the same order


def test_the_japanese_help_fits_the_terminal_and_breaks_lines_the_japanese_way(capsys,
                                                                               monkeypatch):
    from autodiff.cli import _width

    text = help_of(capsys, monkeypatch, "--lang", "ja")
    body = text.split("\n\n", 1)[1]  # after the usage, which argparse lays out itself
    lines = body.splitlines()
    assert max(_width(line) for line in lines) <= 80
    assert not any(line.lstrip()[:1] in "、。）」：ーョッ" for line in lines if line.strip())
    assert not any(line.rstrip().endswith(("（", "「")) for line in lines)


def test_wrap_breaks_at_spaces_and_between_wide_characters():
    from autodiff.cli import wrap

    assert wrap("one two three", 7) == ["one two", "three"]
    assert wrap("ステップごとに表示します", 10) == ["ステップご", "とに表示し", "ます"]
    assert wrap("値（くり返し可）。", 6) == ["値（く", "り返し", "可）。"]  # （ and ）。 kept
    assert wrap("値（くり返し可）。", 4) == ["値", "（く", "り返", "し", "可）。"]  # wider: whole
    assert wrap("a-very-long-word", 4) == ["a-very-long-word"]


def test_the_japanese_usage_lines_up_under_its_wide_prefix(capsys, monkeypatch):
    from autodiff.cli import _width

    for lang in ("en", "ja"):
        usage = help_of(capsys, monkeypatch, "--lang", lang).split("\n\n", 1)[0].splitlines()
        column = _width(usage[0].split(" [", 1)[0]) + 1  # where the first option starts
        assert len(usage) > 1 and all(line.startswith(" " * column + "[") for line in usage[1:])
        assert max(_width(line) for line in usage) <= 80
