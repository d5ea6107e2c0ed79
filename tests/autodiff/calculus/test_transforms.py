"""The functional API and forward mode: jvp, linearize, vjp, value_and_grad,
jacobian, hessian, hvp; exact to the engine's rounding, clear about bad input,
and leaving every .grad and .data as it was."""

import doctest
import math
import sys

import pytest

import autodiff
import nn
from autodiff import (
    Value,
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    linearize,
    ops,
    primitive,
    value_and_grad,
    vjp,
)
from autodiff.calculus.forward import Linearization, tangent_graphs

EPS = sys.float_info.epsilon


def baydin(x1, x2):
    """Baydin et al. (JMLR 2018): f(x1, x2) = ln x1 + x1·x2 − sin x2."""
    return ops.log(x1) + x1 * x2 - ops.sin(x2)


def several(x, y, z):
    return [x * y + z.exp(), (x * y).sin() / z, ops.atan(x - z) * y, x]


POINT = [0.7, 1.3, -0.4]


def test_doctests_of_the_new_modules_hold():
    for module in (autodiff.calculus.forward, autodiff.calculus.transforms):
        failed, tried = doctest.testmod(module)
        assert tried > 0 and failed == 0, module.__name__


def test_forward_and_reverse_mode_on_the_literatures_example():
    value, dx1 = jvp(baydin, [2.0, 5.0], [1.0, 0.0])  # Baydin's Table 2: ẋ1 = 1, ẋ2 = 0
    assert round(value, 3) == 11.652 and dx1 == 5.5
    _, dx2 = jvp(baydin, [2.0, 5.0], [0.0, 1.0])
    assert dx2 == pytest.approx(2 - math.cos(5), rel=1e-15)
    _, pullback = vjp(baydin, [2.0, 5.0])  # Table 3: both adjoints from one reverse sweep
    assert pullback(1.0) == [5.5, dx2]


def test_jacobian_by_rows_is_grad_exactly_and_by_columns_agrees_to_rounding():
    rows = jacobian(several, POINT)
    fwd = jacobian(several, POINT, mode="fwd")
    xs = [Value(x) for x in POINT]
    outs = several(*xs)
    for out, row, row_fwd in zip(outs, rows, fwd, strict=True):
        assert row == grad(out, xs)  # the same sweep
        exact = [g.data for g in grad(out, xs, create_graph=True)]
        assert row_fwd == pytest.approx(exact, rel=1e-15, abs=1e-300)
    assert rows[3] == [1.0, 0.0, 0.0]  # an output that is an input: a unit row
    assert len(rows) == 4 and all(len(r) == 3 for r in rows)
    assert jacobian(baydin, [2.0, 5.0]) == [5.5, pytest.approx(2 - math.cos(5))]  # one output


def test_jvp_is_the_jacobian_times_the_tangent_and_vjp_its_transpose():
    u, v = [0.3, -1.1, 2.0], [1.0, -0.5, 0.25, 2.0]
    J = jacobian(several, POINT)
    values, Ju = jvp(several, POINT, u)
    assert values == [o.data for o in several(*(Value(x) for x in POINT))]
    assert Ju == pytest.approx([math.fsum(a * b for a, b in zip(row, u, strict=True)) for row in J],
                               rel=1e-15)
    _, pullback = vjp(several, POINT)
    vJ = pullback(v)
    assert vJ == pytest.approx([math.fsum(J[i][j] * v[i] for i in range(4)) for j in range(3)],
                               rel=1e-15)
    # one recorded graph serves many cotangents, and linearize many tangents
    _, pushforward = linearize(several, POINT)
    assert [pullback(e) for e in ([1, 0, 0, 0], [0, 0, 1, 0])] == [J[0], J[2]]
    assert pushforward(u) == Ju


def test_forward_mode_agrees_with_grad_create_graph_to_1e_15_of_its_scale():
    """Both modes multiply the same local derivatives, in another order: the
    difference is rounding, at most ~1e-16 of |J|·|u| (measured: 2.8e-16 at worst
    over 3000 random DAGs); relative to a single entry where terms cancel it can
    be larger (2e-15 measured)."""
    xs = [Value(x) for x in POINT]
    outs = several(*xs)
    lin = Linearization(outs, xs)
    for j in range(3):
        e = [1.0 if i == j else 0.0 for i in range(3)]
        for out, t, m in zip(outs, lin(e), lin.magnitude(e), strict=True):
            exact = grad(out, xs, create_graph=True)[j].data
            assert abs(t - exact) <= 1e-15 * m


def test_a_user_primitive_gets_forward_mode_and_its_higher_derivatives_for_free():
    softsign = primitive("softsign_fwd", lambda a: a / (1 + abs(a)),
                         lambda out, a: (1 / (1 + ops.abs(a)) ** 2,))
    _, t = jvp(lambda x: softsign(x * 2), [0.5], [1.0])
    assert t == 2 / (1 + 1.0) ** 2
    # forward over forward: the tangent as a graph, differentiated by both modes
    x = Value(0.5)
    (dt,) = tangent_graphs([softsign(x)], {x: 1.0})
    assert dt.data == pytest.approx(1 / 1.5**2, rel=1e-15)
    assert grad(dt, [x]) == [pytest.approx(-2 / 1.5**3, rel=1e-15)]
    (ddt,) = tangent_graphs([dt], {x: 1.0})
    assert ddt.data == pytest.approx(-2 / 1.5**3, rel=1e-15)
    value, tangent = jvp(lambda x: softsign(x), [0.5], [1.0], create_graph=True)
    assert isinstance(value, Value) and isinstance(tangent, Value)


def test_hessian_forward_over_reverse_and_hvp_without_it():
    f = lambda x, y, z: x**2 * y + (x * y).tanh() + z.sin() * x  # noqa: E731
    point, v = [3.0, 2.0, 0.5], [1.0, -2.0, 0.5]
    H = hessian(f, point)
    xs = [Value(p) for p in point]
    exact = [grad(g, xs) for g in grad(f(*xs), xs, create_graph=True)]  # reverse over reverse
    for row, row_exact in zip(H, exact, strict=True):
        assert row == pytest.approx(row_exact, rel=1e-15, abs=1e-15)
    Hv = hvp(f, point, v)
    assert Hv == pytest.approx([math.fsum(h * w for h, w in zip(row, v, strict=True)) for row in H],
                               rel=1e-14)
    assert hessian(lambda x, y: x**2 * y, [3.0, 2.0]) == [[4.0, 6.0], [6.0, 0.0]]


def test_value_and_grad_with_argnums_and_lists():
    assert value_and_grad(lambda x, y: x * y.exp())(2.0, 0.0) == (2.0, 1.0)
    assert value_and_grad(lambda x, y: x * y.exp(), argnums=(0, 1))(2.0, 0.0) == (2.0, (1.0, 2.0))
    norm2 = value_and_grad(lambda w, scale: sum(wi * wi for wi in w) * scale)
    assert norm2([1.0, -2.0], 3) == (15.0, [6.0, -12.0])  # scale passed on unchanged
    x = Value(1.5)
    assert value_and_grad(lambda v: v * v)(x) == (2.25, 3.0)


def test_a_model_through_the_values_form_is_left_exactly_as_it_was():
    model = nn.MLP(2, [3, 2], "tanh", seed=2)
    params = model.parameters()
    for k, p in enumerate(params):
        p.grad = 0.25 * k  # gradients a user has accumulated: kept
    before = [(p.data, p.grad) for p in params]

    def outputs():
        return model([0.3, -0.8])

    def loss():
        return nn.squared_error(model([0.3, -0.8]), [0.5, -0.5])

    J = jacobian(outputs, params)
    for row, row_fwd in zip(J, jacobian(outputs, params, mode="fwd"), strict=True):
        assert row_fwd == pytest.approx(row, rel=1e-14, abs=1e-16)
    assert len(J) == 2 and len(J[0]) == len(params)
    u = [0.01 * k for k in range(len(params))]
    assert len(hvp(loss, params, u)) == len(params)
    _, pullback = vjp(outputs, params)
    pullback([1.0, 1.0])
    jvp(loss, params, u)
    jvp(loss, params, u, create_graph=True)
    assert [(p.data, p.grad) for p in params] == before


def test_gradient_by_n_jvps_equals_backprop_on_a_network():
    model = nn.MLP(2, [4, 1], "tanh", seed=0)
    params = model.parameters()

    def loss():
        return nn.squared_error(model([0.5, -1.0]), [0.2])

    _, pushforward = linearize(loss, params)
    n = len(params)
    by_columns = [pushforward([1.0 if i == j else 0.0 for i in range(n)]) for j in range(n)]
    by_rows = grad(loss(), params)
    assert by_columns == pytest.approx(by_rows, rel=1e-14, abs=1e-17)


def test_the_numeric_policy_is_the_same_in_forward_mode():
    with pytest.raises(OverflowError, match="sqrt: a local derivative is not finite"):
        jvp(lambda x: ops.sqrt(x * x), [0.0], [1.0])
    with pytest.raises(OverflowError, match="sqrt"):
        Value(0.0).sqrt().backward()


def test_results_are_deterministic():
    def run():
        return (jacobian(several, POINT, mode="fwd"), hessian(lambda x, y, z: several(x, y, z)[1],
                                                              POINT))
    assert run() == run()


@pytest.mark.parametrize("call, error, words", [
    (lambda: jvp(baydin, [2.0, 5.0], [1.0]), ValueError,
     r"tangents has 1 number but there are 2 primals"),
    (lambda: jvp(baydin, [2.0, 5.0], [1.0, "0"]), TypeError, r"tangents\[1\] must be a real"),
    (lambda: jvp(baydin, [2.0, 5.0], [1.0, math.inf]), ValueError, "must be finite"),
    (lambda: jvp(baydin, 2.0, [1.0]), TypeError, "list of numbers or of Values"),
    (lambda: jvp(baydin, [], []), ValueError, "at least one input"),
    (lambda: jvp(lambda x: x.data * 2, [1.0], [1.0]), TypeError,
     r"must return a Value.*got float: 2\.0.*\.data"),
    (lambda: jvp(lambda x: [x, 2.0], [1.0], [1.0]), TypeError, r"item 1 is float"),
    (lambda: jvp(lambda x: Value(x.data ** 2), [1.0], [1.0]), ValueError,
     r"does not depend on its inputs.*\.data"),
    (lambda: vjp(lambda x: [], [1.0]), TypeError, "non-empty list"),
    (lambda: vjp(several, POINT)[1]([1.0, 2.0]), ValueError,
     "cotangents has 2 numbers but there are 4 outputs"),
    (lambda: vjp(baydin, [2.0, 5.0])[1]([1.0, 2.0]), ValueError,
     "cotangent has 2 numbers but there is 1 output"),
    (lambda: linearize(several, POINT)[1]([1.0]), ValueError, "tangents has 1 number"),
    (lambda: jacobian(several, POINT, mode="forward"), ValueError, "'rev' or 'fwd'"),
    (lambda: hessian(several, POINT), TypeError, "one output"),
    (lambda: hvp(baydin, [2.0, 5.0], [1.0, 2.0, 3.0]), ValueError, "v has 3 numbers"),
    (lambda: jacobian(3, [1.0]), TypeError, "callable"),
    (lambda: jacobian(baydin, [Value(2.0), Value(5.0)]), TypeError,
     "with Values as inputs f takes no arguments"),
    (lambda: jacobian(lambda: Value(1.0), [Value(2.0) * 2]), ValueError, "not a leaf"),
    (lambda: jacobian(lambda: Value(1.0), [x := Value(2.0), x]), ValueError, "same Value"),
    (lambda: value_and_grad(baydin, argnums=2)(2.0, 5.0), TypeError, "argnums has 2"),
    (lambda: value_and_grad(baydin, argnums="0"), TypeError, "argnums"),
    (lambda: value_and_grad(baydin, argnums=(0, 0)), ValueError, "repeats"),
    (lambda: value_and_grad(lambda x: [x])(1.0), TypeError, "one Value"),
    (lambda: value_and_grad(lambda x: Value(x.data))(1.0), ValueError, "does not depend"),
    (lambda: value_and_grad(lambda x: x)("a"), TypeError, "argument 0 must be a real number"),
])
def test_bad_input_gets_a_clear_error(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_bad_input_is_refused_before_f_runs():
    calls = []

    def f(x, y):
        calls.append(1)
        return x * y

    with pytest.raises(ValueError):
        jvp(f, [1.0, 2.0], [1.0])
    with pytest.raises(ValueError):
        hvp(f, [1.0, 2.0], [1.0])
    assert calls == []


def test_forward_mode_inputs_must_be_independent():
    x = Value(2.0, "x")
    y = x * 3
    y.label = "y"
    with pytest.raises(ValueError, match="input 'y' depends on another input"):
        Linearization([y * y], [x, y])
    with pytest.raises(ValueError, match="same Value"):
        Linearization([x * x], [x, x])
    assert Linearization([y * y], [y])([1.0]) == [12.0]  # a tangent from an inner node alone
