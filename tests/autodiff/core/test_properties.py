"""Property tests: random expressions and networks against finite differences,
the algebraic laws of the gradient (second order: test_second_order.py), and
forward mode against reverse mode on random several-output DAGs."""

import math
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, grad, gradcheck, jacobian, jvp, ops, primitive, topological_order, vjp
from autodiff.calculus.forward import Linearization
from autodiff.strategies import builtin_operations, expressions, values
from nn.strategies import mlps


@given(expressions())
def test_random_dags_agree_with_central_differences(expr):
    result = gradcheck(expr, expr.inputs, rtol=1e-6, raise_exception=False)
    assert all(row.verdict == "ok" for row in result.rows), f"{expr}\n{result}"


@given(expressions(max_steps=4))
def test_backward_and_grad_agree_bit_for_bit(expr):
    xs = [Value(x) for x in expr.inputs]
    out = expr(*xs)
    expected = grad(out, xs)
    out.backward()
    assert [x.grad for x in xs] == expected


@settings(max_examples=30)
@given(mlps())
def test_network_parameter_gradients_agree_with_finite_differences(net):
    result = gradcheck(net.loss, net.model.named_parameters(), raise_exception=False)
    assert all(row.verdict == "ok" for row in result.rows), str(result)


TOTAL = ("tanh", "sigmoid", "neg", "+", "-", "*", "sin", "cos", "atan", "softplus")  # total


@given(expressions(min_inputs=1, max_inputs=1),
       expressions(min_inputs=1, max_inputs=1, operations=TOTAL),
       st.floats(-3, 3), st.floats(-3, 3))
def test_gradient_is_linear(f, g, a, b):
    x0 = f.inputs[0]
    x = Value(x0)
    (combined,) = grad(a * f(x) + b * g(x), [x])
    (df,), (dg,) = grad(f(x), [x]), grad(g(x), [x])
    assert combined == pytest.approx(a * df + b * dg, rel=1e-9, abs=1e-9)


@given(values(min_magnitude=0.2), values(min_magnitude=0.2))
def test_product_and_chain_rules(x0, y0):
    x, y = Value(x0), Value(y0)
    u, v = x.tanh(), (x * y).sigmoid()
    (d_product,) = grad(u * v, [x])
    (du,), (dv,) = grad(u, [x]), grad(v, [x])
    assert d_product == pytest.approx(du * v.data + u.data * dv, rel=1e-12, abs=1e-15)
    (d_chain,) = grad(u.exp(), [x])
    assert d_chain == pytest.approx(u.exp().data * du, rel=1e-12)


@given(values(min_magnitude=0.1))
def test_x_minus_x_and_x_over_x_have_zero_gradient(x0):
    x = Value(x0)
    assert grad(x - x, [x]) == [0.0]
    # x / x = x·x⁻¹: 1/x − x/x², zero up to the rounding of terms of size 1/|x|
    assert abs(grad(x / x, [x])[0]) <= 4 * sys.float_info.epsilon / abs(x0)


@given(expressions(max_steps=5))
def test_backward_twice_gives_twice_the_gradient(expr):
    xs = [Value(v) for v in expr.inputs]
    out = expr(*xs)
    out.backward()
    once = [x.grad for x in xs]
    out.backward()
    assert [x.grad for x in xs] == [2 * g for g in once]


@given(expressions())
def test_gradients_are_bit_identical_across_runs(expr):
    def run():
        xs = [Value(v) for v in expr.inputs]
        out = expr(*xs)
        out.backward()
        return [x.grad.hex() for x in xs], [v.op for v in topological_order(out)]

    assert run() == run()


# a user primitive, so that the forward-mode properties cover one: forward mode
# comes from its partials with nothing else defined
softsign = primitive("softsign_prop", lambda a: a / (1 + abs(a)),
                     lambda out, a: (1 / (1 + ops.abs(a)) ** 2,), singular_distance=abs)
WITH_USER = (*builtin_operations(), softsign)
FEW_WITH_USER = (softsign, "+", "-", "*", "sin", "max")  # the user primitive in most examples
units = st.lists(st.floats(-1, 1), min_size=3, max_size=3)


@given(expressions(max_outputs=4, operations=WITH_USER), units, st.lists(st.floats(-1, 1),
                                                                         min_size=4, max_size=4))
def test_jvp_and_vjp_are_adjoint(expr, u, v):
    """⟨u, Jᵀv⟩ = ⟨Ju, v⟩: the forward sweep and the reverse sweep compute the same
    linear map, to the rounding of their sums (bounded through |v|ᵀ|J||u|)."""
    n, m = len(expr.inputs), len(expr.outputs)
    u, v = u[:n], v[:m]
    _, Ju = jvp(expr, expr.inputs, u)
    _, pullback = vjp(expr, expr.inputs)
    vJ = pullback(v)
    lhs = math.fsum(a * b for a, b in zip(u, vJ, strict=True))
    rhs = math.fsum(a * b for a, b in zip(Ju, v, strict=True))
    xs = [Value(x) for x in expr.inputs]
    lin = Linearization(list(expr(*xs)), xs)
    scale = math.fsum(abs(b) * a for a, b in zip(lin.magnitude([abs(a) for a in u]), v,
                                                  strict=True))
    bound = 4 * (lin.operations + n + m) * sys.float_info.epsilon * scale
    assert abs(lhs - rhs) <= bound, str(expr)


@given(expressions(max_outputs=3, operations=FEW_WITH_USER))
def test_jacobians_by_columns_and_by_rows_agree_to_rounding(expr):
    rows, columns = jacobian(expr, expr.inputs), jacobian(expr, expr.inputs, mode="fwd")
    xs = [Value(x) for x in expr.inputs]
    lin = Linearization(list(expr(*xs)), xs)
    for j in range(len(xs)):
        e = [1.0 if i == j else 0.0 for i in range(len(xs))]
        for i, bound in enumerate(lin.magnitude(e)):
            assert abs(rows[i][j] - columns[i][j]) <= 1e-15 * bound, str(expr)
