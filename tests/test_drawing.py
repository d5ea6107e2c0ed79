"""Diagrams: deterministic DOT, real SVGs from Graphviz, clusters, guards."""

import re
import shutil
from pathlib import Path

import pytest

import nn
from autodiff import Value, draw, scope
from autodiff.cli import DEMO_AT, neuron_example, parse_assignments
from autodiff.drawing import _diagram, node_sizes, textbook_html

GOLDEN = Path(__file__).parent / "golden" / "neuron.gv"
needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is installed by ./run test")


def neuron():
    E, _, _ = neuron_example(parse_assignments(DEMO_AT))
    E.backward()
    return E


def test_the_seed_neuron_matches_its_golden_dot():
    assert draw(neuron()).source == GOLDEN.read_text()


def test_dot_source_is_deterministic_and_names_come_from_the_graph():
    a, b = draw(neuron()).source, draw(neuron()).source
    assert a == b
    assert "0x" not in a and not re.search(r"\d{9,}", a)  # never an id()


def test_every_value_and_operation_is_a_node_and_operand_order_is_kept():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    f = (x * x) ** y
    f.backward()
    src = draw(f).source
    assert src.count("shape=\"box\"") == 4 and src.count("shape=\"circle\"") == 2
    assert src.count("n0 -> n1op") == 2  # x*x: two edges
    assert 'label="×"' in src and 'label="^"' in src
    assert "grad 192" in src  # f = x⁶: ∂f/∂x = 6x⁵ = 192


def test_folded_constants_and_symbols_are_shown():
    x = Value(1.0, "x")
    src = draw((2**x + x * 0.5 - 1).sigmoid().relu().tanh().exp().log() / 3).source
    for text in ("2 ^", "× 0.5", "− 1", "σ", "ReLU", "tanh", "exp", "log", "÷ 3"):
        assert f'label="{text}"' in src


def test_options_show_format_direction_and_highlight():
    x = Value(1.23456789, "x")
    y = x * 2
    src = draw(y, show=["data"], number_format=".2f", rankdir="TB", highlight=[x]).source
    assert "data 1.23" in src and "grad" not in src and "rankdir=TB" in src
    assert src.count("#ffb000") == 1
    with pytest.raises(ValueError, match="show"):
        draw(y, show=["colour"])
    with pytest.raises(ValueError, match="rankdir"):
        draw(y, rankdir="up")
    with pytest.raises(TypeError, match="Value"):
        draw([1.0])


def test_highlight_path_marks_the_nodes_between():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + b
    e = d.exp()
    src = draw(e, highlight_path=(a, d)).source
    highlighted = re.findall(r"(\w+) \[[^\]]*#ffb000", src)
    assert set(highlighted) == {"n0", "n2", "n2op", "n3", "n3op"}  # a, c, d and their ops


def test_textbook_labels_get_real_subscripts_and_superscripts():
    assert textbook_html("u_1^(2)") == "u<sub>1</sub><sup>(2)</sup>"
    assert textbook_html("w_12,3^(3)") == "w<sub>12,3</sub><sup>(3)</sup>"
    assert textbook_html("x_1") == "x<sub>1</sub>"
    assert textbook_html("<b>") == "&lt;b&gt;"
    u = Value(0.5, "u_2^(3)")
    assert "δ<sub>2</sub><sup>(3)</sup>" in draw(u).source


def test_nn_graphs_are_clustered_by_module_and_can_be_collapsed():
    model = nn.MLP(2, [2, 1], "sigmoid", "sigmoid", seed=0)
    (y,) = model([1.0, 0.0])
    y.backward()
    src = draw(y).source
    for cluster in ("cluster_layers_0", "cluster_layers_0__neurons_0", "cluster_layers_1"):
        assert f"subgraph {cluster} " in src
    folded = draw(y, collapse=["layers.0"]).source
    assert "layers.0\n(" in folded and "cluster_layers_0" not in folded
    assert folded.count("box3d") == 1
    flat = draw(y, clusters=False).source
    assert "cluster" not in flat


def test_hand_built_scopes_nest():
    x = Value(1.0, "x")
    with scope("outer"), scope("inner"):
        y = x * 3
    src = draw(y).source
    assert "subgraph cluster_outer " in src and "subgraph cluster_outer__inner " in src


def test_the_node_count_guard_says_what_to_do():
    x = Value(1.0)
    for _ in range(400):
        x = x * 1.01
    with pytest.raises(ValueError, match=r"max_nodes=300.*collapse.*draw only part"):
        draw(x)
    assert draw(x, max_nodes=500).source.count("shape=\"box\"") == 401


def test_drawing_only_the_part_leading_to_chosen_nodes():
    model = nn.MLP(2, [3, 1], seed=0)
    with nn.record(model) as rec:
        model([1.0, 2.0])
    u = rec.u[0][0][0]
    part = draw([u]).source
    assert "u<sub>1</sub><sup>(2)</sup>" in part and "z<sub>1</sub><sup>(3)</sup>" not in part


@needs_dot
def test_real_svg_has_the_labels_and_nodes(tmp_path):
    diagram = draw(neuron())
    svg = diagram.svg()
    assert svg.count('class="node"') == 10 + 6  # w x b d t1 z y t2 t3 E; six operations
    for text in ("σ", "t1", "data 0.6225", "grad 0.3775"):
        assert text in svg
    for suffix in ("svg", "png", "pdf"):
        path = diagram.save_as(tmp_path / f"neuron.{suffix}")
        assert path.stat().st_size > 500
    assert (tmp_path / "neuron.png").read_bytes()[:4] == b"\x89PNG"
    assert "image/svg+xml" in diagram._repr_mimebundle_()
    with pytest.raises(ValueError, match="extension"):
        diagram.save_as(tmp_path / "neuron")


@needs_dot
def test_real_svg_of_clusters_and_highlights():
    model = nn.MLP(2, [2, 1], seed=0)
    (y,) = model([1.0, 0.0])
    svg = draw(y, highlight=[y]).svg()
    assert svg.count('class="cluster"') == 5  # 2 layers, 3 neurons
    assert "#ffb000" in svg


def test_a_missing_dot_is_explained(monkeypatch):
    monkeypatch.setenv("PATH", "/nonexistent")
    with pytest.raises(RuntimeError, match="apt-get install graphviz"):
        draw(neuron()).svg()


def test_render_and_node_sizes_explain_a_missing_dot_too(monkeypatch, tmp_path):
    diagram = draw(neuron())
    monkeypatch.setenv("PATH", "/nonexistent")
    for call in (lambda: diagram.render(tmp_path / "g", format="svg"),
                 lambda: diagram.save_as(tmp_path / "g.png"), lambda: node_sizes(diagram)):
        with pytest.raises(RuntimeError, match="apt-get install graphviz"):
            call()
    assert not (tmp_path / "g.png").exists()


@needs_dot
def test_node_sizes_fix_every_box():
    E = neuron()
    sizes = node_sizes(draw(E))
    assert len(sizes) == 10 + 6 and all(float(w) > 0 for w, _ in sizes.values())
    fixed = _diagram([E], sizes=sizes).source
    assert fixed.count('fixedsize="true"') == 16
    assert f'width="{sizes["n0"][0]}"' in fixed


def test_graphs_deeper_than_the_recursion_limit_are_guarded_and_drawn():
    x = Value(1.0)
    for _ in range(5000):
        x = x + 1
    with pytest.raises(ValueError, match="5001 nodes"):
        draw(x)
    assert draw([x], max_nodes=6000).source.count("->") == 2 * 5000
