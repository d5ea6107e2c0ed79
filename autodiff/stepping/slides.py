r"""Beamer slides of a Stepper's steps: one overlay, one PDF page, per step.

`beamer(stepper)` is a Beamer document (16:9) whose overlays (`\only<k>`) are
the steps: the graph as `stepper.frame(k)` draws it after step k (the
values and gradients known after that step, the step's node highlighted, its
receivers in blue), as TikZ laid out by Graphviz (`autodiff.drawing.tikz`), and below
it the step's caption and text ("step 12 of 17 · backward pass", "t4.grad +=
∂t5/∂t4 × t5.grad = ..."). Every overlay keeps the layout of
`stepper.layout_frame()` and one scale, so stepping through the slides
changes only numbers and colours, never the picture's place. A frame holds
the overlays of as many steps as fit in `FRAME_CHARACTERS` of TeX (beamer
reads a frame whole, and pdflatex's memory is fixed): the notes' neuron is one
frame of 17 overlays, a small MLP's 114 steps are several frames.

The engine is as for `autodiff.drawing.tikz.tikz`: "auto" writes for pdflatex where
it can set every label and step text, else for LuaLaTeX with luatexja
(Japanese labels pass through); the first line of the file says which.
`standalone=False` gives the frames alone, to `\input` into one's own Beamer
document (which then loads tikz with its arrows.meta library, and luatexja for
Japanese). One step's picture alone is `stepper.frame(k).save_as("step.tex")`.
"""

from __future__ import annotations

import math
import os
from concurrent.futures import ThreadPoolExecutor
from os import PathLike
from pathlib import Path

from autodiff.drawing.diagram import node_sizes
from autodiff.drawing.tikz import (
    bounding_box,
    check_engine,
    document,
    picture,
    tex_text,
    written_for,
)
from autodiff.stepping.frames import Frames
from autodiff.stepping.records import Steps

SLIDE_WIDTH, SLIDE_HEIGHT = 455.24, 256.07
"""A 16:9 Beamer slide (160 mm × 90 mm) in points."""
MARGIN = 11.38
"""The text margins left and right (4 mm)."""
_TEXT_LINE = 9.5  # a \scriptsize line (8 pt type on 9.5 pt)
_CHARS_PER_LINE = 110  # of step text in \scriptsize across the slide, at the most
_TITLE = 30.0  # a frame title and its skip
_SPACE = 14.0  # above and below the picture
_LARGEST_SCALE = 2.0  # a small graph is scaled up to fill the slide, up to this
FRAME_CHARACTERS = 250_000
"""At most this much TeX per frame (but at least one step). pdflatex's main
memory is 5,000,000 words; a frame takes about 5 words per character of its
TeX on top of about 1,400,000 for beamer and TikZ (measured: 300,000
characters, 2,890,000 words)."""


def beamer(stepper: Steps, *, engine: str = "auto", title: str | None = None,
           standalone: bool = True, **draw_options) -> str:
    """The steps of `stepper` as Beamer frames with one overlay per step:
    with `standalone` a whole document, else the frames alone. `title` is the
    frame's title (none by default); `engine` is "auto", "pdflatex" or
    "lualatex" (see `autodiff.drawing.tikz`); draw options as for `Stepper.frame`."""
    if not callable(getattr(stepper, "layout_frame", None)):
        raise TypeError(f"beamer() needs a Stepper, got {type(stepper).__name__}")
    check_engine(engine)
    if title is not None and not isinstance(title, str):
        raise TypeError(f"title must be a str or None, got {type(title).__name__}")
    steps = Frames(stepper, **draw_options)  # their captions and texts
    sizes = node_sizes(stepper.layout_frame(**draw_options))
    diagrams = [stepper.frame(k, sizes=sizes, **draw_options) for k in range(len(stepper))]
    with ThreadPoolExecutor(max_workers=os.cpu_count()) as pool:  # a `dot` per frame
        layouts = list(pool.map(lambda d: d.layout(), diagrams))
    boxes = [bounding_box(layout) for layout in layouts]
    width = max(x1 - x0 for x0, _, x1, _ in boxes)
    height = max(y1 - y0 for _, y0, _, y1 in boxes)
    texts = [[steps.caption(k), *steps.text(k).splitlines()] for k in range(len(stepper))]
    lines = max(sum(math.ceil(max(len(line), 1) / _CHARS_PER_LINE) for line in text)
                for text in texts)
    room = (SLIDE_HEIGHT - 2 * _SPACE - lines * _TEXT_LINE - (_TITLE if title else 0.0))
    scale = min(_LARGEST_SCALE, (SLIDE_WIDTH - 2 * MARGIN - 2.0) / width, max(room, 1.0) / height)

    def write(unicode: bool) -> list[str]:
        heading = f"{{{tex_text(title, unicode=unicode)}}}" if title else ""
        frames: list[list[str]] = []
        size, overlays = FRAME_CHARACTERS, 0
        for diagram, layout, text in zip(diagrams, layouts, texts, strict=True):
            caption, *rest = (tex_text(line, unicode=unicode) for line in text)
            *drawing, end = picture(diagram, layout, unicode=unicode)
            overlay = [f"\\scalebox{{{scale:.4f}}}{{%", *drawing, f"{end}}}\\\\[4pt]",
                       "\\parbox{\\linewidth}{\\raggedright\\scriptsize",
                       f"\\textbf{{{caption}}}" + "".join(f"\\\\\n{line}" for line in rest) + "}}"]
            length = sum(len(line) + 1 for line in overlay)
            if size + length > FRAME_CHARACTERS:  # a new frame
                frames.append([f"\\begin{{frame}}[t]{heading}", "\\centering"])
                size, overlays = 0, 0
            overlays += 1
            frames[-1] += [f"\\only<{overlays}>{{%", *overlay]
            size += length
        return [line for frame in frames for line in (*frame, "\\end{frame}")]

    body, engine = written_for(engine, write)
    if not standalone:
        return "\n".join([f"% {len(stepper)} steps of a Stepper from autodiff "
                          f"(autodiff.stepping.slides); needs tikz and arrows.meta"
                          f"{', luatexja: compile with lualatex' if engine == 'lualatex' else ''}.",
                          *body]) + "\n"
    return document(engine, "\\documentclass[aspectratio=169]{beamer}", [
        "\\setbeamertemplate{navigation symbols}{}",
        f"\\setbeamersize{{text margin left={MARGIN}pt, text margin right={MARGIN}pt}}",
        "\\begin{document}",
        *body,
        "\\end{document}",
    ], comment=f"{len(stepper)} steps of a Stepper from autodiff (autodiff.stepping.slides), "
               "one page each")


def save_beamer(stepper: Steps, path: str | PathLike[str], **options) -> Path:
    """Write `beamer(stepper, **options)` to `path` (.tex); nothing is written
    if writing the slides fails."""
    path = Path(path)
    if path.suffix.lower() != ".tex":
        raise ValueError(f"{path}: Beamer slides are saved as .tex")
    text = beamer(stepper, **options)
    path.write_text(text, encoding="utf-8")
    return path
