"""step_sweep: the V-shaped error curve of finite differences, its rounding and
truncation estimates and their optima, measured against the engine's f′."""

import math
import sys

import pytest

from autodiff import step_sweep

EPS = sys.float_info.epsilon


def neuron_error(w):
    return ((w * 1.5 + 0.2).sigmoid() - 1.0) ** 2 / 2


@pytest.mark.parametrize("f, x", [(neuron_error, -0.8), (lambda x: x.sin() * x.exp(), 0.7),
                                  (lambda x: (x * x + 1).log(), 2.5)])
def test_the_error_is_a_v_whose_bottom_the_estimates_predict(f, x):
    study = step_sweep(f, x)
    forward, central = study.relative(study.forward), study.relative(study.central)
    assert forward[0] > 1e-2 and forward[-1] > 1e-2  # rounding left, truncation right
    assert min(forward) < 1e-6 and min(central) < 1e-9  # central wins at its best
    # at the estimated optima the measured errors are what the estimates say (the
    # bottom of the V is broad and noisy: a lucky cancellation may go far lower) ...
    for errors, rounding, truncation, optimum in (
            (study.forward, study.forward_rounding, study.forward_truncation,
             study.forward_optimum),
            (study.central, study.central_rounding, study.central_truncation,
             study.central_optimum)):
        k = min(range(len(study.steps)), key=lambda k: abs(math.log(study.steps[k] / optimum)))
        assert errors[k] <= 4 * (rounding[k] + truncation[k])
    assert study.forward_optimum / 100 < study.forward_best < study.forward_optimum * 100
    assert study.central_optimum / 100 < study.central_best < study.central_optimum * 100
    # ... and the optima lie near the rules √ε_c and ∛ε_c (f, f″, f‴ of order 1 here)
    assert study.sqrt_eps / 30 < study.forward_optimum < study.sqrt_eps * 30
    assert study.cbrt_eps / 30 < study.central_optimum < study.cbrt_eps * 30
    for k, h in enumerate(study.steps):
        if 1e-4 <= h <= 1e-2:  # right arm: truncation, as estimated within 30 %
            assert study.forward[k] == pytest.approx(study.forward_truncation[k], rel=0.3)
        if h <= 1e-11:  # left arm: rounding, at most a few times its estimate
            assert study.forward[k] <= 4 * study.forward_rounding[k]
            assert study.central[k] <= 4 * study.central_rounding[k]


def test_the_derivatives_come_from_the_engine():
    study = step_sweep(lambda x: x**3, 2.0, steps=[1e-3])
    assert (study.value, study.derivative, study.second, study.third) == (8.0, 12.0, 12.0, 6.0)
    assert study.forward[0] == pytest.approx(6 * 1e-3 + 1e-6, rel=1e-6)  # (f″/2)ε + ε²
    assert study.forward_optimum == pytest.approx(2 * math.sqrt(EPS * 8 / 12))
    assert study.central_optimum == pytest.approx((3 * EPS * 8 / 6) ** (1 / 3))


def test_where_truncation_vanishes_the_optimum_is_infinite():
    study = step_sweep(lambda x: x * 3 + 1, 0.5)
    assert study.forward_optimum == study.central_optimum == math.inf
    # a linear f has no truncation error: every error is rounding
    assert all(e <= 4 * r for e, r in zip(study.forward, study.forward_rounding, strict=True))


def test_a_step_where_f_fails_gets_nan_and_the_rest_is_measured():
    study = step_sweep(lambda x: x.log(), 0.5)
    assert math.isnan(study.central[-1]) and not math.isnan(study.forward[-1])
    assert study.central_best < 1e-3
    assert "least error" in str(study) and "estimated optimum" in str(study)


@pytest.mark.parametrize("call, error, words", [
    (lambda: step_sweep(3, 1.0), TypeError, "callable"),
    (lambda: step_sweep(lambda x: x.data, 1.0), TypeError, r"must return a Value.*\.data"),
    (lambda: step_sweep(lambda x: x, math.nan), ValueError, "x must be finite"),
    (lambda: step_sweep(lambda x: x, "1"), TypeError, "x must be a real number"),
    (lambda: step_sweep(lambda x: x, 1.0, steps=[]), ValueError, "non-empty"),
    (lambda: step_sweep(lambda x: x, 1.0, steps=[1e-3, -1.0]), ValueError, "> 0"),
    (lambda: step_sweep(lambda x: x, 1.0, steps=1e-3), TypeError, "sequence"),
])
def test_bad_input(call, error, words):
    with pytest.raises(error, match=words):
        call()


def test_the_plot_draws_both_curves_estimates_rules_and_optima():
    pytest.importorskip("matplotlib")
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    ax = step_sweep(neuron_error, -0.8).plot()
    labels = ax.get_legend_handles_labels()[1]
    assert labels[:2] == ["forward difference", "forward: rounding + truncation"]
    assert "central: estimated optimum" in labels and len(ax.lines) == 8
    plt.close(ax.figure)
