"""How `autodiff.compile` writes each primitive: `Code`, expressions for its value and adjoints.

A primitive with a `Code` is written inline in a compiled program; the built-ins'
are below, and a user's primitive may give `code=` and `array_code=` (NumPy) to
`autodiff.primitive(...)`, which hands them here. `code_of(prim)` and
`array_code_of(prim)` are what the backends read.
"""

from __future__ import annotations

import math
import string
from collections.abc import Callable, Mapping
from types import MappingProxyType
from typing import Any, NamedTuple

from autodiff.core import Primitive, Rule, rule_keyword
from autodiff.core import ops as p
from autodiff.notation import operand_names


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


def check_code(name: str, what: str, code: object, arity: int | None) -> None:
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



CODES: dict[Primitive, Code] = {}
ARRAY_CODES: dict[Primitive, Code] = {}


def code_of(prim: Primitive) -> Code | None:
    """prim written as Python expressions over floats, or None."""
    return CODES.get(prim)


def array_code_of(prim: Primitive) -> Code | None:
    """prim written as Python expressions over NumPy arrays, or None."""
    return ARRAY_CODES.get(prim)


def _rule(what: str, table: dict[Primitive, Code]) -> Rule:
    def check(name: str, arity: int | None, code: Any) -> None:
        check_code(name, what, code, arity)
    return Rule(check, table.__setitem__)


rule_keyword("code", _rule("code", CODES))
rule_keyword("array_code", _rule("array_code", ARRAY_CODES))


# -- the built-ins ----------------------------------------------------------------------

_SIGMOID_ARRAY = "where({a} >= 0.0, 1.0 / (1.0 + exp(-{a})), exp({a}) / (1.0 + exp({a})))"
_SIN_COS = {"sin": math.sin, "cos": math.cos}


def _sign(a: float) -> float:
    return 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0


def _larger(a: float, b: float) -> tuple[float, float]:
    return (1.0, 0.0) if a > b else (0.0, 1.0) if a < b else (0.5, 0.5)


def _smaller(a: float, b: float) -> tuple[float, float]:
    return (1.0, 0.0) if a < b else (0.0, 1.0) if a > b else (0.5, 0.5)


CODES.update({
    p.ADD: Code("{a} + {b}", ("{g}", "{g}"), propagates=True, finite_partials=True),
    p.SUB: Code("{a} - {b}", ("{g}", "-{g}"), propagates=True, finite_partials=True),
    p.MUL: Code("{a} * {b}", ("{b} * {g}", "{a} * {g}"), propagates=True,
                finite_partials=True),
    p.DIV: Code("{a} / {b}", ("(1.0 / {b}) * {g}", "(-{out} / {b}) * {g}")),
    p.NEG: Code("-{a}", ("-{g}",), propagates=True, finite_partials=True),
    p.POW: Code("{a} ** {b}", ("pow_partials({out}, {a}, {b})[0] * {g}",
                               "pow_partials({out}, {a}, {b})[1] * {g}"),
                {"pow_partials": p.POW.partials}),
    p.RELU: Code("{a} if {a} > 0.0 else 0.0", ("{g} if {out} > 0.0 else 0.0",),
                 finite_partials=True),
    p.exp: Code("exp({a})", ("{out} * {g}",), {"exp": math.exp}, finite_partials=True),
    p.log: Code("log({a})", ("(1.0 / {a}) * {g}",), {"log": math.log}, propagates=True),
    p.sqrt: Code("sqrt({a})", ("(0.5 / {out}) * {g}",), {"sqrt": math.sqrt}, propagates=True),
    p.sin: Code("sin({a})", ("cos({a}) * {g}",), _SIN_COS, propagates=True,
                finite_partials=True),
    p.cos: Code("cos({a})", ("-sin({a}) * {g}",), _SIN_COS, propagates=True,
                finite_partials=True),
    p.tanh: Code("tanh({a})", ("(1.0 - {out} * {out}) * {g}",), {"tanh": math.tanh},
                 finite_partials=True),
    p.sigmoid: Code("sigmoid({a})", ("{out} * (1.0 - {out}) * {g}",),
                    {"sigmoid": p.sigmoid.forward}, finite_partials=True),
    p.softplus: Code("softplus({a})", ("sigmoid({a}) * {g}",),
                     {"softplus": p.softplus.forward, "sigmoid": p.sigmoid.forward},
                     finite_partials=True),
    p.abs: Code("fabs({a})", ("sign({a}) * {g}",), {"fabs": math.fabs, "sign": _sign},
                propagates=True, finite_partials=True),
    p.maximum: Code("max({a}, {b})", ("larger({a}, {b})[0] * {g}", "larger({a}, {b})[1] * {g}"),
                    {"max": max, "larger": _larger}, finite_partials=True),
    p.minimum: Code("min({a}, {b})",
                    ("smaller({a}, {b})[0] * {g}", "smaller({a}, {b})[1] * {g}"),
                    {"min": min, "smaller": _smaller}, finite_partials=True),
})
ARRAY_CODES.update({
    p.ADD: Code("{a} + {b}", ("{g}", "{g}")),
    p.SUB: Code("{a} - {b}", ("{g}", "-{g}")),
    p.MUL: Code("{a} * {b}", ("{b} * {g}", "{a} * {g}")),
    p.DIV: Code("{a} / {b}", ("(1.0 / {b}) * {g}", "(-{out} / {b}) * {g}")),
    p.NEG: Code("-{a}", ("-{g}",)),
    p.POW: Code("{a} ** {b}", ("where({b} == 0.0, 0.0, {b} * {a} ** ({b} - 1.0)) * {g}",
                               "where({a} > 0.0, {out} * log({a}), 0.0) * {g}")),
    p.RELU: Code("where({a} > 0.0, {a}, 0.0)", ("where({out} > 0.0, {g}, 0.0)",)),
    p.exp: Code("exp({a})", ("{out} * {g}",)),
    p.log: Code("log({a})", ("(1.0 / {a}) * {g}",)),
    p.sqrt: Code("sqrt({a})", ("(0.5 / {out}) * {g}",)),
    p.sin: Code("sin({a})", ("cos({a}) * {g}",)),
    p.cos: Code("cos({a})", ("-sin({a}) * {g}",)),
    p.tanh: Code("tanh({a})", ("(1.0 - {out} * {out}) * {g}",)),
    p.sigmoid: Code(_SIGMOID_ARRAY, ("{out} * (1.0 - {out}) * {g}",)),
    p.softplus: Code("maximum({a}, 0.0) + log1p(exp(-fabs({a})))",
                     (f"{_SIGMOID_ARRAY} * {{g}}",)),
    p.abs: Code("fabs({a})", ("sign({a}) * {g}",)),
    p.maximum: Code("maximum({a}, {b})",
                    ("where({a} > {b}, 1.0, where({a} < {b}, 0.0, 0.5)) * {g}",
                     "where({b} > {a}, 1.0, where({b} < {a}, 0.0, 0.5)) * {g}")),
    p.minimum: Code("minimum({a}, {b})",
                    ("where({a} < {b}, 1.0, where({a} > {b}, 0.0, 0.5)) * {g}",
                     "where({b} < {a}, 1.0, where({b} > {a}, 0.0, 0.5)) * {g}")),
})
