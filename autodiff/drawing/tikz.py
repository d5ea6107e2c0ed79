"""TikZ pictures of diagrams, for LaTeX slides and handouts.

`tikz(diagram)` asks Graphviz for its layout (`dot -Tjson`: positions and
sizes in points, edge splines) and writes the same picture with TikZ: the
nodes at Graphviz's positions with its sizes and fills, the edges along its
Bézier curves, the clusters with their titles, the key. The text of each node
comes from its `NodeView` (autodiff.drawing.diagram), written for LaTeX: labels in the
notes' notation as maths (u_1^(2) → $u_{1}^{(2)}$), values green and
gradients red, every special character escaped.

Two engines: pdflatex (only the tikz package, and geometry for the page size)
for text it can set: ASCII, accented Latin letters, and the Greek letters and
maths symbols of the diagrams (written as maths); LuaLaTeX with luatexja
(`LUALATEX_PREAMBLE`) for any other text, which is written as itself:
Japanese labels such as 重み w pass through. `engine="auto"` (the default)
picks pdflatex where it can set every character, else LuaLaTeX; asking for
pdflatex with text it cannot set is a `NeedsLuaLaTeX` error naming the
character, never a box in the PDF.

`Diagram.save_as("graph.tex")` writes a document whose page is the picture
(its first line says which engine compiles it); `tikz(d, standalone=False)`
is only the `tikzpicture`, to paste into a document that loads tikz and its
arrows.meta library (and luatexja for Japanese). Slides of a Stepper's steps
are `autodiff.stepping.slides`.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from typing import Any, TypeVar

from autodiff.drawing.diagram import WRITERS, Diagram
from autodiff.drawing.views import COLORS, FILLS, NodeView, Run
from autodiff.notation.typeset import textbook

_T = TypeVar("_T")

ENGINES = ("auto", "pdflatex", "lualatex")
"""What `tikz(engine=...)` and the slides accept: "auto" picks pdflatex when
it can set every character, else "lualatex"."""

PDFLATEX_PREAMBLE = ("\\RequirePackage{fix-cm}",)  # Computer Modern at any size
"""What a pdflatex document loads before \\documentclass."""

LUALATEX_PREAMBLE = (
    "\\usepackage{luatexja}",  # Japanese text (Japanese fonts from TeX Live: HaranoAji)
    "\\renewcommand{\\kanjifamilydefault}{\\gtdefault}",  # gothic, as the sans-serif Latin
    "\\tracinglostchars=3",  # a character no font has is an error, never a blank
)
"""What a LuaLaTeX document loads after \\documentclass."""


class NeedsLuaLaTeX(ValueError):
    """Text pdflatex cannot set (Japanese, say) was asked for with engine="pdflatex"."""


_SPECIAL = {  # in LaTeX's default font encoding (OT1), which needs no extra fonts
    "\\": r"\ensuremath{\backslash}", "{": r"\{", "}": r"\}", "$": r"\$", "&": r"\&",
    "#": r"\#", "^": r"\ensuremath{{}^\wedge}", "_": r"\_", "%": r"\%", "~": r"\~{}",
    "<": r"\ensuremath{<}", ">": r"\ensuremath{>}", "|": r"\ensuremath{|}", '"': "''",
}
_MATH = {"×": r"\times", "÷": r"\div", "−": "-", "·": r"\cdot", "∂": r"\partial",
         "√": r"\surd", "≤": r"\leq", "≥": r"\geq", "∑": r"\sum", "→": r"\to",
         "±": r"\pm", "∞": r"\infty"}
_GREEK = {c: "\\" + unicodedata.name(c).split()[-1].lower().replace("lamda", "lambda")
          for c in "αβγδεζηθικλμνξπρστυφχψω"}
_GREEK |= {c: "\\" + unicodedata.name(c).split()[-1].capitalize().replace("Lamda", "Lambda")
           for c in "ΓΔΘΛΞΠΣΦΨΩ"}
_SCRIPTS = {**{c: ("sub", d) for c, d in zip("₀₁₂₃₄₅₆₇₈₉₊₋₍₎", "0123456789+-()", strict=True)},
            **{c: ("super", d) for c, d in zip("⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁽⁾", "0123456789+-()",
                                                 strict=True)}}
_TEXT = {"…": r"\ldots{}", "–": "--", "—": "---", "‘": "`", "’": "'", "“": "``", "”": "''"}
_ACCENTS = {"\u0300": "`", "\u0301": "'", "\u0302": "^", "\u0303": "~", "\u0304": "=",
            "\u0307": ".", "\u0308": '"', "\u030c": "v", "\u0306": "u", "\u030b": "H",
            "\u0327": "c"}


_CLUSTER = re.compile(r".[\u0300-\u036f]*", re.S)


def _accented(c: str) -> str | None:
    """An accented ASCII letter as pdflatex writes it, 'é' → \\'{e}; else None."""
    decomposed = unicodedata.normalize("NFD", c)
    base, marks = decomposed[0], decomposed[1:]
    if not ("a" <= base.lower() <= "z") or not marks or any(m not in _ACCENTS for m in marks):
        return None
    out = base
    for m in marks:
        out = f"\\{_ACCENTS[m]}{{{out}}}"
    return out


def tex_text(text: str, *, unicode: bool = False) -> str:
    """`text` as LaTeX text: special characters escaped, the maths symbols and
    Greek letters of the diagrams as maths, Unicode sub/superscript digits as
    \\textsubscript/\\textsuperscript, control characters as their code point
    ([U+0007]). Any other character is written as itself with `unicode` (for
    LuaLaTeX); for pdflatex an accented Latin letter becomes its accent
    command (é → \\'{e}) and anything else (Japanese, say) is a NeedsLuaLaTeX
    error."""
    out = []
    for c in _CLUSTER.findall(text):  # a letter with its combining accents: u̇ (u, U+0307)
        if len(c) > 1:
            accent = c if unicode else _accented(c)
            if accent is None:
                raise NeedsLuaLaTeX(
                    f"pdflatex cannot set {c!r} in {text[:40]!r}: use engine='lualatex' "
                    "(LuaLaTeX with luatexja), or the default engine='auto'")
            out.append(accent)
        elif c in _SPECIAL:
            out.append(_SPECIAL[c])
        elif c in _MATH or c in _GREEK:
            out.append(f"\\ensuremath{{{_MATH.get(c) or _GREEK[c]}}}")
        elif c in _SCRIPTS:
            kind, d = _SCRIPTS[c]
            out.append(f"\\text{kind}script{{{d}}}")
        elif c in _TEXT:
            out.append(_TEXT[c])
        elif c == " " or unicodedata.category(c).startswith("Z"):
            out.append("\\ ")  # a space that TeX keeps, also at the start of a group
        elif " " < c <= "~":
            out.append(c)
        elif unicodedata.category(c).startswith("C"):
            out.append(f"\\texttt{{[U+{ord(c):04X}]}}")
        elif unicode:
            out.append(c)
        elif (accent := _accented(c)) is not None:
            out.append(accent)
        else:
            raise NeedsLuaLaTeX(
                f"pdflatex cannot set {c!r} (U+{ord(c):04X}) in {text[:40]!r}: use "
                "engine='lualatex' (LuaLaTeX with luatexja), or the default engine='auto'")
    return "".join(out)


def tex_label(label: str, *, unicode: bool = False) -> str:
    """A label in the notes' notation as maths, 'u_1^(2)' → '$u_{1}^{(2)}$'
    (a letter of its name that is neither ASCII nor Greek as text, 重 →
    \\mbox{重}); any other label as text (`tex_text`)."""
    parts = textbook(label)
    if parts is None:
        return tex_text(label, unicode=unicode)
    name = "".join(f"{_GREEK[c]} " if c in _GREEK else c if c.isascii()
                   else f"\\mbox{{{tex_text(c, unicode=unicode)}}}" for c in parts.name)
    if len(parts.name) > 1 and all(c.isascii() for c in parts.name):
        name = f"\\mathit{{{name}}}"
    sup = f"^{{({tex_text(parts.sup, unicode=unicode)})}}" if parts.sup else ""
    return f"${name}_{{{tex_text(parts.sub, unicode=unicode)}}}{sup}$"


def check_engine(engine: str) -> str:
    """`engine` if it is one of ENGINES, else ValueError naming them."""
    if engine not in ENGINES:
        raise ValueError(f"engine must be one of {', '.join(map(repr, ENGINES))}, got {engine!r}")
    return engine


def written_for(engine: str, write: Callable[[bool], _T]) -> tuple[_T, str]:
    """`write(unicode)` for `engine` and the engine it is for: "auto" writes
    for pdflatex, and for "lualatex" where pdflatex cannot set some text."""
    if check_engine(engine) != "auto":
        return write(engine == "lualatex"), engine
    try:
        return write(False), "pdflatex"
    except NeedsLuaLaTeX:
        return write(True), "lualatex"


def document(engine: str, documentclass: str, body: list[str], *, comment: str) -> str:
    """A whole LaTeX document for `engine` ("pdflatex" or "lualatex"): its
    first line is `comment` and says which engine compiles it; it loads tikz
    (with arrows.meta), and luatexja for LuaLaTeX."""
    return "\n".join([
        f"% {comment}; compile with {engine}.",
        *(PDFLATEX_PREAMBLE if engine == "pdflatex" else ()),
        documentclass,
        *(LUALATEX_PREAMBLE if engine == "lualatex" else ()),
        "\\usepackage{tikz}",
        "\\usetikzlibrary{arrows.meta}",
        *body,
    ]) + "\n"


class _Writer:
    """The TikZ text of one picture: its colours, each defined once
    (`\\definecolor{adc3}{HTML}{...}`), and its text for pdflatex or, with
    `unicode`, for LuaLaTeX."""

    def __init__(self, unicode: bool) -> None:
        self.unicode = unicode
        self.names: dict[str, str] = {}

    def color(self, hex_color: str) -> str:
        hex_color = hex_color.lstrip("#").upper()[:6]
        if not re.fullmatch(r"[0-9A-F]{6}", hex_color):
            return "black"
        return self.names.setdefault(hex_color, f"adc{len(self.names)}")

    def definitions(self) -> list[str]:
        return [f"\\definecolor{{{name}}}{{HTML}}{{{code}}}" for code, name in self.names.items()]

    def text(self, text: str) -> str:
        return tex_text(text, unicode=self.unicode)

    def run(self, run: Run) -> str:
        text = tex_label(run.text, unicode=self.unicode) if run.notation else self.text(run.text)
        if run.role == "name":
            return f"\\textbf{{\\boldmath {text}}}"
        if run.role in COLORS:
            return f"\\textcolor{{ad{run.role}}}{{{text}}}"
        return text

    def lines(self, view: NodeView) -> str:
        return r" \\ ".join("".join(self.run(r) for r in line) for line in view.lines) or "~"


def _xy(text: str) -> tuple[float, float]:
    """'12.5,30' (Graphviz's points) → (12.5, 30.0)."""
    x, y = text.split(",")[:2]
    return float(x), float(y)


def _point(text: str) -> str:
    x, y = _xy(text)
    return f"({x:.2f},{y:.2f})"


def _node(obj: dict[str, Any], view: NodeView, out: _Writer) -> str:
    style = obj.get("style", "")
    shape = obj.get("shape", "box")
    width, height = float(obj["width"]) * 72, float(obj["height"]) * 72
    options = [f"minimum width={width:.2f}pt", f"minimum height={height:.2f}pt",
               "inner sep=1pt", "align=center",
               f"font=\\sffamily\\fontsize{{{0.9 * float(obj.get('fontsize', 11)):.1f}}}"
               f"{{{1.1 * float(obj.get('fontsize', 11)):.1f}}}\\selectfont"]
    if shape == "circle":
        options.append("circle, draw")
    elif shape != "plaintext":
        options.append("rectangle, draw")
        if "rounded" in style:
            options.append("rounded corners=3pt")
        if shape == "box3d":
            options.append("line width=0.9pt")
    if "filled" in style and "fillcolor" in obj:
        options.append(f"fill={out.color(obj['fillcolor'])}")
    if obj.get("peripheries") == "2":
        options.append("double, double distance=1.2pt")
    if shape == "plaintext":
        options.append(f"text={out.color(COLORS['note'])}")
    return (f"\\node[{', '.join(options)}] ({obj['name']}) at {_point(obj['pos'])} "
            f"{{{out.lines(view)}}};")


def _edge(edge: dict[str, Any], label: NodeView | None, out: _Writer) -> list[str]:
    """An edge along Graphviz's spline; `label` is the view of its HTML label."""
    if "invis" in edge.get("style", "") or "pos" not in edge:
        return []
    lines = []
    options = [f"draw={out.color(edge.get('color', '#000000'))}"]
    if "penwidth" in edge:
        options.append(f"line width={0.8 * float(edge['penwidth']):.1f}pt")
    for spline in edge["pos"].split(";"):
        end, points = None, []
        for item in spline.split():
            if item.startswith("e,"):
                end = _point(item[2:])
            elif not item.startswith("s,"):
                points.append(_point(item))
        if not points:
            continue
        path = points[0]
        for k in range(1, len(points) - 2, 3):
            path += f" .. controls {points[k]} and {points[k + 1]} .. {points[k + 2]}"
        tip = "-{Stealth[length=4pt, width=3pt]}" if end else "-"
        lines.append(f"\\draw[{tip}, {', '.join(options)}] {path}"
                     f"{f' -- {end}' if end else ''};")
    for key, where in (("label", "lp"), ("xlabel", "xlp")):
        if key in edge and where in edge:
            text = out.lines(label) if key == "label" and label else out.text(edge[key])
            lines.append(f"\\node[font=\\sffamily\\scriptsize, text={out.color(COLORS['note'])}, "
                         f"align=center] at {_point(edge[where])} {{{text}}};")
    return lines


def _cluster(obj: dict[str, Any], title: NodeView, out: _Writer) -> list[str]:
    x0, y0, x1, y1 = (float(v) for v in obj["bb"].split(","))
    lines = [f"\\draw[dashed, rounded corners=4pt, draw={out.color(obj.get('color', '#9aa5b1'))}] "
             f"({x0:.2f},{y0:.2f}) rectangle ({x1:.2f},{y1:.2f});"]
    if "lp" in obj:
        lines.append(f"\\node[font=\\sffamily\\footnotesize, anchor=west] at "
                     f"({x0 + 4:.2f},{_xy(obj['lp'])[1]:.2f}) {{{out.lines(title)}}};")
    return lines


def _legend(diagram: Diagram, layout: dict[str, Any], out: _Writer) -> list[str]:
    if not diagram.legend or "lp" not in layout:
        return []
    cells = []
    for kind, runs in diagram.legend:
        text = "".join(out.run(r) for r in runs)
        cells.append(f"\\fcolorbox{{black}}{{{out.color(FILLS[kind])}}}{{{text}}}" if kind
                     else text)
    key = r" \quad ".join(cells)
    return [f"\\node[font=\\sffamily\\footnotesize, anchor=west] at (6,{_xy(layout['lp'])[1]:.2f}) "
            f"{{{key}}};"]


def picture(diagram: Diagram, layout: dict[str, Any], *, unicode: bool = False) -> list[str]:
    """The lines of the `tikzpicture` of `diagram` laid out as `layout`
    (`diagram.layout()`), its text for pdflatex or, with `unicode`, for
    LuaLaTeX (see `tex_text`)."""
    out = _Writer(unicode)
    body: list[str] = []
    for obj in layout.get("objects", []):
        if obj.get("name", "") in diagram.clusters and "bb" in obj:
            body += _cluster(obj, diagram.clusters[obj["name"]], out)
    for obj in layout.get("objects", []):
        view = diagram.views.get(obj.get("name", ""))
        if view is not None and "pos" in obj and "invis" not in obj.get("style", ""):
            body.append(_node(obj, view, out))
    names: dict[int, str] = {obj["_gvid"]: obj.get("name", "")  # nodes, not subgraphs
                             for obj in layout.get("objects", [])
                             if "_gvid" in obj and "nodes" not in obj and "bb" not in obj}
    for edge in layout.get("edges", []):
        ends = (names.get(edge.get("tail", -1), ""), names.get(edge.get("head", -1), ""))
        body += _edge(edge, diagram.edge_labels.get(ends), out)
    body += _legend(diagram, layout, out)
    for role in COLORS:
        body.insert(0, f"\\colorlet{{ad{role}}}{{{out.color(COLORS[role])}}}")
    x0, y0, x1, y1 = bounding_box(layout)
    return ["\\begin{tikzpicture}[x=1pt, y=1pt, font=\\sffamily]",
            *(f"  {line}" for line in out.definitions() + body),
            f"  \\useasboundingbox ({x0:.2f},{y0:.2f}) rectangle ({x1:.2f},{y1:.2f});",
            "\\end{tikzpicture}"]


def bounding_box(layout: dict[str, Any]) -> tuple[float, float, float, float]:
    """The picture's (x0, y0, x1, y1) in points, from Graphviz's layout."""
    x0, y0, x1, y1 = (float(v) for v in layout["bb"].split(","))
    return x0, y0, x1, y1


def tikz(diagram: Diagram, *, standalone: bool = True, engine: str = "auto") -> str:
    """The diagram as a TikZ picture laid out by Graphviz; with `standalone` a
    whole LaTeX document whose one page is the picture. `engine` is
    "pdflatex", "lualatex" (LuaLaTeX with luatexja: any text, Japanese too)
    or "auto": pdflatex where it can set every label, else LuaLaTeX. Asking
    for pdflatex with text it cannot set is a NeedsLuaLaTeX error."""
    check_engine(engine)
    layout = diagram.layout()
    lines, engine = written_for(engine, lambda unicode: picture(diagram, layout,
                                                                unicode=unicode))
    if not standalone:
        return "\n".join(lines) + "\n"
    x0, y0, x1, y1 = bounding_box(layout)
    return document(engine, "\\documentclass{article}", [
        f"\\usepackage[paperwidth={x1 - x0 + 14:.0f}pt, paperheight={y1 - y0 + 14:.0f}pt, "
        "margin=4pt]{geometry}",
        "\\pagestyle{empty}",
        "\\begin{document}",
        "\\noindent",
        *lines,
        "\\end{document}",
    ], comment="A diagram from autodiff (autodiff.drawing.tikz), laid out by Graphviz")


WRITERS["tex"] = tikz
