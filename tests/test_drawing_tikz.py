"""TikZ export: escaping for LaTeX, the picture from Graphviz's layout, and a
pdflatex run where pdflatex is installed."""

import re
import shutil
import subprocess

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autodiff import Value, draw
from autodiff.tikz import tex_label, tex_text, tikz
from tests.test_drawing import mlp_loss, neuron
from tests.test_drawing_hostile import SPECIAL

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is installed by ./run test")
needs_pdflatex = pytest.mark.skipif(shutil.which("pdflatex") is None,
                                    reason="pdflatex is not installed (texlive-latex-base)")


def balanced(tex):
    """Braces balance once the escaped ones (\\{, \\}) are taken out."""
    depth = 0
    for c in re.sub(r"\\[{}]", "", tex):
        depth += {"{": 1, "}": -1}.get(c, 0)
        if depth < 0:
            return False
    return depth == 0


def test_text_and_labels_are_written_for_latex():
    assert tex_text("a_b & c%") == r"a\_b\ \&\ c\%"
    assert tex_text("σ(u) × 2 − 1") == \
        r"\ensuremath{\sigma}(u)\ \ensuremath{\times}\ 2\ \ensuremath{-}\ 1"
    assert tex_text("x₁⁽²⁾") == r"x\textsubscript{1}\textsuperscript{(}\textsuperscript{2}" \
                                r"\textsuperscript{)}"
    assert tex_text("名") == r"\texttt{[U+540D]}"
    assert tex_label("u_1^(2)") == "$u_{1}^{(2)}$"
    assert tex_label("δ_12,3^(4)") == r"$\delta _{12,3}^{(4)}$"
    assert tex_label("t1") == "t1"


@given(st.one_of(st.text(), st.sampled_from(SPECIAL)))
def test_any_text_becomes_plain_ascii_tex_with_balanced_braces(text):
    tex = tex_text(text)
    assert tex.isascii() and balanced(tex)
    bare = tex.replace(r"{}^\wedge", "").replace(r"\~{}", "").replace("$", "")
    assert not re.search(r"(?<!\\)[#%&_^~]", bare)  # every special character escaped


@needs_dot
def test_the_picture_has_graphvizs_nodes_and_edges():
    diagram = draw(neuron())
    tex = tikz(diagram, standalone=False)
    assert tex.startswith(r"\begin{tikzpicture}") and balanced(tex)
    assert tex.count(r"\node[minimum width") == len(diagram.views) == 10 + 6 + 2
    assert tex.count(r"\draw[-{Stealth") == 17  # every edge, none of the invisible ones
    assert r"\textcolor{advalue}{data\ 0.6225}" in tex
    assert r"\ensuremath{\sigma}" in tex and "double" in tex  # σ; E has a double border
    document = tikz(diagram)
    assert document.startswith("% A diagram") and r"\end{document}" in document


@needs_dot
@needs_pdflatex
@pytest.mark.parametrize("picture", ["neuron", "network", "hostile"])
def test_the_tex_file_compiles_with_pdflatex(picture, tmp_path):
    if picture == "neuron":
        diagram = draw(neuron())
    elif picture == "network":
        diagram = nn.draw(nn.MLP(2, [3, 2, 1], "sigmoid", seed=0), [1.0, 0.0], [1.0],
                          expand=(2, 1))
    else:
        diagram = draw(Value(1.0, "".join(SPECIAL[:-1])) * 2)
    path = diagram.save_as(tmp_path / "picture.tex")
    done = subprocess.run(["pdflatex", "-interaction=nonstopmode", "-halt-on-error",
                           path.name], cwd=tmp_path, capture_output=True, timeout=120)
    assert done.returncode == 0, done.stdout.decode(errors="replace")[-2000:]
    assert b"Output written on picture.pdf (1 page" in done.stdout  # the picture, one page
    assert (tmp_path / "picture.pdf").read_bytes().startswith(b"%PDF")


@needs_dot
def test_a_collapsed_network_has_its_clusters_and_counts():
    tex = tikz(draw(mlp_loss(3), collapse=["layers.0", "layers.1"]), standalone=False)
    assert r"\draw[dashed, rounded corners" in tex or "layer" in tex
    assert r"\ensuremath{\times}3" in tex  # the ×3 of merged samples
