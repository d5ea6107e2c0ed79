"""A Griffe extension for the API reference (mkdocs.yml: mkdocstrings' `extensions`).

The docstrings are plain text, written for `help()`, and the reference renders them as
Markdown. Index notation such as H[i][j] or u[k][n][j] reads there as a Markdown
reference link (and a strict build fails on the missing target), so every such
expression outside a code span is put in one: `H[i][j]`.
"""

from __future__ import annotations

import re
from typing import Any

import griffe

_CODE_SPAN = re.compile(r"(`+)(?:.|\n)*?\1")
_INDEXED = re.compile(r"[^\s`(\[]*(?:\[[^\]\s]*\]){2,}(?:\.\w+)*")


def plain_index_notation(text: str) -> str:
    """`text` with each a[i][j]... outside a code span wrapped in backticks."""
    out, last = [], 0
    for span in _CODE_SPAN.finditer(text):
        out.append(_INDEXED.sub(lambda m: f"`{m.group(0)}`", text[last:span.start()]))
        out.append(span.group(0))
        last = span.end()
    out.append(_INDEXED.sub(lambda m: f"`{m.group(0)}`", text[last:]))
    return "".join(out)


class PlainIndexNotation(griffe.Extension):
    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = plain_index_notation(obj.docstring.value)
