"""TikZ pictures of diagrams, for LaTeX slides and handouts.

`tikz(diagram)` asks Graphviz for its layout (`dot -Tjson`: positions and
sizes in points, edge splines) and writes the same picture with TikZ: the
nodes at Graphviz's positions with its sizes and fills, the edges along its
Bézier curves, the clusters with their titles, the key. The text of each node
comes from its `NodeView` (autodiff.diagram), written for LaTeX: labels in the
notes' notation as maths (u_1^(2) → $u_{1}^{(2)}$), values green and
gradients red, every special character escaped. The result compiles with
pdflatex with only the tikz package (and geometry for the page size).

`Diagram.save_as("graph.tex")` writes a document whose page is the picture;
`tikz(d, standalone=False)` is only the `tikzpicture`, to paste into a
document that loads tikz and its arrows.meta library.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from autodiff.diagram import COLORS, FILLS, Diagram, NodeView, Run
from autodiff.typeset import textbook

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


def tex_text(text: str) -> str:
    """`text` as LaTeX text: special characters escaped, the maths symbols and
    Greek letters of the diagrams as maths, Unicode sub/superscript digits as
    \\textsubscript/\\textsuperscript; any other character pdflatex cannot set
    is written as its code point, [U+XXXX]."""
    out = []
    for c in text:
        if c in _SPECIAL:
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
        else:
            out.append(f"\\texttt{{[U+{ord(c):04X}]}}")
    return "".join(out)


def tex_label(label: str) -> str:
    """A label in the notes' notation as maths, 'u_1^(2)' → '$u_{1}^{(2)}$';
    any other label as text."""
    parts = textbook(label)
    if parts is None:
        return tex_text(label)
    name = "".join(f"{_GREEK[c]} " if c in _GREEK else c for c in parts.name)
    if len(parts.name) > 1 and all(c.isascii() for c in parts.name):
        name = f"\\mathit{{{name}}}"
    sup = f"^{{({tex_text(parts.sup)})}}" if parts.sup else ""
    return f"${name}_{{{tex_text(parts.sub)}}}{sup}$"


def _run(run: Run) -> str:
    text = tex_label(run.text) if run.notation else tex_text(run.text)
    if run.role == "name":
        return f"\\textbf{{\\boldmath {text}}}"
    if run.role in COLORS:
        return f"\\textcolor{{ad{run.role}}}{{{text}}}"
    return text


def _lines(view: NodeView) -> str:
    return r" \\ ".join("".join(_run(r) for r in line) for line in view.lines) or "~"


class _Colors:
    """The colours of a picture, each defined once: `\\definecolor{adc3}{HTML}{...}`."""

    def __init__(self) -> None:
        self.names: dict[str, str] = {}

    def __call__(self, hex_color: str) -> str:
        hex_color = hex_color.lstrip("#").upper()[:6]
        if not re.fullmatch(r"[0-9A-F]{6}", hex_color):
            return "black"
        return self.names.setdefault(hex_color, f"adc{len(self.names)}")

    def definitions(self) -> list[str]:
        return [f"\\definecolor{{{name}}}{{HTML}}{{{code}}}" for code, name in self.names.items()]


def _xy(text: str) -> tuple[float, float]:
    """'12.5,30' (Graphviz's points) → (12.5, 30.0)."""
    x, y = text.split(",")[:2]
    return float(x), float(y)


def _point(text: str) -> str:
    x, y = _xy(text)
    return f"({x:.2f},{y:.2f})"


def _node(obj: dict[str, Any], view: NodeView, color: _Colors) -> str:
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
        options.append(f"fill={color(obj['fillcolor'])}")
    if obj.get("peripheries") == "2":
        options.append("double, double distance=1.2pt")
    if shape == "plaintext":
        options.append(f"text={color(COLORS['note'])}")
    return (f"\\node[{', '.join(options)}] ({obj['name']}) at {_point(obj['pos'])} "
            f"{{{_lines(view)}}};")


def _edge(edge: dict[str, Any], label: NodeView | None, color: _Colors) -> list[str]:
    """An edge along Graphviz's spline; `label` is the view of its HTML label."""
    if "invis" in edge.get("style", "") or "pos" not in edge:
        return []
    lines = []
    options = [f"draw={color(edge.get('color', '#000000'))}"]
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
            text = _lines(label) if key == "label" and label else tex_text(edge[key])
            lines.append(f"\\node[font=\\sffamily\\scriptsize, text={color(COLORS['note'])}, "
                         f"align=center] at {_point(edge[where])} {{{text}}};")
    return lines


def _cluster(obj: dict[str, Any], title: NodeView, color: _Colors) -> list[str]:
    x0, y0, x1, y1 = (float(v) for v in obj["bb"].split(","))
    lines = [f"\\draw[dashed, rounded corners=4pt, draw={color(obj.get('color', '#9aa5b1'))}] "
             f"({x0:.2f},{y0:.2f}) rectangle ({x1:.2f},{y1:.2f});"]
    if "lp" in obj:
        lines.append(f"\\node[font=\\sffamily\\footnotesize, anchor=west] at "
                     f"({x0 + 4:.2f},{_xy(obj['lp'])[1]:.2f}) {{{_lines(title)}}};")
    return lines


def _legend(diagram: Diagram, layout: dict[str, Any], color: _Colors) -> list[str]:
    if not diagram.legend or "lp" not in layout:
        return []
    cells = []
    for kind, runs in diagram.legend:
        text = "".join(_run(r) for r in runs)
        cells.append(f"\\fcolorbox{{black}}{{{color(FILLS[kind])}}}{{{text}}}" if kind else text)
    key = r" \quad ".join(cells)
    return [f"\\node[font=\\sffamily\\footnotesize, anchor=west] at (6,{_xy(layout['lp'])[1]:.2f}) "
            f"{{{key}}};"]


def tikz(diagram: Diagram, *, standalone: bool = True) -> str:
    """The diagram as a TikZ picture laid out by Graphviz; with `standalone` a
    whole LaTeX document (documentclass standalone) that pdflatex compiles."""
    layout = diagram.layout()
    color = _Colors()
    body: list[str] = []
    for obj in layout.get("objects", []):
        if obj.get("name", "") in diagram.clusters and "bb" in obj:
            body += _cluster(obj, diagram.clusters[obj["name"]], color)
    for obj in layout.get("objects", []):
        view = diagram.views.get(obj.get("name", ""))
        if view is not None and "pos" in obj and "invis" not in obj.get("style", ""):
            body.append(_node(obj, view, color))
    names: dict[int, str] = {obj["_gvid"]: obj.get("name", "")  # nodes, not subgraphs
                             for obj in layout.get("objects", [])
                             if "_gvid" in obj and "nodes" not in obj and "bb" not in obj}
    for edge in layout.get("edges", []):
        ends = (names.get(edge.get("tail", -1), ""), names.get(edge.get("head", -1), ""))
        body += _edge(edge, diagram.edge_labels.get(ends), color)
    body += _legend(diagram, layout, color)
    for role in COLORS:
        body.insert(0, f"\\colorlet{{ad{role}}}{{{color(COLORS[role])}}}")
    x0, y0, x1, y1 = (float(v) for v in layout["bb"].split(","))
    picture = ["\\begin{tikzpicture}[x=1pt, y=1pt, font=\\sffamily]",
               *(f"  {line}" for line in color.definitions() + body),
               f"  \\useasboundingbox ({x0:.2f},{y0:.2f}) rectangle ({x1:.2f},{y1:.2f});",
               "\\end{tikzpicture}"]
    if not standalone:
        return "\n".join(picture) + "\n"
    return "\n".join([
        "% A diagram from autodiff (autodiff.tikz), laid out by Graphviz.",
        "\\RequirePackage{fix-cm}",  # Computer Modern at any size
        "\\documentclass{article}",
        f"\\usepackage[paperwidth={x1 - x0 + 14:.0f}pt, paperheight={y1 - y0 + 14:.0f}pt, "
        "margin=4pt]{geometry}",
        "\\usepackage{tikz}",
        "\\usetikzlibrary{arrows.meta}",
        "\\pagestyle{empty}",
        "\\begin{document}",
        "\\noindent",
        *picture,
        "\\end{document}",
    ]) + "\n"
