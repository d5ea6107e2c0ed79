"""One gradient of an MLP with N parameters: reverse mode, forward mode and
finite differences (seed notes 004 §5: O(1) passes against O(N)); and the
gradient check of that model, per input against along random directions.

Reverse mode: one forward and one backward pass. Forward mode: N Jacobian-vector
products, one per parameter, each with `jvp` (f recorded again every time), or
with `linearize` (f recorded and its local derivatives evaluated once, then N
forward sweeps). Finite differences (the notes' forward form): one forward pass
for E(w) and one more per parameter for E(…, w_i + ε, …). The three gradients
are checked to agree before anything is printed. Then `gradcheck` per input
(5 evaluations of E per parameter) against `gradcheck(fast=True)` (2 random
directions: 11 evaluations), with the evaluations counted. Last, what each step
of forward mode costs against one reverse sweep.

Run: `./run bench` or `python bench/gradient_cost.py`.
"""

from __future__ import annotations

import math
import time

from _timing import timed

import nn
from autodiff import grad, gradcheck, jvp, linearize, topological_order
from autodiff.calculus.forward import Linearization

X, D = nn.datasets.moons(8, noise=0.1, seed=0)
SIZES = (2, 4, 8, 16, 32)


def loss(model: nn.MLP):
    return nn.total([nn.squared_error(model(x), d) for x, d in zip(X, D, strict=True)])


def unit(j: int, n: int) -> list[float]:
    return [1.0 if i == j else 0.0 for i in range(n)]


def reverse(model: nn.MLP) -> list[float]:
    model.zero_grad()
    loss(model).backward()
    return [p.grad for p in model.parameters()]


def forward_jvps(model: nn.MLP) -> list[float]:
    params = model.parameters()
    n = len(params)
    return [jvp(lambda: loss(model), params, unit(j, n))[1] for j in range(n)]


def forward_linearized(model: nn.MLP) -> list[float]:
    params = model.parameters()
    n = len(params)
    _, pushforward = linearize(lambda: loss(model), params)
    return [pushforward(unit(j, n)) for j in range(n)]


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


def measured(run, model, repeat: int = 1) -> tuple[float, list[float]]:
    """(best seconds of `repeat` runs, the gradient)."""
    result: list[float] = []

    def once() -> None:
        result[:] = run(model)
    return min(timed(once) for _ in range(repeat)), result


def gradients_table() -> None:
    print("one gradient of E = 1/8 Σ_n ½‖y_n − d_n‖² for MLP 2-h-h-1 (tanh)\n")
    print("| h | N parameters | reverse | forward: N jvps | forward: linearize + N sweeps "
          "| finite differences | N jvps / reverse | linearized / reverse | FD / reverse |")
    print("|---|---|---|---|---|---|---|---|---|")
    for h in SIZES:
        model = nn.MLP(2, [h, h, 1], "tanh", seed=0)
        rev, g_rev = measured(reverse, model, repeat=3)
        fwd, g_fwd = measured(forward_jvps, model)
        lin, g_lin = measured(forward_linearized, model)
        fd, g_fd = measured(finite_differences, model)
        scale = max(map(abs, g_rev))
        assert all(math.isclose(a, b, rel_tol=1e-12, abs_tol=1e-15 * scale)
                   for a, b in zip(g_rev, g_fwd + g_lin, strict=False)), "forward ≠ reverse"
        # the notes' forward difference with ε = √ε_c·|w|: its rounding error 2ε_c|E|/ε grows
        # where |w| is small (measured up to 1.7e-5 of the largest gradient at N = 1185)
        assert all(abs(a - b) <= 1e-4 * scale for a, b in zip(g_rev, g_fd, strict=True))
        n = model.num_parameters()
        print(f"| {h} | {n} | {rev * 1e3:.1f} ms | {fwd * 1e3:.0f} ms | {lin * 1e3:.0f} ms "
              f"| {fd * 1e3:.0f} ms | {fwd / rev:.0f}x | {lin / rev:.0f}x | {fd / rev:.0f}x |")


def gradcheck_table() -> None:
    print("\ngradcheck of the same E: per input against fast (2 random directions)\n")
    print("| h | N parameters | per input | evaluations | fast | evaluations | per input / fast |")
    print("|---|---|---|---|---|---|---|")
    for h in SIZES:
        model = nn.MLP(2, [h, h, 1], "tanh", seed=0)
        calls: list[int] = []

        def counted(model=model, calls=calls):
            calls.append(1)
            return loss(model)

        times, counts = [], []
        for fast in (False, True):
            calls.clear()
            times.append(timed(lambda fast=fast, counted=counted, model=model: gradcheck(
                counted, model.parameters(), fast=fast)))
            counts.append(len(calls))
        print(f"| {h} | {model.num_parameters()} | {times[0] * 1e3:.0f} ms | {counts[0]} "
              f"| {times[1] * 1e3:.0f} ms | {counts[1]} | {times[0] / times[1]:.0f}x |")


def pieces_table() -> None:
    """What forward mode's steps cost next to reverse mode's, on one loss graph."""
    model = nn.MLP(2, [16, 16, 1], "tanh", seed=0)
    params = model.parameters()
    out = loss(model)
    n = len(params)
    u = unit(0, n)
    lin = Linearization([out], params)

    def best(run) -> float:  # no forced collection: a full one costs more than some pieces
        times = []
        for _ in range(7):
            start = time.perf_counter()
            run()
            times.append(time.perf_counter() - start)
        return min(times) * 1e3

    rows = [("record the graph (evaluate E on Values)", best(lambda: loss(model))),
            ("one reverse sweep (grad)", best(lambda: grad(out, params))),
            ("linearize (every local derivative, once)",
             best(lambda: Linearization([out], params))),
            ("one forward sweep of the linearized graph", best(lambda: lin(u))),
            ("one jvp (record, linearize, sweep)", best(lambda: jvp(lambda: loss(model),
                                                                     params, u)))]
    print(f"\nthe pieces, on E for MLP 2-16-16-1 ({len(topological_order(out))} nodes, {n} "
          "parameters), best of 7 (without a forced garbage collection)\n")
    print("| step | time | / reverse sweep |")
    print("|---|---|---|")
    for name, ms in rows:
        print(f"| {name} | {ms:.2f} ms | {ms / rows[1][1]:.2f} |")


def main() -> None:
    gradients_table()
    gradcheck_table()
    pieces_table()


if __name__ == "__main__":
    main()
