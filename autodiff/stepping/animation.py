"""A Stepper's frames as an animated GIF, for slides: `Stepper(E).save_gif("backprop.gif")`.

Each frame is the diagram (Graphviz's PNG renderer) above its caption, step
text and the step's explanation in words, in the stepper's language
(rendered by Graphviz too, in a monospaced font, so ∂, σ and δ come out as in
the notes); every frame has the same size and the diagram the same place.
`dpi` sets the resolution, diagram and text alike (Graphviz's 96 by default;
200 or more for a projector: the pixel size grows in proportion).
Assembling the GIF needs Pillow, an optional extra: pip install 'autodiff-watch[gif]'.
"""

from __future__ import annotations

import html
import io
import textwrap
from os import PathLike
from pathlib import Path

from autodiff.drawing.diagram import check_dpi
from autodiff.drawing.graph import Diagram
from autodiff.stepping.frames import Frames

INSTALL_PILLOW = ("saving a GIF needs Pillow: pip install 'autodiff-watch[gif]' "
                  "(in this project's checkout: .venv/bin/pip install -e '.[gif]')")


CAPTION_COLUMNS = 100
"""The longest line of step text a GIF frame shows: longer ones wrap at spaces
(never inside a number)."""
CAPTION_LINES = 40
"""The most lines of step text a GIF frame shows: a longer step (the backward step
of log Σ exp over 1,000 operands) ends with a line saying how many are left out
(the HTML player shows them all)."""


def _caption_lines(text: str) -> list[str]:
    """The step's text as a frame shows it: each line wrapped at spaces to
    CAPTION_COLUMNS (continued four spaces further in than it starts), at most
    CAPTION_LINES lines, the last saying how many are left out."""
    lines: list[str] = []
    for line in text.split("\n"):
        if len(line) <= CAPTION_COLUMNS:
            lines.append(line)
            continue
        indent = " " * (len(line) - len(line.lstrip(" ")) + 4)
        lines += textwrap.wrap(line, CAPTION_COLUMNS, subsequent_indent=indent,
                               break_long_words=False, break_on_hyphens=False)
    if len(lines) > CAPTION_LINES:
        left_out = len(lines) - CAPTION_LINES + 1
        lines[CAPTION_LINES - 1:] = [f"… and {left_out:,} more lines (save_html shows them all)"]
    return lines


def _caption_png(caption: str, text: str, dpi: float | None) -> bytes:
    """The caption in bold above the step's text (`_caption_lines`), left-aligned, as PNG."""
    rows = [f"<b>{html.escape(caption)}</b>"] + [html.escape(line)
                                                 for line in _caption_lines(text)]
    label = "<" + '<br align="left"/>'.join(rows) + '<br align="left"/>>'
    g = Diagram(graph_attr={"margin": "0.1", "bgcolor": "white"},
                node_attr={"shape": "plaintext", "fontname": "DejaVu Sans Mono",
                           "fontsize": "13"})
    g.node("caption", label=label)
    return g.run_dot("png", dpi=dpi)


def _with_words(frames: Frames, k: int) -> str:
    """Step k's text, then its explanation (`Step.explanation`)."""
    words = frames.explanation(k)
    return f"{frames.text(k)}\n{words}" if words else frames.text(k)


def save_gif(frames: Frames, path: str | PathLike[str], *, interval_ms: int = 1200,
             hold_ms: int = 3000, dpi: float | None = None) -> Path:
    """Write `frames` to `path` (.gif) as an animation that loops: each frame
    shown `interval_ms`, the last one `hold_ms`, drawn at `dpi` dots per inch.
    Nothing is written if rendering fails."""
    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"{path}: an animation is saved as .gif")
    check_dpi(dpi, "png")
    for name, ms in (("interval_ms", interval_ms), ("hold_ms", hold_ms)):
        if isinstance(ms, bool) or not isinstance(ms, int) or ms <= 0:
            raise ValueError(f"{name} must be a positive int, got {ms!r}")
    try:
        from PIL import Image
    except ImportError:
        raise ImportError(INSTALL_PILLOW) from None

    def on_white(png: bytes) -> Image.Image:
        image = Image.open(io.BytesIO(png)).convert("RGBA")
        return Image.alpha_composite(Image.new("RGBA", image.size, "white"), image).convert("RGB")

    pictures = [on_white(frames.png(k, dpi=dpi)) for k in range(len(frames))]
    captions = [on_white(_caption_png(frames.caption(k), _with_words(frames, k), dpi))
                for k in range(len(frames))]
    width = max(image.width for image in pictures + captions)
    top = max(image.height for image in pictures)
    height = top + max(image.height for image in captions)
    images = []
    for picture, caption in zip(pictures, captions, strict=True):
        canvas = Image.new("RGB", (width, height), "white")
        canvas.paste(picture, ((width - picture.width) // 2, 0))
        canvas.paste(caption, (0, top))
        images.append(canvas.quantize(colors=255, method=Image.Quantize.MEDIANCUT))
    out = io.BytesIO()
    images[0].save(out, format="GIF", save_all=True, append_images=images[1:], loop=0,
                   duration=[interval_ms] * (len(images) - 1) + [hold_ms], optimize=False)
    path.write_bytes(out.getvalue())
    return path
