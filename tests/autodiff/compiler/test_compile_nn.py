"""nn models compiled: the interpreter's losses and gradients bit for bit, step after
step with new data, and `nn.fit(compile=True)` with the interpreter's history."""

from __future__ import annotations

import struct

import pytest

import nn
from autodiff import compile

X, D = nn.datasets.moons(40, noise=0.1, seed=0)


def bits(values: list[float]) -> list[bytes]:
    return [struct.pack("<d", v) for v in values]


def one_hot(d: list[float]) -> list[float]:
    return [d[0], 1.0 - d[0]]


CASES = {
    "relu-squared": (lambda: nn.MLP(2, [8, 8, 1], activation="relu", seed=1),
                     nn.squared_error, lambda d: d),
    "tanh-bce-logits": (lambda: nn.MLP(2, [6, 1], activation="tanh", seed=2),
                        nn.binary_cross_entropy_with_logits, lambda d: d),
    "sigmoid-bce": (lambda: nn.MLP(2, [5, 1], activation="sigmoid",
                                   output_activation="sigmoid", seed=3),
                    nn.binary_cross_entropy, lambda d: d),
    "softplus-softmax-ce": (lambda: nn.MLP(2, [6, 2], activation="softplus",
                                           output_activation="softmax", seed=4),
                            nn.cross_entropy, one_hot),
    "sin-ce-logits": (lambda: nn.MLP(2, [6, 2], activation="sin", seed=5),
                      nn.cross_entropy_with_logits, one_hot),
    "relu-hinge": (lambda: nn.MLP(2, [8, 1], activation="relu", seed=6),
                   nn.hinge, lambda d: [2 * d[0] - 1]),
    "residual": (lambda: nn.Sequential(nn.Layer(2, 4, "tanh", seed=7),
                                       nn.Residual(nn.Layer(4, 4, "tanh", seed=8)),
                                       nn.Layer(4, 1, seed=9)),
                 nn.squared_error, lambda d: d),
}


@pytest.mark.parametrize("case", list(CASES))
def test_a_compiled_minibatch_is_the_interpreter_bit_for_bit(case):
    make, loss, target = CASES[case]
    compiled_model, model = make(), make()
    ds = [target(d) for d in D]

    def minibatch(net):
        def E(xs, ds):
            return nn.total([loss(net(x), d) for x, d in zip(xs, ds, strict=True)])
        return E

    step = compile(minibatch(compiled_model), X[:10], ds[:10])
    for start in range(0, 40, 10):  # new data each step, and an update between steps
        xs, batch = X[start:start + 10], ds[start:start + 10]
        compiled_model.zero_grad()
        model.zero_grad()
        value = step(xs, batch)
        E = minibatch(model)(xs, batch)
        E.backward()
        assert bits([value]) == bits([E.data])
        assert bits([p.grad for p in compiled_model.parameters()]) == \
            bits([p.grad for p in model.parameters()])
        for net in (compiled_model, model):
            for p in net.parameters():
                p.data -= 0.05 * p.grad
    assert step.traces == 1 and step.interpreted == 0


@pytest.mark.parametrize("optimizer, batch_size, loss", [
    (lambda ps: nn.SGD(ps, lr=0.1, momentum=0.9), 7, nn.squared_error),
    (lambda ps: nn.Adam(ps, lr=0.05), 16, nn.binary_cross_entropy_with_logits),
    (lambda ps: nn.Adam(ps, lr=0.05), None, nn.hinge),
])
def test_fit_with_compile_has_the_interpreters_history(optimizer, batch_size, loss):
    targets = [[2 * d[0] - 1] for d in D] if loss is nn.hinge else D
    histories, weights = [], []
    for compiled in (False, True):
        model = nn.MLP(2, [6, 6, 1], activation="tanh", seed=11)
        history = nn.fit(model, X, targets, loss=loss, optimizer=optimizer(model.parameters()),
                         epochs=4, batch_size=batch_size, seed=3, threshold=0.0,
                         compile=compiled)
        histories.append(history)
        weights.append(bits([p.data for p in model.parameters()]))
    interpreted, compiled_ = histories
    assert bits(compiled_.loss) == bits(interpreted.loss)
    assert compiled_.accuracy == interpreted.accuracy
    assert [bits(row) for row in compiled_.grad_norms] == \
        [bits(row) for row in interpreted.grad_norms]
    assert weights[0] == weights[1]
    assert interpreted.compile_seconds == 0.0 and compiled_.compile_seconds > 0.0
