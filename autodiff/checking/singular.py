"""Where each primitive is singular: how far its operands are from the nearest point where
the operation is undefined or not differentiable.

`singular_distance(prim)(*floats)` is that distance (≤ 0 outside the domain), or
None where it is unknown; `autodiff.strategies` draws points away from such
places, and gradcheck names them. The built-ins' are below; a user's primitive
gives `singular_distance=` to `autodiff.primitive(...)`, which hands it here.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

from autodiff import functions as p
from autodiff.core import Primitive
from autodiff.functions import Rule, rule_keyword

SINGULAR_DISTANCES: dict[Primitive, Callable[..., float]] = {
    p.div: lambda a, b: abs(b),
    p.pow: lambda a, b: a,
    p.relu: abs,
    p.log: lambda a: a,
    p.sqrt: lambda a: a,
    p.tan: lambda a: math.fabs(math.cos(a)),
    p.asin: lambda a: 1.0 - math.fabs(a),
    p.acos: lambda a: 1.0 - math.fabs(a),
    p.abs: math.fabs,
    p.maximum: lambda a, b: math.fabs(a - b),
    p.minimum: lambda a, b: math.fabs(a - b),
}


def singular_distance(prim: Primitive) -> Callable[..., float] | None:
    """prim's distance to its nearest singular point, as a function of the operands'
    floats; None where unknown."""
    return SINGULAR_DISTANCES.get(prim)


def _check(name: str, arity: int | None, fn: Any) -> None:
    if not callable(fn):
        raise TypeError(f"primitive({name!r}): singular_distance must be callable or None")


rule_keyword("singular_distance", Rule(_check, SINGULAR_DISTANCES.__setitem__))
