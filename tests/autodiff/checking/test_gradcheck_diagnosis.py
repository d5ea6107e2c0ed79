"""gradcheck's diagnosis, kinks and display: a failure says why, names the wrong
node, shows it in a diagram and the Stepper, and fits on a screen; a valid
subgradient at a kink is recognised (and accepted on request)."""

import math

import pytest

import nn
from autodiff import GradcheckError, Value, gradcheck, ops, primitive
from autodiff.checking.diagnosis import CHAIN, FACTOR, MODES


@pytest.fixture
def mysig():
    """σ with an extra factor of 2 in its derivative."""
    return primitive("mysig", ops.sigmoid.forward, lambda out, a: (2 * out * (1 - out),),
                     formula=["2σ({a})(1 − σ({a}))"])


def test_a_failure_names_the_bug_and_its_node(mysig):
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda x: mysig(x * 3) + x, [0.3])
    result = info.value.result
    (d,) = result.diagnoses
    assert (d.name, d.primitive, d.operand) == (FACTOR, "mysig", 1)
    assert d.analytic == pytest.approx(2 * d.numeric)
    node = result.wrong_node
    assert node is d.node and node.primitive is mysig and node.data == pytest.approx(
        ops.sigmoid(0.9))
    message = str(info.value)
    assert "The primitive 'mysig' is wrong" in message and "σ" not in message.split("\n")[0]
    assert "Likely bug: constant factor: 2× the numerical value at every one of" in message
    assert "an extra factor of 2" in message


def test_a_passing_check_has_no_diagnosis_and_nothing_to_draw():
    result = gradcheck(lambda x: x.sigmoid(), [0.3])
    assert result.diagnoses == () and result.wrong_node is None and result.output is None
    with pytest.raises(ValueError, match="the check passed"):
        result.draw()
    with pytest.raises(ValueError, match="the check passed"):
        result.stepper()


def test_the_neurons_missing_inner_factor_through_gradcheck():
    neuron = primitive("neuron_wrong", lambda w, x, b: ops.sigmoid.forward(w * x + b),
                       lambda out, w, x, b: (out * (1 - out), out * (1 - out) * w,
                                             out * (1 - out)))
    result = gradcheck(lambda w, x, b: neuron(w, x, b), [0.8, 1.5, -0.2],
                       raise_exception=False)
    assert [(d.operand, d.name) for d in result.diagnoses] == [(1, CHAIN)]
    assert [r.ok for r in result.rows] == [False, True, True]


def test_partials_that_only_work_on_floats_fail_at_order_two_and_say_so():
    bad = primitive("exp_math", ops.exp.forward, lambda out, a: (math.exp(a),))
    assert gradcheck(bad, [0.7]).ok  # right with floats ...
    with pytest.raises(GradcheckError) as info:  # ... but a constant to the second order
        gradcheck(bad, [0.7], order=2)
    assert [d.name for d in info.value.result.diagnoses] == [MODES]


def test_a_model_is_left_as_it_was_after_a_diagnosed_failure(mysig):
    model = nn.MLP(2, [3, 1], seed=2)
    before = model.state_dict()
    result = gradcheck(lambda: mysig(model([0.5, -1.0])[0]), model.named_parameters(),
                       raise_exception=False)
    assert result.diagnoses[0].name == FACTOR
    assert model.state_dict() == before and all(p.grad == 0.0 for p in model.parameters())


def test_the_short_form_fits_on_a_screen_and_the_table_has_every_row(mysig):
    model = nn.MLP(2, [4, 4, 1], seed=1)  # 37 parameters
    result = gradcheck(lambda: mysig(model([0.5, -1.0])[0]) * 3, model.named_parameters(),
                       raise_exception=False)
    short, full = str(result), result.table()
    assert len(short.splitlines()) <= 25
    failing = sum(not r.ok for r in result.rows)
    assert failing > 0 and f"... and {37 - min(failing, 12)} more rows" in short
    assert "result.table() shows every row" in short
    assert all(r.derivative in full for r in result.rows)
    assert len(full.splitlines()) > 37 and "more rows" not in full
    html = result._repr_html_()
    assert html.count("<tr style=") == min(failing, 12)
    assert "<th>likely bug</th>" in html and "<td>constant factor</td>" in html


def test_draw_highlights_the_wrong_node_with_both_derivatives(mysig):
    result = gradcheck(lambda x: mysig(x * 3) + x, [0.3], raise_exception=False)
    note = result.notes()[result.wrong_node]
    assert note == str(result.diagnoses[0].note)
    assert note == "∂mysig/∂a by partials: 0.411\nnumerically: 0.2055\nlikely bug: constant factor"
    source = result.draw().source
    assert "numerically: 0.2055" in source and "likely bug: constant factor" in source
    assert source.count("#c8102e") >= 1 and "#ffb000" in source  # red border, highlight fill


def test_the_stepper_marks_the_wrong_nodes_step_and_frames(mysig):
    result = gradcheck(lambda x: mysig(x * 3) + x, [0.3], raise_exception=False)
    stepper = result.stepper()
    marked = [s for s in stepper.steps if "⚠" in s.text]
    assert len(marked) == 1 and marked[0].node is result.wrong_node
    assert "  ⚠ ∂mysig/∂a by partials: 0.411\n    numerically: 0.2055\n" in marked[0].text
    assert "numerically: 0.2055" in stepper.frame(0).source


def test_notes_are_checked():
    x = Value(1.0)
    from autodiff import Stepper, draw

    with pytest.raises(TypeError, match="notes must map Values to str"):
        draw(x * 2, notes={x: 3})
    with pytest.raises(TypeError, match="notes must map Values to str"):
        Stepper(x * 2, notes=["x"])


# -- kinks --------------------------------------------------------------------------


def test_a_kink_says_the_analytic_value_is_a_valid_subgradient():
    result = gradcheck(lambda x: x.relu() * 3, [0.0])
    (row,) = result.rows
    assert row.verdict == "not differentiable" and row.valid_subgradient is True
    assert "a valid subgradient" in str(result) and "not checked" in result.summary


def test_valid_subgradients_can_be_accepted():
    result = gradcheck(lambda x, y: x.relu() * 3 + abs(y), [0.0, 0.0], subgradients="accept")
    assert result.ok and [r.verdict for r in result.rows] == ["subgradient"] * 2
    assert all(r.valid_subgradient for r in result.rows)
    assert result.summary.endswith("2 at a kink as a valid subgradient")
    assert "ok: a valid subgradient at a kink (left 0, right 3)" in str(result)
    away = gradcheck(lambda x: x.relu(), [1.0], subgradients="accept").rows[0]
    assert away.verdict == "ok" and away.valid_subgradient is None


def test_valid_subgradients_along_random_directions():
    f = lambda x, y: x.relu() + y * y  # noqa: E731
    skipped = gradcheck(f, [0.0, 0.5], fast=True, directions=3)
    accepted = gradcheck(f, [0.0, 0.5], fast=True, directions=3, subgradients="accept")
    assert all(r.random_direction and r.left is not None for r in skipped.rows)
    assert [r.verdict for r in skipped.rows] == ["not differentiable"] * 3
    assert accepted.ok and [r.verdict for r in accepted.rows] == ["subgradient"] * 3
    for r in accepted.rows:  # the directional derivative between the one-sided slopes
        assert min(r.left, r.right) - 1e-6 <= r.analytic <= max(r.left, r.right) + 1e-6


def test_an_impossible_value_at_a_kink_is_not_a_subgradient(monkeypatch):
    monkeypatch.setattr(ops.relu.forms.unary, "accumulate",
                        lambda v: setattr(v._a, "_adjoint", v._a._adjoint - v._adjoint))
    result = gradcheck(lambda x: x.relu(), [0.0], subgradients="accept", raise_exception=False)
    (row,) = result.rows
    assert not result.ok and row.valid_subgradient is False
    assert "a kink (left 0, right 1) and not a subgradient" in str(result)


def test_bad_subgradients_option():
    with pytest.raises(ValueError, match="subgradients must be 'skip' or 'accept'"):
        gradcheck(lambda x: x, [1.0], subgradients="yes")


def test_when_every_operation_agrees_the_fault_is_elsewhere():
    """Notebook 06's bug: x.data in the graph. (σ − 1)² has a negative base, which
    `**`'s conservative singular distance marks; the differences still check it."""
    result = gradcheck(lambda w, x, b: ((w * x.data + b).sigmoid() - 1.0) ** 2 / 2,
                       [-0.8, 1.5, 0.2], raise_exception=False)
    assert result.diagnoses == () and result.wrong_node is None
    assert result.diagnosis.startswith("Each of the 6 operations of f's graph agrees")


def test_an_operation_too_near_a_pole_is_said_to_be_unchecked():
    result = gradcheck(lambda x: x * x.data + 1 / (x + 1e-6) * 1e-12, [0.0],
                       raise_exception=False)
    assert not result.ok and result.diagnoses == ()
    assert "1 could not be checked there (at or too near a kink, a pole" in result.diagnosis
