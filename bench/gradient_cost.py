"""One gradient of an MLP with N parameters: backpropagation against finite
differences (seed notes 004 §5: O(1) passes against O(N)).

Backprop: one forward and one backward pass. Finite differences (the notes'
forward form): one forward pass for E(w) and one more per parameter for
E(…, w_i + ε, …). Run: `./run bench` or `python bench/gradient_cost.py`.
"""

from __future__ import annotations

import time

import nn

X, D = nn.datasets.moons(8, noise=0.1, seed=0)


def loss(model: nn.MLP):
    return nn.total([nn.squared_error(model(x), d) for x, d in zip(X, D, strict=True)])


def backprop(model: nn.MLP) -> None:
    model.zero_grad()
    loss(model).backward()


def finite_differences(model: nn.MLP) -> list[float]:
    base = loss(model).data
    grads = []
    for p in model.parameters():
        w = p.data
        eps = 1.49e-8 * abs(w) or 1.49e-8  # √ε_c·|w|, or √ε_c at w = 0
        p.data = w + eps
        grads.append((loss(model).data - base) / eps)
        p.data = w
    return grads


def seconds(run, model) -> float:
    start = time.perf_counter()
    run(model)
    return time.perf_counter() - start


def main() -> None:
    print("one gradient of E = 1/8 Σ_n ½‖y_n − d_n‖² for MLP 2-h-h-1 (tanh)\n")
    print("| h | N parameters | backprop | finite differences | ratio |")
    print("|---|---|---|---|---|")
    for h in (2, 4, 8, 16, 32):
        model = nn.MLP(2, [h, h, 1], "tanh", seed=0)
        bp = min(seconds(backprop, model) for _ in range(3))
        fd = seconds(finite_differences, model)
        n = model.num_parameters()
        print(f"| {h} | {n} | {bp * 1e3:.1f} ms | {fd * 1e3:.0f} ms | {fd / bp:.0f}x |")


if __name__ == "__main__":
    main()
