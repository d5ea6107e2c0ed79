"""Losses: a Value labelled E, no `+ 0` or `× 1` nodes, a mean written as a
division by N, and a clear error for targets no loss can use."""

import pytest

import nn
from autodiff import Stepper, Value, topological_order

LOSSES = [
    (nn.squared_error, [0.3, -0.2], [0.5, 1.0]),
    (nn.binary_cross_entropy, [0.3, 0.8], [1.0, 0.0]),
    (nn.binary_cross_entropy_with_logits, [0.3, -2.0], [1.0, 0.0]),
    (nn.cross_entropy, [0.2, 0.8], [0.0, 1.0]),
    (nn.cross_entropy, [0.2, 0.8], [0.25, 0.75]),
    (nn.cross_entropy_with_logits, [0.3, -2.0], [1.0, 0.0]),
    (nn.hinge, [0.3, -2.0], [1.0, -1.0]),
]


def folded_constants(root):
    """(op, constant) of every node with a number folded in."""
    return [(v.op, a) for v in topological_order(root) for a in v.args
            if not isinstance(a, Value)]


@pytest.mark.parametrize("loss, y, d", LOSSES)
def test_every_loss_is_a_value_labelled_E_without_plus_zero_or_times_one(loss, y, d):
    outputs = [Value(v) for v in y]
    E = loss(outputs, d)
    assert isinstance(E, Value) and E.label == "E"
    E.backward()  # works on every loss: a Value, connected to the outputs
    assert any(v.grad for v in outputs)
    assert ("+", 0.0) not in folded_constants(E) and ("*", 1.0) not in folded_constants(E)


def test_an_nn_loss_reads_as_E_in_the_stepper():
    model = nn.MLP(2, [2, 1], "tanh", "sigmoid", seed=0)
    E = nn.binary_cross_entropy(model([1.0, 2.0]), [1.0])
    stepper = Stepper(E)
    assert stepper.names[E] == "E"
    text = "\n".join(map(str, stepper.steps))
    assert "∂E/∂u₁⁽³⁾ = " in text and "∂E/∂E = 1" in text  # the pictures' notation


def test_total_labels_E_and_each_sample_E_n():
    losses = [nn.squared_error([Value(v)], [0.0]) for v in (1.0, 2.0, 3.0)]
    E = nn.total(losses, "sum")
    assert E.label == "E" and [e.label for e in losses] == ["E_1", "E_2", "E_3"]
    assert E.data == 0.5 + 2.0 + 4.5


def test_total_starts_from_the_first_loss_and_divides_by_n():
    losses = [Value(1.0, "E"), Value(3.0, "E"), Value(8.0, "E")]
    E = nn.total(losses, "mean")
    assert E.data == 4.0
    (sum_node,) = E.inputs  # E = (Σ_n E_n) / N: one node for the division
    assert sum_node.data == 12.0
    nodes = topological_order(E)
    assert len(nodes) == 3 + 2 + 1  # three losses, two additions, the division
    assert ("+", 0.0) not in folded_constants(E)
    one = Value(2.5, "E")
    assert nn.total([one]) is one and nn.total([one], "sum") is one  # no × 1, no ÷ 1 node
    assert nn.total(iter(losses), "sum").data == 12.0


@pytest.mark.parametrize("losses, error, words", [
    ([], ValueError, "empty"),
    ([1.0, 2.0], TypeError, "item 0 is float"),
    ([Value(1.0), 0], TypeError, "item 1 is int"),
])
def test_total_refuses_what_is_not_a_minibatch_of_losses(losses, error, words):
    with pytest.raises(error, match=words):
        nn.total(losses)
    with pytest.raises(ValueError, match="reduction"):
        nn.total([Value(1.0)], "median")


@pytest.mark.parametrize("loss", [nn.cross_entropy, nn.cross_entropy_with_logits])
def test_all_zero_targets_are_refused_not_a_silent_zero(loss):
    """mypy found it: cross_entropy(y, [0, 0]) returned the int 0, and
    nn.total([...]).backward() then crashed. Such targets are no distribution."""
    y = [Value(0.4), Value(0.6)]
    with pytest.raises(ValueError, match="every target is 0"):
        loss(y, [0, 0])
    assert all(v.grad == 0.0 for v in y)


def test_outputs_must_be_values():
    with pytest.raises(TypeError, match="output 0 must be a Value"):
        nn.squared_error([0.5], [1.0])


def test_squared_error_is_half_the_sum_of_squares():
    y = [Value(1.5), Value(-1.0)]
    E = nn.squared_error(y, [0.5, 1.0])
    assert E.data == (1.0 + 4.0) / 2
    E.backward()
    assert [v.grad for v in y] == [1.0, -2.0]  # δ = y − d
