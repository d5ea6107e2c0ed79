"""The frames and the HTML player in plain Python: what each frame shows, what the page holds.

The same page is driven in a real browser in test_player_browser.py; here its
data are checked where no browser is.
"""

import json
import re

import pytest

from autodiff import Stepper, Value
from autodiff.frames import Frames
from autodiff.player import Player
from tests.test_stepping import neuron


def player_svg(data, k):
    return "\n".join(data["lines"][j] for j in data["frames"][k]["svg"])


@pytest.fixture(scope="module")
def neuron_player():
    return Player(Frames(Stepper(neuron())))


def test_each_frame_has_one_number_its_step_text_and_its_picture(neuron_player):
    data, frames = neuron_player.data(), neuron_player.frames
    stepper = frames.stepper
    assert len(data["frames"]) == len(stepper) == 17 and data["interval"] == 800
    for k, frame in enumerate(data["frames"]):
        kind = stepper[k].kind
        assert frame["caption"] == f"step {k + 1} of 17 · {kind} pass"
        assert frame["text"] == str(stepper[k])
        assert player_svg(data, k) == frames.svg(k)  # the page rebuilds each frame exactly
    assert data["frames"][2]["text"] == "t1 = w × x = 0.5"
    assert data["frames"][10]["text"] == "∂E/∂E = 1  (seed)"
    # the page holds each distinct SVG line once: far less than 17 SVGs
    assert len("\n".join(data["lines"])) < 0.4 * sum(len(frames.svg(k)) for k in range(17))


def test_the_page_is_self_contained_and_starts_without_javascript_at_the_last_frame(
        neuron_player):
    page = neuron_player.html()
    assert page.startswith("<!DOCTYPE html>") and "<title>Backpropagation step by step: E" in page
    assert not re.search(r"<link|<iframe|<img|\bsrc=|@import|url\(", page)
    assert set(re.findall(r"https?://[^\s\"'<>\\]+", page)) <= {
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}  # SVG namespaces only
    # without JavaScript: the controls are hidden; the last frame and every step are shown
    assert 'data-role="controls" hidden' in page
    assert "step 17 of 17 · backward pass</div>" in page and "<details>" in page
    assert page.count("t1 = w × x = 0.5") == 1 + 1  # the list of steps; the frames' data
    payload = re.search(r'data-role="frames">(.*?)</script>', page, re.S).group(1)
    assert json.loads(payload) == neuron_player.data()


def test_labels_cannot_break_out_of_the_page():
    x = Value(1.0, "</script><script>alert(1)</script>")
    page = Player(Frames(Stepper(x * 2))).html()
    assert page.count("<script") == 2 and "alert(1)</script>" not in page


def test_saving_checks_the_path_and_the_options(tmp_path):
    stepper = Stepper(neuron())
    path = stepper.save_html(tmp_path / "neuron.html", title="One neuron", interval_ms=500)
    page = path.read_text(encoding="utf-8")
    assert "<title>One neuron</title>" in page and '"interval":500' in page
    with pytest.raises(ValueError, match=r"\.html"):
        stepper.save_html(tmp_path / "neuron.svg")
    assert not (tmp_path / "neuron.svg").exists()
    for bad in (0, -5, 1.5, True):
        with pytest.raises(ValueError, match="interval_ms"):
            stepper.player(interval_ms=bad)
    with pytest.raises(TypeError, match="Frames"):
        Player(stepper)
    with pytest.raises(TypeError, match="Stepper"):
        Frames(neuron())


def test_draw_options_reach_every_frame():
    player = Stepper(neuron()).player(show=["data", "grad"], number_format=".2f")
    data = player.data()
    assert all(">t1<" not in player_svg(data, k) for k in range(17))
    assert "data 0.62" in player_svg(data, 16)
    assert repr(player._repr_html_()[:30]).startswith("'<div class=\"autodiff-player\"")
