"""The numeric policy's errors, worded once: which operation, which operands, what went wrong.

Every Value holds a finite float. An operation outside its domain raises
ValueError (log of a number ≤ 0), ZeroDivisionError (division by zero) or
OverflowError (a result too large for a float), naming the operation and its
operands; a local derivative that is not finite raises OverflowError naming the
operation. The functions here write those messages; they take any object, a
graph node (`autodiff.core.node`) is described by its `label` and its number.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from numbers import Real
from typing import Any, NoReturn

from autodiff.core.node import Node

_isfinite = math.isfinite


def short(x: object, limit: int = 40) -> str:
    """repr(x), cut to about `limit` characters: 10**400 is "100000...000 (401 digits)"."""
    if isinstance(x, int) and x.bit_length() > 4000:  # str() refuses ints of > 4300 digits
        digits = int(x.bit_length() * math.log10(2)) + 1
        return f"{'-' if x < 0 else ''}~10**{digits - 1} (about {digits} digits)"
    text = repr(x)
    if len(text) <= limit:
        return text
    unit = "digits" if isinstance(x, int) else "characters"
    return f"{text[:12]}...{text[-3:]} ({len(text)} {unit})"


def describe(x: object) -> str:
    """An operand as an error names it: "w = 0.5" for a Value labelled w, "2.0 (a number)"."""
    if isinstance(x, Node):
        return f"{x.label} = {x._data!r}" if x.label else repr(x._data)
    return f"{short(x)} (a number)"


def operands(args: Sequence[object]) -> str:
    """The operands of an operation, as `describe` names them, comma-separated."""
    return ", ".join(describe(x) for x in args)


def restated(exc: BaseException, message: str) -> BaseException:
    """exc's type with a message naming the operation (the type is kept)."""
    try:
        return type(exc)(message)
    except Exception:  # an exotic exception type: keep it, with a note
        exc.add_note(message)
        return exc


def not_finite(name: str, args: Sequence[object], floats: Sequence[float],
               out: float) -> NoReturn:
    """The error for operation `name` whose result `out` is not finite: an operand that
    is not finite, a result that is not a number, or one too large for a float."""
    for x, c in zip(args, floats, strict=True):
        if not _isfinite(c):
            raise ValueError(f"{name}: operand {describe(x)} is not a finite number")
    if math.isnan(out):
        raise ValueError(f"{name}: the result is not a number (nan), at {operands(args)}")
    raise OverflowError(f"{name}: the result is too large for a float, at {operands(args)}")


def is_number(x: object) -> bool:
    """Is x a real number a Value takes: int, float, bool, Fraction, NumPy scalar?"""
    if isinstance(x, Real):
        return not isinstance(x, Node)
    cls = type(x)
    return cls.__module__ == "numpy" and cls.__name__ in ("bool_", "bool")


def constant(x: object, who: str) -> float | None:
    """A Python (or NumPy) real number as a float; None if x is not one. `who` (an
    operation's name, or "Value()") names the caller in the error for a number too
    large for a float."""
    if type(x) is float:
        return x
    if not is_number(x):
        return None
    try:
        return float(x)  # type: ignore[arg-type]
    except OverflowError:
        raise OverflowError(f"{who}: the number {short(x)} is too large for a float") from None


def finite_number(x: object, who: str) -> float:
    """x as a finite float, or the TypeError or ValueError naming `who` (the
    constructor, or the attribute being set)."""
    if type(x) is not float:
        number = constant(x, who)
        if number is None:
            raise TypeError(f"{who} needs a real number (int, float, bool or NumPy scalar), "
                            f"got {type(x).__name__}: {short(x)}")
        x = number
    if not _isfinite(x):
        raise ValueError(f"{who} needs a finite number, got {x!r}")
    return x


def seed(grad: object, who: str = "backward(grad=...)") -> float:
    """The number a reverse sweep starts from, checked: a finite real number, not a bool."""
    if isinstance(grad, bool) or not is_number(grad):
        raise TypeError(f"{who} needs a real number, got {type(grad).__name__}: "
                        f"{short(grad)}")
    return finite_number(grad, who)


def derivative_error(op: str, args: Sequence[Any], cause: BaseException | None,
                     value: object = None) -> BaseException:
    """The numeric policy's error: a local derivative of operation `op` at `args` that
    is not finite (`value`, or an ArithmeticError `cause` such as 1/0) is an
    OverflowError naming the operation; another failure of `partials` keeps its type."""
    at = operands(args)
    if cause is None or isinstance(cause, ArithmeticError):
        shown = "" if cause is not None else f" ({short(value)})"
        return OverflowError(f"{op}: a local derivative is not finite{shown} at {at}, "
                             "so the gradient would be infinite")
    return restated(cause, f"{op}: its local derivative fails at {at}: {cause}")


def roots_of(roots: object) -> list[Any]:
    """A sequence of roots as a list, each checked to be a Value."""
    if not isinstance(roots, Sequence) or isinstance(roots, str):
        raise TypeError(f"expected a Value or a sequence of Values, got {type(roots).__name__}")
    for i, r in enumerate(roots):
        if not isinstance(r, Node):
            raise TypeError(f"expected Values as roots; item {i} is {type(r).__name__}: "
                            f"{short(r)}")
    return list(roots)
