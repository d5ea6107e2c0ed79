"""Partials evaluated on symbols: each local derivative as an expression tree.

A primitive's `partials(out, a, b, ...)` is written once, with Python's
operators, primitives (`autodiff.ops`) and, where it branches on the data,
`ops.where` and `ops.equal`. Called with `Symbol`s instead of floats it builds
the derivative as a tree rather than a number: `partials` of sin gives
`cos(a)`, of a softsign `1 / (1 + abs(a)) ** 2`. The tools print these trees:
formula texts (autodiff.notation.derived), compiled code
(autodiff.compiler.derived). Each node of a tree is the operation the float
sweep performs, in its order, so printed code computes the sweep's numbers bit
for bit.

`derive(prim, names)` is the tree of each of prim's partials, its operands
named `names` (autodiff.notation.operand_names), or None where
`partials` cannot run on symbols (it branches with Python's `if`, or calls a
function that needs a float, such as `math.exp`).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any, Union

from autodiff.core import Primitive

Term = Union["Symbol", float, int]
"""A derivative: a tree, or a number where partials returned one."""

BINARY = ("+", "-", "*", "/", "**")
COMPARISONS = ("<", "<=", ">", ">=", "==")


class NotSymbolic(TypeError):
    """partials branched on a symbol with Python's `if`, or needed its float."""


class Symbol:
    """A node of an expression tree.

    `op` is one of: "name" (an operand or `out`; `args` is `(name,)`), the
    binary operators + − × ÷ ** (`args` the two operands), "neg", a comparison
    < <= > >= == (a condition), "where" (`args`: condition, then, otherwise) or
    "apply" (`primitive` applied to `args`).
    """

    __slots__ = ("args", "op", "primitive")

    def __init__(self, op: str, args: tuple[Any, ...], primitive: Primitive | None = None) -> None:
        self.op = op
        self.args = args
        self.primitive = primitive

    def __repr__(self) -> str:
        if self.op == "name":
            return str(self.args[0])
        if self.op == "apply":
            assert self.primitive is not None
            return f"{self.primitive.name}({', '.join(map(repr, self.args))})"
        if self.op == "neg":
            return f"-({self.args[0]!r})"
        if self.op == "where":
            return f"where({', '.join(map(repr, self.args))})"
        return f"({self.args[0]!r} {self.op} {self.args[1]!r})"

    # -- what partials do with an operand ------------------------------------------

    def __add__(self, other: Term) -> Symbol:
        return _binary("+", self, other)

    def __radd__(self, other: Term) -> Symbol:
        return _binary("+", other, self)

    def __sub__(self, other: Term) -> Symbol:
        return _binary("-", self, other)

    def __rsub__(self, other: Term) -> Symbol:
        return _binary("-", other, self)

    def __mul__(self, other: Term) -> Symbol:
        return _binary("*", self, other)

    def __rmul__(self, other: Term) -> Symbol:
        return _binary("*", other, self)

    def __truediv__(self, other: Term) -> Symbol:
        return _binary("/", self, other)

    def __rtruediv__(self, other: Term) -> Symbol:
        return _binary("/", other, self)

    def __pow__(self, other: Term) -> Symbol:
        return _binary("**", self, other)

    def __rpow__(self, other: Term) -> Symbol:
        return _binary("**", other, self)

    def __neg__(self) -> Symbol:
        return Symbol("neg", (self,))

    def __lt__(self, other: Term) -> Symbol:
        return _binary("<", self, other)

    def __le__(self, other: Term) -> Symbol:
        return _binary("<=", self, other)

    def __gt__(self, other: Term) -> Symbol:
        return _binary(">", self, other)

    def __ge__(self, other: Term) -> Symbol:
        return _binary(">=", self, other)

    def __eq__(self, other: object) -> bool:
        """Identity (symbols are keys), but not inside `derive`: there `a == 1.0`
        is a partial that branches on its operand, which must not be read as
        False (ops.equal builds the condition)."""
        if getattr(_deriving, "now", False):
            raise NotSymbolic("partials compare an operand with == or !=; write the branch "
                              "with autodiff.ops.where and autodiff.ops.equal")
        return self is other  # (`!=` is Python's default: not `==`, so refused too)

    __hash__ = object.__hash__

    def __bool__(self) -> bool:
        raise NotSymbolic("partials branch on an operand with Python's `if`; write the "
                          "branch with autodiff.ops.where")

    def __float__(self) -> float:
        raise NotSymbolic("partials need an operand's float (a math function?); write them "
                          "with autodiff.ops")

    # -- the protocol of autodiff.core: a primitive or a helper applied to a symbol --

    @staticmethod
    def apply_primitive(prim: Primitive, args: tuple[Any, ...]) -> Symbol:
        return Symbol("apply", tuple(_term(x) for x in args), prim)

    @staticmethod
    def equal(a: Term, b: Term) -> Symbol:
        return _binary("==", a, b)

    def where(self, then: Any, otherwise: Any) -> Symbol:
        """This condition's choice between two terms (functions of no arguments are
        called: both branches are part of the tree)."""
        return Symbol("where", (self, _term(then() if callable(then) else then),
                                _term(otherwise() if callable(otherwise) else otherwise)))


def _term(x: Any) -> Term:
    if isinstance(x, Symbol) or (type(x) in (int, float)):
        return x
    if isinstance(x, bool) or not isinstance(x, int | float):
        raise NotSymbolic(f"partials gave {type(x).__name__}: {x!r}, not a number or a term")
    return float(x)


def _binary(op: str, a: Any, b: Any) -> Symbol:
    return Symbol(op, (_term(a), _term(b)))


def name(text: str) -> Symbol:
    """The symbol of an operand ("a", "b", ...) or of the result ("out")."""
    return Symbol("name", (text,))


_CACHE: dict[tuple[Primitive, Callable[..., Any], tuple[str, ...]],
             tuple[Term, ...] | None] = {}


def derive(prim: Primitive, names: Sequence[str]) -> tuple[Term, ...] | None:
    """The tree of ∂out/∂operand for each of prim's operands, named `names`
    (the result: `out`), or None where prim's partials do not run on symbols."""
    key = (prim, prim.partials, tuple(names))
    if key not in _CACHE:
        _CACHE[key] = _derive(prim, key[2])
    return _CACHE[key]


_deriving = threading.local()  # .now: partials are running on symbols in this thread


def _derive(prim: Primitive, names: tuple[str, ...]) -> tuple[Term, ...] | None:
    outer = getattr(_deriving, "now", False)
    _deriving.now = True
    try:
        every = prim.partials(name("out"), *map(name, names))
        if not isinstance(every, tuple | list) or len(every) != len(names):
            return None
        return tuple(_term(d) for d in every)
    except (TypeError, ValueError, ArithmeticError, AttributeError):
        return None
    finally:
        _deriving.now = outer


def names_in(term: Term) -> set[str]:
    """The operand names (and "out") a term reads."""
    if not isinstance(term, Symbol):
        return set()
    if term.op == "name":
        return {term.args[0]}
    return set().union(*(names_in(x) for x in term.args))


def primitives_in(term: Term) -> list[Primitive]:
    """The primitives a term applies, each once, in order of appearance."""
    found: dict[Primitive, None] = {}

    def walk(t: Term) -> None:
        if isinstance(t, Symbol):
            if t.primitive is not None:
                found.setdefault(t.primitive)
            for x in t.args:
                walk(x)
    walk(term)
    return list(found)
