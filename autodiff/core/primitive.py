"""`Primitive`: one operation, defined once by its value and its local derivatives.

A primitive is `forward(*operands) -> float` and `partials(out, *operands) ->
(∂out/∂a, ∂out/∂b, ...)`, one derivative per operand. That pair is all that
differentiation needs, and the one definition every tool starts from: the sweep
evaluates `partials` with floats, `grad(create_graph=True)` with Values, and the
tools evaluate it on symbols to print formulas and compiled code. What a tool
adds (a diagram's symbol, a formula's text, compiled code, where the operation
is singular) it keeps in its own table, keyed by primitive: `primitive(...,
symbol="σ")` hands each such keyword to the tool that registered it
(`rule_keyword`), as JAX's transformations keep their rules per primitive.

A node remembers its primitive through a *form*: which operands are Values
(both, one and a folded number, or a packed tuple) and the sweep's step for that
layout, so that a node holds no closure and the sweep does no dispatch.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Mapping, Sequence
from numbers import Real
from types import MappingProxyType
from typing import Any

from autodiff.core.errors import (
    constant,
    derivative_error,
    describe,
    not_finite,
    operands,
    restated,
    short,
)
from autodiff.core.node import Node

_isfinite = math.isfinite

_Value: type[Node] = Node  # autodiff.core.value's Value and the function that makes its
_node: Callable[..., Any]  # nodes, handed over (`use_value`): a Value holds its Primitive


def use_value(value: type[Node], make: Callable[..., Any]) -> None:
    """Make nodes of `value` with `make(data, form, a, b)` (autodiff.core.value's `_node`)."""
    global _Value, _node
    _Value, _node = value, make


Operand = Any
"""What a primitive's `partials` receive: floats (first-order sweeps) or Values
(`grad(create_graph=True)`); numbers folded into a node are always floats."""


class Primitive:
    """One operation: its value and its local derivatives.

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
    * `check_operands(*operands)`: called with the operands (Values and numbers)
      before a node is made, to refuse operands whose derivative cannot exist
      (a negative base with a Value exponent); None if not needed.

    Calling a primitive applies it: on numbers only it returns a float (so
    partials written with primitives work in float mode), with any Value
    operand it returns a new Value node, and with an operand whose type has an
    `apply_primitive(prim, args)` (a symbol: the tools evaluate partials on
    symbols) what that returns.
    """

    __slots__ = ("arity", "builtin", "check_operands", "forms", "forward", "name", "partials")

    def __init__(self, name: str, forward: Callable[..., float],
                 partials: Callable[..., Sequence[Any]], arity: int | None, *,
                 check_operands: Callable[..., None] | None = None,
                 builtin: bool = False) -> None:
        self.name = name
        self.forward = forward
        self.partials = partials
        self.arity = arity
        self.check_operands = check_operands
        self.builtin = builtin
        """True for the library's own primitives (`autodiff.ops`)."""
        self.forms = Forms(self)
        """How this primitive's nodes hold their operands (`Form`)."""

    def __repr__(self) -> str:
        return f"<primitive {self.name!r}>"

    def __call__(self, *args: Node | float) -> Any:
        if len(args) == 1 and type(args[0]) is _Value and self.forms.unary is not None:
            a = args[0]  # the common case, f(x) on a Value, without the general bookkeeping
            if self.check_operands is not None:
                self.check_operands(a)
            try:
                out = self.forward(a._data)
            except (ValueError, ArithmeticError) as exc:
                raise restated(exc, f"{self.name}: {exc}, at {operands(args)}") from None
            if type(out) is not float or out - out != 0.0:
                out = self._result(out, [a._data], args)
            return _node(out, self.forms.unary, a)
        arity = self.arity
        if (len(args) != arity) if arity is not None else not args:
            expected = "at least 1" if arity is None else str(arity)
            raise TypeError(f"{self.name}() takes {expected} operand"
                            f"{'' if arity == 1 else 's'}, got {len(args)}")
        floats: list[float] = []
        any_value = False
        for i, x in enumerate(args):
            if isinstance(x, Node):
                any_value = True
                floats.append(x._data)
            else:
                c = constant(x, self.name)
                if c is None:
                    symbolic = getattr(type(x), "apply_primitive", None)
                    if symbolic is not None:  # a symbol (autodiff.calculus.symbolic)
                        return symbolic(self, args)
                    raise TypeError(f"{self.name}(): operand {i + 1} must be a Value or a real "
                                    f"number, got {type(x).__name__}: {short(x)}")
                if not _isfinite(c):  # x / inf would be a finite, silent 0
                    raise ValueError(f"{self.name}: operand {describe(x)} is not a finite "
                                     "number")
                floats.append(c)
        if any_value and self.check_operands is not None:
            self.check_operands(*args)
        try:
            out = self.forward(*floats)
        except (ValueError, ArithmeticError) as exc:
            raise restated(exc, f"{self.name}: {exc}, at {operands(args)}") from None
        out = self._result(out, floats, args)
        return self.forms.node(out, args, floats) if any_value else out

    def _result(self, out: object, floats: Sequence[float], args: Sequence[object]) -> float:
        """forward's result as a finite float, or the library's error naming the operands."""
        if type(out) is not float:
            if isinstance(out, bool) or not isinstance(out, Real):
                raise TypeError(f"{self.name}: forward must return a real number, got "
                                f"{type(out).__name__}: {short(out)}")
            try:
                out = float(out)
            except OverflowError:  # an int (or Fraction) beyond the float range, either sign
                out = math.inf
        if out - out != 0.0:
            not_finite(self.name, args, floats, out)
        return out


class Form:
    """How a node of one primitive holds its operands, and its step in the sweep.

    Layouts: `values == 2`: two Value operands in `_a`, `_b`; `values == 1`: the
    Value in `_a` and, for a binary primitive, the folded constant in `_b` (it
    comes first in `args` when `constant_first`); `values == 0`: every operand
    in a tuple in `_a` (primitives of arity > 2 or variadic).

    `accumulate(v)` is the sweep's step at a node v: x̄ += ∂v/∂x · v̄ for every
    Value operand x; `local(v)` its float local derivatives, checked finite.
    autodiff.core.arithmetic writes out the steps of +, −, × and relu.
    """

    __slots__ = ("accumulate", "constant_first", "local", "positions", "primitive", "values")

    def __init__(self, primitive: Primitive, values: int, constant_first: bool,
                 positions: tuple[int, ...]) -> None:
        self.primitive = primitive
        self.values = values
        self.constant_first = constant_first
        self.positions = positions  # operand positions holding Values (fixed layouts)
        self.local: Callable[[Any], tuple[float, ...]] = (
            _local if values == 0 else _local_binary if values == 2
            else _local_unary if primitive.arity == 1
            else _local_second if constant_first else _local_first)
        self.accumulate: Callable[[Any], None] = (
            _accumulate if values == 0 else _accumulate_binary if values == 2
            else _accumulate_one(self.local))

    def __repr__(self) -> str:
        return f"<form of {self.primitive.name!r}: {self.values} Value operand(s)>"

    def pick(self, every: object, args: Sequence[object]) -> list[Any]:
        """From partials' result (one per operand), the ones of the Value operands."""
        name = self.primitive.name
        if not isinstance(every, tuple | list):
            raise TypeError(f"{name}: partials must return a tuple with one derivative per "
                            f"operand, got {type(every).__name__}: {short(every)}")
        if len(every) != len(args):
            raise TypeError(f"{name}: partials returned {len(every)} derivative"
                            f"{'s' * (len(every) != 1)} for {len(args)} operand"
                            f"{'s' * (len(args) != 1)}")
        return [every[i] for i in self.positions or _values_at(args)]

    def graph_partials(self, v: Any) -> tuple[Any, ...]:
        """v's local derivatives by its Value operands from `partials` evaluated with
        the Values themselves (`Value.partials(create_graph=True)`)."""
        args = v.args
        try:
            every = self.primitive.partials(v, *args)
        except (ArithmeticError, ValueError) as exc:
            raise derivative_error(v.op, args, exc) from None
        locals_: list[Any] = []
        for d in self.pick(every, args):
            if not isinstance(d, Node) and (isinstance(d, bool) or not isinstance(d, Real)):
                raise TypeError(f"{self.primitive.name}: partials must return Values or "
                                f"numbers, got {type(d).__name__}: {short(d)}")
            locals_.append(d if isinstance(d, Node) else float(d))
        return tuple(locals_)


class Forms:
    """The forms of one primitive: unary, or binary (Value-Value, Value-number,
    number-Value), or packed."""

    __slots__ = ("constant_value", "packed", "unary", "value_constant", "value_value")

    def __init__(self, primitive: Primitive) -> None:
        self.unary = self.value_value = self.value_constant = self.constant_value = None
        self.packed = None
        if primitive.arity == 1:
            self.unary = Form(primitive, 1, False, (0,))
        elif primitive.arity == 2:
            self.value_value = Form(primitive, 2, False, (0, 1))
            self.value_constant = Form(primitive, 1, False, (0,))
            self.constant_value = Form(primitive, 1, True, (1,))
        else:
            self.packed = Form(primitive, 0, False, ())

    def node(self, out: float, args: Sequence[Any], floats: list[float]) -> Any:
        """The node for `out`, computed from `args` (their floats: `floats`)."""
        if self.unary is not None:
            return _node(out, self.unary, args[0])
        if self.packed is not None:
            packed = tuple(x if isinstance(x, Node) else c
                           for x, c in zip(args, floats, strict=True))
            return _node(out, self.packed, packed)
        a, b = args
        if isinstance(a, Node):
            if isinstance(b, Node):
                return _node(out, self.value_value, a, b)
            return _node(out, self.value_constant, a, floats[1])
        return _node(out, self.constant_value, b, floats[0])

    def all(self) -> list[Form]:
        return [f for f in (self.unary, self.value_value, self.value_constant,
                            self.constant_value, self.packed) if f is not None]


def receivers(v: Node) -> tuple[int, ...]:
    """Which operands of v receive a term x̄ += ∂v/∂x · v̄ in the walk: the positions
    of its Value operands in `v.args`, in order (a folded number receives none).
    The tools that print or explain the walk read it here."""
    form = v._op
    return () if form is None else form.positions or _values_at(v._a)


def _values_at(args: Sequence[object]) -> tuple[int, ...]:
    return tuple(i for i, x in enumerate(args) if isinstance(x, Node))


# -- the local derivatives at a node, and the sweep's step -------------------------
# partials' own tuple where it holds plain finite floats (one type test and one
# comparison per derivative); anything unusual (a wrong count, a non-float, a
# derivative that is not finite) goes to `_local`, which raises the precise error.


def _partials_of(v: Any, *floats: float) -> Any:
    """partials(out, *floats) of v's primitive, its failures the numeric policy's error."""
    try:
        return v._op.primitive.partials(v._data, *floats)
    except (ArithmeticError, ValueError) as exc:
        raise derivative_error(v.op, v.args, exc) from None


def _local(v: Any, every: object = None) -> tuple[float, ...]:
    """v's float derivatives by its Value operands, checked: the right count,
    numbers, finite. `every`: partials' result where already evaluated."""
    args = v.args
    if every is None:
        every = _partials_of(v, *(x._data if isinstance(x, Node) else x for x in args))
    picked = v._op.pick(every, args)
    for d in picked:
        if isinstance(d, bool) or not isinstance(d, float | int):
            raise TypeError(f"{v.op}: partials must return numbers for float operands, got "
                            f"{type(d).__name__}: {short(d)}")
        if d - d != 0:
            raise derivative_error(v.op, args, None, d)
    return tuple(float(d) for d in picked)


def _local_unary(v: Any) -> tuple[float, ...]:
    ds = _partials_of(v, v._a._data)
    if type(ds) is tuple and len(ds) == 1 and type(d := ds[0]) is float and d - d == 0.0:
        return ds
    return _local(v, ds)


def _local_binary(v: Any) -> tuple[float, ...]:
    ds = _partials_of(v, v._a._data, v._b._data)
    if (type(ds) is tuple and len(ds) == 2 and type(da := ds[0]) is float
            and type(db := ds[1]) is float and da - da == 0.0 and db - db == 0.0):
        return ds
    return _local(v, ds)


def _local_first(v: Any) -> tuple[float, ...]:  # f(x, c): the Value first
    ds = _partials_of(v, v._a._data, v._b)
    if type(ds) is tuple and len(ds) == 2 and type(d := ds[0]) is float and d - d == 0.0:
        return (d,)
    return _local(v, ds)


def _local_second(v: Any) -> tuple[float, ...]:  # f(c, x): the Value second
    ds = _partials_of(v, v._b, v._a._data)
    if type(ds) is tuple and len(ds) == 2 and type(d := ds[1]) is float and d - d == 0.0:
        return (d,)
    return _local(v, ds)


def _accumulate(v: Any) -> None:
    g = v._adjoint
    for x, d in zip(v.inputs, _local(v), strict=True):
        x._adjoint += d * g


def _accumulate_binary(v: Any) -> None:
    da, db = _local_binary(v)
    g = v._adjoint
    v._a._adjoint += da * g
    v._b._adjoint += db * g


def _accumulate_one(local: Callable[[Any], tuple[float, ...]]) -> Callable[[Any], None]:
    """The step of a node with one Value operand (in `_a`), its derivative by `local`."""
    def accumulate(v: Any) -> None:
        (d,) = local(v)
        v._a._adjoint += d * v._adjoint
    return accumulate


# -- the registry ----------------------------------------------------------------------

_REGISTRY: dict[str, Primitive] = {}
primitives: Mapping[str, Primitive] = MappingProxyType(_REGISTRY)
"""Every primitive by name, built-in and user-defined (read-only, live)."""


def register(made: Primitive) -> Primitive:
    """Make `made` the primitive of its name in `primitives`, and return it. A user's
    primitive replaces one of the same name (`autodiff.functions.primitive` refuses
    a built-in's name before it gets here)."""
    _REGISTRY[made.name] = made
    return made


def builtin_primitive(name: str, forward: Callable[..., float],
                      partials: Callable[..., Sequence[Any]], arity: int | None, *,
                      check_operands: Callable[..., None] | None = None) -> Primitive:
    """Define a built-in primitive (for the library's own operations; users call
    `autodiff.primitive`). Built-in names such as "+" need not be identifiers, and
    cannot be redefined."""
    return register(Primitive(name, forward, partials, arity, check_operands=check_operands,
                              builtin=True))
