"""An optimiser step that would make a parameter infinite or nan raises, naming the
parameter, and changes nothing (issue 19, section 5).

Every variant: SGD, SGD with momentum, Adam; the parameters given as a model, as
`named_parameters()` or as a list of Values; gradients from tiny to 1e308 and
learning rates up to 1e308. Where a step raises, the parameters, their gradients and
the optimiser's own state (velocity, moments, step count: seen through a twin that
never took the failed step) are as before."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autodiff import Value

KINDS = {
    "SGD": lambda params, lr: nn.SGD(params, lr=lr),
    "SGD momentum": lambda params, lr: nn.SGD(params, lr=lr, momentum=0.9),
    "Adam": lambda params, lr: nn.Adam(params, lr=lr),
}
GIVEN = {
    "model": lambda m: m,
    "named": lambda m: m.named_parameters(),
    "values": lambda m: m.parameters(),
}


def model():
    return nn.MLP(2, [3, 2], seed=7)


def set_grads(m, grads):
    for p, g in zip(m.parameters(), grads, strict=False):
        p.grad = g


def snapshot(m):
    return [(name, p.data, p.grad) for name, p in m.named_parameters()]


def sane_steps(m, opt, n=2):
    """n ordinary steps, so that the velocity and the moments are not zero."""
    for k in range(n):
        set_grads(m, [0.1 * (i % 5 - 2) + 0.01 * k for i in range(m.num_parameters())])
        opt.step()


grads = st.lists(st.floats(-1e308, 1e308, allow_nan=False, allow_infinity=False)
                 | st.sampled_from([0.0, 1e-300, -1.0, 1e154, -1e200, 1e308]),
                 min_size=17, max_size=17)
lrs = st.sampled_from([1e-3, 0.1, 1.0, 1e150, 1e300, 1e308]) | st.floats(1e-6, 1e308)


@given(st.sampled_from(sorted(KINDS)), st.sampled_from(sorted(GIVEN)), lrs, grads)
def test_a_step_is_finite_or_raises_naming_the_parameter_and_changes_nothing(
        kind, given_as, lr, hostile):
    m, twin = model(), model()
    opt, twin_opt = KINDS[kind](GIVEN[given_as](m), lr), KINDS[kind](GIVEN[given_as](twin), lr)
    sane_steps(m, opt)
    sane_steps(twin, twin_opt)
    set_grads(m, hostile)
    before = snapshot(m)
    try:
        opt.step()
    except OverflowError as exc:
        message = str(exc)
        assert snapshot(m) == before
        assert message.startswith(f"{type(opt).__name__}.step(): ")
        assert "nothing was changed" in message
        names = [name for name, _, _ in before]
        if given_as == "values":
            assert "parameter " in message and ("(w_" in message or "(b_" in message)
        else:
            assert any(f" of {name} would be " in message for name in names), message
        # the optimiser's state is the twin's, which never took the failed step
        sane_steps(m, opt, 1)
        sane_steps(twin, twin_opt, 1)
        assert snapshot(m) == snapshot(twin)
    else:
        assert all(math.isfinite(p.data) for p in m.parameters())


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_the_issues_case_a_huge_learning_rate_names_the_path(kind):
    """nn.SGD(..., lr=1e308) wrote inf into 10 of 13 parameters, with no error."""
    m = nn.MLP(2, [3, 1], "tanh", seed=1)
    E = nn.total([nn.squared_error(m([x, 2.0]), [50.0]) for x in (1.0, -1.0, 0.5)])
    E.backward()
    assert sum(abs(p.grad) > 2.0 for p in m.parameters()) >= 3
    before = snapshot(m)
    opt = KINDS[kind](m, 1e308)
    with pytest.raises(OverflowError) as info:
        opt.step()
    assert snapshot(m) == before
    name = str(info.value).split(" of ", 1)[1].split(" would be ")[0]
    assert name in dict(m.named_parameters())
    p = dict(m.named_parameters())[name]
    assert f"value {p.data!r}, grad {p.grad!r}" in str(info.value)


def test_given_plain_values_the_error_names_position_and_label():
    a, b = Value(1.0, "a"), Value(2.0)
    a.grad, b.grad = 1.0, -1e10
    opt = nn.SGD([a, b], lr=1e300)
    with pytest.raises(OverflowError, match=r"the new value of parameter 1 would be inf"):
        opt.step()
    assert (a.data, b.data) == (1.0, 2.0)
    a.grad, b.grad = -1e10, 0.0
    with pytest.raises(OverflowError, match=r"of parameter 0 \(a\) would be inf"):
        opt.step()


def test_adams_second_moment_overflowing_is_refused_not_a_silent_stop():
    """g² beyond the float range made v̂ = inf, and every later update 0."""
    p = Value(0.5, "p")
    opt = nn.Adam([p], lr=0.1)
    p.grad = 1e200
    with pytest.raises(OverflowError, match=r"second-moment estimate .* would be inf"):
        opt.step()
    assert p.data == 0.5
    p.grad = 1.0
    opt.step()
    fresh = Value(0.5)
    fresh.grad = 1.0
    nn.Adam([fresh], lr=0.1).step()
    assert p.data == fresh.data  # its first step: the failed one left no trace


def test_a_parameter_given_twice_is_refused():
    m = model()
    params = m.parameters()
    with pytest.raises(ValueError, match=r"parameter 17 is given twice \(as parameter 0"):
        nn.SGD([*params, params[0]], lr=0.1)
    named = m.named_parameters()
    with pytest.raises(ValueError, match=r"x is given twice \(as layers\.0\.neurons\.0\.w\.0\)"):
        nn.Adam([*named, ("x", params[0])])


def test_ordinary_steps_are_the_textbook_formulas():
    p = Value(1.0)
    p.grad = 0.5
    sgd = nn.SGD([p], lr=0.1, momentum=0.9)
    sgd.step()
    sgd.step()  # v = 0.5, then 0.9·0.5 + 0.5 = 0.95
    assert p.data == 1.0 - 0.1 * 0.5 - 0.1 * 0.95
