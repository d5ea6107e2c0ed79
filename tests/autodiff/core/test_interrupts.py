"""Ctrl-C at any line: every operation that promises "all or nothing" leaves the
graph, its gradients and the model exactly as before the call or exactly as after it.

Two ways in. `interrupted_at(k, op)` runs `op` and, at the k-th line the library
executes, calls the SIGINT handler that is in force at that moment, as a real Ctrl-C
would: Python's own handler raises KeyboardInterrupt there, `uninterrupted()` holds it
to the end of its block. Every k is tried, from the first line to the last. Then real
SIGINTs, sent by a timer thread at many moments during a larger operation.
"""

from __future__ import annotations

import dis
import gc
import os
import random
import signal
import sys
import threading
from collections.abc import Callable
from functools import partial
from pathlib import Path

import pytest

import nn
from autodiff import Value, compile, grad, gradcheck, jacobian, scope, uninterrupted, vjp, zero_grad


@pytest.fixture(autouse=True)
def python_handles_sigint():
    """Ctrl-C as in a user's program: Python's own handler (a pytest-xdist worker
    ignores SIGINT otherwise)."""
    previous = signal.signal(signal.SIGINT, signal.default_int_handler)
    yield
    signal.signal(signal.SIGINT, previous)


LIBRARY = tuple(str(Path(__import__(name).__file__).parent) for name in ("autodiff", "nn"))


PROTOCOL = ("__enter__", "__exit__")
"""Where no Ctrl-C is injected: inside a context manager's own methods, and where a
`with` block has ended and its `__exit__` is about to be called (`at_with_exit`).
CPython cannot protect those (a KeyboardInterrupt there skips the cleanup; PEP 419,
bpo-29988); real signals are checked at calls and loop jumps, inside the protected
block, so they rarely land there. The library keeps those methods to a few lines and
holds SIGINT inside them where it matters (`uninterrupted`)."""


def at_with_exit(frame) -> bool:
    """Is frame about to call a `with` block's `__exit__` (three Nones, then a call)?"""
    code = frame.f_code
    if code not in _WITH_EXITS:
        ops = list(dis.get_instructions(code))
        _WITH_EXITS[code] = {
            op.offset for i, op in enumerate(ops)
            if all(o.opname == "LOAD_CONST" and o.argval is None for o in ops[i:i + 3])
            and len(ops[i:i + 3]) == 3}
    return frame.f_lasti in _WITH_EXITS[code]


_WITH_EXITS: dict = {}  # code -> offsets where a with block's exit begins


def interrupted_at(k: int, op: Callable[[], object]) -> bool:
    """Run op with a Ctrl-C at the k-th line the library runs; True if it was interrupted."""
    count = 0

    def trace(frame, event, arg):
        nonlocal count
        if not frame.f_code.co_filename.startswith(LIBRARY) or frame.f_code.co_name in PROTOCOL:
            return trace
        if event == "line" and not at_with_exit(frame):
            count += 1
            if count == k:
                handler = signal.getsignal(signal.SIGINT)
                assert callable(handler)
                handler(signal.SIGINT, frame)  # Python's handler raises KeyboardInterrupt
        return trace

    sys.settrace(trace)
    try:
        op()
    except KeyboardInterrupt:
        return True
    finally:
        sys.settrace(None)
    return False


def every_interrupt(make: Callable[[], object], op: Callable[[object], object],
                    state: Callable[[object], object]) -> int:
    """For every line k of op: a fresh `make()`, op interrupted at line k, and the state
    is the one before or the one after. Returns how many lines were tried."""
    thresholds = gc.get_threshold()
    fresh = make()
    before = state(fresh)
    op(fresh)
    after = state(fresh)
    assert before != after, "the operation must change something for the test to mean it"
    k = 0
    while True:
        k += 1
        subject = make()
        if not interrupted_at(k, partial(op, subject)):
            assert state(subject) == after
            return k
        assert state(subject) in (before, after), f"a Ctrl-C at line {k} left a mixed state"
        assert gc.get_threshold() == thresholds, f"a Ctrl-C at line {k} left gc deferred"
        assert no_scope_is_open(), f"a Ctrl-C at line {k} left a scope open"
        assert another_thread_can_differentiate(), f"a Ctrl-C at line {k} left a lock held"


def no_scope_is_open() -> bool:
    """New Values get no scope: every `autodiff.scope` entered was left."""
    with scope("probe"):
        return Value(0.0).scope == "probe"


def another_thread_can_differentiate() -> bool:
    """A backward() in another thread finishes: no lock of the sweep was left held."""
    x = Value(2.0)
    thread = threading.Thread(target=(x * x).backward)
    thread.start()
    thread.join(timeout=10)
    return not thread.is_alive() and x.grad == 4.0


def model() -> nn.MLP:
    m = nn.MLP(2, [3, 1], "tanh", seed=0)
    loss_of(m).backward()  # gradients already there: backward() must add to them
    return m


def loss_of(m: nn.MLP) -> Value:
    return nn.squared_error(m([0.3, -1.0]), [0.5])


def numbers(m: nn.MLP) -> list[tuple[float, float]]:
    return [(p.data, p.grad) for p in m.parameters()]


def test_backward_is_all_or_nothing_at_every_line():
    made: dict[int, Value] = {}

    def make():
        m = model()
        made[id(m)] = loss_of(m)
        return m

    tried = every_interrupt(make, lambda m: made[id(m)].backward(), numbers)
    assert tried > 50


@pytest.mark.parametrize("transform", ["grad", "vjp", "jacobian"])
def test_grad_vjp_and_jacobian_never_write_a_grad_at_any_line(transform):
    def op(m):
        params = m.parameters()
        if transform == "grad":
            grad(loss_of(m), params)
        elif transform == "vjp":
            vjp(lambda: [loss_of(m)], params)[1]([1.0])
        else:
            jacobian(lambda: [loss_of(m)], params)
        m.layers[0].neurons[0].b.data += 1.0  # the change that marks "after"

    every_interrupt(model, op, numbers)


def test_gradcheck_puts_every_parameter_back_at_any_line():
    def make():
        m = nn.MLP(1, [1], "tanh", seed=0)
        nn.squared_error(m([0.5]), [0.2]).backward()
        return m

    def op(m):
        neuron = m.layers[0].neurons[0]
        gradcheck(lambda: nn.squared_error(m([0.5]), [0.2]), [neuron.b])
        neuron.b.data += 1.0  # "after"

    every_interrupt(make, op, numbers)


def test_a_compiled_step_adds_all_its_gradients_or_none():
    steps: dict[int, Callable] = {}

    def make():
        m = model()
        steps[id(m)] = compile(lambda: loss_of(m))
        steps[id(m)]()  # recorded and compiled: what follows are compiled steps
        return m

    every_interrupt(make, lambda m: steps[id(m)](), numbers)


def test_load_state_dict_sets_every_parameter_or_none():
    other = nn.MLP(2, [3, 1], "tanh", seed=1).state_dict()
    every_interrupt(model, lambda m: m.load_state_dict(other), numbers)


@pytest.mark.parametrize("clear", ["zero_grad()", "autodiff.zero_grad"])
def test_zeroing_gradients_is_all_or_nothing(clear):
    def op(m):
        if clear == "zero_grad()":
            m.zero_grad()
        else:
            zero_grad(m.parameters())

    every_interrupt(model, op, numbers)


def test_a_held_interrupt_is_delivered_when_the_block_ends():
    done = []
    with pytest.raises(KeyboardInterrupt), uninterrupted():
        signal.getsignal(signal.SIGINT)(signal.SIGINT, None)
        done.append("the block went on")
    assert done == ["the block went on"]
    assert signal.getsignal(signal.SIGINT) is signal.default_int_handler


def test_outside_the_main_thread_uninterrupted_changes_no_handler():
    seen = []

    def run():
        with uninterrupted():
            seen.append(signal.getsignal(signal.SIGINT))

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    assert seen == [signal.default_int_handler]


def test_real_sigints_at_random_moments_leave_the_model_before_or_after():
    """A timer thread sends SIGINT to this process at random moments during
    backward() of a larger model; each time the parameters' gradients are the ones
    before the call or the ones after, never a mix."""
    rng = random.Random(0)
    m = nn.MLP(2, [24, 24, 1], "tanh", seed=0)
    batch = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(8)]
    interrupted = 0
    for _ in range(40):
        loss = nn.total([nn.squared_error(m(x), [0.5]) for x in batch])
        before = [p.grad for p in m.parameters()]
        timer = threading.Timer(rng.uniform(0.0, 0.004), os.kill, (os.getpid(), signal.SIGINT))
        try:  # one SIGINT per timer: at most one KeyboardInterrupt, wherever it lands
            timer.start()
            try:
                loss.backward()
            finally:
                timer.join()
        except KeyboardInterrupt:
            interrupted += 1
            timer.join()
        grads = [p.grad for p in m.parameters()]
        if grads != before:  # then exactly one more loss's gradient was added
            fresh = nn.MLP(2, [24, 24, 1], "tanh", seed=0)
            fresh.load_state_dict(m.state_dict())
            expected = grad(nn.total([nn.squared_error(fresh(x), [0.5]) for x in batch]),
                            fresh.parameters())
            assert all(abs(g - b - e) <= 1e-9 * (1 + abs(g))
                       for g, b, e in zip(grads, before, expected, strict=True))
    assert interrupted > 0  # the timer did interrupt some calls


@pytest.mark.parametrize("optimizer", ["SGD", "SGD momentum", "Adam"])
def test_an_optimiser_step_moves_every_parameter_and_its_state_or_none(optimizer):
    optimisers: dict[int, nn.Optimizer] = {}

    def make():
        m = model()
        opt = (nn.Adam(m, lr=0.01) if optimizer == "Adam"
               else nn.SGD(m, lr=0.1, momentum=0.9 if "momentum" in optimizer else 0.0))
        opt.step()  # a first step: state that the second must move whole
        optimisers[id(m)] = opt
        return m

    def state(m):
        opt = optimisers[id(m)]
        return numbers(m), {k: v for k, v in vars(opt).items() if k.startswith("_")}

    every_interrupt(make, lambda m: optimisers[id(m)].step(), state)
