"""The documentation site (mkdocs.yml, docs/): built in strict mode, complete, and rendered.

The site is built once, as `./run docs` builds it but with `--strict`: a broken link, a
reference mkdocstrings cannot resolve, a page missing from the files, or any other warning
fails the build. Every public name of `autodiff` and `nn` must then be in the API
reference (its inventory, objects.inv). A few pages are opened in headless Chromium over
HTTP with every request outside the site refused (the site works offline: MathJax is
served from it), and must render with their pictures and formulas: the front page, a
tutorial notebook with its diagrams, the reference of Value, the Japanese notation page.

AUTODIFF_DOCS_SCREENSHOTS=DIR saves a screenshot of each page opened there, to look at.
`./run test` installs Chromium and Playwright and sets AUTODIFF_BROWSER_TESTS=required,
so there the browser tests fail rather than skip.
"""

from __future__ import annotations

import functools
import http.server
import importlib
import inspect
import os
import re
import shutil
import subprocess
import sys
import threading
import zlib
from pathlib import Path

import pytest

import autodiff
import nn

ROOT = Path(__file__).resolve().parents[2]
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
REQUIRED = os.environ.get("AUTODIFF_BROWSER_TESTS") == "required"
SCREENSHOTS = os.environ.get("AUTODIFF_DOCS_SCREENSHOTS")


@pytest.fixture(scope="module")
def site(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("site")
    env = {**os.environ, "NO_MKDOCS_2_WARNING": "1", "PYTHONPATH": str(ROOT)}
    result = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--config-file",
         str(ROOT / "mkdocs.yml"), "--site-dir", str(out)],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert result.returncode == 0, f"mkdocs build --strict failed:\n{result.stderr[-6000:]}"
    assert not (ROOT / ".cache").exists(), "the build wrote a cache into the work tree"
    return out


def inventory(site: Path) -> set[str]:
    """The names in the site's objects.inv (Sphinx inventory version 2)."""
    data = (site / "objects.inv").read_bytes()
    header_end = 0
    for _ in range(4):  # four header lines, then zlib
        header_end = data.index(b"\n", header_end) + 1
    lines = zlib.decompress(data[header_end:]).decode().splitlines()
    return {line.split(" ", 1)[0] for line in lines if line}


def public_names() -> list[tuple[str, object]]:
    """(public path, object) of every name the reference must document."""
    names: list[tuple[str, object]] = []
    for module_name in ("autodiff", "nn", "autodiff.ops", "autodiff.strategies",
                        "nn.strategies"):
        module = importlib.import_module(module_name)
        names += [(f"{module_name}.{n}", getattr(module, n)) for n in module.__all__]
    # nn's PyTorch bridge by where it is defined: importing it needs PyTorch (3.11 only)
    return [*names, ("nn.to_torch", "nn.torch_bridge.to_torch"),
            ("nn.from_torch", "nn.torch_bridge.from_torch")]


def anchors(site: Path) -> set[str]:
    """The ids of the API pages (the table of primitives has one per primitive)."""
    found: set[str] = set()
    for page in (site / "reference" / "api").glob("*/index.html"):
        found |= set(re.findall(r'id="([^"]+)"', page.read_text()))
    return found


def test_the_site_builds_strictly_and_documents_every_public_name(site):
    documented = inventory(site) | anchors(site)
    missing = []
    for path, obj in public_names():
        defined_at = (obj if isinstance(obj, str) else obj.__name__ if inspect.ismodule(obj)
                      else f"{getattr(obj, '__module__', '')}.{getattr(obj, '__qualname__', '')}")
        if path not in documented and defined_at not in documented:
            missing.append(f"{path} (defined as {defined_at})")
    assert not missing, "not in the API reference:\n" + "\n".join(missing)
    assert len(documented) > len(autodiff.__all__) + len(nn.__all__)


def test_every_notebook_is_a_tutorial_page(site):
    notebooks = sorted(p.stem for p in (ROOT / "notebooks").glob("*.ipynb"))
    assert notebooks
    for name in notebooks:
        page = site / "tutorials" / name / "index.html"
        assert page.exists(), f"notebooks/{name}.ipynb has no page (mkdocs.yml nav)"
        assert (site / "tutorials" / name / f"{name}.ipynb").exists()  # the download


# -- in the browser ----------------------------------------------------------------------

@pytest.fixture(scope="module")
def browser():
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing = "Playwright is not installed (pip install playwright; ./run test does)"
    else:
        missing = None if Path(CHROMIUM).exists() else (
            "Chromium is not installed (apt-get install chromium; ./run test does)")
    if missing:
        if REQUIRED:
            pytest.fail(missing)
        pytest.skip(missing)
    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield chromium
        chromium.close()


@pytest.fixture(scope="module")
def served(site):
    """The site over HTTP on a free local port (as `mkdocs serve` and a web server serve it)."""

    class Quiet(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0),
                                             functools.partial(Quiet, directory=str(site)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_port}/"
    server.shutdown()
    server.server_close()


@pytest.fixture
def open_page(browser, served):
    """open_page(path): the page loaded, MathJax done; any request outside the site refused."""
    pages = []

    def opener(path: str):
        page = browser.new_page(viewport={"width": 1280, "height": 900})
        refused: list[str] = []

        def route(r):
            if r.request.url.startswith(served) or r.request.url.startswith("data:"):
                r.continue_()
            else:
                refused.append(r.request.url)
                r.abort()

        page.route("**/*", route)
        errors: list[str] = []
        page.on("pageerror", lambda e: errors.append(str(e)))
        page.goto(served + path)
        page.wait_for_load_state("networkidle")
        page.wait_for_function(  # MathJax 2 has typeset the page (or the page has no formula)
            "!document.querySelector('.arithmatex, .jp-RenderedMarkdown') || "
            "(window.MathJax && window.MathJax.Hub && "
            "window.MathJax.Hub.queue.pending === 0 && window.MathJax.Hub.queue.running === 0 "
            "&& document.querySelector('.MathJax, .MathJax_Display') !== null)",
            timeout=30_000)
        if SCREENSHOTS:
            Path(SCREENSHOTS).mkdir(parents=True, exist_ok=True)
            name = path.strip("/").replace("/", "_") or "index"
            page.screenshot(path=str(Path(SCREENSHOTS) / f"{name}.png"), full_page=True)
        assert not refused, f"{path} asked for something outside the site: {refused}"
        assert not errors, f"{path}: JavaScript errors {errors}"
        pages.append(page)
        return page

    yield opener
    for page in pages:
        page.close()


def broken_images(page) -> list[str]:
    return page.evaluate(
        "[...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
        ".map(i => i.getAttribute('src').slice(0, 80))")


def raw_tex(page) -> list[str]:
    """Formulas MathJax left as text: $$ or \\( still in the visible text."""
    text = page.inner_text("article")
    return [marker for marker in ("$$", "\\(", "\\[") if marker in text]


def test_the_front_page_shows_the_neuron(open_page):
    page = open_page("")
    assert page.locator("article img[src$='neuron.svg']").count() == 1
    assert not broken_images(page)
    box = page.locator("article img[src$='neuron.svg']").bounding_box()
    assert box is not None and box["width"] > 500  # drawn, at a readable size


def test_a_tutorial_renders_its_diagrams_and_formulas(open_page):
    page = open_page("tutorials/01_autodiff_dag/")
    diagrams = page.locator(".jp-OutputArea-output svg, .jp-OutputArea-output img")
    assert diagrams.count() >= 3
    assert not broken_images(page)
    widths = [diagrams.nth(i).bounding_box()["width"] for i in range(diagrams.count())]
    assert max(widths) > 400
    assert page.locator(".MathJax_Display").count() >= 2
    assert not raw_tex(page)


def test_the_reference_of_value(open_page):
    page = open_page("reference/api/autodiff/")
    heading = page.locator("[id='autodiff.Value']")
    assert heading.count() == 1 and "autodiff.Value" in heading.inner_text()
    for member in ("backward", "zero_grad", "partials"):
        assert page.locator(f"[id='autodiff.Value.{member}']").count() == 1
    assert "notation" in page.inner_text("article")


def test_the_notation_page_in_japanese(open_page):
    page = open_page("ja/notation/")
    article = page.inner_text("article")
    for text in ("総入力", "誤差逆伝播法", "δ の再帰式"):
        assert text in article
    assert page.locator("[lang='ja'] h2#delta").count() == 1  # the anchors the docstrings cite
    assert page.locator(".MathJax_Display").count() >= 4
    assert not raw_tex(page)
    assert not broken_images(page)
