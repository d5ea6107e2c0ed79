"""`autodiff.compile`: record a program's graph once, replay it as generated code.

    >>> from autodiff import Value, compile, ops
    >>> x1, x2 = Value(2.0, "x1"), Value(5.0, "x2")
    >>> f = compile(lambda: ops.log(x1) + x1 * x2 - ops.sin(x2))
    >>> round(f(), 3), x1.grad, round(x2.grad, 3)    # f(x1, x2), and ∂f/∂x added
    (11.652, 5.5, 1.716)

`step = compile(fn, *example_args)` records `fn` once: every number of the
arguments (nested lists and tuples of numbers) becomes a leaf Value, and the
graph `fn` builds is written as a Python function, the evaluation trace and the
adjoint trace (`print(step)` shows it); code that repeats per data point is
written once, as a loop over the points (`loops=`). `step(*args)` then does what
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

Training: `train = step.sgd(params, lr)` fuses the step with plain SGD
(`SGDStep`): `train(*args)` updates every parameter's number itself, all or
nothing, without passing the gradients through `.grad`. With the NumPy backend,
pass float64 NumPy arrays: their numbers are copied in at once, not walked.

Higher order: a program may call `grad(..., create_graph=True)`; the compiled
step differentiates the resulting graph once more (a gradient penalty, a
Hessian-vector product), bit for bit as `backward()` on it would.
"""

from __future__ import annotations

import inspect
import threading
import time
import warnings
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from itertools import repeat
from operator import add, attrgetter, itemgetter, mul, sub
from typing import Any, Protocol
from weakref import WeakKeyDictionary

from autodiff.calculus import no_full_gc
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
from autodiff.core import Value, numbers_of, reverse_sweep, set_grads, set_numbers, uninterrupted

__all__ = ["Compiled", "RetraceWarning", "SGDStep", "TraceError", "compile"]

_DATA = inspect.getattr_static(Value, "data")  # the properties Value.data, Value.grad
_GRAD = inspect.getattr_static(Value, "grad")


def _grad_reader(values: list[Value]) -> Callable[[Value], float]:
    """What reads `v.grad` of these Values: the property's own getter, called
    directly (cheaper than looking the attribute up), where each is a Value's (a
    subclass may define it anew); else attrgetter."""
    return _GRAD.fget if _plain(values, "grad", _GRAD) else attrgetter("grad")


def _numbers_reader(values: list[Value]) -> Callable[[list[Value]], list[float]]:
    """What reads the `.data` of these Values at once: `numbers_of`, where each is
    a Value's own property (a subclass may define it anew: then through it)."""
    if _plain(values, "data", _DATA):
        return numbers_of
    return lambda vs: [v.data for v in vs]


def _numbers_writer(values: list[Value]) -> Callable[[list[Value], list[float]], None]:
    """What sets the `.data` of these Values at once, all or none, as
    `_numbers_reader` reads them."""
    if _plain(values, "data", _DATA):
        return lambda vs, xs: set_numbers(vs, xs, "a compiled SGD step")
    return _set_each


def _set_each(values: list[Value], numbers: list[float]) -> None:
    for v, x in zip(values, numbers, strict=True):
        v.data = x


def _plain(values: list[Value], name: str, prop: property) -> bool:
    return all(inspect.getattr_static(t, name) is prop for t in set(map(type, values)))


class RetraceWarning(UserWarning):
    """A compiled function records a program at most calls, because it is called
    with new Value objects as arguments: slower than the interpreter."""


class Numbers(Protocol):
    """How a program takes and gives numbers (`_LISTS`: lists of floats, the Python
    backend's; `numpy_backend.ARRAYS`: float64 arrays, the NumPy backend's)."""

    def arguments(self, numbers: Any) -> Any:
        """The arguments' numbers (a list, or `Compiled._arguments`' array) as the
        program takes them."""

    def read(self, numbers: list[float]) -> Any:
        """The Values' numbers (a list), as the program takes them."""

    def listed(self, numbers: Any) -> list[float]:
        """Numbers the program gave, as a list of floats."""

    def picker(self, positions: list[int]) -> Callable[[Any], Any]:
        """What picks the numbers at these positions out of the program's."""

    def descend(self, old: Any, grads: Any, lr: float) -> list[float]:
        """old − lr·grads, number by number, as a list of floats."""


class _Lists:
    """Lists of floats: the Python backend's programs."""

    @staticmethod
    def arguments(numbers: Any) -> list[float]:
        return numbers if isinstance(numbers, list) else numbers.tolist()

    @staticmethod
    def read(numbers: list[float]) -> list[float]:
        return numbers

    @staticmethod
    def listed(numbers: Any) -> list[float]:
        return numbers

    @staticmethod
    def picker(positions: list[int]) -> Callable[[Any], Any]:
        if len(positions) < 2:  # itemgetter(i) gives a number, not a tuple
            return lambda numbers: [numbers[i] for i in positions]
        return itemgetter(*positions)

    @staticmethod
    def descend(old: Any, grads: Any, lr: float) -> list[float]:
        return list(map(sub, old, map(mul, repeat(lr), grads)))


_LISTS = _Lists()


@dataclass(eq=False)
class _Variant:
    """One recorded program, ready to run; `numbers`, the kind of numbers it takes
    and gives."""

    trace_guards: list[str]
    program: Program
    run_program: Callable[[Any, Any], Any]
    reads: list[Value]
    targets: list[Value]
    result_shape: Any
    numbers: Numbers = _LISTS
    data: Callable[[list[Value]], list[float]] = field(init=False)  # `_numbers_reader`
    grad: Callable[[Value], float] = field(init=False)  # `_grad_reader`

    def __post_init__(self) -> None:
        self.data = _numbers_reader(self.reads)
        self.grad = _grad_reader(self.targets)

    def run(self, numbers: Any, descent: SGDStep | None = None) -> Any:
        """The step on these numbers of the arguments: the gradients added into the
        targets' `.grad`, or, with `descent`, the SGD update of its parameters."""
        kind = self.numbers
        now = kind.read(self.data(self.reads))
        loss, results, grads = self.run_program(kind.arguments(numbers), now)
        if descent is None:
            new = list(map(add, map(self.grad, self.targets), kind.listed(grads)))
            set_grads(self.targets, new, "a compiled step")
        else:
            descent.update(self, now, grads)
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
    branch took yet another one). `sgd(params, lr)` fuses it with SGD
    (`SGDStep`)."""

    def __init__(self, fn: Callable[..., object], *, backend: str = "python",
                 inline: bool = True, loops: bool | None = None, max_traces: int = 8) -> None:
        if not callable(fn):
            raise TypeError(f"compile() needs a function, got {type(fn).__name__}")
        if backend not in _BACKEND:
            raise ValueError(f"compile(): backend must be one of {', '.join(_BACKEND)}, "
                             f"got {backend!r}")
        if loops is not None and not isinstance(loops, bool):
            raise TypeError(f"compile(): loops must be True, False or None, got "
                            f"{type(loops).__name__}: {loops!r}")
        if isinstance(max_traces, bool) or not isinstance(max_traces, int) or max_traces < 1:
            raise ValueError(f"compile(): max_traces must be a positive int, got "
                             f"{max_traces!r}")
        self.fn = fn
        self.backend = backend
        self.inline = inline
        self.loops = loops
        self.max_traces = max_traces
        self.calls = 0
        self.traces = 0
        self.interpreted = 0
        self._warned = False
        self.compile_seconds = 0.0
        self._variants: dict[Any, list[_Variant]] = {}
        self._latest: _Variant | None = None
        self._lock = threading.Lock()
        self._arrays = _array_reader(backend)
        self._array_keys: dict[Any, Any] = {}  # the arrays' shapes: the call's key

    # -- calling ---------------------------------------------------------------------

    def __call__(self, *args: object) -> Any:
        return self._call(args, None)

    def sgd(self, params: Iterable[Value], lr: float) -> SGDStep:
        """This step fused with plain SGD on `params`: see `SGDStep`."""
        return SGDStep(self, params, lr)

    def _call(self, args: Sequence[object], descent: SGDStep | None) -> Any:
        self.calls += 1
        key, numbers = self._arguments(args)
        variants = self._variants.get(key)
        if variants is None:
            variants = self._trace(key, args)
        for variant in [*reversed(variants), None]:
            try:
                if variant is None:  # every recorded program took other branches
                    variant = self._retrace(key, args, variants)
                return variant.run(numbers, descent)
            except Changed:
                continue
            except TraceError:
                raise
            except Exception:
                return self._interpret(args, descent)
        return self._interpret(args, descent)  # recorded just now, and yet another branch

    def _arguments(self, args: Sequence[object]) -> tuple[Any, Sequence[float]]:
        """The call's key (`_key`) and the arguments' numbers: a list, or, where every
        argument is a float64 NumPy array and the backend NumPy's, one such array
        (`numpy_backend.array_arguments`), with the key of the arrays' shapes looked up
        rather than walked."""
        arrays = self._arrays(args) if self._arrays is not None else None
        if arrays is None:
            numbers: list[float] = []
            return _key(args, numbers), numbers
        shapes, vector = arrays
        key = self._array_keys.get(shapes)
        if key is None:
            key = self._array_keys[shapes] = _key(args, [])
        return key, vector

    def _interpret(self, args: Sequence[object], descent: SGDStep | None = None) -> Any:
        """The step as the interpreter runs it, with a leaf Value for every number
        of the arguments as when recorded: its numbers, or its error."""
        self.interpreted += 1
        call_args = with_leaves(self.fn, args)[1]
        with no_full_gc():  # a graph of Values has no cycles: no full collections
            loss, results, shape = split_result(self.fn(*call_args))
            if descent is None:
                loss.backward()
            else:
                descent.update_from(reverse_sweep(loss))
        if shape is None:
            return loss.data
        return loss.data, rebuild(shape, [r.data for r in results])[0]

    # -- recording -------------------------------------------------------------------

    def _record_now(self, args: Sequence[object]) -> None:
        """Record for these arguments (`compile` with example arguments), as a call
        would, as deep in the stack (a warning names the caller of `compile`)."""
        self._trace(_key(args, []), args)

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
                RetraceWarning, stacklevel=5)  # the caller of the compiled function

    @property
    def programs(self) -> int:
        """How many recorded programs are kept, over every shape of the arguments."""
        return sum(map(len, list(self._variants.values())))

    def _compile(self, args: Sequence[object]) -> _Variant:
        start = time.perf_counter()
        with no_full_gc():  # the recorded graph has no cycles: no full collections
            trace = record(self.fn, args)
            variant = _BACKEND[self.backend](trace, self.inline, self.loops)
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


def _python(trace: Trace, inline: bool, loops: bool | None) -> _Variant:
    return _variant(trace, write(trace, inline=inline, loops=loops))


def _numpy(trace: Trace, inline: bool, loops: bool | None,
           only_where_it_wins: bool = False) -> _Variant:
    try:
        from autodiff.compiler import numpy_backend as levels
    except ImportError as exc:
        if only_where_it_wins:
            return _python(trace, inline, loops)
        raise ImportError("compile(backend='numpy') needs NumPy: pip install numpy") from exc
    levelled = levels.Levels(trace)
    if only_where_it_wins and not levelled.wins:
        return _python(trace, inline, loops)
    program = levelled.program()
    if levelled.narrow:  # the Python backend's program
        return _variant(trace, program)
    return _Variant([g.where for g in trace.guards], program, program.function(), levelled.reads,
                    levelled.targets, trace.result_shape, levels.ARRAYS)


def _array_reader(backend: str) -> Callable[[Sequence[object]], Any] | None:
    """`numpy_backend.array_arguments` where the backend may write NumPy programs and
    NumPy is installed, else None (every call's numbers are then a list)."""
    if backend == "python":
        return None
    try:
        from autodiff.compiler import numpy_backend
    except ImportError:
        return None
    return numpy_backend.array_arguments


def _auto(trace: Trace, inline: bool, loops: bool | None) -> _Variant:
    return _numpy(trace, inline, loops, only_where_it_wins=True)


_BACKEND = {"python": _python, "numpy": _numpy, "auto": _auto}


def compile(fn: Callable[..., object], *example_args: object, backend: str = "python",
            inline: bool = True, loops: bool | None = None, max_traces: int = 8) -> Compiled:
    """`fn` recorded once and written as a program; see the module's docstring.

    With `example_args` the program is recorded now (for their shape);
    without, at the first call. `backend="numpy"` runs the graph level by level
    with NumPy arrays, for wide graphs (not bit-identical; see
    `autodiff.compiler.numpy_backend`); `backend="auto"` takes NumPy where it is installed and
    wins (at least `levels.WIDE` nodes per array operation, every primitive with
    an `array_code`), else Python. `inline=False` names every value (one line
    per primitive, as in Baydin et al.'s tables). `loops=True` writes the code that
    repeats per data point (a minibatch's) once, as a loop over the points, bit for
    bit the program written out; `loops=None` does so for graphs of
    `python_backend.LOOP_NODES` nodes or more, `loops=False` never. A loop skips the
    adjoint lines of a point whose adjoint is 0 where they start (behind a ReLU that
    is off: autodiff.compiler.zeros).
    """
    compiled = Compiled(fn, backend=backend, inline=inline, loops=loops,
                        max_traces=max_traces)
    if example_args:
        compiled._record_now(example_args)
    return compiled



class SGDStep:
    """A compiled step fused with plain SGD: `train = step.sgd(params, lr)`, then
    `train(*args)` does what `step(*args)` followed by w ← w − ε ∂E/∂w for every
    parameter w does, without the gradient passing through `w.grad`.

        >>> from autodiff import Value, compile
        >>> w = Value(1.0, "w")
        >>> step = compile(lambda x: (w * x - 3.0) ** 2, 2.0)
        >>> train = step.sgd([w], lr=0.1)
        >>> train(2.0), w.data, w.grad    # E = (2w − 3)² = 1 at w = 1; ∂E/∂w = −4
        (1.0, 1.4, 0.0)

    `train(*args)` returns what `step(*args)` returns (the loss). The rules:

    * Every parameter the loss depends on gets w.data ← w.data − lr · ∂E/∂w, with
      this call's gradient alone: the parameters' `.grad` are neither read nor
      written (zero them, or not, as you like; they stay as they are). A Value
      that gets a gradient and is not among `params` has it added into its
      `.grad`, as `step(*args)` does.
    * The parameters' numbers are read at the start of every call and written at
      its end: nothing is kept between calls, so a `w.data = ...` between two
      calls is what the next one starts from, and after a call every
      parameter holds its new number.
    * All or nothing: a new number or gradient that is not finite raises
      OverflowError naming the parameter (its position in `params` and label)
      and changes nothing; a Ctrl-C during the writes is held until they are
      done. Calls of one `SGDStep` from several threads take turns.
    * Errors and replays are `step`'s: a domain error or an overflow reruns the
      call in the interpreter (`reverse_sweep`, then the same update), which
      raises its own error and changes nothing.

    With the NumPy backend and NumPy arrays as arguments this is the fast way to
    train (bench/compile.py): the parameters' gradients are never written to
    and read back from their `.grad`.
    """

    def __init__(self, compiled: Compiled, params: Iterable[Value], lr: float) -> None:
        if isinstance(lr, bool) or not isinstance(lr, int | float) or not lr > 0 \
                or lr == float("inf"):
            raise ValueError(f"sgd(): lr must be a positive finite number, got {lr!r}")
        if isinstance(params, Value) or not isinstance(params, Iterable):
            raise TypeError(f"sgd(): params must be a list of Values, got "
                            f"{type(params).__name__}")
        self.params = list(params)
        if not self.params:
            raise ValueError("sgd(): params is empty: there is nothing to step")
        self._index: dict[Value, int] = {}
        for i, p in enumerate(self.params):
            if not isinstance(p, Value):
                raise TypeError(f"sgd(): params[{i}] is a {type(p).__name__}, not a Value")
            if p in self._index:
                raise ValueError(f"sgd(): params[{i}] is params[{self._index[p]}] again; "
                                 "each parameter is stepped once")
            self._index[p] = i
        self.compiled = compiled
        self.lr = float(lr)
        self._plans: WeakKeyDictionary[_Variant, _Plan] = WeakKeyDictionary()
        self._lock = threading.Lock()

    def __call__(self, *args: object) -> Any:
        with self._lock:
            return self.compiled._call(args, self)

    def __repr__(self) -> str:
        return f"<SGD step, lr {self.lr!r}, {len(self.params)} parameters, of {self.compiled!r}>"

    def update(self, variant: _Variant, now: Any, grads: Any) -> None:
        """The update from a compiled program's numbers (of the variant's kind):
        `now`, the numbers of `variant.reads`, and `grads`, the gradients of
        `variant.targets`."""
        plan = self._plans.get(variant)
        if plan is None:
            plan = self._plans[variant] = _Plan(variant, self._index)
        kind = variant.numbers
        g = grads if plan.grads is None else plan.grads(grads)
        old = now if plan.old is None else plan.old(now)
        others = kind.listed(plan.other_grads(grads)) if plan.others else []
        self._write(plan.stepped, kind.descend(old, g, self.lr), plan.others, others,
                    plan.setter)

    def update_from(self, adjoints: dict[Value, float]) -> None:
        """The update from an interpreted sweep's adjoints (`reverse_sweep`)."""
        stepped = [p for p in self.params if p in adjoints]
        others = [v for v in adjoints if v not in self._index]
        self._write(stepped, [p.data - self.lr * adjoints[p] for p in stepped], others,
                    [adjoints[v] for v in others])

    def _write(self, stepped: list[Value], new: list[float], others: list[Value],
               grads: list[float],
               setter: Callable[[list[Value], list[float]], None] | None = None
               ) -> None:
        """p.data = new number for the stepped parameters and v.grad += gradient for
        the others, after checking all are finite; not cut by Ctrl-C."""
        total = sum(new)
        if total - total != 0.0:  # an inf or a nan, or only a sum too large
            for p, x in zip(stepped, new, strict=True):
                if x - x != 0.0:
                    i = self._index[p]
                    name = f"params[{i}]" + (f" ({p.label})" if p.label else "")
                    raise OverflowError(
                        f"a compiled SGD step: the new value of {name} would be {x!r} "
                        f"(value {p.data!r}, lr {self.lr!r}); nothing was changed. Lower "
                        "the learning rate, or look at the gradients")
        with uninterrupted():
            if others:  # checked before anything is written
                set_grads(others, list(map(add, map(attrgetter("grad"), others), grads)),
                          "a compiled SGD step")
            (_numbers_writer(stepped) if setter is None else setter)(stepped, new)


class _Plan:
    """Where an `SGDStep`'s numbers are in a program's: `stepped`, the parameters
    among the program's targets (in their order); `grads` and `old`, what picks
    their gradients and numbers out of the program's (None: all of them, in
    order); `others`, the other targets, and `other_grads`, what picks theirs."""

    def __init__(self, variant: _Variant, params: dict[Value, int]) -> None:
        targets, reads, kind = variant.targets, variant.reads, variant.numbers
        positions = [i for i, v in enumerate(targets) if v in params]
        self.stepped = [targets[i] for i in positions]
        self.setter = _numbers_writer(self.stepped)
        first = {v: i for i, v in reversed(list(enumerate(reads)))}
        old = [first[v] for v in self.stepped]
        self.grads = None if positions == list(range(len(targets))) else kind.picker(positions)
        self.old = None if old == list(range(len(reads))) else kind.picker(old)
        other_positions = [i for i, v in enumerate(targets) if v not in params]
        self.others = [targets[i] for i in other_positions]
        self.other_grads = kind.picker(other_positions)
