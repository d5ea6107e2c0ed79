"""Training: the seed notes' exercise 2(b), symmetry, XOR, moons, optimisers, fit."""

import math

import pytest

import nn
from autodiff import Value


def all_half_network():
    """Exercise 2: a 2-2-1 sigmoid network, every weight 0.5, biases 0."""
    return nn.MLP(2, [2, 1], "sigmoid", "sigmoid", init=nn.init.constant(0.5))


def test_exercise_2b_one_sgd_step_matches_the_hand_computation():
    # By hand, for x = (1, 0), d = 1, E = ½(y − d)², ε = 0.5:
    #   u^(2)_j = 0.5·1 + 0.5·0 = 0.5,  z^(2)_j = σ(0.5) = 0.622459
    #   u^(3) = 0.5·z1 + 0.5·z2 = 0.622459,  y = σ(0.622459) = 0.650778
    #   δ^(3) = (y − d)·y(1 − y) = −0.0793664
    #   δ^(2)_j = δ^(3)·w^(3)_1j·z_j(1 − z_j) = −0.00932570
    #   ∂E/∂w^(3)_1j = δ^(3)·z_j = −0.0494024,  ∂E/∂w^(2)_j1 = δ^(2)_j·1,  ∂E/∂w^(2)_j2 = 0
    #   w^(3)_1j ← 0.5 + 0.5·0.0494024 = 0.524701,  w^(2)_j1 ← 0.504663,  w^(2)_j2 stays 0.5
    s = 1 / (1 + math.exp(-0.5))
    y = 1 / (1 + math.exp(-s))
    d3 = (y - 1) * y * (1 - y)
    d2 = d3 * 0.5 * s * (1 - s)
    assert (round(s, 6), round(y, 6), round(d3, 7), round(d2, 8)) == (
        0.622459, 0.650778, -0.0793664, -0.0093257)

    model = all_half_network()
    with nn.record(model) as rec:
        E = nn.squared_error(model([1.0, 0.0]), [1.0])
    opt = nn.SGD(model.parameters(), lr=0.5)
    opt.zero_grad()
    E.backward()
    assert E.data == pytest.approx(0.5 * (y - 1) ** 2, rel=1e-15)
    assert rec.deltas()[1][0] == [pytest.approx(d3, rel=1e-14)]
    assert rec.deltas()[0][0] == [pytest.approx(d2, rel=1e-14)] * 2
    opt.step()
    hidden, output = model.layers
    assert [w.data for w in output.neurons[0].w] == [pytest.approx(0.5 - 0.5 * d3 * s)] * 2
    assert output.neurons[0].w[0].data == pytest.approx(0.524701, abs=1e-6)
    for neuron in hidden.neurons:
        assert [w.data for w in neuron.w] == [pytest.approx(0.5 - 0.5 * d2), 0.5]
        assert neuron.b.data == pytest.approx(-0.5 * d2)


def test_equal_initial_weights_keep_the_hidden_units_identical_forever():
    model = all_half_network()
    X, D = nn.datasets.xor()
    nn.fit(model, X, D, optimizer=nn.SGD(model.parameters(), lr=0.5, momentum=0.5), epochs=50)
    a, b = model.layers[0].neurons
    assert [w.data for w in a.w] == [w.data for w in b.w] and a.b.data == b.b.data
    assert nn.accuracy(model, X, D) < 1.0  # two identical units are one unit: XOR is out of reach


def test_xor_is_learned_to_100_percent_from_a_seeded_init():
    X, D = nn.datasets.xor()
    model = nn.MLP(2, [4, 1], "tanh", "sigmoid", seed=1)
    history = nn.fit(model, X, D, optimizer=nn.Adam(model.parameters(), lr=0.1), epochs=300)
    assert nn.accuracy(model, X, D) == 1.0
    assert history.accuracy[-1] == 1.0
    assert history.loss[-1] < history.loss[0] / 10


def test_moons_2_16_16_1_reaches_at_least_97_percent():
    X, D = nn.datasets.moons(100, noise=0.1, seed=0)
    model = nn.MLP(2, [16, 16, 1], seed=0)
    history = nn.fit(model, X, D, loss=nn.binary_cross_entropy_with_logits,
                     optimizer=nn.Adam(model.parameters(), lr=0.05), epochs=25, batch_size=10,
                     threshold=0.0)
    assert nn.accuracy(model, X, D, threshold=0.0) >= 0.97
    assert len(history.loss) == len(history.accuracy) == len(history.grad_norms) == 25
    assert all(len(norms) == 3 for norms in history.grad_norms)


def test_fit_is_reproducible():
    X, D = nn.datasets.circles(40, seed=3)

    def run():
        model = nn.MLP(2, [5, 1], "tanh", "sigmoid", seed=2)
        return nn.fit(model, X, D, optimizer=nn.SGD(model.parameters(), lr=0.3), epochs=5,
                      batch_size=8, seed=9), model.state_dict()

    assert run() == run()


def test_grad_norms_are_per_layer_and_show_vanishing_gradients():
    deep = nn.MLP(1, [4] * 8 + [1], "sigmoid", init=nn.init.constant(0.01))
    nn.squared_error(deep([1.0]), [1.0]).backward()
    norms = nn.grad_norms(deep)
    assert len(norms) == 9
    assert norms[0] < 1e-10 * norms[-1]  # σ' ≤ 0.25 and tiny weights: the first layer starves


def test_sgd_momentum_and_adam_steps():
    p = Value(1.0)
    sgd = nn.SGD([p], lr=0.1, momentum=0.9)
    for _ in range(2):
        p.grad = 2.0
        sgd.step()
    assert p.data == pytest.approx(1.0 - 0.1 * 2.0 - 0.1 * (0.9 * 2.0 + 2.0))
    q = Value(1.0)
    adam = nn.Adam([q], lr=0.01)
    q.grad = 5.0
    adam.step()
    assert q.data == pytest.approx(0.99)  # Adam's first step is ε·sign(g)
    adam.zero_grad()
    assert q.grad == 0.0


@pytest.mark.parametrize(
    "make, error, words",
    [
        (lambda p: nn.SGD(p, lr=0), ValueError, "lr"),
        (lambda p: nn.SGD(p, lr=float("nan")), ValueError, "lr"),
        (lambda p: nn.SGD(p, lr=0.1, momentum=1.0), ValueError, "momentum"),
        (lambda p: nn.SGD([], lr=0.1), ValueError, "no parameters"),
        (lambda p: nn.SGD([1.0], lr=0.1), TypeError, "float"),
        (lambda p: nn.Adam(p, betas=(0.9, 1.5)), ValueError, "betas"),
    ],
)
def test_optimisers_reject_bad_settings(make, error, words):
    with pytest.raises(error, match=words):
        make([Value(1.0)])


@pytest.mark.parametrize(
    "kwargs, words",
    [({"epochs": -1}, "epochs"), ({"batch_size": 0}, "batch_size"), ({"epochs": 1.5}, "epochs")],
)
def test_fit_rejects_bad_settings(kwargs, words):
    X, D = nn.datasets.xor()
    with pytest.raises(ValueError, match=words):
        nn.fit(nn.MLP(2, [1]), X, D, **kwargs)
    with pytest.raises(ValueError, match="as many"):
        nn.fit(nn.MLP(2, [1]), X, D[:3])


def test_fit_shows_a_progress_bar_with_tqdm(capsys):
    pytest.importorskip("tqdm")
    X, D = nn.datasets.xor()
    nn.fit(nn.MLP(2, [2, 1]), X, D, epochs=3, progress=True)
    assert "training" in capsys.readouterr().err


@pytest.mark.parametrize("make", [nn.datasets.moons, nn.datasets.circles, nn.datasets.spirals,
                                  nn.datasets.blobs, nn.datasets.regression_1d])
def test_datasets_are_deterministic_and_well_formed(make):
    X, D = make(seed=4)
    assert make(seed=4) == (X, D) and make(seed=5) != (X, D)
    assert len(X) == len(D) and all(len(x) == len(X[0]) for x in X)
    assert all(math.isfinite(v) for x in X for v in x)
    with pytest.raises(ValueError, match="n must"):
        make(n=0)
