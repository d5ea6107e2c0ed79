"""nn.draw: the network view of the seed notes, with values, deltas and
weight gradients after a pass, and one unit expanded into its scalar graph."""

import re
import shutil
import subprocess
import sys

import pytest

import nn
from autodiff import Value
from autodiff.notation.typeset import format_number

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is installed by ./run test")


def model():
    return nn.MLP(2, [3, 2, 1], "sigmoid", "linear", seed=0)


def units(source):
    """{node name: its label} of the unit circles."""
    return dict(re.findall(r"^\t+(l\d+u\d+) \[label=<(.*?)> shape=\"circle\"", source, re.M))


def weight_edges(source):
    return [(t, h, a) for t, h, a in re.findall(
        r"^\t(l\d+u\d+) -> (l\d+u\d+(?:n\d+op)?) \[(.*)\]$", source, re.M) if "invis" not in a]


def test_import_nn_needs_no_graphviz_and_nn_draw_is_the_network_view():
    code = ("import sys, nn; assert 'graphviz' not in sys.modules; "
            "assert 'nn.drawing' not in sys.modules; from nn.drawing import draw; "
            "assert nn.draw is draw")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=60)


def test_units_are_circles_in_layer_columns_and_weights_are_edges():
    src = nn.draw(model()).source
    found = units(src)
    assert sorted(found) == sorted(["l1u1", "l1u2", "l2u1", "l2u2", "l2u3", "l3u1", "l3u2",
                                    "l4u1"])
    assert "<b>x₁</b>" in found["l1u1"] and "<b>z₃⁽²⁾</b>" in found["l2u3"]
    assert "<b>y₁</b>" in found["l4u1"] and "identity" in found["l4u1"] and "σ" in found["l2u1"]
    for title in ("layer 1", "layer 2", "layer 3", "layer 4"):
        assert f"label=<<b>{title}</b>>" in src
    edges = weight_edges(src)
    assert len(edges) == 6 + 6 + 2
    m = model()
    w = m.layers[0].neurons[1].w[0]  # w_21^(2): from x_1 to unit 2 of layer 2
    (attrs,) = [a for t, h, a in edges if (t, h) == ("l1u1", "l2u2")]
    assert ("#2166ac" if w.data > 0 else "#d95f02") in attrs
    assert "w₂₁⁽²⁾" in attrs
    assert format_number(w.data, ".3g") in attrs
    widths = {(t, h): float(re.search(r'penwidth="([\d.]+)"', a).group(1)) for t, h, a in edges}
    size = {(f"l1u{i}", f"l2u{j}"): abs(n.w[i - 1].data)  # widths grow with |w| in a layer
            for j, n in enumerate(m.layers[0].neurons, start=1) for i in (1, 2)}
    by_size = sorted(size, key=size.get)
    assert [widths[e] for e in by_size] == sorted(widths[e] for e in by_size)


def test_weights_width_only_and_auto_for_big_layers():
    plain = nn.draw(model(), weights="width").source
    assert "label=<w" not in plain and "splines=line" in plain  # straight, as in the notes
    assert "splines=line" not in nn.draw(model()).source  # labelled: edges pass their label
    src = nn.draw(nn.MLP(4, [8, 1], "tanh", seed=1)).source  # 32 weights, then 8
    labelled = {(t, h) for t, h, a in weight_edges(src) if "label=" in a}
    assert labelled == {(f"l2u{i}", "l3u1") for i in range(1, 9)}
    with pytest.raises(ValueError, match="weights must be"):
        nn.draw(model(), weights="thick")


def test_after_a_pass_units_show_z_and_delta_and_edges_show_dE_dw():
    m = model()
    before = [p.grad for p in m.parameters()]
    src = nn.draw(m, [1.0, 0.0], [1.0]).source
    assert [p.grad for p in m.parameters()] == before  # autodiff.grad: no .grad touched
    twin = model()  # the same network: differentiate it the usual way
    with nn.record(twin) as rec:
        E = nn.squared_error(twin([1.0, 0.0]), [1.0])
    E.backward()
    found = units(src)
    for k, layer in enumerate(rec.z):
        for j, z in enumerate(layer[0], start=1):
            label = found[f"l{k + 2}u{j}"]
            assert f">{format_number(z.data, '.3g')}<" in label
            delta = rec.u[k][0][j - 1].grad
            assert f" {format_number(delta, '.3g')}<" in label and "δ" in label
    w = twin.layers[1].neurons[0].w[1]  # w_12^(3): ∂E/∂w = δ_1^(3) z_2^(2)
    (attrs,) = [a for t, h, a in weight_edges(src) if (t, h) == ("l2u2", "l3u1")]
    assert format_number(w.grad, ".3g") in attrs
    assert abs(w.grad - rec.u[1][0][0].grad * rec.z[0][0][1].data) < 1e-15
    assert re.search(r"loss \[label=<<b>E</b><br/>.*d = 1", src)
    assert "δ</font> = ∂E/∂u" in src


def test_a_recording_shows_its_sample():
    m = model()
    data = [([1.0, 0.0], 1.0), ([0.0, 1.0], 1.0)]
    with nn.record(m) as rec:
        E = nn.total([nn.squared_error(m(x), [d]) for x, d in data])
    E.backward()
    src = nn.draw(m, recording=rec, sample=1).source
    found = units(src)
    assert ">0</font>" in found["l1u1"] and ">1</font>" in found["l1u2"]  # x of sample 2
    delta = rec.u[0][1][0].grad
    assert format_number(delta, ".3g") in found["l2u1"]
    assert "(w.grad)" in src and "loss [" not in src
    with pytest.raises(ValueError, match=r"sample must be 0\.\.1"):
        nn.draw(m, recording=rec, sample=2)
    with pytest.raises(ValueError, match="another model"):
        nn.draw(nn.MLP(2, [1], seed=0), recording=rec)
    with pytest.raises(TypeError, match=r"nn\.record"):
        nn.draw(m, recording=[1])


def test_a_unit_expands_into_its_scalar_graph():
    src = nn.draw(model(), [1.0, 0.0], [1.0], expand=(2, 1)).source
    assert "l2u1 [" not in src  # no circle: its graph instead
    unit = re.search(r'subgraph "cluster_layers_0__neurons_0" \{(.*?)\n\t\t\}', src, re.S).group(1)
    for name in ("w₁₁⁽²⁾", "w₁₂⁽²⁾", "b₁⁽²⁾", "u₁⁽²⁾", "z₁⁽²⁾"):
        assert f"<b>{name}</b>" in unit
    assert unit.count('shape="circle"') == 5  # × × + + σ
    inputs = [h for t, h, a in weight_edges(src) if t in ("l1u1", "l1u2") and h.endswith("op")]
    assert len(inputs) == 2  # x_1 and x_2 arrive at the two products
    assert re.search(r"^\tl2u1n\d+ -> l3u1 ", src, re.M)  # z_1^(2) goes on to layer 3
    deeper = nn.draw(model(), [1.0, 0.0], [1.0], expand=[(3, 2), (2, 3)]).source
    assert "cluster_layers_1__neurons_1" in deeper and "cluster_layers_0__neurons_2" in deeper
    with pytest.raises(ValueError, match="needs a forward pass"):
        nn.draw(model(), expand=(2, 1))
    with pytest.raises(ValueError, match="no unit 4 in layer 2"):
        nn.draw(model(), [1.0, 0.0], expand=(2, 4))
    with pytest.raises(ValueError, match="no unit 1 in layer 1"):
        nn.draw(model(), [1.0, 0.0], expand=(1, 1))
    with pytest.raises(TypeError, match="expand takes units"):
        nn.draw(model(), [1.0, 0.0], expand=["2,1"])


def test_bad_calls_get_clear_errors():
    with pytest.raises(TypeError, match=r"needs a model with \.layers"):
        nn.draw(Value(1.0))
    with pytest.raises(TypeError, match="layers of neurons"):
        nn.draw(nn.Sequential(nn.Residual(nn.Layer(2, 2))))
    with pytest.raises(ValueError, match="list of the 2 inputs"):
        nn.draw(model(), [1.0])
    with pytest.raises(ValueError, match="needs its sample x"):
        nn.draw(model(), d=[1.0])
    with pytest.raises(ValueError, match="not both"):
        with nn.record(model()) as rec:
            pass
        nn.draw(model(), [1.0, 0.0], recording=rec)
    with pytest.raises(ValueError, match="Unknown format code"):
        nn.draw(model(), number_format="q")


def test_a_non_str_number_format_says_what_is_expected():
    with pytest.raises(TypeError, match=r"number_format must be a format spec such as '\.4g'"):
        nn.draw(model(), number_format=4)


@needs_dot
def test_the_network_view_renders(tmp_path):
    svg = nn.draw(model(), [1.0, 0.0], [1.0]).svg()
    assert svg.count('class="node"') >= 8 + 1 and "δ₁⁽²⁾" in svg and "baseline-shift" not in svg
    assert nn.draw(model(), [1.0, 0.0], [1.0], expand=(2, 1)).save_as(tmp_path / "n.png")


def test_lang_ja_writes_the_key_the_layers_and_identity_in_japanese():
    en = nn.draw(model(), [1.0, 0.0], [1.0]).source
    ja = nn.draw(model(), [1.0, 0.0], [1.0], lang="ja").source
    for words in (("value of a unit", "ユニットの値"), ("on the edges", "（辺の上）"),
                  ("width: |w|", "線の太さ"), (" bias", " バイアス")):
        assert words[0] in en and words[0] not in ja and words[1] in ja, words
    for l in (1, 2, 3, 4):  # noqa: E741 (the notes' letter)
        assert f"label=<<b>layer {l}</b>>" in en and f"label=<<b>第 {l} 層</b>>" in ja
    assert "identity" in units(en)["l4u1"] and "恒等" in units(ja)["l4u1"]
    assert "layer" not in units(ja)["l4u1"] and "σ" in units(ja)["l2u1"]
    assert units(en).keys() == units(ja).keys()  # the same picture, other words
    with pytest.raises(ValueError, match="lang must be one of 'en', 'ja', got 'fr'"):
        nn.draw(model(), lang="fr")


@needs_dot
def test_the_japanese_network_view_renders_its_words(tmp_path):
    svg = nn.draw(model(), [1.0, 0.0], [1.0], lang="ja").svg()
    assert "第 2 層" in svg and "ユニットの値" in svg and "恒等" in svg
