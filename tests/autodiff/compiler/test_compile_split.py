"""A long program is written as several functions (python_backend.SPLIT_CHARS,
CHUNK_CHARS); here the limits are made tiny, so that small graphs are split
into many parts, and every result must still be the interpreter's, bit for bit."""

from __future__ import annotations

import random
import struct

import pytest
from hypothesis import given, settings

from autodiff import Value, compile, ops
from autodiff.compiler import python_backend
from autodiff.strategies import expressions


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


@pytest.fixture
def tiny_parts(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(python_backend, "SPLIT_CHARS", 300)
    monkeypatch.setattr(python_backend, "CHUNK_CHARS", 150)


def mlp_loss(points: int):
    rng = random.Random(3)
    w1 = [[Value(rng.uniform(-1, 1)) for _ in range(2)] for _ in range(3)]
    w2 = [Value(rng.uniform(-1, 1)) for _ in range(3)]
    params = [*(w for row in w1 for w in row), *w2]

    def loss(xs, ys):
        total = []
        for (a, b), y in zip(xs, ys, strict=True):
            hidden = [(row[0] * a + row[1] * b).relu() for row in w1]
            score = sum((w * h for w, h in zip(w2, hidden, strict=True)), Value(0.0))
            total.append((1 + -y * score).relu())
        return sum(total) * (1.0 / len(total)) + 1e-4 * sum(p * p for p in params)
    return loss, params


def data(points: int, seed: int):
    rng = random.Random(seed)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(points)]
    return xs, [1.0 if a * b > 0 else -1.0 for a, b in xs]


@pytest.mark.parametrize("points", [3, 130])  # 130: more than MAX_TERMS terms per weight
def test_a_split_program_is_the_interpreter_bit_for_bit(tiny_parts, points):
    loss, params = mlp_loss(points)
    step = compile(loss, *data(points, 0))
    assert step.source.count("\ndef step_") > 3  # it is split
    for seed in (1, 2):
        xs, ys = data(points, seed)
        value = step(xs, ys)
        compiled = [p.grad for p in params]
        for p in params:
            p.grad = 0.0
        out = loss(xs, ys)
        out.backward()
        assert bits(value) == bits(out.data)
        assert list(map(bits, compiled)) == [bits(p.grad) for p in params]
        for p in params:
            p.grad = 0.0
    assert step.interpreted == 0


def test_many_terms_are_summed_as_they_come_in_the_sweeps_order():
    """A weight read by more than MAX_TERMS products: its gradient is summed in
    statements of at most MAX_TERMS terms, the first written as soon as its terms
    are there, bit for bit the sweep's sum."""
    loss, params = mlp_loss(250)
    xs, ys = data(250, 0)
    step = compile(loss, xs, ys)
    value = step(xs, ys)
    compiled = [p.grad for p in params]
    for p in params:
        p.grad = 0.0
    out = loss(xs, ys)
    out.backward()
    assert bits(value) == bits(out.data)
    assert list(map(bits, compiled)) == [bits(p.grad) for p in params]
    assert step.source.count("\ndef ") == 0  # not split: short enough
    assert step.interpreted == 0


@settings(max_examples=30)
@given(expressions(max_steps=8))
def test_split_expressions_are_the_interpreter_bit_for_bit(expr):
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(python_backend, "SPLIT_CHARS", 60)
        patch.setattr(python_backend, "CHUNK_CHARS", 40)
        xs = [Value(x) for x in expr.inputs]
        step = compile(expr, *xs)
        ys = [Value(x) for x in expr.inputs]
        out = expr(*ys)
        out.backward()
        assert bits(step(*xs)) == bits(out.data)
        assert [bits(x.grad) for x in xs] == [bits(y.grad) for y in ys]
        assert step.interpreted == 0, step.source


def test_a_split_program_fails_and_branches_as_the_interpreter_does(tiny_parts, monkeypatch):
    """A comparison in one part, a value that is not finite in another: the step
    replays; where the comparison comes out otherwise, the error is the
    interpreter's and no gradient changes."""
    monkeypatch.setattr(python_backend, "SPLIT_CHARS", 100)
    monkeypatch.setattr(python_backend, "CHUNK_CHARS", 80)
    def fn(w, x):
        u = w * x
        v = u * 1e300 * 1e300 if u > 0 else u * u  # u > 0: an overflow
        return ops.tanh(v) + u * u + w * w

    w = Value(0.5)
    step = compile(lambda x: fn(w, x), -1.0)
    assert step.source.count("\ndef step_") > 1
    got = step(-2.0)
    fresh = Value(0.5)
    out = fn(fresh, -2.0)
    out.backward()
    assert bits(got) == bits(out.data) and bits(w.grad) == bits(fresh.grad)
    w.grad = 0.0
    with pytest.raises(OverflowError) as compiled:  # the other branch, and an overflow
        step(3.0)
    with pytest.raises(OverflowError) as interpreted:
        fn(Value(0.5), 3.0)
    assert str(compiled.value) == str(interpreted.value) and w.grad == 0.0
