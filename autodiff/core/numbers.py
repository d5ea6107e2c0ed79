"""The numbers of many Values at once: read them, or set them all or none.

For tools that replay a graph (autodiff.compiler): reading `v.data` and setting it
one Value at a time checks each number and reports to the watch point, which costs
more than the arithmetic of a compiled step. Here the checks are made once for all.
"""

from __future__ import annotations

from collections.abc import Sequence

from autodiff.core.errors import describe
from autodiff.core.interrupts import uninterrupted
from autodiff.core.node import Node


def numbers_of(values: Sequence[Node]) -> list[float]:
    """The `.data` of each Value, in order."""
    return [v._data for v in values]


def set_numbers(values: Sequence[Node], numbers: list[float], who: str) -> None:
    """Set each Value's `.data` to the float at its position, all or none: every
    number is checked finite first (else ValueError naming `who` and the Value, and
    nothing changes), and the writes are not cut by Ctrl-C."""
    if len(numbers) != len(values):
        raise ValueError(f"{who}: {len(numbers)} numbers for {len(values)} Values")
    kinds = set(map(type, numbers))
    if kinds - {float}:
        raise TypeError(f"{who}: the numbers must be floats, got "
                        f"{', '.join(sorted(k.__name__ for k in kinds - {float}))}")
    total = sum(numbers)
    if total - total != 0.0:  # an inf or nan, or only a sum too large
        for v, x in zip(values, numbers, strict=True):
            if x - x != 0.0:
                raise ValueError(f"{who}: the new number of {describe(v)} would be {x!r}, "
                                 "not a finite float; no number was changed")
    with uninterrupted():
        for v, x in zip(values, numbers, strict=True):
            v._data = x
