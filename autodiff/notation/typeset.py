"""How names and numbers are written in pictures: one place for every diagram
(Graphviz and TikZ) and the network view.

* `format_number(x, spec)`: the one number formatter; a zero is "0", never "-0";
  `check_number_format(spec)` refuses a bad spec before anything is drawn.
* `safe_text(text)`: any str made displayable: control characters shown as
  their escapes (`\\n`, `\\x00`), lone surrogates too, at most `MAX_CHARS`.
* `textbook(label)`: the notation (docs/explanation/notation.md) "u_1^(2)" split into name,
  subscript and superscript, and `unicode_label` writes it with Unicode sub-
  and superscripts, u₁⁽²⁾, which sit inside the line in every renderer (no
  baseline shift that could run into the next line); `delta_label` names the
  gradient at u_j^(l) δ_j^(l); `sample_mark` tells one sample's u₁⁽²⁾ from
  another's: u₁⁽²⁾[n=2].
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from typing import NamedTuple

from autodiff.core import Value

MAX_CHARS = 40
"""Longer labels and scope names are cut to this many characters, ending in "…"."""

_TEXTBOOK = re.compile(r"^([^\W\d_]+)_([0-9A-Za-z,]+)(?:\^\(([0-9A-Za-z+\-]+)\))?$")
_SUBSCRIPTS = dict(zip("0123456789+-=()aehijklmnoprstuvx",
                       "₀₁₂₃₄₅₆₇₈₉₊₋₌₍₎ₐₑₕᵢⱼₖₗₘₙₒₚᵣₛₜᵤᵥₓ", strict=True))
_SUPERSCRIPTS = dict(zip("0123456789+-=()abdeghijklmnoprstuvwxyzABDEGHIJKLMNOPRTUVW",
                         "⁰¹²³⁴⁵⁶⁷⁸⁹⁺⁻⁼⁽⁾ᵃᵇᵈᵉᵍʰⁱʲᵏˡᵐⁿᵒᵖʳˢᵗᵘᵛʷˣʸᶻᴬᴮᴰᴱᴳᴴᴵᴶᴷᴸᴹᴺᴼᴾᴿᵀᵁⱽᵂ",
                         strict=True))
_UNSAFE = re.compile(r"[\x00-\x1f\x7f-\x9f\ud800-\udfff]")


class Textbook(NamedTuple):
    """A label in the notes' notation: name_sub^(sup), e.g. w_12^(2) or x_1."""

    name: str
    sub: str
    sup: str  # without its parentheses; "" when the label has none


def format_number(x: float, spec: str = ".4g") -> str:
    """`format(x, spec)`, except that a number that shows as zero has no sign:
    -0.0 is "0" and -0.00001 with ".2f" is "0.00", never "-0"."""
    text = format(x, spec)
    if text.startswith("-") and math.isfinite(x) and not any(c in "123456789" for c in text):
        return text[1:]
    return text


def check_number_format(spec: object) -> str:
    """`spec` if it formats a float (".4g", ".2f"); else TypeError (not a str) or
    ValueError (format's own message), before anything is drawn or written."""
    if not isinstance(spec, str):
        raise TypeError(f"number_format must be a format spec such as '.4g', got {spec!r}")
    format(1.0, spec)
    return spec


def check_notes(notes: object) -> Mapping[Value, str]:
    """`notes` (nodes -> text written beside them, as `draw` and the Stepper
    take; None for none) as a mapping, or TypeError before anything is drawn."""
    if notes is None:
        return {}
    if not isinstance(notes, Mapping) or not all(
            isinstance(v, Value) and isinstance(t, str) for v, t in notes.items()):
        raise TypeError(f"notes must map Values to str, got {notes!r:.80}")
    return notes


def safe_text(text: str, limit: int = MAX_CHARS) -> str:
    """`text` as it can be shown: C0/C1 control characters and lone surrogates
    written as escapes (a newline as `\\n`), cut to `limit` characters with "…"."""
    shown = _UNSAFE.sub(lambda m: repr(m.group())[1:-1], text)
    return shown if len(shown) <= limit else shown[: limit - 1] + "…"


def textbook(label: str) -> Textbook | None:
    """'u_1^(2)' → Textbook('u', '1', '2'); None if `label` is not in that notation."""
    m = _TEXTBOOK.match(label)
    return Textbook(m.group(1), m.group(2), m.group(3) or "") if m else None


def delta_label(label: str) -> str | None:
    """'u_1^(2)' → 'δ_1^(2)': the notes' name for the gradient ∂E/∂u_j^(l) at a
    unit's pre-activation; None for any other label."""
    parts = textbook(label)
    return "δ" + label[1:] if parts is not None and parts.name == "u" else None


def unicode_label(label: str) -> str:
    """'u_1^(2)' → 'u₁⁽²⁾', 'x_1' → 'x₁'. A label with a character that has no
    Unicode sub- or superscript form, or not in the notation, is kept as it is."""
    parts = textbook(label)
    if parts is None:
        return label
    sub, sup = parts.sub.replace(",", ""), f"({parts.sup})" if parts.sup else ""
    if not all(c in _SUBSCRIPTS for c in sub) or not all(c in _SUPERSCRIPTS for c in sup):
        return label
    subscript = ",".join("".join(_SUBSCRIPTS[c] for c in piece) for piece in parts.sub.split(","))
    return parts.name + subscript + "".join(_SUPERSCRIPTS[c] for c in sup)


def sample_mark(n: int) -> str:
    """'[n=2]': written after a label that several samples' nodes share (the
    n-th sample, counted from 1 as the notes' E_n)."""
    return f"[n={n}]"
