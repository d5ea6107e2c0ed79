"""The NumPy backend of `autodiff.compile`: the graph levelled, one array
operation per level and primitive, and a layer's sums of products as matrix
products.

Every node gets a slot in one float64 vector `val` (folded numbers in a pool of
constants at its start). A node's level is one more than its operands' highest
(leaves: 0), so the nodes of one level and one primitive do not depend on each
other: the program gathers their operands, computes them all in one NumPy
expression and scatters the results. The adjoint trace runs the levels in
reverse, gathering each group's gradients, computing the terms
∂out/∂operand · ḡ and adding them into the operands' gradients. Where an
operand repeats with a period (a weight used once per sample of a minibatch) it
is gathered once and broadcast, and its terms are summed over the period
before they are added. Nodes made before the call are read, not computed, and
the adjoint passes their gradients on as `backward()` does.

Each primitive's expressions come from autodiff.compiler.lowering
(`full_array_code`): its value over arrays (its `array_code`, else its
`forward` element by element) and its adjoint terms printed from its partials
(`where` as NumPy's, an applied primitive as its array value); only partials
that do not run on symbols are called, element by element.

A chain of additions (a neuron's b + Σ w·z) is one group, summed term by term;
where its terms are products made for it alone, lead + Σ_k x_k·y_k, the
products are not computed on their own: with the chains numbered n = q·P + r,
a layer's weights depend on (r, k) only and a minibatch's activations on (q, k)
only, so the sums are the matrix product Q @ R.T, and the adjoint ḡ @ R and
ḡ.T @ Q (`Levels._factors`); other sums of products are one einsum.

Which operands receive a term ∂out/∂operand · ḡ is the walk's own
(`autodiff.core.receivers`: the Values; a number folded in receives none and is
a constant of the pool), and a group's nodes receive at the same positions. A
chain's terms take it from the link that contributed them (the first link's
two operands, each later link's right one); a sum of products' lead likewise,
its factors from their × nodes.

The slots of the Values read (parameters) are laid out as the sums of products
read them (a layer's weights in a row, then its biases), so that the program
reads them and adds their gradients as slices of `val` and `adj`, not through
index arrays; a group of one node is computed on NumPy scalars. The program
takes the arguments' and the Values' numbers as float64 vectors and gives the
gradients as one (`ARRAYS`; `autodiff.compiler.api.Numbers`).

This wins where levels are wide (an MLP over a minibatch: some 40 array
operations for 65,000 nodes) and loses where they are narrow (a chain of
scalar operations costs one array operation per node). Where more than `FEW`
groups hold fewer than `WIDE` nodes each on average, the program is the Python
backend's, and a warning says why; see `bench/compile.py`.

Accuracy: not bit-identical to `backward()`. Sums run in another order (a
chain's terms per block of a level, a matrix product's as BLAS adds them,
gradients per level and over periods), and NumPy's exp, log, tanh, sin, ...
may differ from the math module's in the last bit. Measured on MLP 2-8-8-1 (or
-2) steps, three seeds each (tanh, sigmoid, softplus, relu and sin units;
squared error, cross-entropies, hinge; 100 moons points): every gradient
within 7.5e-16 of the largest gradient (2.1e-13 of itself, where a sum
cancels), the loss within 7.4e-16 of itself;
tests/autodiff/compiler/test_compile_numpy.py asserts 1e-13 of the largest.
Use the Python backend where bit-identical results matter.
"""

from __future__ import annotations

import functools
import math
import struct
import threading
import warnings
from collections.abc import Callable, Iterator, Sequence
from operator import itemgetter
from typing import Any

import numpy as np

from autodiff.compiler.lowering import Code, checked, code_of, full_array_code
from autodiff.compiler.python_backend import (
    Changed,
    Codes,
    Namespace,
    Program,
    Unusual,
    function_name,
    write,
)
from autodiff.compiler.templates import ATOM, Expr, by_operand
from autodiff.compiler.tracing import Trace
from autodiff.core import Primitive, Value, receivers
from autodiff.core.arithmetic import ADD, MUL
from autodiff.notation import operand_name

WIDE = 200
"""Nodes per array operation from which the NumPy program beats the Python one
(measured for MLP minibatches in bench/compile.py: about 150 to 200)."""
FEW = 64
"""Up to this many array operations a narrow program is written with NumPy when
asked for (it costs some tens of microseconds more than the Python one); a
narrower and longer one (a chain: an array operation per node) is written by
the Python backend, with a warning."""


class _Arrays:
    """float64 arrays: how a NumPy program takes and gives numbers
    (`autodiff.compiler.api.Numbers`)."""

    @staticmethod
    def arguments(numbers: Any) -> Any:
        return numbers  # a list or a float64 vector: `val[a:b] = X` takes either

    @staticmethod
    def read(numbers: list[float]) -> np.ndarray:
        return np.array(numbers, np.float64)

    @staticmethod
    def listed(numbers: np.ndarray) -> list[float]:
        return numbers.tolist()

    @staticmethod
    def picker(positions: list[int]) -> Callable[[np.ndarray], np.ndarray]:
        return itemgetter(np.array(positions, dtype=np.intp))

    @staticmethod
    def descend(old: np.ndarray, grads: np.ndarray, lr: float) -> list[float]:
        return (old - lr * grads).tolist()


ARRAYS = _Arrays()

Shapes = tuple[tuple[int, ...], ...]


def array_arguments(args: Sequence[object]) -> tuple[Shapes, np.ndarray] | None:
    """(the arrays' shapes, their numbers in one float64 vector, each array's
    row-major, one after the other) where every argument is a float64 NumPy array,
    else None: a NumPy program's arguments without walking them number by number."""
    if not args or any(type(a) is not np.ndarray or a.dtype != np.float64 for a in args):
        return None
    arrays: Sequence[np.ndarray] = args  # type: ignore[assignment]
    shapes = tuple(a.shape for a in arrays)
    if len(arrays) == 1:
        return shapes, arrays[0].ravel()
    return shapes, np.concatenate([a.ravel() for a in arrays])


def _period(idx: np.ndarray) -> int | None:
    """U where idx is U indices repeated n/U > 1 times (idx.reshape(-1, U) has equal
    rows), else None."""
    n = len(idx)
    again = np.flatnonzero(idx == idx[0])
    if len(again) < 2:
        return None
    u = int(again[1])
    if n % u or not np.array_equal(idx.reshape(-1, u), np.broadcast_to(idx[:u], (n // u, u))):
        return None
    return u


def _view(idx: np.ndarray, vector: str) -> str | None:
    """`vector[idx]` as a view where idx is a run of slots (1-D: a slice; 2-D: a
    slice reshaped, or its transpose), else None. (A slice of one slot too: NumPy
    reads and adds into a slice faster than at an index array.)"""
    flat = idx.ravel()
    if not len(flat):
        return None
    b = int(flat[0])
    if idx.ndim == 1:
        if np.array_equal(idx, np.arange(b, b + len(idx))):
            return f"{vector}[{b}:{b + len(idx)}]"
        return None
    if idx.ndim != 2:
        return None
    k, c = idx.shape
    run = np.arange(b, b + k * c)
    if np.array_equal(flat, run):
        return f"{vector}[{b}:{b + k * c}].reshape({k}, {c})"
    if np.array_equal(idx.T.ravel(), run):
        return f"{vector}[{b}:{b + k * c}].reshape({c}, {k}).T"
    return None


class _Group:
    """Nodes of one level and one primitive whose operands receive a term at the same
    positions (`pattern`); or chains of additions whose terms do."""

    def __init__(self, level: int, prim: Primitive | None, pattern: tuple[bool, ...],
                 existing: bool) -> None:
        self.level = level
        self.prim = prim  # None: chains of additions
        self.pattern = pattern  # per operand (a chain: term; a dot: its lead): receives a term?
        self.dot = 0  # > 0: chains lead + Σ_k x_k·y_k of this many products (`Levels._dot_forward`)
        self.gid = 0  # its number in the program, from 1
        self.existing = existing
        self.nodes: list[Value] = []
        self.operands: list[list[int]] = []  # per node: the slot of each operand or term
        self.gathered: list[str] = []  # the operand arrays (`Levels._gather`)
        self.result = ""  # the array of the nodes' values, for the adjoint
        self.out = ""  # the array of the nodes' slots
        self.shape: tuple[int, int] | None = None  # (R, U): R repeats of a period U
        self.factors: tuple[np.ndarray, np.ndarray, int] | None = None  # a dot's Q, R, P
        self.start = -1  # its nodes' slots are start, start + 1, ... (not for existing nodes)

    @property
    def receiving(self) -> tuple[bool, ...]:
        """Per operand of a node's row: does it receive a term (a Value, with a slot;
        else a number folded in, a constant): `pattern`, and a dot's factors, which all
        do (`Levels._products`)."""
        return (*self.pattern, *(True,) * (2 * self.dot))

    @property
    def scalar(self) -> bool:
        """One node of a primitive, made by the program: computed on NumPy scalars
        (an operation on a one-element array costs some ten times as much)."""
        return len(self.nodes) == 1 and self.prim is not None and not self.existing

    def view(self, vector: str) -> str:
        """The group's numbers in `vector` ("val" or "adj"): a slice, in its shape
        (its number, for a `scalar` group)."""
        if self.scalar:
            return f"{vector}[{self.start}]"
        if self.start < 0:
            return f"{vector}[{self.out}]"
        sliced = f"{vector}[{self.start}:{self.start + len(self.nodes)}]"
        return sliced if self.shape is None else f"{sliced}.reshape{self.shape}"


class Levels:
    """A trace levelled: its nodes in `groups` of one level and one primitive, each
    computed by one array operation; `wins` where the NumPy program is the faster
    (wide levels, every primitive with an `array_code`); `program()` writes it."""

    def __init__(self, trace: Trace, name: str = "step") -> None:
        self.trace = trace
        self.name = name
        self.globals = Namespace({  # array_code expressions see NumPy's names
            **{n: getattr(np, n) for n in dir(np) if not n.startswith("_")},
            "Unusual": Unusual, "Changed": Changed})
        self.namespace = self.globals.namespace
        self.codes = Codes(self.globals)  # the array_codes, with their own names bound
        self.lines: list[str] = []
        self.count = 0
        self._group()

    def array(self, values: Any, dtype: Any = np.intp) -> str:
        """A constant array of the program, by a new global name."""
        self.count += 1
        n = f"I{self.count}"
        self.namespace[n] = np.asarray(values, dtype=dtype)
        return n

    def index(self, idx: np.ndarray, vector: str = "val") -> str:
        """vector[idx], as a view where the slots run in order."""
        view = _view(idx, vector)
        return view if view is not None else f"{vector}[{self.array(idx)}]"

    @staticmethod
    def array_code(prim: Primitive, n: int) -> Code:
        """prim's Code over arrays (autodiff.compiler.lowering.full_array_code)."""
        return full_array_code(prim, n, _applied)

    # -- slots, chains, levels, groups ---------------------------------------------

    def _group(self) -> None:
        t = self.trace
        existing = set(t.captured)
        inputs = set(t.inputs)
        slot: dict[Value, int] = {}
        constants: dict[bytes, int] = {}
        pool: list[float] = []

        def constant(x: float) -> int:
            key = struct.pack("d", x)
            if key not in constants:
                constants[key] = len(pool)
                pool.append(x)
            return constants[key]

        # per node its operands, and the positions of those that receive a term (the
        # walk's `receivers`: the Values; the others are numbers folded in)
        args: dict[Value, tuple[Any, ...]] = {v: v.args for v in t.order
                                              if v.primitive is not None}
        receive: dict[Value, tuple[int, ...]] = {}
        uses: dict[Value, int] = {}
        for v in t.order:
            given = args.get(v)
            if given is None:
                if v not in existing and v not in inputs:
                    slot[v] = constant(v.data)  # a leaf made by the program: a constant
                continue
            at = receive[v] = receivers(v)
            for i in at:
                uses[given[i]] = uses.get(given[i], 0) + 1
            if len(at) < len(given):  # numbers folded in: constants of the pool
                for i, x in enumerate(given):
                    if i not in at:
                        constant(x)
        keep = {t.loss, *t.results, *(x for g in t.guards for x in g.operands)}
        # chains: an addition whose left operand is an addition used only there; per
        # term, does it receive a term: the first link's two operands as its receivers
        # say, each later link's right operand as its receivers say
        terms: dict[Value, list[Any]] = {}
        received: dict[Value, list[bool]] = {}
        link: set[Value] = set()
        for v in t.order:
            if v.primitive is ADD and v not in existing:
                left, right = args[v]
                at = receive[v]
                if 0 in at and left in terms and uses[left] == 1 and left not in keep:
                    terms[v] = terms.pop(left)  # the same lists, grown: linear in their length
                    terms[v].append(right)
                    received[v] = received.pop(left)
                    received[v].append(1 in at)
                    link.add(left)
                else:
                    terms[v] = [left, right]
                    received[v] = [0 in at, 1 in at]
        self.pool = pool
        dots = self._products(terms, received, receive, uses, existing | keep)
        fused = {x for lead, products in dots.values() for x in products}
        level: dict[Value, int] = {}
        groups: dict[tuple[Any, ...], _Group] = {}
        members: dict[_Group, list[list[Any]]] = {}  # per group, its nodes' rows of operands
        for v in t.order:
            if v.primitive is None or v in link or v in fused:
                level[v] = 0
                continue
            if v in dots:  # lead + Σ x·y: the lead, then the x's, then the y's
                lead, products = dots[v]
                operands = [*lead, *(args[x][0] for x in products),
                            *(args[x][1] for x in products)]
                # which receive a term: the lead, where its link says so; every factor
                # (`_products`)
                lead_at = (0,) if lead and received[v][0] else ()
                at = (*lead_at, *range(len(lead), len(operands)))
                level[v] = 1 + max((level[operands[i]] for i in at), default=0)
                key: tuple[Any, ...] = (level[v], "dot", len(products),
                                        _flags(lead_at, len(lead)))
                group = groups.get(key)
                if group is None:
                    group = groups[key] = _Group(level[v], None, key[3], False)
                    group.dot = len(products)
                    members[group] = []
                group.nodes.append(v)
                members[group].append(operands)
                continue
            if v in terms and len(terms[v]) > 2:  # a chain: its terms
                prim, operands, pattern = None, terms[v], tuple(received[v])
                at = tuple(i for i, receives in enumerate(pattern) if receives)
            else:
                prim, operands, at = v.primitive, list(args[v]), receive[v]
                pattern = _flags(at, len(operands))
            level[v] = 1 + max((level[operands[i]] for i in at), default=0)
            key = (level[v], prim, pattern, v in existing)
            group = groups.get(key)
            if group is None:
                group = groups[key] = _Group(level[v], prim, pattern, v in existing)
                members[group] = []
            group.nodes.append(v)
            members[group].append(operands)
        self.groups = sorted(groups.values(), key=lambda g: g.level)
        for gid, group in enumerate(self.groups, 1):
            group.gid = gid
        # slots: the pool, the inputs, the Values read, then each group's nodes in a
        # row, so that a group writes and reads its own numbers as one slice
        self.size = len(pool)
        self.inputs = (self.size, self.size + len(t.inputs))
        for v in t.inputs:
            slot[v] = self.size
            self.size += 1
        self.read_range = (self.size, self.size + len(t.reads))
        self.reads = self._read_order(members)
        for v in self.reads:
            slot.setdefault(v, self.size)  # a Value passed twice: a second, unused slot
            self.size += 1
        targets = {t.reads[i] for i in t.target_slots}
        self.targets = [v for v in dict.fromkeys(self.reads) if v in targets]
        for group in self.groups:
            if not group.existing:
                group.start = self.size
                for v in group.nodes:
                    slot[v] = self.size
                    self.size += 1
        self.slot = slot
        for group in self.groups:
            receiving = group.receiving
            group.operands = [[slot[x] if r else constant(x)
                               for x, r in zip(row, receiving, strict=True)]
                              for row in members[group]]
        self.by_slot = {s: v for v, s in slot.items() if s >= len(pool)}

    def _read_order(self, members: dict[_Group, list[list[Any]]]) -> list[Value]:
        """The trace's reads in the order of their slots: first as the sums of products
        read them, the largest groups first, each group's first factors row by row,
        then its second factors, then its leads (a layer's weights in a row, its
        biases in another, so that the program reads and updates them as views
        of `val` and `adj`, not gathered); then the other reads as the trace has
        them (a Value read twice: its second place last)."""
        reads = self.trace.reads
        placed = dict.fromkeys(reads)  # every read, in the order of its first place
        order: dict[Any, None] = {}  # Values (a row's numbers are not in `placed`)
        for group in sorted((g for g in members if g.dot), key=lambda g: -len(g.nodes)):
            rows = members[group]
            lead = len(group.pattern)
            for part in (slice(lead, lead + group.dot), slice(lead + group.dot, None),
                         slice(0, lead)):
                for row in rows:
                    for x in row[part]:
                        if x in placed and x not in order:
                            order[x] = None
        order.update(placed)
        seen: set[Value] = set()
        again = []
        for v in reads:
            if v in seen:
                again.append(v)
            seen.add(v)
        return [*order, *again]

    @staticmethod
    def _products(terms: dict[Value, list[Any]], received: dict[Value, list[bool]],
                  receive: dict[Value, tuple[int, ...]], uses: dict[Value, int],
                  kept: set[Value]) -> dict[Value, tuple[list[Value | float],
                                                          list[Value]]]:
        """The chains that are a sum of products, lead + Σ_k x_k·y_k: per chain its
        lead (none where the first term is a product too) and its products, each a
        product whose two operands receive a term (Values), made by the program and
        used only there (computed inside the sum, not on their own). `received`: per
        chain and term, does it receive a term; `receive`: per node, the positions of
        the operands that do (`receivers`)."""
        def product(x: Any, receives: bool) -> bool:  # x: a Value where it receives a term
            return (receives and x.primitive is MUL and uses[x] == 1 and x not in kept
                    and receive[x] == (0, 1))
        dots: dict[Value, tuple[list[Value | float], list[Value]]] = {}
        for v, chain in terms.items():
            receives = received[v]
            if len(chain) > 2 and all(map(product, chain[1:], receives[1:])):
                if product(chain[0], receives[0]):
                    dots[v] = ([], chain)
                else:
                    dots[v] = ([chain[0]], chain[1:])
        return dots

    @property
    def wins(self) -> bool:
        return (len(self.trace.order) >= WIDE * len(self.groups)
                and all(self.array_code(g.prim, len(g.pattern)).adjoints is not None
                        for g in self.groups if g.prim is not None))

    # -- the program -----------------------------------------------------------------

    @property
    def narrow(self) -> bool:
        """More than `FEW` groups, with fewer than `WIDE` nodes per group on average:
        the NumPy program would be the slower, by more the longer the graph."""
        return len(self.groups) > FEW and len(self.trace.order) < WIDE * len(self.groups)

    def program(self) -> Program:
        """The NumPy program (see the module's docstring); where the graph is
        `narrow`, the Python backend's program, with a warning that says why."""
        t = self.trace
        if self.narrow:
            name = getattr(t.fn, "__qualname__", "the function")
            warnings.warn(
                f"autodiff.compile(backend='numpy'): {name} is {len(t.order):,} nodes in "
                f"{len(self.groups):,} levels of one primitive, "
                f"{len(t.order) / len(self.groups):,.1f} nodes per array operation (a NumPy "
                f"program wins from about {WIDE}): it would run slower than the Python "
                "backend's, so that one is used. A NumPy program pays where many nodes "
                "do the same thing at once (a layer over a minibatch).",
                stacklevel=7)  # the caller of compile() or of the compiled function
            return write(t, name=self.name)
        lines = self.lines
        lines.append("    val, adj = buffers()  # this thread's, reused")
        lines.append(f"    val[:{len(self.pool)}] = {self.array(self.pool, np.float64)}"
                     "  # the numbers folded in")
        if t.inputs:
            lines.append(f"    val[{self.inputs[0]}:{self.inputs[1]}] = X"
                         "  # the arguments' numbers")
        if t.reads:
            lines.append(f"    val[{self.read_range[0]}:{self.read_range[1]}] = P"
                         "  # the Values' numbers")
        lines.append("    # evaluation trace, level by level")
        for group in self.groups:
            if not group.existing:
                self._forward(group)
        lines.append("    if not isfinite(val.sum()):  # an inf or a nan somewhere\n"
                     "        raise Unusual('not finite')")
        for k, g in enumerate(t.guards):
            b = f"val[{self.slot[g.b]}]" if isinstance(g.b, Value) else repr(g.b)
            test = f"val[{self.slot[g.a]}] {g.op} {b}"
            lines.append(f"    if {'not ' if g.result else ''}({test}):  # as at {g.where}\n"
                         f"        raise Changed({k})")
        lines.append("    # adjoint trace, level by level from the last")
        lines.append("    adj.fill(0.0)")
        lines.append(f"    adj[{self.slot[t.loss]}] = 1.0")
        for group in reversed(self.groups):
            self._reverse(group)
        grads = self._copied([self.slot[v] for v in self.targets], "adj")
        results = self._listed([self.slot[r] for r in t.results], "val")
        lines.append(f"    return val[{self.slot[t.loss]}].item(), {results}, {grads}")
        self.namespace["buffers"] = _Buffers(self.size)
        head = [f"def {self.name}(X, P):",
                f'    """{getattr(t.fn, "__qualname__", "fn")}, compiled by autodiff.compile '
                f'(NumPy backend): {len(t.order):,} nodes in {len(self.groups)} groups."""',
                "    with errstate(all='ignore'):  # inf and nan are tested, not warned of",
                "        return run(X, P)",
                "",
                "",
                "def run(X, P):"]
        return Program("\n".join([*head, *lines]) + "\n", self.namespace, self.name)

    def _listed(self, slots: list[int], vector: str) -> str:
        """The numbers at these slots of `vector` as a list of floats."""
        return f"{self._copied(slots, vector)}.tolist()" if slots else "[]"

    def _copied(self, slots: list[int], vector: str) -> str:
        """The numbers at these slots of `vector`, a new array."""
        if not slots:
            return "empty(0)"
        idx = np.array(slots, dtype=np.intp)
        view = _view(idx, vector)
        return f"{view}.copy()" if view is not None else f"{vector}[{self.array(idx)}]"

    def _shape(self, group: _Group) -> tuple[int, int] | None:
        """(R, U) where a Value operand repeats with period U over the group's R·U
        nodes (the most repeated one), else None."""
        best: tuple[int, int] | None = None
        n = len(group.nodes)
        for i, is_value in enumerate(group.pattern):
            if is_value:
                u = _period(np.array([row[i] for row in group.operands]))
                if u is not None and (best is None or u < best[1]):
                    best = (n // u, u)
        return best

    def _forward(self, group: _Group) -> None:
        n = len(group.nodes)
        gid = group.gid
        if group.dot:
            self._dot_forward(group)
            return
        if group.prim is None:  # chains of additions: terms × chains, summed down
            blocks = [f"add.reduce({self.index(rows)}, axis=0)" if len(rows) > 1
                      else self.index(rows[0])
                      for rows in _blocks(np.array(group.operands).T)]
            self.lines.append(f"    {group.view('val')} = {' + '.join(blocks)}"
                              f"  # {n:,} sums of {len(group.pattern)} terms")
            return
        prim = group.prim
        group.shape = self._shape(group)
        names = self._gather(group)
        if prim.check_operands is not None and checked(prim, group.pattern):
            check = self.globals.bind(f"{function_name(prim)}_operands",
                              _elementwise_check(prim.check_operands, group.pattern))
            self.lines.append(f"    {check}({', '.join(names)}, {self._size(group)})")
        group.result = f"out{gid}"  # not r{gid}: that is the array of operand r
        value, _ = self.codes.of(self.array_code(prim, len(names)))
        text = value.fill(by_operand([Expr(o, ATOM) for o in names])).text
        self.lines.append(f"    {group.result} = {text}  # {n:,} × {prim.name}")
        self.lines.append(f"    {group.view('val')}{'' if group.scalar else '[...]'} = "
                          f"{group.result}")

    def _gather(self, group: _Group) -> list[str]:
        """The group's operands, one array per position (a{gid}, b{gid}, ...:
        `_gathered_name`; an operand broadcast over the group's period is gathered
        once), or the number itself where it is one for every node; kept in
        `group.gathered`."""
        gid = group.gid
        shape = group.shape
        names = []
        for i, is_value in enumerate(group.pattern):
            refs = [row[i] for row in group.operands]
            if not is_value and len(set(refs)) == 1:
                names.append(repr(self.pool[refs[0]]))
                continue
            idx = np.array(refs)
            if shape is not None and _period(idx) == shape[1]:
                idx = idx[:shape[1]]  # gathered once, broadcast over the period
            else:
                idx = self._shaped(idx, shape)
            name = _gathered_name(i, gid)
            read = f"val[{refs[0]}]" if group.scalar else self.index(idx)
            self.lines.append(f"    {name} = {read}")
            names.append(name)
        group.gathered = names
        return names

    def _size(self, group: _Group) -> tuple[int, ...]:
        if group.scalar:
            return ()
        return group.shape if group.shape is not None else (len(group.nodes),)

    @staticmethod
    def _shaped(refs: Sequence[int] | np.ndarray, shape: tuple[int, int] | None) -> np.ndarray:
        idx = np.asarray(refs)
        return idx.reshape(shape) if shape is not None else idx

    def _reverse(self, group: _Group) -> None:
        if group.dot:
            self._dot_reverse(group)
            return
        needs = self.trace.needs_grad
        needed = [i for i, is_value in enumerate(group.pattern) if is_value and any(
            needs.get(self.by_slot.get(row[i]), False) for row in group.operands)]  # type: ignore[arg-type]
        if not needed:
            return
        n = len(group.nodes)
        if group.start < 0:
            group.out = self.array([self.slot[v] for v in group.nodes])
        if group.existing:  # made before the call: no forward step, its numbers are read
            self._gather(group)
            group.result = group.view("val")
        self.lines.append(f"    g = {group.view('adj')}")
        if group.prim is None:
            self._scatter_terms(group, needed)
            return
        prim = group.prim
        adjoints = self.codes.of(self.array_code(prim, len(group.gathered)))[1]
        parts = by_operand([Expr(o, ATOM) for o in group.gathered])
        parts["out"], parts["g"] = Expr(group.result, ATOM), Expr("g", ATOM)
        if not adjoints:  # partials that do not print: called element by element
            p = self.globals.bind(f"{function_name(prim)}_partials",
                                  _elementwise_partials(prim.partials))
            self.lines.append(f"    d = {p}({group.result}, {', '.join(group.gathered)}, "
                              f"{self._size(group)})")
        finite = ((scalar := code_of(prim, len(group.gathered))) is not None
                  and scalar.finite_partials)
        shape = group.shape
        for i in needed:
            term = adjoints[i].fill(parts).text if adjoints else f"d[..., {i}] * g"
            self.lines.append(f"    t = {term}")
            if not finite:
                self.lines.append("    if not isfinite(t.sum()):\n"
                                  "        raise Unusual('not finite')")
            refs = np.array([row[i] for row in group.operands])
            if group.scalar:
                self.lines.append(f"    adj[{refs[0]}] += t  # 1 × {prim.name}")
            else:
                self._add(refs, "t", shape, f"{n:,} × {prim.name}")

    # -- sums of products: a matrix product --------------------------------------------

    def _factors(self, group: _Group) -> None:
        """The group's products x[n, k]·y[n, k] as a matrix product where they are one:
        with n = q·P + r, one factor's slots depend on (r, k) only and the other's on
        (q, k) only (a layer's weights and a minibatch's activations), so that
        Σ_k x·y = (Q @ R.T)[q, r] with R (P × K) and Q (N/P × K) gathered once.
        Sets `group.factors` to (Q's slots, R's slots, P), or None (then the products
        are summed row by row: einsum)."""
        rows = np.array(group.operands)
        lead = len(group.pattern)
        k = group.dot
        x, y = rows[:, lead:lead + k], rows[:, lead + k:]
        n = len(rows)
        group.factors = None
        for a, b in ((x, y), (y, x)):
            ids = np.unique(a, axis=0, return_inverse=True)[1].ravel()
            period = _period(ids) or n
            others = np.unique(b, axis=0, return_inverse=True)[1].ravel().reshape(-1, period)
            repeats = np.broadcast_to(ids[:period], others.shape)
            if np.array_equal(ids.reshape(-1, period), repeats) \
                    and (others == others[:, :1]).all():
                group.factors = (b[::period], a[:period], period)
                return

    def _dot_forward(self, group: _Group) -> None:
        """lead + Σ_k x·y for every chain of the group: Q @ R.T (+ the lead)."""
        self._factors(group)
        gid, n, k = group.gid, len(group.nodes), group.dot
        rows = np.array(group.operands)
        if group.factors is not None:
            group.shape = (n // group.factors[2], group.factors[2])
        lead = self._lead(group, rows)
        if group.factors is not None:
            q, r, period = group.factors
            self.lines.append(f"    q{gid} = {self.index(q)}")
            self.lines.append(f"    r{gid} = {f'q{gid}' if _same(q, r) else self.index(r)}")
            what = f"{n // period} × {period} sums of {k} products: a matrix product"
            # into the group's slots (no temporary), then the lead: (Q @ R.T) + lead
            self.lines.append(f"    s = {group.view('val')}\n"
                              f"    matmul(q{gid}, r{gid}.T, out=s)  # {what}")
            if lead:
                self.lines.append(f"    s {lead[1]}= {lead[3:]}")
            return
        offset = len(group.pattern)
        self.lines.append(f"    x{gid} = {self.index(rows[:, offset:offset + k])}")
        self.lines.append(f"    y{gid} = {self.index(rows[:, offset + k:])}")
        self.lines.append(f"    {group.view('val')}[...] = einsum('nk,nk->n', x{gid}, y{gid})"
                          f"{lead}  # {n} sums of {k} products")

    def _lead(self, group: _Group, rows: np.ndarray) -> str:
        """' + the leads' (or ' - a number') in the group's shape (empty where there is
        none)."""
        if not group.pattern:
            return ""
        refs = rows[:, 0]
        if not group.pattern[0] and len(set(refs.tolist())) == 1:
            number = self.pool[int(refs[0])]
            if number == 0.0 and math.copysign(1.0, number) > 0:
                return ""  # sum(...) from 0: nothing to add
            negative = math.copysign(1.0, number) < 0  # x - 0.25, not x + -0.25
            return f" - {-number!r}" if negative else f" + {number!r}"
        shape = group.shape
        if shape is not None and _period(refs) == shape[1]:
            return f" + {self.index(refs[:shape[1]])}"
        return f" + {self.index(self._shaped(refs, shape))}"

    def _dot_reverse(self, group: _Group) -> None:
        """The gradients of lead + Σ x·y: ḡ to the lead, ḡ @ R to Q and ḡ.T @ Q to R
        (or ḡ·y to x and ḡ·x to y, row by row)."""
        gid, n, k = group.gid, len(group.nodes), group.dot
        rows = np.array(group.operands)
        offset = len(group.pattern)
        lines = self.lines
        lines.append(f"    g = {group.view('adj')}")
        if group.pattern and group.pattern[0] and self._needs(rows[:, 0]):
            self._add(rows[:, 0], "g", group.shape, f"{n:,} sums: the lead")
        if group.factors is not None:
            q, r, period = group.factors
            # a product over an inner dimension of 1 is a broadcast product (the same numbers)
            to_q = f"g {'*' if period == 1 else '@'} r{gid}"
            to_r = f"g.T {'*' if n == period else '@'} q{gid}"
            if _same(q, r) and self._needs(q):  # Σ x·x: both terms to the same slots, at once
                self._add(q.ravel(), f"({to_q} + {to_r}).ravel()", None,
                          f"{n:,} sums of {k} squares")
                return
            for refs, term in ((q, to_q), (r, to_r)):
                if self._needs(refs):
                    self._add(refs.ravel(), f"({term}).ravel()", None,
                              f"{n:,} sums of {k} products")
            return
        x, y = rows[:, offset:offset + k], rows[:, offset + k:]
        for refs, other in ((x, f"y{gid}"), (y, f"x{gid}")):
            if self._needs(refs):
                self._add(refs.ravel(), f"(g[:, None] * {other}).ravel()", None,
                          f"{n:,} sums of {k} products")

    def _needs(self, refs: np.ndarray) -> bool:
        """Does a gradient reach any of these slots' Values?"""
        needs = self.trace.needs_grad
        return any(needs.get(self.by_slot.get(s), False)  # type: ignore[arg-type]
                   for s in set(refs.ravel().tolist()))

    def _scatter_terms(self, group: _Group, needed: list[int]) -> None:
        """A chain's gradient to each of its terms: ∂(a + b + ...)/∂a = 1."""
        matrix = np.array(group.operands).T  # terms × chains
        rows = np.array(needed)
        for block in _blocks(matrix[rows]):
            if len(block) == 1:
                self._add(block[0], "g", None, f"{len(group.nodes):,} sums: a term")
            elif (view := _view(block, "adj")) is not None:
                self._add_into(view, "g", f"{len(group.nodes):,} sums: {len(block)} terms")
            else:
                flat = block.ravel()
                self.lines.append(f"    add.at(adj, {self.array(flat)}, broadcast_to(g, "
                                  f"{block.shape}).ravel())  # {len(group.nodes):,} sums")

    def _add_into(self, target: str, term: str, what: str) -> None:
        """target += term, where target is a view of `adj` (named first, so that
        Python adds in place and does not assign the view onto itself), or adj at
        an index array."""
        if target.startswith("adj[I"):
            self.lines.append(f"    {target} += {term}  # {what}")
        else:
            self.lines.append(f"    s = {target}\n    s += {term}  # {what}")

    def _ones(self, n: int) -> str:
        """A constant vector of n ones: ones @ x sums x's rows (a BLAS call, faster
        than x.sum(axis=0) for a minibatch's few rows)."""
        name = f"ones{n}"
        self.namespace[name] = np.ones(n)
        return name

    def _add(self, refs: np.ndarray, term: str, shape: tuple[int, int] | None,
             what: str) -> None:
        """adj[refs] += term, also where refs repeat: where they repeat with a period,
        summed over it first; else by numpy.add.at on the flattened arrays (which
        NumPy does faster than a fancy-indexed +=)."""
        u = _period(refs)
        shaped = self._shaped(refs, shape)
        if u is not None and (shape is None or u == shape[1]):
            r = len(refs) // u
            rows = term if shape is not None else f"{term}.reshape({r}, {u})"
            summed = f"{self._ones(r)} @ {rows}"
            self._add_into(self.index(refs[:u], "adj"), summed, what)
        elif (view := _view(shaped, "adj")) is not None:
            self._add_into(view, term, what)
        elif len(set(refs.tolist())) == len(refs) and len(refs) < 1000:
            self.lines.append(f"    adj[{self.array(shaped)}] += {term}  # {what}")
        else:
            self.lines.append(f"    add.at(adj, {self.array(refs)}, {term}.ravel())  # {what}")


@functools.lru_cache(maxsize=1024)
def _flags(positions: tuple[int, ...], operands: int) -> tuple[bool, ...]:
    """Per operand: is it at one of these positions (a node's `receivers`, a sum of
    products' lead's): a group's pattern."""
    return tuple(i in positions for i in range(operands))


def _same(a: np.ndarray, b: np.ndarray) -> bool:
    """Are these the same slots, in the same shape?"""
    return a.shape == b.shape and np.array_equal(a, b)


def _gathered_name(i: int, gid: int) -> str:
    """The array of group gid's operand i: its name and the group's number, a3 or
    x_27_3 (the underscore keeps x_27 of group 13 apart from x_271 of group 3)."""
    name = operand_name(i)
    return f"{name}{gid}" if name.isalpha() else f"{name}_{gid}"


def _blocks(matrix: np.ndarray) -> list[np.ndarray]:
    """The rows of a terms × chains matrix of slots in blocks, in order: runs of rows
    whose slots form a view (`_view`), and the other rows one by one."""
    out: list[np.ndarray] = []
    k, terms, chains = 0, len(matrix), matrix.shape[1]
    runs = np.all(np.diff(matrix, axis=1) == 1, axis=1).tolist()  # rows that are runs
    while k < terms:
        end = k + 1
        if chains > 1 and (length := int(matrix[k, 1] - matrix[k, 0])) > 1 \
                and k + length <= terms and _view(matrix[k:k + length], "val") is not None:
            end = k + length  # the chains' terms side by side: a transposed view
        elif runs[k]:  # rows that are runs, each starting after the last: one run (a view);
            # tested row by row, so that a long chain costs linear time
            while end < terms and runs[end] \
                    and int(matrix[end, 0]) == int(matrix[end - 1, -1]) + 1:
                end += 1
        out.append(matrix[k:end])
        k = end
    return out


class _Buffers(threading.local):
    """The vectors of values and gradients of one program, one pair per thread."""

    def __init__(self, size: int) -> None:
        self.pair = (np.empty(size), np.empty(size))

    def __call__(self) -> tuple[np.ndarray, np.ndarray]:
        return self.pair


def _applied(f: Callable[..., Any]) -> Callable[..., Any]:
    """f applied element by element to arrays (or numbers) of operands, broadcast
    together, its results checked to be floats: a primitive's forward where it has no
    `array_code`."""
    def apply(*operands: Any) -> Any:
        shape = np.broadcast_shapes(*(np.shape(o) for o in operands))
        rows = [f(*row) for row in _rows(operands, shape)]
        if any(type(r) is not float for r in rows):
            raise Unusual("a primitive did not return floats")
        return np.array(rows, dtype=np.float64).reshape(shape)
    apply.__name__ = apply.__qualname__ = f"{getattr(f, '__name__', 'forward')} (elementwise)"
    return apply


def _elementwise_partials(partials: Callable[..., Any]) -> Callable[..., Any]:
    """A primitive's partials (where they do not print on symbols) applied element
    by element: an array of shape (*shape, operands), checked to be floats."""
    def apply(*operands_and_shape: Any) -> Any:
        *operands, shape = operands_and_shape
        rows = [partials(*row) for row in _rows(operands, shape)]
        for r in rows:
            if type(r) is not tuple or any(type(d) is not float for d in r):
                raise Unusual("a primitive's partials did not return floats")
        return np.array(rows, dtype=np.float64).reshape((*shape, -1))
    return apply


def _elementwise_check(check: Callable[..., None], pattern: tuple[bool, ...]
                       ) -> Callable[..., None]:
    """A primitive's `check_operands`, element by element, with a Value standing for
    each Value operand."""
    def apply(*operands_and_shape: Any) -> None:
        *operands, shape = operands_and_shape
        for row in _rows(operands, shape):
            check(*(Value(x) if is_value and math.isfinite(x) else x
                    for x, is_value in zip(row, pattern, strict=True)))
    return apply


def _rows(operands: Sequence[Any], shape: tuple[int, ...]) -> Iterator[tuple[float, ...]]:
    """The operands (arrays or numbers, broadcast to shape), element by element."""
    return zip(*(np.broadcast_to(o, shape).ravel().tolist() for o in operands), strict=True)
