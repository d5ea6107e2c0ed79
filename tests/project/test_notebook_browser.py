"""The committed notebooks exported by nbconvert, in headless Chromium: every
diagram fits its output area at 1,024 and 1,280 px; and the stepper's player
output hides itself only in a cell where the live widget rendered.

nbconvert (and JupyterLab) show an SVG as an `<img>` as wide as its width
attribute, with no CSS to scale it down; `autodiff.drawing.diagram` gives a wide
diagram `width="100%"` for that. The browser is driven as in
test_player_browser.py, whose fixtures these tests use.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest

from tests.autodiff.stepping.test_player_browser import browser, open_page  # noqa: F401 (fixtures)
from tests.notebook_outputs import notebooks

DIAGRAMS = [path for path in notebooks()
            if any("image/svg+xml" in out.get("data", {})
                   for cell in nbformat.read(path, as_version=4).cells
                   for out in cell.get("outputs", []))]

MEASURE = """() => [...document.querySelectorAll('.jp-OutputArea-output img')].map((img) => {
  const r = img.getBoundingClientRect();
  const area = img.closest('.jp-OutputArea-output').getBoundingClientRect();
  return {svg: img.src.startsWith('data:image/svg+xml'), left: r.left, right: r.right,
          width: r.width, areaLeft: area.left, areaRight: area.right};
})"""


def test_the_notebooks_have_diagrams():
    assert len(DIAGRAMS) >= 4, [p.name for p in DIAGRAMS]


@pytest.mark.parametrize("path", DIAGRAMS, ids=[p.stem for p in DIAGRAMS])
def test_every_diagram_fits_its_output_area(open_page, tmp_path: Path, path: Path):  # noqa: F811
    from nbconvert import HTMLExporter

    body, _ = HTMLExporter().from_filename(str(path))
    page_path = tmp_path / f"{path.stem}.html"
    page_path.write_text(body, encoding="utf-8")
    for width in (1024, 1280):
        page = open_page(page_path, width)
        images = page.evaluate(MEASURE)
        diagrams = [img for img in images if img["svg"]]
        assert diagrams, f"{path.name}: no diagram shown as an <img>"
        for img in images:  # plots (PNG) too
            assert img["width"] > 100, img
            inside = img["areaLeft"] - 0.5 <= img["left"] and img["right"] <= img["areaRight"] + 0.5
            assert inside, (
                f"{path.name} at {width} px: a picture {img['width']:.0f} px wide overflows its "
                f"output ({img['areaRight'] - img['areaLeft']:.0f} px)")


LAB_CELL = ('<div class="jp-OutputArea"><div class="jp-OutputArea-child">{widget}</div>'
            '<div class="jp-OutputArea-child">{fallback}</div></div>')
VSCODE_CELL = ('<div class="cell_container"><div class="output_container">{widget}</div>'
               '<div class="output_container">{fallback}</div></div>')


@pytest.mark.parametrize(("body", "cell", "live", "hidden"), [
    ("", LAB_CELL, True, True),  # JupyterLab, Jupyter Notebook: the widget rendered
    ("", LAB_CELL, False, False),  # the widget did not render (no kernel, no model)
    ('class="jp-Notebook"', LAB_CELL, True, False),  # nbconvert's HTML: a frozen widget at most
    ("", VSCODE_CELL, True, True),  # VS Code's output webview
    ("", VSCODE_CELL, False, False),
])
def test_the_player_hides_only_beside_a_live_widget(open_page, tmp_path, body, cell,  # noqa: F811
                                                     live, hidden):
    pytest.importorskip("ipywidgets")
    from autodiff.stepping.widget import FALLBACK_CLASS, FALLBACK_CSS, LIVE_CLASS

    widget = f'<div class="widget-vbox {LIVE_CLASS}">controls</div>' if live else "no model"
    fallback = f'<div class="{FALLBACK_CLASS}"><style>{FALLBACK_CSS}</style>the player</div>'
    page_path = tmp_path / "cell.html"
    page_path.write_text(f"<html><body {body}>{cell.format(widget=widget, fallback=fallback)}"
                         "</body></html>", encoding="utf-8")
    page = open_page(page_path)
    assert page.is_visible(f".{FALLBACK_CLASS}") == (not hidden)
