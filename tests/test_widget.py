"""The stepper widget, driven through its callbacks in plain Python."""

import re

import pytest

from autodiff import Stepper
from autodiff.cli import DEMO_AT, neuron_example, parse_assignments

pytest.importorskip("ipywidgets")
from autodiff.widget import StepperWidget


def neuron():
    return neuron_example(parse_assignments(DEMO_AT))[0]


def test_widget_callbacks_in_plain_python():
    widget = StepperWidget(Stepper(neuron()))
    assert widget.slider.value == 0 and "step 1 of 17" in widget.text.value
    assert widget.diagram.value.startswith("<?xml") or "<svg" in widget.diagram.value
    widget.next()
    widget.next()
    assert widget.slider.value == 2 and "t1 = w × x" in widget.text.value
    widget.previous_button.click()
    assert widget.slider.value == 1
    widget.play.value = 5  # the play button's timer moves the slider
    assert widget.slider.value == 5 and "step 6 of 17" in widget.text.value
    widget.slider.value = 16  # dragging the slider shows that frame
    assert "step 17 of 17" in widget.text.value
    widget.next()
    assert widget.slider.value == 16  # stays at the end
    for _ in range(25):
        widget.previous()
    assert widget.slider.value == 0
    with pytest.raises(TypeError, match="Stepper"):
        StepperWidget(neuron())


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
