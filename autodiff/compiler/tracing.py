"""Recording one run of a program as a graph that can be replayed with other numbers.

`record(fn, args)` calls `fn` once with a leaf `Value` for every number of its
arguments (nested lists and tuples of numbers and Values) and keeps what the
replay needs: the graph of the loss (and of any other Values `fn` returns), the
inputs, the Values that existed before the call (parameters: the replay reads
their numbers afresh and adds their gradients), and every comparison of Values
the program made (`Guard`), so that a replay can tell when the program would
have taken another branch.

A program that reads a number (`.data`, `float()`, a float gradient) cannot be
replayed: the recording raises `TraceError` naming the line, since the number
it read may have decided what was built. Everything `fn` does in Python with
other state (a random draw, a counter) is recorded as it happened, as in every
tracing compiler.
"""

from __future__ import annotations

import inspect
import itertools
import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from numbers import Real
from typing import Any

from autodiff.core import Number, Value, scope, topological_order
from autodiff.core.hooks import Watcher, watch

Shape = Any
"""The structure of arguments or results, one entry per argument: "n" a number,
"v" a Value, (type, n) a list or tuple of n numbers, (type, row_type, lengths)
a list or tuple of lists or tuples of numbers (a matrix, a minibatch), and
(type, entries) any other list or tuple. NumPy arrays count as nested lists."""


class TraceError(TypeError):
    """A program cannot be compiled: it uses the numbers of its Values in Python."""


@dataclass(frozen=True)
class Guard:
    """A comparison `a op b` the program made while recorded, and its result."""

    a: Value
    op: str
    b: Value | Number
    result: bool
    where: str

    @property
    def operands(self) -> tuple[Value, ...]:
        """The Values compared: a, and b where it is one."""
        return (self.a, self.b) if isinstance(self.b, Value) else (self.a,)


def flatten(args: Sequence[object], numbers: list[float], values: list[Value]) -> Shape:
    """The shape of args (a list or tuple, nesting allowed), appending its numbers
    (as floats) to `numbers` and its Values to `values`, depth first."""
    return tuple(_entry(x, numbers, values, f"[{i}]") for i, x in enumerate(args))


def _entry(x: object, numbers: list[float], values: list[Value], path: str) -> Shape:
    kind = type(x)
    if kind is float:
        numbers.append(x)  # type: ignore[arg-type]
        return "n"
    if isinstance(x, list | tuple) and (kind is list or kind is tuple):
        rows = set(map(type, x))
        if rows == {float}:  # the fast paths: a row of floats, a matrix of floats
            numbers.extend(x)
            return (kind, len(x))
        if len(rows) == 1 and (row := rows.pop()) in (list, tuple):
            flat: list[Any] = list(itertools.chain.from_iterable(x))
            if set(map(type, flat)) == {float}:
                numbers.extend(flat)
                return (kind, row, tuple(map(len, x)))
        entries = tuple(_entry(y, numbers, values, f"{path}[{i}]") for i, y in enumerate(x))
        return _canonical(kind, entries)
    if isinstance(x, Value):
        values.append(x)
        return "v"
    if isinstance(x, Real) and not isinstance(x, bool):
        try:
            numbers.append(float(x))
        except OverflowError:
            raise OverflowError(f"argument{path}: the number is too large for a float"
                                ) from None
        return "n"
    if type(x).__module__ == "numpy" and hasattr(x, "tolist"):
        return _entry(x.tolist(), numbers, values, path)  # an array, as nested lists
    raise TypeError(f"argument{path}: a compiled function takes numbers, Values and lists "
                    f"or tuples of them, got {type(x).__name__}")


def _canonical(kind: type, entries: tuple[Shape, ...]) -> Shape:
    """The one encoding of a list or tuple whatever path found its entries."""
    if all(e == "n" for e in entries):
        return (kind, len(entries))
    if entries and all(isinstance(e, tuple) and len(e) == 2 and isinstance(e[1], int)
                       for e in entries) and len({e[0] for e in entries}) == 1:
        return (kind, entries[0][0], tuple(e[1] for e in entries))
    return (kind, entries)


def leaves(shape: Shape, names: Sequence[str] = ()) -> list[tuple[str, str]]:
    """(kind, name) of every leaf of shape, depth first: "n" or "v", and a name
    from `names` (one per argument) with the indices, as in "xs[3][1]"."""
    found: list[tuple[str, str]] = []

    def walk(entry: Shape, name: str) -> None:
        if isinstance(entry, str):
            found.append((entry, name))
        elif isinstance(entry[1], int):
            found.extend(("n", f"{name}[{i}]") for i in range(entry[1]))
        elif len(entry) == 3:
            for i, n in enumerate(entry[2]):
                found.extend(("n", f"{name}[{i}][{j}]") for j in range(n))
        else:
            for i, e in enumerate(entry[1]):
                walk(e, f"{name}[{i}]")

    for i, entry in enumerate(shape):
        walk(entry, names[i] if i < len(names) else f"arg{i}")
    return found


def argument_names(fn: Callable[..., object]) -> list[str]:
    """The names of fn's positional parameters (a *args parameter: arg0, arg1, ...)."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return []
    return [p.name for p in params if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]


def rebuild(shape: Shape, items: Sequence[Any]) -> list[Any]:
    """The inverse of `flatten`: the arguments of shape, their leaves from `items`
    in order."""
    it = iter(items)

    def build(entry: Shape) -> Any:
        if isinstance(entry, str):
            return next(it)
        kind = entry[0]
        if isinstance(entry[1], int):
            return kind(itertools.islice(it, entry[1]))
        if len(entry) == 3:
            return kind(entry[1](itertools.islice(it, n)) for n in entry[2])
        return kind(build(e) for e in entry[1])

    return [build(entry) for entry in shape]


@dataclass
class Trace:
    """One recorded run: what a compiled program computes."""

    fn: Callable[..., object]
    shape: Shape                   # of the arguments
    inputs: list[Value]            # a leaf per number of the arguments, in order
    arguments: list[Value]         # the Values passed as arguments, in order
    loss: Value
    results: list[Value]           # the other Values returned, flattened
    result_shape: Shape | None     # their structure; None if fn returned the loss only
    guards: list[Guard]
    marker: str                    # the scope of the nodes made while recording
    loss_order: list[Value] = field(default_factory=list)   # topological_order(loss)
    order: list[Value] = field(default_factory=list)        # every node the replay needs
    captured: list[Value] = field(default_factory=list)     # existing Values the graph reads
    reads: list[Value] = field(default_factory=list)        # the arguments, then the other
    # captured Values: whose numbers a replay reads (P), in order
    target_slots: list[int] = field(default_factory=list)   # the reads whose gradients a
    # replay adds, in order, each Value once
    needs_grad: dict[Value, bool] = field(default_factory=dict)  # per node of loss_order:
    # does ∂loss/∂v reach an existing Value (is v̄ computed)?

    def existing(self, v: Value) -> bool:
        """Is v a Value from outside this run (an argument or one that existed before),
        not one made while recording? Its number is read at every replay, and its
        gradient added, as backward() does."""
        return not (v.scope == self.marker or v.scope.startswith(self.marker + "/"))


class _Recorder(Watcher):
    def __init__(self) -> None:
        self.guards: list[Guard] = []
        self.refused: TraceError | None = None  # kept in case the program swallows it

    def compared(self, a: Value, op: str, b: Value | Number, result: bool) -> None:
        self.guards.append(Guard(a, op, b, result, _caller()))

    def used(self, v: Value, how: str) -> None:
        shown = f" ({v.label})" if v.label else ""
        self.refused = TraceError(
            f"autodiff.compile: the program uses a number while it is recorded: "
            f"{how} of a Value{shown} at {_caller()}. A compiled program replays the "
            "graph with other numbers, so it cannot depend on them in Python; use "
            "primitives that decide per step (relu, abs, ops.maximum, ops.minimum, "
            "softplus, log_sum_exp), compare Values (recorded and checked at every "
            "step), or read numbers from what the compiled function returns.")
        raise self.refused


def _caller() -> str:
    """The innermost frame outside autodiff, as "file:line (function)"."""
    frame = sys._getframe(1)
    while frame is not None:
        module = frame.f_globals.get("__name__", "")
        if not (module == "autodiff" or module.startswith("autodiff.")):
            return f"{frame.f_code.co_filename}:{frame.f_lineno} ({frame.f_code.co_name})"
        frame = frame.f_back  # type: ignore[assignment]
    return "<unknown>"


_markers = itertools.count(1)


def record(fn: Callable[..., object], args: Sequence[object]) -> Trace:
    """Run fn(*args) once with a leaf Value for every number and keep the graph."""
    marker = f"autodiff.compile#{next(_markers)}"
    recorder = _Recorder()
    with scope(marker):
        shape, call_args, inputs, arguments = with_leaves(fn, args)
        with watch(recorder):
            try:
                out = fn(*call_args)
            except TraceError:
                raise
            except Exception as exc:
                if recorder.refused is not None:
                    raise recorder.refused from exc
                exc.add_note("(while autodiff.compile recorded the program, with a leaf "
                             "Value in place of every number of its arguments)")
                raise
        if recorder.refused is not None:  # the program caught it and went on
            raise recorder.refused
    loss, results, result_shape = split_result(out)
    trace = Trace(fn, shape, inputs, arguments, loss, results, result_shape,
                  recorder.guards, marker)
    _order(trace)
    return trace


def with_leaves(fn: Callable[..., object], args: Sequence[object]
                ) -> tuple[Shape, list[Any], list[Value], list[Value]]:
    """How a compiled program calls fn: args with a new leaf Value in place of every
    number. Returns the shape of args, the arguments to call fn with, the leaves
    (one per number, in order) and the Values among args. ValueError naming the
    argument where a number is not finite (no Value holds it)."""
    numbers: list[float] = []
    arguments: list[Value] = []
    shape = flatten(args, numbers, arguments)
    kinds = leaves(shape, argument_names(fn))
    if not all(map(math.isfinite, numbers)):
        names = [name for kind, name in kinds if kind == "n"]
        i = next(i for i, x in enumerate(numbers) if not math.isfinite(x))
        raise ValueError(f"autodiff.compile: argument {names[i]} is {numbers[i]!r}; the "
                         "arguments must be finite numbers (each becomes a leaf Value)")
    inputs = [Value(x) for x in numbers]
    made, given = iter(inputs), iter(arguments)
    call_args = rebuild(shape, [next(made) if kind == "n" else next(given)
                                for kind, _ in kinds])
    return shape, call_args, inputs, arguments


def split_result(out: object) -> tuple[Value, list[Value], Shape | None]:
    """fn's result: the loss Value, or a tuple (loss, other Values in lists and tuples)."""
    if isinstance(out, Value):
        return out, [], None
    if isinstance(out, tuple) and len(out) == 2 and isinstance(out[0], Value):
        numbers: list[float] = []
        results: list[Value] = []
        extra = out[1]
        shape = flatten([extra], numbers, results)
        if numbers:
            raise TypeError("autodiff.compile: the program returned numbers besides its "
                            "Values; return Values only (their numbers are computed at "
                            "every step)")
        return out[0], results, shape
    raise TypeError(f"autodiff.compile: the program must return a Value (the loss) or a "
                    f"tuple (loss, Values), got {type(out).__name__}")


def _order(trace: Trace) -> None:
    """The replay's nodes: the guards' operands first (so a changed branch is seen
    before anything of it is computed), then the loss's graph, then the results';
    what it reads and which gradients it computes."""
    trace.loss_order = topological_order(trace.loss)
    guarded = [x for g in trace.guards for x in g.operands]
    trace.order = topological_order([*guarded, trace.loss, *trace.results])
    trace.captured = [v for v in trace.order if trace.existing(v)]
    given = set(trace.arguments)
    trace.reads = [*trace.arguments, *(v for v in trace.captured if v not in given)]
    existing = set(trace.captured)
    needs = trace.needs_grad
    for v in trace.loss_order:
        needs[v] = v in existing or any(needs[x] for x in v.inputs)
    seen: set[Value] = set()
    for slot, v in enumerate(trace.reads):
        if needs.get(v, False) and v not in seen:
            trace.target_slots.append(slot)
        seen.add(v)
