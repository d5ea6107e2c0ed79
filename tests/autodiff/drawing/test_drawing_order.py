"""The units of a layer come in order (unit 1 at the top) in the scalar graph of any
MLP, read from Graphviz's own layout of the picture that is rendered
(`Diagram.layout()`: the same source and program as SVG and PNG), and the samples'
nodes are told apart."""

import json
import random
import re
import shutil
from collections import Counter

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import nn
from autodiff import Value, draw
from autodiff.drawing.cluster_order import pinned
from autodiff.drawing.diagram import run_dot
from autodiff.notation.typeset import unicode_label

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is installed by ./run test")
UNIT = re.compile(r"cluster_layers_(\d+)__neurons_(\d+)$")


def _loss(nin: int, sizes: list[int], count: int, seed: int) -> Value:
    model = nn.MLP(nin, sizes, activation="tanh", seed=seed)
    pick = random.Random(seed)
    xs = [[round(pick.uniform(-1, 1), 2) for _ in range(nin)] for _ in range(count)]
    ds = [[round(pick.uniform(-1, 1), 2) for _ in range(sizes[-1])] for _ in range(count)]
    E = nn.total([nn.squared_error(model(x), d) for x, d in zip(xs, ds, strict=True)])
    E.backward()
    return E


def _units_top_to_bottom(layout: dict) -> dict[int, list[int]]:
    """Per layer (0-based), its units' numbers from the top of the picture down."""
    found: dict[int, list[tuple[float, int]]] = {}
    for obj in layout["objects"]:
        m = UNIT.match(obj.get("name", ""))
        if m and "bb" in obj:
            _, y0, _, y1 = map(float, obj["bb"].split(","))
            found.setdefault(int(m[1]), []).append((-(y0 + y1), int(m[2])))
    return {layer: [j for _, j in sorted(units)] for layer, units in found.items()}


def _inputs_top_to_bottom(layout: dict) -> list[str]:
    """The network inputs' tooltips ("network input x₁[n=1]") from the top down."""
    leaves = [(-float(o["pos"].split(",")[1]), o["tooltip"]) for o in layout["objects"]
              if o.get("tooltip", "").startswith("network input")]
    return [tip for _, tip in sorted(leaves)]


@needs_dot
@settings(max_examples=10)
@given(nin=st.integers(1, 3), hidden=st.lists(st.integers(1, 4), min_size=1, max_size=2),
       nout=st.integers(1, 2), count=st.integers(1, 2), seed=st.integers(0, 50))
def test_units_of_every_layer_come_in_order(nin, hidden, nout, count, seed):
    sizes = [*hidden, nout]
    diagram = draw(_loss(nin, sizes, count, seed), max_nodes=2000)
    layout = diagram.layout()
    assert _units_top_to_bottom(layout) == {k: list(range(n)) for k, n in enumerate(sizes)}
    wanted = [f"network input {unicode_label(f'x_{i}')}" + (f"[n={n}]" if count > 1 else "")
              for n in range(1, count + 1) for i in range(1, nin + 1)]
    assert _inputs_top_to_bottom(layout) == wanted
    # samples told apart: no two value boxes read the same (u₁⁽²⁾[n=1], u₁⁽²⁾[n=2])
    names = Counter(o["tooltip"] for o in layout["objects"]
                    if re.match(r"^[uz]\S*⁽", o.get("tooltip", "")))
    assert names and max(names.values()) == 1, names.most_common(2)


def test_the_reviews_network_is_stacked_1_2_3():
    """The review's 2-3-1 over two XOR samples, which dot alone stacks 3, 1, 2."""
    model = nn.MLP(2, [3, 1], activation="tanh", seed=0)
    X, D = nn.datasets.xor()
    E = nn.total([nn.squared_error(model(x), d) for x, d in zip(X[:2], D[:2], strict=True)])
    E.backward()
    diagram = draw(E)
    plain = run_dot(diagram.source, "json")  # dot, without the repair
    assert _units_top_to_bottom(json.loads(plain))[0] != [0, 1, 2], "dot fixed it itself"
    assert _units_top_to_bottom(diagram.layout()) == {0: [0, 1, 2], 1: [0]}
    svg = diagram.svg()
    assert svg.index(">unit 1<") < svg.index(">unit 2<") < svg.index(">unit 3<")


def _box(name: str, bb: str) -> dict:
    return {"name": name, "bb": bb, "nodes": [], "_gvid": 0}


def test_pinned_leaves_ordered_or_side_by_side_clusters_to_dot():
    source = "digraph {\n}\n"
    stacked_in_order = {"bb": "0,0,100,100", "objects": [
        _box("a", "0,60,100,100"), _box("b", "0,0,100,40")]}
    side_by_side = {"bb": "0,0,100,100", "objects": [
        _box("a", "60,0,100,100"), _box("b", "0,0,40,100")]}
    for layout in (stacked_in_order, side_by_side):
        assert pinned(source, [["a", "b"]], "LR", lambda _, lay=layout: _json(lay)) == (source, ())
    assert pinned(source, [], "LR", lambda _: pytest.fail("no layout without groups")) == (
        source, ())


def test_pinned_restacks_into_the_same_slots_and_gaps():
    source = 'digraph {\n\tsubgraph "a" {\n\t}\n\tsubgraph "b" {\n\t}\n}\n'
    layout = {"bb": "0,0,100,100", "objects": [
        {"name": "a", "bb": "0,0,100,20", "nodes": [2], "_gvid": 0},    # low: wanted on top
        {"name": "b", "bb": "0,50,100,100", "nodes": [3], "_gvid": 1},  # high, 50 tall
        {"name": "p", "pos": "50,10"}, {"name": "q", "pos": "50,75"}]}
    text, args = pinned(source, [["a", "b"]], "LR", lambda _: _json(layout))
    assert args == ("-Kneato", "-n2")
    assert 'graph [bb="0.00,80.00,100.00,100.00"]' in text  # a: the top slot
    assert 'graph [bb="0.00,0.00,100.00,50.00"]' in text    # b: under the 30 pt gap
    assert '"p" [pos="50.00,90.00"]' in text and '"q" [pos="50.00,25.00"]' in text


def _json(layout: dict) -> bytes:
    return json.dumps(layout).encode()
