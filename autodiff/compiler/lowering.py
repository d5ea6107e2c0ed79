"""How `autodiff.compile` writes each primitive: `Code`, expressions for its value and adjoints.

The adjoints are printed from the primitive's partials, evaluated on symbols
(autodiff.calculus.symbolic): the term ∂out/∂a · ḡ is `(partial) * {g}`, the
very operations the sweep performs, so a compiled step is the interpreter's bit
for bit. What is written by hand here is how to compute the *value* inline
(`{a} + {b}` rather than a call of `forward`) and what a program need not test
(`propagates`, `finite_partials`); of the adjoints only relu's, which is the
sweep's own written-out step (autodiff.core.ops: the gradient passes or not,
no product with 1 or 0). For NumPy arrays likewise: a built-in's `array_code`
is its value only, and the adjoints are printed from the same partials by
`ArrayPrinter` (`where(c, x, y)`, an applied primitive as its array value); a
primitive without an `array_code` is its forward element by element. A user's
primitive may give `code=` and `array_code=` (NumPy) to
`autodiff.primitive(...)`, which hands them here. `code_of(prim, n)` and
`full_array_code(prim, n, elementwise)` are what the backends read.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any, NamedTuple

from autodiff import functions as p
from autodiff.calculus.symbolic import Symbol, Term, derive
from autodiff.compiler.templates import (
    ARITH,
    ATOM,
    COMPARE,
    FACTOR,
    OR,
    POWER,
    TERM,
    TEST,
    Expr,
    Template,
    by_operand,
)
from autodiff.core import Primitive
from autodiff.functions import Rule, rule_keyword
from autodiff.notation import operand_names


class Unusual(Exception):
    """Raised by a compiled program where the interpreter must take over."""


class Code(NamedTuple):
    """A primitive written as Python expressions, for `autodiff.compile`.

    The compiler writes a recorded graph as a straight-line program, one line per
    primitive; with a `Code` it can write the primitive inline instead of calling
    `forward` and `partials`. Expressions are Python source over the operands
    {a}, {b}, ... (`operand_name`: no {g}, the 7th is {h}; floats, or NumPy arrays
    in an `array_code`), the node's value {out} and, in `adjoints`, its gradient
    {g} = ∂E/∂out:

    * `value`: the value, bit for bit what `forward` returns ("{a} * {b}");
    * `adjoints`: per operand, the term ∂out/∂operand · {g} that the reverse
      sweep adds to that operand's gradient, bit for bit as the sweep computes
      it ("{b} * {g}" for ∂(a·b)/∂a = b); None (the default): printed from
      the primitive's partials;
    * `names`: the functions the expressions call, by the name they use
      (`{"exp": math.exp}`); an `array_code` also sees NumPy's names (`where`);
    * `propagates`: a non-finite operand always gives a non-finite value (or an
      exception), so a compiled program need not test the operands;
    * `finite_partials`: at finite operands the local derivatives are finite, so
      a compiled program need not test the adjoint terms;
    * `checked_when`: the operands of which one must be a Value for the
      primitive's `check_operands` to check anything (None, the default: it is
      called at every node), so a compiled program need not call it elsewhere.

    An expression may raise outside the domain: the compiled step then reruns
    the interpreter, whose error it reports.
    """

    value: str
    adjoints: tuple[str, ...] | None = None
    """None: printed from the primitive's partials."""
    names: Mapping[str, Callable[..., Any]] = MappingProxyType({})
    propagates: bool = False
    finite_partials: bool = False
    checked_when: tuple[int, ...] | None = None

    def placeholders(self) -> set[str]:
        """The placeholders its expressions use ({a}, {out}, {g}, ...)."""
        return set().union(*map(_fields, (self.value, *(self.adjoints or ()))))


def _fields(text: str) -> set[str]:
    """The {placeholders} of a format string."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


def check_code(name: str, what: str, code: object, arity: int | None) -> None:
    """A `Code` whose expressions parse, use known placeholders and cover every operand."""
    if not isinstance(code, Code):
        raise TypeError(f"primitive({name!r}): {what} must be an autodiff.Code, got "
                        f"{type(code).__name__}")
    if arity is None:
        raise TypeError(f"primitive({name!r}): {what} needs a fixed number of operands; "
                        "a variadic primitive is compiled through forward and partials")
    if code.adjoints is not None and (not isinstance(code.adjoints, tuple)
                                      or len(code.adjoints) != arity):
        raise TypeError(f"primitive({name!r}): {what}.adjoints must be None (printed from "
                        f"partials) or a tuple of {arity} expression{'s' * (arity != 1)} "
                        "(one per operand)")
    when = code.checked_when
    if when is not None and (not isinstance(when, tuple) or not all(
            type(i) is int and 0 <= i < arity for i in when)):
        raise TypeError(f"primitive({name!r}): {what}.checked_when must be None or a tuple of "
                        f"operand positions from 0 to {arity - 1}, got {when!r}")
    operands = set(operand_names(arity))
    for role, text, allowed in (("value", code.value, operands),
                                *(("adjoints", t, operands | {"out", "g"})
                                  for t in code.adjoints or ())):
        if not isinstance(text, str):
            raise TypeError(f"primitive({name!r}): {what}.{role} must be str expressions")
        try:
            fields = _fields(text)
            source = text.format(**{f: f"_{f}" for f in fields})
            compile(source, f"<{what} of {name}>", "eval")
        except (ValueError, KeyError, IndexError, SyntaxError) as exc:
            raise ValueError(f"primitive({name!r}): {what}.{role} {text!r} is not a Python "
                             f"expression over {{a}}, {{b}}, ...: {exc}") from None
        unknown = fields - allowed
        if unknown:
            raise ValueError(f"primitive({name!r}): {what}.{role} {text!r} uses "
                             f"{', '.join(sorted(unknown))}; it may use "
                             f"{', '.join(sorted(allowed))}")
    if not isinstance(code.names, Mapping) or not all(
            isinstance(k, str) and k.isidentifier() and callable(v)
            for k, v in code.names.items()):
        raise TypeError(f"primitive({name!r}): {what}.names must map identifiers to "
                        "functions")



CODES: dict[Primitive, Code] = {}
ARRAY_CODES: dict[Primitive, Code] = {}


_DERIVED: dict[tuple[Primitive, object, int], Code | None] = {}


def checked(prim: Primitive, values: Sequence[bool]) -> bool:
    """Whether a compiled program calls prim's `check_operands` (if it has one) at a
    node whose operand i is a Value where `values[i]`: not where its `Code` says
    that the check checks nothing (`checked_when`)."""
    code = CODES.get(prim)
    when = None if code is None else code.checked_when
    return when is None or any(values[i] for i in when)


def code_of(prim: Primitive, n: int) -> Code | None:
    """prim with n operands written as Python expressions over floats: its own
    `Code`, with the adjoints printed from its partials where the Code has none;
    None where partials do not run on symbols (they branch with Python's `if`:
    `autodiff.ops.where` is the branch that prints)."""
    key = (prim, prim.partials, n)
    if key not in _DERIVED:
        _DERIVED[key] = _code(prim, n)
    return _DERIVED[key]


def _code(prim: Primitive, n: int) -> Code | None:
    own = CODES.get(prim)
    if own is not None and own.adjoints is not None:
        return own
    partials = derive(prim, operand_names(n))
    if partials is None:
        return None
    names: dict[str, Callable[..., Any]] = {}
    adjoints = tuple(adjoint(d, names) for d in partials)
    if own is None:
        fname = _function_name(prim)
        names[fname] = prim.forward if prim.builtin else checked_forward(prim, finite=False)
        value = f"{fname}({', '.join('{' + o + '}' for o in operand_names(n))})"
        return Code(value, adjoints, MappingProxyType(names))
    return own._replace(adjoints=adjoints, names=MappingProxyType({**own.names, **names}))


Printer = Callable[[Term, dict[str, Callable[..., Any]]], Expr]
"""How a derivative's tree is printed: `python` (floats) or an `ArrayPrinter` (arrays)."""


def adjoint(d: Term, names: dict[str, Callable[..., Any]], printer: Printer | None = None
            ) -> str:
    """The term (d) · {g} as the sweep computes it, d printed as Python (or by
    `printer`; the functions it calls added to `names`); `{g}` for d = 1, `-{g}`
    for d = −1 (bit for bit the same products)."""
    if not isinstance(d, Symbol) and float(d) in (1.0, -1.0):
        return "{g}" if d == 1.0 else "-{g}"
    return f"{(printer or python)(d, names).within(FACTOR)} * {{g}}"


_BINARY_PRECEDENCE = {"+": ARITH, "-": ARITH, "*": TERM, "/": TERM, "**": POWER,
                      **dict.fromkeys(("<", "<=", ">", ">=", "=="), COMPARE)}


class PythonPrinter:
    """A derivative's tree as Python source over {a}, {b}, ..., {out}: each
    operation the sweep's, in its order (no simplification: x·1 stays); the
    functions the source calls are added to `names`. Over floats; `ArrayPrinter`
    changes how a branch (`where`) and an applied primitive are written."""

    def __call__(self, term: Term, names: dict[str, Callable[..., Any]]) -> Expr:
        if not isinstance(term, Symbol):
            return _number(term)
        op, args = term.op, term.args
        if op == "name":
            return Expr("{" + args[0] + "}")
        if op == "neg":
            return Expr(f"-{self(args[0], names).within(FACTOR)}", FACTOR)
        if op == "where":
            c, then, otherwise = (self(t, names) for t in args)
            return self._where(c, then, otherwise)
        if op == "apply":
            assert term.primitive is not None
            return self._apply(term.primitive, [self(t, names) for t in args], names)
        left, right = (self(t, names) for t in args)
        return _binary(op, left, right)

    def _where(self, c: Expr, then: Expr, otherwise: Expr) -> Expr:
        return Expr(f"{then.within(OR)} if {c.within(OR)} else {otherwise.within(TEST)}", TEST)

    def _apply(self, prim: Primitive, parts: list[Expr], names: dict[str, Callable[..., Any]]
               ) -> Expr:
        fname = _function_name(prim)
        names[fname] = (prim.forward if prim in FINITE
                        else checked_forward(prim, finite=True))
        return Expr(f"{fname}({', '.join(p.text for p in parts)})")


python = PythonPrinter()
"""Derivatives printed as Python over floats (`PythonPrinter`)."""


def _number(term: float | int) -> Expr:
    """A number as Python source (inf and nan, which have no literal, as float(...))."""
    number = float(term)
    if number - number == 0.0:
        text = repr(number)
    else:  # inf, nan: a literal Python has not
        text = f"-float('{-number}')" if number < 0.0 else f"float('{number}')"
    return Expr(text, FACTOR if text.startswith("-") else ATOM)


def _binary(op: str, left: Expr, right: Expr) -> Expr:
    """left op right, parenthesised where Python's precedence needs it (the same
    source for floats and for NumPy arrays)."""
    own = _BINARY_PRECEDENCE[op]
    if op == "**":  # right-associative; the exponent may be -x
        return Expr(f"{left.within(own + 1)} ** {right.within(FACTOR)}", own)
    left_needs = own + 1 if own == COMPARE else own
    return Expr(f"{left.within(left_needs)} {op} {right.within(own + 1)}", own)


def _function_name(prim: Primitive) -> str:
    """A primitive's name in compiled code: its own (a user's is an identifier),
    else its name in autodiff.ops ("**": pow)."""
    if prim.name.isidentifier():
        return prim.name
    return next((n for n in p.__all__ if getattr(p, n) is prim), "primitive")


def checked_forward(prim: Primitive, *, finite: bool) -> Callable[..., float]:
    """prim's forward, raising `Unusual` where it does not return a float (or, with
    `finite`, a finite float, as a primitive applied inside partials must)."""
    forward = prim.forward

    def value(*operands: float) -> float:
        out = forward(*operands)
        if type(out) is not float or (finite and out - out != 0.0):
            raise Unusual(f"{prim.name}: forward returned {out!r}")
        return out
    value.__name__ = value.__qualname__ = f"{prim.name} (forward, checked)"
    return value


def array_code_of(prim: Primitive) -> Code | None:
    """prim's own `array_code` (a built-in's, or a user's `array_code=`), or None."""
    return ARRAY_CODES.get(prim)


Elementwise = Callable[[Callable[..., Any]], Callable[..., Any]]
"""How the NumPy backend applies a float function to arrays, element by element
(its result checked to be floats): it is passed in, NumPy is the backend's."""

_DERIVED_ARRAY: dict[tuple[Primitive, object, int], Code] = {}


def full_array_code(prim: Primitive, n: int, elementwise: Elementwise) -> Code:
    """prim with n operands as expressions over NumPy arrays, for the NumPy backend:
    the value its own `array_code` gives, else its `forward` applied element by
    element; the adjoints its own `array_code` gives, else printed from its
    partials (`ArrayPrinter`); `adjoints` None only where partials do not run on
    symbols (the backend then calls them element by element)."""
    key = (prim, prim.partials, n)
    found = _DERIVED_ARRAY.get(key)
    if found is None:
        found = _DERIVED_ARRAY[key] = _array_code(prim, n, elementwise)
    return found


def _array_code(prim: Primitive, n: int, elementwise: Elementwise) -> Code:
    own = ARRAY_CODES.get(prim)
    if own is not None and own.adjoints is not None:
        return own
    names: dict[str, Callable[..., Any]] = {}
    exact = own is None  # its value the forward's, bit for bit: its adjoints too
    if own is None:
        fname = f"{_function_name(prim)}_elementwise"
        names[fname] = elementwise(prim.forward)
        own = Code(f"{fname}({', '.join('{' + o + '}' for o in operand_names(n))})")
    partials = derive(prim, operand_names(n))
    if partials is None:
        return own._replace(names=MappingProxyType({**own.names, **names}))
    printer = ArrayPrinter(elementwise, exact=exact)
    adjoints = tuple(adjoint(d, names, printer) for d in partials)
    return own._replace(adjoints=adjoints, names=MappingProxyType({**own.names, **names}))


class ArrayPrinter(PythonPrinter):
    """A derivative's tree as Python source over NumPy arrays {a}, {b}, ..., {out}:
    arithmetic and comparisons elementwise (the same source as for floats),
    `where` as NumPy's `where(c, x, y)`, an applied primitive as its array value
    (its `array_code`, or its forward element by element). Each operation the
    sweep's, in its order, so each element is the float program's number, but for
    NumPy's transcendental functions, which may differ from the math module's in
    the last bit. With `exact`, a primitive whose array value may differ from its
    forward (exp, sin, ...: not in `ROUNDED_AS_FLOATS`) is applied element by
    element instead: then every number is the float program's, bit for bit (for a
    primitive whose value is its forward element by element). inf and nan print
    as `float(...)`."""

    def __init__(self, elementwise: Elementwise, *, exact: bool = False) -> None:
        self.elementwise = elementwise
        self.exact = exact
        self.applied: dict[Primitive, str] = {}  # a primitive's forward, by its name

    def _where(self, c: Expr, then: Expr, otherwise: Expr) -> Expr:
        return Expr(f"where({c.text}, {then.text}, {otherwise.text})")

    def _apply(self, prim: Primitive, parts: list[Expr], names: dict[str, Callable[..., Any]]
               ) -> Expr:
        """prim's value at the arrays `parts`: its own array_code's value, filled in,
        where its function names agree with `names`; else its forward element by
        element."""
        own = ARRAY_CODES.get(prim)
        if own is not None and (not self.exact or prim in ROUNDED_AS_FLOATS) and all(
                names.get(k, f) is f for k, f in own.names.items()):
            names.update(own.names)
            return Template(own.value).fill(by_operand(parts))
        fname = self.applied.get(prim)
        if fname is None:
            fname = f"{_function_name(prim)}_elementwise"
            while fname in names:
                fname += "_"
            names[fname] = self.elementwise(checked_forward(prim, finite=False))
            self.applied[prim] = fname
        return Expr(f"{fname}({', '.join(p.text for p in parts)})")


def _rule(what: str, table: dict[Primitive, Code]) -> Rule:
    def check(name: str, arity: int | None, code: Any) -> None:
        check_code(name, what, code, arity)
    return Rule(check, table.__setitem__)


rule_keyword("code", _rule("code", CODES))
rule_keyword("array_code", _rule("array_code", ARRAY_CODES))


# -- the built-ins: their values inline, what a program need not test ------------------

FINITE = frozenset({p.sin, p.cos, p.tan, p.tanh, p.sigmoid, p.softplus, p.sqrt, p.log, p.abs,
                    p.atan, p.asin, p.acos, p.maximum, p.minimum, p.log_sum_exp})
"""Built-ins whose forward gives a finite float at every finite operand where it
does not raise: inside a compiled partial they are called as they are."""

_SIN_COS = {"sin": math.sin, "cos": math.cos}

CODES.update({
    p.add: Code("{a} + {b}", propagates=True, finite_partials=True),
    p.sub: Code("{a} - {b}", propagates=True, finite_partials=True),
    p.mul: Code("{a} * {b}", propagates=True, finite_partials=True),
    p.div: Code("{a} / {b}"),
    p.neg: Code("-{a}", propagates=True, finite_partials=True),
    p.pow: Code("{a} ** {b}", checked_when=(1,)),  # only a Value exponent needs ln a
    p.relu: Code("{a} if {a} > 0.0 else 0.0", ("{g} if {out} > 0.0 else 0.0",),
                 finite_partials=True),
    p.exp: Code("exp({a})", names={"exp": math.exp}, finite_partials=True),
    p.log: Code("log({a})", names={"log": math.log}, propagates=True),
    p.sqrt: Code("sqrt({a})", names={"sqrt": math.sqrt}, propagates=True),
    p.sin: Code("sin({a})", names=_SIN_COS, propagates=True, finite_partials=True),
    p.cos: Code("cos({a})", names=_SIN_COS, propagates=True, finite_partials=True),
    p.tanh: Code("tanh({a})", names={"tanh": math.tanh}, finite_partials=True),
    p.sigmoid: Code("sigmoid({a})", names={"sigmoid": p.sigmoid.forward},
                    finite_partials=True),
    p.softplus: Code("softplus({a})", names={"softplus": p.softplus.forward},
                     finite_partials=True),
    p.abs: Code("fabs({a})", names={"fabs": math.fabs}, propagates=True,
                finite_partials=True),
    p.maximum: Code("max({a}, {b})", names={"max": max}, finite_partials=True),
    p.minimum: Code("min({a}, {b})", names={"min": min}, finite_partials=True),
})
ROUNDED_AS_FLOATS = frozenset({p.add, p.sub, p.mul, p.div, p.neg, p.relu, p.sqrt, p.abs,
                               p.maximum, p.minimum})
"""Built-ins whose array value is their forward's float, bit for bit (IEEE
arithmetic and square root, choices): NumPy's exp, log, sin, ... may differ
from the math module's in the last bit."""

ARRAY_CODES.update({  # the values over arrays; the adjoints are printed from the partials
    p.add: Code("{a} + {b}"),
    p.sub: Code("{a} - {b}"),
    p.mul: Code("{a} * {b}"),
    p.div: Code("{a} / {b}"),
    p.neg: Code("-{a}"),
    p.pow: Code("{a} ** {b}"),
    p.relu: Code("where({a} > 0.0, {a}, 0.0)"),
    p.exp: Code("exp({a})"),
    p.log: Code("log({a})"),
    p.sqrt: Code("sqrt({a})"),
    p.sin: Code("sin({a})"),
    p.cos: Code("cos({a})"),
    p.tan: Code("tan({a})"),
    p.asin: Code("arcsin({a})"),
    p.acos: Code("arccos({a})"),
    p.atan: Code("arctan({a})"),
    p.sinh: Code("sinh({a})"),
    p.cosh: Code("cosh({a})"),
    p.tanh: Code("tanh({a})"),
    p.sigmoid: Code("where({a} >= 0.0, 1.0 / (1.0 + exp(-{a})), exp({a}) / (1.0 + exp({a})))"),
    p.softplus: Code("maximum({a}, 0.0) + log1p(exp(-fabs({a})))"),
    p.abs: Code("fabs({a})"),
    p.maximum: Code("maximum({a}, {b})"),
    p.minimum: Code("minimum({a}, {b})"),
})
