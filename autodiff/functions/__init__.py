"""The operations: every built-in primitive, and `primitive()` to define your own.

The core defines +, −, ×, neg and relu (autodiff.core.arithmetic), which
`Value` writes out; `elementary.py` defines the rest, each as its value and its
local derivatives side by side; `defining.py` lets a user add one, and lets each
tool take its per-primitive rules through `primitive()`'s keywords. `autodiff.ops`
is the public face of the built-ins.
"""

from autodiff.core.arithmetic import add, equal, mul, neg, relu, sub, where
from autodiff.functions.defining import Rule, primitive, rule_keyword
from autodiff.functions.elementary import (
    abs,
    acos,
    asin,
    atan,
    cos,
    cosh,
    div,
    exp,
    log,
    log_sum_exp,
    maximum,
    minimum,
    pow,
    sigmoid,
    sin,
    sinh,
    softplus,
    sqrt,
    tan,
    tanh,
)

__all__ = [
    "Rule", "abs", "acos", "add", "asin",
    "atan", "cos", "cosh", "div", "equal", "exp", "log", "log_sum_exp", "maximum", "minimum",
    "mul", "neg", "pow", "primitive", "relu", "rule_keyword", "sigmoid", "sin", "sinh",
    "softplus", "sqrt", "sub", "tan", "tanh", "where",
]
