"""A Stepper's frames, laid out once: what the widget, the HTML player and the
GIF show at each step.

Frame k (0-based, as `stepper[k]`) is shown as "step k + 1 of n". What it
shows is one state model, the Stepper's: the numbers step k makes known
(`stepper.changes(k)`, applied in order), its active node and its receivers,
its caption and its text. The HTML player (`autodiff.stepping.player`) draws the
graph once (`layout()`) and applies each step's changes to that one picture
in the page; the widget and the GIF draw each frame as a picture of its own,
`stepper.frame(k)` with the node sizes of `layout()`, so every frame shares
one layout and stepping changes only the numbers and the colours. Pictures
are rendered on first use and cached.
"""

from __future__ import annotations

import html
from typing import Any

from autodiff.drawing.graph import HIGHLIGHT, RECEIVER, Diagram, node_sizes
from autodiff.notation.messages import say
from autodiff.stepping.records import Steps

FIT_CLASS = "autodiff-frame"
FIT_CSS = (f".{FIT_CLASS} svg {{display: block; max-width: 100%; height: auto;}}"
           f" .{FIT_CLASS}.natural {{overflow-x: auto;}}"
           f" .{FIT_CLASS}.natural svg {{max-width: none !important;}}")
"""A picture in a FIT_CLASS element is scaled down to its container's width
(never up); with the class `natural` too, it is shown at full size and scrolls."""

TEXT_STYLE = "white-space: pre-wrap; word-break: normal; overflow-wrap: normal; margin: 0.3em 0"
"""A step's text: its lines wrap at spaces only, never inside a number."""


class Frames:
    """The frames of `stepper` (draw options as for `Stepper.frame`)."""

    def __init__(self, stepper: Steps, **draw_options) -> None:
        if not callable(getattr(stepper, "layout_frame", None)):
            raise TypeError(f"Frames() needs a Stepper, got {type(stepper).__name__}")
        self.stepper = stepper
        self.draw_options: dict[str, Any] = draw_options
        self._layout: Diagram | None = None
        self._sizes: dict[str, tuple[str, str]] | None = None
        self._svg: dict[int, str] = {}

    def __len__(self) -> int:
        return len(self.stepper)

    def caption(self, k: int) -> str:
        """'step 12 of 17 · backward pass': the one number the reader sees for frame k."""
        return self.stepper.caption(k)

    def text(self, k: int) -> str:
        """The step's text ("t1 = w × x = 0.5", or a backward step's lines)."""
        return str(self.stepper[k])

    def explanation(self, k: int) -> str:
        """The step in words (`Step.explanation`, in the stepper's language)."""
        return self.stepper[k].explanation

    def layout(self) -> Diagram:
        """The diagram whose every number shows its widest text over all frames
        (`stepper.layout_frame`): every frame fits in its boxes."""
        if self._layout is None:
            self._layout = self.stepper.layout_frame(**self.draw_options)
        return self._layout

    def frame(self, k: int) -> Diagram:
        """Frame k as a diagram of its own, laid out as `layout()`."""
        if self._sizes is None:
            self._sizes = node_sizes(self.layout())
        return self.stepper.frame(k, **self.draw_options, sizes=self._sizes)

    def svg(self, k: int) -> str:
        """Frame k as an SVG element (no XML prolog), rendered once, then cached."""
        if k not in self._svg:
            svg = self.frame(k).svg()
            self._svg[k] = svg[svg.index("<svg"):]
        return self._svg[k]

    def png(self, k: int, *, dpi: float | None = None) -> bytes:
        """Frame k as PNG (Graphviz's renderer), at `dpi` dots per inch (Graphviz's
        96 by default)."""
        return self.frame(k).run_dot("png", dpi=dpi)

    def fitted_svg(self, k: int, *, natural: bool = False) -> str:
        """Frame k scaled to its container's width (`natural`: at full size,
        scrolling): HTML for a notebook output."""
        classes = f"{FIT_CLASS} natural" if natural else FIT_CLASS
        return f'<div class="{classes}"><style>{FIT_CSS}</style>{self.svg(k)}</div>'


def legend_html(lang: str = "en") -> str:
    """What the colours mean, with swatches of the diagrams' own colours."""

    def swatch(color: str) -> str:
        return (f'<span style="display: inline-block; width: 0.9em; height: 0.9em; '
                f'background: {color}; border: 1px solid #555; border-radius: 2px; '
                f'vertical-align: -0.1em"></span>')

    return (f"{swatch(HIGHLIGHT)} {html.escape(say(lang, 'legend.current'))} &nbsp; "
            f"{swatch(RECEIVER)} {html.escape(say(lang, 'legend.receivers'))}")
