"""How tools write each primitive: its diagram symbol, its notation, its derivatives' texts.

The notation is docs/explanation/notation.md: a primitive's operands are
a, b, c, ... (`operand_name`), its result `out`. Each primitive may have

* a `symbol`, what a diagram draws in its node ("×", "σ"; its name if not given);
* a `notation`, how the operation is written, a format string over the operand
  names ("{a} × {b}", "σ({a})"); function style "name(a, b)" if not given;
* a `formula`: the text of each local derivative ∂out/∂operand (`Formula`);
  without one, the texts are printed from its partials evaluated on symbols
  (autodiff.notation.derived). The built-ins keep a hand-written one only where
  it reads better than the printed one (exp(a) rather than out, σ(a)(1 − σ(a))),
  and a test reads each text back as arithmetic and checks it against the
  partials, at many points and at the kinks and ties (max's [a = b]/2).

The built-ins' entries are below; a user's primitive gives them as keywords of
`autodiff.primitive(...)`, which hands them here.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, Self

from autodiff import functions as p
from autodiff.calculus.symbolic import derive
from autodiff.core import Primitive
from autodiff.functions import Rule, rule_keyword
from autodiff.notation.derived import formula_text


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
(`operand_name`) and `out` (the node's own name), e.g. "cos({a})", or a callable
taking those `Shown` names as keywords."""

Formulas = tuple[Formula, ...] | Callable[..., tuple[str, ...]]
"""A primitive's formulas: one `Formula` per operand, or a callable taking the
operands' `Shown` names (and `out=`) and returning one text per operand."""

_LETTERS = "abcdefhijklmnopqrstuvwxyz"  # no g: in compiled code, g is the gradient


def operand_name(i: int) -> str:
    """The name of a primitive's operand i (0-based) in its notation, formulas and
    code, {a}, {b}, ...: the letters a to z but g for the first 25, then x_26,
    x_27, ..., the operand's position (from 1) as a subscript (x₂₆). Every name is
    a Python identifier, so it serves both as a placeholder and as a name in a
    compiled program, and none is `out` or `g`."""
    if i < 0:
        raise ValueError(f"operand_name: positions start at 0, got {i}")
    return _LETTERS[i] if i < len(_LETTERS) else f"x_{i + 1}"


def operand_names(n: int) -> list[str]:
    """The names of n operands: a, ..., f, h, ..., z, x_26, ..., x_n (`operand_name`)."""
    return [operand_name(i) for i in range(n)]


SYMBOLS: dict[Primitive, str] = {}
NOTATIONS: dict[Primitive, str] = {}
FORMULAS: dict[Primitive, Formulas] = {}


def symbol(prim: Primitive) -> str:
    """What a diagram draws in prim's node: its symbol, or its name."""
    return SYMBOLS.get(prim, prim.name)


def notation(prim: Primitive) -> str | None:
    """prim's notation (a format string over a, b, ...), or None for function style."""
    return NOTATIONS.get(prim)


def write(prim: Primitive, *operands: str) -> str:
    """The operation applied to these operand texts: "w × x", "σ(z)", "max(a, b)"."""
    form = NOTATIONS.get(prim)
    if form is None:
        return f"{prim.name}({', '.join(operands)})"
    return form.format(**dict(zip(operand_names(len(operands)), operands, strict=True)))


def derivative_texts(prim: Primitive, out: str, *operands: str | Shown) -> tuple[str, ...]:
    """The text of ∂out/∂operand for each operand ("cos(x)", "2·t2"), from prim's
    formula; "∂out/∂a" where none was given."""
    names = operand_names(len(operands))
    shown = {name: o if isinstance(o, Shown) else Shown(o)
             for name, o in zip(names, operands, strict=True)}
    shown["out"] = Shown(out)
    formula = FORMULAS.get(prim)
    if formula is None:
        derived = derive(prim, names)
        if derived is None:
            return tuple(f"∂{out}/∂{o}" for o in operands)
        return tuple(formula_text(d, shown, write) for d in derived)
    if callable(formula):
        return formula(*(shown[name] for name in names), out=shown["out"])
    return tuple(f(**shown) if callable(f) else f.format(**shown) for f in formula)


# -- primitive(..., symbol=, notation=, formula=) ---------------------------------------


def _check_text(what: str) -> Callable[[str, int | None, Any], None]:
    def check(name: str, arity: int | None, text: Any) -> None:
        if not isinstance(text, str) or not text.strip():
            raise TypeError(f"primitive({name!r}): {what} must be a non-empty str")
    return check


def _check_formula(name: str, arity: int | None, formula: Any) -> None:
    if not callable(formula) and (isinstance(formula, str) or not isinstance(formula, Sequence)
                                  or len(formula) != (arity or len(formula))):
        raise TypeError(f"primitive({name!r}): formula must be a sequence of {arity} "
                        "texts (one per operand) or a callable")


def _record_formula(prim: Primitive, formula: Any) -> None:
    if formula is not None:
        FORMULAS[prim] = formula if callable(formula) else tuple(formula)


rule_keyword("symbol", Rule(_check_text("symbol"), SYMBOLS.__setitem__))
rule_keyword("notation", Rule(_check_text("notation"), NOTATIONS.__setitem__))
rule_keyword("formula", Rule(_check_formula, _record_formula))


# -- the built-ins ----------------------------------------------------------------------


def _power_formula(a: Shown, b: Shown, out: Shown) -> tuple[str, str]:
    """∂(a^b)/∂a as the notes write it: "2·t2" for t2^2, "b·a^(b − 1)" in general."""
    if b.number is None:
        da = f"{b}·{a}^({b} − 1)"
    elif b.number == 1:
        da = "1"
    elif b.number == 2:
        da = f"2·{a}"
    else:
        da = f"{b}·{a}^{format(b.number - 1, '.12g')}"
    return da, f"{a}^{b}·ln {a}"



for prim, sym, written, formula in (
        (p.add, "+", "{a} + {b}", None),
        (p.sub, "−", "{a} − {b}", None),
        (p.mul, "×", "{a} × {b}", None),
        (p.div, "÷", "{a} / {b}", None),
        (p.neg, "−", "−{a}", None),
        (p.pow, "^", "{a}^{b}", _power_formula),
        (p.relu, "ReLU", None, None),
        (p.exp, None, "exp({a})", ("exp({a})",)),
        (p.log, None, "log({a})", None),
        (p.sqrt, "√", "√{a}", ("1/(2√{a})",)),
        (p.sin, None, "sin({a})", None),
        (p.cos, None, "cos({a})", None),
        (p.tan, None, "tan({a})", ("1 + tan²({a})",)),
        (p.asin, None, "asin({a})", None),
        (p.acos, None, "acos({a})", None),
        (p.atan, None, "atan({a})", ("1/(1 + {a}²)",)),
        (p.sinh, None, "sinh({a})", None),
        (p.cosh, None, "cosh({a})", None),
        (p.tanh, None, "tanh({a})", ("1 − tanh²({a})",)),
        (p.sigmoid, "σ", "σ({a})", ("σ({a})(1 − σ({a}))",)),
        (p.softplus, None, "softplus({a})", None),
        (p.abs, "|·|", "|{a}|", ("sign({a})",)),
        (p.maximum, "max", None, ("[{a} > {b}] + [{a} = {b}]/2", "[{b} > {a}] + [{a} = {b}]/2")),
        (p.minimum, "min", None, ("[{a} < {b}] + [{a} = {b}]/2", "[{b} < {a}] + [{a} = {b}]/2")),
        (p.log_sum_exp, "log Σ exp", None, None)):
    if sym is not None:
        SYMBOLS[prim] = sym
    if written is not None:
        NOTATIONS[prim] = written
    if formula is not None:
        FORMULAS[prim] = formula
del prim, sym, written, formula
