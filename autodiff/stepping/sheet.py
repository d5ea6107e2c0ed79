"""An exercise on paper: the graph with its blanks numbered, and an answer key.

`sheet_html(exercise)` is one HTML page for printing (or printing to PDF from
a browser): the title, a line for the learner's name, the instructions with
the tolerance, the graph as `Stepper.frame` draws it with every number known
except the blanks, each blank written in its box as its number in brackets
([1], [2], … in the order of the steps), and a table with a line per blank
(what it asks and room for the working). The answer key, on a page of its
own, lists each blank's worked answer (the chain-rule product for a
gradient, the operation for a value). The words are the stepper's language's.
Printed (A4, `@page`), the sheet of a graph such as the notes' neuron with all
its 15 numbers blank fits one page, and the key is the next.

`sheet_tex(exercise)` is the same sheet as a LaTeX document (A4): the graph as
TikZ laid out by Graphviz (`autodiff.drawing.tikz`, scaled to the text width),
the table, and the key after a page break. The engine is as for the slides:
"auto" writes for pdflatex where it can set every word, else for LuaLaTeX with
luatexja (a Japanese sheet); the file's first line says which.
"""

from __future__ import annotations

import html

from autodiff.core import Value
from autodiff.drawing.diagram import Diagram
from autodiff.drawing.graph import draw_frame
from autodiff.drawing.tikz import (
    bounding_box,
    check_engine,
    document,
    picture,
    tex_text,
    written_for,
)
from autodiff.notation.messages import say
from autodiff.stepping.records import Blanks

_CSS = """\
body {font-family: system-ui, "Segoe UI", Helvetica, Arial, "IPAexGothic", sans-serif;
  margin: 1.5em; color: black; background: white;}
h1 {font-size: 1.3em; margin: 0 0 0.3em 0;}
.name {float: right;}
.figure svg {display: block; max-width: 100%; height: auto; margin: 0.6em 0;}
table {border-collapse: collapse; width: 100%;}
td, th {border: 1px solid #555; padding: 0.35em 0.5em; text-align: left; vertical-align: top;}
td.work {height: 2.6em; width: 60%;}
td.number {width: 3em; text-align: center; font-weight: bold;}
tr {break-inside: avoid; page-break-inside: avoid;}
.key {break-before: page; page-break-before: always; margin-top: 2em;}
@page {size: A4; margin: 14mm 12mm;}
@media print {
  body {margin: 0; font-size: 10.5pt;}
  .key {margin-top: 0;}
  td.work {height: 1.9em;}
}
"""


TEXT_WIDTH = 509.0
"""The text width of the LaTeX sheet in points: A4 (595 pt) less 15 mm margins."""


def figure(exercise: Blanks, **draw_options) -> Diagram:
    """The sheet's graph: every number known but the blanks, each blank written
    as its number in brackets (draw options as for `Stepper.frame`)."""
    stepper = exercise.stepper
    marks = {(b.node, b.field): f"[{i + 1}]" for i, b in enumerate(exercise.blanks)}
    root_known = {stepper.root: 1.0}

    def text(v: Value, field: str) -> str:
        if (v, field) in marks:
            return marks[v, field]
        if field == "data":
            return exercise.number_text(v.data)
        return exercise.number_text(stepper.gradients.get(v, root_known.get(v, 0.0)))

    options = {"names": stepper.names, "lang": exercise.lang, **draw_options}
    return draw_frame([stepper.root], text=text, **options)


def sheet_html(exercise: Blanks, **draw_options) -> str:
    """The printable page of `exercise` (draw options as for `Stepper.frame`)."""
    stepper = exercise.stepper
    lang = exercise.lang
    svg = figure(exercise, **draw_options).svg()
    svg = svg[svg.index("<svg"):]

    def word(key: str, **fields: object) -> str:
        return html.escape(say(lang, f"exercise.{key}", **fields))

    rows = "".join(
        f'<tr><td class="number">{i + 1}</td><td>{html.escape(b.prompt)}</td>'
        f'<td class="work"></td></tr>' for i, b in enumerate(exercise.blanks))
    key = "".join(
        f'<tr><td class="number">{i + 1}</td><td>{html.escape(b.prompt)} = '
        f'<b>{html.escape(exercise.number_text(b.answer))}</b></td>'
        f"<td>{html.escape(b.worked)}</td></tr>" for i, b in enumerate(exercise.blanks))
    title = say(lang, "exercise.sheet_title", root=stepper.names[stepper.root])
    return f"""\
<!DOCTYPE html>
<html lang="{lang}">
<head>
<meta charset="utf-8">
<title>{html.escape(title)}</title>
<style>{_CSS}</style>
</head>
<body>
<h1>{html.escape(title)} <span class="name">{word("sheet_name")}</span></h1>
<p>{word("sheet_instructions", tolerance=f"{exercise.tolerance:g}")}</p>
<div class="figure">{svg}</div>
<table>
<tr><th></th><th>{word("sheet_blank")}</th><th>{word("sheet_working")}</th></tr>
{rows}
</table>
<div class="key">
<h1>{word("sheet_key")}: {html.escape(stepper.names[stepper.root])}</h1>
<table>
<tr><th></th><th>{word("sheet_answer")}</th><th>{word("sheet_working")}</th></tr>
{key}
</table>
</div>
</body>
</html>
"""


def sheet_tex(exercise: Blanks, *, engine: str = "auto", **draw_options) -> str:
    r"""The sheet of `exercise` as a LaTeX document for `engine` ("auto",
    "pdflatex" or "lualatex"; see `autodiff.drawing.tikz`): for a graph such as
    the notes' neuron two A4 pages, the sheet and (after \newpage) the key."""
    check_engine(engine)
    stepper = exercise.stepper
    lang = exercise.lang
    diagram = figure(exercise, **draw_options)
    layout = diagram.layout()
    x0, _, x1, _ = bounding_box(layout)
    scale = min(1.0, TEXT_WIDTH / (x1 - x0 + 2.0))
    root = stepper.names[stepper.root]
    columns = r"\begin{tabular}{|c|p{0.3\linewidth}|p{0.58\linewidth}|}"

    def write(unicode: bool) -> list[str]:
        def text(words: str) -> str:
            return tex_text(words, unicode=unicode)

        def word(key: str, **fields: object) -> str:
            return text(say(lang, f"exercise.{key}", **fields))

        def head(first: str) -> str:
            return (rf"\hline & \textbf{{{word(first)}}} & "
                    rf"\textbf{{{word('sheet_working')}}}\\ \hline")

        *drawing, end = picture(diagram, layout, unicode=unicode)
        rows = [rf"\textbf{{{i + 1}}} & {text(b.prompt)} & \rule{{0pt}}{{2.2em}}\\ \hline"
                for i, b in enumerate(exercise.blanks)]
        key = [rf"\textbf{{{i + 1}}} & {text(b.prompt)} = "
               rf"\textbf{{{text(exercise.number_text(b.answer))}}} & {text(b.worked)}\\ \hline"
               for i, b in enumerate(exercise.blanks)]
        title = text(say(lang, "exercise.sheet_title", root=root))
        instructions = word("sheet_instructions", tolerance=f"{exercise.tolerance:g}")
        return [
            r"\begin{document}",
            rf"\noindent{{\Large\bfseries {title}}}\hfill {word('sheet_name')}\par\medskip",
            rf"\noindent {instructions}\par\medskip",
            r"\noindent\begin{center}",
            rf"\scalebox{{{scale:.4f}}}{{%", *drawing, f"{end}}}",
            r"\end{center}",
            r"\noindent" + columns, head("sheet_blank"), *rows, r"\end{tabular}",
            r"\newpage",
            rf"\noindent{{\Large\bfseries {word('sheet_key')}: {text(root)}}}\par\medskip",
            r"\noindent" + columns, head("sheet_answer"), *key, r"\end{tabular}",
            r"\end{document}",
        ]

    body, engine = written_for(engine, write)
    return document(engine, r"\documentclass[a4paper,11pt]{article}", [
        r"\usepackage[a4paper, margin=15mm]{geometry}",
        r"\usepackage{graphicx}",  # \scalebox
        r"\usepackage{array}",
        r"\pagestyle{empty}",
        r"\renewcommand{\arraystretch}{1.35}",
        *body,
    ], comment=f"An exercise sheet from autodiff (autodiff.stepping.sheet), "
               f"{len(exercise.blanks)} blanks and the answer key")
