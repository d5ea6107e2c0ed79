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

from autodiff import Stepper, Value
from autodiff.drawing.graph import HIGHLIGHT, RECEIVER, RECEIVER_EDGE
from tests.autodiff.stepping.test_stepping import neuron

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
  const fill = (g) => { const shape = g.querySelector('rect, path, polygon, ellipse');
    return shape ? getComputedStyle(shape).fill : null; };  // a folded number has no shape
  const name = (g) => (g.querySelector('text') || {textContent: ''}).textContent.trim();
  const nodes = [...root.querySelectorAll('[data-role=picture] g.node')];
  const edges = [...root.querySelectorAll('[data-role=picture] g.edge')];
  return {
    step: Number(root.getAttribute('data-step')),
    view: root.getAttribute('data-view'),
    caption: root.querySelector('[data-role=caption]').textContent,
    text: root.querySelector('[data-role=text]').textContent,
    slider: Number(root.querySelector('[data-role=slider]').value),
    previousDisabled: root.querySelector('[data-role=previous]').disabled,
    nextDisabled: root.querySelector('[data-role=next]').disabled,
    play: root.querySelector('[data-role=play]').textContent,
    fills: Object.fromEntries(nodes.map((g) => [name(g), fill(g)])),
    strokes: edges.map((g) => getComputedStyle(g.querySelector('path')).stroke),
  };
}"""


def rgb(color: str) -> str:
    """'#ffb000' as a browser's computed style writes it: 'rgb(255, 176, 0)'."""
    return "rgb({}, {}, {})".format(*(int(color[i:i + 2], 16) for i in (1, 3, 5)))


def shown(page, player: int = 0, *, settled: bool = True) -> dict:
    """What the player shows; `settled`: once the picture has stopped panning."""
    if settled:
        page.wait_for_function("!document.querySelectorAll('.autodiff-player')[0]"
                               ".hasAttribute('data-moving')")
    return page.evaluate(SHOWN, player)


def coloured(state: dict, color: str) -> list[str]:
    return sorted(name for name, fill in state["fills"].items() if fill == rgb(color))


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
    assert state["strokes"].count(rgb(RECEIVER_EDGE)) == 1  # the edge t3 → ÷

    page.fill("[data-role=slider]", "17")
    state = shown(page)
    assert state["nextDisabled"] and not state["previousDisabled"]
    assert coloured(state, RECEIVER) == ["w", "x"]
    assert state["strokes"].count(rgb(RECEIVER_EDGE)) == 2
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
    assert shown(page, settled=False)["play"] == "❚❚ pause"
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
  const current = picture.querySelector('g.node.current:not([data-id$=op])');
  return {
    viewport: window.innerWidth, pageWidth: document.documentElement.scrollWidth,
    svg: box(picture.querySelector('svg')), E: box(E), picture: box(picture),
    current: box(current),
    currentText: current.querySelector('text').getBoundingClientRect().height,
    controls: box(document.querySelector('[data-role=controls]')),
    text: box(document.querySelector('[data-role=text]')),
  };
}"""


def test_a_graph_readable_whole_starts_whole_and_nothing_is_clipped(open_page, neuron_page):
    page = open_page(neuron_page, 1000)
    page.fill("[data-role=slider]", "17")
    assert shown(page)["view"] == "whole"
    g = page.evaluate(GEOMETRY)
    assert g["viewport"] == 1000 and g["pageWidth"] <= 1000  # no horizontal scrolling
    assert g["svg"]["left"] >= 0 and g["svg"]["right"] <= 1000
    assert g["E"]["width"] > 0 and g["E"]["left"] >= 0 and g["E"]["right"] <= 1000  # output E
    assert g["controls"]["top"] >= 0 and g["controls"]["right"] <= 1000
    assert g["text"]["right"] <= 1000


def test_a_narrow_page_follows_the_step_and_z_shows_the_whole_graph(open_page, neuron_page):
    page = open_page(neuron_page, 480)
    page.fill("[data-role=slider]", "17")
    assert shown(page)["view"] == "follow"
    g = page.evaluate(GEOMETRY)
    assert g["pageWidth"] <= 480 and g["svg"]["right"] <= 480
    assert inside(g["current"], g["picture"])  # t1, the step's node, at full size
    assert g["currentText"] >= 13  # px: 11 pt text at its natural size
    page.focus(".autodiff-player")
    page.keyboard.press("z")
    assert shown(page)["view"] == "whole"
    g = page.evaluate(GEOMETRY)
    assert inside(g["E"], g["picture"]) and inside(g["current"], g["picture"])
    assert g["svg"]["right"] <= 480 and g["pageWidth"] <= 480
    page.click("[data-role=picture]")  # a click follows the step again
    assert shown(page)["view"] == "follow"


PICTURE = """() => {
  const root = document.querySelector('.autodiff-player');
  const picture = root.querySelector('[data-role=picture]');
  const svg = picture.querySelector('svg'), r = svg.getBoundingClientRect();
  const text = root.querySelector('[data-role=why]').getBoundingClientRect();
  return {width: r.width, height: r.height, bottom: r.bottom, area: picture.clientWidth,
          natural: svg.width.baseVal.value, name: root.querySelector('g.node text')
            .getBoundingClientRect().height, textBottom: text.bottom,
          window: window.innerHeight, pageWidth: document.documentElement.scrollWidth};
}"""


@pytest.mark.parametrize("width, height", [(1024, 768), (1920, 1080), (2560, 1440)])
def test_on_a_projector_the_whole_graph_fills_the_page_and_fits_the_window(
        open_page, neuron_page, tmp_path, width, height):
    """The whole graph is as wide as the page (not its natural size, small in a
    corner), its aspect kept, no taller than the window leaves room for the
    step's text; a tiny graph is enlarged at most 2.5 times."""
    page = open_page(neuron_page, width)
    page.set_viewport_size({"width": width, "height": height})
    page.fill("[data-role=slider]", "17")
    assert shown(page)["view"] == "whole"
    p = page.evaluate(PICTURE)
    assert p["pageWidth"] <= width
    assert p["width"] >= 0.98 * p["area"] or p["bottom"] >= 0.6 * height  # width or height
    assert p["width"] >= min(p["area"], 2.5 * p["natural"]) - 1 or p["bottom"] >= 0.6 * height
    assert p["textBottom"] <= height  # the picture leaves the step's text in the window
    assert p["name"] >= 12 * min(1.0, p["area"] / p["natural"])  # text scales with it
    if width >= 1920:
        assert p["width"] > 1.3 * p["natural"] and p["name"] >= 16  # larger, for the room
    tiny = Value(2.0, "x") * Value(3.0, "y")
    small = Stepper(tiny).save_html(tmp_path / "tiny.html")
    page = open_page(small, width)
    page.set_viewport_size({"width": width, "height": height})
    p = page.evaluate(PICTURE)
    assert p["width"] <= 2.5 * p["natural"] + 1 and p["width"] >= min(p["area"], 2.4 * p["natural"])


def test_on_a_projector_the_followed_step_is_larger(open_page, network_page):
    """Following the step on a page wider than 1,200 px, the picture is up to 1.6
    times the graph's natural size (its text as readable from the back of a room)."""
    _, path = network_page
    sizes = {}
    for width, height in ((1024, 768), (1920, 1080)):
        page = open_page(path, width)
        page.set_viewport_size({"width": width, "height": height})
        page.fill("[data-role=slider]", "46")
        assert shown(page)["view"] == "follow"
        sizes[width] = page.evaluate(FOLLOWED)["name"]
        assert page.evaluate(FOLLOWED)["pageWidth"] <= width
    assert sizes[1920] >= 1.5 * sizes[1024] and sizes[1024] >= 12


def inside(box: dict, frame: dict, slack: float = 1.0) -> bool:
    return (box["width"] > 0 and box["left"] >= frame["left"] - slack
            and box["right"] <= frame["right"] + slack and box["top"] >= frame["top"] - slack
            and box["bottom"] <= frame["bottom"] + slack)


@pytest.fixture(scope="module")
def network_page(tmp_path_factory):
    from tests.autodiff.stepping.test_player import two_samples

    stepper = Stepper(two_samples())
    path = stepper.save_html(tmp_path_factory.mktemp("player") / "mlp.html", interval_ms=40)
    return stepper, path


FOLLOWED = """() => {
  const root = document.querySelector('.autodiff-player');
  const picture = root.querySelector('[data-role=picture]');
  const svg = picture.querySelector('svg');
  const box = (e) => { const r = e.getBoundingClientRect();
    return {left: r.left, right: r.right, top: r.top, bottom: r.bottom, width: r.width,
            height: r.height}; };
  const current = root.querySelector('g.node.current:not([data-id$=op])');
  const near = [...root.querySelectorAll('g.node.current, g.node.receiver')].map(box);
  const view = svg.viewBox.baseVal;
  return {
    picture: box(picture), svg: box(svg), current: box(current),
    tooltip: current.querySelector('title').textContent,
    name: current.querySelector('text').getBoundingClientRect().height,
    near: {left: Math.min(...near.map((b) => b.left)), right: Math.max(...near.map((b) => b.right)),
           top: Math.min(...near.map((b) => b.top)),
           bottom: Math.max(...near.map((b) => b.bottom)), width: 1},
    view: [view.x, view.y, view.width, view.height],
    whole: [svg.width.baseVal.valueInSpecifiedUnits, svg.height.baseVal.valueInSpecifiedUnits],
    pageWidth: document.documentElement.scrollWidth,
  };
}"""


def centred_where_it_can_be(f: dict) -> int:
    """The step's node and its receivers (or, where they do not fit, the node)
    are in the middle of the picture, except along an axis where the view
    stops at the graph's border; how many axes were checked."""
    x, y, w, h = f["view"]
    width, height = f["whole"]  # the graph's own size, in points: the view's units
    near = f["near"] if inside(f["near"], f["picture"], 2) else f["current"]
    middle = ((near["left"] + near["right"]) / 2, (near["top"] + near["bottom"]) / 2)
    centre = ((f["picture"]["left"] + f["picture"]["right"]) / 2,
              (f["picture"]["top"] + f["picture"]["bottom"]) / 2)
    checked = 0
    if x > 0.5 and x + w < width - 0.5:
        assert abs(middle[0] - centre[0]) <= 2, (middle, centre)
        checked += 1
    if y > 0.5 and y + h < height - 0.5:
        assert abs(middle[1] - centre[1]) <= 2, (middle, centre)
        checked += 1
    return checked


@pytest.mark.parametrize("width, height", [(1024, 768), (1920, 1080)])
def test_the_player_follows_the_step_readable_and_centred(open_page, network_page, width,
                                                          height):
    stepper, path = network_page
    page = open_page(path, width)
    page.set_viewport_size({"width": width, "height": height})
    assert shown(page)["view"] == "follow"  # 3,000 px of graph: too small to read whole
    page.focus(".autodiff-player")
    checked = 0
    # steps at unit 2 of layer 2 (units in order: it is the middle one), where the view
    # can centre along both axes, then the ends
    moves = [("slider", "46"), ("next", None), ("key", "ArrowRight"), ("slider", "81"),
             ("previous", None), ("key", "ArrowLeft"), ("key", "End"), ("key", "Home")]
    for how, what in moves:
        if how == "slider":
            page.fill("[data-role=slider]", what)
        elif how == "key":
            page.keyboard.press(what)
        else:
            page.click(f"[data-role={how}]")
        state = shown(page)
        f = page.evaluate(FOLLOWED)
        node = stepper[state["step"] - 1].node
        assert f["tooltip"].startswith(stepper.names[node]), (how, what)  # the step's node
        assert inside(f["current"], f["picture"]) and inside(f["near"], f["picture"], 2)
        assert f["name"] >= 12  # px: its name readable, as at the graph's natural size
        assert f["pageWidth"] <= width
        checked += centred_where_it_can_be(f)
    assert checked >= 6 and shown(page)["step"] == 1
    page.keyboard.press("z")  # the whole graph, scaled to the page
    f = page.evaluate(FOLLOWED)
    assert shown(page)["view"] == "whole" and f["svg"]["right"] <= width
    assert f["view"] == [0, 0, *f["whole"]]
    page.keyboard.press("z")
    assert shown(page)["view"] == "follow"


def test_keys_step_play_and_pause(open_page, network_page):
    _, path = network_page
    page = open_page(path, 1024)
    page.focus(".autodiff-player")
    page.keyboard.press("ArrowRight")
    page.keyboard.press("ArrowRight")
    assert shown(page)["step"] == 3
    page.keyboard.press(" ")  # space plays ...
    assert shown(page, settled=False)["play"] == "❚❚ pause"
    page.wait_for_function("Number(document.querySelector('.autodiff-player')"
                           ".getAttribute('data-step')) >= 6")
    page.keyboard.press(" ")  # ... and pauses
    paused = shown(page)["step"]
    page.wait_for_timeout(200)
    assert shown(page)["step"] == paused and shown(page)["play"] == "▶ play"
    page.keyboard.press("End")
    assert shown(page)["step"] == 114 and shown(page)["nextDisabled"]
    before = page.evaluate(FOLLOWED)["view"]
    page.keyboard.press("+")  # larger, for a projector
    after = page.evaluate(FOLLOWED)["view"]
    assert after[2] < before[2] and after[3] <= before[3]
    assert page.refused == []


@pytest.mark.parametrize("stored", [True, False], ids=["widget-state", "no-widget-state"])
def test_an_exported_notebook_steps_without_a_kernel(open_page, tmp_path, stored):
    import nbformat
    from nbclient import NotebookClient
    from nbconvert import HTMLExporter

    from tests.notebook_outputs import kernel_manager

    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(
        "from autodiff import Stepper\n"
        "from autodiff.cli import DEMO_AT, neuron_example, parse_assignments\n"
        "from autodiff.stepping.widget import StepperWidget\n"
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


@pytest.mark.parametrize("lang", ["en", "ja"])
def test_an_exercise_is_graded_entry_by_entry_with_the_keyboard_only(tmp_path, open_page, lang):
    from autodiff.stepping.exercise import Exercise

    exercise = Exercise(Stepper(neuron(), lang=lang))
    page = open_page(exercise.save_html(tmp_path / "exercise.html"), width=1024)
    player = page.locator(".autodiff-player")
    assert player.get_attribute("data-blank") == "1"
    assert page.evaluate("document.activeElement.dataset.role") == "answer"  # typing at once
    controls = page.locator("[data-role=controls]")
    assert controls.is_hidden()  # no stepping past the blanks
    first = exercise.blanks[0]
    assert page.locator("[data-role=prompt]").inner_text() == first.prompt == "∂E/∂t3"
    # a wrong entry: the hint, and the same blank
    page.keyboard.type("3")
    page.keyboard.press("Enter")
    feedback = page.locator("[data-role=feedback]")
    assert first.hint in feedback.inner_text()
    assert player.get_attribute("data-blank") == "1"
    # a right one: the next blank (and the picture shows the number now)
    page.keyboard.press("Backspace")
    page.keyboard.type("0.5")
    page.keyboard.press("Enter")
    assert player.get_attribute("data-blank") == "2"
    assert "0.5" in feedback.inner_text()
    # not a number: said, nothing counted
    page.keyboard.type("abc")
    page.keyboard.press("Enter")
    assert player.get_attribute("data-blank") == "2" and "abc" in feedback.inner_text()
    page.keyboard.press("Control+A")
    page.keyboard.press("Backspace")
    # the rest right, one of them shown with the button
    for i, blank in enumerate(exercise.blanks[1:], start=2):
        if i == 4:
            page.locator("[data-role=reveal]").click()
            assert blank.worked in feedback.inner_text()
            continue
        page.keyboard.type(format(blank.answer * 1.004, ".6g"))  # within 1 %
        page.keyboard.press("Enter")
        assert player.get_attribute("data-blank") == str(i + 1)
    assert player.get_attribute("data-done") == "1"
    score = page.locator("[data-role=score]").inner_text()
    assert score == exercise_score(lang, 7, 9, 1)
    assert controls.is_visible()  # then the player steps as usual
    assert page.refused == []


def exercise_score(lang: str, right: int, total: int, shown: int) -> str:
    from autodiff.notation.messages import say

    return say(lang, "exercise.score", right=right, total=total, shown=shown)


@pytest.mark.parametrize("lang, name, key", [("ja", "氏名", "解答"), ("en", "Name", "Answer key")])
def test_the_printed_sheet_is_one_a4_page_and_the_answer_key_the_next(browser, tmp_path, lang,
                                                                      name, key):
    """Chromium's print to PDF (A4, as the sheet's @page asks): the neuron with
    all 15 numbers blank on page 1, the answer key alone on page 2; the
    Japanese words are text in the PDF (a font had their glyphs)."""
    import subprocess

    from autodiff.stepping.exercise import Exercise
    from tests.latex import need, pages, text

    need("pdftotext")
    sheet = Exercise(Stepper(neuron(), lang=lang), blanks="all").save_sheet(tmp_path / "s.html")
    page = browser.new_page()
    page.goto(sheet.as_uri())
    pdf = tmp_path / "s.pdf"
    page.pdf(path=str(pdf), prefer_css_page_size=True, print_background=True)
    page.close()
    assert pages(pdf) == 2
    info = subprocess.run(["pdfinfo", str(pdf)], capture_output=True, text=True, check=True)
    assert "(A4)" in info.stdout
    first, second = text(pdf, 1), text(pdf, 2)
    assert name in first and "[15]" in first and key not in first
    assert "-0.08872" not in first  # no answer on the learner's page
    assert second.lstrip().startswith(key) and "-0.04436" in second
