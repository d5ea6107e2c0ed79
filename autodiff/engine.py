"""The scalar reverse-mode engine: `Value` nodes, the `Primitive` record, the reverse sweep.

Every operation on `Value` objects creates a new node that remembers the
primitive that made it and its operands, so a computation is recorded as a
directed acyclic graph (seed notes, 001 §4.3). `Value.backward()` walks that
graph once in reverse topological order and applies the chain rule at every
node n:

    ∂E/∂a += ∂n/∂a · ∂E/∂n      for every operand a of n.

A `Primitive` is the one definition of an operation: its value (`forward`),
its local derivatives (`partials`), how tools show it (`symbol`, `notation`,
`formula`) and how a compiled program writes it (`code`, `array_code`). The
engine, `grad`, the Stepper, the diagrams, the expression language,
gradcheck, the strategies and `autodiff.compile` all read that record;
`autodiff.primitive()` defines a new one and `autodiff.primitives` lists them.
`observe` reports how a program uses the numbers of its Values (comparisons,
`.data`), for a compiler that records a program once.

Design, for speed and memory:

* A node is one `__slots__` object. Up to two operands live in two slots, not
  in a tuple, and the primitive is reached through a shared form record (which
  operands are Values), not a closure, so a node holds no reference cycle and
  a graph is freed by reference counting as soon as its last outside reference
  goes.
* A Python number operand is folded into its node (`x - 1` is one node whose
  `inputs` are `(x,)` and whose `args` are `(x, 1.0)`), so constants cost no
  extra nodes.
* Nothing here recurses: the topological order is built with an explicit stack.
* +, −, ×, negation and relu, which dominate neural networks, take a
  hand-inlined step in the sweep; the tests check each against `partials`.

Numeric policy: every `Value` holds a finite float. An operation outside its
domain raises `ValueError` (log of a number ≤ 0, say), `ZeroDivisionError`
(division by zero, 0 to a negative power) or `OverflowError` (a result too
large for a float), naming the operation and its operands. A local derivative
that is not finite where the value is (d(1/x)/dx at x = 1e-160, √x at 0)
raises `OverflowError` naming the operation, in `backward()`, `grad()` and
`grad(create_graph=True)` alike. A failed operation creates nothing, and a
failed sweep leaves every `.grad` as it was.
"""

from __future__ import annotations

import contextvars
import inspect
import keyword
import math
import string
import sys
import threading
from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from numbers import Real
from operator import attrgetter
from types import MappingProxyType
from typing import Any, Literal, NamedTuple, NoReturn, Self, overload

from autodiff._collector import no_full_gc
from autodiff.interrupts import uninterrupted

Number = int | float
"""A Python real number accepted as a constant operand (bool and NumPy scalars too)."""

Operand = Any
"""What a primitive's `partials` receive: floats (first-order sweeps) or Values
(`grad(create_graph=True)`); numbers folded into a node are always floats."""

_isfinite = math.isfinite
_adjoint_of = attrgetter("_adjoint")


# -- the primitive record --------------------------------------------------------


class Shown(str):
    """An operand as a tool writes it ("w", "t3", "0.5"): a str whose `number` is
    the folded constant's value, or None for a Value. A callable `formula` gets
    these, so it can simplify around constants (2·x instead of 2·x^(2 − 1))."""

    number: float | None

    def __new__(cls, text: str, number: float | None = None) -> Self:
        shown = super().__new__(cls, text)
        shown.number = number
        return shown


Formula = str | Callable[..., str]
"""One local derivative as text: a format string over the operand names a, b, c, ...
(`operand_name`: a to z but g, then x_26, x_27, ...) and `out` (the node's own name),
e.g. "cos({a})", or a callable taking those `Shown` names as keywords."""

_LETTERS = "abcdefhijklmnopqrstuvwxyz"  # no g: in a Code, {g} is the gradient


def operand_name(i: int) -> str:
    """The name of a primitive's operand i (0-based) in its notation, formulas and
    code, {a}, {b}, ...: the letters a to z but g for the first 25, then x_26,
    x_27, ..., the operand's position (from 1) as a subscript in the notes'
    notation (x₂₆). Every name is a Python identifier, so it serves both as a
    placeholder and as a name in a compiled program, and none is a Code's {out}
    or {g}."""
    if i < 0:
        raise ValueError(f"operand_name: positions start at 0, got {i}")
    return _LETTERS[i] if i < len(_LETTERS) else f"x_{i + 1}"


def operand_names(n: int) -> list[str]:
    """The names of n operands: a, ..., f, h, ..., z, x_26, ..., x_n (`operand_name`)."""
    return [operand_name(i) for i in range(n)]


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
      it ("{b} * {g}" for ∂(a·b)/∂a = b; "({out} * (1.0 - {out})) * {g}" for σ);
    * `names`: the functions the expressions call, by the name they use
      (`{"exp": math.exp}`); an `array_code` also sees NumPy's names (`where`);
    * `propagates`: a non-finite operand always gives a non-finite value (or an
      exception), so a compiled program need not test the operands;
    * `finite_partials`: at finite operands the local derivatives are finite, so
      a compiled program need not test the adjoint terms.

    An expression may raise outside the domain: the compiled step then reruns
    the interpreter, whose error it reports.
    """

    value: str
    adjoints: tuple[str, ...]
    names: Mapping[str, Callable[..., Any]] = MappingProxyType({})
    propagates: bool = False
    finite_partials: bool = False

    def placeholders(self) -> set[str]:
        """The placeholders its expressions use ({a}, {out}, {g}, ...)."""
        return set().union(*map(_fields, (self.value, *self.adjoints)))


def _fields(text: str) -> set[str]:
    """The {placeholders} of a format string."""
    return {field for _, field, _, _ in string.Formatter().parse(text) if field is not None}


class Primitive:
    """One operation, defined once: its value, its local derivatives, and how tools show it.

    * `forward(*floats) -> float`: the value; raises ValueError / ArithmeticError
      outside the domain (the engine adds the operation and the operands).
    * `partials(out, *operands) -> tuple`: ∂out/∂operand for every operand, in
      order. Written once and evaluated with floats by `backward()`/`grad()` and
      with Values by `grad(create_graph=True)`, so it must use operations that
      work on both (Python's operators, `autodiff.ops`). The two modes must give
      the same numbers: `grad(create_graph=True)` compares them (within 1e-9)
      and raises ValueError naming the primitive where they differ. With
      Values, a derivative by a number operand is never used (it may be 0.0).
    * `arity`: the number of operands, or None for any number ≥ 1.
    * `symbol`: what a diagram draws ("×", "σ"); `notation`: how the operation
      is written, a format string over a, b, ... ("{a} × {b}", "σ({a})"), None
      for function style "name(a, b)"; `formula`: the text of each local
      derivative (see `Formula`), None when not given.
    * `singular_distance(*floats) -> float`: how far the operands are from the
      nearest point where the operation is undefined or not differentiable
      (≤ 0 outside its domain), for `autodiff.strategies`; None if unknown.
    * `check_operands(*operands)`: called with the operands (Values and numbers)
      before a node is made, to refuse operands whose derivative cannot exist
      (a negative base with a Value exponent); None if not needed.
    * `code`, `array_code`: the operation as Python expressions over floats and
      over NumPy arrays (see `Code`), for `autodiff.compile`; None where the
      compiled program calls `forward` and `partials` instead.

    Calling a primitive applies it: on numbers only it returns a float (so
    partials written with primitives work in float mode), with any Value
    operand it returns a new Value node.
    """

    __slots__ = (
        "_builtin",
        "_forms",
        "arity",
        "array_code",
        "check_operands",
        "code",
        "formula",
        "forward",
        "name",
        "notation",
        "partials",
        "singular_distance",
        "symbol",
    )

    name: str
    forward: Callable[..., float]
    partials: Callable[..., Sequence[Any]]
    arity: int | None
    symbol: str
    notation: str | None
    formula: tuple[Formula, ...] | Callable[..., tuple[str, ...]] | None
    singular_distance: Callable[..., float] | None
    check_operands: Callable[..., None] | None
    code: Code | None
    array_code: Code | None

    def __init__(self, name: str, forward: Callable[..., float],
                 partials: Callable[..., Sequence[Any]], arity: int | None, *,
                 symbol: str | None = None, notation: str | None = None,
                 formula: Sequence[Formula] | Callable[..., tuple[str, ...]] | None = None,
                 singular_distance: Callable[..., float] | None = None,
                 check_operands: Callable[..., None] | None = None,
                 code: Code | None = None, array_code: Code | None = None,
                 builtin: bool = False) -> None:
        self.name = name
        self.forward = forward
        self.partials = partials
        self.arity = arity
        self.symbol = name if symbol is None else symbol
        self.notation = notation
        self.formula = formula if formula is None or callable(formula) else tuple(formula)
        self.singular_distance = singular_distance
        self.check_operands = check_operands
        self.code = code
        self.array_code = array_code
        self._builtin = builtin
        self._forms = _Forms(self)

    def __repr__(self) -> str:
        return f"<primitive {self.name!r}>"

    @property
    def builtin(self) -> bool:
        """True for the library's own primitives (`autodiff.ops`)."""
        return self._builtin

    def __call__(self, *args: Value | Number) -> Any:
        if len(args) == 1 and type(args[0]) is Value and self._forms.unary is not None:
            a = args[0]  # the common case, f(x) on a Value, without the general bookkeeping
            if self.check_operands is not None:
                self.check_operands(a)
            try:  # _forward inlined: this path makes every activation node
                out = self.forward(a._data)
            except (ValueError, ArithmeticError) as exc:
                raise _restated(exc, f"{self.name}: {exc}, at {_operands(args)}") from None
            if type(out) is not float or out - out != 0.0:
                out = self._result(out, [a._data], args)
            return _node(out, self._forms.unary, a)
        arity = self.arity
        if (len(args) != arity) if arity is not None else not args:
            expected = "at least 1" if arity is None else str(arity)
            raise TypeError(f"{self.name}() takes {expected} operand"
                            f"{'' if arity == 1 else 's'}, got {len(args)}")
        floats: list[float] = []
        any_value = False
        for i, x in enumerate(args):
            if isinstance(x, Value):
                any_value = True
                floats.append(x._data)
            else:
                c = _constant(x, self.name)
                if c is None:
                    raise TypeError(f"{self.name}(): operand {i + 1} must be a Value or a real "
                                    f"number, got {type(x).__name__}: {_short(x)}")
                if not _isfinite(c):  # x / inf would be a finite, silent 0
                    raise ValueError(f"{self.name}: operand {_describe(x)} is not a finite "
                                     "number")
                floats.append(c)
        if not any_value:
            return self._result(self._forward(floats, args), floats, args)
        if self.check_operands is not None:
            self.check_operands(*args)
        out = self._result(self._forward(floats, args), floats, args)
        return self._forms.node(out, args, floats)

    def _forward(self, floats: Sequence[float], args: Sequence[object]) -> Any:
        """forward(*floats), its domain errors restated naming the operation and operands."""
        try:
            return self.forward(*floats)
        except (ValueError, ArithmeticError) as exc:
            raise _restated(exc, f"{self.name}: {exc}, at {_operands(args)}") from None

    def _result(self, out: object, floats: Sequence[float], args: Sequence[object]) -> float:
        """forward's result as a finite float, or the library's error naming the operands."""
        if type(out) is not float:
            if isinstance(out, bool) or not isinstance(out, Real):
                raise TypeError(f"{self.name}: forward must return a real number, got "
                                f"{type(out).__name__}: {_short(out)}")
            try:
                out = float(out)
            except OverflowError:  # an int (or Fraction) beyond the float range, either sign
                out = math.inf
        if out - out != 0.0:
            _not_finite(self, args, floats, out)
        return out

    # -- how tools show it ------------------------------------------------------

    def write(self, *operands: str) -> str:
        """The operation applied to these operand texts: "w × x", "σ(z)", "max(a, b)"."""
        if self.notation is None:
            return f"{self.name}({', '.join(operands)})"
        return self.notation.format(**dict(zip(operand_names(len(operands)), operands,
                                                strict=True)))

    def derivative_texts(self, out: str, *operands: str | Shown) -> tuple[str, ...]:
        """The text of ∂out/∂operand for each operand ("cos(x)", "2·t2"), from
        `formula`; "∂out/∂a" where no formula was given."""
        names = operand_names(len(operands))
        shown = {name: o if isinstance(o, Shown) else Shown(o)
                 for name, o in zip(names, operands, strict=True)}
        shown["out"] = Shown(out)
        if self.formula is None:
            return tuple(f"∂{out}/∂{o}" for o in operands)
        if callable(self.formula):
            return self.formula(*(shown[name] for name in names), out=shown["out"])
        return tuple(f(**shown) if callable(f) else f.format(**shown) for f in self.formula)


class _Form:
    """How a node of one primitive holds its operands, and its step in the sweep.

    Layouts: `values == 2`: two Value operands in `_a`, `_b`; `values == 1`: the
    Value in `_a` and, for a binary primitive, the folded constant in `_b` (it
    comes first in `args` when `constant_first`); `values == 0`: every operand
    in a tuple in `_a` (primitives of arity > 2 or variadic).
    """

    __slots__ = ("accumulate", "constant_first", "local", "positions", "primitive", "values")

    def __init__(self, primitive: Primitive, values: int, constant_first: bool,
                 positions: tuple[int, ...]) -> None:
        self.primitive = primitive
        self.values = values
        self.constant_first = constant_first
        self.positions = positions  # operand positions holding Values (fixed layouts)
        self.accumulate: Callable[[Value], None] = (
            _accumulate if values == 0 else _accumulate_binary if values == 2
            else _accumulate_unary if primitive.arity == 1
            else _accumulate_second if constant_first else _accumulate_first)
        # the float local derivatives, for Value.partials() (forward mode sweeps them)
        self.local: Callable[[Value], tuple[float, ...]] = (
            _local if values == 0 else _local_binary if values == 2
            else _local_unary if primitive.arity == 1
            else _local_second if constant_first else _local_first)

    def __repr__(self) -> str:
        return f"<form of {self.primitive.name!r}: {self.values} Value operand(s)>"


class _Forms:
    """The forms of one primitive: unary, or binary (Value-Value, Value-number,
    number-Value), or packed."""

    __slots__ = ("constant_value", "packed", "unary", "value_constant", "value_value")

    def __init__(self, primitive: Primitive) -> None:
        self.unary = self.value_value = self.value_constant = self.constant_value = None
        self.packed = None
        if primitive.arity == 1:
            self.unary = _Form(primitive, 1, False, (0,))
        elif primitive.arity == 2:
            self.value_value = _Form(primitive, 2, False, (0, 1))
            self.value_constant = _Form(primitive, 1, False, (0,))
            self.constant_value = _Form(primitive, 1, True, (1,))
        else:
            self.packed = _Form(primitive, 0, False, ())

    def node(self, out: float, args: Sequence[Value | Number], floats: list[float]) -> Value:
        if self.unary is not None:
            return _node(out, self.unary, args[0])
        if self.packed is not None:
            operands = tuple(x if isinstance(x, Value) else c
                             for x, c in zip(args, floats, strict=True))
            return _node(out, self.packed, operands)
        a, b = args
        if isinstance(a, Value):
            if isinstance(b, Value):
                return _node(out, self.value_value, a, b)
            return _node(out, self.value_constant, a, floats[1])
        return _node(out, self.constant_value, b, floats[0])

    def all(self) -> list[_Form]:
        return [f for f in (self.unary, self.value_value, self.value_constant,
                            self.constant_value, self.packed) if f is not None]


_REGISTRY: dict[str, Primitive] = {}
primitives: Mapping[str, Primitive] = MappingProxyType(_REGISTRY)
"""Every primitive by name, built-in and user-defined (read-only, live)."""

_REGISTRY_LOCK = threading.Lock()


def primitive(name: str, forward: Callable[..., float], partials: Callable[..., Sequence[Any]],
              *, symbol: str | None = None, notation: str | None = None,
              formula: Sequence[Formula] | Callable[..., tuple[str, ...]] | None = None,
              singular_distance: Callable[..., float] | None = None,
              check_operands: Callable[..., None] | None = None,
              code: Code | None = None, array_code: Code | None = None) -> Primitive:
    """Define and register a primitive operation; return it (a callable).

        >>> from autodiff import Value, grad, ops, primitive
        >>> softsign = primitive(
        ...     "softsign", lambda a: a / (1 + abs(a)),
        ...     lambda out, a: (1 / (1 + ops.abs(a)) ** 2,), formula=["1/(1 + |{a}|)²"])
        >>> x = Value(1.0, "x")
        >>> y = softsign(x)
        >>> y.backward()
        >>> x.grad
        0.25
        >>> (dx,) = grad(softsign(x), [x], create_graph=True)
        >>> grad(dx, [x])      # the second derivative: from partials in Value mode
        [-0.25]

    `name` must be an identifier (it is how the expression language, `nn`
    activations and saved models name the operation) and must not be a
    built-in's; defining a user primitive under a name again replaces it (as
    re-running a notebook cell does). The number of operands is
    `forward`'s number of positional parameters (any number for `*args`), and
    `partials` must take one more (`out` first). The other arguments are the
    record's fields; see `Primitive`.
    """
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"primitive() needs an identifier as name, got {name!r}")
    existing = _REGISTRY.get(name)
    if existing is not None and existing._builtin:
        raise ValueError(f"primitive(): {name!r} is a built-in primitive; choose another name")
    required: tuple[tuple[str, object], ...] = (("forward", forward), ("partials", partials))
    for role, fn in required:
        if not callable(fn):
            raise TypeError(f"primitive({name!r}): {role} must be callable, got "
                            f"{type(fn).__name__}")
    optional: tuple[tuple[str, object], ...] = (("singular_distance", singular_distance),
                                                 ("check_operands", check_operands))
    for role, fn in optional:
        if fn is not None and not callable(fn):
            raise TypeError(f"primitive({name!r}): {role} must be callable or None")
    arity = _positional_count(forward)
    if arity == 0:
        raise TypeError(f"primitive({name!r}): forward must take at least one operand")
    takes = _positional_count(partials)
    if takes is not None and arity is not None and takes != arity + 1 and takes != -1:
        raise TypeError(f"primitive({name!r}): forward takes {arity} operand"
                        f"{'s' * (arity != 1)}, so partials must take {arity + 1} "
                        f"(out first), not {takes}")
    if formula is not None and not callable(formula) and (
            isinstance(formula, str) or len(formula) != (arity or len(formula))):
        raise TypeError(f"primitive({name!r}): formula must be a sequence of {arity} "
                        "texts (one per operand) or a callable")
    for text, what in ((symbol, "symbol"), (notation, "notation")):
        if text is not None and (not isinstance(text, str) or not text.strip()):
            raise TypeError(f"primitive({name!r}): {what} must be a non-empty str")
    for given, what in ((code, "code"), (array_code, "array_code")):
        if given is not None:
            _check_code(name, what, given, arity)
    made = Primitive(name, forward, partials, arity, symbol=symbol, notation=notation,
                     formula=formula, singular_distance=singular_distance,
                     check_operands=check_operands, code=code, array_code=array_code)
    with _REGISTRY_LOCK:
        _REGISTRY[name] = made
    return made


def _check_code(name: str, what: str, code: object, arity: int | None) -> None:
    """A `Code` whose expressions parse, use known placeholders and cover every operand."""
    if not isinstance(code, Code):
        raise TypeError(f"primitive({name!r}): {what} must be an autodiff.Code, got "
                        f"{type(code).__name__}")
    if arity is None:
        raise TypeError(f"primitive({name!r}): {what} needs a fixed number of operands; "
                        "a variadic primitive is compiled through forward and partials")
    if not isinstance(code.adjoints, tuple) or len(code.adjoints) != arity:
        raise TypeError(f"primitive({name!r}): {what}.adjoints must be a tuple of {arity} "
                        f"expression{'s' * (arity != 1)} (one per operand)")
    operands = set(operand_names(arity))
    for role, text, allowed in (("value", code.value, operands),
                                *(("adjoints", t, operands | {"out", "g"})
                                  for t in code.adjoints)):
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


def builtin_primitive(name: str, forward: Callable[..., float],
                      partials: Callable[..., Sequence[Any]], arity: int | None,
                      **fields: Any) -> Primitive:
    """Define a built-in primitive (for `autodiff.ops`; users call `primitive`).
    Built-in names such as "+" need not be identifiers, and cannot be redefined."""
    made = Primitive(name, forward, partials, arity, builtin=True, **fields)
    _REGISTRY[name] = made
    return made


def _positional_count(fn: Callable[..., object]) -> int | None:
    """How many positional parameters fn takes: None for *args, -1 if unknown."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return -1
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)


# -- errors that name the operation ----------------------------------------------


def _short(x: object, limit: int = 40) -> str:
    """repr(x), cut to about `limit` characters: 10**400 is "100000...000 (401 digits)"."""
    if isinstance(x, int) and x.bit_length() > 4000:  # str() refuses ints of > 4300 digits
        digits = int(x.bit_length() * math.log10(2)) + 1
        return f"{'-' if x < 0 else ''}~10**{digits - 1} (about {digits} digits)"
    text = repr(x)
    if len(text) <= limit:
        return text
    unit = "digits" if isinstance(x, int) else "characters"
    return f"{text[:12]}...{text[-3:]} ({len(text)} {unit})"


def _describe(x: object) -> str:
    if isinstance(x, Value):
        return f"{x.label} = {x._data!r}" if x.label else repr(x._data)
    return f"{_short(x)} (a number)"


def _operands(args: Sequence[object]) -> str:
    return ", ".join(_describe(x) for x in args)


def _restated(exc: BaseException, message: str) -> BaseException:
    """exc's type with a message naming the operation (the type is kept)."""
    try:
        return type(exc)(message)
    except Exception:  # an exotic exception type: keep it, with a note
        exc.add_note(message)
        return exc


def _not_finite(prim: Primitive, args: Sequence[object], floats: Sequence[float],
                out: float) -> NoReturn:
    for x, c in zip(args, floats, strict=True):
        if not _isfinite(c):
            raise ValueError(f"{prim.name}: operand {_describe(x)} is not a finite number")
    if math.isnan(out):
        raise ValueError(f"{prim.name}: the result is not a number (nan), at "
                         f"{_operands(args)}")
    raise OverflowError(f"{prim.name}: the result is too large for a float, at "
                        f"{_operands(args)}")


def _constant(x: object, who: str) -> float | None:
    """A Python (or NumPy) real number as a float; None if x is not one. `who` (an
    operation's name, or "Value()") names the caller in the error for a number too
    large for a float."""
    if type(x) is float:
        return x
    if not _is_number(x):
        return None
    try:
        return float(x)  # type: ignore[arg-type]
    except OverflowError:
        raise OverflowError(f"{who}: the number {_short(x)} is too large for a float") from None


def _finite_number(x: object, who: str) -> float:
    """x as a finite float, or the TypeError or ValueError naming `who` (the
    constructor, or the attribute being set)."""
    if type(x) is not float:
        number = _constant(x, who)
        if number is None:
            raise TypeError(f"{who} needs a real number (int, float, bool or NumPy scalar), "
                            f"got {type(x).__name__}: {_short(x)}")
        x = number
    if not _isfinite(x):
        raise ValueError(f"{who} needs a finite number, got {x!r}")
    return x


def _is_number(x: object) -> bool:
    """Is x a real number a Value takes: int, float, bool, Fraction, NumPy scalar?"""
    if isinstance(x, Real):
        return not isinstance(x, Value)
    cls = type(x)
    return cls.__module__ == "numpy" and cls.__name__ in ("bool_", "bool")


def _derivative_error(v: Value, cause: BaseException | None, value: object = None
                      ) -> BaseException:
    """The numeric policy's error: a local derivative that is not finite (`value`,
    or an ArithmeticError `cause` such as 1/0) is an OverflowError naming the
    operation; another failure of `partials` keeps its type."""
    name, at = v.op, _operands(v.args)
    if cause is None or isinstance(cause, ArithmeticError):
        shown = "" if cause is not None else f" ({_short(value)})"
        return OverflowError(f"{name}: a local derivative is not finite{shown} at {at}, "
                             "so the gradient would be infinite")
    return _restated(cause, f"{name}: its local derivative fails at {at}: {cause}")


# -- nodes -----------------------------------------------------------------------


class Value:
    """A real number that records how it was computed, and its gradient.

    `data` is the number (a finite float), `grad` the accumulated derivative
    ∂E/∂(this node) of whatever `backward()` was last called on (0.0 until
    then), `label` a free-form name for display, `scope` the `autodiff.scope`
    the node was created in ("" outside any). `primitive` is the operation that
    produced the node (None for a leaf) and `op` its name; `inputs` are its
    Value operands in order, duplicates kept (`x * x` has inputs `(x, x)`), and
    `args` all its operands, folded numbers included.

    `==` and `hash` are identity-based, so Values can be dict keys and set
    members. `<`, `<=`, `>`, `>=` compare `data` (with Values or numbers) and
    return a plain bool; they are not differentiable.
    """

    __slots__ = ("_a", "_adjoint", "_b", "_data", "_grad", "_op", "label", "scope")
    __array_ufunc__ = None  # NumPy defers to Value's operators: np.float64(2) * x is a node

    label: str
    scope: str

    def __init__(self, data: Number, label: str = "") -> None:
        data = _finite_number(data, "Value()")
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r}")
        self._data = data
        self._grad = 0.0
        self.label = label
        self.scope = _current_scope.get() if _open_scopes else ""
        self._op: _Form | None = None
        self._a: Any = None
        self._b: Any = None

    # -- the number and its gradient -----------------------------------------

    @property
    def data(self) -> float:
        """The number, a finite float; set it like the constructor's `data`."""
        return self._data

    @data.setter
    def data(self, number: Number) -> None:
        self._data = _finite_number(number, "Value.data")

    @property
    def grad(self) -> float:
        """∂E/∂(this node), accumulated by `backward()`; a finite float."""
        return self._grad

    @grad.setter
    def grad(self, number: Number) -> None:
        self._grad = _finite_number(number, "Value.grad")

    # -- structure --------------------------------------------------------

    @property
    def primitive(self) -> Primitive | None:
        """The operation that produced this node; None for a leaf."""
        return None if self._op is None else self._op.primitive

    @property
    def op(self) -> str:
        """The name of the operation that produced this node ('+', '-', 'sin', ...);
        '' for a leaf."""
        return "" if self._op is None else self._op.primitive.name

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The Value operands, in order (numbers folded into the node excluded)."""
        form = self._op
        if form is None:
            return ()
        if form.values == 2:
            return (self._a, self._b)
        if form.values == 1:
            return (self._a,)
        return tuple(x for x in self._a if isinstance(x, Value))

    @property
    def args(self) -> tuple[Value | float, ...]:
        """All operands in order, folded number constants included:
        `(x, 1.0)` for `x - 1`, `(2.0, x)` for `2 / x`, `(x,)` for `x.exp()`."""
        form = self._op
        if form is None:
            return ()
        if form.values == 0:
            return self._a
        if form.values == 2:
            return (self._a, self._b)
        if self._b is None:
            return (self._a,)
        return (self._b, self._a) if form.constant_first else (self._a, self._b)

    @overload
    def partials(self, create_graph: Literal[False] = False) -> tuple[float, ...]: ...
    @overload
    def partials(self, create_graph: bool) -> tuple[Value | float, ...]: ...
    def partials(self, create_graph: bool = False) -> tuple[Value | float, ...]:
        """The local derivatives ∂self/∂x for every x in `inputs`, as floats
        (the primitive's `partials` in float mode). OverflowError where one is
        not finite (the numeric policy).

        With `create_graph=True`, the same derivatives from `partials` evaluated
        with the Values themselves: graphs that can be differentiated again
        (`grad(create_graph=True)` and forward mode's tangent graphs use them), a
        derivative that depends on no Value staying a float. The float ones are
        checked first, so the numeric policy is the same in both modes.
        """
        if _observing:
            _used(self, ".partials()", sys._getframe(1))
        form = self._op
        if form is None:
            return ()
        floats = form.local(self)
        if not create_graph:
            return floats
        args = self.args
        try:
            every = form.primitive.partials(self, *args)
        except (ArithmeticError, ValueError) as exc:
            raise _derivative_error(self, exc) from None
        locals_: list[Value | float] = []
        for d in _pick(form, every, args):
            if not isinstance(d, Value) and (isinstance(d, bool) or not isinstance(d, Real)):
                raise TypeError(f"{form.primitive.name}: partials must return Values or "
                                f"numbers, got {type(d).__name__}: {_short(d)}")
            locals_.append(d if isinstance(d, Value) else float(d))
        return tuple(locals_)

    def __repr__(self) -> str:
        parts = [f"{self._data:.4g}", f"grad={self._grad:.4g}"]
        if self._op is not None:
            parts.append(f"op={self.op!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"Value({', '.join(parts)})"

    def __float__(self) -> float:
        if _observing:
            _used(self, "float()", sys._getframe(1))
        return self._data

    # -- arithmetic: +, −, × inlined for speed, the rest through their primitives

    def __add__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            r = self._data + other._data
            if r - r != 0.0:  # inf or nan: cheaper than a call to math.isfinite
                _not_finite(ADD, (self, other), (self._data, other._data), r)
            return _node(r, _ADD_VV, self, other)
        c = _constant(other, "+")
        if c is None:
            return NotImplemented
        r = self._data + c
        if r - r != 0.0:
            _not_finite(ADD, (self, other), (self._data, c), r)
        return _node(r, _ADD_VC, self, c)

    def __radd__(self, other: Number) -> Value:
        """`c + self`; the int 0 that Python's `sum()` starts from gives `self` itself,
        so `sum(values)` adds no `+ 0` node."""
        if type(other) is int and other == 0:
            return self
        c = _constant(other, "+")
        if c is None:
            return NotImplemented
        r = c + self._data
        if r - r != 0.0:
            _not_finite(ADD, (other, self), (c, self._data), r)
        return _node(r, _ADD_CV, self, c)

    def __sub__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            r = self._data - other._data
            if r - r != 0.0:
                _not_finite(SUB, (self, other), (self._data, other._data), r)
            return _node(r, _SUB_VV, self, other)
        c = _constant(other, "-")
        if c is None:
            return NotImplemented
        r = self._data - c
        if r - r != 0.0:
            _not_finite(SUB, (self, other), (self._data, c), r)
        return _node(r, _SUB_VC, self, c)

    def __rsub__(self, other: Number) -> Value:
        c = _constant(other, "-")
        if c is None:
            return NotImplemented
        r = c - self._data
        if r - r != 0.0:
            _not_finite(SUB, (other, self), (c, self._data), r)
        return _node(r, _SUB_CV, self, c)

    def __mul__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            r = self._data * other._data
            if r - r != 0.0:
                _not_finite(MUL, (self, other), (self._data, other._data), r)
            return _node(r, _MUL_VV, self, other)
        c = _constant(other, "*")
        if c is None:
            return NotImplemented
        r = self._data * c
        if r - r != 0.0:
            _not_finite(MUL, (self, other), (self._data, c), r)
        return _node(r, _MUL_VC, self, c)

    def __rmul__(self, other: Number) -> Value:
        c = _constant(other, "*")
        if c is None:
            return NotImplemented
        r = c * self._data
        if r - r != 0.0:
            _not_finite(MUL, (other, self), (c, self._data), r)
        return _node(r, _MUL_CV, self, c)

    def __neg__(self) -> Value:
        return _node(-self._data, _NEG_1, self)

    def __truediv__(self, other: Value | Number) -> Value:
        return DIV(self, other) if _is_operand(other) else NotImplemented

    def __rtruediv__(self, other: Number) -> Value:
        return DIV(other, self) if _is_operand(other) else NotImplemented

    def __pow__(self, other: Value | Number) -> Value:
        """`self ** other`, the exponent a number or a Value; see `autodiff.ops.pow`."""
        return POW(self, other) if _is_operand(other) else NotImplemented

    def __rpow__(self, other: Number) -> Value:
        return POW(other, self) if _is_operand(other) else NotImplemented

    def __abs__(self) -> Value:
        return _ops.abs(self)

    # -- elementary functions (see autodiff.ops) ----------------------------

    def exp(self) -> Value:
        """e^x; derivative e^x."""
        return _ops.exp(self)

    def log(self) -> Value:
        """Natural logarithm ln x for x > 0; derivative 1/x."""
        return _ops.log(self)

    def tanh(self) -> Value:
        """tanh x; derivative 1 − tanh² x."""
        return _ops.tanh(self)

    def sigmoid(self) -> Value:
        """The logistic function σ(x) = 1/(1 + e^(−x)), stable for every x;
        derivative σ(1 − σ)."""
        return _ops.sigmoid(self)

    def relu(self) -> Value:
        """max(0, x); derivative [x > 0], so 0 at x = 0 (the seed notes' convention)."""
        x = self._data
        return _node(x if x > 0.0 else 0.0, _RELU, self)

    def sqrt(self) -> Value:
        """√x for x ≥ 0; derivative 1/(2√x)."""
        return _ops.sqrt(self)

    def sin(self) -> Value:
        """sin x; derivative cos x."""
        return _ops.sin(self)

    def cos(self) -> Value:
        """cos x; derivative −sin x."""
        return _ops.cos(self)

    # -- comparisons of data (not differentiable) ------------------------

    def __lt__(self, other: Value | Number) -> bool:
        result = self._data < _float_of(other)
        if _observing:
            _compared(self, "<", other, result)
        return result

    def __le__(self, other: Value | Number) -> bool:
        result = self._data <= _float_of(other)
        if _observing:
            _compared(self, "<=", other, result)
        return result

    def __gt__(self, other: Value | Number) -> bool:
        result = self._data > _float_of(other)
        if _observing:
            _compared(self, ">", other, result)
        return result

    def __ge__(self, other: Value | Number) -> bool:
        result = self._data >= _float_of(other)
        if _observing:
            _compared(self, ">=", other, result)
        return result

    __hash__ = object.__hash__

    # -- reverse mode -----------------------------------------------------

    def backward(self, grad: Number = 1.0) -> None:
        """Add ∂self/∂n · grad to `n.grad` for every node n of this graph.

        Reverse mode over the graph in topological order, without recursion.
        Gradients *accumulate*, as in PyTorch: calling `backward()` twice adds
        twice. Reset with `zero_grad()` (this graph) or
        `autodiff.zero_grad(params)` (a list of Values).

        All or nothing: the sweep runs on adjoints of its own, and only a sweep
        that finished adds them to the `.grad` of every node. An error (a
        derivative that is not finite, a failing user primitive) leaves every
        `.grad` as it was; a Ctrl-C is held until the call ends, then raised.
        Calls in several threads on graphs that share nodes (one model) add
        exactly as if they ran one after another.
        """
        seed = _seed(grad)
        if _observing:
            _used(self, "backward()")
        order = topological_order(self)
        with _sweeping(order):
            self._adjoint = seed  # self is the last node of order
            _propagate(order)
            set_grads(order, [v._grad + v._adjoint for v in order], "backward()")

    def zero_grad(self) -> None:
        """Set `grad` to 0.0 on every node of this graph."""
        order = topological_order(self)
        with uninterrupted():
            for v in order:
                v._grad = 0.0


def _node(data: float, form: _Form | None, a: Any, b: Any = None) -> Value:
    """A new operation node: `data`, computed by `form`'s primitive from the
    operands `a`, `b` (laid out as `_Form` says). The operators and primitives
    make every node through here, without the constructor's checks: `data` is
    already a finite float."""
    v = _new_value(Value)
    v._data = data
    v._grad = 0.0
    v.label = ""
    v.scope = _current_scope.get() if _open_scopes else ""
    v._op = form
    v._a = a
    v._b = b
    return v


_new_value = object.__new__


def _float_of(x: Value | Number) -> float:
    return x._data if isinstance(x, Value) else x


def _is_operand(x: object) -> bool:
    return isinstance(x, Value) or _is_number(x)


def _seed(grad: object) -> float:
    if isinstance(grad, bool) or not _is_number(grad):
        raise TypeError(f"backward(grad=...) needs a real number, got {type(grad).__name__}: "
                        f"{_short(grad)}")
    return _finite_number(grad, "backward(grad=...)")


def _partials_of(v: Value, *floats: float) -> Any:
    """partials(out, *floats) of v's primitive, its failures the numeric policy's error."""
    try:
        return v._op.primitive.partials(v._data, *floats)  # type: ignore[union-attr]
    except (ArithmeticError, ValueError) as exc:
        raise _derivative_error(v, exc) from None


def _all_partials(v: Value) -> Sequence[Any]:
    """partials(out, *operands) of v's primitive in float mode: one per operand,
    constants included. A failure inside is the numeric policy's error."""
    return _partials_of(v, *(x._data if isinstance(x, Value) else x for x in v.args))


def _checked(v: Value, every: object) -> list[float]:
    """From partials' result, the derivatives by v's Value operands, checked: the
    right count, numbers, finite."""
    name = v.op
    for d in (picked := _pick(v._op, every, v.args)):  # type: ignore[arg-type]
        if isinstance(d, bool) or not isinstance(d, float | int):
            raise TypeError(f"{name}: partials must return numbers for float operands, got "
                            f"{type(d).__name__}: {_short(d)}")
        if d - d != 0:
            raise _derivative_error(v, None, d)
    return [float(d) for d in picked]


def _pick(form: _Form, every: object, args: Sequence[object]) -> list[Any]:
    """From partials' result (one per operand), the ones of the Value operands."""
    prim = form.primitive
    if not isinstance(every, tuple | list):
        raise TypeError(f"{prim.name}: partials must return a tuple with one derivative per "
                        f"operand, got {type(every).__name__}: {_short(every)}")
    if len(every) != len(args):
        raise TypeError(f"{prim.name}: partials returned {len(every)} derivative"
                        f"{'s' * (len(every) != 1)} for {len(args)} operand"
                        f"{'s' * (len(args) != 1)}")
    positions = form.positions or [i for i, x in enumerate(args) if isinstance(x, Value)]
    return [every[i] for i in positions]


# -- scopes ----------------------------------------------------------------------

_current_scope: contextvars.ContextVar[str] = contextvars.ContextVar("autodiff_scope",
                                                                    default="")
_open_scopes: list[None] = []  # one item per scope open in any thread (appends are atomic):
# while it is empty, new nodes skip the context lookup


class scope:
    """Context manager: Values created inside carry `scope` = this path.

    Scopes nest with "/": inside `scope("layer2")` and then `scope("neuron0")`
    new nodes get scope "layer2/neuron0". `nn` names its modules this way so
    that drawings can group a module's nodes. The current scope belongs to the
    thread (a `contextvars` context): two threads building graphs at once each
    see only their own.
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"scope() needs a non-empty str name, got {name!r}")
        self.name = name
        self._tokens: list[contextvars.Token[str]] = []

    def __enter__(self) -> str:
        outer = _current_scope.get()
        path = f"{outer}/{self.name}" if outer else self.name
        self._tokens.append(_current_scope.set(path))
        _open_scopes.append(None)
        return path

    def __exit__(self, *exc_info: object) -> None:
        _open_scopes.pop()
        _current_scope.reset(self._tokens.pop())


# -- observing the numbers a program uses (for autodiff.compile) ---------------------


class Observer:
    """What `observe` reports while a program runs: override the methods.

    A graph recorded once and replayed with other numbers is only right if the
    program that built it did not look at its numbers. These are the ways a
    Python program can (the operations on Values never do)."""

    def compared(self, a: Value, op: str, b: Value | Number, result: bool) -> None:
        """`a op b` (op one of <, <=, >, >=) was evaluated and gave `result`."""

    def used(self, v: Value, how: str) -> None:
        """Code outside autodiff used the number of v (`how`: ".data read",
        ".grad written", "float()", "backward()", ...)."""


_observer: contextvars.ContextVar[Observer | None] = contextvars.ContextVar(
    "autodiff_observer", default=None)
_observing: list[None] = []  # one item per observe() open in any thread: while it is empty,
# comparisons and float() skip the context lookup and `data`, `grad` are plain slots
_observing_lock = threading.Lock()


class observe:
    """Context manager: report to `observer` how this thread's program uses the
    numbers of Values (see `Observer`) until it closes.

    Every comparison of Values is reported, and every `float()`, `.partials()`,
    `backward()` and float gradient; so is every read or write of `.data` and
    `.grad` by code outside the autodiff package. To see those, `Value.data` and
    `Value.grad` are properties while any thread observes, so every thread's
    attribute access is slower until the last observation closes; they are
    plain slots again afterwards. Other threads' use is not reported.
    """

    def __init__(self, observer: Observer) -> None:
        if not isinstance(observer, Observer):
            raise TypeError(f"observe() needs an autodiff.engine.Observer, got "
                            f"{type(observer).__name__}")
        self.observer = observer
        self._tokens: list[contextvars.Token[Observer | None]] = []

    def __enter__(self) -> Observer:
        self._tokens.append(_observer.set(self.observer))
        with _observing_lock:
            if not _observing:
                for watched in _WATCHED:
                    setattr(Value, watched.name, watched)
            _observing.append(None)
        return self.observer

    def __exit__(self, *exc_info: object) -> None:
        with _observing_lock:
            _observing.pop()
            if not _observing:
                for watched in _WATCHED:
                    setattr(Value, watched.name, watched.slot)
        _observer.reset(self._tokens.pop())


def _outside(frame: Any) -> bool:
    """Is frame's code outside the autodiff package?"""
    module = frame.f_globals.get("__name__", "")
    return not (module == "autodiff" or module.startswith("autodiff."))


def _compared(a: Value, op: str, b: Value | Number, result: bool) -> None:
    observer = _observer.get()
    if observer is not None:
        observer.compared(a, op, b, result)


def _used(v: Value, how: str, frame: Any = None) -> None:
    observer = _observer.get()
    if observer is not None and (frame is None or _outside(frame)):
        observer.used(v, how)


class _Watched:
    """`Value.data` or `Value.grad` while some thread observes: the slot, and a
    report of each use from outside autodiff in an observing thread."""

    __slots__ = ("name", "slot")

    def __init__(self, name: str) -> None:
        self.name = name
        self.slot = Value.__dict__[name]  # the member descriptor of the __slots__ entry

    def __get__(self, v: Value | None, owner: type | None = None) -> Any:
        if v is None:
            return self.slot
        if _observer.get() is not None:
            _used(v, f".{self.name} read", sys._getframe(1))
        return self.slot.__get__(v, owner)

    def __set__(self, v: Value, number: float) -> None:
        if _observer.get() is not None:
            _used(v, f".{self.name} written", sys._getframe(1))
        self.slot.__set__(v, number)


_WATCHED = (_Watched("data"), _Watched("grad"))


# -- the reverse sweep -------------------------------------------------------------

_FINISH = object()


def topological_order(root: Value | Sequence[Value]) -> list[Value]:
    """Every node `root` depends on, each after all of its inputs; `root` last.

    Iterative depth-first search following operand order, so the order is the
    same on every run (it never depends on `id()` or on set iteration). With a
    sequence of roots, every node any of them depends on, once, each after its
    inputs: the first root's order, then what the second adds, and so on.
    """
    order: list[Value] = []
    seen: set[Value] = set()
    # nodes to visit; _FINISH above a node: "its inputs are done"
    stack: list[Any] = [root] if isinstance(root, Value) else _roots(root)[::-1]
    push, pop, visit, emit = stack.append, stack.pop, seen.add, order.append
    while stack:
        v = pop()
        if v is _FINISH:
            emit(pop())
            continue
        if v in seen:
            continue
        visit(v)
        form = v._op
        if form is None:
            emit(v)
            continue
        push(v)
        push(_FINISH)
        n = form.values
        if n == 2:
            if v._b not in seen:
                push(v._b)
        elif n == 0:
            for x in reversed(v._a):
                if isinstance(x, Value) and x not in seen:
                    push(x)
            continue
        if v._a not in seen:
            push(v._a)
    return order


def _roots(roots: object) -> list[Value]:
    """A sequence of roots as a list, each checked to be a Value."""
    if not isinstance(roots, Sequence) or isinstance(roots, str):
        raise TypeError(f"expected a Value or a sequence of Values, got {type(roots).__name__}")
    for i, r in enumerate(roots):
        if not isinstance(r, Value):
            raise TypeError(f"expected Values as roots; item {i} is {type(r).__name__}: "
                            f"{_short(r)}")
    return list(roots)


_SWEEP_LOCK = threading.RLock()
"""Held while a sweep's adjoints live in its nodes' `_adjoint` slots: sweeps in
several threads over shared nodes (one model) take turns, so none mixes its
adjoints with another's."""
_depth: list[None] = []  # one item per sweep under way in the thread holding the lock


@contextmanager
def _sweeping(order: list[Value]) -> Iterator[None]:
    """The sweep over `order` has adjoints of its own: the nodes' `_adjoint`,
    each 0.0 at the start, under the sweep lock. A sweep nested in another (a
    user's partials calling `grad()`) puts the outer sweep's adjoints back.

    A Ctrl-C during the sweep is held until it ends (`uninterrupted`): a sweep
    is short (about a second for a million nodes), and no lock, adjoint or
    `.grad` can be left half done."""
    with uninterrupted(), _SWEEP_LOCK:
        outer = [getattr(v, "_adjoint", 0.0) for v in order] if _depth else None
        _depth.append(None)
        try:
            for v in order:
                v._adjoint = 0.0
            yield
        finally:
            _depth.pop()
            if outer is not None:
                for v, adjoint in zip(order, outer, strict=True):
                    v._adjoint = adjoint


def _propagate(order: list[Value],
               after_step: Callable[[Value, Callable[[Value], float]], None] | None = None
               ) -> None:
    """The reverse sweep, the one `backward()`, `grad()`, the Stepper and gradcheck
    run: with the roots' adjoints seeded and every other node's at 0.0, each
    operation n, from the roots down `order`, adds ∂n/∂x · n̄ to the adjoint x̄ of
    each input x. `after_step(n, adjoint)` runs after each operation n, where
    `adjoint(x)` is x's running adjoint in this sweep."""
    if after_step is None:
        for v in reversed(order):
            form = v._op
            if form is not None:
                form.accumulate(v)
    else:
        for v in reversed(order):
            form = v._op
            if form is not None:
                form.accumulate(v)
                after_step(v, _adjoint_of)


def set_grads(values: Sequence[Value], grads: list[float], who: str) -> None:
    """Set each value's `.grad` to the number in `grads` at its position, all or
    none: every number is checked finite first (else OverflowError naming `who`
    and the node, and no `.grad` changes), and the writes are not cut by Ctrl-C."""
    _check_finite(values, grads, who)
    with uninterrupted():
        for v, g in zip(values, grads, strict=True):
            v._grad = g


def _check_finite(values: Sequence[Value], grads: Sequence[float], who: str) -> None:
    """OverflowError naming `who` and the first node whose gradient in `grads`
    would not be finite."""
    total = sum(grads)
    if total - total == 0.0:
        return
    for v, g in zip(values, grads, strict=True):  # an inf or nan, or only a sum too large
        if g - g != 0.0:
            raise OverflowError(
                f"{who}: the gradient of {_describe(v)} ({v.op or 'a leaf'}) would be "
                f"{g!r}: too large for a float; no .grad was changed")


def reverse_sweep(root: Value | Sequence[Value], seed: Number | Sequence[Number] = 1.0, *,
                  after_step: Callable[[Value, Callable[[Value], float]], None] | None = None
                  ) -> dict[Value, float]:
    """The gradient seed·∂root/∂n of every node n of root's graph, by the sweep
    `backward()` runs; no `.grad` is read or written.

    Several roots r_1 … r_m with seeds v_1 … v_m (a sequence of as many numbers,
    or one number for all) give Σ_k v_k·∂r_k/∂n in the same single sweep: the
    vector-Jacobian product vᵀJ of the roots (`autodiff.vjp`).

    `after_step(n, adjoint)` is called after each operation n (root first) has
    passed its gradient on; `adjoint(x)` is then the running gradient of any
    node x in this sweep. The Stepper watches the sweep this way.
    """
    if isinstance(root, Value):
        roots, seeds = [root], [_seed(seed)]
    else:
        roots = _roots(root)
        if isinstance(seed, Sequence):
            if len(seed) != len(roots):
                raise ValueError(f"reverse_sweep(): {len(roots)} roots but {len(seed)} seeds")
            seeds = [_seed(s) for s in seed]
        else:
            seeds = [_seed(seed)] * len(roots)
    if _observing:
        for r in roots:
            _used(r, "a float gradient (grad() or reverse_sweep())")
    order = topological_order(root)
    with _sweeping(order):
        for r, s in zip(roots, seeds, strict=True):
            r._adjoint += s
        _propagate(order, after_step)
        return dict(zip(order, map(_adjoint_of, order), strict=True))


def graph_gradients(root: Value, inputs: Sequence[Value]) -> list[Value]:
    """∂root/∂x for every x in `inputs` as Value graphs, so they can be
    differentiated again: the same reverse order, the primitives' `partials`
    evaluated with Values. The float partials are checked first, so a derivative
    that is not finite fails here exactly as in `backward()`.

    Adjoints start as the float 1.0 and stay floats while they are constants,
    so no node is made for a constant derivative (∂(x + y)/∂x = 1).
    """
    with no_full_gc():  # a graph of the derivative, built here: linear cost
        return _graph_gradients(root, inputs)


def _graph_gradients(root: Value, inputs: Sequence[Value]) -> list[Value]:
    adjoint: dict[Value, Value | float] = {root: 1.0}
    for v in reversed(topological_order(root)):
        form = v._op
        g = adjoint.get(v)
        if form is None or g is None:
            continue
        locals_ = v.partials(create_graph=True)
        _agree(v, v.partials(), locals_)
        for x, local in zip(v.inputs, locals_, strict=True):
            term = local if type(g) is float and g == 1.0 else g * local
            previous = adjoint.get(x)
            adjoint[x] = term if previous is None else previous + term
    return [g if isinstance(g, Value) else Value(g)
            for g in (adjoint.get(x, 0.0) for x in inputs)]


_PARTIALS_TOLERANCE = 1e-9
"""How far a primitive's partials may differ between float and Value mode: relative
to the larger in size, absolute for derivatives smaller than 1 (math.isclose with
rel_tol = abs_tol = 1e-9). Rounding differs by far less; more is a wrong definition."""


def _agree(v: Value, floats: Sequence[float], locals_: Sequence[Value | float]) -> None:
    """The derivatives of v by its Value operands, from `partials` in float mode and in
    Value mode, are the same numbers (within `_PARTIALS_TOLERANCE`); else a ValueError
    naming the primitive, the operand and both numbers. A `partials` that reads
    `.data`, or another graph, gives `backward()` one number and
    `grad(create_graph=True)` another."""
    for i, (d, local) in enumerate(zip(floats, locals_, strict=True)):
        e = local._data if isinstance(local, Value) else local
        if d != e and not math.isclose(d, e, rel_tol=_PARTIALS_TOLERANCE,
                                        abs_tol=_PARTIALS_TOLERANCE):
            args = v.args
            position = [k for k, x in enumerate(args) if isinstance(x, Value)][i]
            raise ValueError(
                f"{v.op}: its partials give the derivative by operand {position + 1} as "
                f"{d!r} with floats (backward) but {e!r} with Values "
                f"(grad(create_graph=True)), at "
                f"{_operands(args)}; partials must compute the same derivative in both "
                "modes (use operators and autodiff.ops on the operands it receives, not "
                ".data or Values of another graph)")


# -- the sweep's step at one node ---------------------------------------------------


def _local(v: Value, every: object = None) -> tuple[float, ...]:
    """v's float derivatives by its Value operands, checked (`_checked`); `every`:
    partials' result where already evaluated."""
    return tuple(_checked(v, _all_partials(v) if every is None else every))


# The local derivatives of one- and two-operand forms (`Form.local`), for
# Value.partials() and the sweep: partials' own tuple where it holds plain finite
# floats, one type test and one comparison per derivative; anything unusual (a
# wrong count, a non-float, a derivative that is not finite) goes to `_local`,
# which raises the precise error.


def _local_unary(v: Value) -> tuple[float, ...]:
    ds = _partials_of(v, v._a._data)
    if type(ds) is tuple and len(ds) == 1 and type(d := ds[0]) is float and d - d == 0.0:
        return ds
    return _local(v, ds)


def _local_binary(v: Value) -> tuple[float, ...]:
    ds = _partials_of(v, v._a._data, v._b._data)
    if (type(ds) is tuple and len(ds) == 2 and type(da := ds[0]) is float
            and type(db := ds[1]) is float and da - da == 0.0 and db - db == 0.0):
        return ds
    return _local(v, ds)


def _local_first(v: Value) -> tuple[float, ...]:  # f(x, c): the Value first
    ds = _partials_of(v, v._a._data, v._b)
    if type(ds) is tuple and len(ds) == 2 and type(d := ds[0]) is float and d - d == 0.0:
        return (d,)
    return _local(v, ds)


def _local_second(v: Value) -> tuple[float, ...]:  # f(c, x): the Value second
    ds = _partials_of(v, v._b, v._a._data)
    if type(ds) is tuple and len(ds) == 2 and type(d := ds[1]) is float and d - d == 0.0:
        return (d,)
    return _local(v, ds)


# The sweep's step at a node: x̄ += ∂v/∂x · v̄ (the adjoints) for every input x, from the
# form's local derivatives; +, −, ×, neg and relu have hand-inlined steps below.


def _accumulate(v: Value) -> None:
    g = v._adjoint
    for x, d in zip(v.inputs, _local(v), strict=True):
        x._adjoint += d * g


def _accumulate_unary(v: Value) -> None:
    (d,) = _local_unary(v)
    v._a._adjoint += d * v._adjoint


def _accumulate_binary(v: Value) -> None:
    da, db = _local_binary(v)
    g = v._adjoint
    v._a._adjoint += da * g
    v._b._adjoint += db * g


def _accumulate_first(v: Value) -> None:
    (d,) = _local_first(v)
    v._a._adjoint += d * v._adjoint


def _accumulate_second(v: Value) -> None:
    (d,) = _local_second(v)
    v._a._adjoint += d * v._adjoint


def _accumulate_add(v: Value) -> None:
    g = v._adjoint
    v._a._adjoint += g
    v._b._adjoint += g


def _accumulate_pass(v: Value) -> None:  # x + c, c + x, x − c: ∂/∂x = 1
    v._a._adjoint += v._adjoint


def _accumulate_sub(v: Value) -> None:
    g = v._adjoint
    v._a._adjoint += g
    v._b._adjoint -= g


def _accumulate_negate(v: Value) -> None:  # −x, c − x: ∂/∂x = −1
    v._a._adjoint -= v._adjoint


def _accumulate_mul(v: Value) -> None:
    a, b, g = v._a, v._b, v._adjoint
    a._adjoint += b._data * g
    b._adjoint += a._data * g


def _accumulate_mul_constant(v: Value) -> None:  # x × c, c × x: ∂/∂x = c
    v._a._adjoint += v._b * v._adjoint


def _accumulate_relu(v: Value) -> None:  # ∂/∂x = [x > 0], and x > 0 exactly when out > 0
    if v._data > 0.0:
        v._a._adjoint += v._adjoint


# -- the arithmetic primitives (the elementary functions are in autodiff.ops) --------


def _divide(a: float, b: float) -> float:
    if b == 0.0:
        raise ZeroDivisionError("division by zero")
    return a / b


def _power(a: float, p: float) -> float:
    if a == 0.0 and p < 0.0:
        raise ZeroDivisionError("0 to a negative power")
    if a < 0.0 and p != math.floor(p):
        raise ValueError("a negative base to a non-integer power is not real")
    try:
        return a**p
    except OverflowError:
        return math.inf


def _divide_partials(out: Operand, a: Operand, b: Operand) -> tuple[Operand, Operand]:
    """∂(a/b)/∂a = 1/b, ∂(a/b)/∂b = −out/b. With Values, the derivative by a number
    operand is never used and not built (0.0): 1/b or −out/b may overflow where the
    one that is used does not (1/x at x = 5e-324 next to 0/x)."""
    if isinstance(a, Value) != isinstance(b, Value):
        return (1.0 / b, 0.0) if isinstance(a, Value) else (0.0, -out / b)
    return 1.0 / b, -out / b


def _power_partials(out: Operand, a: Operand, p: Operand) -> tuple[Operand, Operand]:
    """∂(a^p)/∂a = p·a^(p−1), ∂(a^p)/∂p = a^p·ln a. Edge cases: ∂/∂a = 0 for a number
    p = 0 (a constant function); at a = 0 with p < 1 it is infinite (the numeric
    policy raises); ∂/∂p is taken as 0 at a = 0 (its limit for p > 0), and is nan
    for a < 0, where only a number exponent is allowed and ∂/∂p is never used.

    With floats, a^(p−1) beyond the float range is inf (a derivative that is used
    then raises; one that is not, by a number operand, is dropped). With Values
    (`grad(create_graph=True)`) the derivative by a number operand is not built
    (0.0); at a = 0 and p ≥ 1 the factor a^(p−1) is built with the number p − 1 as
    its exponent, by the rule above (∂/∂p taken as 0 at a = 0): a Value exponent
    p − 1 = 0 would need ln 0, and the value, p·0^(p−1) (1 at p = 1, else 0), is
    the float mode's; and a Value p = 0 gives (p·out)/a, 0 as in float mode, where
    a^(−1) alone may overflow (a = 5e-324)."""
    if isinstance(a, Value) or isinstance(p, Value):
        return _power_graph_partials(out, a, p)
    if p == 0.0:
        da = 0.0
    elif a == 0.0 and p < 1.0:
        da = math.inf
    else:
        try:
            da = p * a ** (p - 1.0)
        except OverflowError:  # a^(p−1) beyond the float range
            da = math.inf
    return da, out * _ops.log(a) if a > 0.0 else 0.0 if a == 0.0 else math.nan


def _power_graph_partials(out: Operand, a: Operand, p: Operand) -> tuple[Operand, Operand]:
    """`_power_partials` with a Value operand (see there), for create_graph."""
    base, exponent = _float_of(a), _float_of(p)
    if not isinstance(a, Value) or (not isinstance(p, Value) and p == 0.0):
        da: Operand = 0.0  # a number base (∂/∂a is not used), or a number p = 0
    elif base == 0.0 and exponent < 1.0:
        da = math.inf
    elif base == 0.0:  # a^(p − 1) with its exponent a number: ∂/∂p is taken as 0 at a = 0
        da = p * a ** (exponent - 1.0)
    elif exponent == 0.0:  # a Value p = 0: a^(−1) alone may overflow
        da = p * out / a
    else:
        da = p * a ** (p - 1.0)
    if not isinstance(p, Value):
        return da, 0.0  # a number exponent: ∂/∂p is not used
    return da, out * _ops.log(a) if base > 0.0 else 0.0


def _power_operands(a: Value | Number, p: Value | Number) -> None:
    """A Value exponent needs ln a for ∂(a^p)/∂p: a ≥ 0, and a > 0 unless p > 0."""
    if not isinstance(p, Value):
        return
    base = _float_of(a)
    if base < 0.0:
        raise ValueError(f"**: base {_describe(a)} is negative with a Value exponent "
                         f"{_describe(p)}; ∂(a^b)/∂b = a^b·ln a needs a ≥ 0 "
                         "(use a number exponent)")
    if base == 0.0 and p._data <= 0.0:
        raise ZeroDivisionError(f"**: base 0 with exponent {_describe(p)} ≤ 0 has no value "
                                "or derivative")


def _power_formula(a: Shown, b: Shown, out: Shown) -> tuple[str, str]:
    """∂(a^b)/∂a as the notes write it: "2·t2" for t2^2, "b·a^(b − 1)" in general."""
    if b.number is None:
        da = f"{b}·{a}^({b} − 1)"
    elif b.number == 1:
        da = "1"
    elif b.number == 2:
        da = f"2·{a}"
    else:
        da = f"{b}·{a}^{format(b.number - 1, 'g')}"
    return da, f"{a}^{b}·ln {a}"


ADD = builtin_primitive("+", lambda a, b: a + b, lambda out, a, b: (1.0, 1.0), 2, symbol="+",
              notation="{a} + {b}", formula=("1", "1"),
              code=Code("{a} + {b}", ("{g}", "{g}"), propagates=True, finite_partials=True),
              array_code=Code("{a} + {b}", ("{g}", "{g}")))
SUB = builtin_primitive("-", lambda a, b: a - b, lambda out, a, b: (1.0, -1.0), 2, symbol="−",
              notation="{a} − {b}", formula=("1", "−1"),
              code=Code("{a} - {b}", ("{g}", "-{g}"), propagates=True, finite_partials=True),
              array_code=Code("{a} - {b}", ("{g}", "-{g}")))
MUL = builtin_primitive("*", lambda a, b: a * b, lambda out, a, b: (b, a), 2, symbol="×",
              notation="{a} × {b}", formula=("{b}", "{a}"),
              code=Code("{a} * {b}", ("{b} * {g}", "{a} * {g}"), propagates=True,
                        finite_partials=True),
              array_code=Code("{a} * {b}", ("{b} * {g}", "{a} * {g}")))
DIV = builtin_primitive("/", _divide, _divide_partials, 2, symbol="÷",
              notation="{a} / {b}", formula=("1/{b}", "−{out}/{b}"),
              singular_distance=lambda a, b: abs(b),
              code=Code("{a} / {b}", ("(1.0 / {b}) * {g}", "(-{out} / {b}) * {g}")),
              array_code=Code("{a} / {b}", ("(1.0 / {b}) * {g}", "(-{out} / {b}) * {g}")))
NEG = builtin_primitive("neg", lambda a: -a, lambda out, a: (-1.0,), 1, symbol="−", notation="−{a}",
              formula=("−1",), code=Code("-{a}", ("-{g}",), propagates=True, finite_partials=True),
              array_code=Code("-{a}", ("-{g}",)))
POW = builtin_primitive("**", _power, _power_partials, 2, symbol="^", notation="{a}^{b}",
              formula=_power_formula, check_operands=_power_operands,
              singular_distance=lambda a, b: a,
              code=Code("{a} ** {b}", ("pow_partials({out}, {a}, {b})[0] * {g}",
                                       "pow_partials({out}, {a}, {b})[1] * {g}"),
                        {"pow_partials": _power_partials}),
              array_code=Code("{a} ** {b}", (
                  "where({b} == 0.0, 0.0, {b} * {a} ** ({b} - 1.0)) * {g}",
                  "where({a} > 0.0, {out} * log({a}), 0.0) * {g}")))

RELU = builtin_primitive("relu", lambda a: a if a > 0.0 else 0.0,
                         lambda out, a: (1.0 if a > 0.0 else 0.0,), 1, symbol="ReLU",
                         formula=("[{a} > 0]",), singular_distance=abs,
                         code=Code("{a} if {a} > 0.0 else 0.0", ("{g} if {out} > 0.0 else 0.0",),
                                   finite_partials=True),
                         array_code=Code("where({a} > 0.0, {a}, 0.0)",
                                         ("where({out} > 0.0, {g}, 0.0)",)))

# the forms of the inlined operators, and their sweep steps
_ADD_VV, _ADD_VC, _ADD_CV = ADD._forms.all()
_SUB_VV, _SUB_VC, _SUB_CV = SUB._forms.all()
_MUL_VV, _MUL_VC, _MUL_CV = MUL._forms.all()
(_NEG_1,) = NEG._forms.all()
(_RELU,) = RELU._forms.all()
for _form, _step in ((_ADD_VV, _accumulate_add), (_ADD_VC, _accumulate_pass),
                     (_ADD_CV, _accumulate_pass), (_SUB_VV, _accumulate_sub),
                     (_SUB_VC, _accumulate_pass), (_SUB_CV, _accumulate_negate),
                     (_MUL_VV, _accumulate_mul), (_MUL_VC, _accumulate_mul_constant),
                     (_MUL_CV, _accumulate_mul_constant), (_NEG_1, _accumulate_negate),
                     (_RELU, _accumulate_relu)):
    _form.accumulate = _step
_ONES, _ONE, _ONE_MINUS_ONE, _MINUS_ONE = (1.0, 1.0), (1.0,), (1.0, -1.0), (-1.0,)
for _form, _local_step in (
        (_ADD_VV, lambda v: _ONES), (_ADD_VC, lambda v: _ONE), (_ADD_CV, lambda v: _ONE),
        (_SUB_VV, lambda v: _ONE_MINUS_ONE), (_SUB_VC, lambda v: _ONE),
        (_SUB_CV, lambda v: _MINUS_ONE), (_MUL_VV, lambda v: (v._b._data, v._a._data)),
        (_MUL_VC, lambda v: (v._b,)), (_MUL_CV, lambda v: (v._b,)),
        (_NEG_1, lambda v: _MINUS_ONE), (_RELU, lambda v: _ONE if v._data > 0.0 else (0.0,))):
    _form.local = _local_step
del _form, _step, _local_step

from autodiff import ops as _ops  # noqa: E402  (the elementary functions need Value)
