"""Beamer slides of a Stepper (autodiff.stepping.slides): one overlay, one PDF page, per step.

The slides are compiled with a real LaTeX (tests/latex.py): pdflatex for ASCII
labels, lualatex with luatexja for Japanese ones; the page count is the number
of steps, a page rendered to PNG has the step's highlight, and pdftotext reads
the step's text and the Japanese labels back.
"""

from __future__ import annotations

import re
import shutil

import pytest
from PIL import Image

from autodiff import Stepper, topological_order
from autodiff.drawing.graph import HIGHLIGHT
from autodiff.drawing.tikz import NeedsLuaLaTeX
from autodiff.stepping import slides
from autodiff.stepping.slides import beamer
from tests import latex
from tests.autodiff.drawing.test_drawing_tikz import balanced, japanese_neuron
from tests.autodiff.stepping.test_stepping import neuron

pytestmark = pytest.mark.skipif(shutil.which("dot") is None,
                                reason="Graphviz's dot is installed by ./run test")


def test_one_overlay_per_step_each_with_its_picture_and_text():
    stepper = Stepper(neuron())
    tex = beamer(stepper, title="Backpropagation")
    assert balanced(tex)
    assert tex.startswith("% 17 steps") and "compile with pdflatex" in tex.splitlines()[0]
    assert r"\documentclass[aspectratio=169]{beamer}" in tex
    assert re.findall(r"\\only<(\d+)>", tex) == [str(k) for k in range(1, 18)]
    overlays = tex.split(r"\only<")[1:]
    for k, overlay in enumerate(overlays):
        assert overlay.count(r"\begin{tikzpicture}") == 1
        assert f"step\\ {k + 1}\\ of\\ 17" in overlay
    assert r"\ensuremath{\partial}" in overlays[12] and r"t2.grad\ +=" in overlays[12]
    assert len(set(re.findall(r"\\scalebox\{([\d.]+)\}", tex))) == 1  # one scale: it stays put
    frame = beamer(stepper, standalone=False)
    assert r"\documentclass" not in frame and frame.count(r"\begin{frame}") == 1


def test_bad_arguments_are_refused_and_nothing_is_written(tmp_path):
    stepper = Stepper(japanese_neuron())
    with pytest.raises(TypeError, match="needs a Stepper"):
        beamer(japanese_neuron())  # type: ignore[arg-type]
    with pytest.raises(ValueError, match="engine must be one of"):
        stepper.save_beamer(tmp_path / "a.tex", engine="latex")
    with pytest.raises(TypeError, match="title must be a str"):
        stepper.save_beamer(tmp_path / "a.tex", title=3)  # type: ignore[arg-type]
    with pytest.raises(ValueError, match=r"saved as \.tex"):
        stepper.save_beamer(tmp_path / "a.pdf")
    kept = tmp_path / "kept.tex"
    kept.write_text("mine")
    with pytest.raises(NeedsLuaLaTeX, match="重"):
        stepper.save_beamer(kept, engine="pdflatex")
    assert kept.read_text() == "mine" and sorted(p.name for p in tmp_path.iterdir()) == ["kept.tex"]


def test_slides_compile_with_pdflatex_one_page_per_step(tmp_path):
    stepper = Stepper(neuron())
    path = stepper.save_beamer(tmp_path / "backprop.tex", title="Backpropagation")
    latex.need("pdflatex", "beamer.cls", "tikz.sty")
    pdf = latex.compile_tex(path, "pdflatex")
    assert latex.pages(pdf) == len(stepper) == 17
    assert "Overfull" not in path.with_suffix(".log").read_text(errors="replace")
    page = latex.text(pdf, 13)
    assert "step 13 of 17 · backward pass" in page and "t2.grad += ∂t3/∂t2" in page
    image = Image.open(latex.png(pdf, 13)).convert("RGB")
    orange = tuple(int(HIGHLIGHT[i:i + 2], 16) for i in (1, 3, 5))
    assert orange in {color for _, color in image.getcolors(1 << 24)}  # the step's node
    first = Image.open(latex.png(pdf, 1)).convert("RGB")
    assert first.size == image.size


def test_steps_fill_frames_within_pdflatexs_memory(tmp_path, monkeypatch):
    stepper = Stepper(neuron())
    whole = beamer(stepper)
    assert whole.count(r"\begin{frame}") == 1  # the neuron: one frame of 17 overlays
    monkeypatch.setattr(slides, "FRAME_CHARACTERS", len(whole) // 5)
    path = tmp_path / "split.tex"
    path.write_text(beamer(stepper), encoding="utf-8")
    frames = path.read_text().split(r"\begin{frame}")[1:]
    assert len(frames) > 4 and all(len(frame) < len(whole) // 4 for frame in frames)
    assert [int(k) for frame in frames for k in re.findall(r"\\only<(\d+)>", frame)] == [
        k for frame in frames for k in range(1, frame.count(r"\only<") + 1)]  # from 1 in each
    latex.need("pdflatex", "beamer.cls", "tikz.sty")
    assert latex.pages(latex.compile_tex(path, "pdflatex")) == 17


def test_the_bare_frame_goes_into_ones_own_beamer_document(tmp_path):
    E = neuron()
    w = next(v for v in topological_order(E) if v.label == "w")
    stepper = Stepper(E, tangents={w: 1.0})  # forward mode: dotted names, ẇ
    frame = tmp_path / "steps.tex"
    frame.write_text(beamer(stepper, standalone=False), encoding="utf-8")
    talk = tmp_path / "talk.tex"
    talk.write_text("\\documentclass{beamer}\n\\usepackage{tikz}\n\\usetikzlibrary{arrows.meta}\n"
                    "\\begin{document}\n\\begin{frame}{Mine}\\end{frame}\n\\input{steps}\n"
                    "\\end{document}\n")
    latex.need("pdflatex", "beamer.cls", "tikz.sty")
    pdf = latex.compile_tex(talk, "pdflatex")
    assert latex.pages(pdf) == 1 + len(stepper)


def test_japanese_slides_compile_with_lualatex_and_read_back(tmp_path):
    stepper = Stepper(japanese_neuron())
    path = stepper.save_beamer(tmp_path / "ja.tex", title="誤差逆伝播法")
    source = path.read_text(encoding="utf-8")
    assert "compile with lualatex" in source.splitlines()[0] and "[U+" not in source
    latex.need("lualatex", "luatexja.sty", "beamer.cls", "tikz.sty")
    pdf = latex.compile_tex(path, "lualatex")
    assert latex.pages(pdf) == len(stepper)
    last = latex.text(pdf, len(stepper))
    for words in ("誤差逆伝播法", "重み w", "誤差 E", "バイアス b", "重み w.grad"):
        assert words in last, (words, last)
