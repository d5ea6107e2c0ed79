"""A minibatch's code that repeats per data point is written once, as a loop
(`compile(..., loops=True)`, autodiff.compiler.repeats): every result must still
be the interpreter's, bit for bit, and the program must fail where it fails."""

from __future__ import annotations

import math
import random
import struct

import pytest
from hypothesis import assume, given

from autodiff import Value, compile, ops, primitive
from autodiff.compiler import python_backend, repeats, tracing
from autodiff.strategies import expressions

LOOP = "# the code that repeats, once"


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


fma = primitive("l_fma", lambda x, y, z: x * y + z, lambda out, x, y, z: (y, x, 1.0))


def parameters(n: int, seed: int = 3) -> list[Value]:
    rng = random.Random(seed)
    return [Value(rng.uniform(-1, 1), f"w{i}") for i in range(n)]


def mlp(w: list[Value]):
    """2-3-1, relu, max-margin loss + 1e-4·Σw² (micrograd's demo in small)."""
    def loss(xs, ys):
        total = []
        for (a, b), y in zip(xs, ys, strict=True):
            hidden = [(w[2 * i] * a + w[2 * i + 1] * b + w[6 + i]).relu() for i in range(3)]
            score = sum((v * h for v, h in zip(w[9:12], hidden, strict=True)), w[12])
            total.append((1 + -y * score).relu())
        return sum(total) * (1.0 / len(total)) + 1e-4 * sum(p * p for p in w)
    return loss


def smooth(w: list[Value]):
    """tanh and a user primitive without code (called), squared error."""
    def loss(xs, ys):
        out = []
        for (a, b), y in zip(xs, ys, strict=True):
            h = fma(w[0], a, w[1] * b).tanh()
            out.append((ops.sigmoid(w[2] * h + w[3]) - y) ** 2)
        return sum(out) / len(out)
    return loss


def product(w: list[Value]):
    """Two carried values, each read by the other's next and by adjoints:
    acc ← acc·(1 + w0·a/10) + s/100, s ← s + log(1 + e^(w1·b + y))·acc."""
    def loss(xs, ys):
        acc, s = Value(1.0), Value(0.0)
        for (a, b), y in zip(xs, ys, strict=True):
            acc, s = (acc * (1 + w[0] * a * 0.1) + s * 0.01,
                      s + ops.log(1 + ops.exp(w[1] * b + y)) * acc)
        return acc * s + w[2] ** 2
    return loss


def powered(w: list[Value]):
    """A primitive that checks its operands (a Value exponent) and terms that may
    not be finite (sqrt's, log's)."""
    def loss(xs, ys):
        return sum(ops.sqrt((w[0] * a) ** 2 + 1.0) * (b * b + 1.0) ** w[1]
                   + ops.log(w[2] * w[2] + y * y) for (a, b), y in zip(xs, ys, strict=True))
    return loss


MODELS = {"mlp": (mlp, 13), "smooth": (smooth, 4), "product": (product, 3),
          "powered": (powered, 3)}


def data(points: int, seed: int):
    rng = random.Random(seed)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(points)]
    return xs, [1.0 if a * b > 0 else -1.0 for a, b in xs]


def same_as_interpreter(loss, w: list[Value], step, *args) -> float:
    """step(*args) against loss(*args).backward(), from zero gradients: the loss
    and w's gradients bit for bit. Returns the loss."""
    for p in w:
        p.grad = 0.0
    value = step(*args)
    compiled = [p.grad for p in w]
    for p in w:
        p.grad = 0.0
    out = loss(*args)
    out.backward()
    assert bits(value) == bits(out.data)
    assert list(map(bits, compiled)) == [bits(p.grad) for p in w]
    return value


@pytest.mark.parametrize("name", MODELS)
@pytest.mark.parametrize("points", [8, 130])  # 130: more than MAX_TERMS terms per weight
def test_a_loop_is_the_interpreter_bit_for_bit(name, points):
    make, n = MODELS[name]
    w = parameters(n)
    loss = make(w)
    step = compile(loss, *data(points, 0), loops=True)
    assert LOOP in step.source
    for seed in (1, 2):
        same_as_interpreter(loss, w, step, *data(points, seed))
    assert step.interpreted == 0


@pytest.mark.parametrize("name", MODELS)
def test_written_out_or_as_a_loop_the_numbers_are_the_same(name):
    make, n = MODELS[name]
    w = parameters(n)
    loss = make(w)
    xs, ys = data(40, 0)
    trace = tracing.record(loss, (xs, ys))
    numbers: list[float] = []
    tracing.flatten([xs, ys], numbers, [])
    reads = [v.data for v in trace.reads]
    looped = python_backend.write(trace, loops=True)
    written = python_backend.write(trace, loops=False)
    assert "for " in looped.source and "for " not in written.source
    assert len(looped.source) < len(written.source) / 4
    a, b = looped.function()(numbers, reads), written.function()(numbers, reads)
    assert bits(a[0]) == bits(b[0]) and list(map(bits, a[2])) == list(map(bits, b[2]))


def test_a_repeat_is_the_points_blocks():
    w = parameters(13)
    xs, ys = data(30, 0)
    trace = tracing.record(mlp(w), (xs, ys))
    (r,) = repeats.find(trace, 0)
    assert r.count == 29  # the first point reads the parameters for the first time
    block = r.block(trace.order, 5)
    assert len(block) == r.length and r.end <= len(trace.order)
    a, b, y = (r.inputs[j] for j in sorted(r.inputs))  # X = xs (row by row), then ys
    assert {a, b, y} == {(2, 2), (3, 2), (61, 1)}
    assert len(r.carried) == 1  # the running sum


def test_errors_inside_the_loop_are_the_interpreters_and_change_nothing():
    w = parameters(3)

    def loss(xs, ys):
        return sum(ops.exp(w[0] * a * 1000.0) * b + y for (a, b), y in zip(xs, ys, strict=True))
    xs, ys = data(20, 0)
    step = compile(loss, xs, ys, loops=True)
    assert LOOP in step.source
    xs[11][0] = 50.0 / w[0].data  # exp(50,000) overflows at the twelfth point
    w[0].grad = 7.0
    with pytest.raises(OverflowError) as compiled:
        step(xs, ys)
    assert w[0].grad == 7.0
    with pytest.raises(OverflowError) as interpreted:
        loss(xs, ys)
    assert str(compiled.value) == str(interpreted.value)


def test_a_derivative_that_is_not_finite_inside_the_loop_is_caught():
    w = parameters(2)

    def loss(xs, ys):
        return sum(ops.sqrt((w[0] * a) ** 2) + w[1] * b for (a, b), y in zip(xs, ys, strict=True))
    xs, ys = data(20, 0)
    step = compile(loss, xs, ys, loops=True)
    xs[7][0] = 0.0  # sqrt's derivative at 0: infinite
    with pytest.raises(OverflowError) as compiled:
        step(xs, ys)
    with pytest.raises(OverflowError) as interpreted:
        loss(xs, ys).backward()
    assert str(compiled.value) == str(interpreted.value)


def test_what_is_written_out():
    w = parameters(13)
    xs, ys = data(12, 0)

    def guarded(xs, ys):  # compares Values: the guards are not replayed in a loop
        return sum(p * a if p > 0 else -p * b for p in w for a, b in xs)

    def scattered(xs, ys):  # returns every other point's score: not the same places
        scores = [w[0] * a + w[1] * b for a, b in xs]
        return sum(s * s for s in scores), scores[::2]

    for fn in (guarded, scattered):
        trace = tracing.record(fn, (xs, ys))
        assert repeats.find(trace, 0) == []
        assert "for " not in python_backend.write(trace, loops=True).source
    few = tracing.record(mlp(w), data(4, 0))  # the first point and 3 blocks: too few
    assert repeats.find(few, 0) == []
    big = tracing.record(mlp(w), data(40, 0))
    assert repeats.find(big, len(big.order) + 1) == []  # fewer nodes than asked for


def test_loops_are_written_for_big_graphs_unless_told(monkeypatch):
    w = parameters(13)
    xs, ys = data(40, 0)
    assert "for " not in compile(mlp(w), xs, ys).source  # small: written out
    monkeypatch.setattr(python_backend, "LOOP_NODES", 500)
    assert LOOP in compile(mlp(w), xs, ys).source
    assert "for " not in compile(mlp(w), xs, ys, loops=False).source


@pytest.mark.parametrize("loops", ["yes", 1, 0.0])
def test_loops_is_true_false_or_none(loops):
    with pytest.raises(TypeError, match="loops must be True, False or None"):
        compile(lambda x: x * x, loops=loops)


@given(expressions(max_inputs=3, max_steps=6))
def test_any_expression_per_point_is_the_interpreter_bit_for_bit(expr):
    """Σ_k expr(p + x_k): each point's block applies the expression to the shared
    Values p moved by the point's offsets (small: where a step amplifies them out
    of a primitive's domain, the example is dropped)."""
    p = [Value(x) for x in expr.inputs]

    def loss(offsets):
        return sum(expr(*(a + d for a, d in zip(p, row, strict=True))) for row in offsets)
    offsets = [[1e-6 * k * (i + 1) for i in range(len(p))] for k in range(8)]
    a_loop_is_the_interpreter(loss, p, offsets)


def a_loop_is_the_interpreter(loss, params: list[Value], offsets) -> None:
    """A random expression's loss over the points, compiled with a loop, gives
    backward()'s numbers bit for bit (an example outside a domain is dropped)."""
    try:
        loss(offsets).backward()
    except (ValueError, ArithmeticError):
        assume(False)
    step = compile(loss, offsets, loops=True)
    assert LOOP in step.source
    assert math.isfinite(same_as_interpreter(loss, params, step, offsets))
    assert step.interpreted == 0


def test_results_of_every_point_are_collected_in_the_loop():
    w = parameters(4)

    def fn(xs, ys):
        scores = [(w[0] * a + w[1] * b).tanh() for a, b in xs]
        pairs = [(s, s * w[2] + y) for s, y in zip(scores, ys, strict=True)]
        loss = sum((p - y) ** 2 for (_, p), y in zip(pairs, ys, strict=True)) + w[3]
        return loss, (scores[0], pairs, w[3])

    xs, ys = data(12, 0)
    step = compile(fn, xs, ys, loops=True)
    assert LOOP in step.source
    xs, ys = data(12, 1)
    value, (first, pairs, last) = step(xs, ys)
    loss, (first_v, pairs_v, last_v) = fn(xs, ys)
    assert bits(value) == bits(loss.data)
    assert bits(first) == bits(first_v.data) and bits(last) == bits(last_v.data)
    assert [[bits(a) for a in pair] for pair in pairs] == [
        [bits(a.data) for a in pair] for pair in pairs_v]


def test_nn_fit_with_a_looped_step_is_the_interpreters_history(monkeypatch):
    import nn

    monkeypatch.setattr(python_backend, "LOOP_NODES", 100)
    found, original = [], repeats.find

    def find(trace, min_nodes):
        found.extend(original(trace, min_nodes))
        return found[-1:]
    monkeypatch.setattr(repeats, "find", find)
    X, D = nn.datasets.moons(40, noise=0.1, seed=0)
    histories = []
    for compiled in (False, True):
        model = nn.MLP(2, [4, 1], seed=0)
        histories.append(nn.fit(model, X, D, epochs=3, batch_size=20, compile=compiled))
    assert found and all(r.results for r in found)
    assert histories[0].loss == histories[1].loss
    assert histories[0].accuracy == histories[1].accuracy
    assert histories[0].grad_norms == histories[1].grad_norms


@pytest.mark.parametrize("inline", [True, False])
def test_a_block_may_read_the_block_before_its_input(inline):
    """Σ_k (w·(x_k − x_{k−1}) + c)²: each block reads the input of the one before
    (a carried input), and the blocks need not start where a point does."""
    w = parameters(2)

    def loss(xs):
        return sum((w[0] * (xs[k] - xs[k - 1]) + w[1]) ** 2 for k in range(1, len(xs)))
    rng = random.Random(0)
    step = compile(loss, [rng.uniform(-1, 1) for _ in range(12)], loops=True, inline=inline)
    assert LOOP in step.source
    same_as_interpreter(loss, w, step, [rng.uniform(-1, 1) for _ in range(12)])


def test_a_program_long_around_its_loops_is_written_out_in_parts(monkeypatch):
    """What does not repeat is written out in one function: where that is longer
    than SPLIT_CHARS, the whole program is written out and split instead."""
    w = parameters(13)
    xs, ys = data(12, 0)
    looped = compile(mlp(w), xs, ys, loops=True).source
    monkeypatch.setattr(python_backend, "SPLIT_CHARS", len(looped) - 1)
    monkeypatch.setattr(python_backend, "CHUNK_CHARS", 2_000)
    step = compile(mlp(w), xs, ys, loops=True)
    assert LOOP not in step.source and "\ndef step_" in step.source
    same_as_interpreter(mlp(w), w, step, *data(12, 1))


def test_a_chain_is_a_loop_of_two_nodes():
    """x ← x·w + 0.0, 300 times: every signature repeats every other node (the
    distance counted over all signatures, not only the rarer ones)."""
    w = Value(1.0001, "w")

    def chain(x0):
        x = x0
        for _ in range(300):
            x = x * w + 0.0
        return x
    step = compile(chain, 1.0, loops=True)
    assert LOOP in step.source and len(step.source.splitlines()) < 40
    same_as_interpreter(chain, [w], step, 1.5)


def test_two_passes_over_the_points_are_two_loops():
    """acc ← acc·(1 + w0·a/10) over the points, then s ← s + log(1 + e^(w1·b + y)):
    the sweep meets one pass and then the other, each a loop."""
    w = parameters(3)

    def loss(xs, ys):
        acc, s = Value(1.0), Value(0.0)
        for (a, _), _ in zip(xs, ys, strict=True):
            acc = acc * (1 + w[0] * a * 0.1)
        for (_, b), y in zip(xs, ys, strict=True):
            s = s + ops.log(1 + ops.exp(w[1] * b + y))
        return acc * s + w[2] ** 2, ([acc], [s])
    xs, ys = data(12, 0)
    assert len(repeats.find(tracing.record(loss, (xs, ys)), 0)) == 2
    step = compile(loss, xs, ys, loops=True)
    assert step.source.count(LOOP) == 2
    xs, ys = data(12, 1)
    for p in w:
        p.grad = 0.0
    value, (acc, s) = step(xs, ys)
    compiled = [p.grad for p in w]
    for p in w:
        p.grad = 0.0
    out, (acc_v, s_v) = loss(xs, ys)
    out.backward()
    assert bits(value) == bits(out.data) and bits(acc[0]) == bits(acc_v[0].data)
    assert bits(s[0]) == bits(s_v[0].data)
    assert list(map(bits, compiled)) == [bits(p.grad) for p in w]
