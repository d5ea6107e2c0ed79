"""Loss targets must be what the loss means (issue 19, section 5):
`nn.cross_entropy_with_logits([a, b], [0.0, 5.0])` and `[-1.0, 2.0]` returned a loss.

Cross-entropy targets are one-hot or a probability vector (each d_k ≥ 0, Σ d_k = 1
within `nn.losses.TARGET_SUM_TOLERANCE`); binary targets are in [0, 1]. Anything else
is a ValueError naming the loss and the bad target, and the outputs are as before."""

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import nn
from autodiff import Value
from nn.losses import TARGET_SUM_TOLERANCE

CROSS = {"cross_entropy": (nn.cross_entropy, [0.2, 0.3, 0.5]),
         "cross_entropy_with_logits": (nn.cross_entropy_with_logits, [1.0, -2.0, 0.5])}
BINARY = {"binary_cross_entropy": (nn.binary_cross_entropy, 0.3),
          "binary_cross_entropy_with_logits": (nn.binary_cross_entropy_with_logits, -1.5)}


def outputs(numbers):
    return [Value(x) for x in numbers]


@pytest.mark.parametrize("d, words", [
    ([0.0, 5.0], r"the targets sum to 5\.0, not 1"),
    ([-1.0, 2.0], r"target 0 is negative \(-1\.0\)"),
    ([0.0, 0.0], "every target is 0"),
])
@pytest.mark.parametrize("name", sorted(CROSS))
def test_the_issues_cases(name, d, words):
    loss, _ = CROSS[name]
    y = outputs([0.4, 0.6])
    with pytest.raises(ValueError, match=rf"^{name}: {words}; expected one-hot or probability"):
        loss(y, d)
    assert all(v.grad == 0.0 for v in y)


probabilities = st.lists(st.floats(0.0, 1.0), min_size=1, max_size=6).filter(
    lambda w: sum(w) > 0.1).map(lambda w: [x / math.fsum(w) for x in w])


@given(st.sampled_from(sorted(CROSS)), probabilities)
def test_probability_vectors_and_one_hot_targets_are_accepted(name, d):
    loss, ys = CROSS[name]
    y = outputs((ys * 3)[:len(d)])
    assert math.isfinite(loss(y, d).data)
    one_hot = [0.0] * len(d)
    one_hot[-1] = 1
    assert math.isfinite(loss(y, one_hot).data)


@given(st.sampled_from(sorted(CROSS)), probabilities, st.integers(0, 5),
       st.floats(-100.0, 100.0, allow_nan=False))
def test_a_negative_target_or_a_sum_other_than_one_is_refused(name, d, k, shift):
    loss, ys = CROSS[name]
    bad = list(d)
    bad[k % len(bad)] += shift
    assume(min(bad) < 0 or abs(math.fsum(bad) - 1.0) > TARGET_SUM_TOLERANCE)
    y = outputs((ys * 3)[:len(bad)])
    with pytest.raises(ValueError) as info:
        loss(y, bad)
    message = str(info.value)
    assert message.startswith(f"{name}: ")
    assert "negative" in message or "sum to" in message or "every target is 0" in message
    assert "expected one-hot or probability targets" in message
    assert all(v.grad == 0.0 for v in y)


def test_the_sum_tolerance_is_the_stated_one():
    loss, _ = CROSS["cross_entropy"]
    y = outputs([0.5, 0.5])
    loss(y, [0.5, 0.5 + 0.9 * TARGET_SUM_TOLERANCE])
    with pytest.raises(ValueError, match="sum to"):
        loss(y, [0.5, 0.5 + 1.1 * TARGET_SUM_TOLERANCE])


@given(st.sampled_from(sorted(BINARY)),
       st.floats(allow_nan=False, allow_infinity=False).filter(lambda t: not 0 <= t <= 1),
       st.integers(1, 4), st.data())
def test_binary_targets_outside_zero_one_are_refused(name, t, n, data):
    loss, u = BINARY[name]
    d = data.draw(st.lists(st.floats(0.0, 1.0), min_size=n, max_size=n), label="d")
    j = data.draw(st.integers(0, n - 1), label="j")
    d[j] = t
    y = outputs([u] * n)
    with pytest.raises(ValueError) as info:
        loss(y, d)
    assert str(info.value).startswith(f"{name}: target {j} is {t!r}; binary targets must be "
                                      "in [0, 1]")
    assert all(v.grad == 0.0 for v in y)


@given(st.sampled_from(sorted(BINARY)), st.lists(st.floats(0.0, 1.0), min_size=1, max_size=4))
def test_binary_targets_in_zero_one_are_accepted(name, d):
    loss, u = BINARY[name]
    assert math.isfinite(loss(outputs([u] * len(d)), d).data)


def test_value_targets_are_not_read():
    """A compiled step's targets are leaf Values, replayed with new numbers: the
    loss cannot check them (reading one would be refused while recording)."""
    y = outputs([0.4, 0.6])
    assert math.isfinite(nn.cross_entropy(y, [Value(0.5), Value(0.5)]).data)
    with pytest.raises(ValueError, match="negative"):
        nn.cross_entropy(y, [Value(0.5), -0.5])  # the number among them still is
