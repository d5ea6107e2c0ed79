"""Exercises: blanks in the order of the steps, graded at once, hints in the
notes' notation, a score; the explanations of the steps; the printable sheet."""

from __future__ import annotations

import re

import pytest

from autodiff import Stepper, Value
from autodiff.stepping.exercise import Attempt, Exercise, is_right, read_number
from autodiff.stepping.player import Player
from tests.autodiff.stepping.test_stepping import neuron


def test_every_gradient_is_a_blank_in_step_order_with_backward_s_numbers():
    E = neuron()
    exercise = Exercise(Stepper(E))
    prompts = [b.prompt for b in exercise.blanks]
    assert prompts == ["∂E/∂t3", "∂E/∂t2", "∂E/∂z", "∂E/∂d", "∂E/∂u", "∂E/∂t1", "∂E/∂b",
                       "∂E/∂w", "∂E/∂x"]
    steps = [b.step for b in exercise.blanks]
    assert steps == sorted(steps)
    E.backward()
    assert all(b.answer == b.node.grad for b in exercise.blanks)


def test_values_and_chosen_nodes():
    stepper = Stepper(neuron())
    values = Exercise(stepper, blanks="values")
    assert [b.prompt for b in values.blanks][:2] == ["the value of t1", "the value of u"]
    t1 = next(v for v in stepper.nodes if v.label == "t1")
    chosen = Exercise(stepper, blanks=[t1, (t1, "data")])
    assert [(b.field, b.prompt) for b in chosen.blanks] == [("data", "the value of t1"),
                                                            ("grad", "∂E/∂t1")]
    with pytest.raises(ValueError, match="is an input: its value is given"):
        Exercise(stepper, blanks=[(stepper.nodes[0], "data")])
    with pytest.raises(ValueError, match="blanks must be one of"):
        Exercise(stepper, blanks="everything")
    with pytest.raises(ValueError, match="not a node of this graph"):
        Exercise(stepper, blanks=[Value(1.0)])
    with pytest.raises(ValueError, match="tolerance must be a number between 0 and 1"):
        Exercise(stepper, tolerance=2)


def test_grading_is_relative_and_reads_what_a_learner_types():
    assert is_right(0.0891, -0.08872 * -1, 0.01) and not is_right(0.09, 0.08872, 0.01)
    assert is_right(0.005, 0.0, 0.01) and not is_right(0.02, 0.0, 0.01)
    assert read_number(" −0.5 ") == -0.5 and read_number("０．２５") == 0.25
    assert read_number("1e-3") == 0.001
    for bad in ("", "abc", "1_0", "nan", "inf", "1/2"):
        assert read_number(bad) is None


def test_a_miss_gives_the_chain_rule_hint_and_a_right_entry_moves_on():
    attempt = Attempt(Exercise(Stepper(neuron())))
    attempt.enter("0.5")  # ∂E/∂t3
    attempt.enter("-0.3775")  # ∂E/∂t2
    assert attempt.blank is not None and attempt.blank.prompt == "∂E/∂z"
    assert attempt.enter("0.3775") is False
    assert "Hint: by the chain rule, ∂E/∂z = ∂t2/∂z · ∂E/∂t2" in attempt.feedback
    assert "(1) × -0.3775" in attempt.feedback
    assert attempt.enter("hello") is None and "is not a number" in attempt.feedback
    assert attempt.enter("-0.3775") is True and attempt.blank.prompt == "∂E/∂d"
    attempt.reveal()
    assert "∂E/∂d = (−1) × -0.3775 = 0.3775" in attempt.feedback
    while not attempt.done:
        attempt.enter(str(attempt.blank.answer))
    assert attempt.score == "Done: 7 of 9 right at the first try (1 shown)."


def test_the_hint_of_a_node_used_twice_is_the_sum_over_its_users():
    x = Value(2.0, "x")
    y = x * 3 + x.sin()
    y.label = "y"
    blank = next(b for b in Exercise(Stepper(y)).blanks if b.node is x)
    assert "∂y/∂x = ∂t1/∂x · ∂y/∂t1 + ∂t2/∂x · ∂y/∂t2" in blank.hint


def test_steps_are_explained_in_words_with_the_sum_of_the_delta_recursion():
    x = Value(2.0, "x")
    y = x * 3 + x.sin()
    y.label = "y"
    stepper = Stepper(y)
    words = [s.explanation for s in stepper.steps]
    assert all(words)
    assert "∂y/∂t2 = 1: when t2 changes a little, y changes about 1 times as much." in words[-2]
    assert "∂y/∂a = ∂t2/∂a × ∂y/∂t2" in words[-2]
    last = words[-1]
    assert "x is used by 2 operations: ∂y/∂x = ∂y/∂t1 · ∂t1/∂x + ∂y/∂t2 · ∂t2/∂x" in last
    assert "the Σ of the δ recursion" in last
    printed = str(stepper)
    assert printed.startswith("Stepper of y: 8 steps (4 forward, 4 backward)")
    assert "backward pass:" in printed and "the Σ of the δ recursion" in printed
    assert repr(stepper) == "<Stepper of y: 8 steps, reverse mode>"


def test_japanese_steps_captions_and_exercise():
    stepper = Stepper(neuron(), lang="ja")
    assert stepper.caption(16) == "ステップ 17 / 17 · 逆伝播"
    assert "連鎖律" in stepper[16].explanation
    assert str(stepper).startswith("E の Stepper：17 ステップ")
    attempt = Attempt(Exercise(stepper))
    attempt.enter("3")
    assert attempt.feedback.startswith("まだです") and "連鎖律より" in attempt.feedback
    with pytest.raises(ValueError, match="lang must be one of"):
        Stepper(neuron(), lang="jp")


def test_the_page_holds_the_blanks_and_no_answer_in_its_text():
    exercise = Exercise(Stepper(neuron()))
    page = exercise.player().html()
    data = Player(exercise.player().frames, exercise=exercise).data()
    assert [b["prompt"] for b in data["exercise"]["blanks"]][:2] == ["∂E/∂t3", "∂E/∂t2"]
    assert data["exercise"]["tolerance"] == 0.01
    assert "within a relative error of 0.01" in page
    # without a script, the picture shows no blank's number, and no step text is shown
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert "-0.08872" not in svg and 'data-role="all" hidden' in page


def test_the_sheet_numbers_the_blanks_and_has_an_answer_key(tmp_path):
    exercise = Exercise(Stepper(neuron(), lang="ja"), blanks="all")
    path = exercise.save_sheet(tmp_path / "sheet.html")
    page = path.read_text(encoding="utf-8")
    assert page.count("<svg") == 1 and "[1]" in page and "[15]" in page
    assert "解答" in page and "演習プリント：E" in page and "相対誤差 0.01" in page
    key = page[page.index('class="key"'):]
    assert "∂E/∂w = (x = 1) × -0.08872 = -0.08872" in key
    svg = page[page.index("<svg"):page.index("</svg>")]
    assert not re.search(r"-0\.08872", svg)  # no answer in the picture
    with pytest.raises(ValueError, match=r"saved as \.html, \.htm or \.tex"):
        exercise.save_sheet(tmp_path / "sheet.pdf")
    assert not (tmp_path / "sheet.pdf").exists()


@pytest.mark.parametrize("lang, engine, name, key", [
    ("en", "pdflatex", "Name:", "Answer key: E"), ("ja", "lualatex", "氏名：", "解答: E")])
def test_the_latex_sheet_compiles_to_the_sheet_and_the_key_on_two_a4_pages(tmp_path, lang,
                                                                           engine, name, key):
    import subprocess

    from tests import latex

    exercise = Exercise(Stepper(neuron(), lang=lang), blanks="all")
    path = exercise.save_sheet(tmp_path / "sheet.tex")
    tex = path.read_text(encoding="utf-8")
    assert f"compile with {engine}" in tex.splitlines()[0]
    latex.need(engine, "tikz.sty", "pdftotext", *(["luatexja.sty"] if lang == "ja" else []))
    pdf = latex.compile_tex(path, engine)
    assert latex.pages(pdf) == 2
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "(A4)" in info.stdout
    first, second = latex.text(pdf, 1), latex.text(pdf, 2)
    assert name in first and "[15]" in first and key not in first
    assert "0.08872" not in first  # no answer on the learner's page
    assert key in second and "0.04436" in second


def test_a_japanese_sheet_is_no_pdflatex_sheet(tmp_path):
    from autodiff.drawing.tikz import NeedsLuaLaTeX
    from autodiff.stepping.sheet import sheet_tex

    exercise = Exercise(Stepper(neuron(), lang="ja"))
    with pytest.raises(NeedsLuaLaTeX):
        sheet_tex(exercise, engine="pdflatex")
    with pytest.raises(ValueError, match="engine must be one of"):
        exercise.save_sheet(tmp_path / "s.tex", engine="xelatex")
    assert not (tmp_path / "s.tex").exists()
