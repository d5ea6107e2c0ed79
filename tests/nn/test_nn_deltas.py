"""The delta recursion read off the graph equals the seed notes' algorithm.

The oracle below is a plain NumPy implementation of fig. 4.4 in matrix form over
a minibatch (seed notes 000 §4.4.2); it lives in the tests only. The library
never writes the recursion: `rec.deltas()` are just the `.grad`s of the nodes
u_j^(l) after `E.backward()`.
"""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import nn
from autodiff import Value

F = {
    "linear": (lambda u: u, lambda u: np.ones_like(u)),
    "sigmoid": (lambda u: 1 / (1 + np.exp(-u)), lambda u: (s := 1 / (1 + np.exp(-u))) * (1 - s)),
    "tanh": (np.tanh, lambda u: 1 - np.tanh(u) ** 2),
    "relu": (lambda u: np.maximum(u, 0), lambda u: (u > 0).astype(float)),
}


def oracle(model, X, D, output):
    """Δ^(l) and ∂W^(l), ∂b^(l) for E = 1/N Σ_n E_n by the matrix form:
    U^(l) = W^(l) Z^(l−1) + b^(l) 1ᵀ, Z^(l) = f(U^(l)),
    Δ^(L) = f'(U^(L)) ⊙ (Y − D) (squared error) or Y − D (softmax + cross-entropy),
    Δ^(l) = f'(U^(l)) ⊙ (W^(l+1)ᵀ Δ^(l+1)), ∂W^(l) = 1/N Δ^(l) Z^(l−1)ᵀ, ∂b^(l) = 1/N Δ^(l) 1."""
    Ws = [np.array([[w.data for w in n.w] for n in layer.neurons]) for layer in model.layers]
    bs = [np.array([[n.b.data] for n in layer.neurons]) for layer in model.layers]
    acts = [layer.activation for layer in model.layers]
    Z = [np.array(X, dtype=float).T]
    U = []
    for W, b, act in zip(Ws, bs, acts, strict=True):
        U.append(W @ Z[-1] + b)
        if act == "softmax":
            e = np.exp(U[-1] - U[-1].max(axis=0))
            Z.append(e / e.sum(axis=0))
        else:
            Z.append(F[act][0](U[-1]))
    Dm = np.array(D, dtype=float).T
    N = Dm.shape[1]
    delta = Z[-1] - Dm  # softmax with cross-entropy
    if output != "softmax":
        delta = F[output][1](U[-1]) * delta
    deltas = [delta]
    for l in range(len(Ws) - 1, 0, -1):  # noqa: E741
        deltas.insert(0, F[acts[l - 1]][1](U[l - 1]) * (Ws[l].T @ deltas[0]))
    dW = [dl @ Z[k].T / N for k, dl in enumerate(deltas)]
    db = [dl.sum(axis=1, keepdims=True) / N for dl in deltas]
    return [dl / N for dl in deltas], dW, db


def close(got, want):
    got, want = np.asarray(got, dtype=float), np.asarray(want, dtype=float)
    scale = max(1.0, float(np.abs(want).max(initial=0.0)))
    np.testing.assert_allclose(got, want, rtol=1e-10, atol=1e-12 * scale)


@given(
    depth=st.integers(1, 6),
    widths=st.lists(st.integers(1, 5), min_size=6, max_size=6),
    hidden=st.sampled_from(["sigmoid", "tanh", "relu", "linear"]),
    output=st.sampled_from(["sigmoid", "tanh", "relu", "linear", "softmax"]),
    batch=st.integers(1, 4),
    seed=st.integers(0, 2**32 - 1),
)
def test_deltas_and_gradients_equal_the_matrix_form(depth, widths, hidden, output, batch, seed):
    rng = np.random.default_rng(seed)
    nin, sizes = widths[0], widths[1 : depth + 1]
    if output == "softmax":
        sizes[-1] = max(sizes[-1], 2)
    model = nn.MLP(nin, sizes, hidden, output, bias_init=nn.init.uniform(), seed=seed)
    X = rng.uniform(-2, 2, size=(batch, nin)).tolist()
    if output == "softmax":
        D = np.eye(sizes[-1])[rng.integers(0, sizes[-1], size=batch)].tolist()
        loss = nn.cross_entropy
    else:
        D = rng.uniform(-1, 1, size=(batch, sizes[-1])).tolist()
        loss = nn.squared_error

    with nn.record(model) as rec:
        E = nn.total([loss(model(x), d) for x, d in zip(X, D, strict=True)], "mean")
    E.backward()

    deltas, dW, db = oracle(model, X, D, output)
    for k, layer in enumerate(model.layers):
        close(np.array(rec.deltas()[k]).T, deltas[k])  # rec is [sample][unit]
        close([[w.grad for w in n.w] for n in layer.neurons], dW[k])
        close([[n.b.grad] for n in layer.neurons], db[k])


@pytest.mark.parametrize(
    "output, loss, targets",
    [
        ("linear", nn.squared_error, [0.3, -1.2]),
        ("sigmoid", nn.binary_cross_entropy, [1.0, 0.0]),
        ("softmax", nn.cross_entropy, [0.0, 1.0]),
        ("softmax", nn.cross_entropy, [0.25, 0.75]),  # probability targets
    ],
)
def test_output_delta_is_y_minus_d(output, loss, targets):
    model = nn.MLP(3, [4, 2], "tanh", output, seed=7)
    with nn.record(model) as rec:
        y = model([0.5, -1.0, 2.0])
        E = loss(y, targets)
    E.backward()
    delta = rec.deltas()[-1][0]
    for dj, yj, tj in zip(delta, y, targets, strict=True):
        assert dj == pytest.approx(yj.data - tj, rel=1e-12, abs=1e-15)


@pytest.mark.parametrize(
    "loss, logits_loss, targets",
    [
        (nn.binary_cross_entropy, nn.binary_cross_entropy_with_logits, [1.0]),
        (nn.cross_entropy, nn.cross_entropy_with_logits, [0.0, 1.0, 0.0]),
    ],
)
def test_logits_losses_equal_the_plain_ones_and_survive_large_logits(loss, logits_loss, targets):
    u = [Value(0.3 * (j + 1)) for j in range(len(targets))]
    y = [ui.sigmoid() for ui in u] if len(u) == 1 else nn.softmax(u)
    assert logits_loss(u, targets).data == pytest.approx(loss(y, targets).data, rel=1e-13)
    big = [Value(800.0 * (-1) ** j) for j in range(len(targets))]
    E = logits_loss(big, targets)
    E.backward()
    assert math.isfinite(E.data) and all(math.isfinite(b.grad) for b in big)
    y = [b.sigmoid() for b in big] if len(big) == 1 else nn.softmax(big)
    expected = [v.data - t for v, t in zip(y, targets, strict=True)]
    assert [b.grad for b in big] == pytest.approx(expected)


def test_softmax_and_log_sum_exp_are_stable():
    u = [Value(1000.0), Value(999.0), Value(-1000.0)]
    y = nn.softmax(u)
    assert sum(v.data for v in y) == pytest.approx(1.0)
    assert nn.log_sum_exp(u).data == pytest.approx(1000 + math.log(1 + math.exp(-1)))
    with pytest.raises(ValueError, match="empty"):
        nn.softmax([])


def test_hinge_loss_and_softplus():
    y = [Value(0.3), Value(-2.0)]
    E = nn.hinge(y, [1.0, -1.0])
    E.backward()
    assert E.data == pytest.approx(0.7) and [v.grad for v in y] == [-1.0, 0.0]
    for u0 in (-40.0, 0.0, 3.0, 800.0):
        u = Value(u0)
        s = nn.softplus(u)
        s.backward()
        assert s.data == pytest.approx(math.log1p(math.exp(-abs(u0))) + max(u0, 0.0))
        assert u.grad == pytest.approx(1 / (1 + math.exp(-u0)) if u0 > -700 else 0.0)


def test_total_over_a_minibatch():
    losses = [Value(1.0), Value(3.0)]
    assert nn.total(losses, "sum").data == 4.0
    assert nn.total(losses).data == 2.0
    with pytest.raises(ValueError, match="reduction"):
        nn.total(losses, "median")
