"""The scalar reverse-mode engine: `Value` nodes and their primitives.

Every arithmetic step on `Value` objects creates a new node that remembers the
primitive that made it and its operands, so a computation is recorded as a
directed acyclic graph (seed notes, 001 §4.3). `Value.backward()` walks that
graph once in reverse topological order and applies the chain rule at every
node:

    ∂E/∂a += ∂n/∂a · ∂E/∂n      for every operand a of every node n.

Design, for speed and memory:

* A node is one `__slots__` object. Operands live in two slots (`_a`, `_b`), not
  in a tuple, and the primitive is a shared `_Op` record, not a closure, so a
  node holds no reference cycle and a graph is freed by reference counting as
  soon as its last outside reference goes.
* A Python number operand is folded into its node (`x + 1` is one node whose
  `inputs` are `(x,)` and whose `args` are `(x, 1.0)`), so constants cost no
  extra nodes.
* Nothing here recurses: the topological order is built with an explicit stack.

Numeric policy: every `Value` holds a finite float. An operation outside its
domain raises `ValueError` (log of a number ≤ 0, negative base with a
non-integer exponent), `ZeroDivisionError` (division by zero, 0 to a negative
power) or `OverflowError` (a result too large for a float), with a message
naming the operation, the offending value and the operand's label. A failed
operation creates nothing and changes nothing. Gradients are plain IEEE floats:
they are never checked, and at the documented singular points of `**` they are
`inf`.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from numbers import Real
from operator import attrgetter

Number = int | float
"""A Python real number accepted as a constant operand (bool and NumPy scalars too)."""

_isfinite = math.isfinite
_grad_of = attrgetter("grad")


class _Op:
    """A primitive: its public name and its partial derivatives.

    `partials(out, a, b)` returns `∂out/∂x` for every *Value* operand x, in
    operand order. It is the one definition of the primitive's derivative,
    evaluated in two modes: with floats (`out`, `a` are the nodes' data) for
    `backward()` and `grad()`, and with `Value`s (`out`, `a` are the nodes)
    when `grad(..., create_graph=True)` builds the derivative as a graph of its
    own. `b` is the second operand (float data or a Value), or the folded
    constant.

    `accumulate(node)` is the step `backward()` takes at a node: add
    `∂node/∂x · node.grad` to `x.grad` for every operand x. By default it calls
    `partials`; the primitives that dominate neural networks (+, *, relu) pass
    a hand-inlined equivalent, which the tests check against `partials`.
    """

    __slots__ = ("accumulate", "arity", "name", "partials")

    def __init__(
        self,
        name: str,
        arity: int,
        partials: Callable[..., tuple],
        accumulate: Callable[[Value], None] | None = None,
    ) -> None:
        self.name = name
        self.arity = arity  # how many operands are Values: 1 or 2
        self.partials = partials
        self.accumulate = accumulate or (_accumulate_binary if arity == 2 else _accumulate_unary)

    def __repr__(self) -> str:
        return f"<primitive {self.name!r}>"


def _accumulate_unary(v: Value) -> None:
    a = v._a
    (da,) = v._op.partials(v.data, a.data, v._b)
    a.grad += da * v.grad


def _accumulate_binary(v: Value) -> None:
    a, b, g = v._a, v._b, v.grad
    da, db = v._op.partials(v.data, a.data, b.data)
    a.grad += da * g
    b.grad += db * g


def _accumulate_add(v: Value) -> None:
    g = v.grad
    v._a.grad += g
    v._b.grad += g


def _accumulate_mul(v: Value) -> None:
    a, b, g = v._a, v._b, v.grad
    a.grad += b.data * g
    b.grad += a.data * g


def _accumulate_add_const(v: Value) -> None:
    v._a.grad += v.grad


def _accumulate_mul_const(v: Value) -> None:
    v._a.grad += v._b * v.grad


def _accumulate_relu(v: Value) -> None:
    if v.data > 0.0:
        v._a.grad += v.grad


def _data(x: Value | float) -> float:
    return x.data if isinstance(x, Value) else x


def _log(x: Value | float) -> Value | float:
    return x.log() if isinstance(x, Value) else math.log(x)


def _power_partial(a: Value | float, p: Value | float) -> Value | float:
    """∂(a^p)/∂a = p·a^(p−1). Edge cases: 0 for a number p = 0; at a = 0 with p < 1, +inf."""
    pd = _data(p)
    if pd == 0.0 and not isinstance(p, Value):  # a Value exponent keeps its dependence
        return 0.0
    if _data(a) == 0.0 and pd < 1.0:
        return math.inf
    return p * a ** (p - 1.0)


def _exponent_partial(out: Value | float, a: Value | float) -> Value | float:
    """∂(a^b)/∂b = a^b·ln a; 0 at a = 0 (the limit for b > 0, the only case allowed)."""
    return 0.0 if _data(a) == 0.0 else out * _log(a)


# The primitives. Constant-operand forms share the name of their Value form.
_ADD = _Op("+", 2, lambda out, a, b: (1.0, 1.0), _accumulate_add)
_ADD_CONST = _Op("+", 1, lambda out, a, c: (1.0,), _accumulate_add_const)
_MUL = _Op("*", 2, lambda out, a, b: (b, a), _accumulate_mul)
_MUL_CONST = _Op("*", 1, lambda out, a, c: (c,), _accumulate_mul_const)
_POW = _Op("**", 2, lambda out, a, b: (_power_partial(a, b), _exponent_partial(out, a)))
_POW_CONST = _Op("**", 1, lambda out, a, p: (_power_partial(a, p),))
_RPOW = _Op("**", 1, lambda out, x, base: (_exponent_partial(out, base),))  # base ** x
_EXP = _Op("exp", 1, lambda out, a, _: (out,))
_LOG = _Op("log", 1, lambda out, a, _: (1.0 / a,))
_TANH = _Op("tanh", 1, lambda out, a, _: (1.0 - out * out,))
_SIGMOID = _Op("sigmoid", 1, lambda out, a, _: (out * (1.0 - out),))
_RELU = _Op("relu", 1, lambda out, a, _: (1.0 if _data(a) > 0.0 else 0.0,), _accumulate_relu)


def _describe(v: Value) -> str:
    return f"{v.data!r} (label {v.label!r})" if v.label else repr(v.data)


def _overflow(op: str, v: Value) -> OverflowError:
    return OverflowError(
        f"{op}: result is too large for a float (or an operand is not finite), "
        f"at input {_describe(v)}"
    )


def _checked(result: float, op: str, v: Value) -> float:
    if not _isfinite(result):
        raise _overflow(op, v)
    return result


def _constant(x: object) -> float | None:
    """A Python real number as a float, or None if x is not one."""
    if type(x) is float:
        return x
    if isinstance(x, Real) and not isinstance(x, Value):
        return float(x)
    return None


class Value:
    """A real number that records how it was computed, and its gradient.

    `data` is the number (a finite float), `grad` the accumulated derivative
    ∂E/∂(this node) of whatever `backward()` was last called on (0.0 until
    then), `label` a free-form name for display, `scope` the `autodiff.scope`
    the node was created in ("" outside any). `op` names the primitive that
    produced the node ("" for a leaf) and `inputs` are its Value operands in
    order, duplicates kept (`x * x` has inputs `(x, x)`).

    `==` and `hash` are identity-based, so Values can be dict keys and set
    members. `<`, `<=`, `>`, `>=` compare `data` (with Values or numbers) and
    return a plain bool; they are not differentiable.
    """

    __slots__ = ("_a", "_b", "_op", "data", "grad", "label", "scope")

    data: float
    grad: float
    label: str
    scope: str

    def __init__(
        self,
        data: Number,
        label: str = "",
        _op: _Op | None = None,
        _a: Value | None = None,
        _b: Value | float | None = None,
    ) -> None:
        if _op is None:  # public construction: validate
            if type(data) is not float:
                if isinstance(data, Value) or not isinstance(data, Real):
                    raise TypeError(
                        f"Value() needs a real number (int, float, bool or NumPy scalar), "
                        f"got {type(data).__name__}: {data!r}"
                    )
                data = float(data)
            if not _isfinite(data):
                raise ValueError(f"Value() needs a finite number, got {data!r}")
            if not isinstance(label, str):
                raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r}")
        self.data = data
        self.grad = 0.0
        self.label = label
        self.scope = _scope
        self._op = _op
        self._a = _a
        self._b = _b

    # -- structure --------------------------------------------------------

    @property
    def op(self) -> str:
        """The primitive that produced this node: '+', '*', '**', 'exp', 'log',
        'tanh', 'sigmoid', 'relu'; '' for a leaf."""
        return "" if self._op is None else self._op.name

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The Value operands, in order (numbers folded into the node excluded)."""
        if self._op is None:
            return ()
        return (self._a, self._b) if self._op.arity == 2 else (self._a,)

    @property
    def args(self) -> tuple[Value | float, ...]:
        """All operands in order, folded number constants included:
        `(x, 1.0)` for `x + 1`, `(2.0, x)` for `2 ** x`, `(x,)` for `x.exp()`."""
        op = self._op
        if op is None:
            return ()
        if op is _RPOW:
            return (self._b, self._a)
        return (self._a,) if self._b is None else (self._a, self._b)

    def partials(self) -> tuple[float, ...]:
        """The local derivatives ∂self/∂x for every x in `inputs`, as floats."""
        if self._op is None:
            return ()
        return self._op.partials(*_float_operands(self))

    def __repr__(self) -> str:
        parts = [f"{self.data:.4g}", f"grad={self.grad:.4g}"]
        if self._op is not None:
            parts.append(f"op={self._op.name!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"Value({', '.join(parts)})"

    def __float__(self) -> float:
        return self.data

    # -- primitives -------------------------------------------------------

    def __add__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            r = self.data + other.data
            if r - r != 0.0:  # inf or nan: cheaper than a call to math.isfinite
                raise _overflow("+", self)
            return Value(r, "", _ADD, self, other)
        c = _constant(other)
        if c is None:
            return NotImplemented
        r = self.data + c
        if r - r != 0.0:
            raise _overflow("+", self)
        return Value(r, "", _ADD_CONST, self, c)

    def __mul__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            r = self.data * other.data
            if r - r != 0.0:
                raise _overflow("*", self)
            return Value(r, "", _MUL, self, other)
        c = _constant(other)
        if c is None:
            return NotImplemented
        r = self.data * c
        if r - r != 0.0:
            raise _overflow("*", self)
        return Value(r, "", _MUL_CONST, self, c)

    def __pow__(self, other: Value | Number) -> Value:
        """`self ** other`, the exponent a number or a Value.

        Derivatives: ∂(a^p)/∂a = p·a^(p−1), taken as 0 when p = 0 and as +inf at
        a = 0 with p < 1; ∂(a^b)/∂b = a^b·ln a, taken as 0 at a = 0. With a Value
        exponent the base must be ≥ 0 (ln a must exist), and > 0 if b ≤ 0.
        """
        if isinstance(other, Value):
            if self.data < 0.0:
                raise ValueError(
                    f"**: base {_describe(self)} is negative with a Value exponent; "
                    "∂(a^b)/∂b = a^b·ln a needs a ≥ 0 (use a number exponent)"
                )
            if self.data == 0.0 and other.data <= 0.0:
                raise ZeroDivisionError(
                    f"**: base 0.0 (label {self.label!r}) with exponent "
                    f"{_describe(other)} ≤ 0 has no value or derivative"
                )
            return Value(_power(self.data, other.data, self), "", _POW, self, other)
        p = _constant(other)
        if p is None:
            return NotImplemented
        return Value(_power(self.data, p, self), "", _POW_CONST, self, p)

    def __rpow__(self, other: Number) -> Value:
        """`base ** self` for a number base ≥ 0 (> 0 unless self > 0)."""
        base = _constant(other)
        if base is None:
            return NotImplemented
        if base < 0.0 or (base == 0.0 and self.data <= 0.0):
            raise ValueError(
                f"**: number base {base!r} with Value exponent {_describe(self)}: "
                "∂(c^x)/∂x = c^x·ln c needs c > 0 (or c = 0 with x > 0)"
            )
        result = _power(base, self.data, self)
        return Value(result, "", _RPOW, self, base)

    def exp(self) -> Value:
        """e^x; derivative e^x."""
        try:
            result = math.exp(self.data)
        except OverflowError:
            result = math.inf
        return Value(_checked(result, "exp", self), "", _EXP, self)

    def log(self) -> Value:
        """Natural logarithm ln x for x > 0; derivative 1/x."""
        if self.data <= 0.0:
            raise ValueError(f"log: input must be > 0, got {_describe(self)}")
        return Value(math.log(self.data), "", _LOG, self)

    def tanh(self) -> Value:
        """tanh x; derivative 1 − tanh² x."""
        return Value(math.tanh(self.data), "", _TANH, self)

    def sigmoid(self) -> Value:
        """The logistic function σ(x) = 1/(1 + e^(−x)); derivative σ(1 − σ).

        Computed without overflow for every finite x: σ(1000) = 1.0 and
        σ(−1000) = 0.0, where the derivative is exactly 0.0.
        """
        x = self.data
        if x >= 0.0:
            result = 1.0 / (1.0 + math.exp(-x))
        else:
            e = math.exp(x)
            result = e / (1.0 + e)
        return Value(result, "", _SIGMOID, self)

    def relu(self) -> Value:
        """max(0, x); derivative [x > 0], so 0 at x = 0 (the seed notes' convention)."""
        x = self.data
        return Value(x if x > 0.0 else 0.0, "", _RELU, self)

    # -- derived operations ----------------------------------------------

    def __neg__(self) -> Value:
        return self * -1.0

    def __radd__(self, other: Number) -> Value:
        return self + other

    def __sub__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            return self + (-other)
        c = _constant(other)
        return NotImplemented if c is None else self + (-c)

    def __rsub__(self, other: Number) -> Value:
        return (-self) + other

    def __rmul__(self, other: Number) -> Value:
        return self * other

    def __truediv__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            if other.data == 0.0:
                raise ZeroDivisionError(f"/: division by zero, divisor {_describe(other)}")
            return self * other**-1.0
        c = _constant(other)
        if c is None:
            return NotImplemented
        if c == 0.0:
            raise ZeroDivisionError(f"/: division of {_describe(self)} by the number 0")
        return self * (1.0 / c)

    def __rtruediv__(self, other: Number) -> Value:
        if self.data == 0.0:
            raise ZeroDivisionError(f"/: division by zero, divisor {_describe(self)}")
        return self**-1.0 * other

    # -- comparisons of data (not differentiable) ------------------------

    def __lt__(self, other: Value | Number) -> bool:
        return self.data < _data(other)

    def __le__(self, other: Value | Number) -> bool:
        return self.data <= _data(other)

    def __gt__(self, other: Value | Number) -> bool:
        return self.data > _data(other)

    def __ge__(self, other: Value | Number) -> bool:
        return self.data >= _data(other)

    __hash__ = object.__hash__

    # -- reverse mode -----------------------------------------------------

    def backward(self, grad: Number = 1.0) -> None:
        """Add ∂self/∂n · grad to `n.grad` for every node n of this graph.

        Reverse mode over the graph in topological order, without recursion.
        Gradients *accumulate*, as in PyTorch: calling `backward()` twice adds
        twice. Reset with `zero_grad()` (this graph) or
        `autodiff.zero_grad(params)` (a list of Values).
        """
        seed = _constant(grad)
        if seed is None:
            raise TypeError(f"backward(grad=...) needs a real number, got {type(grad).__name__}")
        order = topological_order(self)
        previous = None
        if any(map(_grad_of, order)):  # rare: keep old gradients aside, sweep from zero
            previous = list(map(_grad_of, order))
            for v in order:
                v.grad = 0.0
        self.grad = seed
        for v in reversed(order):
            op = v._op
            if op is not None:
                op.accumulate(v)
        if previous is not None:
            for v, g in zip(order, previous, strict=True):
                v.grad += g

    def zero_grad(self) -> None:
        """Set `grad` to 0.0 on every node of this graph."""
        for v in topological_order(self):
            v.grad = 0.0


_scope = ""  # the current autodiff.scope path, stamped on every new node


class scope:
    """Context manager: Values created inside carry `scope` = this path.

    Scopes nest with "/": inside `scope("layer2")` and then `scope("neuron0")`
    new nodes get scope "layer2/neuron0". `nn` names its modules this way so
    that drawings can group a module's nodes. The current scope is one per
    process (not per thread).
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"scope() needs a non-empty str name, got {name!r}")
        self.name = name
        self._outer = ""

    def __enter__(self) -> str:
        global _scope
        self._outer = _scope
        _scope = f"{_scope}/{self.name}" if _scope else self.name
        return _scope

    def __exit__(self, *exc_info: object) -> None:
        global _scope
        _scope = self._outer


def _float_operands(v: Value) -> tuple[float, float, float | None]:
    """(out, a, b) as floats: the arguments of `_Op.partials` in float mode."""
    b = v._b
    return v.data, v._a.data, (b.data if v._op.arity == 2 else b)


def _power(a: float, p: float, v: Value) -> float:
    """a ** p as a finite real float, or a clear error."""
    if a == 0.0 and p < 0.0:
        raise ZeroDivisionError(f"**: 0.0 to the negative power {p!r}, at input {_describe(v)}")
    if a < 0.0 and p != int(p):
        raise ValueError(
            f"**: negative base {_describe(v)} to the non-integer power {p!r} is not real"
        )
    try:
        result = a**p
    except OverflowError:
        result = math.inf
    return _checked(result, "**", v)


_FINISH = object()


def topological_order(root: Value) -> list[Value]:
    """Every node `root` depends on, each after all of its inputs; `root` last.

    Iterative depth-first search following operand order, so the order is the
    same on every run (it never depends on `id()` or on set iteration).
    """
    order: list[Value] = []
    seen: set[Value] = set()
    stack: list = [root]  # nodes to visit; _FINISH above a node means "its inputs are done"
    push, pop, visit, emit = stack.append, stack.pop, seen.add, order.append
    while stack:
        v = pop()
        if v is _FINISH:
            emit(pop())
            continue
        if v in seen:
            continue
        visit(v)
        op = v._op
        if op is None:
            emit(v)
            continue
        push(v)
        push(_FINISH)
        if op.arity == 2 and v._b not in seen:
            push(v._b)
        if v._a not in seen:
            push(v._a)
    return order

