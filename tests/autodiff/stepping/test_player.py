"""The HTML player in plain Python: the one picture, each step's change of state,
what the page holds and how big it is.

The same page is driven in a real browser in test_player_browser.py; here its
data are checked where no browser is.
"""

import html
import json
import re
import xml.etree.ElementTree as ET

import pytest

import nn
from autodiff import Stepper, Value
from autodiff.notation.typeset import format_number
from autodiff.stepping.frames import Frames
from autodiff.stepping.player import Player
from tests.autodiff.stepping.test_stepping import neuron

SVG = "{http://www.w3.org/2000/svg}"


def two_samples(sizes=(3, 1), samples=2):
    """The review's player: an MLP 2-3-1 (tanh) over the first XOR samples, 63 nodes."""
    model = nn.MLP(2, list(sizes), activation="tanh", seed=0)
    X, D = nn.datasets.xor()
    with nn.record(model):
        return nn.total([nn.squared_error(model(x), d)
                         for x, d in zip(X[:samples], D[:samples], strict=True)])


def state(player, k):
    """The numbers shown after step k, as the page's script computes them: every
    change of steps 0 … k applied in order."""
    shown = {}
    for step in player.data()["steps"][: k + 1]:
        shown |= {(node, field): text for node, field, text in step["changes"]}
    return shown


def picture_numbers(svg):
    """(node id, field) -> the number the picture shows."""
    numbers = {}
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if not g.get("class", "").startswith("node"):
            continue
        for tspan in g.iter(f"{SVG}tspan"):
            if tspan.get("data-f"):
                numbers[g.get("data-id"), tspan.get("data-f")] = tspan.text
    return numbers


@pytest.fixture(scope="module")
def neuron_player():
    return Player(Frames(Stepper(neuron())))


def test_each_step_is_the_steppers_state_as_a_change_of_the_one_picture(neuron_player):
    data, stepper = neuron_player.data(), neuron_player.frames.stepper
    ids = {v: f"n{k}" for k, v in enumerate(stepper.nodes)}
    assert len(data["steps"]) == len(stepper) == 17 and data["interval"] == 800
    for k, step in enumerate(data["steps"]):
        assert step["caption"] == f"step {k + 1} of 17 · {stepper[k].kind} pass"
        assert step["active"] == ids[stepper[k].node]
        assert step["receivers"] == [ids[v] for v in stepper.receivers(k)]
        values, grads, _ = stepper.known(k)  # what the frame of step k shows, as a picture
        expected = {(ids[v], "d"): format_number(v.data) for v in values}
        expected |= {(ids[v], "g"): format_number(g) for v, g in grads.items()}
        assert state(neuron_player, k) == expected, k
    assert data["steps"][2]["changes"] == [["n2", "d", "0.5"]]  # t1 = w × x = 0.5
    assert data["steps"][10]["changes"] == [["n9", "g", "1"]]  # the seed ∂E/∂E = 1


def test_the_picture_is_drawn_once_and_shows_the_last_step_without_javascript(neuron_player):
    page = neuron_player.html()
    assert page.count("<svg") == 1 and "?" not in picture_numbers(neuron_player.picture()).values()
    assert picture_numbers(neuron_player.picture()) == state(neuron_player, 16)
    root = ET.fromstring(neuron_player.picture())
    marked = {g.get("data-id"): g.get("class") for g in root.iter(f"{SVG}g") if g.get("data-id")}
    assert marked["n2"] == "node current" and marked["n2op"] == "node current"  # t1 = w × x
    assert marked["n0"] == marked["n1"] == "node receiver"  # w and x receive
    assert marked["n0->n2op"] == marked["n1->n2op"] == "edge receiving"
    assert marked["n2op->n2"] == "edge current"
    assert sum(" " in c for c in marked.values()) == 7  # nothing else is marked


def test_every_node_is_named_by_its_tooltip_never_by_graphvizs_ids(neuron_player):
    svg = neuron_player.picture()
    root = ET.fromstring(svg)
    titles = {g.get("data-id"): g.findtext(f"{SVG}title") for g in root.iter(f"{SVG}g")
              if g.get("class", "").startswith("node")}
    assert titles["n0"] == "w" and titles["n9"] == "E" and titles["n2"] == "t1"
    assert titles["n2op"] == "× → t1" and titles["n9c1"] == "the number 2"
    assert all(titles.values())
    edges = [g for g in root.iter(f"{SVG}g") if g.get("class", "").startswith("edge")]
    assert edges and all(g.find(f"{SVG}title") is None for g in edges)
    assert not re.search(r"<title>(n\d+|%3|[^<]*-&gt;)", svg) and 'id="node' not in svg


def test_the_page_is_self_contained_and_lists_every_step(neuron_player):
    page = neuron_player.html()
    assert page.startswith("<!DOCTYPE html>") and "<title>Backpropagation step by step: E" in page
    assert not re.search(r"<link|<iframe|<img|\bsrc=|@import|url\(", page)
    assert set(re.findall(r"https?://[^\s\"'<>\\]+", page)) <= {
        "http://www.w3.org/2000/svg", "http://www.w3.org/1999/xlink"}  # SVG namespaces only
    # without JavaScript: the controls are hidden; the last step and every step are shown
    assert 'data-role="controls" hidden' in page
    assert "step 17 of 17 · backward pass</div>" in page and "<details data-role=\"all\">" in page
    assert page.count("t1 = w × x = 0.5") == 1  # in the list of steps only: the page reads it
    items = re.findall(r"<li>(.*?)</li>", page, re.S)
    assert [html.unescape(t) for t in items] == [str(s) for s in neuron_player.frames.stepper]
    payload = re.search(r'data-role="steps">(.*?)</script>', page, re.S).group(1)
    assert json.loads(payload) == neuron_player.data()
    assert " autofocus" in page and " autofocus" not in neuron_player.fragment()


def test_a_multi_sample_network_saves_small_with_every_node_told_apart(tmp_path):
    stepper = Stepper(two_samples())
    assert (len(stepper.nodes), len(stepper)) == (63, 114)
    path = stepper.save_html(tmp_path / "mlp.html")
    page = path.read_text(encoding="utf-8")
    assert len(page.encode()) <= 150_000  # 1.27 MB when each step was a picture of its own
    assert page.count("<svg") == 1
    svg = page[page.index("<svg"):page.index("</svg>")]
    boxes = re.findall(r'<g class="node[^"]*" data-id="(n\d+)">\s*<title>([^<]*)</title>', svg)
    assert len(boxes) == 63 == len({title for _, title in boxes})  # 63 boxes, 63 names
    assert "u₁⁽²⁾[n=1] in layer 2, unit 1" in dict(boxes).values()
    assert "u₁⁽²⁾[n=2] in layer 2, unit 1" in dict(boxes).values()
    steps = page[page.index('data-role="steps">'):page.index("</script>", page.index(
        'data-role="steps">'))]
    state = json.loads(html.unescape(steps[steps.index(">") + 1:]))["steps"]
    why = [step.pop("why") for step in state]
    assert len(json.dumps(state).encode()) / len(stepper) < 200  # a few dozen bytes of state
    assert len(json.dumps(why, ensure_ascii=False).encode()) / len(stepper) < 150  # words: fields
    assert picture_numbers(Player(Frames(stepper)).picture()).keys() == {
        (f"n{k}", f) for k in range(63) for f in "dg"}


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


def test_draw_options_reach_the_picture():
    player = Stepper(neuron()).player(show=["data", "grad"], number_format=".2f")
    assert ">t1</text>" not in player.picture() and ">w</text>" not in player.picture()
    assert "data <tspan" in player.picture()
    assert repr(player._repr_html_()[:30]).startswith("'<div class=\"autodiff-player\"")
    folded = Stepper(two_samples()).player(collapse=["layers.0"])
    ids = {step["active"] for step in folded.data()["steps"]}
    assert "box0" in ids and 'data-id="box0"' in folded.picture()  # a folded node: its box


@pytest.mark.parametrize("label", ["data 5", "grad", "δ", "重み w", "<b>&amp;", "a b c", "u_1^(2)",
                                   "x" * 60, "\n\x00"])
def test_any_label_keeps_the_numbers_in_their_places(label):
    x = Value(2.0, label)
    y = x * x + 1
    y.label = label
    player = Player(Frames(Stepper(y)))
    numbers = picture_numbers(player.picture())
    assert numbers == state(player, len(player.frames) - 1)  # every number, and only numbers
    assert {field for _, field in numbers} == {"d", "g"} and len(numbers) == 2 * 3  # x, x², y


def test_forward_mode_steps_fill_in_values_and_tangents():
    from tests.autodiff.stepping.test_stepping import baydin

    x1, _, v5 = baydin()
    player = Stepper(v5, tangents={x1: 1.0}).player()
    assert player.data()["steps"][0]["changes"] == [["n0", "d", "2"], ["n0", "g", "1"]]
    assert state(player, 6) == picture_numbers(player.picture())
    assert "tangent <tspan" in player.picture() and "grad <tspan" not in player.picture()
