"""Diagrams of graphs and networks: `draw` (graph), the `Diagram` it returns (SVG, PNG,
PDF and TikZ), how nodes are built and grouped (`builder`, `networks`). Graphviz is
imported when a diagram is laid out."""

from autodiff.drawing import tikz as _tikz  # noqa: F401 (writes .tex: Diagram.save_as)
from autodiff.drawing.builder import Legend
from autodiff.drawing.diagram import Diagram
from autodiff.drawing.graph import WORDS, GraphBuilder, draw
from autodiff.drawing.networks import INPUT_LAYER
from autodiff.drawing.views import COLORS, FILLS, NodeView, Run

__all__ = ["COLORS", "FILLS", "INPUT_LAYER", "WORDS", "Diagram", "GraphBuilder", "Legend",
           "NodeView", "Run", "draw"]
