"""Engine benchmark: autodiff.Value against micrograd 0.1.0 (and PyTorch scalars).

Run `./run bench` (or `python bench/engine.py` with the `bench` extra; set
BENCH_TORCH=1 for PyTorch). Prints one table, every figure measured in this run:

1. step: one training step of an MLP 2-16-16-1 (ReLU) on 100 points with
   micrograd's demo loss (max-margin + 1e-4·Σp²): forward, backward, SGD update
   and then `gc.collect()`, so the garbage collection each engine causes is
   counted in its own time. Best of several steps.
2. step/bare: that step divided by the time to allocate as many bare
   four-field `__slots__` objects as the step makes nodes (the floor for pure
   Python). The two are measured alternately, so machine noise hits both.
3. bytes/node: tracemalloc over a 100,000-node chain.
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
import tracemalloc
from collections.abc import Callable
from dataclasses import dataclass

from _timing import timed

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
        scores = [model(x, self.relu) for x in xs]
        losses = [self.relu(1 + -y * s) for y, s in zip(ys, scores, strict=True)]
        params = model.parameters()
        loss = sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)
        loss.backward()
        self.update(params)
        return loss


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
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        return found
    torch.set_num_threads(1)

    def update(params: list) -> None:
        with torch.no_grad():
            for p in params:
                p -= 0.05 * p.grad
                p.grad = None

    def make(x: float):
        return torch.tensor(x, dtype=torch.float64, requires_grad=True)

    found.append(Engine(f"torch {torch.__version__}", make, torch.relu, update, None))
    return found


class Bare:
    __slots__ = ("a", "b", "data", "grad")

    def __init__(self, data, grad, a, b):
        self.data = data
        self.grad = grad
        self.a = a
        self.b = b


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


def main() -> None:
    engines = available_engines()
    rng = random.Random(0)
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(100)]
    ys = [1 if a * b > 0 else -1 for a, b in xs]
    models = {e.name: MLP(e.make, [2, 16, 16, 1], random.Random(1)) for e in engines}
    nodes = {e.name: e.count(e.step(models[e.name], xs, ys)) for e in engines if e.count}
    floor_nodes = nodes["autodiff"]

    step: dict[str, list[float]] = {e.name: [] for e in engines}
    bare: list[float] = []
    for _ in range(REPEAT):  # alternate, so that noise on this machine hits every column
        for e in engines:
            step[e.name].append(timed(lambda e=e: e.step(models[e.name], xs, ys)))
        bare.append(timed(lambda: [Bare(1.0, 0.0, None, None) for _ in range(floor_nodes)]))
    best = {name: min(times) for name, times in step.items()}
    floor = min(bare)

    print(f"Python {platform.python_version()} ({platform.python_implementation()}) on "
          f"{platform.machine()}, {platform.system()}; best of {REPEAT}")
    print(f"bare __slots__ allocation of {floor_nodes:,} objects: {floor * 1e3:.1f} ms\n")
    columns = ["nodes", "step", "vs micrograd", "step/bare", "bytes/node", "chain 1M"]
    print("| engine | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for e in engines:
        row = {
            "nodes": f"{nodes[e.name]:,}" if e.name in nodes else "-",
            "step": f"{best[e.name] * 1e3:.1f} ms",
            "step/bare": f"{best[e.name] / floor:.2f}x",
        }
        if "micrograd" in best:
            row["vs micrograd"] = f"{best['micrograd'] / best[e.name]:.1f}x"
        if e.count:
            row["bytes/node"] = f"{bytes_per_node(e):.0f}"
            row["chain 1M"] = f"{chain_seconds(e):.2f} s"
        print(f"| {e.name} | " + " | ".join(row.get(c, "-") for c in columns) + " |")


if __name__ == "__main__":
    main()
