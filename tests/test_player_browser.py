"""The HTML player in a real browser: Debian's Chromium, headless, driven by Playwright.

The page of the notes' neuron is opened from disk with every network request
refused, and driven as a reader would: next, previous, play, the slider, the
arrow keys; at a 1,000 px wide window nothing may be clipped. An exported
notebook (nbconvert's HTML) must step the same way.

`./run test` installs Chromium and Playwright and sets AUTODIFF_BROWSER_TESTS=required,
so there these tests fail rather than skip; elsewhere they skip when either is missing
(test_player.py checks the player's frames without a browser).
"""

from __future__ import annotations

import html
import os
import shutil
from pathlib import Path

import pytest

from autodiff import Stepper
from autodiff.drawing import HIGHLIGHT, RECEIVER, RECEIVER_EDGE
from tests.test_stepping import neuron

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
        "--disable-component-update", "--disable-sync", "--no-first-run"]
REQUIRED = os.environ.get("AUTODIFF_BROWSER_TESTS") == "required"


def _missing() -> str | None:
    try:
        import playwright.sync_api  # noqa: F401
    except ImportError:
        return "Playwright is not installed (pip install playwright; ./run test does)"
    if not Path(CHROMIUM).exists():
        return "Chromium is not installed (apt-get install chromium; ./run test does)"
    return None


@pytest.fixture(scope="module")
def browser():
    missing = _missing()
    if missing:
        if REQUIRED:
            pytest.fail(missing)
        pytest.skip(missing)
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def open_page(browser):
    """open_page(path, width): the page, loaded from disk, any other request refused."""
    pages = []

    def opener(path: Path, width: int = 1000):
        page = browser.new_page(viewport={"width": width, "height": 800})
        refused = []

        def route(r):
            if r.request.url.startswith("file:"):
                r.continue_()
            else:
                refused.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        page.goto(path.as_uri())
        page.refused = refused
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.close()


@pytest.fixture(scope="module")
def neuron_page(tmp_path_factory):
    return Stepper(neuron()).save_html(tmp_path_factory.mktemp("player") / "neuron.html",
                                       interval_ms=40)


SHOWN = """(player) => {
  const root = document.querySelectorAll('.autodiff-player')[player];
  const fill = (g) => (g.querySelector('path, polygon, ellipse') || {getAttribute: () => null})
    .getAttribute('fill');  // a folded number is a plain-text leaf: no shape
  const name = (g) => (g.querySelector('text') || {textContent: ''}).textContent.trim();
  const nodes = [...root.querySelectorAll('[data-role=picture] g.node')];
  const edges = [...root.querySelectorAll('[data-role=picture] g.edge')];
  return {
    step: Number(root.getAttribute('data-step')),
    caption: root.querySelector('[data-role=caption]').textContent,
    text: root.querySelector('[data-role=text]').textContent,
    slider: Number(root.querySelector('[data-role=slider]').value),
    previousDisabled: root.querySelector('[data-role=previous]').disabled,
    nextDisabled: root.querySelector('[data-role=next]').disabled,
    play: root.querySelector('[data-role=play]').textContent,
    fills: Object.fromEntries(nodes.map((g) => [name(g), fill(g)])),
    strokes: edges.map((g) => g.querySelector('path').getAttribute('stroke')),
  };
}"""


def shown(page, player: int = 0) -> dict:
    return page.evaluate(SHOWN, player)


def coloured(state: dict, color: str) -> list[str]:
    return sorted(name for name, fill in state["fills"].items() if fill == color)


def test_next_previous_slider_and_keys_show_the_right_frame(open_page, neuron_page):
    page = open_page(neuron_page)
    state = shown(page)
    assert state["step"] == 1 and state["slider"] == 1
    assert state["caption"] == "step 1 of 17 · forward pass"
    assert state["text"] == "w = 0.5  (input)"
    assert state["previousDisabled"] and not state["nextDisabled"]
    assert "?" in html.unescape(page.inner_text("[data-role=picture]"))
    assert coloured(state, HIGHLIGHT) == ["w"]

    page.click("[data-role=next]")
    page.click("[data-role=next]")
    state = shown(page)
    assert (state["step"], state["slider"]) == (3, 3) and state["text"] == "t1 = w × x = 0.5"
    assert coloured(state, HIGHLIGHT) == ["t1", "×"]
    page.click("[data-role=previous]")
    assert shown(page)["step"] == 2

    page.fill("[data-role=slider]", "12")  # moving the slider
    state = shown(page)
    assert state["step"] == 12 and state["caption"] == "step 12 of 17 · backward pass"
    assert state["text"].startswith("at E = t3 / 2, ∂E/∂E = 1:\n  t3.grad += ∂E/∂t3 × E.grad")
    assert coloured(state, HIGHLIGHT) == ["E", "÷"] and coloured(state, RECEIVER) == ["t3"]
    assert state["strokes"].count(RECEIVER_EDGE) == 1  # the edge t3 → ÷

    page.fill("[data-role=slider]", "17")
    state = shown(page)
    assert state["nextDisabled"] and not state["previousDisabled"]
    assert coloured(state, RECEIVER) == ["w", "x"] and state["strokes"].count(RECEIVER_EDGE) == 2
    assert "x.grad += ∂t1/∂x × t1.grad = (w = 0.5) × -0.08872" in state["text"]
    page.click("[data-role=next]", force=True)  # disabled at the end: stays
    assert shown(page)["step"] == 17

    page.focus(".autodiff-player")
    page.keyboard.press("ArrowLeft")
    assert shown(page)["step"] == 16
    page.keyboard.press("Home")
    assert shown(page)["step"] == 1
    assert page.refused == []


def test_play_runs_to_the_end_pauses_and_restarts(open_page, neuron_page):
    page = open_page(neuron_page)
    page.fill("[data-role=slider]", "5")
    page.click("[data-role=play]")
    assert shown(page)["play"] == "❚❚ pause"
    page.wait_for_function("document.querySelector('.autodiff-player')"
                           ".getAttribute('data-step') === '17'")
    state = shown(page)
    assert state["play"] == "▶ play" and state["nextDisabled"]

    page.click("[data-role=play]")  # at the end, play starts again from step 1
    page.wait_for_function("Number(document.querySelector('.autodiff-player')"
                           ".getAttribute('data-step')) >= 3")
    page.click("[data-role=play]")  # pause
    paused = shown(page)["step"]
    assert paused < 17 and shown(page)["play"] == "▶ play"
    page.wait_for_timeout(300)  # several intervals of 40 ms: nothing moves while paused
    assert shown(page)["step"] == paused


GEOMETRY = """() => {
  const box = (e) => { const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width}; };
  const picture = document.querySelector('[data-role=picture]');
  const E = [...picture.querySelectorAll('g.node')].find(
    (g) => g.querySelector('text').textContent.trim() === 'E');
  return {
    viewport: window.innerWidth, pageWidth: document.documentElement.scrollWidth,
    svg: box(picture.querySelector('svg')), E: box(E),
    controls: box(document.querySelector('[data-role=controls]')),
    text: box(document.querySelector('[data-role=text]')),
    pictureScroll: picture.scrollWidth - picture.clientWidth,
  };
}"""


@pytest.mark.parametrize("width", [1000, 480])
def test_nothing_is_clipped(open_page, neuron_page, width):
    page = open_page(neuron_page, width)
    page.fill("[data-role=slider]", "17")
    g = page.evaluate(GEOMETRY)
    assert g["viewport"] == width and g["pageWidth"] <= width  # no horizontal scrolling
    assert g["svg"]["left"] >= 0 and g["svg"]["right"] <= width
    assert g["pictureScroll"] == 0
    assert g["E"]["width"] > 0 and g["E"]["left"] >= 0 and g["E"]["right"] <= width  # output E
    assert g["controls"]["top"] >= 0 and g["controls"]["right"] <= width
    assert g["text"]["right"] <= width
    page.click("[data-role=picture]")  # full size: the picture scrolls, the page does not
    g = page.evaluate(GEOMETRY)
    assert g["pictureScroll"] > 0 and g["pageWidth"] <= width


@pytest.mark.parametrize("stored", [True, False], ids=["widget-state", "no-widget-state"])
def test_an_exported_notebook_steps_without_a_kernel(open_page, tmp_path, stored):
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter
    from notebook_outputs import kernel_manager

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from autodiff import Stepper\n"
        "from autodiff.cli import DEMO_AT, neuron_example, parse_assignments\n"
        "from autodiff.widget import StepperWidget\n"
        "StepperWidget(Stepper(neuron_example(parse_assignments(DEMO_AT))[0]))")])
    # stored: as `jupyter nbconvert --execute` does by default, where a widget view wins
    # over anything beside it in its output; not stored: as JupyterLab saves a notebook by
    # default, and as this project commits them
    NotebookClient(nb, timeout=120, km=kernel_manager(), store_widget_state=stored).execute()
    view, player = nb.cells[0].outputs  # the widget, then the player: an output of its own
    assert "application/vnd.jupyter.widget-view+json" in view["data"]
    assert set(player["data"]) == {"text/html"}
    assert ("widgets" in nb.metadata) == stored
    body, _ = HTMLExporter().from_notebook_node(nb)
    assert body.count('<div class="autodiff-player"') == 1
    assert "application/vnd.jupyter.widget-view+json" not in body.split("autodiff-player")[1]
    path = tmp_path / "exported.html"
    path.write_text(body, encoding="utf-8")

    page = open_page(path)
    assert page.is_visible(".autodiff-player [data-role=picture]")  # not hidden as beside a widget
    assert shown(page)["caption"] == "step 1 of 17 · forward pass"
    page.click("[data-role=next]")
    assert shown(page)["text"] == "x = 1  (input)"
    page.fill("[data-role=slider]", "16")
    assert coloured(shown(page), RECEIVER) == ["b", "t1"]
    g = page.evaluate(GEOMETRY)
    assert g["svg"]["right"] <= 1000 and g["E"]["right"] <= 1000 and g["pageWidth"] <= 1000
