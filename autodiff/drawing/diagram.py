"""`Diagram`: a Graphviz graph that renders itself, fits the page and fails in one line.

What a node shows is kept as a `NodeView` (lines of `Run`s with roles such as
"value" and "grad"), so the Graphviz label and the TikZ node (autodiff.drawing.tikz)
are written from one description. The colours say what a number is: values
green, gradients red (as CS231n draws them), and the fill says what a node is
(`FILLS`: a parameter, an input, the output, an operation).

In a notebook a diagram is an SVG and a PNG (`_repr_mimebundle_`). JupyterLab
shows the SVG of a trusted output and the PNG of an untrusted one (a notebook
opened as committed); nbconvert's HTML, GitHub and nbviewer show one or the
other. JupyterLab and nbconvert show the SVG as an `<img>`, which no CSS of
theirs scales down, at the width its `width` attribute says: so an SVG wider
than `NATURAL_UP_TO` px gets `width="100%"` (the output's width, the height
following from its viewBox) and fits any window, a narrower one keeps its
natural size. The PNG is shown at most `PNG_WIDTH` px wide, and scaled down by
their CSS (`max-width: 100%`) where the output is narrower.

Rendering runs Graphviz's `dot`; when it is missing, fails, or cannot write the
asked format, the error is one line (RuntimeError or ValueError). Before `dot`
is asked to lay out more than `LARGE` nodes a `LargeDiagramWarning` says it
may take a while.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import html
import json
import re
import subprocess
import warnings
from collections import Counter
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

from autodiff.drawing.views import (
    COLORS,
    NodeView,
    Run,
    quote,
)
from autodiff.notation.messages import Message
from autodiff.notation.typeset import unicode_label

try:
    import graphviz
except ImportError as exc:  # pragma: no cover - exercised without graphviz only
    raise ImportError(
        "drawing needs the graphviz Python package: .venv/bin/pip install -e '.[draw]' in the "
        "checkout (./run demo installs it)"
    ) from exc

INSTALL_DOT = (
    "Graphviz's `dot` program is not installed: apt-get install graphviz "
    "(Debian/Ubuntu; `./run demo` and `./run test` do this), or see https://graphviz.org/download"
)
LARGE = 1000
"""Rendering a diagram with more nodes than this warns first (Graphviz may take minutes)."""

NATURAL_UP_TO = 560
"""px: in a notebook, an SVG at most this wide shows at its natural size, a wider one
as wide as the output (what JupyterLab's output is in a 1,024 px wide window with the
file browser open is about 590 px)."""
PNG_WIDTH = 820
"""px: the widest the PNG shows in a notebook (the output in a 1,024 px wide window:
JupyterLab with its side bar folded, nbconvert's HTML, GitHub)."""
PNG_DPI = 144
"""The PNG has 1.5 pixels per CSS pixel shown (at 96 dpi a pixel is a CSS pixel):
sharp on most screens, and small enough to commit."""

WRITERS: dict[str, Callable[[Diagram], str]] = {}
"""Text formats that other modules write from a diagram, by extension: "tex" is
autodiff.drawing.tikz's (it registers itself; the drawing package imports it)."""


class LargeDiagramWarning(UserWarning):
    """Graphviz is about to lay out more than `LARGE` nodes."""


def html_label(view: NodeView) -> str:
    """The Graphviz HTML-like label of a node: `<...>`, every text escaped."""
    text = "<br/>".join("".join(_html_run(run) for run in line) for line in view.lines)
    return f"<{text or '&nbsp;'}>"


def _html_run(run: Run) -> str:
    text = html.escape(unicode_label(run.text) if run.notation else run.text)
    if not text:
        return ""  # Graphviz refuses an empty <b></b> or <font></font>
    if run.role == "name":
        return f"<b>{text}</b>"
    if run.role in COLORS:
        size = ' point-size="10"' if run.role == "note" else ""
        return f'<font color="{COLORS[run.role]}"{size}>{text}</font>'
    return text


def statement(name: str, **attrs: str) -> str:
    """One DOT node or edge statement: `name [key="value" ...]`; a label that is
    HTML-like (`<...>`) is written as it is, any other value quoted."""
    parts = [f"{key}={value if key.endswith('label') and value.startswith('<') else quote(value)}"
             for key, value in attrs.items()]
    return f"{name} [{' '.join(parts)}]" if parts else name


class Diagram(graphviz.Digraph):
    """A `graphviz.Digraph` that saves in one call (`save_as`: svg, png, pdf,
    ..., and `.tex` for TikZ), shows inline SVG in notebooks that scales down
    to the page, and turns every failure of `dot` into one line."""

    views: dict[str, NodeView] = {}  # noqa: RUF012 (replaced per instance by the drawing)
    clusters: dict[str, NodeView] = {}  # noqa: RUF012 cluster name -> its title
    legend: list[tuple[str, tuple[Run, ...]]] = []  # noqa: RUF012 (kind or "", text) per entry
    edge_labels: dict[tuple[str, str], NodeView] = {}  # noqa: RUF012 (tail, head) -> label
    orders: list[list[str]] = []  # noqa: RUF012 sibling clusters drawn in this order
    scopes: dict[str, str] = {}  # noqa: RUF012 cluster name -> the scope it draws
    boxes: dict[str, str] = {}  # noqa: RUF012 collapsed box name -> the scope prefix it folds
    explorer: Any = None  # a drawing.explorer.Explorer: the HTML expands groups at a click
    _pinned: tuple[str, tuple[str, tuple[str, ...]]] | None = None  # source -> what to render

    @property
    def node_count(self) -> int:
        """How many nodes the drawing made (what `LARGE` is compared with)."""
        return len(self.views)

    def __repr__(self) -> str:
        kinds = Counter(view.kind for view in self.views.values())
        parts = [f"{kinds['op']} operation{'s' * (kinds['op'] != 1)}"]
        values = sum(n for kind, n in kinds.items() if kind not in ("op", "constant", "box"))
        parts.insert(0, f"{values} value{'s' * (values != 1)}")
        if kinds["box"]:
            parts.append(f"{kinds['box']} collapsed module{'s' * (kinds['box'] != 1)}")
        if self.explorer is not None:
            return (f"<Diagram of {', '.join(parts)}: .save_as('graph.html') writes it with a "
                    "click to expand each module, 'graph.svg' or 'graph.png' as it is>")
        return f"<Diagram of {', '.join(parts)}: .save_as('graph.svg') or 'graph.png' writes it>"

    def pipe(self, *args: Any, **kwargs: Any) -> Any:
        self._warn_if_large()
        with _one_line_errors():
            return super().pipe(*args, **kwargs)

    def render(self, *args: Any, **kwargs: Any) -> Any:
        self._warn_if_large()
        with _one_line_errors():
            return super().render(*args, **kwargs)

    def run_dot(self, fmt: str, *, dpi: float | None = None) -> bytes:
        """The output of `dot -T<fmt>` for this diagram (a raster format at `dpi`
        dots per inch, see `save_as`), or a one-line RuntimeError."""
        self._warn_if_large()
        source, args = self._ordered()
        return run_dot(source, fmt, dpi=dpi, args=args)

    def _ordered(self) -> tuple[str, tuple[str, ...]]:
        """The source to render and `dot`'s extra arguments: the clusters of each
        group of `orders` in their order (`autodiff.drawing.cluster_order`; laid out
        once per source)."""
        from autodiff.drawing.cluster_order import pinned

        source = self.source
        if self._pinned is None or self._pinned[0] != source:
            direction = self.graph_attr.get("rankdir", "TB")
            self._pinned = (source, pinned(source, self.orders, direction,
                                           lambda text: run_dot(text, "json")))
        return self._pinned[1]

    def _warn_if_large(self) -> None:
        if self.node_count > LARGE:
            warnings.warn(
                f"Graphviz is laying out {self.node_count} nodes; this can take minutes. "
                "collapse=[...] modules or draw([some_node]) for a smaller picture",
                LargeDiagramWarning, stacklevel=3)

    def save_as(self, path: str | Path, *, dpi: float | None = None) -> Path:
        """Write the diagram to `path`; the format comes from its extension:
        .svg, .png, .pdf, any other format Graphviz renders here, or .tex
        (a TikZ picture, `autodiff.drawing.tikz`), or .html (a page: the SVG, or for a
        big graph drawn collapsed, `autodiff.drawing.explorer`'s page where a click
        expands a module). A bad extension is a ValueError that names the
        formats there are, and nothing is written.

        `dpi` sets the resolution of a raster picture (.png, .gif, .jpg, ...):
        Graphviz's default is 96 dots per inch; 200 to 300 make a PNG sharp on
        a projected slide (the picture's pixel size grows in proportion). Vector
        formats (.svg, .pdf, .tex) scale freely and take no dpi."""
        path = Path(path)
        fmt = output_format(path)
        check_dpi(dpi, fmt)
        if fmt in WRITERS:
            data = WRITERS[fmt](self).encode("utf-8")
        elif fmt == "html":
            body = self.svg() if self.explorer is None else self.explorer.fragment()
            data = page(body).encode("utf-8")
        elif fmt == "svg":
            data = self.svg().encode("utf-8")
        else:
            data = self.run_dot(fmt, dpi=dpi)
        path.write_bytes(data)
        return path

    def svg(self) -> str:
        """The diagram as SVG text that scales down to its container (at most
        its natural size; height follows the width)."""
        return fit_to_page(self.run_dot("svg").decode("utf-8"))

    def layout(self) -> dict:
        """Graphviz's layout (`dot -Tjson`): positions in points, sizes in inches."""
        return json.loads(self.run_dot("json"))

    def _repr_mimebundle_(self, include: Any = None, exclude: Any = None,
                          **kwargs: Any) -> tuple[dict[str, str], dict[str, dict[str, int]]]:
        """What a notebook shows: the SVG (as wide as the output if it is wider
        than `NATURAL_UP_TO` px), a PNG (`PNG_DPI`, at most `PNG_WIDTH` px wide:
        the metadata gives its size in CSS pixels) and the repr as text."""
        svg = self.run_dot("svg").decode("utf-8")
        width, height = (size * PX_PER_PT for size in svg_size(svg))
        scale = min(1.0, PNG_WIDTH / width)
        png = self.run_dot(png_format(), dpi=max(1.0, PNG_DPI * scale))  # 1.5 px per px shown
        bundle = {"image/svg+xml": fit_to_page(svg, fill=width > NATURAL_UP_TO),
                  "image/png": base64.b64encode(png).decode("ascii"),
                  "text/plain": repr(self)}
        if self.explorer is not None:  # a click expands a module (the PNG where no script runs)
            bundle["text/html"] = self.explorer.fragment()
        return bundle, {"image/png": {"width": round(width * scale),
                                      "height": round(height * scale)}}


def node_sizes(diagram: Diagram) -> dict[str, tuple[str, str]]:
    """Each node's (width, height) in inches as Graphviz lays `diagram` out;
    pass them as `sizes` to draw frames that all share that layout."""
    return {obj["name"]: (obj["width"], obj["height"])
            for obj in diagram.layout().get("objects", []) if "width" in obj}


RASTER = ("png", "gif", "jpg", "jpeg", "jpe", "bmp", "tif", "tiff", "webp", "ico")
"""The formats drawn in pixels, whose resolution `dpi` sets."""
MAX_DPI = 1200


def check_dpi(dpi: object, fmt: str) -> None:
    """Refuse a `dpi` that is not a number in 1 … MAX_DPI, or given for a vector format."""
    if dpi is None:
        return
    if isinstance(dpi, bool) or not isinstance(dpi, int | float):
        raise TypeError(f"dpi must be a number of dots per inch such as 300, got {dpi!r}")
    if not 1 <= dpi <= MAX_DPI:
        raise ValueError(f"dpi must be between 1 and {MAX_DPI} (96 is Graphviz's default, "
                         f"300 a sharp slide), got {dpi!r}")
    if fmt.partition(":")[0] not in RASTER:  # "png:cairo:gd" is a PNG
        raise ValueError(f"dpi applies to pictures in pixels (.png, .gif, .jpg); .{fmt} is a "
                         "vector format that scales freely: leave dpi out")


def run_dot(source: str, fmt: str, *, dpi: float | None = None,
            args: tuple[str, ...] = ()) -> bytes:
    """`dot -T<fmt>` on `source` (at `dpi`, for a raster format; `args` such as
    `-Kneato -n2` before it): its output, or RuntimeError in one line."""
    check_dpi(dpi, fmt)
    resolution = [f"-Gdpi={dpi:g}"] if dpi is not None else []
    try:
        done = subprocess.run(["dot", *args, f"-T{fmt}", *resolution],
                              input=source.encode("utf-8"),
                              capture_output=True, check=False)
    except FileNotFoundError:
        raise RuntimeError(INSTALL_DOT) from None
    if done.returncode != 0:
        raise RuntimeError(_dot_failure(done.stderr))
    return done.stdout


@contextlib.contextmanager
def _one_line_errors() -> Iterator[None]:
    """graphviz's own errors (no `dot`, dot failed) as one-line RuntimeErrors."""
    try:
        yield
    except graphviz.ExecutableNotFound:
        raise RuntimeError(INSTALL_DOT) from None
    except graphviz.CalledProcessError as exc:
        raise RuntimeError(_dot_failure(exc.stderr)) from None


def _dot_failure(stderr: bytes | str | None) -> str:
    if isinstance(stderr, bytes):
        stderr = stderr.decode("utf-8", "replace")
    detail = " ".join((stderr or "").split())
    if len(detail) > 300:
        detail = detail[:299] + "…"
    return f"Graphviz's dot failed: {detail or 'no message'}"


@functools.cache
def formats() -> tuple[str, ...]:
    """The output formats Graphviz's `dot` renders on this machine, "tex" (TikZ)
    and "html" (a page) (asked once)."""
    try:
        done = subprocess.run(["dot", "-T?"], capture_output=True, check=False)
    except FileNotFoundError:
        raise RuntimeError(INSTALL_DOT) from None
    listed = done.stderr.decode("utf-8", "replace").partition("Use one of:")[2]
    found = {f.partition(":")[0] for f in listed.split()} - {"x11", "xlib"}  # windows, no files
    return tuple(sorted(found | {"tex", "html"}))


@functools.cache
def png_format() -> str:
    """The PNG a notebook gets: drawn by cairo (smooth text) and written by gd with a
    colour palette ("png:cairo:gd"), a third of the size of cairo's RGBA PNG; plain
    "png" where Graphviz here has no gd plugin (asked once)."""
    try:
        done = subprocess.run(["dot", "-Tpng:"], input=b"", capture_output=True, check=False)
    except FileNotFoundError:
        raise RuntimeError(INSTALL_DOT) from None
    listed = done.stderr.decode("utf-8", "replace").partition("Use one of:")[2].split()
    return "png:cairo:gd" if "png:cairo:gd" in listed else "png"


def output_format(path: str | Path) -> str:
    """The format named by `path`'s extension, checked against `formats()`;
    ValueError naming the formats there are if it is missing or unknown."""
    path = Path(path)
    fmt = path.suffix.lstrip(".").lower()
    if not fmt:  # the error's argument a Message: str() the English, the CLI says it in --lang
        raise ValueError(Message("format.missing", path=str(path)))
    if fmt not in formats():
        others = ", ".join(f for f in formats() if f not in ("svg", "png", "pdf", "tex"))
        raise ValueError(Message("format.unknown", path=str(path), fmt=fmt, others=others))
    return fmt


def page(body: str, title: str = "Computation graph", *, lang: str = "en",
         style: str = "font-family: sans-serif; margin: 1em") -> str:
    """A complete HTML page (UTF-8, fits a phone's width) around `body`, in language
    `lang`, its body styled `style`."""
    return f"""\
<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(title)}</title>
</head>
<body style="{style}">
{body}
</body>
</html>
"""


_SVG_SIZE = re.compile(r'<svg width="([\d.]+)pt" height="([\d.]+)pt"')
PX_PER_PT = 4 / 3
"""CSS pixels per point: Graphviz's SVG sizes are in points (72 per inch), CSS has 96 px."""


def svg_size(svg: str) -> tuple[float, float]:
    """The (width, height) in points of an SVG from Graphviz."""
    found = _SVG_SIZE.search(svg)
    if found is None:
        raise ValueError("not an SVG from Graphviz: no <svg width=...pt height=...pt>")
    return float(found.group(1)), float(found.group(2))


def fit_to_page(svg: str, *, fill: bool = False) -> str:
    """Let an SVG from Graphviz scale to its container: its natural width, scaled
    down (never up) where the container is narrower (max-width 100%), the height
    following from the aspect ratio (the viewBox). That style acts on an inline
    SVG; an `<img>` of the SVG is as wide as the width attribute says: `fill`
    makes that the container's width (scaled up or down), the height following."""
    def sized(m: re.Match[str]) -> str:
        size = 'width="100%"' if fill else f'width="{m.group(1)}pt" height="{m.group(2)}pt"'
        return f'<svg {size} style="max-width: 100%; height: auto"'

    return _SVG_SIZE.sub(sized, svg, count=1)
