"""Hypothesis strategies for property-testing gradients.

    from hypothesis import given
    from autodiff import gradcheck
    from autodiff.strategies import expressions

    @given(expressions())
    def test_my_engine_agrees_with_finite_differences(expr):
        assert gradcheck(expr, expr.inputs).ok

    @given(expressions(operations=[my_primitive]))   # your own operation, shrunk to one step
    def test_my_primitive(expr):
        assert gradcheck(expr, expr.inputs).ok

    @given(expressions(max_outputs=3))               # f: Rⁿ → Rᵐ, for Jacobian checks
    def test_jacobians(expr):
        assert jacobian(expr, expr.inputs, mode="fwd") == approx(jacobian(expr, expr.inputs))

Conventions follow Hypothesis's own: functions returning a `SearchStrategy`,
plural names, keyword-only options validated when the strategy is built.
(`mlps()`, random networks, is `nn.strategies.mlps`: autodiff knows no nn.)

The operations are primitives, read from their records (`autodiff.primitives`),
so a user primitive is drawn like a built-in. Domains hold by construction,
with explicit margins. Hypothesis favours floats near 0 (and since 6.131 also
tries literal constants from the source), so an operand is never left to
chance: where a primitive's `singular_distance` says the drawn operands come
closer than `margin` to a pole, a kink or the edge of its domain, an operand is
shifted by a number (`log(x0 + 1.0)`) until they do not, or the operation is
not used there; results above `bound` in size are squashed by tanh. A
primitive without `singular_distance` is used wherever it evaluates without a
domain error. With the defaults (margin 0.25, inputs in [−2, 2]) every operand
stays 0.25 away from trouble, while the central difference step is at most
∛ε_c·2 ≈ 1.2e-5: a margin some 20 000 steps wide.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

try:
    from hypothesis import strategies as st
    from hypothesis.errors import InvalidArgument
except ImportError as exc:  # pragma: no cover - exercised without Hypothesis only
    raise ImportError(
        "autodiff.strategies needs Hypothesis: .venv/bin/pip install -e '.[test]' in the "
        "checkout (./run test and ./run lab install it)"
    ) from exc

from autodiff.checking.singular import singular_distance
from autodiff.core import Primitive, Value, primitives
from autodiff.core.arithmetic import ADD
from autodiff.notation import write
from autodiff.ops import tanh

__all__ = ["Expression", "Step", "builtin_operations", "expressions", "values"]


OPERATORS_FIRST = ("+", "-", "*", "/", "neg", "**", "relu")
"""Python's operators and relu come before the functions: generated expressions
shrink toward the first operations (toward `+`)."""


def builtin_operations() -> tuple[Primitive, ...]:
    """Every built-in primitive, the operators first (`OPERATORS_FIRST`), then the
    functions in the order they are defined: the default `operations`."""
    rank = {name: i for i, name in enumerate(OPERATORS_FIRST)}
    return tuple(sorted((p for p in primitives.values() if p.builtin),
                        key=lambda p: rank.get(p.name, len(rank))))


def check_number(name: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
        raise InvalidArgument(f"{name}={x!r} must be a finite number")
    return float(x)


def check_positive_ints(**named: object) -> None:
    """InvalidArgument naming the first of the options that is not an int ≥ 1."""
    for name, n in named.items():
        if isinstance(n, bool) or not isinstance(n, int) or n < 1:
            raise InvalidArgument(f"{name}={n!r} must be a positive int")


def values(*, min_value: float = -2.0, max_value: float = 2.0,
           min_magnitude: float = 0.0) -> st.SearchStrategy[float]:
    """Finite floats in [min_value, max_value] with |x| ≥ min_magnitude: inputs
    for `Value`s. No NaN, no infinity, no subnormals."""
    lo, hi = check_number("min_value", min_value), check_number("max_value", max_value)
    mag = check_number("min_magnitude", min_magnitude)
    if lo > hi:
        raise InvalidArgument(f"min_value={lo!r} must not exceed max_value={hi!r}")
    if mag < 0:
        raise InvalidArgument(f"min_magnitude={mag!r} must be ≥ 0")
    parts = []
    if hi >= mag:
        parts.append(st.floats(max(lo, mag), hi, allow_subnormal=False))
    if lo <= -mag:
        parts.append(st.floats(lo, min(hi, -mag), allow_subnormal=False))
    if not parts:
        raise InvalidArgument(f"no number in [{lo!r}, {hi!r}] has magnitude ≥ {mag!r}")
    return st.one_of(parts)


Operand = int | float
"""An operand of a step: an int is the index of an earlier node (the inputs come
first), a float a number folded into the step."""


@dataclass(frozen=True)
class Step:
    """One operation of an `Expression`: the primitive and its operands."""

    primitive: Primitive
    operands: tuple[Operand, ...]


@dataclass(frozen=True)
class Expression:
    """A drawn expression: a straight-line program over Values, a DAG because
    steps reuse earlier results. `expr(*values)` runs it and returns a Value;
    `inputs` are the floats it was drawn for (domains hold there); `str()`
    lists the steps in each primitive's notation."""

    inputs: tuple[float, ...]
    steps: tuple[Step, ...]
    outputs: tuple[int, ...] | None = None
    """None: one output, the last step, and calling returns a Value. Otherwise
    the nodes returned (indices as for `Operand`), and calling returns a tuple."""

    def __call__(self, *args: Value | float) -> Any:
        if len(args) != len(self.inputs):
            raise TypeError(f"this expression takes {len(self.inputs)} inputs, got {len(args)}")
        nodes: list[Value] = [a if isinstance(a, Value) else Value(a) for a in args]
        for step in self.steps:
            nodes.append(step.primitive(*(nodes[o] if type(o) is int else o
                                          for o in step.operands)))
        if self.outputs is None:
            return nodes[-1]
        return tuple(nodes[o] for o in self.outputs)

    def __str__(self) -> str:
        names = [f"x{i}" for i in range(len(self.inputs))]
        given = zip(names, self.inputs, strict=True)
        lines = ["inputs: " + ", ".join(f"{n} = {x!r}" for n, x in given)]
        for k, step in enumerate(self.steps):
            texts = [names[o] if type(o) is int else repr(o) for o in step.operands]
            names.append(f"t{k + 1}")
            lines.append(f"{names[-1]} = {write(step.primitive, *texts)}")
        if self.outputs is not None:
            lines.append("outputs: " + ", ".join(names[o] for o in self.outputs))
        return "\n".join(lines)

    def __repr__(self) -> str:
        outputs = "" if self.outputs is None else f", {len(self.outputs)} outputs"
        return f"Expression({len(self.inputs)} inputs, {len(self.steps)} steps{outputs})"


_SHIFTS = tuple(sign * k for k in (1, 2, 3, 4, 6, 8) for sign in (1, -1))  # × margin


def _far_enough(op: Primitive, operands: list[float], margin: float) -> bool:
    distance = singular_distance(op)
    try:
        return distance is None or distance(*operands) >= margin
    except (ValueError, ArithmeticError):
        return False


def _evaluated(op: Primitive, operands: list[float]) -> Value | None:
    """op at these operands (as fresh Values), or None where it or one of its local
    derivatives fails: a domain error, an overflow."""
    try:
        node = op(*(Value(x) for x in operands))
        node.partials()
    except (ValueError, ArithmeticError):
        return None
    return node


@st.composite
def _expressions(draw, n_inputs, elements, max_steps, operations, margin, bound,
                 n_outputs=None) -> Expression:
    k = draw(n_inputs)
    inputs = tuple(draw(elements) for _ in range(k))
    for x in inputs:
        if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x):
            raise InvalidArgument(f"elements drew {x!r}: expressions need finite numbers")
    data = [float(x) for x in inputs]
    steps: list[Step] = []

    def add(step: Step, value: float) -> int:
        steps.append(step)
        data.append(value)
        return len(data) - 1

    for _ in range(draw(st.integers(1, max_steps))):
        op = draw(st.sampled_from(operations))
        arity = op.arity if op.arity is not None else draw(st.integers(1, 3))
        # operands: earlier nodes (a DAG), counted back from the newest so that
        # examples shrink towards chains of recent results, or folded numbers
        operands: list[Operand] = []
        for position in range(arity):
            if arity > 1 and position > 0 and draw(st.booleans()):
                operands.append(float(draw(elements)))
            else:
                operands.append(len(data) - 1 - draw(st.integers(0, len(data) - 1)))
        values_ = [data[o] if type(o) is int else o for o in operands]
        if not _far_enough(op, values_, margin):
            fixed = _shifted(op, operands, values_, margin, data)
            if fixed is None:
                continue
            for position, shifted, shift in fixed:
                index = add(Step(ADD, (shifted, shift)), data[shifted] + shift)
                operands[position] = index
                values_[position] = data[index]
        result = _evaluated(op, values_)
        if result is None:
            continue
        index = add(Step(op, tuple(operands)), result.data)
        if abs(result.data) > bound:
            add(Step(tanh, (index,)), math.tanh(result.data))
    if not steps:  # every drawn operation was unsafe: fall back to a product
        steps.append(Step(primitives["*"], (0, k - 1)))
    if n_outputs is None:
        return Expression(inputs, tuple(steps))
    # the last step, then distinct earlier nodes counted back from the newest (so
    # that examples shrink towards recent results), repeats once none is left
    nodes = list(range(k + len(steps) - 1, -1, -1))
    outputs = [nodes.pop(0)]
    for _ in range(draw(n_outputs) - 1):
        outputs.append(nodes.pop(draw(st.integers(0, len(nodes) - 1))) if nodes
                       else outputs[draw(st.integers(0, len(outputs) - 1))])
    return Expression(inputs, tuple(steps), tuple(outputs))


def _shifted(op: Primitive, operands: list[Operand], values_: list[float], margin: float,
             data: list[float]) -> list[tuple[int, int, float]] | None:
    """One node operand moved by a multiple of margin so that op is far enough from
    its singular points: [(position, node, shift)], or None if no shift helps."""
    for position in reversed(range(len(operands))):
        node = operands[position]
        if type(node) is not int:
            continue
        for k in _SHIFTS:
            shift = k * margin
            trial = [*values_[:position], data[node] + shift, *values_[position + 1:]]
            if _far_enough(op, trial, margin):
                return [(position, node, shift)]
    return None


def expressions(*, min_inputs: int = 1, max_inputs: int = 3,
                elements: st.SearchStrategy[float] | None = None, max_steps: int = 8,
                operations: Sequence[Primitive | str] | None = None, margin: float = 0.25,
                bound: float = 20.0, min_outputs: int = 1,
                max_outputs: int = 1) -> st.SearchStrategy[Expression]:
    """Random differentiable expressions of `min_inputs` to `max_inputs`
    inputs drawn from `elements` (default `values()`, floats in [−2, 2]):
    DAGs of 1 to `max_steps` operations drawn from `operations` (primitives or
    their names; default every built-in primitive), whose operands are earlier
    nodes or numbers drawn from `elements`, each at least `margin` away from
    the primitive's poles, kinks and domain edges at `expr.inputs` (shifted by
    a multiple of margin where it would not be), and every step's value at
    most `bound` in size (squashed by tanh where it would not be).

    With `max_outputs` > 1 the expressions are functions Rⁿ → Rᵐ with m from
    `min_outputs` to `max_outputs`, for Jacobian checks: `expr(*values)`
    returns a tuple of m Values, the last step and distinct earlier nodes
    (inputs possibly among them; a node repeats only when there are fewer
    nodes than outputs). With `max_outputs` = 1 (the default) it returns one
    Value."""
    check_positive_ints(min_inputs=min_inputs, max_inputs=max_inputs, max_steps=max_steps,
                        min_outputs=min_outputs, max_outputs=max_outputs)
    if min_inputs > max_inputs:
        raise InvalidArgument(f"min_inputs={min_inputs} exceeds max_inputs={max_inputs}")
    if min_outputs > max_outputs:
        raise InvalidArgument(f"min_outputs={min_outputs} exceeds max_outputs={max_outputs}")
    ops = builtin_operations() if operations is None else _primitives(operations)
    if not check_number("margin", margin) > 0 or not check_number("bound", bound) > 1:
        raise InvalidArgument("margin must be > 0 and bound > 1")
    if elements is None:
        elements = values()
    elif not isinstance(elements, st.SearchStrategy):
        raise InvalidArgument(f"elements={elements!r} must be a SearchStrategy of floats")
    return _expressions(st.integers(min_inputs, max_inputs), elements, max_steps, ops,
                        margin, bound,
                        None if max_outputs == 1 else st.integers(min_outputs, max_outputs))


def _primitives(operations: object) -> tuple[Primitive, ...]:
    if isinstance(operations, str | Primitive) or not isinstance(operations, Sequence):
        raise InvalidArgument(f"operations={operations!r} must be a list of primitives "
                              "or primitive names")
    found = []
    for op in operations:
        if isinstance(op, str):
            if op not in primitives:
                raise InvalidArgument(f"operations: unknown primitive {op!r}; known: "
                                      f"{', '.join(primitives)}")
            op = primitives[op]
        if not isinstance(op, Primitive):
            raise InvalidArgument(f"operations: {op!r} is not a primitive")
        found.append(op)
    if not found:
        raise InvalidArgument("operations must not be empty")
    return tuple(found)
