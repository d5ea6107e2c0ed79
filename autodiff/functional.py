"""Gradients as return values: `grad()` (first and higher order) and `zero_grad()`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Literal, overload

from autodiff.engine import Value, graph_gradients, reverse_sweep
from autodiff.interrupts import uninterrupted


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
