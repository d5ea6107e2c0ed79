"""The seed notes' labels: u_j^(l), w_ji^(l), z_j^(l), x_1, ...

A label of the form name_sub or name_sub^(sup) is written with a subscript
and a superscript by the tools (`autodiff.drawing`); a unit's pre-activation
u_j^(l) has the gradient δ_j^(l) = ∂E/∂u_j^(l), and the tools call it so.
"""

from __future__ import annotations

import re

TEXTBOOK_LABEL = re.compile(r"^([^\W\d_]+)_([0-9A-Za-z,]+)(?:\^\((\w+)\))?$")
"""name_sub or name_sub^(sup): groups name, sub and sup (None when absent)."""


def delta_label(label: str) -> str | None:
    """'u_1^(2)' → 'δ_1^(2)', the notes' name for the gradient at u_j^(l);
    None for any other label."""
    m = TEXTBOOK_LABEL.match(label)
    if m and m.group(1) == "u":
        return "δ" + label[1:]
    return None
