"""`step.sgd(params, lr)`: a compiled step fused with plain SGD, and NumPy arrays as the
arguments of a NumPy program.

The fused step must do what the compiled step followed by the user's SGD loop does
(w ← w − lr·∂E/∂w for every parameter, the model's Values holding the new numbers
after every call), all or nothing, and never through the parameters' `.grad`.
"""

from __future__ import annotations

import doctest
import math
import threading
from typing import ClassVar

import pytest

import nn
from autodiff import Value, compile, ops
from autodiff.compiler import api
from tests.autodiff.core.test_interrupts import (
    every_interrupt,
    loss_of,
    model,
    numbers,
    python_handles_sigint,  # noqa: F401 (the fixture, used below)
)

np = pytest.importorskip("numpy")

X, D = nn.datasets.moons(40, noise=0.1, seed=0)
LR = 0.05


def mlp_loss(m: nn.MLP):
    def loss(xs, ds):
        data = sum(nn.squared_error(m(x), d) for x, d in zip(xs, ds, strict=True))
        return data / len(xs) + 1e-4 * sum(p * p for p in m.parameters())
    return loss


def by_hand(backend: str, steps: int) -> tuple[list[float], list[float]]:
    """The compiled step and the user's SGD loop: the losses and the weights after."""
    m = nn.MLP(2, [6, 6, 1], "relu", seed=3)
    step = compile(mlp_loss(m), X, D, backend=backend)
    losses = []
    for _ in range(steps):
        losses.append(step(X, D))
        for p in m.parameters():
            p.data -= LR * p.grad
            p.grad = 0.0
    return losses, [p.data for p in m.parameters()]


def fused(backend: str, steps: int, arrays: bool = False) -> tuple[list[float], list[float]]:
    m = nn.MLP(2, [6, 6, 1], "relu", seed=3)
    train = compile(mlp_loss(m), X, D, backend=backend).sgd(m.parameters(), LR)
    args = (np.array(X), np.array(D)) if arrays else (X, D)
    losses = [train(*args) for _ in range(steps)]
    assert all(p.grad == 0.0 for p in m.parameters())  # never written
    return losses, [p.data for p in m.parameters()]


def test_the_docstrings_examples_hold():
    result = doctest.testmod(api)
    assert result.failed == 0 and result.attempted >= 6  # the module's and SGDStep's


def test_fused_sgd_is_the_python_backends_step_and_sgd_loop_bit_for_bit():
    assert fused("python", 5) == by_hand("python", 5)


@pytest.mark.parametrize("arrays", [False, True], ids=["lists", "arrays"])
def test_fused_sgd_with_the_numpy_backend_is_the_step_and_sgd_loop_within_rounding(arrays):
    (fused_losses, fused_weights), (losses, weights) = fused("numpy", 5, arrays), by_hand(
        "numpy", 5)
    assert fused_losses == pytest.approx(losses, rel=1e-12, abs=1e-14)
    largest = max(map(abs, weights))
    assert max(abs(a - b) for a, b in zip(fused_weights, weights, strict=True)) <= 1e-12 * largest


def test_numpy_arrays_as_arguments_replay_the_program_recorded_for_lists():
    m = nn.MLP(2, [4, 1], "tanh", seed=0)
    step = compile(mlp_loss(m), X, D, backend="numpy")
    twin = nn.MLP(2, [4, 1], "tanh", seed=0)
    twin_step = compile(mlp_loss(twin), X, D, backend="numpy")
    assert step(np.array(X), np.array(D)) == twin_step(X, D)
    assert [p.grad for p in m.parameters()] == [p.grad for p in twin.parameters()]
    assert step.traces == 1
    step(np.array(X[:10]), np.array(D[:10]))  # another shape: recorded anew
    assert step.traces == 2
    step(np.array(X, dtype=np.float32), np.array(D))  # not float64: walked as numbers
    assert step.traces == 2 and step.calls == 3


def test_the_parameters_grad_is_neither_read_nor_written_and_other_values_get_theirs():
    w, b, c = Value(1.0, "w"), Value(0.5, "b"), Value(2.0, "c")
    w.grad, b.grad, c.grad = 7.0, 8.0, 9.0
    step = compile(lambda x: (w * x + b - c) ** 2, 3.0)
    train = step.sgd([w, b], lr=0.1)
    assert train(3.0) == (3.0 + 0.5 - 2.0) ** 2
    r = 2 * (3.0 + 0.5 - 2.0)  # ∂E/∂(wx + b − c)
    assert (w.data, b.data, c.data) == (1.0 - 0.1 * (r * 3.0), 0.5 - 0.1 * r, 2.0)
    assert (w.grad, b.grad, c.grad) == (7.0, 8.0, 9.0 - r)  # c is no parameter: its grad


def test_a_parameter_the_loss_does_not_use_and_a_value_passed_as_argument():
    w, unused = Value(2.0), Value(5.0)
    train = compile(lambda x, v: w * v * x, 1.0, w).sgd([unused, w], lr=0.5)
    assert train(1.0, w) == 4.0  # E = w·w·x: ∂E/∂w = 2wx = 4
    assert (w.data, unused.data, w.grad) == (0.0, 5.0, 0.0)


def test_a_number_set_between_calls_is_the_next_calls_start():
    w = Value(1.0)
    train = compile(lambda x: w * x, 2.0).sgd([w], lr=1.0)
    train(2.0)
    assert w.data == -1.0
    w.data = 10.0
    train(2.0)
    assert w.data == 8.0


def test_a_new_value_that_is_not_finite_changes_nothing_and_names_the_parameter():
    w, v = Value(1e-10, "w"), Value(1.0, "v")
    train = compile(lambda x: w * x + v, 1e300).sgd([v, w], lr=1e10)  # ∂E/∂w = 1e300
    with pytest.raises(OverflowError, match=r"params\[1\] \(w\).*nothing was changed"):
        train(1e300)
    assert (w.data, v.data, w.grad, v.grad) == (1e-10, 1.0, 0.0, 0.0)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_domain_error_is_the_interpreters_and_changes_nothing(backend):
    w = Value(2.0)
    train = compile(lambda xs: sum(ops.log(w * x) for x in xs), [1.0] * 300,
                    backend=backend).sgd([w], lr=0.001)
    train([1.0] * 300)
    after = w.data
    with pytest.raises(ValueError, match="log"):
        train([1.0] * 299 + [-1.0])
    assert w.data == after and w.grad == 0.0
    assert math.isclose(after, 2.0 - 0.001 * 300 / 2.0)


@pytest.mark.parametrize("lr", [0, -0.1, math.inf, math.nan, True, "0.1"])
def test_a_bad_learning_rate_is_refused(lr):
    step = compile(lambda: Value(1.0) * 2.0)
    with pytest.raises(ValueError, match="lr must be a positive finite number"):
        step.sgd([Value(1.0)], lr=lr)


def test_bad_parameters_are_refused():
    step = compile(lambda: Value(1.0) * 2.0)
    w = Value(1.0)
    with pytest.raises(ValueError, match="empty"):
        step.sgd([], lr=0.1)
    with pytest.raises(ValueError, match=r"params\[1\] is params\[0\] again"):
        step.sgd([w, w], lr=0.1)
    with pytest.raises(TypeError, match=r"params\[1\] is a float, not a Value"):
        step.sgd([w, 1.0], lr=0.1)
    with pytest.raises(TypeError, match="a list of Values, got Value"):
        step.sgd(w, lr=0.1)


def test_calls_from_several_threads_take_turns():
    w = Value(0.0)
    train = compile(lambda x: w * x, 1.0, backend="numpy").sgd([w], lr=1.0)

    def run():
        for _ in range(200):
            train(1.0)
    threads = [threading.Thread(target=run) for _ in range(4)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert w.data == -800.0  # no update lost


@pytest.mark.usefixtures("python_handles_sigint")  # SIGINT may be ignored (a background job)
@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_fused_step_sets_every_parameter_or_none_at_any_line(backend):
    trains: dict[int, api.SGDStep] = {}

    def make():
        m = model()
        trains[id(m)] = compile(lambda: loss_of(m), backend=backend).sgd(m.parameters(), lr=0.1)
        trains[id(m)]()  # recorded and compiled: what follows are compiled steps
        return m

    every_interrupt(make, lambda m: trains[id(m)](), numbers)


class Logged(Value):
    """A Value whose `data` property logs every read and write."""

    log: ClassVar[list[str]] = []

    @property
    def data(self):
        Logged.log.append("read")
        return Value.data.fget(self)

    @data.setter
    def data(self, number):
        Logged.log.append("written")
        Value.data.fset(self, number)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_subclass_defining_data_anew_is_read_and_written_through_it(backend):
    w = Logged(1.0)
    step = compile(lambda xs: sum(w * x for x in xs), [2.0] * 300, backend=backend)
    train = step.sgd([w], lr=0.5)
    Logged.log.clear()
    assert train([2.0] * 300) == 600.0
    assert Logged.log == ["read", "written"] and w.data == 1.0 - 0.5 * 600.0


class LoggedGrad(Value):
    """A Value whose `grad` property logs every read."""

    log: ClassVar[list[str]] = []

    @property
    def grad(self):
        LoggedGrad.log.append("grad read")
        return Value.grad.fget(self)

    @grad.setter
    def grad(self, number):
        Value.grad.fset(self, number)


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_a_compiled_step_reads_the_grad_of_a_subclass_through_its_own_property(backend):
    w = LoggedGrad(1.0)
    step = compile(lambda xs: sum(w * x for x in xs), [2.0] * 300, backend=backend)
    LoggedGrad.log.clear()
    step([2.0] * 300)
    assert LoggedGrad.log == ["grad read"] and w.grad == 600.0


def test_an_array_argument_reaches_a_python_program_the_numpy_backend_fell_back_to():
    w = Value(0.5)

    def chain(xs):
        y = w
        for x in xs:
            y = (y * x).tanh()
        return y
    xs = [1.1] * 100
    with pytest.warns(UserWarning, match="nodes per array operation"):
        step = compile(chain, xs, backend="numpy")
    assert "NumPy backend" not in step.source
    expected = chain(xs)
    expected.backward()
    w_grad, w.grad = w.grad, 0.0
    assert step(np.array(xs)) == expected.data and w.grad == w_grad  # bit for bit
