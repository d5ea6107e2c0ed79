"""Cost per node of building a graph and of its backward(), from 10³ to 10⁶ nodes.

Two shapes: micrograd's demo step (bench/engine.py: MLP 2-16-16-1, max-margin
loss) over 1 to 1,528 points, and the chain `x = x*1.0001 + 0.0`. Build and
backward are timed separately, by default and inside `autodiff.no_full_gc()`,
which defers the collector's full collections (they walk the whole live graph
again and again while it is being built). Each measurement starts from the
collector state of an empty process (bench/_timing.py); the two modes take
turns, best of REPEAT. Linear cost means a flat ns/node column: the last line
gives the cost per node at 10⁶ nodes over that at 10⁴.
Run: `./run bench` or `python bench/node_cost.py`.
"""

from __future__ import annotations

import contextlib
import random
import time
from collections.abc import Callable

from _timing import in_turn, own_garbage_only
from engine import MLP, chain, demo_data, demo_loss

from autodiff import Value, no_full_gc, topological_order

REPEAT = 3
MODES: dict[str, Callable[[], contextlib.AbstractContextManager]] = {
    "default": contextlib.nullcontext,
    "no_full_gc()": no_full_gc,
}


def mlp_step(points: int) -> Callable[[], Value]:
    model = MLP(Value, [2, 16, 16, 1], random.Random(1))
    xs, ys = demo_data(points)
    return lambda: demo_loss(model, xs, ys, Value.relu)


def chain_of(nodes: int) -> Callable[[], Value]:
    return lambda: chain(Value, nodes // 2)


SHAPES = {
    "MLP step": [mlp_step(points) for points in (1, 15, 152, 1528)],
    "chain": [chain_of(nodes) for nodes in (10**3, 10**4, 10**5, 10**6)],
}


def build_and_backward(build: Callable[[], Value], mode: str) -> tuple[int, float, float]:
    """(nodes, seconds to build, seconds for backward())."""
    with own_garbage_only(), MODES[mode]():
        start = time.perf_counter()
        root = build()
        built = time.perf_counter()
        root.backward()
        done = time.perf_counter()
    return len(topological_order(root)), built - start, done - built


def main() -> None:
    print(f"ns per node, best of {REPEAT}; modes in turn\n")
    header = " | ".join(f"{m}: build + backward = total" for m in MODES)
    print(f"| shape | nodes | {header} |")
    print("|---" * (2 + len(MODES)) + "|")
    for shape, builds in SHAPES.items():
        per_node: dict[str, list[float]] = {m: [] for m in MODES}
        for build in builds:
            best: dict[str, tuple[int, float, float]] = {}
            for mode in in_turn(list(MODES), REPEAT):
                n, b, w = build_and_backward(build, mode)
                old = best.get(mode, (n, b, w))
                best[mode] = (n, min(old[1], b), min(old[2], w))
            cells = []
            for mode, (n, b, w) in best.items():
                per_node[mode].append((b + w) / n * 1e9)
                cells.append(f"{b / n * 1e9:.0f} + {w / n * 1e9:.0f} = {(b + w) / n * 1e9:.0f}")
            print(f"| {shape} | {n:,} | " + " | ".join(cells) + " |")
        ratios = " | ".join(f"{per_node[m][3] / per_node[m][1]:.2f}x" for m in MODES)
        print(f"| {shape} | 10⁶ / 10⁴ per node | {ratios} |")


if __name__ == "__main__":
    main()
