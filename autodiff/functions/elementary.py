"""The other built-in operations: each one's value and local derivatives, side by side.

`/` and `**` (Python's operators on Values), and the elementary functions: exp,
log, sqrt, the trigonometric and hyperbolic functions and their inverses,
sigmoid, softplus, abs, maximum, minimum and log_sum_exp. Each is a `Primitive`
(autodiff.core.primitive) and a dual-mode function: on numbers it returns a
float, on Values a new node, so a derivative is written once, for both modes
(`partials` of sin is `(cos(a),)`, whatever a is). `autodiff.ops` is their
public face.

`abs` has a kink at 0 and `maximum`, `minimum` at a = b. Their derivative there
is PyTorch's convention: abs′(0) = 0, and on a tie `maximum` and `minimum` split
the gradient evenly between the two operands (½ each, which is also what a
central difference gives); `gradcheck` reports such points as not
differentiable.
"""

from __future__ import annotations

import math
from collections.abc import Callable

from autodiff.core import Operand, Primitive, Value, builtin_primitive
from autodiff.core.arithmetic import equal, where
from autodiff.core.errors import describe
from autodiff.core.value import Number, number_of

# -- division and powers -------------------------------------------------------------

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
    return (where(equal(p, 0.0), 0.0, lambda: _power_slope(a, p)),
            where(a > 0.0, lambda: out * log(a), lambda: where(equal(a, 0.0), 0.0, math.nan)))


def _power_slope(a: Operand, p: Operand) -> Operand:
    """p·a^(p−1), inf where a^(p−1) is beyond the float range or 0 to a negative
    power (a = 0, p < 1)."""
    try:
        return p * a ** (p - 1.0)
    except (OverflowError, ZeroDivisionError):
        return math.inf


def _power_graph_partials(out: Operand, a: Operand, p: Operand) -> tuple[Operand, Operand]:
    """`_power_partials` with a Value operand (see there), for create_graph."""
    base, exponent = number_of(a), number_of(p)
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
    return da, out * log(a) if base > 0.0 else 0.0


def _power_operands(a: Value | Number, p: Value | Number) -> None:
    """A Value exponent needs ln a for ∂(a^p)/∂p: a ≥ 0, and a > 0 unless p > 0."""
    if not isinstance(p, Value):
        return
    base = number_of(a)
    if base < 0.0:
        raise ValueError(f"**: base {describe(a)} is negative with a Value exponent "
                         f"{describe(p)}; ∂(a^b)/∂b = a^b·ln a needs a ≥ 0 "
                         "(use a number exponent)")
    if base == 0.0 and p._data <= 0.0:
        raise ZeroDivisionError(f"**: base 0 with exponent {describe(p)} ≤ 0 has no value "
                                "or derivative")


DIV = builtin_primitive("/", _divide, _divide_partials, 2)
POW = builtin_primitive("**", _power, _power_partials, 2, check_operands=_power_operands)


# -- elementary functions ------------------------------------------------------------


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
    return where(abs(a) <= 1.0, lambda: 1.0 / (1.0 + a * a), lambda: _atan_far(a))


def _atan_far(a: Operand) -> Operand:
    r = 1.0 / a
    return r * r / (1.0 + r * r)


def _sign(a: Operand) -> Operand:
    return where(a > 0.0, 1.0, where(a < 0.0, -1.0, 0.0))


def _larger(a: Operand, b: Operand) -> tuple[Operand, Operand]:
    """∂max(a, b)/∂(a, b): the gradient goes to the larger operand, halves on a tie."""
    return (where(a > b, 1.0, where(a < b, 0.0, 0.5)),
            where(a > b, 0.0, where(a < b, 1.0, 0.5)))


def _smaller(a: Operand, b: Operand) -> tuple[Operand, Operand]:
    return (where(a < b, 1.0, where(a > b, 0.0, 0.5)),
            where(a < b, 0.0, where(a > b, 1.0, 0.5)))


exp: Primitive = builtin_primitive("exp", _exp, lambda out, a: (out,), 1)
log: Primitive = builtin_primitive("log", _log, lambda out, a: (1.0 / a,), 1)
sqrt: Primitive = builtin_primitive("sqrt", _sqrt, lambda out, a: (0.5 / out,), 1)
sin: Primitive = builtin_primitive("sin", math.sin, lambda out, a: (cos(a),), 1)
cos: Primitive = builtin_primitive("cos", math.cos, lambda out, a: (-sin(a),), 1)
tan: Primitive = builtin_primitive("tan", math.tan, lambda out, a: (1.0 + out * out,), 1)
asin: Primitive = builtin_primitive("asin", _unit_interval(math.asin),
                         lambda out, a: (1.0 / sqrt(1.0 - a * a),), 1)
acos: Primitive = builtin_primitive("acos", _unit_interval(math.acos),
                         lambda out, a: (-1.0 / sqrt(1.0 - a * a),), 1)
atan: Primitive = builtin_primitive("atan", math.atan, lambda out, a: (_atan_slope(a),), 1)
sinh: Primitive = builtin_primitive("sinh", _inf_on_overflow(math.sinh),
                                    lambda out, a: (cosh(a),), 1)
cosh: Primitive = builtin_primitive("cosh", _inf_on_overflow(math.cosh),
                                    lambda out, a: (sinh(a),), 1)
tanh: Primitive = builtin_primitive("tanh", math.tanh, lambda out, a: (1.0 - out * out,), 1)
sigmoid: Primitive = builtin_primitive("sigmoid", _sigmoid, lambda out, a: (out * (1.0 - out),), 1)
softplus: Primitive = builtin_primitive("softplus", _softplus, lambda out, a: (sigmoid(a),), 1)
abs: Primitive = builtin_primitive("abs", math.fabs, lambda out, a: (_sign(a),), 1)
maximum: Primitive = builtin_primitive("max", max, lambda out, a, b: _larger(a, b), 2)
minimum: Primitive = builtin_primitive("min", min, lambda out, a, b: _smaller(a, b), 2)
log_sum_exp: Primitive = builtin_primitive("log_sum_exp", _log_sum_exp,
                                lambda out, *u: tuple(exp(x - out) for x in u), None)
"""log Σ_k exp(u_k) of any number of operands, stable for any logits; ∂/∂u_k =
exp(u_k − out), the softmax. One node, with no branch on the data."""

div, pow = DIV, POW
