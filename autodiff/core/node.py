"""How a node of the graph is laid out: the slots every `Value` has.

A node is one `__slots__` object, so a graph of a million nodes costs about
120 bytes a node and holds no reference cycle (it is freed by reference counting
as soon as its last outside reference goes):

* `_data`: the node's number (a finite float); `_grad`: ∂E/∂(node) as the last
  `backward()` left it; `_adjoint`: the running ∂E/∂(node) of the sweep under
  way (autodiff.core.sweep), never seen by users;
* `_op`: the node's *form* (autodiff.core.primitive): the primitive that made it
  and how its operands are laid out, or None for a leaf;
* `_a`, `_b`: the operands. One or two Value operands live in the two slots; a
  Python number operand is folded in (`x - 1` is one node, `_a` = x and
  `_b` = 1.0); three or more operands are one tuple in `_a`;
* `label`, `scope`: a name for display, and the `autodiff.scope` the node was
  made in.

The sweep reads only this layout, so it needs nothing else of `Value`.
"""

from __future__ import annotations

from typing import Any


class Node:
    """The slots of a graph node (see the module's docstring); `Value` is the class
    users see."""

    __slots__ = ("_a", "_adjoint", "_b", "_data", "_grad", "_op", "label", "scope")

    _a: Any
    _adjoint: float
    _b: Any
    _data: float
    _grad: float
    _op: Any
    label: str
    scope: str
