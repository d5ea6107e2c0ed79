"""nn benchmark: an epoch of moons training, next to micrograd 0.1.0's demo loop.

Both run micrograd's demo on the same 100 moons points: MLP 2-16-16-1 (ReLU),
full batch, max-margin loss + 1e-4·Σp², SGD. One epoch = forward, backward and
update on all points; each pays for collecting its own garbage (bench/_timing.py),
the loops take turns. Also times an epoch of `nn.fit` (minibatches of 10, Adam).
Run: `./run bench` or `python bench/nn_training.py`.
"""

from __future__ import annotations

from _timing import best_of

import nn

EPOCHS = 5


def targets() -> tuple[list[list[float]], list[float]]:
    X, D = nn.datasets.moons(100, noise=0.1, seed=0)
    return X, [2 * d[0] - 1 for d in D]  # the demo's labels are ±1


def demo_epoch(model, score, X, Y, lr: float) -> float:
    """micrograd's demo loop, for either engine: `score(model, x)` is the output."""
    scores = [score(model, x) for x in X]
    losses = [(1 + -y * s).relu() for y, s in zip(Y, scores, strict=True)]
    loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())
    model.zero_grad()
    loss.backward()
    for p in model.parameters():
        p.data -= lr * p.grad
    return loss.data


def main() -> None:
    X, Y = targets()
    model = nn.MLP(2, [16, 16, 1], seed=0)
    runs = {"nn (demo loop)": lambda: demo_epoch(model, lambda m, x: m(x)[0], X, Y, 0.5)}
    try:
        from micrograd.engine import Value as MicroValue
        from micrograd.nn import MLP as MicroMLP
    except ImportError:
        print("(micrograd not installed: pip install micrograd==0.1.0)")
    else:
        micro = MicroMLP(2, [16, 16, 1])
        micro_inputs = [list(map(MicroValue, x)) for x in X]
        runs["micrograd 0.1.0 (demo loop)"] = lambda: demo_epoch(
            micro, lambda m, x: m(x), micro_inputs, Y, 0.5)
    Xf, Df = nn.datasets.moons(100, noise=0.1, seed=0)
    fit_model = nn.MLP(2, [16, 16, 1], seed=0)
    adam = nn.Adam(fit_model.parameters(), lr=0.05)
    runs["nn.fit (batches of 10, Adam)"] = lambda: nn.fit(
        fit_model, Xf, Df, loss=nn.binary_cross_entropy_with_logits, optimizer=adam,
        epochs=1, batch_size=10)
    rows = list(best_of(runs, EPOCHS).items())
    print(f"one epoch of moons (100 points, MLP 2-16-16-1), best of {EPOCHS}\n")
    print("| loop | epoch | vs micrograd |")
    print("|---|---|---|")
    micro_time = dict(rows).get("micrograd 0.1.0 (demo loop)")
    for name, t in rows:
        same_loop = name == "nn (demo loop)" and micro_time
        ratio = f"{micro_time / t:.1f}x faster" if same_loop else "-"
        print(f"| {name} | {t * 1e3:.0f} ms | {ratio} |")


if __name__ == "__main__":
    main()
