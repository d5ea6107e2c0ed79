"""gradcheck / gradgradcheck: they pass correct gradients, catch wrong ones, and
say clearly what went wrong."""

import math

import pytest
from hypothesis import find, given, settings

import autodiff
import nn
from autodiff import GradcheckError, Value, gradcheck, gradgradcheck, ops
from autodiff.strategies import Step, expressions, values


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


def test_a_wrong_local_derivative_is_caught_and_its_primitive_named(monkeypatch):
    right = ops.sigmoid.partials
    # σ instead of σ(1 − σ)
    monkeypatch.setattr(ops.sigmoid, "partials", lambda out, a: (out,))
    with pytest.raises(GradcheckError, match=r"∂f/∂w at w = 0\.3") as info:
        gradcheck(lambda w: (w * 2).sigmoid(), [0.3])
    assert "The primitive 'sigmoid' is wrong" in str(info.value)
    assert "sigmoid" in info.value.result.diagnosis
    monkeypatch.setattr(ops.sigmoid, "partials", right)
    assert gradcheck(lambda w: (w * 2).sigmoid(), [0.3]).ok


def test_a_wrong_fast_backward_step_is_caught(monkeypatch):
    """backward() has hand-inlined steps for +, −, ×, neg and relu: gradcheck checks
    those, and says that the primitives' own derivatives are right."""

    def wrong_mul(v):
        a, b, g = v._a, v._b, v._adjoint
        a._adjoint += b.data * g
        b._adjoint += a.data * g * 1.001

    monkeypatch.setattr(ops.mul.forms.value_value, "accumulate", wrong_mul)
    with pytest.raises(GradcheckError, match="∂f/∂y") as info:
        gradcheck(lambda x, y: x * y, [0.5, 2.0])
    assert "a step of the sweep is wrong" in info.value.result.diagnosis


def test_the_graphs_gradients_are_restored():
    x = Value(2.0)
    other = x * 3
    other.backward()
    assert gradcheck(lambda: x * x * 3, [x]).rows[0].analytic == 12.0
    assert (x.grad, other.grad) == (3.0, 1.0)


TODAYS_BUILTINS = ("+", "-", "*", "/", "neg", "**", "relu", "exp", "log", "sqrt", "sin", "cos",
                   "tan", "asin", "acos", "atan", "sinh", "cosh", "tanh", "sigmoid", "softplus",
                   "abs", "max", "min", "log_sum_exp")


def test_a_hypothesis_property_finds_a_wrong_derivative_and_shrinks_it(monkeypatch):
    """tanh′ is replaced by 1 − tanh (wrong except where tanh x = 0 or 1)."""
    monkeypatch.setattr(ops.tanh, "partials", lambda out, a: (1.0 - out,))

    def gradient_is_wrong(expr) -> bool:
        return not gradcheck(expr, expr.inputs, raise_exception=False).ok

    # the operations named, not "every built-in": a new built-in would send this fixed
    # search down another path (which may end in a longer expression)
    smallest = find(expressions(operations=TODAYS_BUILTINS), gradient_is_wrong,
                    settings=settings(derandomize=True, max_examples=500, database=None))
    assert smallest.steps == (Step(ops.tanh, (0,)),)  # shrunk to a lone tanh(x0) ...
    assert len(smallest.inputs) == 1 and abs(smallest.inputs[0]) >= 0.5  # ... where it is wrong
    with pytest.raises(GradcheckError, match=r"worst is ∂f/∂x0 at x0 = "):
        gradcheck(smallest, smallest.inputs)


def test_a_hypothesis_property_finds_a_number_bypassing_the_graph_and_shrinks_it():
    """A user's function that reads .data of an intermediate result: the check
    fails as soon as the bypassed factor matters, and the example shrinks."""

    def leaky(expr):
        def f(*xs):
            y = expr(*xs)
            return y * y.data  # y.data is a constant to the graph: half of d(y²) is lost
        return f

    smallest = find(expressions(), lambda e: not gradcheck(leaky(e), e.inputs,
                                                           raise_exception=False).ok,
                    settings=settings(derandomize=True, max_examples=200, database=None))
    operations = [s for s in smallest.steps if not (s.primitive is ops.add and  # not shifts
                                                     isinstance(s.operands[1], float))]
    assert len(operations) == 1 and len(smallest.inputs) == 1, str(smallest)
    with pytest.raises(GradcheckError, match=r"worst is ∂f/∂x0 at x0 = .*analytic .*numeric"):
        gradcheck(leaky(smallest), smallest.inputs)


def test_kinks_are_reported_not_failed():
    result = gradcheck(lambda x: x.relu() * 3, [0.0])
    row = result.rows[0]
    assert result.ok and row.verdict == "not differentiable"
    assert (row.left, row.right) == (pytest.approx(0.0), pytest.approx(3.0))
    assert "differentiable" in str(result)


def test_a_kink_with_an_impossible_analytic_value_fails(monkeypatch):
    def minus_one(v):
        v._a._adjoint -= v._adjoint

    monkeypatch.setattr(ops.relu.forms.unary, "accumulate", minus_one)
    with pytest.raises(GradcheckError, match="not differentiable at or within ε of here"):
        gradcheck(lambda x: x.relu(), [0.0])


def test_evaluation_errors_are_reported_as_such():
    result = gradcheck(lambda x: x.log(), [1e-7], raise_exception=False)
    assert not result.ok and result.rows[0].verdict == "error"
    assert "log" in result.rows[0].note and "1e-07" in result.rows[0].note


def test_result_table_and_html():
    result = gradcheck(lambda a, b: a * b, [2.0, 3.0])
    text = str(result)
    assert text.splitlines() == [
        "gradcheck (central differences): all 2 derivatives agree",
        "derivative  value  analytic  numeric  abs error  rel error  verdict",
        "----------  -----  --------  -------  ---------  ---------  -------",
        f"∂f/∂a       2      3         3        {result.rows[0].abs_error:.2e}   "
        f"{result.rows[0].rel_error:.2e}   ok",
        f"∂f/∂b       3      2         2        {result.rows[1].abs_error:.2e}   "
        f"{result.rows[1].rel_error:.2e}   ok",
    ]
    assert "<table>" in result._repr_html_() and "<td>∂f/∂a</td>" in result._repr_html_()
    bad = gradcheck(lambda a: a * a.data, [2.0], raise_exception=False)
    assert "FAILED for 1 of 1 derivative\n" in str(bad) and "FAILED" in bad._repr_html_()


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


@settings(max_examples=50)
@given(x=values(min_magnitude=0.5))
def test_gradcheck_of_primitives_on_their_domains(x):
    for f in (lambda v: v + v, lambda v: v + 3, lambda v: v * v, lambda v: v * 3,
              lambda v: v.exp(), lambda v: v.tanh(), lambda v: v.sigmoid(), lambda v: v.relu(),
              lambda v: (v * v).log(), lambda v: v**3, lambda v: (v * v) ** v, lambda v: 2**v,
              lambda v: 1 / v, lambda v: 3 - v, lambda v: v / 2):
        assert gradcheck(f, [x], rtol=1e-6).rows[0].verdict == "ok"


def test_errors_carry_the_result_and_are_assertion_errors():
    with pytest.raises(AssertionError) as info:
        gradcheck(lambda x, y: x * y.data + y, [2.0, 5.0])
    assert isinstance(info.value, GradcheckError)
    assert [r.verdict for r in info.value.result.rows] == ["ok", "FAIL"]
    assert str(info.value).startswith("gradient check failed: worst is ∂f/∂y at y = 5.0")


def test_an_input_cut_off_from_the_graph_is_named_as_such():
    with pytest.raises(GradcheckError, match=r"x does not reach f's output.*\.data"):
        gradcheck(lambda x: Value(x.data * 2), [1.0])


def test_a_domain_error_at_the_point_itself_propagates_with_a_note():
    with pytest.raises(ValueError, match="log") as info:
        gradcheck(lambda x, y: (x - y).log(), [1.0, 2.0])
    assert "gradcheck was asked to check: x = 1.0, y = 2.0" in info.value.__notes__[0]


def test_a_non_value_result_is_a_clear_type_error():
    with pytest.raises(TypeError, match=r"f must return a Value, got float: 2\.0.*\.data"):
        gradcheck(lambda x: x.data * 2, [1.0])


def test_near_a_kink_the_row_says_not_differentiable_instead_of_failing():
    # relu's kink at 0 lies within ε (6e-6) of 3e-6: the central difference is 0.75, not 1
    row = gradcheck(lambda x: x.relu(), [3e-6]).rows[0]
    assert row.verdict == "not differentiable" and row.numeric == pytest.approx(0.75, abs=0.01)
    assert gradcheck(lambda x: x.relu(), [1e-3]).rows[0].verdict == "ok"


@pytest.mark.parametrize("f, x", [
    (lambda x: (x * 1000).tanh(), 1e-3),  # steep: f‴/f′ ≈ 1e6
    (lambda x: (x * 30).exp(), 1.0),  # large: f ≈ 1e13
    (lambda x: x**3 * 1e9 - x * 3e9, 1.0),  # f′ = 0 exactly, f″ large
    (lambda x: (x * x + 0.01).log(), 0.1),  # f″ = 0, curvature on a scale of 0.1
])
def test_correct_gradients_of_awkward_functions_still_pass(f, x):
    """The rounding and truncation terms of the tolerance keep these from failing."""
    for method in ("forward", "central"):
        assert gradcheck(f, [x], method=method).rows[0].verdict == "ok"


def _uses(p):
    """A function of one input that uses primitive p where it is smooth at x ∈ [0.5, 2]."""
    if p.arity == 1:
        return lambda x: p(x * 0.3) if p.name in ("asin", "acos", "tan") else p(x * x)
    return lambda x: p(x * x + 0.1, x)


INLINED = ("+", "-", "*", "neg", "relu")  # steps that do not call partials: see test_engine
KINKED = ("relu", "abs", "max", "min")  # tested at and away from their kinks elsewhere


@settings(max_examples=10)
@given(x=values(min_magnitude=0.5))
def test_every_primitive_passes_and_a_derivative_off_by_1e_4_always_fails(x):
    for p in autodiff.primitives.values():
        if not p.builtin or p.name in INLINED + KINKED:
            continue
        f = _uses(p)
        assert gradcheck(f, [x]).ok, p.name
        right = p.partials
        with pytest.MonkeyPatch.context() as mp:
            mp.setattr(p, "partials", lambda out, *operands, right=right: tuple(
                d * 1.0001 for d in right(out, *operands)))
            with pytest.raises(GradcheckError, match=f"∂f/∂x at x = {x!r}") as info:
                gradcheck(f, [x])
            assert repr(p.name) in info.value.result.diagnosis, p.name


def test_models_are_labelled_by_parameter_name_and_restored_even_after_errors():
    model = nn.MLP(2, [2, 1], "relu", seed=1)
    before = model.state_dict()
    result = gradcheck(lambda: model([0.5, -1.0])[0] ** 2, model.named_parameters())
    assert [r.label for r in result.rows] == [name for name, _ in model.named_parameters()]
    calls = []

    def fails_later():
        calls.append(1)
        if len(calls) > 1:
            raise ZeroDivisionError("boom")
        return model([0.5, -1.0])[0]

    assert gradcheck(fails_later, model.parameters(), raise_exception=False).rows[0].verdict \
        == "error"
    assert model.state_dict() == before
    with pytest.raises(ValueError, match="twice"):
        gradcheck(lambda: model([1.0, 1.0])[0], [model.parameters()[0]] * 2)


# -- checks that scale: modes, orders, random directions -----------------------------


def test_both_modes_are_checked_against_differences_and_against_each_other():
    result = gradcheck(lambda x, y: (x * y).tanh() + y.exp() / x, [0.7, -1.3],
                       modes=("rev", "fwd"))
    assert result.ok and [r.derivative for r in result.rows] == [
        "∂f/∂x [rev]", "∂f/∂x [fwd]", "∂f/∂y [rev]", "∂f/∂y [fwd]"]
    assert [r.mode for r in result.rows] == ["rev", "fwd"] * 2
    assert "modes rev and fwd" in result.summary
    rev, fwd = result.rows[0].analytic, result.rows[1].analytic
    assert abs(rev - fwd) <= 4e-16 * abs(rev)  # the same partials, summed in another order


def test_a_wrong_reverse_step_shows_as_a_disagreement_between_the_modes(monkeypatch):
    def wrong_mul(v):
        a, b, g = v._a, v._b, v._adjoint
        a._adjoint += b.data * g
        b._adjoint += a.data * g * (1 + 1e-9)  # far below what differences can see

    monkeypatch.setattr(ops.mul.forms.value_value, "accumulate", wrong_mul)
    plain = gradcheck(lambda x, y: x * y, [0.5, 2.0], raise_exception=False)
    assert plain.ok  # 1e-9 hides in the finite differences' tolerance ...
    both = gradcheck(lambda x, y: x * y, [0.5, 2.0], modes=("rev", "fwd"),
                     raise_exception=False)
    assert not both.ok  # ... but not from forward mode
    (disagreement,) = [r for r in both.rows if not r.ok]
    assert disagreement.derivative == "∂f/∂y fwd vs rev" and disagreement.mode == "fwd and rev"
    assert "more than the rounding bound" in disagreement.note


def test_order_two_checks_second_derivatives_by_both_modes(monkeypatch):
    f = lambda x, y: x**2 * y + (x * y).tanh()  # noqa: E731
    result = gradcheck(f, [3.0, 2.0], modes=("fwd", "rev"), order=2)
    assert result.ok and len(result.rows) == 4 + 8 and result.rows[4].order == 2
    assert result.rows[4].derivative == "∂²f/∂x∂x [fwd]"
    second = [r.analytic for r in gradgradcheck(f, [3.0, 2.0]).rows]
    assert [r.analytic for r in result.rows[4:] if r.mode == "rev"] == second
    real = ops.sigmoid.partials

    def wrong_in_graph_mode(out, a):  # first derivatives right (the numbers of both
        # modes: the engine compares those), second ones wrong: + 1e-4·(a − a₀)
        if isinstance(out, Value):
            return (out * (1.0 - out) + 1e-4 * (a - a.data),)
        return real(out, a)

    monkeypatch.setattr(ops.sigmoid, "partials", wrong_in_graph_mode)
    bad = gradcheck(lambda x: x.sigmoid(), [0.4], modes=("fwd", "rev"), order=2,
                    raise_exception=False)
    assert [r.verdict for r in bad.rows] == ["ok", "ok", "FAIL", "FAIL"]


def test_order_three_along_random_directions():
    result = gradcheck(lambda x, y: (x * y).sin() + x.exp() * y, [0.3, -0.6], fast=True,
                       order=3, modes=("rev", "fwd"))
    assert result.ok and [r.derivative for r in result.rows][-2:] == [
        "∂³f/∂u2∂v2∂w2 [rev]", "∂³f/∂u2∂v2∂w2 [fwd]"]
    first = gradcheck(lambda x, y: (x * y).sin() + x.exp() * y, [0.3, -0.6], fast=True)
    assert [r.analytic for r in first.rows] == [r.analytic for r in result.rows[:4:2]]


def counting(f):
    calls = []

    def counted():
        calls.append(1)
        return f()
    return counted, calls


def test_fast_check_of_a_network_costs_a_few_evaluations_not_one_per_parameter():
    model = nn.MLP(2, [32, 32, 1], "tanh", seed=0)
    before = model.state_dict()
    loss, calls = counting(lambda: nn.squared_error(model([0.5, -1.0]), [0.2]))
    result = gradcheck(loss, model.parameters(), fast=True)
    assert result.ok and len(result.rows) == 2 and all(r.random_direction for r in result.rows)
    assert model.num_parameters() == 1185 and len(calls) == 1 + 5 * 2
    assert model.state_dict() == before
    assert "along 2 random directions" in result.summary
    again = gradcheck(loss, model.parameters(), fast=True)
    other = gradcheck(loss, model.parameters(), fast=True, seed=1, directions=1)
    assert again.rows == result.rows and other.rows[0].analytic != result.rows[0].analytic


def test_a_failed_fast_check_falls_back_to_the_inputs_and_names_the_worst(monkeypatch):
    model = nn.MLP(2, [3, 1], "tanh", seed=0)
    right = ops.tanh.partials
    monkeypatch.setattr(ops.tanh, "partials", lambda out, a: tuple(
        d * 1.001 for d in right(out, a)))
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda: nn.squared_error(model([0.5, -1.0]), [0.2]),
                  model.named_parameters(), fast=True)
    result = info.value.result
    n = model.num_parameters()
    assert len(result.rows) == 2 + n and not any(r.random_direction for r in result.rows[2:])
    assert "per-input rows of order 1 follow" in result.note
    assert not result.worst.random_direction  # the message names an input ...
    assert str(info.value).startswith(f"gradient check failed: worst is ∂f/∂{result.worst.label}")
    assert "The primitive 'tanh' is wrong" in result.diagnosis  # ... and the primitive
    alone = gradcheck(lambda: nn.squared_error(model([0.5, -1.0]), [0.2]),
                      model.named_parameters(), fast=True, fallback=False, raise_exception=False)
    assert len(alone.rows) == 2 and not alone.ok and not alone.note


def test_a_failure_weighs_the_discrepancy_against_the_differences_own_uncertainty():
    with pytest.raises(GradcheckError, match=r"finite-difference uncertainty \S+, discrepancy 2"
                                             r": the analytic derivative is wrong"):
        gradcheck(lambda x, y: x * y.data + y, [2.0, 5.0])
    row = gradcheck(lambda x: x.sin(), [1.0]).rows[0]
    assert 0 < row.uncertainty < row.tolerance and row.abs_error < row.uncertainty
    table = str(gradcheck(lambda x: x * x.data, [2.0], raise_exception=False))
    assert "FAIL (tolerance" in table and "FD uncertainty" in table


@pytest.mark.parametrize("options, error, words", [
    ({"modes": ("reverse",)}, ValueError, "modes"),
    ({"modes": "rev"}, ValueError, "modes"),
    ({"modes": ("rev", "rev")}, ValueError, "modes"),
    ({"order": 0}, ValueError, "order"),
    ({"directions": 0, "fast": True}, ValueError, "directions"),
    ({"seed": "1", "fast": True}, TypeError, "seed"),
])
def test_bad_options_of_the_scaling_checks(options, error, words):
    with pytest.raises(error, match=words):
        gradcheck(lambda x: x * x, [1.0], **options)
