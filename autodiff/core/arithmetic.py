"""+, −, ×, negation and relu, the operations `Value` writes out: values and derivatives.

Each is a `Primitive` (autodiff.core.primitive) and a dual-mode function: on
numbers it returns a float, on Values a new node, so a derivative is written
once, for both modes. Every other built-in operation (`/`, `**`, exp, log, the
trigonometric functions, ...) is defined the same way in
autodiff.functions.elementary; `autodiff.ops` is the public face of them all.
How tools write them (symbols, formulas, compiled code) lives in the tools,
keyed by these primitives.

relu has a kink at 0; its derivative there is PyTorch's convention, relu′(0) = 0,
and `gradcheck` reports the point as not differentiable.
"""

from __future__ import annotations

from collections.abc import Callable

from autodiff.core.node import Node
from autodiff.core.primitive import Operand, Primitive, builtin_primitive

# -- branches on the data, written once for floats, Values and symbols -------------


def where(condition: object, then: object, otherwise: object) -> Operand:
    """`then` if condition else `otherwise`, for partials that branch on the data
    (relu′ is `where(a > 0.0, 1.0, 0.0)`). `then` and `otherwise` are numbers,
    Values or functions of no arguments, called only when chosen (a branch that
    fails where it is not taken, 1/a at a = 0, is written `lambda: 1.0 / a`).
    With a symbolic condition (autodiff.calculus.symbolic) both are kept, so
    tools print the branch as `x if c else y` or `where(c, x, y)`."""
    if condition is True or condition is False:
        chosen = then if condition else otherwise
        return chosen() if callable(chosen) else chosen
    return condition.where(then, otherwise)  # type: ignore[attr-defined]


def equal(a: Operand, b: Operand) -> Operand:
    """a = b for numbers and Values (their numbers; a Value's == is identity), a
    condition for `where` with a symbol."""
    for x in (a, b):
        if hasattr(type(x), "apply_primitive"):
            return type(x).equal(a, b)
    return (a._data if isinstance(a, Node) else a) == (b._data if isinstance(b, Node) else b)


# -- the operations Value writes out ------------------------------------------------

ADD = builtin_primitive("+", lambda a, b: a + b, lambda out, a, b: (1.0, 1.0), 2)
SUB = builtin_primitive("-", lambda a, b: a - b, lambda out, a, b: (1.0, -1.0), 2)
MUL = builtin_primitive("*", lambda a, b: a * b, lambda out, a, b: (b, a), 2)
NEG = builtin_primitive("neg", lambda a: -a, lambda out, a: (-1.0,), 1)
RELU = builtin_primitive("relu", lambda a: a if a > 0.0 else 0.0,
                         lambda out, a: (where(a > 0.0, 1.0, 0.0),), 1)


# -- the sweep's steps of +, −, ×, neg and relu, written out ------------------------
# Each is partials' derivative times the adjoint, x̄ += ∂v/∂x · v̄, without the call:
# the tests check every one against `partials`.


def _accumulate_add(v: Node) -> None:
    g = v._adjoint
    v._a._adjoint += g
    v._b._adjoint += g


def _accumulate_pass(v: Node) -> None:  # x + c, c + x, x − c: ∂/∂x = 1
    v._a._adjoint += v._adjoint


def _accumulate_sub(v: Node) -> None:
    g = v._adjoint
    v._a._adjoint += g
    v._b._adjoint -= g


def _accumulate_negate(v: Node) -> None:  # −x, c − x: ∂/∂x = −1
    v._a._adjoint -= v._adjoint


def _accumulate_mul(v: Node) -> None:
    a, b, g = v._a, v._b, v._adjoint
    a._adjoint += b._data * g
    b._adjoint += a._data * g


def _accumulate_mul_constant(v: Node) -> None:  # x × c, c × x: ∂/∂x = c
    v._a._adjoint += v._b * v._adjoint


def _accumulate_relu(v: Node) -> None:  # ∂/∂x = [x > 0], and x > 0 exactly when out > 0
    if v._data > 0.0:
        v._a._adjoint += v._adjoint


_ONES, _ONE, _ONE_MINUS_ONE, _MINUS_ONE, _ZERO = (1.0, 1.0), (1.0,), (1.0, -1.0), (-1.0,), (0.0,)


def _written_out(primitive: Primitive,
                 *steps: tuple[Callable[[Node], None], Callable[[Node], tuple[float, ...]]]
                 ) -> None:
    """Give each form of `primitive` (in `Forms.all()` order) its written-out sweep
    step and float local derivatives."""
    for form, (accumulate, local) in zip(primitive.forms.all(), steps, strict=True):
        form.accumulate, form.local = accumulate, local


_written_out(ADD, (_accumulate_add, lambda v: _ONES), (_accumulate_pass, lambda v: _ONE),
             (_accumulate_pass, lambda v: _ONE))
_written_out(SUB, (_accumulate_sub, lambda v: _ONE_MINUS_ONE),
             (_accumulate_pass, lambda v: _ONE), (_accumulate_negate, lambda v: _MINUS_ONE))
_written_out(MUL, (_accumulate_mul, lambda v: (v._b._data, v._a._data)),
             (_accumulate_mul_constant, lambda v: (v._b,)),
             (_accumulate_mul_constant, lambda v: (v._b,)))
_written_out(NEG, (_accumulate_negate, lambda v: _MINUS_ONE))
_written_out(RELU, (_accumulate_relu, lambda v: _ONE if v._data > 0.0 else _ZERO))

add, sub, mul, neg, relu = ADD, SUB, MUL, NEG, RELU
