"""`autodiff.compile`: record a program's graph once, replay it as generated code.

    >>> from autodiff import Value, compile, ops
    >>> x1, x2 = Value(2.0, "x1"), Value(5.0, "x2")
    >>> f = compile(lambda: ops.log(x1) + x1 * x2 - ops.sin(x2))
    >>> round(f(), 3), x1.grad, round(x2.grad, 3)    # f(x1, x2), and ∂f/∂x added
    (11.652, 5.5, 1.716)

`step = compile(fn, *example_args)` records `fn` once: every number of the
arguments (nested lists and tuples of numbers) becomes a leaf Value, and the
graph `fn` builds is written as a Python function, the evaluation trace and the
adjoint trace (`print(step)` shows it). `step(*args)` then does what
`fn(*args)` followed by `loss.backward()` does, with new numbers: it returns
the loss as a float (or `(loss, results)`, the other Values `fn` returns as
floats, when `fn` returns a tuple) and adds ∂loss/∂v into `v.grad` for every
Value v that existed before the call or is passed as an argument (the model's
parameters, say); bit for bit the interpreter's numbers, with the Python
backend.

What replays, and what does not:

* The branches of `relu`, `abs`, `ops.maximum`, `ops.minimum`, `softplus` and
  `log_sum_exp` are decided at every step: they are primitives.
* A comparison of Values in Python (`if u > 0:`) is recorded with its result;
  every replay evaluates it again, and where it comes out otherwise the
  program is recorded anew for the new branch (up to `max_traces` programs per
  shape of the arguments; then `TraceError`).
* A program that reads a number in Python (`.data`, `float()`, a float
  gradient) is refused when it is recorded (`TraceError`, naming the line).
* A new shape of the arguments (another batch size) is recorded anew. Values
  passed as arguments are told apart by identity: a program reads and adds
  gradients to those very objects, so new Value objects are recorded anew.
  At most `max_traces` programs are kept per shape of the arguments (the
  oldest for other Values are dropped first), and a `RetraceWarning` says so,
  once, when more than half of the calls recorded. To have one program
  reused, pass what changes from step to step as numbers (floats, lists,
  NumPy arrays), and the Values whose gradients you want (parameters) as the
  same objects at every call, or let `fn` read them from its closure:
  `compile(lambda x, d: loss(model(x), d), x0, d0)`, not
  `step([Value(x) for x in xs])` with new Values each time.
* Python state the program reads (a random draw, a global) is recorded as it
  was: the program must be a function of its arguments and of Values.
* A domain error or an overflow at some step reruns that step in the
  interpreter, which raises its own error (same type and message) and leaves
  every `.grad` as it was. Only what the results depend on is computed: a
  value the program makes and then drops is not, nor its domain errors.

Higher order: a program may call `grad(..., create_graph=True)`; the compiled
step differentiates the resulting graph once more (a gradient penalty, a
Hessian-vector product), bit for bit as `backward()` on it would.
"""

from __future__ import annotations

import threading
import time
import warnings
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from operator import attrgetter
from typing import Any

from autodiff.compiler.python_backend import Changed, Program, write
from autodiff.compiler.tracing import (
    Trace,
    TraceError,
    flatten,
    rebuild,
    record,
    split_result,
    with_leaves,
)
from autodiff.core import Value, set_grads
from autodiff.core.collector import no_full_gc

__all__ = ["Compiled", "RetraceWarning", "TraceError", "compile"]

_data = attrgetter("data")


class RetraceWarning(UserWarning):
    """A compiled function records a program at most calls, because it is called
    with new Value objects as arguments: slower than the interpreter."""


@dataclass
class _Variant:
    """One recorded program, ready to run."""

    trace_guards: list[str]
    program: Program
    run_program: Callable[[Sequence[float], Sequence[float]], Any]
    reads: list[Value]
    targets: list[Value]
    result_shape: Any

    def run(self, numbers: list[float]) -> Any:
        loss, results, grads = self.run_program(numbers, list(map(_data, self.reads)))
        set_grads(self.targets, [v.grad + g for v, g in zip(self.targets, grads, strict=True)],
                  "a compiled step")
        if self.result_shape is None:
            return loss
        return loss, rebuild(self.result_shape, results)[0]


class Compiled:
    """A compiled program: call it as the program, print it to read it.

    `source` is the Python source of the most recent program, `calls` how many
    calls it served, `traces` how many programs were recorded, `compile_seconds`
    the time spent recording and compiling them, `programs` how many are kept
    (at most `max_traces` per shape of the arguments), and `interpreted` how
    many calls the interpreter served (after a domain error, an overflow or an
    unusual primitive result, or where a program recorded anew for a changed
    branch took yet another one)."""

    def __init__(self, fn: Callable[..., object], *, backend: str = "python",
                 inline: bool = True, max_traces: int = 8) -> None:
        if not callable(fn):
            raise TypeError(f"compile() needs a function, got {type(fn).__name__}")
        if backend not in _BACKEND:
            raise ValueError(f"compile(): backend must be one of {', '.join(_BACKEND)}, "
                             f"got {backend!r}")
        if isinstance(max_traces, bool) or not isinstance(max_traces, int) or max_traces < 1:
            raise ValueError(f"compile(): max_traces must be a positive int, got "
                             f"{max_traces!r}")
        self.fn = fn
        self.backend = backend
        self.inline = inline
        self.max_traces = max_traces
        self.calls = 0
        self.traces = 0
        self.interpreted = 0
        self._warned = False
        self.compile_seconds = 0.0
        self._variants: dict[Any, list[_Variant]] = {}
        self._latest: _Variant | None = None
        self._lock = threading.Lock()

    # -- calling ---------------------------------------------------------------------

    def __call__(self, *args: object) -> Any:
        self.calls += 1
        numbers: list[float] = []
        key = _key(args, numbers)
        variants = self._variants.get(key)
        if variants is None:
            variants = self._trace(key, args)
        for variant in [*reversed(variants), None]:
            try:
                if variant is None:  # every recorded program took other branches
                    variant = self._retrace(key, args, variants)
                return variant.run(numbers)
            except Changed:
                continue
            except TraceError:
                raise
            except Exception:
                return self._interpret(args)
        return self._interpret(args)  # recorded just now, and yet another branch

    def _interpret(self, args: Sequence[object]) -> Any:
        """The step as the interpreter runs it, with a leaf Value for every number
        of the arguments as when recorded: its numbers, or its error."""
        self.interpreted += 1
        call_args = with_leaves(self.fn, args)[1]
        with no_full_gc():  # a graph of Values has no cycles: no full collections
            loss, results, shape = split_result(self.fn(*call_args))
            loss.backward()
        if shape is None:
            return loss.data
        return loss.data, rebuild(shape, [r.data for r in results])[0]

    # -- recording -------------------------------------------------------------------

    def _trace(self, key: Any, args: Sequence[object]) -> list[_Variant]:
        with self._lock:
            variants = self._variants.get(key)
            if variants is None:
                variant = self._compile(args)
                self._make_room(key, 1)
                variants = self._variants[key] = [variant]
            return variants

    def _retrace(self, key: Any, args: Sequence[object], variants: list[_Variant]
                 ) -> _Variant:
        with self._lock:
            if len(variants) >= self.max_traces:
                where = sorted({g for v in variants for g in v.trace_guards})
                raise TraceError(
                    f"autodiff.compile: at a comparison of Values the program took another "
                    f"branch than in each of the {len(variants)} programs recorded for "
                    f"arguments of this shape (max_traces={self.max_traces}); comparisons "
                    f"at: {'; '.join(where)}. Decide per step with primitives (relu, abs, "
                    "ops.maximum, ops.minimum) instead, or raise max_traces.")
            variant = self._compile(args)
            self._make_room(key, len(variants) + 1)
            variants.append(variant)
            self._variants[key] = variants  # again, where another call dropped it
            return variant

    def _make_room(self, key: Any, keeping: int) -> None:
        """Drop the oldest programs recorded for other Values of key's shape until,
        with the `keeping` programs of key, the shape has at most `max_traces`;
        warn (once) where that is because most calls bring new Value objects."""
        shape = key[0]
        others = [k for k in self._variants if k[0] == shape and k != key]
        kept = keeping + sum(len(self._variants[k]) for k in others)
        dropped = 0
        while others and kept > self.max_traces:
            kept -= len(self._variants.pop(others.pop(0)))
            dropped += 1
        if dropped and not self._warned and 2 * self.traces > self.calls:
            self._warned = True
            name = getattr(self.fn, "__qualname__", "the function")
            warnings.warn(
                f"autodiff.compile: {name} recorded a program at {self.traces} of "
                f"{self.calls} calls, because Value arguments are told apart by identity "
                f"and it got new Value objects; only {self.max_traces} programs per shape "
                "of the arguments are kept, and recording is slower than the "
                "interpreter. Pass what changes per step as numbers (floats, lists), and "
                "parameters as the same Values each call or from the function's closure.",
                RetraceWarning, stacklevel=4)

    @property
    def programs(self) -> int:
        """How many recorded programs are kept, over every shape of the arguments."""
        return sum(map(len, list(self._variants.values())))

    def _compile(self, args: Sequence[object]) -> _Variant:
        start = time.perf_counter()
        with no_full_gc():  # the recorded graph has no cycles: no full collections
            trace = record(self.fn, args)
            variant = _BACKEND[self.backend](trace, self.inline)
            del trace
        self.compile_seconds += time.perf_counter() - start
        self.traces += 1
        self._latest = variant
        return variant

    # -- reading -------------------------------------------------------------------

    @property
    def source(self) -> str:
        """The Python source of the most recently recorded program."""
        if self._latest is None:
            return "# not recorded yet: call the compiled function once"
        return self._latest.program.source

    def __str__(self) -> str:
        return self.source

    def __repr__(self) -> str:
        name = getattr(self.fn, "__qualname__", "fn")
        return (f"<autodiff.compile of {name}: {self.traces} program(s), {self.backend} "
                f"backend>")


def _key(args: Sequence[object], numbers: list[float]) -> Any:
    """Which programs may replay a call: the shape of its arguments and the identity
    of each Value among them. Appends the arguments' numbers to `numbers`."""
    values: list[Value] = []
    shape = flatten(args, numbers, values)
    return shape, tuple(map(id, values))


def _variant(trace: Trace, program: Program) -> _Variant:
    return _Variant([g.where for g in trace.guards], program, program.function(), trace.reads,
                    [trace.reads[i] for i in trace.target_slots], trace.result_shape)


def _python(trace: Trace, inline: bool) -> _Variant:
    return _variant(trace, write(trace, inline=inline))


def _numpy(trace: Trace, inline: bool, only_where_it_wins: bool = False) -> _Variant:
    try:
        from autodiff.compiler import numpy_backend as levels
    except ImportError as exc:
        if only_where_it_wins:
            return _python(trace, inline)
        raise ImportError("compile(backend='numpy') needs NumPy: pip install numpy") from exc
    levelled = levels.Levels(trace)
    if only_where_it_wins and not levelled.wins:
        return _python(trace, inline)
    return _variant(trace, levelled.program())


def _auto(trace: Trace, inline: bool) -> _Variant:
    return _numpy(trace, inline, only_where_it_wins=True)


_BACKEND = {"python": _python, "numpy": _numpy, "auto": _auto}


def compile(fn: Callable[..., object], *example_args: object, backend: str = "python",
            inline: bool = True, max_traces: int = 8) -> Compiled:
    """`fn` recorded once and written as a program; see the module's docstring.

    With `example_args` the program is recorded now (for their shape);
    without, at the first call. `backend="numpy"` runs the graph level by level
    with NumPy arrays, for wide graphs (not bit-identical; see
    `autodiff.compiler.numpy_backend`); `backend="auto"` takes NumPy where it is installed and
    wins (at least `levels.WIDE` nodes per array operation, every primitive with
    an `array_code`), else Python. `inline=False` names every value (one line
    per primitive, as in Baydin et al.'s tables).
    """
    compiled = Compiled(fn, backend=backend, inline=inline, max_traces=max_traces)
    if example_args:
        compiled._trace(_key(example_args, []), example_args)
    return compiled

