"""An exercise on paper: the graph with its blanks numbered, and an answer key.

`sheet_html(exercise)` is one HTML page for printing (or printing to PDF from
a browser): the title, a line for the learner's name, the instructions with
the tolerance, the graph as `Stepper.frame` draws it with every number known
except the blanks, each blank written in its box as its number in brackets
([1], [2], … in the order of the steps), and a table with a line per blank
(what it asks and room for the working). The answer key, on a page of its
own, lists each blank's worked answer (the chain-rule product for a
gradient, the operation for a value). The words are the stepper's language's.
"""

from __future__ import annotations

import html

from autodiff.core import Value
from autodiff.drawing.graph import draw_frame
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
.key {break-before: page; page-break-before: always; margin-top: 2em;}
@media print { body {margin: 0;} }
"""


def sheet_html(exercise: Blanks, **draw_options) -> str:
    """The printable page of `exercise` (draw options as for `Stepper.frame`)."""
    stepper = exercise.stepper
    lang = exercise.lang
    marks = {(b.node, b.field): f"[{i + 1}]" for i, b in enumerate(exercise.blanks)}
    root_known = {stepper.root: 1.0}

    def text(v: Value, field: str) -> str:
        if (v, field) in marks:
            return marks[v, field]
        if field == "data":
            return exercise.number_text(v.data)
        return exercise.number_text(stepper.gradients.get(v, root_known.get(v, 0.0)))

    options = {"names": stepper.names, "lang": lang, **draw_options}
    svg = draw_frame([stepper.root], text=text, **options).svg()
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
