"""The live notebook widget in a real JupyterLab, driven in headless Chromium: a
Japanese exercise widget (`Exercise(...).widget()`) is run in a kernel; a wrong
entry gets the hint, a right one the score, and then the controls step back and
forward through the frames; every button and label is Japanese.

JupyterLab (the `lab` extra) and its kernel run this interpreter, started as
test_untrusted_lab.py starts it; the browser is test_player_browser.py's.
Skipped where JupyterLab is not installed.
"""

from __future__ import annotations

import nbformat
import pytest

from tests.autodiff.stepping.test_player_browser import browser  # noqa: F401 (fixture)

pytest.importorskip("jupyterlab", reason="JupyterLab is the lab extra (./run lab installs it)")
pytest.importorskip("ipywidgets", reason="the widget needs ipywidgets (the notebooks extra)")

from tests.project.test_untrusted_lab import jupyterlab

CELL = """\
from autodiff import Stepper
from autodiff.cli import neuron_example
from autodiff.stepping.exercise import Exercise

E, _, nodes = neuron_example({"w": 0.5, "x": 1.0, "b": 0.0, "d": 1.0})
stepper = Stepper(E, lang="ja")
u = next(v for v in stepper.nodes if v.label == "u")
Exercise(stepper, blanks=[u]).widget()
"""


def caption(page) -> str:
    """The widget's caption ("ステップ 16 / 17"), once it has one."""
    return page.inner_text(".autodiff-stepper b >> text=/ステップ|空欄/")


def test_the_japanese_exercise_widget_grades_and_steps(tmp_path, browser):  # noqa: F811
    nb = nbformat.v4.new_notebook()
    nb.metadata["kernelspec"] = {"name": "python3", "display_name": "Python 3",
                                 "language": "python"}
    nb.cells = [nbformat.v4.new_code_cell(CELL)]
    nbformat.write(nb, tmp_path / "widget.ipynb")
    with jupyterlab(tmp_path) as url:
        page = browser.new_page(viewport={"width": 1100, "height": 1000})
        try:
            page.goto(f"{url}/lab/tree/widget.ipynb?reset")
            page.wait_for_selector(".jp-Notebook .jp-Cell .cm-content", timeout=60_000)
            page.wait_for_selector(".jp-StatusBar-TextItem >> text=/Idle/", timeout=60_000)
            page.click(".jp-Notebook .jp-Cell .cm-content")
            page.keyboard.press("Shift+Enter")  # run the cell: the widget asks its blank
            widget = page.wait_for_selector(".autodiff-stepper", timeout=60_000)
            text = widget.inner_text()
            assert "ステップの順に空欄を埋めてください" in text and "空欄 1 / 1" in text
            assert "採点" in text and "答えを見る" in text
            assert not page.is_visible(".autodiff-stepper button >> text=次へ ▶")

            entry = page.locator(".autodiff-stepper input[type=text]")
            entry.fill("0.5")
            entry.press("Enter")  # a miss: the chain-rule hint, the blank stays
            page.wait_for_selector(".autodiff-stepper >> text=/まだです/", timeout=20_000)
            assert "連鎖律より ∂E/∂u" in widget.inner_text()
            entry.fill("-0.0887")
            page.click(".autodiff-stepper button >> text=採点")  # right: the score
            page.wait_for_selector(".autodiff-stepper >> text=/終了：1 問中 0 問を一度で正解/",
                                   timeout=20_000)
            assert "正解：" in widget.inner_text()

            page.wait_for_selector(".autodiff-stepper button >> text=次へ ▶", timeout=20_000)
            assert caption(page) == "ステップ 17 / 17 · 逆伝播"  # the controls, at the end
            for button, step in (("◀ 前へ", 16), ("◀ 前へ", 15), ("次へ ▶", 16)):
                page.click(f".autodiff-stepper button >> text={button}")
                page.wait_for_function(  # the kernel answers: the caption and the slider
                    "(step) => document.querySelector('.autodiff-stepper').innerText"
                    ".includes(`ステップ ${step} / 17`) && document.querySelector("
                    "'.autodiff-stepper .widget-readout').innerText.trim() == String(step)",
                    arg=step, timeout=20_000)
            controls = widget.inner_text()
            assert "原寸" in controls and "ステップ" in controls  # toggle, slider: Japanese
            for english in ("previous", "next", "full size", "check", "show the answer"):
                assert english not in controls
            page.screenshot(path=str(tmp_path / "stepped.png"))
        finally:
            page.close()
