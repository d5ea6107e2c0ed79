"""`Value`: a real number that records how it was computed, and its gradient.

Every operation on Values makes a new node that remembers the primitive that
made it and its operands, so a computation is recorded as a directed acyclic
graph; `backward()` walks that graph once, in reverse (autodiff.core.sweep).

`+`, `−` and `×`, which dominate neural networks, are written out here; their
derivatives (∂(a·b)/∂a = b, ...) are in autodiff.core.arithmetic. Every other
operator and method applies its primitive (autodiff.functions.elementary).
"""

from __future__ import annotations

from typing import Any, Literal, overload

from autodiff.core import hooks
from autodiff.core.arithmetic import ADD, MUL, NEG, RELU, SUB
from autodiff.core.errors import constant, finite_number, is_number, not_finite, seed
from autodiff.core.interrupts import uninterrupted
from autodiff.core.node import Node
from autodiff.core.primitive import Form, Primitive, primitives, use_value
from autodiff.core.scopes import current, open_scopes
from autodiff.core.sweep import propagate, set_grads, sweeping, topological_order

Number = int | float
"""A Python real number accepted as a constant operand (bool and NumPy scalars too)."""


class Value(Node):
    """A real number that records how it was computed, and its gradient.

    `data` is the number (a finite float), `grad` the accumulated derivative
    ∂E/∂(this node) of whatever `backward()` was last called on (0.0 until
    then), `label` a free-form name for display, `scope` the `autodiff.scope`
    the node was created in ("" outside any). `primitive` is the operation that
    produced the node (None for a leaf) and `op` its name; `inputs` are its
    Value operands in order, duplicates kept (`x * x` has inputs `(x, x)`), and
    `args` all its operands, folded numbers included.

    `==` and `hash` are identity-based, so Values can be dict keys and set
    members. `<`, `<=`, `>`, `>=` compare `data` (with Values or numbers) and
    return a plain bool; they are not differentiable.
    """

    __slots__ = ()
    __array_ufunc__ = None  # NumPy defers to Value's operators: np.float64(2) * x is a node

    def __init__(self, data: Number, label: str = "") -> None:
        data = finite_number(data, "Value()")
        if not isinstance(label, str):
            raise TypeError(f"label must be a str, got {type(label).__name__}: {label!r}")
        self._data = data
        self._grad = 0.0
        self.label = label
        self.scope = current.get() if open_scopes else ""
        self._op = None
        self._a = None
        self._b = None

    # -- the number and its gradient -----------------------------------------

    @property
    def data(self) -> float:
        """The number, a finite float; set it like the constructor's `data`."""
        if hooks.watching:
            hooks.used(self, ".data read", 1)
        return self._data

    @data.setter
    def data(self, number: Number) -> None:
        if hooks.watching:
            hooks.used(self, ".data written", 1)
        self._data = finite_number(number, "Value.data")

    @property
    def grad(self) -> float:
        """∂E/∂(this node), accumulated by `backward()`; a finite float."""
        if hooks.watching:
            hooks.used(self, ".grad read", 1)
        return self._grad

    @grad.setter
    def grad(self, number: Number) -> None:
        if hooks.watching:
            hooks.used(self, ".grad written", 1)
        self._grad = finite_number(number, "Value.grad")

    # -- structure --------------------------------------------------------

    @property
    def primitive(self) -> Primitive | None:
        """The operation that produced this node; None for a leaf."""
        return None if self._op is None else self._op.primitive

    @property
    def op(self) -> str:
        """The name of the operation that produced this node ('+', 'sin', ...); '' for a leaf."""
        return "" if self._op is None else self._op.primitive.name

    @property
    def inputs(self) -> tuple[Value, ...]:
        """The Value operands, in order (numbers folded into the node excluded)."""
        form = self._op
        if form is None:
            return ()
        if form.values == 2:
            return (self._a, self._b)
        if form.values == 1:
            return (self._a,)
        return tuple(x for x in self._a if isinstance(x, Value))

    @property
    def args(self) -> tuple[Value | float, ...]:
        """All operands in order, folded number constants included:
        `(x, 1.0)` for `x - 1`, `(2.0, x)` for `2 / x`, `(x,)` for `x.exp()`."""
        form = self._op
        if form is None:
            return ()
        if form.values == 0:
            return self._a
        if form.values == 2:
            return (self._a, self._b)
        if self._b is None:
            return (self._a,)
        return (self._b, self._a) if form.constant_first else (self._a, self._b)

    @overload
    def partials(self, create_graph: Literal[False] = False) -> tuple[float, ...]: ...
    @overload
    def partials(self, create_graph: bool) -> tuple[Value | float, ...]: ...
    def partials(self, create_graph: bool = False) -> tuple[Value | float, ...]:
        """The local derivatives ∂self/∂x for every x in `inputs`, as floats
        (the primitive's `partials` in float mode). OverflowError where one is
        not finite (the numeric policy).

        With `create_graph=True`, the same derivatives from `partials` evaluated
        with the Values themselves: graphs that can be differentiated again
        (`grad(create_graph=True)` and forward mode's tangent graphs use them), a
        derivative that depends on no Value staying a float. The float ones are
        checked first, so the numeric policy is the same in both modes.
        """
        if hooks.watching:
            hooks.used(self, ".partials()", 1)
        form = self._op
        if form is None:
            return ()
        floats = form.local(self)
        return form.graph_partials(self) if create_graph else floats

    def __repr__(self) -> str:
        parts = [f"{self._data:.4g}", f"grad={self._grad:.4g}"]
        if self._op is not None:
            parts.append(f"op={self.op!r}")
        if self.label:
            parts.append(f"label={self.label!r}")
        return f"Value({', '.join(parts)})"

    def __float__(self) -> float:
        if hooks.watching:
            hooks.used(self, "float()", 1)
        return self._data

    # -- arithmetic: +, −, × written out for speed, the rest through their primitives

    def __add__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            r = self._data + other._data
            if r - r != 0.0:  # inf or nan: cheaper than a call to math.isfinite
                not_finite("+", (self, other), (self._data, other._data), r)
            v = _new_value(Value)  # _node(r, _ADD_VV, self, other), written out: the
            v._data = r  # call would cost 4% of a network's training step
            v._grad = 0.0
            v.label = ""
            v.scope = current.get() if open_scopes else ""
            v._op = _ADD_VV
            v._a = self
            v._b = other
            return v
        c = constant(other, "+")
        if c is None:
            return NotImplemented
        r = self._data + c
        if r - r != 0.0:
            not_finite("+", (self, other), (self._data, c), r)
        return _node(r, _ADD_VC, self, c)

    def __radd__(self, other: Number) -> Value:
        """`c + self`; the int 0 that Python's `sum()` starts from gives `self` itself,
        so `sum(values)` adds no `+ 0` node."""
        if type(other) is int and other == 0:
            return self
        c = constant(other, "+")
        if c is None:
            return NotImplemented
        r = c + self._data
        if r - r != 0.0:
            not_finite("+", (other, self), (c, self._data), r)
        return _node(r, _ADD_CV, self, c)

    def __sub__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            r = self._data - other._data
            if r - r != 0.0:
                not_finite("-", (self, other), (self._data, other._data), r)
            return _node(r, _SUB_VV, self, other)
        c = constant(other, "-")
        if c is None:
            return NotImplemented
        r = self._data - c
        if r - r != 0.0:
            not_finite("-", (self, other), (self._data, c), r)
        return _node(r, _SUB_VC, self, c)

    def __rsub__(self, other: Number) -> Value:
        c = constant(other, "-")
        if c is None:
            return NotImplemented
        r = c - self._data
        if r - r != 0.0:
            not_finite("-", (other, self), (c, self._data), r)
        return _node(r, _SUB_CV, self, c)

    def __mul__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            r = self._data * other._data
            if r - r != 0.0:
                not_finite("*", (self, other), (self._data, other._data), r)
            v = _new_value(Value)  # _node(r, _MUL_VV, self, other), written out: the
            v._data = r  # call would cost 4% of a network's training step
            v._grad = 0.0
            v.label = ""
            v.scope = current.get() if open_scopes else ""
            v._op = _MUL_VV
            v._a = self
            v._b = other
            return v
        c = constant(other, "*")
        if c is None:
            return NotImplemented
        r = self._data * c
        if r - r != 0.0:
            not_finite("*", (self, other), (self._data, c), r)
        return _node(r, _MUL_VC, self, c)

    def __rmul__(self, other: Number) -> Value:
        c = constant(other, "*")
        if c is None:
            return NotImplemented
        r = c * self._data
        if r - r != 0.0:
            not_finite("*", (other, self), (c, self._data), r)
        return _node(r, _MUL_CV, self, c)

    def __neg__(self) -> Value:
        return _node(-self._data, _NEG, self)

    def relu(self) -> Value:
        """max(0, x); derivative [x > 0], so 0 at x = 0 (PyTorch's convention too)."""
        x = self._data
        return _node(x if x > 0.0 else 0.0, _RELU, self)

    def __truediv__(self, other: Value | Number) -> Value:
        return _apply("/", self, other) if _is_operand(other) else NotImplemented

    def __rtruediv__(self, other: Number) -> Value:
        return _apply("/", other, self) if _is_operand(other) else NotImplemented

    def __pow__(self, other: Value | Number) -> Value:
        """`self ** other`, the exponent a number or a Value; see `autodiff.ops.pow`."""
        return _apply("**", self, other) if _is_operand(other) else NotImplemented

    def __rpow__(self, other: Number) -> Value:
        return _apply("**", other, self) if _is_operand(other) else NotImplemented

    def __abs__(self) -> Value:
        return _apply("abs", self)

    # -- elementary functions (autodiff.functions.elementary) -------------

    def exp(self) -> Value:
        """e^x; derivative e^x."""
        return _apply("exp", self)

    def log(self) -> Value:
        """Natural logarithm ln x for x > 0; derivative 1/x."""
        return _apply("log", self)

    def tanh(self) -> Value:
        """tanh x; derivative 1 − tanh² x."""
        return _apply("tanh", self)

    def sigmoid(self) -> Value:
        """σ(x) = 1/(1 + e^(−x)), stable for every x; derivative σ(1 − σ)."""
        return _apply("sigmoid", self)

    def sqrt(self) -> Value:
        """√x for x ≥ 0; derivative 1/(2√x)."""
        return _apply("sqrt", self)

    def sin(self) -> Value:
        """sin x; derivative cos x."""
        return _apply("sin", self)

    def cos(self) -> Value:
        """cos x; derivative −sin x."""
        return _apply("cos", self)

    # -- comparisons of data (not differentiable) ------------------------

    def __lt__(self, other: Value | Number) -> bool:
        return _compared(self, "<", other, self._data < number_of(other))

    def __le__(self, other: Value | Number) -> bool:
        return _compared(self, "<=", other, self._data <= number_of(other))

    def __gt__(self, other: Value | Number) -> bool:
        return _compared(self, ">", other, self._data > number_of(other))

    def __ge__(self, other: Value | Number) -> bool:
        return _compared(self, ">=", other, self._data >= number_of(other))

    __hash__ = object.__hash__

    # -- reverse mode -----------------------------------------------------

    def backward(self, grad: Number = 1.0) -> None:
        """Add ∂self/∂n · grad to `n.grad` for every node n of this graph.

        Reverse mode over the graph in topological order, without recursion.
        Gradients *accumulate*, as in PyTorch: calling `backward()` twice adds
        twice. Reset with `zero_grad()` (this graph) or
        `autodiff.zero_grad(params)` (a list of Values).

        All or nothing: the sweep runs on adjoints of its own, and only a sweep
        that finished adds them to the `.grad` of every node. An error (a
        derivative that is not finite, a failing user primitive) leaves every
        `.grad` as it was; a Ctrl-C is held until the call ends, then raised.
        Calls in several threads on graphs that share nodes (one model) add
        exactly as if they ran one after another.
        """
        start = seed(grad)
        if hooks.watching:
            hooks.used(self, "backward()")
        order = topological_order(self)
        with sweeping(order):
            self._adjoint = start  # self is the last node of order
            propagate(order)
            set_grads(order, [v._grad + v._adjoint for v in order], "backward()")

    def zero_grad(self) -> None:
        """Set `grad` to 0.0 on every node of this graph."""
        order = topological_order(self)
        with uninterrupted():
            for v in order:
                v._grad = 0.0


_new_value = object.__new__


def _node(data: float, form: Form | None, a: Any, b: Any = None) -> Value:
    """A new node: `data` (already a finite float), computed by `form`'s primitive
    from the operands `a`, `b` (laid out as autodiff.core.node says). Every
    operation makes its node here, without the constructor's checks."""
    v = _new_value(Value)
    v._data = data
    v._grad = 0.0
    v.label = ""
    v.scope = current.get() if open_scopes else ""
    v._op = form
    v._a = a
    v._b = b
    return v


def number_of(x: Value | Number) -> float:
    """A Value's number, or the number itself."""
    return x._data if isinstance(x, Value) else x


def _compared(a: Value, op: str, b: Value | Number, result: bool) -> bool:
    if hooks.watching:  # the one watch point: a program that branches on its numbers
        hooks.compared(a, op, b, result)
    return result


def _is_operand(x: object) -> bool:
    return isinstance(x, Value) or is_number(x)


# -- the primitives behind the operators: the forms of +, −, ×, neg and relu, which
# the operators above write out, and the registry for the rest

_ADD_VV, _ADD_VC, _ADD_CV = ADD.forms.all()
_SUB_VV, _SUB_VC, _SUB_CV = SUB.forms.all()
_MUL_VV, _MUL_VC, _MUL_CV = MUL.forms.all()
(_NEG,) = NEG.forms.all()
(_RELU,) = RELU.forms.all()


def _apply(name: str, *args: Value | Number) -> Value:
    """Apply the built-in primitive `name` ("/", "exp", ...: autodiff.functions)."""
    return primitives[name](*args)


use_value(Value, _node)  # primitives make their nodes as the operators do
