"""gradcheck's report in Japanese (`lang="ja"`): the summary, the table, the
verdicts, the diagnosis and the notebook's HTML, from the message catalogue."""

import pytest

from autodiff import GradcheckError, gradcheck, gradgradcheck, ops, primitive
from autodiff.notation.messages import say


@pytest.fixture
def mysig():
    """σ with an extra factor of 2 in its derivative."""
    return primitive("mysig", ops.sigmoid.forward, lambda out, a: (2 * out * (1 - out),),
                     formula=["2σ({a})(1 − σ({a}))"])


def test_a_passing_check_reports_in_japanese():
    result = gradcheck(lambda x, y: x * y.exp(), [1.0, 2.0], lang="ja")
    assert result.lang == "ja"
    assert result.summary == "勾配チェック（central 差分）：2 個の導関数がすべて一致"
    head, _, *rows = str(result).splitlines()[1:]
    assert head.split() == ["導関数", "値", "解析的", "数値的", "絶対誤差", "相対誤差", "判定"]
    assert all(row.endswith("一致") for row in rows) and len(rows) == 2
    html = result._repr_html_()
    assert "<th>解析的</th>" in html and "lang='ja'" in html and "一致" in html


def test_the_japanese_table_lines_up_in_a_terminal():
    """Wide (CJK) characters take two columns: the rule under the head is as wide
    as the head's columns, counted in terminal columns."""
    import unicodedata

    def width(text):
        return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)

    lines = str(gradcheck(lambda x: x.tanh(), [0.5], lang="ja")).splitlines()
    head, rule = lines[1], lines[2]
    starts = [i for i, c in enumerate(rule) if c == "-" and (i == 0 or rule[i - 1] == " ")]
    cells = head.split()
    assert [width(head[:head.index(cell)]) for cell in cells] == starts


def test_a_failure_says_the_likely_bug_in_japanese(mysig):
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: mysig(x * 3) + x, [0.3], lang="ja")
    message = str(info.value)
    assert message.startswith("勾配チェック失敗：最も悪いのは x = 0.3 での ∂f/∂x")
    assert "プリミティブ 'mysig' が誤っています" in message
    assert "考えられるバグ：定数倍のずれ：" in message
    assert "FAILED" not in message and "Likely bug" not in message
    assert "数値的な値の 2 倍" in message and "余分な因子 2 が掛かっています" in message
    assert "numerical" not in message and "extra factor" not in message  # the evidence too
    result = info.value.result
    assert result.summary.endswith("導関数が不一致")
    assert "不一致（許容誤差" in result.table()
    html = result._repr_html_()
    assert "<th>考えられるバグ</th>" in html and "定数倍のずれ" in html
    assert "余分な因子 2" in html and "extra factor" not in html
    (note,) = result.notes().values()  # written beside the wrong node in draw() and stepper()
    assert note.splitlines()[-1] == "考えられるバグ：定数倍のずれ" and "numerically" not in note
    assert "考えられるバグ" in result.draw().source


def test_kinks_modes_orders_and_directions_in_japanese():
    kink = gradcheck(lambda x: x.relu(), [0.0], lang="ja")
    assert kink.summary.endswith(say("ja", "check.one_kink"))
    assert "微分不可能" in kink.table() and "左 0、右 1" in kink.table()
    both = gradcheck(lambda x: x.sin(), [0.3], modes=("rev", "fwd"), order=2, lang="ja")
    assert "rev と fwd の両モード; 1 階から 2 階まで" in both.summary
    fast = gradcheck(lambda x, y: x * y, [0.3, 0.4], fast=True, lang="ja")
    assert "ランダムな 2 方向に沿って" in fast.summary
    second = gradgradcheck(lambda x: x.sin(), [0.3], lang="ja")
    assert second.summary.startswith("勾配チェック（central、2 階 差分）")


def test_english_stays_the_default_and_an_unknown_language_is_refused():
    assert gradcheck(lambda x: x.sin(), [0.3]).summary == (
        "gradcheck (central differences): the derivative agrees")
    with pytest.raises(ValueError, match="lang must be one of 'en', 'ja', got 'fr'"):
        gradcheck(lambda x: x.sin(), [0.3], lang="fr")


def test_the_rows_notes_are_japanese_too():
    from autodiff import Value

    with pytest.raises(GradcheckError) as info:  # an input cut off from the graph
        gradcheck(lambda x: Value(x.data * 2), [1.0], lang="ja")
    assert "グラフを通って f の出力に届いていません" in str(info.value)
    assert "does not reach" not in str(info.value)

    # log is defined at the point but not a step to its left: the row's note says so
    result = gradcheck(lambda x: (x - 1e-9).log(), [1.1e-9], lang="ja", raise_exception=False)
    notes = [r.note for r in result.rows if r.note]
    assert notes and all("の近く" in n and "fails near" not in n for n in notes), notes
