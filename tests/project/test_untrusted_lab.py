"""An untrusted notebook in JupyterLab (as `./run lab` opens the committed notebooks):
its outputs are sanitised (no script runs, SVG is dropped), so the stepper's player
shows its last step as a PNG and says how to play, and a big graph shows its
collapsed picture and says how to expand; the player's own controls stay hidden.

Runs JupyterLab (the `lab` extra) on a free port with a notebook whose outputs
are the library's own bundles, and looks at it in headless Chromium as
test_player_browser.py does. Skipped where JupyterLab is not installed.
"""

from __future__ import annotations

import contextlib
import os
import socket
import subprocess
import sys
import time
import urllib.request

import nbformat
import pytest

from autodiff import Stepper, draw
from tests.autodiff.drawing.test_explorer import big  # noqa: F401 (fixture)
from tests.autodiff.stepping.test_player_browser import browser  # noqa: F401 (fixture)
from tests.autodiff.stepping.test_stepping import neuron

pytest.importorskip("jupyterlab", reason="JupyterLab is the lab extra (./run lab installs it)")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def lab(tmp_path_factory, big):  # noqa: F811
    """A JupyterLab serving a notebook (unsigned: untrusted) of a player and a big graph."""
    root = tmp_path_factory.mktemp("lab")
    nb = nbformat.v4.new_notebook()
    player = nbformat.v4.new_code_cell("Stepper(E).player()", execution_count=1)
    player.outputs = [nbformat.v4.new_output(
        "execute_result", {"text/html": Stepper(neuron()).player().fragment()},
        execution_count=1)]
    bundle, metadata = draw(big)._repr_mimebundle_()
    graph = nbformat.v4.new_code_cell("draw(E)", execution_count=2)
    graph.outputs = [nbformat.v4.new_output("execute_result", bundle, metadata=metadata,
                                            execution_count=2)]
    nb.cells = [player, graph]
    nbformat.write(nb, root / "untrusted.ipynb")
    with jupyterlab(root) as url:
        yield url, root


@contextlib.contextmanager
def jupyterlab(root):
    """A JupyterLab on a free port serving `root` (its runtime, data and config
    there too), with no token; its URL, until the block ends. Kernels it starts
    run this interpreter (ipykernel's own kernelspec) with this environment."""
    port = _free_port()
    env = {**os.environ, "JUPYTER_RUNTIME_DIR": str(root / "runtime"),
           "JUPYTER_DATA_DIR": str(root / "data"), "JUPYTER_CONFIG_DIR": str(root / "config")}
    server = subprocess.Popen(
        [sys.executable, "-m", "jupyterlab", "--no-browser", f"--port={port}",
         "--ServerApp.token=", "--ServerApp.password=", f"--ServerApp.root_dir={root}",
         "--ServerApp.open_browser=False", "--allow-root"],
        env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    url = f"http://127.0.0.1:{port}"
    try:
        for _ in range(120):
            try:
                urllib.request.urlopen(f"{url}/lab", timeout=1)
                break
            except OSError:
                time.sleep(0.5)
        else:
            pytest.fail("JupyterLab did not start within a minute")
        yield url
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:  # a server slow to shut down is not the test's
            server.kill()
            server.wait()


SEEN = """() => {
  const visible = (e) => !!e && e.getBoundingClientRect().width > 0;
  const outputs = [...document.querySelectorAll('.jp-OutputArea-output')];
  return outputs.map((o) => ({
    text: o.innerText,
    images: [...o.querySelectorAll('img')].filter(visible)
      .map((img) => ({natural: img.naturalWidth, width: img.getBoundingClientRect().width})),
    live: visible(o.querySelector('[data-role=live]')),
    svg: !!o.querySelector('svg'),
  }));
}"""


def test_an_untrusted_notebook_shows_pictures_and_says_how_to_play(lab, browser):  # noqa: F811
    url, root = lab
    page = browser.new_page(viewport={"width": 1000, "height": 900})
    try:
        page.goto(f"{url}/lab/tree/untrusted.ipynb?reset")
        page.wait_for_selector(".jp-OutputArea-output img", timeout=60_000)
        page.wait_for_function("() => [...document.querySelectorAll('.jp-OutputArea-output img')]"
                               ".every((img) => img.complete)", timeout=30_000)
        player, graph = page.evaluate(SEEN)
        assert not player["svg"] and not player["live"]  # sanitised: the still stands in
        assert len(player["images"]) == 1 and player["images"][0]["natural"] > 300
        assert "step 17 of 17" in player["text"]
        assert "trust the notebook (or run the cell) to play the steps" in player["text"]
        assert "play\n" not in player["text"] and "previous" not in player["text"]
        assert len(graph["images"]) == 1 and graph["images"][0]["natural"] > 800
        assert graph["images"][0]["width"] <= 1000
        assert "trust the notebook" in graph["text"] and "fold" not in graph["text"]
        with contextlib.suppress(Exception):  # JupyterLab asks for a kernel: none needed
            page.click("button:has-text('No Kernel')", timeout=5_000)
        page.screenshot(path=str(root / "untrusted.png"), full_page=True)
    finally:
        page.close()
