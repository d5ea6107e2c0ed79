"""Engine benchmark: autodiff.Value against micrograd 0.1.0 (and PyTorch scalars).

Run `./run bench` (or `python bench/engine.py` with the `bench` extra; PyTorch
is measured where it is installed: BENCH_TORCH=1 ./run bench). Prints one
table, every figure measured in this run:

1. step: one training step of an MLP 2-16-16-1 (ReLU) on 100 points with
   micrograd's demo loss (max-margin + 1e-4·Σp²): forward, backward, SGD
   update and the collection of the garbage the step leaves (see _timing: the
   heap that was there before is frozen, so no engine pays for walking torch's
   objects or another engine's). The engines take turns, best of REPEAT.
2. vs micrograd: micrograd's step time over this engine's, same run.
3. bytes/node: tracemalloc over a 50,000-step chain.
4. chain 1M: `x = x*1.0001 + 0.0` for 500,000 steps (1,000,000 nodes here):
   build plus backward, micrograd with its recursion limit raised.
"""

from __future__ import annotations

import gc
import importlib
import itertools
import platform
import random
import sys
import time
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from _timing import best_of, timed

from autodiff import Value, topological_order

REPEAT = 7
CHAIN_STEPS = 500_000


class MLP:
    """micrograd's demo network, written once against any scalar Value type."""

    def __init__(self, make: Callable[[float], object], sizes: list[int], rng: random.Random):
        self.layers = [
            [([make(rng.uniform(-1, 1)) for _ in range(nin)], make(0.0)) for _ in range(nout)]
            for nin, nout in itertools.pairwise(sizes)
        ]

    def parameters(self) -> list:
        return [p for layer in self.layers for w, b in layer for p in (*w, b)]

    def __call__(self, x: list, relu: Callable) -> object:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            acts = [sum((wi * xi for wi, xi in zip(w, x, strict=True)), b) for w, b in layer]
            x = acts if i == last else [relu(a) for a in acts]
        return x[0]


@dataclass
class Engine:
    name: str
    make: Callable[[float], object]
    relu: Callable
    update: Callable[[list], None]  # SGD step and zeroing of the parameters' grads
    count: Callable[[object], int] | None  # nodes in a graph, where the engine can tell

    def step(self, model: MLP, xs: list, ys: list) -> object:
        loss = demo_loss(model, xs, ys, self.relu)
        loss.backward()
        self.update(model.parameters())
        return loss


def demo_data(points: int) -> tuple[list[list[float]], list[int]]:
    """`points` inputs in [-2, 2]² and their ±1 labels (the sign of x₁x₂)."""
    rng = random.Random(0)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(points)]
    return xs, [1 if a * b > 0 else -1 for a, b in xs]


def demo_loss(model: MLP, xs: list, ys: list, relu: Callable):
    """micrograd's demo loss: mean max-margin loss plus 1e-4·Σp² over the parameters."""
    scores = [model(x, relu) for x in xs]
    losses = [relu(1 + -y * s) for y, s in zip(ys, scores, strict=True)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in model.parameters())


def sgd(params: list, lr: float = 0.05) -> None:
    for p in params:
        p.data -= lr * p.grad
        p.grad = 0.0


def micrograd_count(root) -> int:
    seen, stack = {root}, [root]
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


def available_engines() -> list[Engine]:
    found = [Engine("autodiff", Value, Value.relu, sgd, lambda root: len(topological_order(root)))]
    try:
        mg = importlib.import_module("micrograd.engine")
        found.append(Engine("micrograd", mg.Value, mg.Value.relu, sgd, micrograd_count))
    except ImportError:
        print("(micrograd not installed: pip install micrograd==0.1.0)", file=sys.stderr)
    scalars = torch_scalars()
    if scalars is not None:
        version, make, relu, update = scalars
        found.append(Engine(f"torch {version}", make, relu, update, None))
    return found


def torch_scalars(lr: float = 0.05) -> tuple[str, Callable, Callable, Callable] | None:
    """PyTorch with one float64 scalar tensor per number, on one thread: its version,
    `make`, `relu` and the SGD `update` (as `sgd`); None where it is not installed."""
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        return None
    torch.set_num_threads(1)

    def make(x: float):
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    def update(params: list) -> None:
        with torch.no_grad():
            for p in params:
                p -= lr * p.grad
                p.grad = None
    return torch.__version__, make, torch.relu, update


def chain(make: Callable[[float], object], steps: int):
    x = make(1.0)
    for _ in range(steps):
        x = x * 1.0001 + 0.0
    return x


def bytes_per_node(engine: Engine) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    root = chain(engine.make, 50_000)
    used = tracemalloc.get_traced_memory()[0] - before
    tracemalloc.stop()
    return used / engine.count(root)


def chain_seconds(engine: Engine) -> float:
    limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10 * CHAIN_STEPS)
    try:
        return timed(lambda: chain(engine.make, CHAIN_STEPS).backward())
    finally:
        sys.setrecursionlimit(limit)


def heap_collection_ms() -> tuple[float, int]:
    """One full gc.collect() of this process as it is, and the objects it walks."""
    gc.collect()
    start = time.perf_counter()
    gc.collect()
    return (time.perf_counter() - start) * 1e3, len(gc.get_objects())


def main() -> None:
    engines = available_engines()
    xs, ys = demo_data(100)
    models = {e.name: MLP(e.make, [2, 16, 16, 1], random.Random(1)) for e in engines}
    nodes = {e.name: e.count(e.step(models[e.name], xs, ys)) for e in engines if e.count}
    best = best_of({e.name: lambda e=e: e.step(models[e.name], xs, ys) for e in engines}, REPEAT)
    collect_ms, objects = heap_collection_ms()

    print(f"Python {platform.python_version()} ({platform.python_implementation()}) on "
          f"{platform.machine()}, {platform.system()}; best of {REPEAT}, engines in turn")
    print(f"one full gc.collect() of this process ({objects:,} tracked objects): "
          f"{collect_ms:.1f} ms, not charged to any step\n")
    columns = ["nodes", "step", "vs micrograd", "bytes/node", "chain 1M"]
    print("| engine | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for e in engines:
        row = {
            "nodes": f"{nodes[e.name]:,}" if e.name in nodes else "-",
            "step": f"{best[e.name] * 1e3:.1f} ms",
        }
        if "micrograd" in best:
            row["vs micrograd"] = f"{best['micrograd'] / best[e.name]:.1f}x"
        if e.count:
            row["bytes/node"] = f"{bytes_per_node(e):.0f}"
            row["chain 1M"] = f"{chain_seconds(e):.2f} s"
        print(f"| {e.name} | " + " | ".join(row.get(c, "-") for c in columns) + " |")


if __name__ == "__main__":
    main()
