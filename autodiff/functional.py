"""Gradients as return values: `grad()` (first and higher order) and `zero_grad()`."""

from __future__ import annotations

from collections.abc import Iterable, Sequence

from autodiff.engine import Value, topological_order


def grad(
    output: Value, inputs: Sequence[Value], *, create_graph: bool = False
) -> list[float] | list[Value]:
    """The gradients ∂output/∂x for every x in `inputs`, as a list.

    Reads and writes no `.grad`: the graph is left exactly as it was. An input
    that `output` does not depend on gets 0.

    With `create_graph=False` (the default) the gradients are floats, found
    by the same reverse sweep as `backward()`. With `create_graph=True` they
    are `Value`s whose graphs compute the derivative from the inputs, so they
    can be differentiated again: second derivatives, Hessians, Newton steps.

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
    order = topological_order(output)
    if create_graph:
        return _graph_gradients(output, order, inputs)
    return _float_gradients(output, order, inputs)


def _float_gradients(output: Value, order: list[Value], inputs: list[Value]) -> list[float]:
    """∂output/∂x by reverse accumulation into a dict (not into `.grad`)."""
    adjoint: dict[Value, float] = {output: 1.0}
    for v in reversed(order):
        op = v._op
        if op is None:
            continue
        g = adjoint[v]
        b = v._b.data if op.arity == 2 else v._b
        for x, d in zip(v.inputs, op.partials(v.data, v._a.data, b), strict=True):
            adjoint[x] = adjoint.get(x, 0.0) + d * g
    return [adjoint.get(x, 0.0) for x in inputs]


def _graph_gradients(output: Value, order: list[Value], inputs: list[Value]) -> list[Value]:
    """∂output/∂x as Value graphs: the partials evaluated in Value mode.

    Adjoints start as the float 1.0 and stay floats while they are constants,
    so no node is made for a constant derivative (∂(x + y)/∂x = 1).
    """
    adjoint: dict[Value, Value | float] = {output: 1.0}
    for v in reversed(order):
        op = v._op
        if op is None:
            continue
        g = adjoint[v]
        for x, d in zip(v.inputs, op.partials(v, v._a, v._b), strict=True):
            term = d if type(g) is float and g == 1.0 else g * d
            previous = adjoint.get(x)
            adjoint[x] = term if previous is None else previous + term
    results = []
    for x in inputs:
        g = adjoint.get(x, 0.0)
        results.append(g if isinstance(g, Value) else Value(g))
    return results


def zero_grad(values: Iterable[Value]) -> None:
    """Set `grad` to 0.0 on each of `values` (a parameter list, say).

    To clear every node of a graph instead, call `root.zero_grad()`.
    """
    values = list(values)
    for i, v in enumerate(values):
        if not isinstance(v, Value):
            raise TypeError(f"zero_grad() needs Values; item {i} is {type(v).__name__}")
    for v in values:
        v.grad = 0.0
