"""Forward mode: tangents swept over a recorded graph, from the primitives' partials.

Forward mode carries, next to every node n, its tangent ṅ: the derivative of n
along a direction u of the inputs (ẋ = u). In topological order (inputs first)

    ṅ = Σ_i ∂n/∂a_i · ȧ_i        over the Value operands a_i of n,

so the tangents of the outputs are J·u, a Jacobian-vector product, for the cost
of one sweep. The local derivatives ∂n/∂a_i are the primitive's own `partials`
(`Value.partials()`), the numbers the reverse sweep multiplies by: every
primitive, a user's included, has forward mode with nothing more to write.

The choice: a tangent sweep over the recorded graph, not dual numbers. f runs
once on Values as usual (which records its graph), then the tangents are
swept over that graph. Dual numbers would need every primitive to accept a
second kind of operand, a (value, tangent) pair, and would call the partials
again for every direction; the graph already holds every operand.

Cost: recording is one ordinary evaluation of f, and the graph is kept in
memory while the tangents are swept (as for reverse mode; dual numbers would
keep nothing). `Linearization` then evaluates the partials of every node that
depends on an input once (what one reverse sweep does) and keeps them as a
list of (operand, derivative) pairs; every direction pushed through it costs
one multiply-add per edge and calls no primitive. So k Jacobian-vector
products cost one recording, one evaluation of the partials and k cheap
sweeps; the Jacobian of f: Rⁿ → Rᵐ by columns costs n of them (by rows,
reverse mode, m reverse sweeps). `tangent_graphs` builds the tangents as Value
graphs instead, from the partials in Value mode, so they can be differentiated
again (forward over forward, reverse over forward).

Only public structure is read: `topological_order`, `Value.inputs`,
`Value.partials()`, `Value.primitive`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from numbers import Real
from typing import Any

from autodiff.core import Value, topological_order

__all__ = ["Linearization", "tangent_graphs"]


def _linear_steps(outputs: Sequence[Value], position: dict[Value, int], create_graph: bool
                  ) -> Iterator[tuple[int, list[int | None], tuple[Any, ...]]]:
    """Every node of the outputs' graph that depends on an input, in topological
    order: its position, the positions of its operands (None for an operand
    that depends on no input) and its local derivatives by them. `position`
    holds the inputs at 0 … n − 1 (from `_inputs`); each node yielded is added
    to it, at n, n + 1, ... in turn, so that afterwards it finds every output.

    The inputs are the independent variables: none may depend on another (a
    ValueError says which does), and the sweep never recomputes their tangents.
    """
    at = position.get
    for v in topological_order(outputs):
        operands = v.inputs
        if v in position:  # an input: nodes yielded are added after their visit
            for a in operands:
                if a in position:
                    raise ValueError(f"forward mode: input {_name(v, position)} depends on "
                                     f"another input through {a.op or 'a leaf'}; the inputs "
                                     "must be independent variables")
            continue
        where = [at(a) for a in operands]
        if where.count(None) == len(where):
            continue
        k = position[v] = len(position)
        yield k, where, v.partials(create_graph)


def _inputs(inputs: Sequence[Value]) -> dict[Value, int]:
    if not isinstance(inputs, Sequence):
        raise TypeError(f"forward mode needs a sequence of input Values, got "
                        f"{type(inputs).__name__}")
    seeds: dict[Value, int] = {}
    for i, x in enumerate(inputs):
        if not isinstance(x, Value):
            raise TypeError(f"forward mode inputs must be Values; inputs[{i}] is "
                            f"{type(x).__name__}")
        if x in seeds:
            raise ValueError(f"forward mode: inputs[{i}] is the same Value as "
                             f"inputs[{seeds[x]}]")
        seeds[x] = i
    return seeds


def _name(v: Value, position: Mapping[Value, int]) -> str:
    return repr(v.label) if v.label else f"inputs[{position[v]}]"


class Linearization:
    """The linear map u ↦ J·u of a recorded graph at its point, J = ∂outputs/∂inputs.

    Built once from the graph's `outputs` and the `inputs` that get tangents
    (independent variables such as leaves: none may depend on another); it
    evaluates each local derivative once. Calling it with one tangent per input
    returns one tangent per output by the sweep ṅ = Σ_i ∂n/∂a_i · ȧ_i, and
    touches no Value (`.grad` included).

        >>> from autodiff import Value
        >>> x, y = Value(2.0), Value(3.0)
        >>> lin = Linearization([x * y, x.sin()], [x, y])
        >>> lin([1.0, 0.0])            # ∂/∂x of (x·y, sin x): (y, cos x)
        [3.0, -0.4161468365471424]

    `node_tangents(u)` gives the tangent of every node that depends on an input.
    An OverflowError names the operation whose local derivative is not finite
    (the engine's numeric policy), when the linearization is built.
    """

    def __init__(self, outputs: Sequence[Value], inputs: Sequence[Value]) -> None:
        position = _inputs(inputs)
        self._n_inputs = len(position)
        # one step per node: (k, j, ∂k/∂j) or (k, j, ∂k/∂j, j2, ∂k/∂j2) or longer
        program: list[tuple[Any, ...]] = []
        step = program.append
        for k, where, ds in _linear_steps(outputs, position, False):
            if len(where) == 1:
                step((k, where[0], ds[0]))
            elif len(where) == 2 and None not in where:
                step((k, where[0], ds[0], where[1], ds[1]))
            else:
                step((k, *(x for j, d in zip(where, ds, strict=True) if j is not None
                           for x in (j, d))))
        self._program = program
        self._outputs = [position.get(o) for o in outputs]
        self._position = position

    @property
    def n_inputs(self) -> int:
        return self._n_inputs

    @property
    def n_outputs(self) -> int:
        return len(self._outputs)

    @property
    def depends(self) -> bool:
        """Whether any output depends on any input through the graph."""
        return any(k is not None for k in self._outputs)

    @property
    def operations(self) -> int:
        """How many operations the sweep visits (nodes that depend on an input)."""
        return len(self._program)

    def __call__(self, tangents: Sequence[float]) -> list[float]:
        """J·u for u = `tangents` (one number per input): one tangent per output."""
        t = self._sweep(tangents, False)
        return [0.0 if k is None else t[k] for k in self._outputs]

    def magnitude(self, tangents: Sequence[float]) -> list[float]:
        """|J|·|u| computed along the same paths, every local derivative and
        tangent taken in absolute value: the scale against which the rounding
        of J·u is measured (its error is at most about 2·L·ε_c times this for
        L operations, whatever order the sums are taken in)."""
        t = self._sweep(tangents, True)
        return [0.0 if k is None else t[k] for k in self._outputs]

    def node_tangents(self, tangents: Sequence[float]) -> dict[Value, float]:
        """The tangent of every node that depends on an input (inputs included)."""
        t = self._sweep(tangents, False)
        return {v: t[k] for v, k in self._position.items()}

    def _sweep(self, tangents: Sequence[float], absolute: bool) -> list[float]:
        u = vector(tangents, self._n_inputs, "tangents", "inputs")
        t = [abs(x) for x in u] if absolute else u  # the inputs' positions come first
        t += [0.0] * (len(self._position) - self._n_inputs)
        if absolute:
            for k, *terms in self._program:
                t[k] = math.fsum(abs(d) * t[j] for j, d in zip(terms[::2], terms[1::2],
                                                                strict=True))
            return t
        for step in self._program:
            if len(step) == 3:
                k, j, d = step
                t[k] = d * t[j]
            elif len(step) == 5:
                k, j, d, j2, d2 = step
                t[k] = d * t[j] + d2 * t[j2]
            else:
                s = 0.0
                for j, d in zip(step[1::2], step[2::2], strict=True):
                    s += d * t[j]
                t[step[0]] = s
        return t


def tangent_graphs(outputs: Sequence[Value], tangents: Mapping[Value, float]) -> list[Value]:
    """The tangents of `outputs` for the given tangents of the inputs (a mapping
    input Value -> number), as Value graphs that can be differentiated again:
    the sweep of `Linearization` with the partials evaluated with Values.

    Tangents stay floats while they are constants (a tangent of 1 times a
    derivative is the derivative's own node), so no node is made for them. An
    output that depends on no input gets a new leaf Value(0.0).
    """
    if not isinstance(tangents, Mapping):
        raise TypeError(f"tangent_graphs() needs a mapping input -> tangent, got "
                        f"{type(tangents).__name__}")
    seeds = vector(list(tangents.values()), len(tangents), "tangents", "inputs")
    position = _inputs(list(tangents))
    tangent: list[Value | float] = list(seeds)
    for _, where, ds in _linear_steps(list(outputs), position, True):
        total: Value | float | None = None
        for j, local in zip(where, ds, strict=True):
            if j is None:
                continue
            tj = tangent[j]
            if type(tj) is float and tj == 1.0:
                term = local
            elif type(local) is float and local == 1.0:
                term = tj
            else:
                term = local * tj
            total = term if total is None else total + term
        tangent.append(total)  # type: ignore[arg-type]
    found = (position.get(o) for o in outputs)
    return [Value(0.0) if k is None else t if isinstance(t := tangent[k], Value) else Value(t)
            for k in found]


def vector(numbers: object, n: int, what: str, per: str) -> list[float]:
    """`numbers` as a list of n finite floats, or a clear error naming `what`
    (tangents, cotangents, v) and what its length must match (`per`)."""
    if isinstance(numbers, Value) or not isinstance(numbers, Sequence) or isinstance(
            numbers, str):
        raise TypeError(f"{what} must be a sequence of {n} numbers (one per {per[:-1]}), got "
                        f"{type(numbers).__name__}")
    if len(numbers) != n:
        raise ValueError(f"{what} has {len(numbers)} number{'s' * (len(numbers) != 1)} but "
                         f"there {'is' if n == 1 else 'are'} {n} {per}")
    return [number(x, f"{what}[{i}]") for i, x in enumerate(numbers)]


def number(x: object, what: str) -> float:
    """x as a finite float, or a TypeError / ValueError naming `what`."""
    if isinstance(x, bool) or not isinstance(x, Real):
        raise TypeError(f"{what} must be a real number, got {type(x).__name__}: {x!r}")
    f = float(x)
    if not math.isfinite(f):
        raise ValueError(f"{what} must be finite, got {f!r}")
    return f
