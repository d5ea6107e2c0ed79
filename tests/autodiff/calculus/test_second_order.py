"""Second order: gradgradcheck against finite differences of first derivatives,
and symmetric Hessians."""

import pytest
from hypothesis import given, settings

import nn
from autodiff import GradcheckError, Value, grad, gradgradcheck, ops
from autodiff.strategies import expressions

SMOOTH = ("exp", "log", "tanh", "sigmoid", "sqrt", "+", "-", "*", "/", "**", "sin", "cos", "tan",
          "asin", "acos", "atan", "sinh", "cosh", "softplus")


def test_gradgradcheck_checks_every_hessian_entry():
    # f = x²y + tanh(xy): the rows are ∂²f/∂x_i∂x_j, i fastest
    result = gradgradcheck(lambda x, y: x**2 * y + (x * y).tanh(), [3.0, 2.0])
    assert result.ok and [r.derivative for r in result.rows] == [
        "∂²f/∂x∂x", "∂²f/∂y∂x", "∂²f/∂x∂y", "∂²f/∂y∂y"]
    exact = [r.analytic for r in gradgradcheck(lambda x, y: x**2 * y, [3.0, 2.0]).rows]
    assert exact == [4.0, 6.0, 6.0, 0.0]  # [[2y, 2x], [2x, 0]]


def test_gradgradcheck_catches_a_wrong_second_derivative(monkeypatch):
    # first derivatives stay right (float mode, and the number of the graph
    # create_graph=True builds: the engine compares those), but that graph's own
    # derivative is wrong: it adds 1e-4·(a − a₀), 0 at a₀ but 1e-4 in slope
    real = ops.sigmoid.partials

    def wrong_in_graph_mode(out, a):
        if isinstance(out, Value):
            return (out * (1.0 - out) + 1e-4 * (a - a.data),)
        return real(out, a)

    monkeypatch.setattr(ops.sigmoid, "partials", wrong_in_graph_mode)
    with pytest.raises(GradcheckError, match=r"worst is ∂²f/∂x∂x at x = 0\.4: analytic"):
        gradgradcheck(lambda x: x.sigmoid(), [0.4])


def test_gradgradcheck_of_a_model_loss_leaves_the_model_as_it_was():
    model = nn.MLP(1, [2, 1], "tanh", seed=3)
    before = model.state_dict()
    params = model.named_parameters()[:3]
    result = gradgradcheck(lambda: nn.squared_error(model([0.7]), [0.2]), params)
    assert result.ok and len(result.rows) == 9
    assert model.state_dict() == before


@settings(max_examples=40)
@given(expressions(min_inputs=2, max_inputs=2, max_steps=4, operations=SMOOTH))
def test_second_derivatives_agree_with_finite_differences(expr):
    result = gradgradcheck(expr, expr.inputs, raise_exception=False)
    assert all(row.verdict == "ok" for row in result.rows), f"{expr}\n{result}"


@settings(max_examples=60)
@given(expressions(min_inputs=2, max_inputs=3, max_steps=6, operations=SMOOTH))
def test_hessians_are_symmetric(expr):
    xs = [Value(v) for v in expr.inputs]
    first = grad(expr(*xs), xs, create_graph=True)
    hessian = [grad(g, xs) for g in first]
    for i in range(len(xs)):
        for j in range(i):
            assert hessian[i][j] == pytest.approx(hessian[j][i], rel=1e-9, abs=1e-12)


def test_mixed_second_derivative_of_a_power_at_exponent_zero():
    # f = x**y: ∂²f/∂x∂y = x^(y−1)·(1 + y·ln x) = 1 at (1, 0)
    result = gradgradcheck(lambda x, y: x**y, [1.0, 0.0], raise_exception=False)
    assert result.rows[2].analytic == pytest.approx(1.0)
