"""What a node of a diagram shows, in pieces every renderer shares: runs of text with a role,
the colours of those roles and the fills of node kinds. Graphviz (autodiff.drawing.diagram) and
TikZ (autodiff.drawing.tikz) both draw from these."""

from __future__ import annotations

from typing import NamedTuple

FONT = "Helvetica"
COLORS = {
    "value": "#1b7f3b",     # values: green
    "grad": "#c8102e",      # gradients: red
    "note": "#59636e",      # constants, counts, cluster titles
    "positive": "#2166ac",  # a weight w > 0 (the network view): blue
    "negative": "#d95f02",  # a weight w < 0: orange
}
"""The colours of text by `Run.role`; other roles ("name", "symbol", "text") are black."""

FILLS = {
    "leaf": "#eef1f4",          # an input or a target the user made
    "parameter": "#dceafb",     # a leaf made inside a module (nn weights and biases)
    "input": "#eef1f4",         # a network input x_i = z_i^(1), a folded number
    "intermediate": "#ffffff",  # a computed value
    "output": "#efe6fb",        # what draw() was asked for (E); drawn with a double border
    "op": "#f6f7f9",            # an operation
    "box": "#f3f3f3",           # a collapsed module
}
HIGHLIGHT = "#ffb000"
RECEIVER = "#9cc9ff"  # a node that receives gradient in a stepper's backward step
RECEIVER_EDGE = "#1f6fd1"


class Run(NamedTuple):
    """A piece of text in a node. `role` picks its typeface and colour: "name"
    (bold), a key of COLORS ("value" green, "grad" red, "note" small and
    grey, ...), "symbol" or "text". With `notation`, `text` is a label in the
    notes' notation ("u_1^(2)"), written with sub- and superscripts."""

    text: str
    role: str = "text"
    notation: bool = False


class NodeView(NamedTuple):
    """What one node shows: its `kind` (a key of FILLS) and lines of runs."""

    kind: str
    lines: tuple[tuple[Run, ...], ...]


def quote(text: str) -> str:
    """A DOT quoted string for `text` (backslashes and quotes escaped)."""
    return '"' + text.replace("\\", "\\\\").replace('"', '\\"') + '"'
