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
