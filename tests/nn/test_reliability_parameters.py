"""A float (or anything else) put in place of a parameter is named by its path
(issue 19, section 5): `m.layers[0].neurons[0].w[0] = 0.5` ran silently, and then
`state_dict()` failed with "'float' object has no attribute 'data'".

Every walk of the parameters (`parameters()`, `named_parameters()`, `state_dict()`,
`zero_grad()`, `load_state_dict()`, an optimiser given the model) raises TypeError
naming the path and what is there, before it changes anything."""

import os
import tempfile

import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autodiff import Value

INTRUDERS = [0.5, 1, True, "x", None, [1.0], (0.5,)]


def models():
    return st.sampled_from([
        lambda: nn.MLP(2, [3, 2], seed=1),
        lambda: nn.Sequential(nn.Layer(2, 2, "tanh", seed=2),
                              nn.Residual(nn.Layer(2, 2, "relu", seed=3))),
        lambda: nn.Neuron(3, "sigmoid", seed=4),
    ]).map(lambda make: make())


def replace(model, path, intruder):
    """Put `intruder` where the parameter at `path` is, in its neuron."""
    parts = path.split(".")
    owner, index = (parts[:-1], None) if parts[-1] == "b" else (parts[:-2], int(parts[-1]))
    neuron = dict(model.named_modules())[".".join(owner)]
    if index is None:
        neuron.b = intruder
    else:
        neuron.w[index] = intruder


def state(model, params):
    return [(p.data, p.grad) for p in params]


@given(models(), st.data(), st.sampled_from(INTRUDERS))
def test_every_walk_names_the_path_of_what_replaced_a_parameter(model, data, intruder):
    named = model.named_parameters()
    path = data.draw(st.sampled_from([name for name, _ in named]), label="path")
    params = [p for _, p in named]
    for i, p in enumerate(params):
        p.grad = 0.25 * i
    replace(model, path, intruder)
    before = state(model, params)
    walks = {
        "parameters": model.parameters,
        "named_parameters": model.named_parameters,
        "state_dict": model.state_dict,
        "num_parameters": model.num_parameters,
        "zero_grad": model.zero_grad,
        "load_state_dict": lambda: model.load_state_dict({name: 0.0 for name, _ in named}),
        "SGD": lambda: nn.SGD(model, lr=0.1),
        "save": lambda: nn.save(model, os.path.join(tempfile.gettempdir(), "never.json")),
    }
    for what, walk in walks.items():
        with pytest.raises(TypeError) as info:
            walk()
        message = str(info.value)
        assert message.startswith(f"parameter {path} is a {type(intruder).__name__} "), what
        assert "not a Value" in message
        assert state(model, params) == before, what  # no parameter zeroed or loaded


def test_the_issues_case():
    m = nn.MLP(2, [3, 1], seed=0)
    m.layers[0].neurons[0].w[0] = 0.5
    with pytest.raises(TypeError, match=r"^parameter layers\.0\.neurons\.0\.w\.0 is a float "
                                        r"\(0\.5\), not a Value"):
        m.state_dict()


def test_a_value_put_in_place_of_a_parameter_is_a_parameter():
    m = nn.MLP(2, [2, 1], seed=0)
    new = Value(0.125)
    m.layers[1].neurons[0].b = new
    assert m.state_dict()["layers.1.neurons.0.b"] == 0.125
    assert new in m.parameters()
