"""autodiff.strategies: the drawn objects keep their promises (domains, margins,
DAG reuse, every operation, bounds) and bad arguments fail eagerly."""

import math
import subprocess
import sys

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.errors import InvalidArgument

import nn
from autodiff import Value, gradcheck, topological_order
from autodiff.checking import singular_distance
from autodiff.strategies import Expression, builtin_operations, expressions, values
from nn.strategies import mlps


@given(values(min_value=-3.0, max_value=1.0, min_magnitude=0.5))
def test_values_respect_their_bounds(x):
    assert -3.0 <= x <= 1.0 and abs(x) >= 0.5 and math.isfinite(x)


def _nodes(expr: Expression) -> list[Value]:
    return topological_order(expr(*expr.inputs))


def _number(x: Value | float) -> float:
    return x.data if isinstance(x, Value) else x


@given(expressions())
def test_every_operand_keeps_its_margin_from_kinks_poles_and_domain_edges(expr):
    out = expr(*expr.inputs)
    for v in topological_order(out):
        distance = singular_distance(v.primitive) if v.primitive else None
        if distance is not None:
            operands = [_number(a) for a in v.args]
            assert distance(*operands) >= 0.25, (v.op, operands, str(expr))
    assert abs(out.data) <= 20


@settings(max_examples=200)
@given(expressions())
def test_expressions_are_callable_on_values_and_floats_alike(expr):
    xs = [Value(x) for x in expr.inputs]
    assert expr(*xs).data == expr(*expr.inputs).data
    text = str(expr)
    assert text.startswith("inputs: x0 = ") and len(text.splitlines()) == len(expr.steps) + 1
    with pytest.raises(TypeError, match="inputs"):
        expr(*xs, Value(1.0))


def test_every_builtin_primitive_appears_folded_numbers_too_and_operands_are_reused():
    seen: set[str] = set()
    folded: set[str] = set()
    reused = []

    @settings(max_examples=300, database=None)
    @given(expressions())
    def collect(expr):
        nodes = _nodes(expr)
        seen.update(s.primitive.name for s in expr.steps)  # drawn, used by the output or not
        folded.update(v.op for v in nodes if len(v.args) > len(v.inputs))
        uses = [x for v in nodes for x in v.inputs]
        reused.append(len(uses) != len(set(uses)))

    collect()
    assert {p.name for p in builtin_operations()} <= seen
    assert {"-", "/", "**", "max"} <= folded  # x − 2, 2 ** x, ...: the folded forms
    assert sum(reused) >= 20  # a node used twice: gradient accumulation is exercised


@settings(max_examples=50)
@given(expressions(elements=st.sampled_from([0.0, -0.0, 1e-300, 2.2e-16, -1e-9]), margin=0.1))
def test_margins_hold_by_construction_even_at_zero(expr):
    """Hypothesis favours 0.0 and injects constants from the source: margins hold anyway.
    (These inputs are tiny, so the steps are ∛ε_c ≈ 6e-6: far inside the 0.1 margin.)"""
    result = gradcheck(expr, expr.inputs)
    assert all(row.verdict == "ok" for row in result.rows), f"{expr}\n{result}"


@settings(max_examples=30)
@given(mlps())
def test_networks_have_data_and_keep_pre_activations_away_from_zero(net):
    assert len(net.inputs) == len(net.targets) >= 1
    assert all(len(x) == net.model.nin for x in net.inputs)
    assert all(len(d) == net.model.sizes[-1] for d in net.targets)
    with nn.record(net.model) as rec:
        for x in net.inputs:
            net.model(x)
    kinked = [k for k, layer in enumerate(net.model.layers) if layer.activation == "relu"]
    assert all(abs(u.data) >= 0.05 * (1 - 1e-9)
               for k in kinked for sample in rec.u[k] for u in sample)
    assert isinstance(net.loss(), Value)


@given(expressions(min_outputs=2, max_outputs=4))
def test_several_outputs_are_the_last_step_and_distinct_earlier_nodes(expr):
    outs = expr(*expr.inputs)
    assert isinstance(outs, tuple) and 2 <= len(outs) == len(expr.outputs) <= 4
    nodes = len(expr.inputs) + len(expr.steps)
    assert expr.outputs[0] == nodes - 1  # the last step comes first
    assert len(set(expr.outputs)) == min(len(expr.outputs), nodes)  # repeats only if needed
    assert all(isinstance(o, Value) for o in outs)
    assert str(expr).splitlines()[-1].startswith("outputs: ")
    assert "outputs" in repr(expr)


@given(expressions())
def test_one_output_by_default_is_a_value(expr):
    assert expr.outputs is None and isinstance(expr(*expr.inputs), Value)


@pytest.mark.parametrize("make, words", [
    (lambda: values(min_value=2.0, max_value=1.0), "min_value"),
    (lambda: values(min_value=math.nan), "min_value"),
    (lambda: values(min_value=-1.0, max_value=1.0, min_magnitude=2.0), "magnitude"),
    (lambda: expressions(max_steps=0), "max_steps"),
    (lambda: expressions(min_inputs=3, max_inputs=2), "min_inputs"),
    (lambda: expressions(operations=("nonesuch",)), "unknown primitive 'nonesuch'"),
    (lambda: expressions(operations=()), "operations"),
    (lambda: expressions(operations="sin"), "operations"),
    (lambda: expressions(operations=[len]), "not a primitive"),
    (lambda: expressions(margin=0), "margin"),
    (lambda: expressions(elements=[1.0]), "elements"),
    (lambda: expressions(max_outputs=0), "max_outputs"),
    (lambda: expressions(min_outputs=3, max_outputs=2), "min_outputs"),
    (lambda: mlps(max_depth=0), "max_depth"),
    (lambda: mlps(activations=("softmax",)), "activations"),
    (lambda: mlps(activations=("nonesuch",)), "activations"),
    (lambda: mlps(margin=-1.0), "margin"),
])
def test_bad_arguments_fail_eagerly_with_invalid_argument(make, words):
    with pytest.raises(InvalidArgument, match=words):
        make()


def test_without_hypothesis_the_import_error_says_what_to_install():
    code = ("import sys; sys.modules['hypothesis'] = None\n"
            "try:\n    import autodiff.strategies\n"
            "except ImportError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert ".venv/bin/pip install -e '.[test]'" in out.stdout
