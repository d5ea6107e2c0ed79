"""Gradients as return values: `grad()` (first and higher order), `zero_grad()`, and
`graph_gradients`, the reverse sweep with Values for derivatives that can be differentiated
again."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from typing import Literal, overload

from autodiff.calculus.collector import no_full_gc
from autodiff.core import Value, receivers, reverse_sweep, topological_order, uninterrupted
from autodiff.core.errors import operands


@overload
def grad(output: Value, inputs: Sequence[Value], *,
         create_graph: Literal[False] = False) -> list[float]: ...
@overload
def grad(output: Value, inputs: Sequence[Value], *, create_graph: Literal[True]) -> list[Value]: ...
def grad(
    output: Value, inputs: Sequence[Value], *, create_graph: bool = False
) -> list[float] | list[Value]:
    """The gradients ∂output/∂x for every x in `inputs`, as a list.

    Leaves every `.grad` exactly as it was. An input that `output` does not
    depend on gets 0.

    With `create_graph=False` (the default) the gradients are floats, found
    by the sweep `backward()` runs. With `create_graph=True` they are
    `Value`s whose graphs compute the derivative from the inputs, so they can
    be differentiated again: second derivatives, Hessians, Newton steps.

    >>> x = Value(2.0)
    >>> (dx,) = grad(x**3, [x], create_graph=True)
    >>> grad(dx, [x])
    [12.0]
    """
    if not isinstance(output, Value):
        raise TypeError(f"grad() needs a Value as output, got {type(output).__name__}")
    inputs = list(inputs)
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"grad() inputs must be Values; inputs[{i}] is {type(x).__name__}")
    if create_graph:
        return graph_gradients(output, inputs)
    gradients = reverse_sweep(output)
    return [gradients.get(x, 0.0) for x in inputs]


def zero_grad(values: Iterable[Value]) -> None:
    """Set `grad` to 0.0 on each of `values` (a parameter list, say).

    To clear every node of a graph instead, call `root.zero_grad()`.
    """
    values = list(values)
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"zero_grad() needs Values; item {i} is {type(v).__name__}")
    with uninterrupted():
        for v in values:
            v.grad = 0.0


def graph_gradients(root: Value, inputs: Sequence[Value]) -> list[Value]:
    """∂root/∂x for every x in `inputs` as Value graphs, so they can be
    differentiated again: the same reverse order, the primitives' `partials`
    evaluated with Values. The float partials are checked first, so a derivative
    that is not finite fails here exactly as in `backward()`.

    Adjoints start as the float 1.0 and stay floats while they are constants,
    so no node is made for a constant derivative (∂(x + y)/∂x = 1).
    """
    with no_full_gc():  # a graph of the derivative, built here: linear cost
        return _graph_gradients(root, inputs)


def _graph_gradients(root: Value, inputs: Sequence[Value]) -> list[Value]:
    adjoint: dict[Value, Value | float] = {root: 1.0}
    for v in reversed(topological_order(root)):
        g = adjoint.get(v)
        if v.primitive is None or g is None:
            continue
        locals_ = v.partials(create_graph=True)
        _agree(v, v.partials(), locals_)
        for x, local in zip(v.inputs, locals_, strict=True):
            term = local if type(g) is float and g == 1.0 else g * local
            previous = adjoint.get(x)
            adjoint[x] = term if previous is None else previous + term
    return [g if isinstance(g, Value) else Value(g)
            for g in (adjoint.get(x, 0.0) for x in inputs)]


_PARTIALS_TOLERANCE = 1e-9
"""How far a primitive's partials may differ between float and Value mode: relative
to the larger in size, absolute for derivatives smaller than 1 (math.isclose with
rel_tol = abs_tol = 1e-9). Rounding differs by far less; more is a wrong definition."""


def _agree(v: Value, floats: Sequence[float], locals_: Sequence[Value | float]) -> None:
    """The derivatives of v by its Value operands, from `partials` in float mode and in
    Value mode, are the same numbers (within `_PARTIALS_TOLERANCE`); else a ValueError
    naming the primitive, the operand and both numbers. A `partials` that reads
    `.data`, or another graph, gives `backward()` one number and
    `grad(create_graph=True)` another."""
    for i, (d, local) in enumerate(zip(floats, locals_, strict=True)):
        e = local.data if isinstance(local, Value) else local
        if d != e and not math.isclose(d, e, rel_tol=_PARTIALS_TOLERANCE,
                                        abs_tol=_PARTIALS_TOLERANCE):
            args = v.args
            position = receivers(v)[i]
            raise ValueError(
                f"{v.op}: its partials give the derivative by operand {position + 1} as "
                f"{d!r} with floats (backward) but {e!r} with Values "
                f"(grad(create_graph=True)), at "
                f"{operands(args)}; partials must compute the same derivative in both "
                "modes (use operators and autodiff.ops on the operands it receives, not "
                ".data or Values of another graph)")
