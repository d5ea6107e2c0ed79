"""The Module protocol: children, own parameters, config/from_config, unit naming,
and everything that walks a model of any nesting through it (parameters, scopes,
labels, nn.record, nn.grad_norms, save/load), including a user's own modules."""

import pytest

import autodiff
import nn
import nn.module
import nn.optim
from autodiff import Value, topological_order


class Scale(nn.Module):
    """A user module: one parameter s, z ↦ s·z elementwise."""

    def __init__(self, s: float = 1.0) -> None:
        self.s = Value(s, "s")

    def own_parameters(self):
        return [("s", self.s)]

    def __call__(self, z):
        return [self.s * zi for zi in z]

    def config(self):
        return {"type": self.type_name, "s": self.s.data}


class Parallel(nn.Module, type_name="test.Parallel"):
    """A user container: z ↦ A(z) + B(z), registered under its own type name."""

    def __init__(self, a: nn.Module, b: nn.Module) -> None:
        self.a, self.b = a, b

    def named_children(self):
        return [("a", self.a), ("b", self.b)]

    def __call__(self, z):
        with autodiff.scope("a"):
            za = self.a(z)
        with autodiff.scope("b"):
            zb = self.b(z)
        return [x + y for x, y in zip(za, zb, strict=True)]

    def config(self):
        return {"type": self.type_name, "a": self.a.config(), "b": self.b.config()}

    @classmethod
    def from_config(cls, config):
        return cls(nn.module.build(config["a"]), nn.module.build(config["b"]))


def nested():
    """Layers at four depths: directly, in a Residual, in a Sequential in a
    Residual, and in a user container."""
    return nn.Sequential(
        nn.Layer(2, 3, "tanh", seed=1),
        nn.Residual(nn.Layer(3, 3, "relu", seed=2)),
        nn.Residual(nn.Sequential(nn.Layer(3, 3, "tanh", seed=3), Scale(0.5))),
        Parallel(nn.Layer(3, 2, seed=4), nn.Layer(3, 2, seed=5)),
    )


def test_named_modules_walk_every_nesting_depth_first():
    paths = [path for path, _ in nested().named_modules()]
    assert paths[:4] == ["", "layers.0", "layers.0.neurons.0", "layers.0.neurons.1"]
    layers = [path for path, m in nested().named_modules() if isinstance(m, nn.Layer)]
    assert layers == ["layers.0", "layers.1.block", "layers.2.block.layers.0", "layers.3.a",
                      "layers.3.b"]


def test_parameters_names_and_scopes_through_every_nesting():
    model = nested()
    names = [name for name, _ in model.named_parameters()]
    assert "layers.2.block.layers.1.s" in names
    assert "layers.3.b.neurons.1.w.2" in names
    assert len(names) == len(set(names)) == model.num_parameters() == 9 + 12 + 12 + 1 + 8 + 8
    assert model.layers[2].block.layers[1].s.scope == "layers.2/block/layers.1"
    (out, _) = model([0.5, -1.0])
    scopes = {v.scope for v in topological_order(out) if v.op}
    assert {"layers.2/block/layers.0/neurons.2", "layers.2/block/layers.1",
            "layers.3/b/neurons.0"} <= scopes


def test_units_are_named_with_consecutive_layer_indices_through_nesting():
    model = nested()
    first_weights = [m.neurons[0].w[0].label for _, m in model.named_modules()
                     if isinstance(m, nn.Layer)]
    assert first_weights == ["w_11^(2)", "w_11^(3)", "w_11^(4)", "w_11^(5)", "w_11^(6)"]
    inner = nn.Sequential(nn.Layer(1, 1), nn.Layer(1, 1))
    outer = nn.Sequential(nn.Layer(1, 1), inner)
    assert [layer.neurons[0].b.label for layer in (outer.layers[0], *inner.layers)] == [
        "b_1^(2)", "b_1^(3)", "b_1^(4)"]


def test_record_sees_layers_at_any_nesting():
    model = nested()
    with nn.record(model) as rec:
        E = nn.total([nn.squared_error(model(x), [0.1, 0.2]) for x in ([0.5, -1.0], [1.0, 2.0])])
    E.backward()
    assert rec.paths == ["layers.0", "layers.1.block", "layers.2.block.layers.0", "layers.3.a",
                         "layers.3.b"]
    assert [len(samples) for samples in rec.u] == [2] * 5  # every layer, both samples
    assert rec.layers[1] is model.layers[1].block
    assert rec.u[1][0][2].label == "u_3^(3)"
    assert rec.deltas()[2][1] == [u.grad for u in rec.u[2][1]]
    assert any(d != 0 for d in rec.deltas()[1][0])  # the Residual's layer got its deltas
    assert "5 layers" in repr(rec)
    assert len(nn.grad_norms(model)) == 5


def test_record_of_a_plain_mlp_keeps_its_shape():
    model = nn.MLP(2, [3, 2], "sigmoid", "softmax", seed=0)
    with nn.record(model) as rec:
        model([0.1, 0.2])
    assert rec.paths == ["layers.0", "layers.1"] and rec.layers == model.layers
    assert [len(rec.u[k][0]) for k in range(2)] == [3, 2]
    with nn.record(nn.Layer(2, 2)) as rec:  # a single layer is a model too
        pass
    assert rec.paths == [""]
    with pytest.raises(TypeError, match="nn model"), nn.record([nn.Layer(1, 1)]):
        pass


def test_user_modules_round_trip_through_save_and_load(tmp_path):
    model = nested()
    model.layers[2].block.layers[1].s.data = 0.25
    path = tmp_path / "nested.json"
    nn.save(model, path)
    loaded = nn.load(path)
    assert repr(loaded) == repr(model) and loaded.state_dict() == model.state_dict()
    assert isinstance(loaded.layers[3], Parallel)
    x = [0.3, -0.7]
    assert [v.data for v in loaded(x)] == [v.data for v in model(x)]


def test_from_config_dispatches_on_the_registered_type_name():
    config = Parallel(Scale(), Scale()).config()
    assert config["type"] == "test.Parallel"
    assert isinstance(nn.module.build(config), Parallel)
    with pytest.raises(ValueError, match="unknown module type 'Conv'"):
        nn.module.build({"type": "Conv"})
    with pytest.raises(ValueError, match="'type' string"):
        nn.module.build({"nin": 2})
    with pytest.raises(TypeError, match="dict"):
        nn.module.build(["Layer"])


def test_a_type_name_cannot_be_taken_twice():
    with pytest.raises(TypeError, match="'Layer' is already registered"):
        class Layer(nn.Module):  # a different class under a built-in's name
            pass

    with pytest.raises(TypeError, match="type_name must be a non-empty str"):
        class Empty(nn.Module, type_name=""):
            pass

    assert nn.module.build({"type": "Layer", "nin": 1, "nout": 1}).__class__ is nn.Layer


def test_a_module_without_config_says_how_to_save_it(tmp_path):
    class Plain(nn.Module, type_name="test.Plain"):
        def __call__(self, z):
            return z

    with pytest.raises(NotImplementedError, match="define config"):
        nn.save(Plain(), tmp_path / "p.json")
    assert list(tmp_path.iterdir()) == []
    with pytest.raises(TypeError, match="not a module"):
        nn.Sequential(nn.Module())  # no __call__


def test_a_shared_layer_is_one_set_of_parameters():
    shared = nn.Layer(2, 2, "tanh", seed=0)
    model = nn.Sequential(shared, shared)
    assert model.num_parameters() == 6  # not 12: an optimiser must step them once
    p = shared.neurons[0].w[0]
    before = p.data
    model([1.0, 1.0])[0].backward()
    nn.SGD(model.parameters(), lr=0.1).step()
    assert p.data == pytest.approx(before - 0.1 * p.grad)


def test_zero_grads_delegate_to_autodiff_zero_grad(monkeypatch):
    calls = []
    monkeypatch.setattr(nn.module, "zero_grad", lambda values: calls.append(list(values)))
    monkeypatch.setattr(nn.optim, "zero_grad", lambda values: calls.append(list(values)))
    model = nn.MLP(2, [2, 1], seed=0)
    model.zero_grad()
    nn.SGD(model.parameters(), lr=0.1).zero_grad()
    assert calls == [model.parameters(), model.parameters()]


def test_zero_grads_clear_every_parameter():
    model = nested()
    model([1.0, 2.0])[0].backward()
    assert any(p.grad for p in model.parameters())
    model.zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
    model([1.0, 2.0])[0].backward()
    nn.Adam(model.parameters()).zero_grad()
    assert all(p.grad == 0.0 for p in model.parameters())
