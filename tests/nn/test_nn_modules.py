"""nn modules: structure, names, labels, scopes, state, and bad input."""

import random

import pytest

import nn
from autodiff import Value, topological_order


def test_mlp_structure_and_named_parameters():
    model = nn.MLP(2, [3, 1])
    names = [name for name, _ in model.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                         "layers.0.neurons.0.b"]
    assert names[-1] == "layers.1.neurons.0.b"
    assert len(names) == model.num_parameters() == 3 * 3 + 4
    assert [p for _, p in model.named_parameters()] == model.parameters()
    assert repr(model) == "MLP(2 → 3 → 1, relu, output linear) [13 parameters]"


def test_layer_always_returns_a_list_even_for_one_unit():
    model = nn.MLP(2, [16, 1, 1])  # micrograd's single-output special case crashes here
    out = model([1.0, -1.0])
    assert isinstance(out, list) and len(out) == 1 and isinstance(out[0], Value)
    assert isinstance(nn.Layer(3, 1)([1.0, 2.0, 3.0]), list)


def test_neuron_computes_u_and_z():
    n = nn.Neuron(2, "sigmoid", init=nn.init.constant(0.5), bias_init=nn.init.constant(-0.25))
    z = n([1.0, 2.0])
    u = z.inputs[0]
    assert u.data == 0.5 * 1 + 0.5 * 2 - 0.25
    assert z.op == "sigmoid" and len(n.w) == 2 and n.b.data == -0.25


def test_labels_follow_the_seed_notes_notation():
    model = nn.MLP(2, [12, 1], "tanh", "sigmoid")
    first, second = model.layers
    assert first.neurons[0].w[1].label == "w_12^(2)"
    assert first.neurons[11].w[1].label == "w_12,2^(2)"  # an index ≥ 10 brings a comma
    assert second.neurons[0].w[10].label == "w_1,11^(3)"
    assert nn.MLP(2, [2, 1]).layers[0].neurons[1].w[0].label == "w_21^(2)"
    assert second.neurons[0].b.label == "b_1^(3)"
    (y,) = model([0.1, 0.2])
    assert y.label == "z_1^(3)" and y.inputs[0].label == "u_1^(3)"


def test_nodes_carry_their_module_scope():
    model = nn.MLP(2, [2, 1])
    (y,) = model([0.5, -0.5])
    scopes = {v.scope for v in topological_order(y) if v.op}
    assert scopes == {"layers.0/neurons.0", "layers.0/neurons.1", "layers.1/neurons.0"}
    first = model.layers[0].neurons[1]
    assert {p.scope for p in (*first.w, first.b)} == {"layers.0/neurons.1"}
    assert model.layers[1].neurons[0].b.scope == "layers.1/neurons.0"
    block = nn.Residual(nn.Layer(2, 2))
    net = nn.Sequential(nn.Layer(1, 2), block)
    assert block.block.neurons[1].w[0].scope == "layers.1/block/neurons.1"
    (out, _) = net([0.5])
    assert {v.scope for v in topological_order(out) if v.op} >= {"layers.1/block/neurons.0"}


def test_initialisers_are_reproducible_and_shaped():
    a = nn.MLP(3, [4, 2], seed=5).state_dict()
    assert a == nn.MLP(3, [4, 2], seed=random.Random(5)).state_dict()
    assert a != nn.MLP(3, [4, 2], seed=6).state_dict()
    xavier = nn.MLP(300, [100], init=nn.init.xavier(), seed=0).parameters()
    bound = (6 / 400) ** 0.5
    assert max(abs(p.data) for p in xavier) <= bound
    he = [p.data for p in nn.MLP(400, [50], init=nn.init.he(), seed=0).parameters()
          if p.label.startswith("w")]
    variance = sum(w * w for w in he) / len(he)
    assert variance == pytest.approx(2 / 400, rel=0.05)
    const = nn.MLP(2, [2, 1], init=nn.init.constant(100))
    assert {p.data for p in const.parameters()} == {100.0, 0.0}


def test_residual_block_adds_its_input():
    block = nn.Layer(2, 2, "relu", init=nn.init.constant(-1.0))
    net = nn.Sequential(nn.Layer(2, 2), nn.Residual(block), nn.Layer(2, 1))
    z = [Value(0.5), Value(2.0)]
    out = nn.Residual(block)(z)
    assert [o.data for o in out] == [0.5, 2.0]  # F(z) = relu(−2.5) = 0: identity path only
    out[0].backward()
    assert z[0].grad == 1.0  # the gradient still reaches z through the skip
    assert len(net([1.0, 2.0])) == 1
    assert "block" in net.named_parameters()[6][0]
    with pytest.raises(ValueError, match="width"):
        nn.Residual(nn.Layer(2, 3))([1.0, 2.0])


def test_zero_grad_and_state_dict_round_trip():
    model = nn.MLP(2, [3, 1], seed=1)
    model([1.0, 2.0])[0].backward()
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    other = nn.MLP(2, [3, 1], seed=2)
    other.load_state_dict(model.state_dict())
    assert other.state_dict() == model.state_dict()


@pytest.mark.parametrize(
    "state, error, words",
    [
        ("drop", KeyError, "missing"),
        ("extra", KeyError, "unexpected"),
        ("nan", ValueError, "finite"),
        ("text", ValueError, "finite"),
        ("list", TypeError, "mapping"),
    ],
)
def test_load_state_dict_rejects_mismatches_and_changes_nothing(state, error, words):
    model = nn.MLP(2, [3, 1], seed=1)
    before = model.state_dict()
    good = dict(before)
    if state == "drop":
        good.pop("layers.1.neurons.0.b")
    elif state == "extra":
        good["layers.2.neurons.0.b"] = 1.0
    elif state == "nan":
        good["layers.1.neurons.0.b"] = float("nan")
    elif state == "text":
        good["layers.1.neurons.0.b"] = "0.5"
    else:
        good = list(good.items())
    with pytest.raises(error, match=words):
        model.load_state_dict(good)
    assert model.state_dict() == before


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda: nn.MLP(0, [1]), ValueError, "nin"),
        (lambda: nn.MLP(2, []), ValueError, "sizes"),
        (lambda: nn.MLP(2, 3), ValueError, "sizes"),
        (lambda: nn.MLP(2, [2, 0]), ValueError, r"sizes\[1\]"),
        (lambda: nn.MLP(2, [2], activation="swish"), ValueError, "swish"),
        (lambda: nn.MLP(2, [2], activation="softmax"), ValueError, "softmax"),
        (lambda: nn.MLP(2, [2], seed="x"), TypeError, "seed"),
        (lambda: nn.init.uniform(1, -1), ValueError, "low"),
        (lambda: nn.init.constant(float("inf")), ValueError, "finite"),
        (lambda: nn.Sequential(), ValueError, "at least one"),
        (lambda: nn.Sequential(nn.Layer(1, 1), "x"), TypeError, "item 1"),
        (lambda: nn.Residual(3), TypeError, "module"),
    ],
)
def test_bad_construction_gets_clear_errors(make, error, words):
    with pytest.raises(error, match=words):
        make()


@pytest.mark.parametrize(
    "x, error, words",
    [([1.0], ValueError, "2 inputs, got 1"), ("ab", TypeError, "list"), (3.0, TypeError, "list"),
     ([1.0, "a"], TypeError, "input 1"), ([1.0, None], TypeError, "input 1"),
     ([float("nan"), 1.0], ValueError, "input 0 must be finite")],
)
def test_bad_inputs_get_clear_errors(x, error, words):
    with pytest.raises(error, match=words):
        nn.MLP(2, [2, 1])(x)


def test_losses_check_their_arguments():
    y = [Value(0.5)]
    with pytest.raises(ValueError, match="1 outputs but 2 targets"):
        nn.squared_error(y, [1.0, 2.0])
    with pytest.raises(TypeError, match="finite number"):
        nn.squared_error(y, [float("nan")])
    assert nn.squared_error(y, 1.0).data == 0.125  # a bare number target is one target


def test_record_shapes_and_deltas():
    model = nn.MLP(2, [3, 2], "sigmoid", "softmax", seed=0)
    with nn.record(model) as rec:
        E = nn.total([nn.cross_entropy(model(x), d) for x, d in
                      [([0.1, 0.2], [1.0, 0.0]), ([0.3, -0.4], [0.0, 1.0])]], "sum")
    model([0.0, 0.0])  # outside the recording
    E.backward()
    assert [len(layer) for layer in rec.u] == [2, 2]  # layers × samples
    assert [len(rec.u[k][0]) for k in range(2)] == [3, 2]
    assert rec.deltas()[0][1] == [u.grad for u in rec.u[0][1]]
    assert rec.z[0][0][0].label == "z_1^(2)"
    with pytest.raises(TypeError, match="layers"), nn.record(nn.Neuron(2)):
        pass
