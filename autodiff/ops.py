"""The built-in primitives as dual-mode functions: on numbers they return a float,
on Values a new node. So a derivative is written once, for both modes:

    >>> from autodiff import Value, ops
    >>> ops.sin(0.0), ops.cos(Value(0.0)).data
    (0.0, 1.0)

Each is a `Primitive` record (value and derivative; autodiff.core.arithmetic
and autodiff.functions.elementary have their definitions); the arithmetic ones
(`add`, `sub`, `mul`, `div`, `neg`, `pow`) are also Python's operators on
Values, and `relu` is `Value.relu`. The numeric policy is the engine's: a
result outside the domain raises ValueError (log of 0, asin of 2),
ZeroDivisionError or OverflowError (exp(1000)), naming the operation and its
operands.

`abs` and `relu` have a kink at 0 and `maximum`, `minimum` at a = b. Their
derivative there is PyTorch's convention: relu′(0) = 0, abs′(0) = 0, and on a
tie `maximum` and `minimum` split the gradient evenly between the two operands
(½ each, which is also what a central difference gives); `gradcheck` reports
such points as not differentiable.

`where(condition, then, otherwise)` and `equal(a, b)` are not primitives: they
are how partials branch on the data (relu′ is `where(a > 0.0, 1.0, 0.0)`), so
that the tools can print the branch (formula texts, compiled code).
"""

from autodiff.functions import (
    abs,
    acos,
    add,
    asin,
    atan,
    cos,
    cosh,
    div,
    equal,
    exp,
    log,
    log_sum_exp,
    maximum,
    minimum,
    mul,
    neg,
    pow,
    relu,
    sigmoid,
    sin,
    sinh,
    softplus,
    sqrt,
    sub,
    tan,
    tanh,
    where,
)

__all__ = [
    "abs", "acos", "add", "asin", "atan", "cos", "cosh", "div", "equal", "exp", "log",
    "log_sum_exp", "maximum", "minimum", "mul", "neg", "pow", "relu", "sigmoid", "sin", "sinh",
    "softplus", "sqrt", "sub", "tan", "tanh", "where",
]
