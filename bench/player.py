"""Saving the HTML player (`Stepper(loss).save_html(path)`): seconds and bytes
next to issue 24's goals (≤ 0.2 s and ≤ 150 KB for a small MLP of about 56
nodes, ≤ 1 s for a graph of about 300 nodes).

The graphs are the first-hour review's: an MLP 2-3-1 (tanh) over the first two
XOR samples (63 nodes, 114 steps: larger than the goal's 56) and an MLP
2-4-4-1 over all four (309 nodes, 582 steps). The time is the whole call, the
Stepper's construction included, best of REPEAT; the size is the file's. Before
the player drew its graph once, the review measured 2.46 s and 1.27 MB for the
first and 56.6 s and 26.9 MB for the second.
Run: `./run bench` or `python bench/player.py` (needs Graphviz's dot).
"""

from __future__ import annotations

import shutil
import tempfile
from pathlib import Path

from _timing import timed

import nn
from autodiff import Stepper

REPEAT = 3
CASES = [  # name, hidden and output sizes, samples, goal in seconds, goal in bytes
    ("MLP 2-3-1, 2 samples", [3, 1], 2, 0.2, 150_000),
    ("MLP 2-4-4-1, 4 samples", [4, 4, 1], 4, 1.0, None),
]


def loss(sizes: list[int], samples: int):
    model = nn.MLP(2, sizes, activation="tanh", seed=0)
    X, D = nn.datasets.xor()
    return nn.total([nn.squared_error(model(x), d)
                     for x, d in zip(X[:samples], D[:samples], strict=True)])


def main() -> None:
    if shutil.which("dot") is None:
        print("skipped: Graphviz's dot is not installed (apt-get install graphviz)")
        return
    print(f"{'graph':<24} {'nodes':>5} {'steps':>5} {'seconds':>8} {'goal':>6} "
          f"{'KB':>7} {'goal':>6}")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "player.html"
        for name, sizes, samples, seconds_goal, bytes_goal in CASES:
            E = loss(sizes, samples)
            nodes, steps = len(Stepper(E).nodes), len(Stepper(E))
            seconds = min(timed(lambda E=E: Stepper(E).save_html(path, max_nodes=400))
                          for _ in range(REPEAT))
            size = path.stat().st_size
            size_goal = f"{bytes_goal / 1000:.0f}" if bytes_goal else "-"
            verdict = "met" if seconds <= seconds_goal and (
                bytes_goal is None or size <= bytes_goal) else "MISSED"
            print(f"{name:<24} {nodes:>5} {steps:>5} {seconds:>8.3f} {seconds_goal:>6} "
                  f"{size / 1000:>7.1f} {size_goal:>6}  {verdict}")


if __name__ == "__main__":
    main()
