"""The committed notebooks exported by nbconvert, in headless Chromium: every
diagram fits its output area at 1,024 and 1,280 px.

nbconvert (and JupyterLab) show an SVG as an `<img>` as wide as its width
attribute, with no CSS to scale it down; `autodiff.diagram` gives a wide
diagram `width="100%"` for that. The browser is driven as in
test_player_browser.py, whose fixtures these tests use.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
import pytest
from notebook_outputs import notebooks

from tests.test_player_browser import browser, open_page  # noqa: F401 (fixtures)

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
