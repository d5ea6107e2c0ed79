"""The stepper widget, driven through its callbacks in plain Python."""

import re
from unittest.mock import patch

import pytest

from autodiff import Stepper, Value
from tests.autodiff.stepping.test_stepping import neuron

pytest.importorskip("ipywidgets")
from autodiff.stepping.widget import (
    FALLBACK_CLASS,
    FALLBACK_CSS,
    LIVE_CLASS,
    STATIC_PLAYER_STEPS,
    StepperWidget,
)


def test_widget_callbacks_in_plain_python():
    widget = StepperWidget(Stepper(neuron()))
    assert widget.slider.value == 1 and widget.step == 0
    assert "step 1 of 17 · forward pass" in widget.caption.value
    assert "<svg" in widget.diagram.value
    widget.next()
    widget.next()
    assert widget.slider.value == 3 and "t1 = w × x" in widget.text.value
    widget.previous_button.click()
    assert widget.slider.value == 2 and widget.step == 1
    widget.play.value = 6  # the play button's timer moves the slider
    assert widget.slider.value == 6 and "step 6 of 17" in widget.caption.value
    widget.slider.value = 17  # dragging the slider shows that frame
    assert "step 17 of 17 · backward pass" in widget.caption.value
    assert "x.grad += ∂t1/∂x" in widget.text.value
    widget.next()
    assert widget.slider.value == 17  # stays at the end
    for _ in range(25):
        widget.previous()
    assert widget.slider.value == 1
    with pytest.raises(IndexError, match="out of range"):
        widget.show(17)
    with pytest.raises(TypeError, match="Stepper"):
        StepperWidget(neuron())


def test_slider_and_caption_count_alike():
    widget = StepperWidget(Stepper(neuron()), static_player=False)
    for k in range(len(widget.stepper)):
        widget.show(k)
        assert f"step {widget.slider.value} of 17 " in widget.caption.value
        assert widget.play.value == widget.slider.value


def test_the_picture_fits_the_notebooks_width():
    widget = StepperWidget(Stepper(neuron()))
    value = widget.diagram.value
    assert value.startswith('<div class="autodiff-frame"><style>')
    assert "max-width: 100%; height: auto" in value and "<?xml" not in value
    assert widget.diagram.layout.width == "100%" and widget.layout.width == "100%"
    widget.show(12)
    widget.full_size.value = True  # the picture at its natural size, scrolling
    assert widget.diagram.value.startswith('<div class="autodiff-frame natural">')
    assert widget.step == 12 and "step 13 of 17" in widget.caption.value
    widget.next()
    assert 'class="autodiff-frame natural"' in widget.diagram.value
    widget.full_size.value = False
    assert widget.diagram.value.startswith('<div class="autodiff-frame"><style>')


def displayed(widget):
    """The outputs `display(widget)` publishes, as (data, metadata) pairs."""
    published = []
    with patch("IPython.core.interactiveshell.InteractiveShell.initialized", lambda: True), \
            patch("IPython.core.display_functions.publish_display_data",
                  lambda data, metadata=None, **_: published.append((data, metadata))):
        widget._ipython_display_()
    return published


def test_the_static_player_is_an_output_of_its_own_after_the_widget_view():
    widget = StepperWidget(Stepper(neuron()), interval_ms=600)
    (view, _), (player, _) = displayed(widget)
    # one output each: nbconvert's HTML shows the player also where a stored
    # widget state makes the view win over anything beside it in one output
    assert set(view) == {"application/vnd.jupyter.widget-view+json", "text/plain"}
    assert view["application/vnd.jupyter.widget-view+json"]["model_id"] == widget.model_id
    assert view["text/plain"] == ("StepperWidget of 17 steps (its controls need a running "
                                  "kernel; the player below steps without one)")
    assert set(player) == {"text/html"}
    assert player["text/html"].startswith(f'<div class="{FALLBACK_CLASS}"><style>{FALLBACK_CSS}')
    assert '<div class="autodiff-player"' in player["text/html"]
    assert '"interval":600' in player["text/html"]
    # the player hides itself beside the rendered widget, which carries this class
    assert LIVE_CLASS in widget._dom_classes and f":has(.{LIVE_CLASS})" in FALLBACK_CSS
    (view,) = displayed(StepperWidget(Stepper(neuron()), static_player=False))
    assert "application/vnd.jupyter.widget-view+json" in view[0]
    assert "player" not in view[0]["text/plain"]
    long = Value(0.5, "x")
    for _ in range(STATIC_PLAYER_STEPS):
        long = long * 1.01
    assert len(Stepper(long)) > STATIC_PLAYER_STEPS
    assert len(displayed(StepperWidget(Stepper(long)))) == 1  # too many frames: no player
    # the player reuses the widget's frames: each is rendered once
    assert widget.svg(3) is widget.frames.svg(3)


def geometry(svg):
    """Every shape's coordinates in an SVG: the layout, without the texts and colours."""
    return re.findall(r'(?:points|cx|cy|rx|ry| d)="([^"]*)"', svg)


def test_every_frame_shares_one_layout_and_frames_are_cached():
    widget = StepperWidget(Stepper(neuron()))
    frames = [0, 3, 10, 11, 14, 16]
    layouts = {tuple(geometry(widget.svg(k))) for k in frames}
    assert len(layouts) == 1 and len(next(iter(layouts))) > 40
    texts = {widget.svg(k) for k in frames}
    assert len(texts) == len(frames)  # the numbers and highlight do change
    assert widget.svg(3) is widget.svg(3)  # cached: rendered once


def test_without_fixed_sizes_the_layout_would_move():
    # what the widget's one-time layout protects against: labels change size
    stepper = Stepper(neuron())
    free = {tuple(geometry(stepper.frame(k).svg())) for k in (0, 11, 16)}
    assert len(free) > 1


def test_draw_options_reach_the_frames():
    assert ">t1<" in StepperWidget(Stepper(neuron())).svg(0)
    assert ">t1<" not in StepperWidget(Stepper(neuron()), show=["data", "grad"]).svg(0)


# -- the widget in Japanese, and an exercise in the widget ---------------------------


def test_the_widgets_controls_are_in_the_steppers_language():
    widget = StepperWidget(Stepper(neuron(), lang="ja"), static_player=False)
    assert (widget.previous_button.description, widget.next_button.description) == (
        "◀ 前へ", "次へ ▶")
    assert widget.slider.description == "ステップ"
    assert widget.full_size.description == "原寸" and "原寸" in widget.full_size.tooltip
    assert "ステップ 1 / 17 · 順伝播" in widget.caption.value
    assert "このステップのノード" in widget.legend.value
    english = StepperWidget(Stepper(neuron()), static_player=False)
    assert english.next_button.description == "next ▶" and english.slider.description == "step"


def test_an_exercise_in_the_widget_is_graded_as_in_the_player():
    from autodiff.stepping.exercise import Exercise

    stepper = Stepper(neuron())
    exercise = Exercise(stepper)
    widget = exercise.widget(static_player=False)
    first, second = exercise.blanks[:2]
    assert widget.controls.layout.display == "none"  # the steps wait until the blanks are done
    assert "blank 1 of" in widget.progress.value and first.prompt in widget.progress.value
    assert widget.step == first.step - 1  # the picture as the step before leaves it
    # a miss: the hint (the chain rule with the numbers known so far), nothing moves on
    assert widget.check(str(first.answer * 2 + 1)) is False
    assert "Not yet" in widget.feedback.value and "chain rule" in widget.feedback.value
    assert widget.attempt.position == 0
    # not a number: said so, nothing counted
    widget.answer.value = "abc"  # typed, then Enter
    assert "is not a number" in widget.feedback.value and widget.attempt.misses == 1
    # right within the stated tolerance (1 %): on to the next blank, the entry cleared
    widget.answer.value = repr(first.answer * 1.005)
    assert "Right" in widget.feedback.value and widget.attempt.position == 1
    assert widget.answer.value == "" and widget.step == second.step - 1
    # Enter then the button on the same text grades it once
    widget.answer.value = str(second.answer * 3 + 1)
    widget.check_button.click()
    assert widget.attempt.misses == 1
    widget.reveal_button.click()  # the worked answer, on to the next blank
    assert "The answer:" in widget.feedback.value and widget.attempt.position == 2
    for blank in exercise.blanks[2:]:
        assert widget.check(repr(blank.answer)) is True
    assert widget.attempt.done and widget.controls.layout.display is None
    right = len(exercise) - 2  # the first was missed, the second shown
    assert f"Done: {right} of {len(exercise)} right at the first try (1 shown)" in (
        widget.score.value)
    assert "Done:" not in widget.feedback.value  # the score once, in its own line
    assert widget.step == len(stepper) - 1
    with pytest.raises(ValueError, match="the exercise is done"):
        widget.reveal()


def test_an_exercise_widget_in_japanese_and_its_fallback_player():
    from autodiff.stepping.exercise import Exercise

    exercise = Exercise(Stepper(neuron(), lang="ja"), blanks="values")
    widget = StepperWidget(exercise.stepper, exercise=exercise)
    assert widget.check_button.description == "採点"
    assert widget.reveal_button.description == "答えを見る"
    assert "空欄 1 /" in widget.progress.value
    widget.check("12345")
    assert "まだです" in widget.feedback.value and "ヒント" in widget.feedback.value
    # where widgets cannot run, the static player asks the same blanks
    (_, _), (player, _) = displayed(widget)
    assert 'data-role="exercise"' in player["text/html"] and "採点" in player["text/html"]
    with pytest.raises(ValueError, match="own Stepper"):
        StepperWidget(Stepper(neuron()), exercise=exercise)
