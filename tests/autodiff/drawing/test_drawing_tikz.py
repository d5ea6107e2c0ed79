"""TikZ export: escaping for LaTeX (pdflatex, or LuaLaTeX for Japanese), the picture
from Graphviz's layout, and real pdflatex and lualatex runs (tests/latex.py: under
./run test a missing LaTeX fails these tests)."""

import re
import shutil

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autodiff import Stepper, Value, draw
from autodiff.drawing.tikz import NeedsLuaLaTeX, tex_label, tex_text, tikz
from tests import latex
from tests.autodiff.drawing.test_drawing import mlp_loss, neuron
from tests.autodiff.drawing.test_drawing_hostile import SPECIAL
from tests.autodiff.stepping.test_stepping import neuron as unseeded_neuron

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is installed by ./run test")


def japanese_neuron():
    """The review's neuron with Japanese labels (重み w, 誤差 E), after backward()."""
    w, x, b, d = Value(0.5, "重み w"), Value(1.0, "入力 x"), Value(0.0, "バイアス b"), \
        Value(1.0, "教師 d")
    u = w * x + b
    u.label = "総入力 u"
    z = u.sigmoid()
    z.label = "出力 z"
    E = (z - d) ** 2 / 2
    E.label = "誤差 E"
    E.backward()
    return E


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
    assert tex_text("é Ė ç") == r"\'{e}\ \.{E}\ \c{c}"  # pdflatex's accents
    assert tex_text("a\x07") == r"a\texttt{[U+0007]}"  # a control character, visibly
    assert tex_label("u_1^(2)") == "$u_{1}^{(2)}$"
    assert tex_label("δ_12,3^(4)") == r"$\delta _{12,3}^{(4)}$"
    assert tex_label("t1") == "t1"


def test_japanese_passes_through_for_lualatex_and_is_refused_for_pdflatex():
    assert tex_text("重み w_1", unicode=True) == r"重み\ w\_1"
    assert tex_text("é", unicode=True) == "é"
    assert tex_label("誤差 E", unicode=True) == r"誤差\ E"
    assert tex_label("重み_1^(2)", unicode=True) == r"$\mbox{重}\mbox{み}_{1}^{(2)}$"
    assert tex_label("é_1") == r"$\mbox{\'{e}}_{1}$"
    with pytest.raises(NeedsLuaLaTeX):
        tex_label("重み_1")
    with pytest.raises(NeedsLuaLaTeX, match=r"'重' \(U\+91CD\) in '重み w'.*engine='lualatex'"):
        tex_text("重み w")
    assert issubclass(NeedsLuaLaTeX, ValueError)


@given(st.one_of(st.text(), st.sampled_from(SPECIAL)))
def test_any_text_is_ascii_tex_for_pdflatex_or_refused(text):
    try:
        tex = tex_text(text)
    except NeedsLuaLaTeX as exc:
        assert "lualatex" in str(exc)
        return
    assert tex.isascii() and balanced(tex)
    bare = tex.replace(r"{}^\wedge", "").replace(r"\~{}", "").replace("$", "")
    bare = re.sub(r"\\[~^](?=\{)", "", bare)  # the accents \~{n}, \^{o}
    assert not re.search(r"(?<!\\)[#%&_^~]", bare)  # every special character escaped


@given(st.one_of(st.text(), st.sampled_from(SPECIAL)))
def test_any_text_is_tex_for_lualatex_keeping_its_characters(text):
    tex = tex_text(text, unicode=True)
    assert balanced(tex)
    bare = tex.replace(r"{}^\wedge", "").replace(r"\~{}", "").replace("$", "")
    assert not re.search(r"(?<!\\)[#%&_^~]", bare)
    assert {c for c in tex if not c.isascii()} <= set(text)  # passed through, nothing made up


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
    assert tikz(diagram, standalone=False, engine="lualatex") == tex  # ASCII: the same text


@needs_dot
@pytest.mark.parametrize("picture", ["neuron", "network", "hostile", "step"])
def test_the_tex_file_compiles_with_pdflatex(picture, tmp_path):
    if picture == "neuron":
        diagram = draw(neuron())
    elif picture == "network":
        diagram = nn.draw(nn.MLP(2, [3, 2, 1], "sigmoid", seed=0), [1.0, 0.0], [1.0],
                          expand=(2, 1))
    elif picture == "hostile":  # every hostile label pdflatex can set
        diagram = draw(Value(1.0, "".join(t for t in SPECIAL[:-1] if t not in ("名前", "😀")))
                       * 2)
    else:  # one step of a Stepper, highlighted
        diagram = Stepper(unseeded_neuron()).frame(12)
    path = diagram.save_as(tmp_path / "picture.tex")
    assert path.read_text().startswith("% A diagram") and "luatexja" not in path.read_text()
    latex.need("pdflatex", "tikz.sty")
    pdf = latex.compile_tex(path, "pdflatex")
    assert latex.pages(pdf) == 1  # the picture, one page
    assert pdf.read_bytes().startswith(b"%PDF")


@needs_dot
def test_japanese_labels_round_trip_through_lualatex(tmp_path):
    E = japanese_neuron()
    diagram = draw(E * Value(2.0, "重み_2"))  # and a Japanese name in the notes' notation
    with pytest.raises(NeedsLuaLaTeX):
        tikz(diagram, engine="pdflatex")
    path = diagram.save_as(tmp_path / "ja.tex")  # engine="auto": LuaLaTeX, since pdflatex cannot
    source = path.read_text(encoding="utf-8")
    assert "compile with lualatex" in source.splitlines()[0] and r"\usepackage{luatexja}" in source
    assert r"重み\ w" in source and "[U+" not in source
    latex.need("lualatex", "luatexja.sty", "tikz.sty")
    pdf = latex.compile_tex(path, "lualatex")
    assert latex.pages(pdf) == 1
    words = latex.text(pdf)
    for label in ("重み w", "入力 x", "バイアス b", "教師 d", "総入力 u", "出力 z", "誤差 E",
                  "重み2"):
        assert label in words, (label, words)


@needs_dot
def test_engines_are_checked_and_chosen():
    ascii_only = tikz(draw(neuron()))
    assert ascii_only.splitlines()[0].endswith("compile with pdflatex.")
    assert r"\RequirePackage{fix-cm}" in ascii_only and "luatexja" not in ascii_only
    forced = tikz(draw(neuron()), engine="lualatex")
    assert forced.splitlines()[0].endswith("compile with lualatex.") and "luatexja" in forced
    with pytest.raises(ValueError, match="engine must be one of 'auto', 'pdflatex', 'lualatex'"):
        tikz(draw(neuron()), engine="xelatex")


@needs_dot
def test_the_words_come_from_the_drawings_vocabulary():
    tex = tikz(draw(neuron(), lang="ja"))
    assert r"\textcolor{advalue}{値\ 0.6225}" in tex and r"\textcolor{adgrad}{勾配}" in tex
    assert "data" not in tex and "grad " not in tex and "compile with lualatex" in tex


@needs_dot
def test_a_collapsed_network_has_its_clusters_and_counts():
    tex = tikz(draw(mlp_loss(3), collapse=["layers.0", "layers.1"]), standalone=False)
    assert r"\draw[dashed, rounded corners" in tex or "layer" in tex
    assert r"\ensuremath{\times}3" in tex  # the ×3 of merged samples
