"""Engine benchmark: autodiff.Value against micrograd 0.1.0 (and PyTorch scalars).

Run: `python bench/engine.py` (after `make bench-deps`, or with the `bench`
extra installed). Prints one table of figures measured in this run:

1. One training step of an MLP 2-16-16-1 (ReLU) on 100 points, micrograd's demo
   loss (max-margin + 1e-4·Σp²): forward, backward, SGD update, then
   `gc.collect()`, so the garbage collection each engine causes is counted in
   its own time. Best of several steps.
2. That step divided by the time to allocate as many bare four-field
   `__slots__` objects as the step creates nodes (the pure-Python floor).
3. Memory per node (tracemalloc) of a 100,000-node chain.
4. `x = x*1.0001 + 0.0` for 500,000 steps: build plus backward (micrograd with
   its recursion limit raised).
"""

from __future__ import annotations

import gc
import importlib
import platform
import random
import sys
import time
import tracemalloc
from collections.abc import Callable

from autodiff import Value
from autodiff.engine import topological_order

STEPS = 7
CHAIN_STEPS = 500_000


# -- the same model code for every engine ------------------------------------

class MLP:
    """micrograd's demo network, written once against any scalar Value type."""

    def __init__(self, make: Callable[[float], object], sizes: list[int], rng: random.Random):
        self.layers = [
            [([make(rng.uniform(-1, 1)) for _ in range(nin)], make(0.0)) for _ in range(nout)]
            for nin, nout in zip(sizes, sizes[1:])
        ]

    def parameters(self) -> list:
        return [p for layer in self.layers for w, b in layer for p in (*w, b)]

    def __call__(self, x: list, relu: Callable) -> object:
        last = len(self.layers) - 1
        for i, layer in enumerate(self.layers):
            acts = [sum((wi * xi for wi, xi in zip(w, x)), b) for w, b in layer]
            x = acts if i == last else [relu(a) for a in acts]
        return x[0]


def training_step(model: MLP, xs, ys, relu: Callable, zero: Callable, lr: float = 0.05):
    scores = [model(x, relu) for x in xs]
    losses = [relu(1 + -y * s) for y, s in zip(ys, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    params = model.parameters()
    loss = data_loss + 1e-4 * sum(p * p for p in params)
    zero(params)
    loss.backward()
    for p in params:
        p.data -= lr * p.grad
    return loss


def moons_like(n: int, rng: random.Random) -> tuple[list[list[float]], list[int]]:
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(n)]
    return xs, [1 if a * b > 0 else -1 for a, b in xs]


def best_of(run: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        gc.collect()
        start = time.perf_counter()
        run()
        gc.collect()
        times.append(time.perf_counter() - start)
    return min(times)


class Bare:
    __slots__ = ("data", "grad", "a", "b")

    def __init__(self, data, grad, a, b):
        self.data = data
        self.grad = grad
        self.a = a
        self.b = b


def bare_allocation(n: int) -> float:
    return best_of(lambda: [Bare(1.0, 0.0, None, None) for _ in range(n)], STEPS)


# -- engines ---------------------------------------------------------------

def engines() -> dict[str, dict]:
    found = {
        "autodiff": {
            "make": Value,
            "relu": Value.relu,
            "zero": lambda ps: [setattr(p, "grad", 0.0) for p in ps],
            "count": lambda root: len(topological_order(root)),
        }
    }
    try:
        mg = importlib.import_module("micrograd.engine")
    except ImportError:
        print("micrograd not installed: pip install micrograd==0.1.0", file=sys.stderr)
    else:
        found["micrograd"] = {
            "make": mg.Value,
            "relu": mg.Value.relu,
            "zero": lambda ps: [setattr(p, "grad", 0) for p in ps],
            "count": micrograd_count,
        }
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        pass
    else:
        torch.set_num_threads(1)

        def make(x):
            return torch.tensor(x, dtype=torch.float64, requires_grad=True)

        def zero(ps):
            for p in ps:
                p.grad = None

        found["torch"] = {"make": make, "relu": torch.relu, "zero": zero, "count": None,
                          "torch": torch}
    return found


def micrograd_count(root) -> int:
    seen, stack = {root}, [root]
    while stack:
        for child in stack.pop()._prev:
            if child not in seen:
                seen.add(child)
                stack.append(child)
    return len(seen)


def torch_step(model: MLP, xs, ys, eng) -> None:
    torch = eng["torch"]
    params = model.parameters()
    loss = training_step_torch(model, xs, ys, torch, params)
    loss.backward()
    with torch.no_grad():
        for p in params:
            p -= 0.05 * p.grad
            p.grad = None


def training_step_torch(model, xs, ys, torch, params):
    scores = [model(x, torch.relu) for x in xs]
    losses = [torch.relu(1 + -y * s) for y, s in zip(ys, scores)]
    return sum(losses) * (1.0 / len(losses)) + 1e-4 * sum(p * p for p in params)


def chain(make, steps: int):
    x0 = make(1.0)
    x = x0
    for _ in range(steps):
        x = x * 1.0001 + 0.0
    return x0, x


def bytes_per_node(make, count) -> float:
    gc.collect()
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    x0, x = chain(make, 50_000)  # 100,000 nodes for folded-constant engines
    after = tracemalloc.get_traced_memory()[0]
    tracemalloc.stop()
    return (after - before) / count(x)


def main() -> None:
    found = engines()
    xs, ys = moons_like(100, random.Random(0))
    rows: dict[str, dict[str, str]] = {}
    step_time: dict[str, float] = {}
    nodes: dict[str, int] = {}
    for name, eng in found.items():
        model = MLP(eng["make"], [2, 16, 16, 1], random.Random(1))
        if name == "torch":
            step_time[name] = best_of(lambda: torch_step(model, xs, ys, eng), STEPS)
        else:
            step_time[name] = best_of(
                lambda: training_step(model, xs, ys, eng["relu"], eng["zero"]), STEPS
            )
            loss = training_step(model, xs, ys, eng["relu"], eng["zero"])
            nodes[name] = eng["count"](loss)
            del loss
        rows[name] = {"step": f"{step_time[name] * 1e3:.1f} ms"}

    floor = bare_allocation(nodes["autodiff"])
    for name in found:
        if name in nodes:
            rows[name]["nodes"] = f"{nodes[name]:,}"
        rows[name]["step/bare"] = f"{step_time[name] / floor:.2f}x"
        if "micrograd" in step_time:
            rows[name]["vs micrograd"] = f"{step_time['micrograd'] / step_time[name]:.1f}x faster"

    for name, eng in found.items():
        if name == "torch":
            continue
        rows[name]["bytes/node"] = f"{bytes_per_node(eng['make'], eng['count']):.0f}"

    old_limit = sys.getrecursionlimit()
    sys.setrecursionlimit(10 * CHAIN_STEPS)
    for name, eng in found.items():
        if name == "torch":
            continue

        def build_and_backward():
            x0, x = chain(eng["make"], CHAIN_STEPS)
            x.backward()

        rows[name]["chain 1M"] = f"{best_of(build_and_backward, 1):.2f} s"
    sys.setrecursionlimit(old_limit)

    print(f"Python {platform.python_version()} on {platform.machine()}, "
          f"{platform.processor() or platform.platform()}")
    print(f"bare __slots__ allocation of {nodes['autodiff']:,} objects: {floor * 1e3:.1f} ms")
    columns = ["nodes", "step", "vs micrograd", "step/bare", "bytes/node", "chain 1M"]
    print("| engine | " + " | ".join(columns) + " |")
    print("|---" * (len(columns) + 1) + "|")
    for name, row in rows.items():
        print(f"| {name} | " + " | ".join(row.get(c, "-") for c in columns) + " |")


if __name__ == "__main__":
    main()
