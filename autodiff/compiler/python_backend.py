"""A recorded graph written as a straight-line Python program: the evaluation
trace, then the adjoint trace (Baydin et al. 2018, Tables 2 and 3).

The forward part has one line per primitive, `v = f(a, b)`, in the order of the
graph; the reverse part has one line per node that passes a gradient on,
`v̄ = Σ_k (∂w_k/∂v)·w̄_k` over its consumers w_k, its terms in the order in which
`backward()` adds them, so that every number is the interpreter's, bit for bit.
Every primitive is written inline from its `Code` (autodiff.compiler.lowering:
the adjoints printed from its partials); only one whose partials do not run on
symbols (a user's, branching with Python's `if`) is called (its `forward` and
`partials`, checked to return floats). Names come
from labels (`u_1^(2)` is `u_1_2`, its gradient `ū_1_2`); unlabelled nodes are
v1, v2, ... With `inline=True` a value used once, by one consumer, is written
into that consumer's line rather than named (a sum of products is one line).

Where the graph repeats itself, as a minibatch's loss does once per data point
(`autodiff.compiler.repeats`), the repeated code is written once, as a loop
over the repetitions: the evaluation trace's loop keeps what the adjoint lines
read of each repetition, and the adjoint trace's loop goes over them last
first, adding each term where the sweep adds it, so that the numbers stay the
interpreter's. Graphs of `LOOP_NODES` nodes or more are written so unless
`loops=False`; smaller ones only with `loops=True`. The adjoint loop skips, under
`if h̄:`, the lines that an adjoint h̄ of 0 makes 0 (autodiff.compiler.zeros: a
point outside the margin, a ReLU that is off); a zero's sign aside, which the
program's gradients do not keep (`+ 0.0`), what it skips adds nothing.

A replay must fail where the interpreter does. Exceptions (a domain error, a
division by zero) stop the program; numbers that are not finite, which
arithmetic does not raise on, are caught by one test at the end over every
value where one could hide: the operands of each primitive whose `Code` does
not say that it `propagates` inf and nan, the terms of each primitive whose
local derivatives may not be finite, and the results. Either way the caller
reruns the step in the interpreter and reports its error.
"""

from __future__ import annotations

import builtins
import keyword
import math
import re
import unicodedata
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from types import MappingProxyType
from typing import Any

from autodiff import functions
from autodiff.compiler import repeats, zeros
from autodiff.compiler.lowering import Code, Unusual, checked, checked_forward, code_of
from autodiff.compiler.templates import (
    ARITH,
    ATOM,
    BOR,
    FACTOR,
    TERM,
    TEST,
    Expr,
    Template,
    renamed,
)
from autodiff.compiler.tracing import Guard, Trace, argument_names, leaves
from autodiff.core import Primitive, Value, receivers
from autodiff.notation import operand_name, operand_names

MAX_INLINE = 64
"""At most this many primitives are written into one expression."""
MAX_TERMS = 100
"""At most this many terms are summed in one statement (CPython's compiler recurses)."""
SPLIT_CHARS = 2_000_000
"""A program of more characters is split into functions (`_split`): CPython's
compile of one function holds about 75 bytes per character of its source at once
(150 MB here), whatever its number of lines..."""
CHUNK_CHARS = 200_000
"""... of statements of about this many characters (and the loads, stores and
tests they need)."""
LOOP_NODES = 10_000
"""A trace of at least this many nodes whose code repeats (per data point) is written
with loops over the repetitions (`autodiff.compiler.repeats`) unless told otherwise:
CPython compiles a loop over a million-node minibatch's points at once, where the
program written out takes it seconds. Smaller programs are written out, to be read
line by line."""
_DELIMITERS = re.compile(r"[\s()+\-*/,=<>.:\[\]'\"#%@&|^~!{};]+")
_ASSIGNED = re.compile(r"    (\S+) = ")

class Changed(Exception):
    """Raised by a compiled program when a recorded comparison comes out otherwise
    (with the comparison's index among the trace's guards)."""


class Codes:
    """The templates of the primitives a program uses, each Code parsed once, with
    their function names bound in the program's globals and made unique there
    (renamed where two Codes, or a Code and the globals, disagree on one)."""

    def __init__(self, globals_: Namespace) -> None:
        self.globals = globals_
        self._parsed: dict[int, tuple[Code, Template, tuple[Template, ...]]] = {}

    def of(self, code: Code) -> tuple[Template, tuple[Template, ...]]:
        """The value's and the adjoints' templates (keyed by the record's identity:
        the record is kept, so its id stays valid)."""
        found = self._parsed.get(id(code))
        if found is None:
            renames = {n: self.globals.bind(n, f) for n, f in code.names.items()}
            texts = [renamed(t, renames) for t in (code.value, *(code.adjoints or ()))]
            found = (code, Template(texts[0]), tuple(Template(t) for t in texts[1:]))
            self._parsed[id(code)] = found
        return found[1], found[2]


class Namespace:
    """A program's global names: each object by a name of its own (`bind`)."""

    def __init__(self, names: Mapping[str, Any] = MappingProxyType({})) -> None:
        self.namespace: dict[str, Any] = dict(names)

    def bind(self, name: str, obj: object) -> str:
        candidate, k = name, 1
        while candidate in self.namespace and self.namespace[candidate] is not obj:
            k += 1
            candidate = f"{name}_{k}"
        self.namespace[candidate] = obj
        return candidate


class _Locals:
    """Unique local names from labels: "u_1^(2)" is u_1_2, a second one u_1_2__2."""

    def __init__(self, reserved: Iterable[str]) -> None:
        self.taken = set(reserved)
        self.counter = 0

    def fresh(self, hint: str | None) -> str:
        base = _identifier(hint) if hint else None
        if base is None:
            self.counter += 1
            base = f"v{self.counter}"
            while base in self.taken:
                self.counter += 1
                base = f"v{self.counter}"
        return self._claim(base)

    def bar(self, name: str) -> str:
        """The gradient's name: name with a bar over its first letter (ū_1_2)."""
        barred = unicodedata.normalize("NFKC", name[0] + "\u0304" + name[1:])
        return self._claim(barred if barred.isidentifier() else f"{name}_bar")

    def _claim(self, base: str) -> str:
        name, k = base, 1
        while name in self.taken:
            k += 1
            name = f"{base}__{k}"
        self.taken.add(name)
        return name


def _identifier(label: str) -> str | None:
    """A Python name for a label: characters that cannot be in one become "_"."""
    text = unicodedata.normalize("NFKC", label)
    chars = [c if ("a" + c).isidentifier() else "_" for c in text]
    name = "_".join(part for part in "".join(chars).split("_") if part)
    if not name:
        return None
    if not name[0].isidentifier():
        name = f"v_{name}"
    if keyword.iskeyword(name) or hasattr(builtins, name):
        name += "_"
    return name if name.isidentifier() else None


def _looped_hint(first: str, second: str) -> str | None:
    """The name of an input read in a loop, from its names in the first two blocks:
    the indices that differ become k ("xs[1][0]", "xs[2][0]": "xs[k][0]")."""
    a, b = re.split(r"(\d+)", first), re.split(r"(\d+)", second)
    if len(a) != len(b):
        return None
    return "".join(x if x == y else "k" for x, y in zip(a, b, strict=True))


def function_name(prim: Primitive) -> str:
    """The name a program gives a primitive's functions: its own name where that can
    be one ("c_softsign"), else its name in autodiff.ops ("**": pow)."""
    return _identifier(prim.name) or next(
        (n for n in functions.__all__ if getattr(functions, n) is prim), "primitive")


DROPPED = Expr("<inlined, forgotten>")
"""What the adjoint trace sees of an inlined value (which no adjoint term reads:
such values are named); not Python, should it ever be written."""


def _constant(x: float) -> Expr:
    """A folded number as source: its repr (exact for floats, −0.0 included)."""
    text = repr(x)
    return Expr(text, FACTOR if text.startswith("-") else ATOM)


@dataclass
class Program:
    """A compiled program's source and the globals it runs with: `function(X, P)`
    takes the numbers of the arguments (X, flattened) and the numbers of the
    trace's `reads` (P) and returns (loss, results, the gradients of the reads at
    the trace's `target_slots`)."""

    source: str
    namespace: dict[str, Any]
    name: str

    def function(self) -> Callable[[Sequence[float], Sequence[float]], Any]:
        """The program's function, each of its top-level functions compiled on its own
        (CPython's compiler holds a whole source's tree and instructions at once)."""
        where = f"<autodiff.compile: {self.name}>"
        source, start = self.source, 0
        while start < len(source):  # one piece at a time: no second copy of the whole source
            end = source.find(PIECES, start)
            end = len(source) if end < 0 else end + 3  # each piece from its "def "
            exec(compile(source[start:end], where, "exec"), self.namespace)
            start = end
        return self.namespace[self.name]


@dataclass
class _Loop:
    """A `Repeat`'s evaluation loop while the adjoint trace is written: its counter,
    its body, the carried values (a name and the value it takes at the end of the
    body), where its text goes among the program's lines, the names of the lists of
    what each block keeps for the adjoint loop and of the blocks' results, and of
    the sum of the values the loop tests (`tallied` once a value is added to it)."""

    counter: str
    body: list[str]
    carried: list[tuple[str, str]]
    at: int
    saved: str
    outputs: str
    tally: str
    tallied: bool = False


PIECES = "\n\n\ndef "
"""What separates the top-level functions of a program that is split (`CHUNK_CHARS`)."""


def _checked_partials(prim: Primitive) -> Callable[..., tuple[float, ...]]:
    partials = prim.partials

    def local_derivatives(out: float, *operands: float) -> tuple[float, ...]:
        ds = partials(out, *operands)
        if (type(ds) is not tuple or len(ds) != len(operands)
                or any(type(d) is not float for d in ds)):
            raise Unusual(f"{prim.name}: partials did not return a tuple of floats")
        return ds
    local_derivatives.__name__ = local_derivatives.__qualname__ = f"{prim.name} (partials)"
    return local_derivatives


def write(trace: Trace, *, inline: bool = True, name: str = "step",
          loops: bool | None = None) -> Program:
    """The program of a trace (see the module's docstring). `loops`: write the code
    that repeats per data point as a loop (True: wherever it repeats; None: in traces
    of `LOOP_NODES` nodes or more; False: never)."""
    found = [] if loops is False else repeats.find(trace, LOOP_NODES if loops is None else 0)
    program = _Writer(trace, inline, name, found).program()
    if found and len(program.source) > SPLIT_CHARS:  # long around its loops:
        program = _Writer(trace, inline, name, []).program()  # written out, in parts
    return program


class _Op:
    """What the writer needs of one primitive: its templates (or the names of its
    checked `forward` and `partials`), and what the program must test."""

    def __init__(self, prim: Primitive, n: int, codes: Codes) -> None:
        bind = codes.globals.bind
        base = function_name(prim)
        code = code_of(prim, n)
        self.call: tuple[str, str] | None = None
        if code is not None:
            self.value, self.adjoints = codes.of(code)
            repeated = {f for f, k in self.value.counts.items() if k > 1}  # read twice
            self.repeated = frozenset(i for i in range(n) if operand_name(i) in repeated)
        else:
            self.call = (bind(base, checked_forward(prim, finite=False)),
                         bind(f"{base}_partials", _checked_partials(prim)))
            self.repeated = frozenset()
        self.tests_operands = code is None or not code.propagates
        self.tests_terms = code is None or not code.finite_partials
        self.check = (None if prim.check_operands is None
                      else bind(f"{base}_operands", prim.check_operands))
        self.prim, self.n = prim, n
        # per operand: the operand positions its adjoint term reads, and whether it
        # reads {out}; how often it uses {g}
        self.reads: list[tuple[tuple[int, ...], bool, int]] = [
            (tuple(i for i, name in enumerate(operand_names(len(self.adjoints)))
                   if name in t.counts),
             "out" in t.counts, t.counts.get("g", 0))
            for t in (self.adjoints if code is not None else ())]
        self.reads_operands = any(positions for positions, _, _ in self.reads)
        self.g_uses = tuple(uses for _, _, uses in self.reads)
        self.branches = code is not None and all(  # ḡ read, if at all, in a branch's arm
            t.precedence == TEST or "g" not in t.counts for t in self.adjoints)
        # per operand, what its term is to autodiff.compiler.zeros: ḡ, or ḡ or 0.0
        self.kinds = tuple(
            zeros.SAME if t.identity == "g" else
            zeros.GATE if t.precedence == TEST and "g" in t.counts else ""
            for t in self.adjoints) if code is not None else ("",) * n

    def checks(self, at: tuple[int, ...]) -> bool:
        """Whether a node whose Value operands are at `at` calls `check_operands`."""
        return self.check is not None and checked(self.prim, [i in at for i in range(self.n)])


class _Writer:
    def __init__(self, trace: Trace, inline: bool, name: str,
                 found: list[repeats.Repeat]) -> None:
        self.trace = trace
        self.repeats = found
        self.unlabelled: set[Value] = {
            r.block(trace.order, r.count - 1)[j] for r in found for j in r.unlabelled}
        self.loops: dict[int, _Loop] = {}  # per Repeat (by its start)
        self.inline = inline
        self.name = name
        self.globals = Namespace()
        self.codes = Codes(self.globals)
        self.lines: list[str] = []
        self.checks: list[str] = []
        self.ops: dict[tuple[Primitive, int], _Op] = {}
        self.existing = set(trace.captured)
        self.heads: set[Value] = set()  # the nodes whose adjoint a loop tests (zeros.Region)
        self.head_names: dict[Value, str] = {}

    def program(self) -> Program:
        bind = self.globals.bind
        self.isfinite, self.unusual, self.changed = (
            bind("isfinite", math.isfinite), bind("Unusual", Unusual), bind("Changed", Changed))
        # per node: the op and its Values' places among its operands (`v.args`, read
        # again where needed: a tuple per node kept would be most of the writer's memory);
        # one (op, places) pair per pattern
        self.info: dict[Value, tuple[_Op, tuple[int, ...]]] = {}
        pairs: dict[tuple[_Op, tuple[int, ...]], tuple[_Op, tuple[int, ...]]] = {}
        ops, info = self.ops, self.info
        for v in self.trace.order:
            prim = v.primitive
            if prim is not None:
                args = v.args
                op = ops.get((prim, len(args)))
                if op is None:
                    op = ops[prim, len(args)] = _Op(prim, len(args), self.codes)
                    if prim.check_operands is not None:
                        bind("Value", Value)
                pair = (op, receivers(v))  # the operands that receive a term
                info[v] = pairs.setdefault(pair, pair)
        self.locals = _Locals([*self.globals.namespace, "X", "P"])
        self._plan()
        self._name_leaves()
        self._forward()
        self._reverse()
        return self._finish()

    def _plan(self) -> None:
        """Which nodes need a gradient, and which values must have a name: the
        results, labelled nodes, values used twice, by a test or by the sweep."""
        t, existing, info = self.trace, self.existing, self.info
        needs_grad = t.needs_grad
        uses: dict[Value, int] = {}
        named: set[Value] = {t.loss, *t.results}
        named.update(x for g in t.guards for x in g.operands)
        add = named.add
        for v in self._written():
            found = info.get(v)
            if found is None:
                continue
            op, at = found
            args: tuple[Any, ...] = v.args
            values = [(i, args[i]) for i in at]
            if v not in existing:
                if self._label(v):
                    add(v)
                force = op.tests_operands or op.checks(at)
                for i, x in values:
                    uses[x] = uses.get(x, 0) + 1
                    if force or i in op.repeated:
                        add(x)
            if not needs_grad.get(v, False):
                continue
            if op.call is not None:  # partials(out, *operands) is called
                add(v)
                named.update(x for _, x in values)
                continue
            for i, x in values:
                if needs_grad[x]:
                    positions, out, _ = op.reads[i]
                    if out:
                        add(v)
                    for j in positions:
                        y = args[j]
                        if isinstance(y, Value):
                            add(y)
        named.update(v for v, n in uses.items() if n != 1)
        if not self.inline:
            named.update(t.order)
        for r in self.repeats:  # what passes from one repetition to the next, or out of the loop
            last = r.block(t.order, r.count - 1)
            named.update(r.first_carried(t.order).values())
            for k in (r.count - 2, r.count - 1):
                named.update(r.block(t.order, k)[j] for j in r.carried)
            read_after = set(last)
            named.update(x for v in t.order[r.end:] for x in v.inputs if x in read_after)
        self.named = named

    def _label(self, v: Value) -> str:
        """v's label, which names it: none for a node of a `Repeat` whose label is not
        the same in every block (E_1, E_2, ...)."""
        return "" if v in self.unlabelled else v.label

    def _written(self) -> Iterable[Value]:
        """The nodes whose lines the program holds: a `Repeat`'s last block stands
        for all of its blocks."""
        if not self.repeats:
            return self.trace.order
        return [v for nodes, r in self._segments(self.trace.order)
                for v in (nodes if r is None else r.block(self.trace.order, r.count - 1))]

    def _segments(self, order: list[Value]) -> list[tuple[list[Value], repeats.Repeat | None]]:
        """order in pieces: (nodes, None) written out, ([], r) a Repeat (a trace with
        Repeats has loss_order == order: either order may be cut)."""
        if not self.repeats:
            return [(order, None)]
        done = 0
        pieces: list[tuple[list[Value], repeats.Repeat | None]] = []
        for r in self.repeats:
            pieces += [(order[done:r.start], None), ([], r)]
            done = r.end
        return [*pieces, (order[done:], None)]

    # -- leaves and reads ------------------------------------------------------------

    def _name_leaves(self) -> None:
        t = self.trace
        self.expr: dict[Value, Expr] = {}
        self.input_names: list[str] = []
        self.input_places: list[int] = []  # each name's place in X
        self.looped: dict[int, list[tuple[str, int, int]]] = {}  # per Repeat (by its
        # start): its inputs (name, X[first + step·k])
        skipped: set[Value] = set()
        hints = [(name, kind) for kind, name in leaves(t.shape, argument_names(t.fn))]
        numbers = [h for h, k in hints if k == "n"]
        for r in self.repeats:  # the inputs of the repetitions are read in the loop
            last = r.block(t.order, r.count - 1)
            self.looped[r.start] = []
            for j, (first, step) in r.inputs.items():
                n = self.locals.fresh(_looped_hint(numbers[first], numbers[first + step]))
                self.expr[last[j]] = Expr(n)
                self.looped[r.start].append((n, first, step))
                skipped.update(t.inputs[first + step * k] for k in range(r.count))
        for i, (leaf, hint) in enumerate(zip(t.inputs, numbers, strict=True)):
            if leaf not in skipped:
                n = self.locals.fresh(hint)
                self.expr[leaf] = Expr(n)
                self.input_names.append(n)
                self.input_places.append(i)
        # the arguments' Values (one slot each, a repeated Value once), then the rest
        slots: list[str] = []
        for v, hint in zip(t.arguments, [h for h, k in hints if k == "v"], strict=True):
            if v in self.expr:
                slots.append("_")
                continue
            n = self.locals.fresh(v.label or hint)
            self.expr[v] = Expr(n)
            slots.append(n)
        for v in t.reads[len(t.arguments):]:
            n = self.locals.fresh(v.label or None)
            self.expr[v] = Expr(n)
            slots.append(n)
        self.read_names = slots

    # -- the evaluation trace ------------------------------------------------------

    def _forward(self) -> None:
        t = self.trace
        guards_after: dict[Value, list[int]] = {}
        position = {v: i for i, v in enumerate(t.order)} if t.guards else {}
        for k, g in enumerate(t.guards):
            guards_after.setdefault(max(g.operands, key=position.__getitem__), []).append(k)
        self.lines.append("    # evaluation trace")
        self.reserved: dict[Value, str] = {}  # a loop's labelled values: their names first,
        for repeat in self.repeats:  # so that the loop reads u_1_2 (and the point before
            for v in repeat.block(t.order, repeat.count - 1):  # it u_1_2__2)
                if (label := self._label(v)) and v in self.named and v not in self.expr:
                    self.reserved[v] = self.locals.fresh(label)
        for nodes, r in self._segments(t.order):  # (a trace with guards has no Repeat)
            if r is None:
                self._values(nodes, guards_after)
            else:
                self._forward_loop(r)

    def _values(self, nodes: Iterable[Value], guards_after: Mapping[Value, list[int]]) -> None:
        """The lines that compute the nodes (each a name, or an expression kept for
        its one consumer) and the guards due after each."""
        t = self.trace
        expr, named, info, fresh = self.expr, self.named, self.info, self.locals.fresh
        for v in nodes:
            if v not in expr:
                if v not in info:  # a leaf made by the program: its number
                    expr[v] = _constant(v.data)
                    continue
                e = self._value(v, *info[v])
                if v in named or e.size > MAX_INLINE:
                    label = self._label(v)
                    n = self.reserved.pop(v, None) or fresh(label)
                    self.lines.append(f"    {n} = {e.text}{_comment(label, n)}")
                    e = Expr(n)
                expr[v] = e
            if v in guards_after:
                for k in guards_after[v]:
                    self._guard(k, t.guards[k])

    def _forward_loop(self, r: repeats.Repeat) -> None:
        """The evaluation trace of a `Repeat`: its last block's lines in a loop over
        the blocks, each reading its inputs from X and the carried values of the
        block before it. What the adjoint trace reads of each block is kept in a
        list (`_reverse_loop` says what, and completes the loop)."""
        order = self.trace.order
        before, last = r.block(order, r.count - 2), r.block(order, r.count - 1)
        first_before = r.first_carried(order)
        carry: list[tuple[str, int]] = []
        for j in r.carried:
            c = self.locals.fresh(None)
            self.lines.append(f"    {c} = {self.expr[first_before[j]].text}")
            self.expr[before[j]] = Expr(c)
            carry.append((c, j))
        k = self.locals.fresh("k")
        loop = self.loop = self.loops[r.start] = _Loop(k, [
            f"    {n} = X[{first} + {k if step == 1 else f'{step} * {k}'}]"
            for n, first, step in self.looped[r.start]], [], 0, self.locals.fresh("saved"),
            self.locals.fresh("outputs"), self.locals.fresh("tally"))
        main, self.lines = self.lines, loop.body
        checks = len(self.checks)
        self._values(last, {})
        if r.results:  # the program's results of each block, in a list
            main.append(f"    {loop.outputs} = []  # the results of each block")
            names = [self.expr[last[j]].text for j in r.results]
            self.checks += names
            self.lines.append(f"    {loop.outputs}.append({names[0]})" if len(names) == 1
                              else f"    {loop.outputs}.extend({_tuple(names)})")
        self._tally(checks)
        loop.carried = [(c, self.expr[last[j]].text) for c, j in carry]
        self.lines = main
        loop.at = len(main)
        main.append("")  # the loop, once the adjoint trace says what it keeps

    def _parts(self, v: Value) -> list[Expr]:
        """The expressions of v's operands: names, inlined values, numbers (in the
        adjoint trace, `DROPPED` for an inlined value, which no adjoint reads)."""
        expr = self.expr
        return [expr.get(x, DROPPED) if isinstance(x, Value) else _constant(x)
                for x in v.args]

    def _value(self, v: Value, op: _Op, at: tuple[int, ...]) -> Expr:
        """v's value as an expression of its operands' (an inlined operation's
        is written into it here, its only use, and forgotten: the writer's
        memory is its named values, not every node's text)."""
        args = v.args
        expr, named, info = self.expr, self.named, self.info
        parts = [expr[x] if isinstance(x, Value) else _constant(x) for x in args]
        for i in at:
            x = args[i]
            if x not in named and x in info:  # (a leaf's name stays: its gradient's is made of it)
                del expr[x]
        if op.checks(at):
            shown = [f"Value({p.text})" if isinstance(x, Value) else p.text
                     for p, x in zip(parts, args, strict=True)]
            self.lines.append(f"    {op.check}({', '.join(shown)})")
        if op.tests_operands:
            self.checks.extend(p.text for p in parts if p.size == 0 and p.text.isidentifier())
        if op.call is None:
            return op.value.filled(parts, None, None)
        return Expr(f"{op.call[0]}({', '.join(p.within(TEST) for p in parts)})", ATOM,
                    1 + sum(p.size for p in parts))

    def _guard(self, k: int, g: Guard) -> None:
        a = self.expr[g.a].within(BOR)
        if isinstance(g.b, Value):
            b = self.expr[g.b].within(BOR)
        elif type(g.b) in (int, float):
            b = _constant(g.b).within(BOR)
        else:
            b = self.globals.bind(f"number_{k}", g.b)
        test = f"{a} {g.op} {b}"
        condition = f"not ({test})" if g.result else test
        self.lines.append(f"    if {condition}:  # as at {g.where}\n"
                          f"        raise {self.changed}({k})")

    # -- the adjoint trace ---------------------------------------------------------

    def _reverse(self) -> None:
        t = self.trace
        self.lines.append("    # adjoint trace")
        self.terms: dict[Value, list[Expr]] = {t.loss: [Expr("1.0")]}
        self.grad_expr: dict[Value, Expr] = {}  # of the existing Values
        self.tested: set[Value] = set()
        self.partial: dict[Value, str] = {}  # a leaf's gradient, summed so far
        for nodes, r in reversed(self._segments(t.loss_order)):
            if r is None:
                self._adjoints(reversed(nodes))
            else:
                self._reverse_loop(r)
        terms = self.terms
        for v in t.reads:
            if v in terms or v in self.partial:  # an existing leaf
                self._gradient(v, terms.pop(v, []), uses=2)
        # + 0.0: a gradient that is 0 is +0.0, as backward()'s sums, which start at 0.0,
        # give it (here a zero's sign may be the last term's, or the −0.0 a loop starts at)
        self.grads = [_sum([self.grad_expr[t.reads[slot]], Expr("0.0")])
                      for slot in t.target_slots]

    def _adjoints(self, nodes: Iterable[Value]) -> None:
        """The lines of the adjoint trace at the nodes (in reverse order): each node's
        gradient from the terms its consumers passed on, and its terms to its operands."""
        terms, needs_grad, expr, info = self.terms, self.trace.needs_grad, self.expr, self.info
        full: list[Value] = []  # leaves with MAX_TERMS terms pending
        for v in nodes:
            if v not in info or not needs_grad[v]:
                continue  # an existing leaf's gradient is summed at the end
            op, at = info[v]
            args: tuple[Any, ...] = v.args
            operands = [(i, args[i]) for i in at if needs_grad[args[i]]]
            uses = len(operands) if op.call is not None else sum(
                [op.g_uses[i] for i, _ in operands])
            g = self._gradient(v, terms.pop(v), uses, branch=op.branches)
            if op.call is not None:
                parts = self._parts(v)
                d = self.locals.fresh(f"d_{expr[v].text}")
                call = ", ".join(p.within(TEST) for p in [expr[v], *parts])
                self.lines.append(f"    {d} = {op.call[1]}({call})")
                for i, x in operands:
                    called = terms.setdefault(x, [])
                    called.append(Expr(f"{d}[{i}] * {g.within(TERM + 1)}", TERM, 1 + g.size))
                    if len(called) >= MAX_TERMS and x not in info:
                        full.append(x)
            else:
                # the operands again (a list per node would be kept), where a term reads them
                parts = self._parts(v) if op.reads_operands else []
                out, adjoints = expr.get(v, DROPPED), op.adjoints
                for i, x in operands:
                    found = terms.get(x)
                    if found is None:
                        terms[x] = [adjoints[i].filled(parts, out, g)]
                    else:
                        found.append(adjoints[i].filled(parts, out, g))
                        if len(found) >= MAX_TERMS and x not in info:
                            full.append(x)
            if op.tests_terms:  # a term may not be finite: the gradients it goes to are tested
                self.tested.update(x for _, x in operands)
            if full:  # a leaf's first MAX_TERMS terms summed as soon as they are there:
                for x in full:  # the values they read need not live to the end
                    if x in terms:
                        self._gradient(x, terms.pop(x), uses=2, final=False)
                full.clear()

    def _reverse_loop(self, r: repeats.Repeat) -> None:
        """The adjoint trace of a `Repeat`: its last block's adjoint lines in a loop
        over the blocks, last first, as backward() meets them. Each gradient adds
        its terms in the sweep's order: a parameter's are added to its sum one
        block after the other (from −0.0, which adds nothing: −0.0 + x is x, bit for
        bit), and a block's carried nodes start from the sum of the terms the next
        block (for the last, the nodes after the run) passed on."""
        self.loop = self.loops[r.start]
        order, terms, info = self.trace.order, self.terms, self.info
        needs = self.trace.needs_grad
        before, last = r.block(order, r.count - 2), r.block(order, r.count - 1)
        first_before = r.first_carried(order)
        place = {v: j for j, v in enumerate(before)}
        params: dict[Value, None] = {}  # the parameters the block passes terms to
        tested: set[int] = set()  # carried places whose terms may not be finite
        for v in last:
            if v in info and needs[v]:
                op, at = info[v]
                args: tuple[Any, ...] = v.args
                for i in at:
                    x = args[i]
                    if needs[x] and x not in info and x not in place:
                        params[x] = None
                    if op.tests_terms and x in place:
                        tested.add(place[x])
        for x in params:  # each parameter's sum so far, named
            if x in terms:
                self._gradient(x, terms.pop(x), uses=2, final=False)
            elif x not in self.partial:
                n = self.partial[x] = self.locals.bar(self.expr[x].text)
                self.lines.append(f"    {n} = -0.0")
        incoming = [j for j in sorted({*r.carried, *(j for j, v in enumerate(last) if v in terms)})
                    if needs[last[j]]]
        sums = {j: self.locals.fresh(None) for j in incoming}
        for j in incoming:  # for the last block: the terms of the nodes after the run
            pending = terms.pop(last[j], None)
            self.lines.append(f"    {sums[j]} = {_sum(pending) if pending else '-0.0'}")
            terms[last[j]] = [Expr(sums[j])]
        self.tested.update(last[j] for j in tested)
        main, self.lines = self.lines, []
        checks = len(self.checks)
        self._swept(self._regions(last, {last[j] for j in incoming}, params))
        for x in params:
            if x in terms:
                self._gradient(x, terms.pop(x), uses=2, final=False)
        self._tally(checks)
        passed = [_sum(found) if j in r.carried and (found := terms.pop(before[j], None))
                  else "-0.0" for j in incoming]  # the next block's (the one before's)
        moved = [(sums[j], text) for j, text in zip(incoming, passed, strict=True)
                 if text != sums[j]]
        if moved:  # all at once: a sum may read another's value of this block
            self.lines.append(f"    {', '.join(n for n, _ in moved)} = "
                              f"{', '.join(text for _, text in moved)}")
        reverse_body, self.lines = self.lines, main
        for j in incoming:
            if j in r.carried:
                terms[first_before[j]] = [Expr(sums[j])]
        self.tested.update(first_before[j] for j in tested)
        saved, kept = self._close_forward_loop(r, reverse_body)
        if reverse_body:
            head = (f"    for {_display(kept, 12)} in reversed({saved}):" if kept
                    else f"    for _ in range({r.count}):")
            self.lines.append(f"{head}  # the blocks again, the last first")
            self.lines += _indented(reverse_body)

    def _regions(self, block: Sequence[Value], entries: set[Value], params: Iterable[Value]
                 ) -> zeros.Region:
        """The block's nodes that receive a gradient, in the sweep's order, in the
        regions that one zero adjoint makes zero (autodiff.compiler.zeros)."""
        info, needs = self.info, self.trace.needs_grad

        def passes_to(v: Value) -> list[tuple[Value, str]]:
            op, at = info[v]
            args: tuple[Any, ...] = v.args
            return [(args[i], op.kinds[i]) for i in at if needs[args[i]]]

        def finite(v: Value) -> bool:
            return not info[v][0].tests_terms

        sweep = [v for v in reversed(block) if v in info and needs[v]]
        found = zeros.regions(sweep, entries, passes_to, finite, params)
        self.heads.update(found.heads())
        return found

    def _swept(self, region: zeros.Region) -> None:
        """The adjoint lines of a region's nodes, then of each nested region, under
        `if h̄:` where h̄ is its head's adjoint, with the terms of its exits."""
        self._adjoints(region.nodes)
        for inner in region.nested:
            outer, self.lines = self.lines, []
            self._swept(inner)
            for x in inner.exits:
                if x in self.terms:
                    self._gradient(x, self.terms.pop(x), uses=2, final=False)
            body, self.lines = self.lines, outer
            if body:
                head = self.head_names[inner.head]
                self.lines.append(f"    if {head}:  # else every term below is 0")
                self.lines += _indented(body)

    def _close_forward_loop(self, r: repeats.Repeat, reverse_body: list[str]
                            ) -> tuple[str, list[str]]:
        """The evaluation loop's text, in its place: it keeps per block what the
        adjoint loop reads of it. Returns the list's name and the names kept."""
        loop = self.loop
        read = set(_DELIMITERS.split("\n".join(reverse_body)))
        assigned = [m.group(1) for line in loop.body if (m := _ASSIGNED.match(line))]
        kept = [n for n in dict.fromkeys(assigned) if n in read]
        kept += [c for c, _ in loop.carried if c in read]
        saved = loop.saved
        head = f"    for {loop.counter} in range({r.count}):  # the code that repeats, once"
        text = [f"    {saved} = []  # per block, the values its adjoint lines read", head,
                *_indented(loop.body), f"        {saved}.append({_display(kept, 12)})"
                ] if kept else [head, *_indented(loop.body)]
        text += [f"        {c} = {value}" for c, value in loop.carried]
        if loop.tallied:  # the loops' values, summed: the sum is finite if each is
            text.insert(0, f"    {loop.tally} = 0.0  # the loops' values where an inf or nan "
                           "could hide, summed")
            self.checks.append(loop.tally)
        self.lines[loop.at] = "\n".join(text)
        return saved, kept

    def _gradient(self, v: Value, terms: list[Expr], uses: int, final: bool = True,
                  branch: bool = False) -> Expr:
        """v̄, the sum of the terms its consumers passed on: the term itself where it
        is a name or used once, else a named line; `final=False`: the terms so far,
        added to the name in `partial` (left to right, as the sweep adds them).
        `branch`: v's adjoint terms are branches that may not read v̄ (relu's): where
        they read it once and v has no label, the sum is written into the branch."""
        own = not self.inline or v in self.existing or v in self.tested or v in self.heads
        if len(terms) == 1 and not own and v is not self.trace.loss and (
                (terms[0].size == 0 and terms[0].precedence == ATOM)  # another name
                or (uses == 1 and v not in self.named and terms[0].size < MAX_INLINE)):
            g = terms[0]
        elif (branch and uses == 1 and not own and not self._label(v) and v is not self.trace.loss
              and len(terms) <= MAX_TERMS
              and (size := len(terms) - 1 + sum(t.size for t in terms)) < MAX_INLINE):
            # read once, by a branch (relu's "ḡ if out > 0.0 else 0.0"): written into it,
            # the sum is computed only where the branch takes it
            g = terms[0] if len(terms) == 1 else Expr(_sum(terms), ARITH, size)
        else:
            found = self.partial.pop(v, None)
            if found is None:
                mine = self.expr.get(v)
                n = self.locals.bar(mine.text if mine is not None and mine.text.isidentifier()
                                    else self.locals.fresh(None))
            else:
                n = found
            loss = self.trace.loss.label or self.expr[self.trace.loss].text
            label = self._label(v)
            comment = f"  # ∂{loss}/∂{label}" if label and found is None else ""
            if v in self.tested and final:
                self.checks.append(n)
            if v in self.heads:
                self.head_names[v] = n
            for start in range(0, len(terms), MAX_TERMS):
                head = [] if start == 0 and found is None else [Expr(n)]
                self.lines.append(f"    {n} = {_sum(head + terms[start:start + MAX_TERMS])}"
                                  f"{comment if start == 0 else ''}")
            g = Expr(n)
            if not final:
                self.partial[v] = n
                return g
        if v in self.existing:  # the program returns it
            self.grad_expr[v] = g
        return g

    # -- the end: the test for numbers that are not finite, the results -------------

    def _finish(self) -> Program:
        t = self.trace
        body = self.lines
        texts: list[str] = []
        listed = 0  # the results up to here are in texts (a Repeat's in a list)
        for r in (r for r in self.repeats if r.results):
            texts += [self.expr[v].text for v in t.results[listed:r.results_from]]
            texts.append(f"*{self.loops[r.start].outputs}")
            listed = r.results_from + len(r.results) * r.count
        texts += [self.expr[v].text for v in t.results[listed:]]
        outputs = [self.expr[t.loss].text, *texts]
        checked = [c for c in dict.fromkeys([*self.checks, *outputs]) if c.isidentifier()]
        results = _tuple(texts)
        done = ("    # the gradients (+ 0.0: one that is 0 is +0.0, as backward() gives it)\n"
                f"    return {self.expr[t.loss].text}, {results}, {_tuple(self.grads)}")
        head = [f"def {self.name}(X, P):",
                f'    """{getattr(t.fn, "__qualname__", "fn")}, compiled by autodiff.compile: '
                f'{len(t.order):,} nodes."""']
        if not self.repeats and sum(map(len, body)) + 2 * sum(map(len, checked)) > SPLIT_CHARS:
            return Program(self._split(head, checked, done), self.globals.namespace,
                           self.name)
        body.extend(self._test(checked))
        body.append(done)
        if self.read_names:  # first: a parameter is read at every sample, and CPython
            # numbers locals in order of appearance (the first 256 take shorter bytecode)
            head.append(f"    {_targets(self.read_names)} = P  # the Values' numbers")
        if self.input_names and not self.repeats:
            head.append(f"    {_targets(self.input_names)} = X  # the arguments' numbers")
        elif self.input_names:  # the others are read in the loop
            head += [f"    {n} = X[{i}]" for n, i in zip(self.input_names, self.input_places,
                                                          strict=True)]
        source = "\n".join([*head, *body]) + "\n"
        return Program(source, self.globals.namespace, self.name)


    def _tally(self, since: int) -> None:
        """In a loop: add the values to be tested since `self.checks[since]` to the
        loops' sum (`_Loop.tally`), which the program tests once, at its end."""
        names = list(dict.fromkeys(self.checks[since:]))
        del self.checks[since:]
        for start in range(0, len(names), MAX_TERMS):
            rows = _rows(names[start:start + MAX_TERMS], " + ")
            added = rows[0] if len(rows) == 1 else f"({(chr(10) + '        + ').join(rows)})"
            self.lines.append(f"    {self.loop.tally} += {added}")
            self.loop.tallied = True

    def _test(self, checked: list[str]) -> list[str]:
        """The lines that raise `Unusual` unless every value named is finite."""
        return ["    # every value where an inf or nan could hide is finite",
                f"    if not {self.isfinite}(sum((", *(f"        {row}," for row in _rows(checked)),
                f"    ))):\n        raise {self.unusual}('a number is not finite')"]

    def _split(self, head: list[str], checked: list[str], done: str) -> str:
        """A long program as functions of about `CHUNK_CHARS` characters, which
        `name(X, P)` calls in turn (CPython compiles a long function in time and
        memory that grow faster than its length). A value that one computes and a
        later one reads is passed in the list S: each part starts by reading what it
        needs from X, P and S, one statement per number (a subscript CPython
        specialises, faster than unpacking a tuple), and ends by storing in one
        slice of S, its own, the values later parts read."""
        parts: list[list[str]] = [[]]
        size = 0
        for line in self.lines:
            if size >= CHUNK_CHARS:
                parts.append([])
                size = 0
            parts[-1].append(line)
            size += len(line)
        assigned = [list(dict.fromkeys(m.group(1) for line in part
                                       if (m := _ASSIGNED.match(line)))) for part in parts]
        owner = {n: k for k, mine in enumerate(assigned) for n in mine}  # the last to assign
        tested: dict[int, list[str]] = {}
        for n in checked:  # each part tests its own values, in the order of `checked`
            tested.setdefault(owner.get(n, len(parts) - 1), []).append(n)  # X, P's: at the end
        for k, names in tested.items():
            parts[k] += self._test(names)
        parts[-1].append(done)
        given = {n: ("X", i) for i, n in enumerate(self.input_names)}
        given.update((n, ("P", i)) for i, n in enumerate(self.read_names) if n != "_")
        latest: dict[str, int] = {}  # a name: the last part so far to assign it
        takes: list[dict[str, tuple[str, int]]] = []  # per part: name -> (vector, position)
        for k, part in enumerate(parts):
            words = set(_DELIMITERS.split("\n".join(part)))
            takes.append({n: given[n] for n in words if n in given})
            takes[k].update((n, ("S", latest[n])) for n in words if n in latest)
            latest.update(dict.fromkeys(assigned[k], k))
        wanted = [set[str]() for _ in parts]  # per part: its values a later part reads
        for take in takes:
            for n, (vector, k) in take.items():
                if vector == "S":
                    wanted[k].add(n)
        stores = [[n for n in mine if n in want] for mine, want in zip(assigned, wanted,
                                                                      strict=True)]
        start = [0]  # each part's values in S: a slice from its start
        for names in stores:
            start.append(start[-1] + len(names))
        slot = {(k, n): start[k] + i for k, names in enumerate(stores)
                for i, n in enumerate(names)}
        s = self.locals.fresh("S")
        names = [self.globals.bind(f"{self.name}_{k + 1}", None) for k in range(len(parts))]
        driver = [*head, f"    {s} = [0.0] * {start[-1]}  # the values passed between parts",
                  *(f"    {n}(X, P, {s})" for n in names[:-1]),
                  f"    return {names[-1]}(X, P, {s})"]
        program = driver  # the lines themselves, joined once (the program is large)
        for k, (name, part, take) in enumerate(zip(names, parts, takes, strict=True)):
            program.append(f"{PIECES[1:]}{name}(X, P, {s}):")
            taken = sorted((vector, slot[where, n] if vector == "S" else where, n)
                           for n, (vector, where) in take.items())  # P's, S's, X's
            program.extend(f"    {n} = {s if vector == 'S' else vector}[{i}]"
                           for vector, i, n in taken)
            program.extend(part)
            if stores[k]:
                program.append(f"    {s}[{start[k]}:{start[k + 1]}] = "
                               f"{_display(stores[k])}")
        return "\n".join(program) + "\n"


def _display(names: list[str], indent: int = 8) -> str:
    """The tuple (a, b, ...), eight names a row (the rows after the first indented)."""
    return f"({(',' + chr(10) + ' ' * indent).join(_rows(names))}{',' * (len(names) == 1)})"


def _rows(names: list[str], separator: str = ", ") -> list[str]:
    """The names, comma-separated (or `separator`-separated), eight a row."""
    return [separator.join(names[i:i + 8]) for i in range(0, len(names), 8)]


def _sum(terms: list[Expr]) -> str:
    """t1 + t2 + ..., left to right as the sweep adds them; `x + -y` is `x - y`."""
    out = terms[0].within(ARITH)
    for term in terms[1:]:
        if term.precedence == FACTOR and term.text.startswith("-"):
            rest = Expr(term.text[1:], FACTOR)
            out += f" - {rest.within(TERM)}"
        else:
            out += f" + {term.within(TERM)}"
    return out


def _indented(lines: list[str]) -> list[str]:
    """The lines four spaces further in (a line may hold several)."""
    return ["    " + line.replace("\n", "\n    ") for line in lines]


def _tuple(items: Iterable[str]) -> str:
    listed = list(items)
    return f"({listed[0]},)" if len(listed) == 1 else f"({', '.join(listed)})"


def _targets(names: list[str]) -> str:
    return f"{names[0]}," if len(names) == 1 else ", ".join(names)


def _comment(label: str, name: str) -> str:
    return f"  # {label}" if label and label != name else ""
