"""The built-in primitives as dual-mode functions: on numbers they return a float,
on Values a new node. So a derivative is written once, for both modes:

    >>> from autodiff import Value, ops
    >>> ops.sin(0.0), ops.cos(Value(0.0)).data
    (0.0, 1.0)

Each is a `Primitive` record (value, derivative, symbol, formula); the arithmetic
ones (`add`, `sub`, `mul`, `div`, `neg`, `pow`) are also Python's operators on
Values, and `relu` is `Value.relu`. The numeric policy is the engine's: a result
outside the domain raises ValueError (log of 0, asin of 2), ZeroDivisionError or
OverflowError (exp(1000)), naming the operation and its operands.

`abs` and `relu` have a kink at 0 and `maximum`, `minimum` at a = b. Their
derivative there is the convention of the seed notes and of PyTorch: relu′(0) =
0, abs′(0) = 0, and on a tie `maximum` and `minimum` split the gradient evenly
between the two operands (½ each, which is also what a central difference
gives); `gradcheck` reports such points as not differentiable.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from autodiff.engine import (
    ADD,
    DIV,
    MUL,
    NEG,
    POW,
    RELU,
    SUB,
    Code,
    Operand,
    Primitive,
    builtin_primitive,
)

__all__ = [
    "abs", "acos", "add", "asin", "atan", "cos", "cosh", "div", "exp", "log", "log_sum_exp",
    "maximum", "minimum", "mul", "neg", "pow", "relu", "sigmoid", "sin", "sinh", "softplus",
    "sqrt", "sub", "tan", "tanh",
]

add, sub, mul, div, neg, pow, relu = ADD, SUB, MUL, DIV, NEG, POW, RELU


def _log(a: float) -> float:
    if a <= 0.0:
        raise ValueError("needs an input > 0")
    return math.log(a)


def _sqrt(a: float) -> float:
    if a < 0.0:
        raise ValueError("needs an input ≥ 0")
    return math.sqrt(a)


def _unit_interval(f: Callable[[float], float]) -> Callable[[float], float]:
    def within(a: float) -> float:
        if not -1.0 <= a <= 1.0:
            raise ValueError("needs an input in [−1, 1]")
        return f(a)
    return within


def _inf_on_overflow(f: Callable[[float], float]) -> Callable[[float], float]:
    """f, with math's OverflowError as inf (which the engine reports as a result too
    large for a float, naming the operation and the operands)."""
    def safe(a: float) -> float:
        try:
            return f(a)
        except OverflowError:
            return math.inf
    return safe


_exp = _inf_on_overflow(math.exp)


def _sigmoid(a: float) -> float:
    """σ(a) = 1/(1 + e^(−a)), through e^(−|a|) so that nothing overflows."""
    if a >= 0.0:
        return 1.0 / (1.0 + math.exp(-a))
    e = math.exp(a)
    return e / (1.0 + e)


def _softplus(a: float) -> float:
    """log(1 + e^a) = max(a, 0) + log(1 + e^(−|a|)), exact and without overflow."""
    return max(a, 0.0) + math.log1p(math.exp(-math.fabs(a)))


def _log_sum_exp(*u: float) -> float:
    """log Σ_k e^(u_k) = m + log Σ_k e^(u_k − m) with m = max_k u_k: nothing overflows."""
    m = max(u)
    return m + math.log(math.fsum(math.exp(x - m) for x in u))


def _atan_slope(a: Operand) -> Operand:
    """atan′(a) = 1/(1 + a²), written (1/a)²/(1 + (1/a)²) for |a| > 1, where a²
    may overflow (a = 1e300: the slope is 0, which a Value a² would not reach)."""
    if -1.0 <= a <= 1.0:
        return 1.0 / (1.0 + a * a)
    r = 1.0 / a
    return r * r / (1.0 + r * r)


def _sign(a: Operand) -> float:
    return 1.0 if a > 0.0 else -1.0 if a < 0.0 else 0.0


def _larger(a: Operand, b: Operand) -> tuple[float, float]:
    """∂max(a, b)/∂(a, b): the gradient goes to the larger operand, halves on a tie."""
    return (1.0, 0.0) if a > b else (0.0, 1.0) if a < b else (0.5, 0.5)


def _smaller(a: Operand, b: Operand) -> tuple[float, float]:
    return (1.0, 0.0) if a < b else (0.0, 1.0) if a > b else (0.5, 0.5)


_SIN_COS = {"sin": math.sin, "cos": math.cos}

exp: Primitive = builtin_primitive(
    "exp", _exp, lambda out, a: (out,), 1, notation="exp({a})", formula=("exp({a})",),
    code=Code("exp({a})", ("{out} * {g}",), {"exp": math.exp}, finite_partials=True),
    array_code=Code("exp({a})", ("{out} * {g}",)))
log: Primitive = builtin_primitive(
    "log", _log, lambda out, a: (1.0 / a,), 1, notation="log({a})", formula=("1/{a}",),
    singular_distance=lambda a: a,
    code=Code("log({a})", ("(1.0 / {a}) * {g}",), {"log": math.log}, propagates=True),
    array_code=Code("log({a})", ("(1.0 / {a}) * {g}",)))
sqrt: Primitive = builtin_primitive(
    "sqrt", _sqrt, lambda out, a: (0.5 / out,), 1, symbol="√", notation="√{a}",
    formula=("1/(2√{a})",), singular_distance=lambda a: a,
    code=Code("sqrt({a})", ("(0.5 / {out}) * {g}",), {"sqrt": math.sqrt}, propagates=True),
    array_code=Code("sqrt({a})", ("(0.5 / {out}) * {g}",)))
sin: Primitive = builtin_primitive(
    "sin", math.sin, lambda out, a: (cos(a),), 1, notation="sin({a})", formula=("cos({a})",),
    code=Code("sin({a})", ("cos({a}) * {g}",), _SIN_COS, propagates=True,
              finite_partials=True),
    array_code=Code("sin({a})", ("cos({a}) * {g}",)))
cos: Primitive = builtin_primitive(
    "cos", math.cos, lambda out, a: (-sin(a),), 1, notation="cos({a})",
    formula=("−sin({a})",),
    code=Code("cos({a})", ("-sin({a}) * {g}",), _SIN_COS, propagates=True,
              finite_partials=True),
    array_code=Code("cos({a})", ("-sin({a}) * {g}",)))
tan: Primitive = builtin_primitive(
    "tan", math.tan, lambda out, a: (1.0 + out * out,), 1, notation="tan({a})",
    formula=("1 + tan²({a})",), singular_distance=lambda a: math.fabs(math.cos(a)))
asin: Primitive = builtin_primitive(
    "asin", _unit_interval(math.asin), lambda out, a: (1.0 / sqrt(1.0 - a * a),), 1,
    notation="asin({a})", formula=("1/√(1 − {a}²)",),
    singular_distance=lambda a: 1.0 - math.fabs(a))
acos: Primitive = builtin_primitive(
    "acos", _unit_interval(math.acos), lambda out, a: (-1.0 / sqrt(1.0 - a * a),), 1,
    notation="acos({a})", formula=("−1/√(1 − {a}²)",),
    singular_distance=lambda a: 1.0 - math.fabs(a))
atan: Primitive = builtin_primitive(
    "atan", math.atan, lambda out, a: (_atan_slope(a),), 1, notation="atan({a})",
    formula=("1/(1 + {a}²)",))
sinh: Primitive = builtin_primitive(
    "sinh", _inf_on_overflow(math.sinh), lambda out, a: (cosh(a),), 1, notation="sinh({a})",
    formula=("cosh({a})",))
cosh: Primitive = builtin_primitive(
    "cosh", _inf_on_overflow(math.cosh), lambda out, a: (sinh(a),), 1, notation="cosh({a})",
    formula=("sinh({a})",))
tanh: Primitive = builtin_primitive(
    "tanh", math.tanh, lambda out, a: (1.0 - out * out,), 1, notation="tanh({a})",
    formula=("1 − tanh²({a})",),
    code=Code("tanh({a})", ("(1.0 - {out} * {out}) * {g}",), {"tanh": math.tanh},
              finite_partials=True),
    array_code=Code("tanh({a})", ("(1.0 - {out} * {out}) * {g}",)))
sigmoid: Primitive = builtin_primitive(
    "sigmoid", _sigmoid, lambda out, a: (out * (1.0 - out),), 1, symbol="σ",
    notation="σ({a})", formula=("σ({a})(1 − σ({a}))",),
    code=Code("sigmoid({a})", ("{out} * (1.0 - {out}) * {g}",), {"sigmoid": _sigmoid},
              finite_partials=True),
    array_code=Code("where({a} >= 0.0, 1.0 / (1.0 + exp(-{a})), exp({a}) / (1.0 + exp({a})))",
                    ("{out} * (1.0 - {out}) * {g}",)))
softplus: Primitive = builtin_primitive(
    "softplus", _softplus, lambda out, a: (sigmoid(a),), 1, notation="softplus({a})",
    formula=("σ({a})",),
    code=Code("softplus({a})", ("sigmoid({a}) * {g}",),
              {"softplus": _softplus, "sigmoid": _sigmoid}, finite_partials=True),
    array_code=Code("maximum({a}, 0.0) + log1p(exp(-fabs({a})))",
                    ("where({a} >= 0.0, 1.0 / (1.0 + exp(-{a})), exp({a}) / (1.0 + exp({a})))"
                     " * {g}",)))
abs: Primitive = builtin_primitive(
    "abs", math.fabs, lambda out, a: (_sign(a),), 1, symbol="|·|", notation="|{a}|",
    formula=("sign({a})",), singular_distance=math.fabs,
    code=Code("fabs({a})", ("sign({a}) * {g}",), {"fabs": math.fabs, "sign": _sign},
              propagates=True, finite_partials=True),
    array_code=Code("fabs({a})", ("sign({a}) * {g}",)))
maximum: Primitive = builtin_primitive(
    "max", max, lambda out, a, b: _larger(a, b), 2, symbol="max",
    formula=("[{a} > {b}]", "[{b} > {a}]"), singular_distance=lambda a, b: math.fabs(a - b),
    code=Code("max({a}, {b})", ("larger({a}, {b})[0] * {g}", "larger({a}, {b})[1] * {g}"),
              {"max": max, "larger": _larger}, finite_partials=True),
    array_code=Code("maximum({a}, {b})",
                    ("where({a} > {b}, 1.0, where({a} < {b}, 0.0, 0.5)) * {g}",
                     "where({b} > {a}, 1.0, where({b} < {a}, 0.0, 0.5)) * {g}")))
minimum: Primitive = builtin_primitive(
    "min", min, lambda out, a, b: _smaller(a, b), 2, symbol="min",
    formula=("[{a} < {b}]", "[{b} < {a}]"), singular_distance=lambda a, b: math.fabs(a - b),
    code=Code("min({a}, {b})", ("smaller({a}, {b})[0] * {g}", "smaller({a}, {b})[1] * {g}"),
              {"min": min, "smaller": _smaller}, finite_partials=True),
    array_code=Code("minimum({a}, {b})",
                    ("where({a} < {b}, 1.0, where({a} > {b}, 0.0, 0.5)) * {g}",
                     "where({b} < {a}, 1.0, where({b} > {a}, 0.0, 0.5)) * {g}")))
log_sum_exp: Primitive = builtin_primitive(
    "log_sum_exp", _log_sum_exp, lambda out, *u: tuple(exp(x - out) for x in u), None,
    symbol="log Σ exp", formula=lambda *u, out: tuple(f"exp({x} − {out})" for x in u))
"""log Σ_k exp(u_k) of any number of operands, stable for any logits; ∂/∂u_k =
exp(u_k − out), the softmax. One node, with no branch on the data."""
