"""A compiled loop skips the adjoint lines that one zero adjoint makes zero
(autodiff.compiler.zeros): behind a ReLU that is off, a point outside the
margin. The numbers must stay the interpreter's, bit for bit, and the program
must still fail where the interpreter fails."""

from __future__ import annotations

import math

import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

from autodiff import Value, compile, primitive
from autodiff.compiler import zeros
from autodiff.strategies import expressions
from tests.autodiff.compiler.test_compile_loops import (
    a_loop_is_the_interpreter,
    bits,
    data,
    mlp,
    parameters,
    same_as_interpreter,
)

SKIP = "# else every term below is 0"


@pytest.mark.parametrize("inline", [True, False])
@pytest.mark.parametrize("shift", [0.0, -3.0, 3.0])  # as it comes, every unit off, all on
def test_a_loop_that_skips_zeros_is_the_interpreter_bit_for_bit(inline, shift):
    w = parameters(13)
    for b in w[6:9]:  # the hidden units' biases
        b.data += shift
    loss = mlp(w)
    step = compile(loss, *data(40, 0), loops=True, inline=inline)
    assert step.source.count(SKIP) == 4  # the point (outside the margin), each hidden unit
    for seed in (1, 2, 3):
        same_as_interpreter(loss, w, step, *data(40, seed))
    assert step.interpreted == 0


def test_sgd_through_skipped_zeros_is_the_interpreters_bit_for_bit():
    w, v = parameters(13), parameters(13)
    step = compile(mlp(w), *data(40, 0), loops=True).sgd(w, 0.1)
    for seed in range(30):  # the model learns: most points end outside the margin
        xs, ys = data(40, seed)
        step(xs, ys)
        loss = mlp(v)(xs, ys)
        loss.backward()
        for p in v:
            p.data -= 0.1 * p.grad
            p.grad = 0.0
    assert [bits(p.data) for p in w] == [bits(p.data) for p in v]


@pytest.mark.parametrize("loops", [True, False])
def test_a_zero_gradient_is_plus_zero_as_backward_gives_it(loops):
    """A sum of terms that are −0.0 is −0.0, the sweep's (from 0.0) +0.0: the
    program's gradients are the sweep's, whatever `.grad` held."""
    w = Value(2.0)

    def loss(xs):
        return sum((w * x).relu() + w * x * 0.0 for x in xs)
    xs = [-1.0 - k for k in range(20)]  # every relu off; every term −0.0 ... or 0.0
    step = compile(loss, xs, loops=loops)
    for old in (0.0, -0.0):
        w.grad = old
        step(xs)
        compiled = w.grad
        w.grad = old
        loss(xs).backward()
        assert bits(compiled) == bits(w.grad) == bits(0.0)


cbrt = primitive("cbrt", lambda x: math.copysign(abs(x) ** (1 / 3), x),
                 lambda out, x: (math.inf if out == 0.0 else 1 / (3 * out * out),))


def test_a_derivative_that_is_not_finite_behind_a_zero_is_still_caught():
    """cbrt's derivative at 0 is infinite: times the zero adjoint behind an idle
    ReLU it is nan, and backward() refuses it. A region with a derivative that
    may not be finite is never skipped."""
    w = parameters(2)

    def loss(xs, ys):
        return sum((cbrt(w[0] * a) - 100.0).relu() + w[1] * b
                   for (a, b), _ in zip(xs, ys, strict=True))
    xs, ys = data(20, 0)
    step = compile(loss, xs, ys, loops=True)
    xs[7][0] = 0.0
    w[0].grad = 5.0
    with pytest.raises(OverflowError) as compiled:
        step(xs, ys)
    assert w[0].grad == 5.0
    with pytest.raises(OverflowError) as interpreted:
        loss(xs, ys).backward()
    assert str(compiled.value) == str(interpreted.value)


def kinds(edges: dict[str, list[tuple[str, str]]]):
    return lambda v: edges.get(v, [])


def test_regions_are_what_a_gate_alone_reaches():
    """loss → g (a gate) → d → a, b → c; the parameter p from a and c alone, q
    from d and the loss (d̄ is computed outside d's region: its terms may go
    anywhere)."""
    edges = {"loss": [("g", ""), ("q", "")], "g": [("d", zeros.GATE)],
             "d": [("a", ""), ("b", ""), ("q", "")], "a": [("c", ""), ("p", "")],
             "b": [("c", "")], "c": [("p", "")]}
    block = zeros.regions(["loss", "g", "d", "a", "b", "c"], {"loss"}, kinds(edges),
                          lambda v: True, ["p", "q"])
    assert block.nodes == ["loss", "g", "d"]
    (region,) = block.nested
    assert region.head == "d" and region.nodes == ["a", "b", "c"] and region.exits == ["p"]


def test_a_region_whose_terms_leave_it_is_not_skipped():
    """b passes a term to e, which d does not dominate: b̄ must be computed."""
    edges = {"loss": [("g", ""), ("e", "")], "g": [("d", zeros.GATE)],
             "d": [("a", ""), ("b", "")], "a": [("p", "")], "b": [("e", "")], "e": [("p", "")]}
    block = zeros.regions(["loss", "g", "d", "a", "b", "e"], {"loss"}, kinds(edges),
                          lambda v: True, ["p"])
    assert block.nested == [] and block.nodes == ["loss", "g", "d", "a", "b", "e"]


def test_a_head_and_its_other_names_stay_outside_its_region():
    """d is a sum (its operands' adjoints are d̄): the operands' terms may go
    anywhere, and the parameters they reach alone are the region's."""
    edges = {"loss": [("g", ""), ("h", "")], "g": [("d", zeros.GATE)],
             "d": [("m1", zeros.SAME), ("m2", zeros.SAME)],
             "m1": [("p1", ""), ("h", "")], "m2": [("p2", ""), ("h", "")], "h": [("q", "")]}
    block = zeros.regions(["loss", "g", "d", "m1", "m2", "h"], {"loss"}, kinds(edges),
                          lambda v: True, ["p1", "p2", "q", "r"])
    assert block.nodes == ["loss", "g", "d", "m1", "m2", "h"]
    (region,) = block.nested
    assert region.head == "d" and region.nodes == [] and region.exits == ["p1", "p2"]


def test_a_derivative_that_may_not_be_finite_keeps_its_region():
    edges = {"loss": [("g", "")], "g": [("d", zeros.GATE)], "d": [("a", "")],
             "a": [("p", ""), ("q", ""), ("r", "")]}
    block = zeros.regions(["loss", "g", "d", "a"], {"loss"}, kinds(edges),
                          lambda v: v != "a", ["p", "q", "r"])
    assert block.nested == []


@given(expr=expressions(max_inputs=3, max_steps=6), cut=st.floats(-0.5, 0.5))
def test_any_expression_behind_a_gate_per_point_is_the_interpreter_bit_for_bit(expr, cut):
    """Σ_k relu(expr(p + x_k) − c)·q: the points where the ReLU is off pass no
    gradient, and their region of the adjoint loop is skipped; the offsets x_k
    put some points on either side."""
    p = [Value(x) for x in expr.inputs]
    q = Value(1.5)
    try:
        middle = expr(*p).data
    except (ValueError, ArithmeticError):
        assume(False)

    def loss(offsets):
        return sum((expr(*(a + d for a, d in zip(p, row, strict=True))) - (middle + cut)).relu()
                   * q for row in offsets)
    offsets = [[0.05 * (k - 6) * (-1) ** i for i in range(len(p))] for k in range(13)]
    a_loop_is_the_interpreter(loss, [*p, q], offsets)
