"""Seeds: random weights that differ between models and between the layers of one
model, yet are reproducible (nn.init's module docstring states the rules)."""

import random
import subprocess
import sys

import pytest

import nn


def weights(module):
    return [p.data for p in module.parameters()]


def test_two_default_models_differ():
    assert weights(nn.MLP(2, [3, 1])) != weights(nn.MLP(2, [3, 1]))
    assert weights(nn.Layer(3, 3)) != weights(nn.Layer(3, 3))


def test_same_shaped_layers_of_a_sequential_differ():
    model = nn.Sequential(nn.Layer(2, 3, "tanh"), nn.Layer(3, 3, "tanh"), nn.Layer(3, 3, "tanh"))
    assert weights(model.layers[1]) != weights(model.layers[2])
    mlp = nn.MLP(3, [3, 3, 3], seed=0)
    assert len({tuple(weights(layer)) for layer in mlp.layers}) == 3
    neurons = nn.Layer(4, 5, seed=0).neurons
    assert len({tuple(w.data for w in n.w) for n in neurons}) == 5


def test_an_int_seed_is_reproducible_whatever_was_built_before():
    a = nn.MLP(3, [4, 2], seed=11).state_dict()
    nn.MLP(3, [4, 2])  # advances the default sequence only
    assert nn.MLP(3, [4, 2], seed=11).state_dict() == a
    assert nn.MLP(3, [4, 2], seed=12).state_dict() != a


def test_a_random_generator_is_used_and_advanced():
    rng = random.Random(3)
    first, second = nn.Layer(2, 2, seed=rng), nn.Layer(2, 2, seed=rng)
    assert weights(first) != weights(second)
    assert weights(first) == weights(nn.Layer(2, 2, seed=random.Random(3)))
    assert weights(nn.Layer(2, 2, seed=3)) == weights(first)  # an int means Random(int)


def test_children_get_spawned_streams():
    """Layer k of an MLP draws from the k-th stream spawned from the MLP's, so
    it does not depend on the sizes of the layers before it."""
    a = nn.MLP(2, [3, 3, 1], seed=7)
    b = nn.MLP(5, [3, 3, 1], seed=7)
    assert weights(a.layers[0]) != weights(b.layers[0])  # different shapes
    assert weights(a.layers[1]) == weights(b.layers[1])  # same shape, same stream
    root = random.Random(7)
    streams = [nn.init.spawn(root) for _ in range(3)]
    assert weights(a.layers[2]) == weights(nn.Layer(3, 1, seed=streams[2]))


DEFAULTS = ("import nn; print([p.data for p in nn.MLP(2, [3, 1]).parameters()]"
            " + [p.data for p in nn.Layer(2, 2).parameters()])")


def test_the_default_sequence_is_the_same_in_every_process():
    runs = {subprocess.run([sys.executable, "-c", DEFAULTS], capture_output=True, text=True,
                           check=True).stdout for _ in range(2)}
    assert len(runs) == 1 and runs.pop().count(",") == 13 + 6 - 1


@pytest.mark.parametrize("seed", ["0", 1.5, True, [1]])
def test_bad_seeds_are_refused(seed):
    for make in (lambda: nn.MLP(2, [1], seed=seed), lambda: nn.Layer(2, 1, seed=seed),
                 lambda: nn.Neuron(2, seed=seed)):
        with pytest.raises(TypeError, match="seed must be"):
            make()
