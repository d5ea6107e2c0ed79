"""Threads: several threads building, differentiating, stepping and drawing separate
graphs at once, inside `autodiff.scope`s and `nn.record`s, get exactly what one thread
gets (scopes and recordings live in contextvars)."""

import sys
import threading

import pytest

import nn
from autodiff import Stepper, draw, grad, scope


@pytest.fixture(autouse=True)
def switch_often():
    old = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)  # switch threads as often as possible
    yield
    sys.setswitchinterval(old)


def at_once(run, args) -> None:
    """run(arg) for each arg, each in its own thread, all started before any is joined."""
    threads = [threading.Thread(target=run, args=(arg,)) for arg in args]
    for t in threads:
        t.start()
    for t in threads:
        t.join()


def work(seed: int) -> dict:
    """Everything a notebook does with one model, as plain data to compare."""
    model = nn.MLP(2, [3, 2], "tanh", seed=seed)
    x = [0.1 * seed, -0.5]
    with scope(f"run{seed}"), nn.record(model) as rec:
        E = nn.total([nn.squared_error(model(x), [0.2, -0.1]), nn.squared_error(model(x), [0, 1])])
    E.backward()
    with nn.record(model) as inner:  # nested: this thread's own
        model(x)
    return {
        "grads": [p.grad for p in model.parameters()],
        "grad()": grad(E, model.parameters()),
        "deltas": rec.deltas(),
        "scopes": sorted({v.scope.split("/")[0] for layer in rec.u for s in layer for v in s}),
        "inner": [len(layer) for layer in inner.u],
        "steps": [str(s) for s in Stepper(E).steps],
        "dot": draw(E, max_nodes=1000).source,
    }


def test_threads_at_once_get_what_one_thread_gets():
    seeds = list(range(6))
    alone = {s: work(s) for s in seeds}
    together: dict[int, dict] = {}
    barrier = threading.Barrier(len(seeds))

    def run(s: int) -> None:
        barrier.wait()
        together[s] = work(s)

    at_once(run, seeds)
    assert together == alone
    assert all(r["scopes"] == [f"run{s}"] and r["inner"] == [1, 1] for s, r in alone.items())
    with nn.record(nn.MLP(1, [1])) as rec:  # nothing left active by the threads
        pass
    assert rec.u == [[]]


def test_threads_recording_one_shared_model_each_get_their_own_calls():
    shared, other = nn.MLP(2, [3, 2], "tanh", seed=0), nn.MLP(2, [3, 2], "tanh", seed=1)
    calls = {"a": 40, "b": 70, "c": 55}
    inputs = {"a": [0.1, 0.2], "b": [-1.0, 0.5], "c": [2.0, -0.3]}
    models = {"a": shared, "b": shared, "c": other}
    barrier = threading.Barrier(len(calls))
    records = {}

    def run(name):
        model, x = models[name], inputs[name]
        with nn.record(model) as rec:
            barrier.wait()
            for _ in range(calls[name]):
                model(x)
        records[name] = rec

    at_once(run, calls)
    for name, rec in records.items():
        alone = [v.data for v in models[name](inputs[name])]
        assert [len(layer) for layer in rec.u] == [calls[name]] * 2, name
        assert all([z.data for z in sample] == alone for sample in rec.z[1]), name


def shared_model_work(model, seed: int, calls: int):
    """The inputs of one thread's `calls` backward calls on the shared model."""
    import random

    rng = random.Random(seed)
    return [[[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(3)] for _ in range(calls)]


def loss_of(model, batch):
    return nn.total([nn.squared_error(model(x), [0.5]) for x in batch])


@pytest.mark.parametrize("threads", [2, 4, 8])
def test_threads_differentiating_one_shared_model_lose_no_gradient(threads):
    """backward() in N threads on one model adds exactly the serial sum (to rounding:
    the additions may come in another order), whatever the interleaving."""
    model = nn.MLP(2, [16, 16, 1], "tanh", seed=0)
    work = {t: shared_model_work(model, t, 15 + 3 * t) for t in range(threads)}
    serial = nn.MLP(2, [16, 16, 1], "tanh", seed=0)
    for batches in work.values():
        for batch in batches:
            loss_of(serial, batch).backward()
    expected = [p.grad for p in serial.parameters()]
    barrier = threading.Barrier(threads)

    def run(t: int) -> None:
        barrier.wait()
        for batch in work[t]:
            loss_of(model, batch).backward()

    at_once(run, work)
    got = [p.grad for p in model.parameters()]
    largest = max(map(abs, expected))
    assert max(abs(a - b) for a, b in zip(got, expected, strict=True)) <= 1e-12 * largest


def test_grad_in_some_threads_and_backward_in_others_do_not_disturb_each_other():
    """grad() never writes a .grad, not even for a moment; backward() adds its own."""
    model = nn.MLP(2, [8, 1], "tanh", seed=3)
    batches = shared_model_work(model, 7, 20)
    serial = nn.MLP(2, [8, 1], "tanh", seed=3)
    for batch in batches:
        loss_of(serial, batch).backward()
    expected_grads = [p.grad for p in serial.parameters()]
    serial.zero_grad()
    expected_grad = [grad(loss_of(serial, b), serial.parameters()) for b in batches]
    got: dict[str, list] = {}

    def run(kind: str) -> None:
        if kind == "backward":
            for batch in batches:
                loss_of(model, batch).backward()
        else:
            got[kind] = [grad(loss_of(model, b), model.parameters()) for b in batches]

    at_once(run, ["backward", "grad1", "grad2"])
    largest = max(map(abs, expected_grads))
    assert max(abs(p.grad - e) for p, e in zip(model.parameters(), expected_grads,
                                                strict=True)) <= 1e-12 * largest
    assert got["grad1"] == expected_grad and got["grad2"] == expected_grad
