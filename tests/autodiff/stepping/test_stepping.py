"""Stepper: forward and backward steps, formulas, running sums, frames."""

import html
import re
import xml.etree.ElementTree as ET

import pytest

import nn
from autodiff import Stepper, Value
from autodiff.cli import DEMO_AT, neuron_example, parse_assignments
from autodiff.drawing.graph import HIGHLIGHT, RECEIVER, RECEIVER_EDGE

SVG = "{http://www.w3.org/2000/svg}"


def neuron():
    """The seed notes' neuron E = (σ(w·x + b) − d)²/2, before any backward():
    the stepper tests' graph (also of the widget, player and GIF tests)."""
    return neuron_example(parse_assignments(DEMO_AT))[0]


def test_steps_forward_then_backward_with_formulas():
    E = neuron()
    stepper = Stepper(E)
    kinds = [s.kind for s in stepper.steps]
    assert kinds == ["forward"] * 10 + ["backward"] * 7  # 10 nodes; seed + 6 operations
    assert len(stepper) == 17
    texts = [str(s) for s in stepper.steps]
    assert texts[2] == "t1 = w × x = 0.5"
    assert texts[0] == "w = 0.5  (input)"
    assert texts[10] == "∂E/∂E = 1  (seed)"
    assert texts[4:10] == ["u = t1 + b = 0.5", "z = σ(u) = 0.6225", "d = 1  (input)",
                           "t2 = z − d = -0.3775", "t3 = t2^2 = 0.1425", "E = t3 / 2 = 0.07127"]
    assert "d.grad += ∂t2/∂d × t2.grad = (−1) × -0.3775  →  0 + 0.3775 = 0.3775" in texts[13]
    assert "t2.grad += ∂t3/∂t2 × t3.grad = (2·t2 = -0.7551) × 0.5" in texts[12]
    assert "t3.grad += ∂E/∂t3 × E.grad = (1/2 = 0.5) × 1" in texts[11]
    sigmoid_step = next(t for t in texts if t.startswith("at z = σ(u)"))
    assert "u.grad += ∂z/∂u × z.grad = (σ(u)(1 − σ(u)) = 0.235) × -0.3775" in sigmoid_step
    assert "→  0 − 0.08872 = -0.08872" in sigmoid_step
    last = texts[-1]
    assert "w.grad += ∂t1/∂w × t1.grad = (x = 1)" in last
    assert "x.grad += ∂t1/∂x × t1.grad = (w = 0.5)" in last


def test_local_derivative_formulas_of_every_primitive():
    x, y = Value(0.5, "x"), Value(2.0, "y")
    expected = {
        x.tanh(): "1 − tanh²(x)", x.relu(): "[x > 0]", x.exp(): "exp(x)", x.log(): "1/x",
        x**y: "y·x^(y − 1)", 2**x: "2^x·ln 2", x * 3: "3", x + 3: "1", x - y: "1",
        3 - x: "−1", x / y: "1/y", 3 / x: "−n/x", -x: "−1", x**3: "3·x^2", x**2: "2·x",
        x.sin(): "cos(x)", x.sqrt(): "1/(2√x)", x.sigmoid(): "σ(x)(1 − σ(x))",
    }
    for node, formula in expected.items():
        node.label = "n"
        assert f"({formula} = " in str(Stepper(node).steps[-1]) or f"({formula})" in str(
            Stepper(node).steps[-1])
    assert "x^y·ln x" in str(Stepper(x**y).steps[-1])


def test_running_sums_on_shared_nodes_and_exact_final_gradients():
    a = Value(3.0, "a")
    b = a + a
    c = b * b
    stepper = Stepper(c)
    assert "a.grad += ∂t1/∂a × t1.grad = (1) × 12  →  12 + 12 = 24" in str(stepper.steps[-1])
    assert a.grad == 0.0  # the stepper does not touch the graph
    c.backward()
    assert stepper.gradients[a] == a.grad and stepper.gradients[b] == b.grad


def test_stepper_gradients_equal_backward_bit_for_bit_on_a_network():
    model = nn.MLP(3, [4, 2], "tanh", "softmax", seed=1)
    E = nn.cross_entropy(model([0.1, -0.7, 2.0]), [0.0, 1.0])
    stepper = Stepper(E)
    E.backward()
    assert all(stepper.gradients[p] == p.grad for p in model.parameters())


def test_frames_fill_in_values_then_gradients():
    E = neuron()
    stepper = Stepper(E)
    first = stepper.frame(0).source
    assert len(re.findall(r"data\s+\?", first)) == 9  # only w is known
    assert "data 0.5" in first and first.count("#ffb000") == 1
    middle = stepper.frame(12).source  # after the seed and the first two backward steps
    assert "grad 0.5" in middle and re.search(r"grad\s+\?", middle)
    last = stepper.frame(len(stepper) - 1).source
    assert "?" not in last
    with pytest.raises(IndexError, match="out of range"):
        stepper.frame(len(stepper))


def test_frames_keep_the_same_layout_geometry():
    stepper = Stepper(neuron())

    def label_widths(source):
        return [len(m) for m in re.findall(r"label=<(.*?)> shape", source)]

    widths = {tuple(label_widths(stepper.frame(k).source)) for k in range(len(stepper))}
    assert len(widths) == 1  # same label lengths in every frame: Graphviz lays them out alike


def test_stepper_rejects_non_values():
    with pytest.raises(TypeError, match="Value"):
        Stepper(1.0)


def test_a_bad_number_format_is_refused_as_the_diagrams_refuse_it():
    with pytest.raises(TypeError, match=r"number_format must be a format spec such as '\.4g'"):
        Stepper(Value(1.0), number_format=4)
    with pytest.raises(ValueError, match="Unknown format code"):
        Stepper(Value(1.0), number_format="q")


def test_the_layout_frame_holds_every_number_at_its_widest():
    a = Value(3.0, "a")
    b = a + a
    b.label = "b"
    stepper = Stepper(b * b)
    layout = stepper.layout_frame().source
    assert "?" not in layout
    # a's gradient is 12 after the first update, 24 after the second: same width;
    # b's is "?" until its update: the widest is the number
    assert "grad 24" in layout and "grad 12" in layout
    frame = stepper.frame(len(stepper.nodes)).source  # the seed step
    colored = r"(?:<font [^>]*>)?{}(?:</font>)?"  # values and gradients have their colour
    row = colored.format(r"data {}") + "<br/>" + colored.format(r"grad \s*\?\s*") + ">"
    assert re.search(r"<b>b</b><br/>" + row.format(6), frame)
    assert re.search(r"<b>a</b><br/>" + row.format(3), frame)


def test_negative_terms_are_written_as_subtractions():
    x = Value(2.0, "x")
    y = x * -3
    y.label = "y"
    assert str(Stepper(y).steps[-1]).endswith("→  0 − 3 = -3")


def test_steps_and_frames_write_numbers_as_the_diagrams_do():
    # one formatter (autodiff.notation.typeset.format_number): a zero is "0", never "-0"
    x = Value(-1.0, "x")
    y = x.relu()
    y.label = "y"
    E = (y - 1.0) ** 2
    E.label = "E"
    assert str(Stepper(E).steps[-1]).endswith("([x > 0] = 0) × -2  →  0 + 0 = 0")
    a = Value(0.0, "a")
    b = a * -1.0
    b.label = "b"
    stepper = Stepper(b)
    assert str(stepper[1]) == "b = a × -1 = 0"
    assert "data 0" in stepper.frame(len(stepper) - 1).source
    assert "-0" not in stepper.frame(len(stepper) - 1).source.replace("-0.", "")


def test_long_chains_need_no_recursion():
    x = Value(0.5, "x")
    y = x
    for _ in range(5000):  # deeper than Python's recursion limit
        y = y * 1.0001
    stepper = Stepper(y)
    y.backward()
    assert len(stepper) == 5001 + 1 + 5000 and stepper.gradients[x] == x.grad
    with pytest.raises(ValueError, match="max_nodes"):
        stepper.frame(0)


def coloured(svg, color):
    """The first text line (the name) of every node box or op filled with `color`."""
    names = []
    for g in ET.fromstring(svg).iter(f"{SVG}g"):
        if g.get("class") != "node":
            continue
        shape = next((e for e in g.iter() if e.tag in (f"{SVG}path", f"{SVG}polygon",
                                                 f"{SVG}ellipse")), None)
        if shape is not None and shape.get("fill") == color:  # (a folded number has none)
            texts = ["".join(t.itertext()).strip() for t in g.iter(f"{SVG}text")]
            names.append(texts[0] if texts else "")
    return names


def edges_coloured(svg, color):
    return [next(g.iter(f"{SVG}title")).text for g in ET.fromstring(svg).iter(f"{SVG}g")
            if g.get("class") == "edge" and any(e.get("stroke") == color for e in g)]


def test_forward_frames_show_the_computed_node_and_no_receivers():
    svg = Stepper(neuron()).frame(4).svg()  # u = t1 + b
    assert sorted(coloured(svg, HIGHLIGHT)) == ["+", "u"]
    assert coloured(svg, RECEIVER) == [] and edges_coloured(svg, RECEIVER_EDGE) == []
    assert svg.count("data 0.5") == 3 and "data 0.6225" not in svg  # w, t1, u known; z not yet


def test_backward_frames_show_the_receivers_and_their_edges():
    stepper = Stepper(neuron())
    by_node = {stepper[k].node.label: k for k in range(10, 17)}
    assert sorted(coloured(stepper.frame(10).svg(), HIGHLIGHT)) == ["E", "÷"]  # the seed: E alone
    assert coloured(stepper.frame(10).svg(), RECEIVER) == []
    expected = {"E": ["t3"], "t3": ["t2"], "t2": ["z", "d"], "z": ["u"], "u": ["t1", "b"],
                "t1": ["w", "x"]}
    for node, receivers in expected.items():
        svg = stepper.frame(by_node[node]).svg()
        assert sorted(coloured(svg, RECEIVER)) == sorted(receivers), node
        assert len(edges_coloured(svg, RECEIVER_EDGE)) == len(receivers), node
        assert node in coloured(svg, HIGHLIGHT), node
    last = html.unescape(stepper.frame(16).svg())
    assert last.count("grad -0.08872") == 4  # δ at z, t1, b and w (δ·x, x = 1)
    assert "grad -0.04436" in last  # x: δ·w


def test_unlabelled_nodes_show_the_steppers_names_and_u_nodes_delta():
    model = nn.MLP(2, [2, 1], "tanh", seed=0)
    E = nn.squared_error(model([0.5, -1.0]), [1.0])
    stepper = Stepper(E)
    k = next(k for k, s in enumerate(stepper) if s.kind == "backward" and s.node.label == "u_1^(3)")
    text = str(stepper[k])  # the notes' notation, written as the pictures write it
    assert text.startswith(f"at u₁⁽³⁾ = {stepper.names[stepper[k].node.inputs[0]]} + ")
    assert ", δ₁⁽³⁾ = ∂E/∂u₁⁽³⁾ = " in text.split("\n")[0]
    assert "× δ₁⁽³⁾ = (1) ×" in text
    receiving_u = next(s for s in stepper if s.kind == "backward" and s.node.label == "z_1^(2)")
    assert "  δ₁⁽²⁾ += ∂z₁⁽²⁾/∂u₁⁽²⁾ × z₁⁽²⁾.grad" in str(receiving_u)
    assert "_" not in "".join(str(s) for s in stepper)  # no raw u_1^(2) anywhere
    unlabelled = [v for v in stepper.nodes if not v.label]
    svg = stepper.frame(len(stepper) - 1).svg()
    for v in unlabelled:
        assert f">{stepper.names[v]}</text>" in svg
    assert "δ" in svg
    for name in ("u₁⁽³⁾", "z₁⁽²⁾", "δ₁⁽³⁾"):  # the text's names are the picture's
        assert f">{name}</text>" in svg


def test_samples_that_share_labels_are_told_apart_in_text_and_picture():
    model = nn.MLP(2, [3, 1], "tanh", seed=0)
    X, D = nn.datasets.xor()
    loss = nn.total([nn.squared_error(model(x), d) for x, d in zip(X[:2], D[:2], strict=True)])
    stepper = Stepper(loss)
    names = list(stepper.names.values())
    assert len(names) == len(set(names)) == len(stepper.nodes) == 63  # every node its own name
    assert {"u₁⁽²⁾[n=1]", "u₁⁽²⁾[n=2]", "z₃⁽²⁾[n=2]", "u₁⁽³⁾[n=2]"} <= set(names)
    assert "w₁₁⁽²⁾" in names  # shared by both samples: one node, no mark
    first = next(v for v in stepper.nodes if v.label == "u_1^(2)")
    assert stepper.names[first] == "u₁⁽²⁾[n=1]"  # the first sample's pass comes first
    text = "\n".join(str(s) for s in stepper)
    assert "δ₂⁽²⁾[n=2] = ∂E/∂u₂⁽²⁾[n=2] = " in text
    svg = html.unescape(stepper.frame(len(stepper) - 1).svg())
    assert svg.count(">u₁⁽²⁾</text>") == 2 and svg.count(">[n=1]</text>") >= 4
    assert "network input x₁[n=2]" in svg  # each sample's inputs, their tooltips too
    assert 'xlink:title="u₁⁽²⁾[n=2] in layer 2, unit 1"' in svg


def test_receivers_are_the_inputs_whose_gradient_changes_each_once():
    a = Value(3.0, "a")
    b = a * a
    stepper = Stepper(b)
    assert [stepper.receivers(k) for k in range(len(stepper))] == [(), (), (), (a,)]
    with pytest.raises(IndexError, match="out of range"):
        stepper.receivers(4)


def baydin():
    """Baydin et al. (JMLR 2018): f = ln x1 + x1·x2 − sin x2 at (2, 5), nodes v1 … v5."""
    from autodiff import ops

    x1, x2 = Value(2.0, "x1"), Value(5.0, "x2")
    v1 = ops.log(x1)
    v2 = x1 * x2
    v3 = ops.sin(x2)
    v4 = v1 + v2
    v5 = v4 - v3
    for node, name in ((v1, "v1"), (v2, "v2"), (v3, "v3"), (v4, "v4"), (v5, "v5")):
        node.label = name
    return x1, x2, v5


def test_forward_mode_steps_are_the_forward_tangent_trace():
    from autodiff import jvp

    x1, x2, v5 = baydin()
    stepper = Stepper(v5, tangents={x1: 1.0})
    texts = [str(s) for s in stepper.steps]
    assert stepper.mode == "forward" and len(stepper) == 7
    assert all(s.kind == "forward" for s in stepper.steps)
    assert texts[0] == "x1 = 2  (input)\n  ẋ1 = 1"
    assert texts[1].endswith("v̇1 = ∂v1/∂x1·ẋ1 = (1/x1 = 0.5)·1 = 0.5")
    assert "v̇2 = ∂v2/∂x1·ẋ1 + ∂v2/∂x2·ẋ2 = (x2 = 5)·1 + (x1 = 2)·0 = 5" in texts[3]
    assert "v̇3 = 0  (depends on no input with a tangent)" in texts[5]
    assert texts[-1].endswith("= (1)·5.5 + (−1)·0 = 5.5")
    assert stepper.tangents[v5] == 5.5 == jvp(lambda a, b: baydin_f(a, b), [2.0, 5.0],
                                              [1.0, 0.0])[1]
    assert stepper.gradients == {} and x1.grad == 0.0  # nothing on the graph changes
    along_x2 = Stepper(v5, tangents={x2: 1.0})
    assert along_x2.tangents[v5] == jvp(baydin_f, [2.0, 5.0], [0.0, 1.0])[1]


def baydin_f(a, b):
    from autodiff import ops

    return ops.log(a) + a * b - ops.sin(b)


def test_forward_mode_frames_fill_in_values_and_tangents_from_the_inputs():
    x1, _, v5 = baydin()
    stepper = Stepper(v5, tangents={x1: 1.0})
    first = stepper.frame(0).source
    assert "tangent 1" in first and "grad" not in first
    assert len(re.findall(r"tangent\s+\?", first)) == 6
    after_v4 = stepper.frame(4).source
    assert "tangent 5.5" in after_v4 and len(re.findall(r"tangent\s+\?", after_v4)) == 2
    assert "?" not in stepper.frame(6).source
    assert "?" not in stepper.layout_frame().source


@pytest.mark.parametrize("tangents, error, words", [
    ({Value(1.0): 1.0}, ValueError, "not a node of this graph"),
    ({"x1": 1.0}, ValueError, "not a node"),
    ([1.0], TypeError, "mapping"),
])
def test_forward_mode_tangents_are_checked(tangents, error, words):
    with pytest.raises(error, match=words):
        Stepper(baydin()[2], tangents=tangents)
    x1, _, v5 = baydin()
    with pytest.raises(TypeError, match="tangent of x1 must be a number"):
        Stepper(v5, tangents={x1: "1"})
