"""gradcheck / gradgradcheck: they pass correct gradients, catch wrong ones, and
say clearly what went wrong."""

import math

import pytest
from hypothesis import find, given, settings

import nn
from autodiff import GradcheckError, Value, engine, gradcheck, gradgradcheck
from autodiff.strategies import expressions, values


@pytest.mark.parametrize("method", ["forward", "central", "five-point"])
def test_correct_gradients_pass_with_every_method(method):
    result = gradcheck(lambda x, y: (x * y).tanh() + y.exp() / x, [0.7, -1.3], method=method)
    assert result.ok and [r.label for r in result.rows] == ["x", "y"]
    assert all(r.verdict == "ok" for r in result.rows)


def test_central_differences_are_accurate_to_about_1e_10():
    result = gradcheck(lambda x: x.sigmoid() * x.log(), [2.5])
    assert result.rows[0].rel_error < 1e-9


def test_steps_follow_the_seed_notes():
    import sys

    eps = sys.float_info.epsilon
    def step(method, w):
        return gradcheck(lambda x: x * x, [w], method=method).rows[0].step

    assert step("forward", -3.0) == math.sqrt(eps) * 3.0  # ε = √ε_c·|w|
    assert step("forward", 0.0) == math.sqrt(eps)  # ... or √ε_c when that is 0
    assert step("central", 0.5) == eps ** (1 / 3)  # ε = ∛ε_c·max(1, |w|)
    assert step("central", -4.0) == eps ** (1 / 3) * 4.0
    assert gradcheck(lambda x: x * x, [2.0], eps=1e-3).rows[0].step == 1e-3


def test_a_number_bypassing_the_graph_fails_with_a_clear_message():
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: x * x.data, [1.5])  # x.data is a constant to the graph
    message = str(info.value)
    assert "∂f/∂x at x = 1.5" in message and "analytic 1.5" in message
    assert "numeric 2.99999" in message and "tolerance" in message


def test_a_wrong_local_derivative_is_caught(monkeypatch):
    right = engine._SIGMOID.partials
    # σ instead of σ(1 − σ)
    monkeypatch.setattr(engine._SIGMOID, "partials", lambda out, a, b: (out,))
    with pytest.raises(GradcheckError, match=r"∂f/∂w at w = 0\.3"):
        gradcheck(lambda w: (w * 2).sigmoid(), [0.3])
    monkeypatch.setattr(engine._SIGMOID, "partials", right)
    assert gradcheck(lambda w: (w * 2).sigmoid(), [0.3]).ok


def test_a_wrong_fast_backward_step_is_caught(monkeypatch):
    """backward() has hand-inlined steps for +, * and relu: gradcheck checks those."""

    def wrong_mul(v):
        a, b, g = v._a, v._b, v.grad
        a.grad += b.data * g
        b.grad += a.data * g * 1.001

    monkeypatch.setattr(engine._MUL, "accumulate", wrong_mul)
    with pytest.raises(GradcheckError, match="∂f/∂y"):
        gradcheck(lambda x, y: x * y, [0.5, 2.0])


def test_the_graphs_gradients_are_restored():
    x = Value(2.0)
    other = x * 3
    other.backward()
    assert gradcheck(lambda: x * x * 3, [x]).rows[0].analytic == 12.0
    assert (x.grad, other.grad) == (3.0, 1.0)


def test_a_hypothesis_property_finds_a_wrong_derivative_and_shrinks_it(monkeypatch):
    """tanh′ is replaced by 1 − tanh (wrong except where tanh x = 0 or 1)."""
    monkeypatch.setattr(engine._TANH, "partials", lambda out, a, b: (1.0 - out,))

    def gradient_is_wrong(expr) -> bool:
        return not gradcheck(expr, expr.inputs, raise_exception=False).ok

    smallest = find(expressions(), gradient_is_wrong,
                    settings=settings(derandomize=True, max_examples=500, database=None))
    assert "tanh" in str(smallest)
    assert len(smallest.steps) <= 2  # shrunk to (about) a lone tanh
    assert len(smallest.inputs) == 1


def test_kinks_are_reported_not_failed():
    result = gradcheck(lambda x: x.relu() * 3, [0.0])
    row = result.rows[0]
    assert result.ok and row.verdict == "not differentiable"
    assert (row.left, row.right) == (pytest.approx(0.0), pytest.approx(3.0))
    assert "differentiable" in str(result)


def test_a_kink_with_an_impossible_analytic_value_fails(monkeypatch):
    def minus_one(v):
        v._a.grad -= v.grad

    monkeypatch.setattr(engine._RELU, "accumulate", minus_one)
    with pytest.raises(GradcheckError, match="not differentiable here"):
        gradcheck(lambda x: x.relu(), [0.0])


def test_evaluation_errors_are_reported_as_such():
    result = gradcheck(lambda x: x.log(), [1e-7], raise_exception=False)
    assert not result.ok and result.rows[0].verdict == "error"
    assert "log" in result.rows[0].note and "1e-07" in result.rows[0].note


def test_result_table_and_html():
    result = gradcheck(lambda a, b: a * b, [2.0, 3.0])
    text = str(result)
    assert "all gradients agree" in text and "analytic" in text and text.count("\n") == 4
    assert "<table>" in result._repr_html_()
    bad = gradcheck(lambda a: a * a.data, [2.0], raise_exception=False)
    assert "FAILED" in str(bad) and "check failed" in bad._repr_html_()


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: gradcheck(lambda x: x, []), ValueError, "at least one"),
        (lambda: gradcheck(lambda x: x, ["1"]), TypeError, "inputs"),
        (lambda: gradcheck(lambda x: x, [math.nan]), TypeError, "inputs"),
        (lambda: gradcheck(lambda x: 1.0, [1.0]), TypeError, "must return a Value"),
        (lambda: gradcheck(3, [1.0]), TypeError, "callable"),
        (lambda: gradcheck(lambda x: x, [1.0], method="backward"), ValueError, "method"),
        (lambda: gradcheck(lambda x: x, [1.0], eps=0), ValueError, "eps"),
        (lambda: gradcheck(lambda x: x, [1.0], rtol=-1), ValueError, "rtol"),
    ],
)
def test_bad_arguments(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_a_whole_model_is_checked_and_left_as_it_was():
    model = nn.MLP(2, [3, 2], "tanh", "softmax", seed=4)
    before = model.state_dict()

    def loss():
        return nn.cross_entropy(model([0.3, -0.8]), [0.0, 1.0])

    result = gradcheck(loss, model.parameters())
    assert result.ok and len(result.rows) == model.num_parameters()
    assert result.rows[0].label == "w_11^(2)"
    assert model.state_dict() == before
    assert all(p.grad == 0.0 for p in model.parameters())


def test_gradgradcheck_checks_every_hessian_entry():
    result = gradgradcheck(lambda x, y: x**2 * y + (x * y).tanh(), [3.0, 2.0])
    assert result.ok and len(result.rows) == 4
    assert [r.label for r in result.rows] == ["∂²f/∂x∂x", "∂²f/∂y∂x", "∂²f/∂x∂y", "∂²f/∂y∂y"]


def test_gradgradcheck_catches_a_wrong_second_derivative(monkeypatch):
    # the first derivative stays right in float mode, but the graph built for
    # create_graph=True uses a wrong σ′ expression
    real = engine._SIGMOID.partials

    def wrong_in_graph_mode(out, a, b):
        return (out * (1.0 - out) * 1.0001,) if isinstance(out, Value) else real(out, a, b)

    monkeypatch.setattr(engine._SIGMOID, "partials", wrong_in_graph_mode)
    with pytest.raises(GradcheckError, match="∂²f/∂x∂x"):
        gradgradcheck(lambda x: x.sigmoid(), [0.4])


@settings(max_examples=50)
@given(x=values(min_magnitude=0.5))
def test_gradcheck_of_primitives_on_their_domains(x):
    for f in (lambda v: v.exp(), lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: v.relu(),
              lambda v: (v * v).log(), lambda v: v**3, lambda v: 1 / v, lambda v: 2**v):
        assert gradcheck(f, [x]).ok


def test_values_strategy_respects_its_bounds():
    @settings(max_examples=100)
    @given(values(min_value=-3.0, max_value=1.0, min_magnitude=0.5))
    def check(x):
        assert -3.0 <= x <= 1.0 and abs(x) >= 0.5

    check()
    with pytest.raises(Exception, match="min_value"):
        values(min_value=2.0, max_value=1.0).example()
