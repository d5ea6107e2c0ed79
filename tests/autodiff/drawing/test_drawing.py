"""Diagrams as DOT: the golden neuron, determinism, operations, constants, inputs,
numbers, direction, highlights, nn clusters and layout constraints, guards."""

import re
from pathlib import Path

import pytest

import nn
from autodiff import Value, draw, scope
from autodiff.cli import DEMO_AT, neuron_example, parse_assignments
from autodiff.drawing.graph import symbol
from autodiff.notation.typeset import format_number, safe_text, unicode_label

GOLDEN = Path(__file__).parent / "golden" / "neuron.gv"


def neuron():
    E, _, _ = neuron_example(parse_assignments(DEMO_AT))
    E.backward()
    return E


def mlp_loss(samples=1, seed=0):
    """The loss of an MLP 2-3-2-1 on the first `samples` of three samples."""
    model = nn.MLP(2, [3, 2, 1], "sigmoid", "linear", seed=seed)
    data = [([1.0, 0.0], 1.0), ([0.0, 1.0], 1.0), ([1.0, 1.0], 0.0)][:samples]
    E = nn.total([nn.squared_error(model(x), [d]) for x, d in data])
    E.label = "E"
    E.backward()
    return E


def nodes(source):
    """{name: its attribute text} of every node statement."""
    return dict(re.findall(r"^\t+(\w+) \[(label=.*)\]$", source, re.M))


def edges(source):
    return re.findall(r"^\t+(\w+) -> (\w+)(?: \[(.*)\])?$", source, re.M)


def test_the_seed_neuron_matches_its_golden_dot():
    # regenerate consciously:
    #   python -c "from tests.autodiff.drawing.test_drawing import *; regenerate()"
    assert draw(neuron()).source == GOLDEN.read_text()


def regenerate():  # pragma: no cover - run by hand when the picture changes on purpose
    GOLDEN.write_text(draw(neuron()).source)


def test_dot_source_is_deterministic_and_names_come_from_the_graph():
    a, b = draw(neuron()).source, draw(neuron()).source
    assert a == b
    assert "0x" not in a and not re.search(r"\d{9,}", a)  # never an id()
    assert draw(mlp_loss(3), max_nodes=1000).source == draw(mlp_loss(3), max_nodes=1000).source


def test_the_neuron_has_the_notes_nodes_and_operations():
    src = draw(neuron()).source
    names = re.findall(r"<b>([^<]*)</b>", src)
    assert names[:len("wxt1buzd")] == ["w", "x", "t1", "b", "u", "z", "d", "t2", "t3", "E"][:8]
    assert {"t1", "u", "z", "t2", "t3", "E"} <= set(names)
    ops = [label for name, label in re.findall(r"^\t(n\d+op) \[label=<([^>]*)>", src, re.M)]
    assert set(ops) <= {"×", "+", "σ", "^", "−", "÷"}  # − and ÷ once the engine has them


def test_every_value_and_operation_is_a_node_and_operand_order_is_kept():
    x, y = Value(2.0, "x"), Value(3.0, "y")
    f = (x * x) ** y
    f.backward()
    src = draw(f).source
    assert src.count('shape="box"') == 4 and src.count('shape="circle"') == 2
    assert src.count("n0 -> n1op") == 2  # x*x: two edges
    assert src.count('ordering="in"') == 2  # first operand drawn first
    assert re.search(r"n1 -> n3op\n\tn2 -> n3op", src)  # base, then exponent
    assert "label=<×>" in src and "label=<^>" in src
    assert "grad 192" in src  # f = x⁶: ∂f/∂x = 6x⁵ = 192


def test_symbols_come_from_one_lookup():
    x = Value(1.0, "x")
    assert [symbol(v) for v in (x * 2, x + 1, x.sigmoid(), x.relu(), x**2)] == \
        ["×", "+", "σ", "ReLU", "^"]


def test_operations_are_fixed_size_and_constants_are_small_leaves():
    x = Value(1.0, "x")
    src = draw((2**x + x * 0.5 - 1).sigmoid().relu().tanh().exp().log()).source
    found = nodes(src)
    ops = {n: a for n, a in found.items() if n.endswith("op")}
    assert all('fixedsize="true"' in a and 'width="0.3"' in a for a in ops.values())
    symbols = {re.match(r"label=<([^>]*)>", a).group(1) for a in ops.values()}
    assert symbols == {"^", "×", "+", "−", "σ", "ReLU", "tanh", "exp", "log"}  # no numbers
    constants = {n: a for n, a in found.items() if 'shape="plaintext"' in a}
    shown = {re.search(r'point-size="10">([^<]*)<', a).group(1) for a in constants.values()}
    assert shown == {"2", "0.5", "1"}
    for name in constants:  # each leaf points at its operation and sits beside it
        (head,) = [h for t, h, _ in edges(src) if t == name]
        assert head.endswith("op") and f"{{rank=same; {name}; {head}}}" in src


def test_zero_is_never_negative():
    x = Value(-0.0, "x")
    y = x * -0.0
    y.grad = -0.0
    src = draw(y).source
    assert "-0" not in src.replace("-0.", "") and "data 0" in src
    assert format_number(-0.0) == "0" and format_number(-1e-9, ".2f") == "0.00"
    assert format_number(-0.5) == "-0.5" and format_number(float("-inf")) == "-inf"
    assert format_number(-1e-20) == "-1e-20"


def test_nn_losses_have_no_identity_nodes():
    """No `+ 0` node (a sum started from 0) and no `× 1` (a mean over one sample)."""
    src = draw(mlp_loss(1)).source
    found = nodes(src)
    constant = {n: re.search(r">([^<]*)</font>", a).group(1)
                for n, a in found.items() if 'shape="plaintext"' in a}
    for tail, head, _ in edges(src):
        if tail in constant:
            op = re.match(r"label=<([^>]*)>", found[head]).group(1)
            assert (op, constant[tail]) not in {("+", "0"), ("×", "1")}


def test_options_show_format_direction_and_highlight():
    x = Value(1.23456789, "x")
    y = x * 2
    src = draw(y, show=["data"], number_format=".2f", rankdir="TB", highlight=[x]).source
    assert "data 1.23" in src and "grad" not in src and "rankdir=TB" in src
    assert src.count("#ffb000") == 1
    assert "label=" in draw(y).source and "label=<<table" not in draw(y, legend=False).source
    with pytest.raises(ValueError, match="show"):
        draw(y, show=["colour"])
    with pytest.raises(TypeError, match="show must be a list"):
        draw(y, show="data")
    with pytest.raises(ValueError, match="rankdir"):
        draw(y, rankdir="up")
    with pytest.raises(ValueError, match="Unknown format code"):
        draw(y, number_format="q")
    with pytest.raises(TypeError, match="number_format"):
        draw(y, number_format=4)
    with pytest.raises(TypeError, match="Value"):
        draw([1.0])
    with pytest.raises(TypeError, match="Value"):
        draw("E")
    with pytest.raises(ValueError, match="collapse needs scope names"):
        draw(y, collapse=[""])
    with pytest.raises(TypeError, match="collapse must be a list"):
        draw(y, collapse="layers.0")
    with pytest.raises(TypeError, match="highlight_path must be a pair of Values"):
        draw(y, highlight_path=(x, 2.0))


def test_the_default_direction_suits_the_shape():
    assert "rankdir=LR" in draw(neuron()).source  # 13 ranks: fits a page left to right
    x = Value(1.0, "x")
    for _ in range(20):
        x = x * 1.1
    assert "rankdir=TB" in draw(x).source  # a long chain goes down the page
    assert "rankdir=LR" in draw(mlp_loss(1)).source  # networks: layers as columns
    assert "rankdir=LR" in draw(mlp_loss(1), collapse=["layers.0", "layers.1"]).source


def test_highlight_path_marks_the_nodes_between():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    c = a * b
    d = c + b
    e = d.exp()
    src = draw(e, highlight_path=(a, d)).source
    highlighted = re.findall(r"(\w+) \[[^\]]*#ffb000", src)
    assert set(highlighted) == {"n0", "n2", "n2op", "n3", "n3op"}  # a, c, d and their ops


def test_textbook_labels_get_unicode_subscripts_and_superscripts():
    assert unicode_label("u_1^(2)") == "u₁⁽²⁾"
    assert unicode_label("w_12,3^(3)") == "w₁₂,₃⁽³⁾"
    assert unicode_label("x_1") == "x₁" and unicode_label("w_ji^(l)") == "wⱼᵢ⁽ˡ⁾"
    assert unicode_label("x_q") == "x_q"  # no Unicode subscript q: kept as written
    assert unicode_label("t1") == "t1" and unicode_label("<b>") == "<b>"
    u = Value(0.5, "u_2^(3)")
    src = draw(u).source
    assert "<b>u₂⁽³⁾</b>" in src and "δ₂⁽³⁾" in src and "<sub>" not in src


def test_labels_are_shown_safely():
    assert safe_text("a\nb\x00c\td") == "a\\nb\\x00c\\td"
    assert safe_text("\ud800") == "\\ud800"
    assert safe_text("x" * 20_000) == "x" * 39 + "…"
    x = Value(1.0, 'a "quoted" <b>&</b> {brace} \\')
    src = draw(x).source
    assert "&quot;quoted&quot; &lt;b&gt;&amp;&lt;/b&gt; {brace} \\" in src


def test_network_inputs_are_labelled_leaves_in_layer_1():
    src = draw(mlp_loss(1)).source
    for i, x in ((1, "1"), (2, "0")):
        assert f"<b>x{'₁₂'[i - 1]}</b> = z{'₁₂'[i - 1]}⁽¹⁾<br/>" in src
        assert re.search(rf"<b>x{'₁₂'[i - 1]}</b>[^\]]*data {x}<", src)
    layer_1 = re.search(r'subgraph "cluster_layer_1" \{(.*?)\n\t\}', src, re.S).group(1)
    assert layer_1.count("<b>x") == 2 and "layer 1" in layer_1
    uses = [t for t, h, attrs in edges(src) if t.startswith("in") and "invis" not in attrs]
    assert len(uses) == 6  # each input feeds the three units of layer 2


def test_clusters_are_titled_in_the_notes_numbering_and_layers_are_columns():
    src = draw(mlp_loss(1)).source
    for cluster, title in (("cluster_layers_0", "layer 2"), ("cluster_layers_0__neurons_0",
                                                             "unit 1"),
                           ("cluster_layers_2", "layer 4"), ("cluster_layer_1", "layer 1")):
        assert re.search(rf'subgraph "{cluster}" {{\n\t*graph \[label=<<b>{title}</b>>', src)
    assert "remincross=false" in src
    bands = re.findall(r"^\tband\d+ \[style=invis", src, re.M)
    assert len(bands) == 3  # between layers 1|2, 2|3, 3|4
    assert "layers.0" not in re.sub(r"cluster_\w+", "", src)  # no Python paths in titles
    # weights sit beside their multiplications (same rank), not a rank of their own
    besides = re.findall(r"\{rank=same; (n\d+); (n\d+op)\}", src)
    weights = {n for n, a in nodes(src).items() if "<b>w" in a}
    assert weights <= {a for a, _ in besides}


def test_collapsed_boxes_sit_in_their_parent_cluster_and_count_samples():
    units = [f"layers.0/neurons.{j}" for j in range(3)]
    src = draw(mlp_loss(3), collapse=[*units, "layers.1", "layers.2"]).source
    layer_2 = re.search(r'subgraph "cluster_layers_0" \{(.*?)\n\t\}', src, re.S).group(1)
    assert layer_2.count("box3d") == 3 and "layer 2, unit 1" in layer_2
    assert "{rank=same; box2; box1; box0}" in src  # units in order, top to bottom
    assert src.count('xlabel="×3"') == 4  # unit boxes → layer 3 → layer 4: 3 samples each
    assert "data 1, 0, 1" in src and "data 0, 1, 1" in src  # x₁, x₂ of the three samples
    whole = draw(mlp_loss(3), collapse=["layers.0", "layers.1", "layers.2"]).source
    assert whole.count("box3d") == 3 and "cluster_layers" not in whole
    assert "cluster" not in draw(mlp_loss(1), clusters=False).source


def test_hand_built_scopes_nest():
    x = Value(1.0, "x")
    with scope("outer"), scope("inner"):
        y = x * 3
    src = draw(y).source
    assert 'subgraph "cluster_outer" ' in src and 'subgraph "cluster_outer__inner" ' in src
    assert "<b>outer</b>" in src and "<b>inner</b>" in src


def test_the_legend_names_what_is_drawn():
    src = draw(neuron()).source
    key = re.search(r"graph \[.*label=<(<table.*</table>)>", src).group(1)
    assert "data</font> value" in key and "∂E/∂node" in key
    assert ">leaf<" in key and ">output<" in key and "parameter" not in key
    key = re.search(r"label=<(<table.*</table>)>", draw(mlp_loss(1)).source).group(1)
    assert ">parameter<" in key and ">network input<" in key and "δ = ∂E/∂u" in key
    fresh = Value(1.0, "E") * 2  # no backward() yet: the gradients are not ∂E/∂·
    assert "∂" not in re.search(r"label=<(<table.*</table>)>", draw(fresh).source).group(1)


def test_the_node_count_guard_says_what_to_do():
    x = Value(1.0)
    for _ in range(400):
        x = x * 1.01
    with pytest.raises(ValueError, match=r"max_nodes=300.*collapse.*draw only part"):
        draw(x)
    assert draw(x, max_nodes=500).source.count('shape="box"') == 401


def test_drawing_only_the_part_leading_to_chosen_nodes():
    model = nn.MLP(2, [3, 1], seed=0)
    with nn.record(model) as rec:
        model([1.0, 2.0])
    u = rec.u[0][0][0]
    part = draw([u]).source
    assert "u₁⁽²⁾" in part and "z₁⁽³⁾" not in part


def test_graphs_deeper_than_the_recursion_limit_are_guarded_and_drawn():
    x = Value(1.0)
    for _ in range(5000):
        x = x + 1
    with pytest.raises(ValueError, match="5001 nodes"):
        draw(x)
    assert draw([x], max_nodes=6000).source.count("->") == 3 * 5000  # operand, constant, result
