"""The engine: construction, primitives, backward, accumulation, errors, memory."""

import gc
import math
import warnings
from fractions import Fraction

import numpy as np
import pytest

import autodiff
from autodiff import Value, grad, scope, topological_order, zero_grad

# -- construction -------------------------------------------------------------


@pytest.mark.parametrize(
    "data, expected",
    [(3, 3.0), (2.5, 2.5), (True, 1.0), (np.float32(0.5), 0.5), (np.int64(-4), -4.0),
     (np.float64(1e-3), 1e-3), (Fraction(1, 4), 0.25)],
)
def test_value_stores_real_numbers_as_float(data, expected):
    v = Value(data)
    assert type(v.data) is float and v.data == expected
    assert v.grad == 0.0 and v.label == "" and v.op == "" and v.inputs == () and v.args == ()


@pytest.mark.parametrize("bad", ["1.0", None, [1.0], 1 + 2j, Value(1.0), np.array([1.0, 2.0])])
def test_value_rejects_non_real_data_naming_the_type(bad):
    with pytest.raises(TypeError, match=type(bad).__name__):
        Value(bad)


@pytest.mark.parametrize("bad", [math.inf, -math.inf, math.nan])
def test_value_rejects_non_finite_data(bad):
    with pytest.raises(ValueError, match="finite"):
        Value(bad)


def test_label_must_be_a_string_and_is_settable():
    with pytest.raises(TypeError, match="label"):
        Value(1.0, label=3)
    v = Value(1.0, "w")
    v.label = "weight"
    assert v.label == "weight"


def test_nodes_have_slots_not_dicts():
    assert not hasattr(Value(1.0), "__dict__")


def test_repr_is_short_and_useful():
    y = Value(1.0).sigmoid()
    y.label = "y"
    y.backward()
    assert repr(y) == "Value(0.7311, grad=1, op='sigmoid', label='y')"
    assert repr(Value(2.0)) == "Value(2, grad=0)"


# -- primitives and their derivatives ----------------------------------------


def derivative(f, x0):
    """d f/dx at x0 through backward(), checking grad() agrees bit for bit."""
    x = Value(x0)
    y = f(x)
    y.backward()
    assert grad(y, [x]) == [x.grad]
    return y.data, x.grad


S = 1 / (1 + math.exp(-0.3))
CASES = [
    # name, f, x0, value, derivative
    ("add", lambda x: x + x, 1.5, 3.0, 2.0),
    ("add number", lambda x: x + 2, 1.5, 3.5, 1.0),
    ("radd", lambda x: 2 + x, 1.5, 3.5, 1.0),
    ("mul", lambda x: x * x, 1.5, 2.25, 3.0),
    ("mul number", lambda x: x * 3, 1.5, 4.5, 3.0),
    ("rmul", lambda x: 3 * x, 1.5, 4.5, 3.0),
    ("neg", lambda x: -x, 1.5, -1.5, -1.0),
    ("sub", lambda x: x - x * x, 1.5, -0.75, -2.0),
    ("sub number", lambda x: x - 1, 1.5, 0.5, 1.0),
    ("rsub", lambda x: 1 - x, 1.5, -0.5, -1.0),
    ("div", lambda x: x / (x * x), 2.0, 0.5, -0.25),
    ("div number", lambda x: x / 4, 2.0, 0.5, 0.25),
    ("rdiv", lambda x: 2 / x, 2.0, 1.0, -0.5),
    ("pow number", lambda x: x**3, 2.0, 8.0, 12.0),
    ("pow negative", lambda x: x**-2, 2.0, 0.25, -0.25),
    ("pow fraction", lambda x: x**0.5, 4.0, 2.0, 0.25),
    ("pow value exponent", lambda x: x**x, 2.0, 4.0, 4.0 * (1 + math.log(2.0))),
    ("rpow", lambda x: 2**x, 3.0, 8.0, 8.0 * math.log(2.0)),
    ("exp", lambda x: x.exp(), 0.5, math.exp(0.5), math.exp(0.5)),
    ("log", lambda x: x.log(), 2.0, math.log(2.0), 0.5),
    ("tanh", lambda x: x.tanh(), 0.5, math.tanh(0.5), 1 - math.tanh(0.5) ** 2),
    ("sigmoid", lambda x: x.sigmoid(), 0.3, S, S * (1 - S)),
    ("relu positive", lambda x: x.relu(), 0.7, 0.7, 1.0),
    ("relu negative", lambda x: x.relu(), -0.7, 0.0, 0.0),
    ("relu at 0", lambda x: x.relu(), 0.0, 0.0, 0.0),
    ("sum", lambda x: sum([x, x * 2, 3]), 1.0, 6.0, 3.0),
]


@pytest.mark.parametrize("name, f, x0, value, slope", CASES, ids=[c[0] for c in CASES])
def test_primitive_values_and_derivatives(name, f, x0, value, slope):
    got_value, got_slope = derivative(f, x0)
    assert got_value == pytest.approx(value, rel=1e-15)
    assert got_slope == pytest.approx(slope, rel=1e-14)


def _every_form():
    """A node of every built-in primitive in every operand layout it has."""
    a, b = Value(0.6), Value(0.3)
    for p in autodiff.primitives.values():
        if not p.builtin:
            continue
        if p.arity == 1:
            yield p(a), p(Value(-0.6)) if p.name in ("relu", "abs") else p(a)
        else:
            yield p(a, b), p(a, 0.3), p(0.6, b)


def test_fast_sweep_steps_agree_with_partials():
    """backward() takes hand-inlined steps for +, −, ×, neg, relu and checked fast
    steps for one- and two-operand forms; every one must give seed·∂n/∂x exactly."""
    nodes = [n for group in _every_form() for n in group]
    forms = {f for p in autodiff.primitives.values() if p.builtin for f in p.forms.all()}
    assert {n._op for n in nodes} == forms
    for n in nodes:
        seed = 0.37
        n.backward(seed)
        inputs = list(n.inputs)
        expected = [seed * d for d in n.partials()]
        assert [x.grad for x in inputs] == expected, n.op
        for x in inputs:
            x.grad = 0.0
        n.zero_grad()


def test_fast_partials_agree_with_the_checked_path():
    """Value.partials() has hand-inlined results for +, −, ×, neg, relu and checked
    fast paths for one- and two-operand forms (forward mode reads them): each must
    equal the primitive's partials through the general, checked path."""
    from autodiff.core.primitive import _local

    nodes = [n for group in _every_form() for n in group]
    for n in nodes:
        fast = n.partials()
        assert type(fast) is tuple and all(type(d) is float for d in fast), n.op
        assert fast == _local(n), n.op


def test_structure_op_inputs_args():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    assert (x * x).inputs == (x, x)
    assert (x * y).op == "*" and (x * y).inputs == (x, y)
    assert (x + 1).inputs == (x,) and (x + 1).args == (x, 1.0)
    assert (2 ** x).op == "**" and (2 ** x).args == (2.0, x)
    assert x.exp().args == (x,)
    assert [n.op for n in (x.log(), x.tanh(), x.sigmoid(), x.relu(), x**y)] == [
        "log", "tanh", "sigmoid", "relu", "**"]


def test_number_operands_of_any_real_type():
    x = Value(2.0)
    for c in (3, 3.0, True, np.float64(3.0), np.int32(3), Fraction(3)):
        assert (x * c).data == 2.0 * float(c)
        assert (c * x).data == 2.0 * float(c)


@pytest.mark.parametrize("bad", ["2", None, [1], 1j])
def test_unsupported_operands_raise_type_error(bad):
    x = Value(2.0)
    for op in (lambda: x + bad, lambda: bad + x, lambda: x * bad, lambda: x - bad,
               lambda: x / bad, lambda: x**bad):
        with pytest.raises(TypeError):
            op()


def test_equality_and_hash_are_identity_comparisons_use_data():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a
    assert len({a, b}) == 2 and {a: 1}[a] == 1
    assert a <= b and a >= b and not a < b
    assert Value(1.0) < 2 and Value(3.0) > Value(2.0)
    assert max([Value(1.0), Value(5.0), Value(2.0)]).data == 5.0


# -- numerics --------------------------------------------------------------


def test_sigmoid_is_stable_at_extremes():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        for x0, value in ((1000.0, 1.0), (-1000.0, 0.0), (1e308, 1.0), (-1e308, 0.0)):
            x = Value(x0)
            y = x.sigmoid()
            y.backward()
            assert y.data == value
            assert x.grad == 0.0


def test_pow_edge_case_derivatives_are_documented_values():
    assert derivative(lambda x: x**0, 0.0) == (1.0, 0.0)
    assert derivative(lambda x: x**1, 0.0) == (0.0, 1.0)
    assert derivative(lambda x: x**2, -3.0) == (9.0, -6.0)
    base, exponent = Value(0.0), Value(2.0)
    y = base**exponent
    y.backward()
    assert (y.data, base.grad, exponent.grad) == (0.0, 0.0, 0.0)


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda x: Value(-1.0, "x").log(), ValueError, ["log", "x = -1.0", "> 0"]),
        (lambda x: Value(0.0, "x").log(), ValueError, ["log", "x = 0.0"]),
        (lambda x: Value(0.0, "x") ** -1, ZeroDivisionError, ["**", "x = 0.0", "-1"]),
        (lambda x: Value(-8.0, "x") ** (1 / 3), ValueError, ["**", "x = -8.0", "not real"]),
        (lambda x: Value(-2.0, "x") ** x, ValueError, ["**", "-2.0", "x = ", "ln"]),
        (lambda x: x / Value(0.0, "zero"), ZeroDivisionError, ["/", "zero = 0.0"]),
        (lambda x: x / 0, ZeroDivisionError, ["/", "x = 2.0", "0 (a number)"]),
        (lambda x: 1 / Value(0.0, "zero"), ZeroDivisionError, ["/", "zero = 0.0"]),
        (lambda x: Value(1000.0, "big").exp(), OverflowError, ["exp", "big = 1000.0"]),
        (lambda x: Value(1e200, "big") * 1e200, OverflowError, ["*", "big = 1e+200"]),
        (lambda x: Value(1e308, "big") + Value(1e308), OverflowError, ["+", "big = "]),
        (lambda x: Value(10.0, "big") ** 400, OverflowError, ["**", "big = 10.0"]),
        (lambda x: (-1) ** x, ValueError, ["**", "-1", "x = 2.0"]),
        (lambda x: x - 10**400, OverflowError, ["-", "(401 digits)", "too large"]),
        (lambda x: x ** (10**400), OverflowError, ["**", "(401 digits)"]),
        (lambda x: x ** math.nan, ValueError, ["**", "nan", "not a finite number"]),
        (lambda x: x * math.inf, ValueError, ["*", "inf", "not a finite number"]),
        (lambda x: autodiff.ops.asin(Value(2.0, "x")), ValueError, ["asin", "x = 2.0", "[−1, 1]"]),
        (lambda x: autodiff.ops.sqrt(Value(-1.0, "x")), ValueError, ["sqrt", "x = -1.0"]),
        (lambda x: autodiff.ops.cosh(Value(1000.0, "x")), OverflowError, ["cosh", "too large"]),
    ],
)
def test_domain_errors_are_clear_and_change_nothing(make, error, words):
    x = Value(2.0, "x")
    y = x * 3
    y.backward()
    before = [(v.data, v.grad) for v in topological_order(y)]
    with pytest.raises(error) as info:
        make(x)
    for word in words:
        assert word in str(info.value)
    assert [(v.data, v.grad) for v in topological_order(y)] == before


def test_backward_rejects_a_non_number_seed():
    with pytest.raises(TypeError, match="str"):
        Value(1.0).backward("1")


# -- backward ---------------------------------------------------------------


def test_shared_subexpressions_get_exact_gradients():
    a = Value(3.0)
    b = a + a
    c = b + b
    c.backward()
    assert (a.grad, b.grad) == (4.0, 2.0)

    x = Value(3.0)
    diamond = (x * 2) * (x + 1)  # 2x² + 2x
    diamond.backward()
    assert x.grad == 4 * 3.0 + 2


def test_backward_accumulates_like_pytorch_and_zero_grad_clears():
    x, y = Value(2.0), Value(5.0)
    f = x * y + x
    f.backward()
    assert (x.grad, y.grad, f.grad) == (6.0, 2.0, 1.0)
    f.backward()
    assert (x.grad, y.grad, f.grad) == (12.0, 4.0, 2.0)
    zero_grad([x])
    assert (x.grad, y.grad) == (0.0, 4.0)
    f.zero_grad()
    assert all(v.grad == 0.0 for v in topological_order(f))
    f.backward(0.5)
    assert (x.grad, y.grad) == (3.0, 1.0)


def test_zero_grad_rejects_non_values():
    with pytest.raises(TypeError, match="float"):
        zero_grad([Value(1.0), 2.0])


def test_backward_over_two_outputs_sharing_nodes_adds_up():
    x = Value(2.0)
    h = x * x
    (h * 3).backward()
    (h + 1).backward()
    assert x.grad == (3 + 1) * 2 * 2.0


def build(seed_value):
    x, y = Value(seed_value), Value(0.7)
    f = x
    for i in range(200):
        f = (f * y + x).tanh() * (1 + i % 3) + f.sigmoid()
    return x, y, f


def test_gradients_are_bit_identical_across_runs():
    runs = []
    for _ in range(3):
        x, y, f = build(0.3)
        f.backward()
        runs.append((x.grad.hex(), y.grad.hex()))
    assert runs[0] == runs[1] == runs[2]


def test_topological_order_puts_inputs_first_and_is_deterministic():
    f = build(0.3)[2]
    order = topological_order(f)
    position = {v: i for i, v in enumerate(order)}
    assert order[-1] is f and len(position) == len(order)
    assert all(position[i] < position[v] for v in order for i in v.inputs)
    assert [v.op for v in order] == [v.op for v in topological_order(build(0.3)[2])]


def test_several_roots_share_one_order_and_one_reverse_sweep():
    from autodiff.core import reverse_sweep

    x, y = Value(0.5, "x"), Value(-1.5, "y")
    a = x * y
    b = a.sin() + x
    c = a * 3  # a is also a root, and an input of b and c
    order = topological_order([b, c, a])
    position = {v: i for i, v in enumerate(order)}
    assert len(position) == len(order) == len(set(topological_order(b)) | {c})
    assert all(position[i] < position[v] for v in order for i in v.inputs)
    assert order[:len(topological_order(b))] == topological_order(b)  # the first root's order
    x.grad = 7.0
    seeds = [2.0, -0.5, 0.25]
    swept = reverse_sweep([b, c, a], seeds)
    for leaf in (x, y):
        expected = sum(s * g for s, (g,) in zip(seeds, (grad(b, [leaf]), grad(c, [leaf]),
                                                        grad(a, [leaf])), strict=True))
        assert swept[leaf] == pytest.approx(expected, rel=1e-15)
    assert x.grad == 7.0 and all(v.grad == 0.0 for v in order if v is not x)  # restored
    assert reverse_sweep([b], 1.0) == reverse_sweep(b)
    with pytest.raises(ValueError, match="2 roots but 1 seeds"):
        reverse_sweep([b, c], [1.0])
    with pytest.raises(TypeError, match="item 1 is float"):
        topological_order([b, 1.0])


def test_partials_with_create_graph_are_graphs_where_they_depend_on_values():
    x, y = Value(0.5), Value(2.0)
    product, shifted, sine = x * y, x + 1, x.sin()
    assert product.partials(create_graph=True) == (y, x)  # ∂(x·y) = (y, x): the leaves
    assert shifted.partials(create_graph=True) == (1.0,)  # a constant stays a float
    (cos_x,) = sine.partials(create_graph=True)
    assert cos_x.op == "cos" and cos_x.data == sine.partials()[0]
    assert grad(cos_x, [x]) == [-math.sin(0.5)]  # differentiable again


def test_deep_chain_needs_no_recursion():
    x0 = Value(1.0)
    x = x0
    for _ in range(200_000):  # 400,000 nodes; micrograd fails at about 500 steps
        x = x * 1.0001 + 0.0
    x.backward()
    assert x0.grad == pytest.approx(1.0001**200_000, rel=1e-9)
    assert len(topological_order(x)) == 400_001


# -- grad() and higher order -------------------------------------------------


def test_grad_returns_gradients_without_touching_dot_grad():
    x, y, unused = Value(2.0), Value(3.0), Value(7.0)
    f = x * y + x.exp()
    assert grad(f, [x, y, unused]) == [3.0 + math.exp(2.0), 2.0, 0.0]
    assert all(v.grad == 0.0 for v in topological_order(f))


def test_grad_validates_its_arguments():
    x = Value(1.0)
    with pytest.raises(TypeError, match="output"):
        grad(1.0, [x])
    with pytest.raises(TypeError, match=r"inputs\[1\]"):
        grad(x * 2, [x, 2.0])


def test_second_derivative_of_cube():
    x = Value(2.0)
    (dx,) = grad(x**3, [x], create_graph=True)
    assert isinstance(dx, Value) and dx.data == 12.0
    assert grad(dx, [x]) == [12.0]
    (d2,) = grad(dx, [x], create_graph=True)
    assert grad(d2, [x]) == [6.0]


def test_hessian_of_x2y():
    x, y = Value(3.0), Value(2.0)
    gx, gy = grad(x**2 * y, [x, y], create_graph=True)
    hessian = [grad(g, [x, y]) for g in (gx, gy)]
    assert hessian == [[4.0, 6.0], [6.0, 0.0]]


def test_newton_steps_find_a_root_with_second_derivatives():
    x = 1.0  # minimise f(x) = x⁴/4 − 2x: f' = x³ − 2, f'' = 3x²
    for _ in range(8):
        v = Value(x)
        (g,) = grad(v**4 / 4 - 2 * v, [v], create_graph=True)
        (h,) = grad(g, [v])
        x -= g.data / h
    assert x == pytest.approx(2 ** (1 / 3), rel=1e-15)


@pytest.mark.parametrize("f", [lambda x: x.sigmoid(), lambda x: x.tanh(), lambda x: x.exp(),
                               lambda x: x.log(), lambda x: x**2.5, lambda x: 3**x,
                               lambda x: x**x, lambda x: 1 / x])
def test_second_derivatives_match_finite_differences_of_first(f):
    x0, h = 0.8, 1e-6
    x = Value(x0)
    (g,) = grad(f(x), [x], create_graph=True)
    (second,) = grad(g, [x])
    first = [grad(f(v), [v])[0] for v in (Value(x0 + h), Value(x0 - h))]
    assert second == pytest.approx((first[0] - first[1]) / (2 * h), rel=1e-6)


def test_create_graph_of_a_constant_derivative_is_a_leaf():
    x, unused = Value(2.0), Value(1.0)
    gx, gu = grad(x + 1, [x, unused], create_graph=True)
    assert (gx.data, gx.op, gu.data) == (1.0, "", 0.0)


# -- scopes and memory -------------------------------------------------------


def test_scopes_nest_and_stamp_new_nodes():
    x = Value(1.0)
    with scope("layers.1"):
        with scope("neurons.0") as path:
            y = x * 2
        z = y + 1
    w = z.relu()
    assert path == "layers.1/neurons.0"
    assert (x.scope, y.scope, z.scope, w.scope) == ("", "layers.1/neurons.0", "layers.1", "")
    with pytest.raises(ValueError, match="non-empty"):
        scope("")


def test_a_graph_is_freed_by_reference_counting_alone():
    gc.collect()
    gc.disable()
    try:
        x, y, f = build(0.3)
        f.backward()
        del x, y, f
        assert gc.collect() == 0  # nothing was left for the cycle collector
    finally:
        gc.enable()


def test_receivers_are_the_positions_of_the_value_operands_in_args():
    """The walk's "which operand gets a term", read by every tool that prints or explains it."""
    from autodiff import ops
    from autodiff.core import receivers
    x, y = Value(0.5, "x"), Value(2.0, "y")
    cases = [(x, ()), (x * y, (0, 1)), (x * 2, (0,)), (2 / x, (1,)), (x - 1, (0,)),
             (-x, (0,)), (ops.log_sum_exp(x, 1.0, y, x), (0, 2, 3)), (x * x, (0, 1))]
    for v, expected in cases:
        assert receivers(v) == expected, v
        assert tuple(v.args[i] for i in receivers(v)) == v.inputs
