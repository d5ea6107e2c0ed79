"""Diagrams rendered by Graphviz: real SVG that fits the page, text that never
collides, every file format, and one-line errors from dot."""

import base64
import itertools
import re
import shutil
import struct
import subprocess
import warnings

import pytest

import autodiff.drawing.diagram
from autodiff import Value, draw
from autodiff.drawing.diagram import (
    NATURAL_UP_TO,
    PNG_WIDTH,
    PX_PER_PT,
    LargeDiagramWarning,
    formats,
    node_sizes,
    output_format,
    png_format,
    svg_size,
)
from autodiff.drawing.graph import draw_frame
from tests.autodiff.drawing.test_drawing import mlp_loss, neuron

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is installed by ./run test")


def node_groups(svg):
    """(title, (left, right, top, bottom), [(y, x, font size, text)]) per node of an SVG."""
    groups = []
    node = r'<g id="node\d+" class="node">\s*<title>([^<]*)</title>(.*?)</g>'
    for title, body in re.findall(node, svg, re.S):
        shape = re.search(r'\s(?:points|d)="([^"]*)"|cx="([^"]*)" cy="([^"]*)" rx="([^"]*)" '
                          r'ry="([^"]*)"', body)
        if shape is None:  # plain text (a constant): no outline to stay inside
            xs, ys = [-1e9, 1e9], [-1e9, 1e9]
        elif shape.group(1) is not None:
            numbers = [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?", shape.group(1))]
            xs, ys = numbers[0::2], numbers[1::2]
        else:
            cx, cy, rx, ry = (float(v) for v in shape.groups()[1:])
            xs, ys = [cx - rx, cx + rx], [cy - ry, cy + ry]
        texts = [(float(y), float(x), float(size), text) for x, y, size, text in re.findall(
            r'<text [^>]*\sx="([^"]*)" y="([^"]*)"[^>]*font-size="([^"]*)"[^>]*>([^<]*)</text>',
            body)]
        groups.append((title, (min(xs), max(xs), min(ys), max(ys)), texts))
    return groups


@needs_dot
def test_real_svg_has_the_nodes_and_fits_the_page():
    svg = draw(neuron()).svg()
    assert svg.count('class="node"') == 10 + 6 + 2  # values, operations, constants
    for text in ("σ", "t1", "data 0.6225", "grad &#45;0.3775"):
        assert text in svg
    width = float(re.search(r'<svg width="([\d.]+)pt" height="[\d.]+pt" '
                            r'style="max-width: 100%; height: auto"', svg).group(1))
    assert width * 4 / 3 <= 1150  # px: at most 15% shrunk to fit a 1,000 px page


@needs_dot
@pytest.mark.parametrize("picture", ["neuron", "mlp", "collapsed"])
def test_text_lines_never_collide_and_stay_inside_their_node(picture):
    root = neuron() if picture == "neuron" else mlp_loss(3 if picture == "collapsed" else 1)
    options = {"collapse": ["layers.0", "layers.1"]} if picture == "collapsed" else {}
    svg = draw(root, **options).svg()
    assert "baseline-shift" not in svg  # sub/superscripts are characters, not shifted text
    assert "u₁⁽²⁾" in svg or picture != "mlp"
    checked = 0
    for title, (left, _right, top, bottom), texts in node_groups(svg):
        texts.sort()
        for (y1, _, size1, a), (y2, _, size2, b) in itertools.pairwise(texts):
            if y1 != y2:  # another line: its ascent starts below the previous one's descent
                assert y2 - y1 >= 0.25 * size1 + 0.75 * size2 - 0.3, (title, a, b)
        for y, x, size, text in texts:  # ascent ≈ 0.75 em above the baseline, descent 0.25
            assert top - 1 <= y - 0.75 * size and y + 0.25 * size <= bottom + 1, (title, text)
            assert x >= left - 1, (title, text)
            checked += 1
    assert checked > 20


def png_size(png: bytes) -> tuple[int, int]:
    """A PNG's (width, height) in pixels, from its IHDR chunk."""
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and png[12:16] == b"IHDR"
    return struct.unpack(">II", png[16:24])


@needs_dot
@pytest.mark.parametrize("picture", ["small", "neuron", "mlp"])
def test_a_notebook_gets_an_svg_that_fits_and_a_png(picture):
    x = Value(2.0, "x")
    diagram = draw({"small": x * x, "neuron": neuron(), "mlp": mlp_loss(2)}[picture])
    natural = svg_size(diagram.svg())[0] * PX_PER_PT  # px
    data, metadata = diagram._repr_mimebundle_()
    assert set(data) == {"image/svg+xml", "image/png", "text/plain"}  # PNG: untrusted, GitHub
    assert data["text/plain"] == repr(diagram) and "notebook" not in data["text/plain"]
    svg = data["image/svg+xml"]
    size = re.search(r'<svg ([^>]*) style="max-width: 100%; height: auto"', svg)[1]
    # an <img> of the SVG (JupyterLab, nbconvert) is as wide as its width attribute:
    # a wide one takes the output's width, a narrow one keeps its natural size
    assert (size == 'width="100%"') == (natural > NATURAL_UP_TO)
    assert svg.replace(size, "") == diagram.svg().replace(
        re.search(r'<svg (width="[^"]*" height="[^"]*")', diagram.svg())[1], "")
    shown = metadata["image/png"]  # the PNG: at most PNG_WIDTH, CSS scales it further down
    assert shown["width"] == round(min(natural, PNG_WIDTH))
    pixels = png_size(base64.b64decode(data["image/png"]))
    assert abs(pixels[0] - 1.5 * shown["width"]) <= 3  # 1.5 pixels per CSS pixel shown
    assert abs(pixels[0] / pixels[1] - shown["width"] / shown["height"]) < 0.03
    assert (natural > PNG_WIDTH) == (picture != "small")  # both cases are met


@needs_dot
def test_every_format_is_written_and_a_bad_one_is_refused(tmp_path):
    diagram = draw(neuron())
    for suffix in ("svg", "png", "pdf", "tex"):
        path = diagram.save_as(tmp_path / f"neuron.{suffix}")
        assert path.stat().st_size > 500
    assert (tmp_path / "neuron.png").read_bytes()[:4] == b"\x89PNG"
    assert (tmp_path / "neuron.pdf").read_bytes()[:4] == b"%PDF"
    assert "\\begin{tikzpicture}" in (tmp_path / "neuron.tex").read_text()
    assert {"svg", "png", "pdf", "tex"} <= set(formats())
    for bad in ("neuron.bmp", "neuron.tiff", "neuron.xyz", "neuron"):
        with pytest.raises(ValueError) as error:
            diagram.save_as(tmp_path / bad)
        message = str(error.value)
        assert "\n" not in message and "use .svg, .png or .pdf (or .tex for TikZ" in message
        assert not (tmp_path / bad).exists()
    assert output_format("g.SVG") == "svg"


def test_a_missing_dot_is_explained(monkeypatch, tmp_path):
    diagram = draw(neuron())
    monkeypatch.setenv("PATH", "/nonexistent")
    for call in (diagram.svg, lambda: diagram.render(tmp_path / "g", format="svg"),
                 lambda: diagram.pipe(format="svg"), lambda: diagram.save_as(tmp_path / "g.png"),
                 lambda: node_sizes(diagram), diagram._repr_mimebundle_,
                 lambda: (png_format.cache_clear(), png_format())):
        with pytest.raises(RuntimeError, match="apt-get install graphviz"):
            call()
    assert not (tmp_path / "g.png").exists()


@needs_dot
def test_a_failing_dot_is_one_line(tmp_path):
    diagram = draw(neuron())
    diagram.body.append("\tbroken [label=<<b>unclosed>]\n")
    for call in (diagram.svg, lambda: diagram.pipe(format="png"),
                 lambda: diagram.render(tmp_path / "g", format="svg"),
                 lambda: diagram.save_as(tmp_path / "g.pdf")):
        with pytest.raises(RuntimeError, match="Graphviz's dot failed") as error:
            call()
        assert "\n" not in str(error.value) and len(str(error.value)) < 400
        assert not isinstance(error.value, subprocess.CalledProcessError)
    assert not (tmp_path / "g.pdf").exists()


def test_large_diagrams_warn_before_graphviz_lays_them_out(monkeypatch):
    x = Value(1.0)
    for _ in range(30):
        x = x * 1.01
    diagram = draw(x)
    monkeypatch.setattr(autodiff.drawing.diagram, "LARGE", 50)
    monkeypatch.setattr(autodiff.drawing.diagram, "run_dot",
                        lambda source, fmt, dpi=None, args=(): b"<svg/>")
    with pytest.warns(LargeDiagramWarning, match=r"laying out 91 nodes.*collapse"):
        diagram.svg()
    small = draw(Value(1.0) * 2)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        small.svg()


@needs_dot
def test_node_sizes_fix_every_box():
    E = neuron()
    sizes = node_sizes(draw(E))
    assert len(sizes) == 10 + 6 + 2 and all(float(w) > 0 for w, _ in sizes.values())
    fixed = draw_frame([E], sizes=sizes).source
    assert fixed.count('fixedsize="true"') == 18
    assert f'width="{sizes["n0"][0]}"' in fixed


@needs_dot
@pytest.mark.parametrize("suffix", ["bmp", "tiff", "xyz"])
def test_the_cli_names_the_formats_it_can_write(suffix, tmp_path, capsys):
    from autodiff.cli import main

    assert main(["x", "--at", "x=1", "-o", str(tmp_path / f"g.{suffix}")]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and f"cannot write .{suffix}" in err and "png" in err
    assert "Traceback" not in err and not (tmp_path / f"g.{suffix}").exists()


@needs_dot
def test_dpi_sets_the_pixel_size_of_a_raster_picture_and_is_refused_elsewhere(tmp_path):
    from PIL import Image

    diagram = draw(neuron())
    plain = diagram.save_as(tmp_path / "plain.png")
    sharp = diagram.save_as(tmp_path / "sharp.png", dpi=192)  # twice Graphviz's 96
    with Image.open(plain) as small, Image.open(sharp) as large:
        ratio = (large.width / small.width, large.height / small.height)
    assert all(1.9 < r < 2.1 for r in ratio), ratio
    for bad, error in (("300", TypeError), (True, TypeError), (0, ValueError),
                       (5000, ValueError)):
        with pytest.raises(error, match="dpi"):
            diagram.save_as(tmp_path / "bad.png", dpi=bad)
    for vector in ("graph.svg", "graph.pdf", "graph.tex"):
        with pytest.raises(ValueError, match="vector format"):
            diagram.save_as(tmp_path / vector, dpi=300)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["plain.png", "sharp.png"]
