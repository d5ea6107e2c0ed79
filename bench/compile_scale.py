"""Compiling a big graph: seconds and peak memory of `autodiff.compile` at 10⁵ and 10⁶ nodes.

The graph is micrograd's demo step (bench/engine.py: MLP 2-16-16-1, ReLU,
max-margin loss + 1e-4·Σp²) over 152 and 1,528 points: about 100,000 and
1,000,000 nodes. Each figure comes from a fresh subprocess, so that no run
inherits another's heap:

* seconds: `compile(loss, xs, ys)` (record, write, CPython's compile), timed
  alone, best of REPEAT processes; and in one more process the three apart
  (`tracing.record`, `python_backend.write`, `Program.function`); at 10⁵ nodes
  also for the program written out (`loops=False`) rather than as a loop over
  the points;
* the graph's own bytes: tracemalloc over building the loss with the
  interpreter (what the recording keeps alive in any case);
* peak above the graph: tracemalloc's peak during `compile` minus what was
  allocated before it and minus the graph's bytes, per node.

The goals are printed next to each number: ≤ 10 s and ≤ 600 B per node
above the graph at 10⁶ nodes, and per-node seconds at 10⁶ within 1.2× of 10⁵.
Run: `python bench/compile_scale.py` (a few minutes; about 3 GB of memory).
"""

from __future__ import annotations

import json
import random
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path

POINTS = {"1e5": 152, "1e6": 1528}
REPEAT = 2
GOAL_SECONDS, GOAL_BYTES, GOAL_RATIO = 10.0, 600, 1.2


def child(points: int, what: str) -> dict[str, float]:
    """One measurement in this process: "time", "phases", "graph" or "peak"; "time" and
    "phases" with ":written" for the program written out (`loops=False`)."""
    what, _, written = what.partition(":")
    loops = False if written else None
    from engine import MLP, demo_data, demo_loss

    from autodiff import Value, compile, topological_order

    model = MLP(Value, [2, 16, 16, 1], random.Random(1))
    xs, ys = demo_data(points)

    def loss(xs: list, ys: list) -> Value:
        return demo_loss(model, xs, ys, Value.relu)

    if what == "time":
        start = time.perf_counter()
        compile(loss, xs, ys, loops=loops)
        return {"seconds": time.perf_counter() - start}
    if what == "phases":
        from autodiff import no_full_gc
        from autodiff.compiler import python_backend, tracing
        with no_full_gc():  # as compile() runs them
            start = time.perf_counter()
            trace = tracing.record(loss, (xs, ys))
            recorded = time.perf_counter()
            program = python_backend.write(trace, loops=loops)
            written = time.perf_counter()
            program.function()
            done = time.perf_counter()
        return {"record": recorded - start, "write": written - recorded,
                "compile": done - written}
    tracemalloc.start()
    before = tracemalloc.get_traced_memory()[0]
    if what == "graph":
        root = loss(xs, ys)
        graph = tracemalloc.get_traced_memory()[0] - before
        return {"graph": graph, "nodes": len(topological_order(root))}
    tracemalloc.reset_peak()
    compile(loss, xs, ys)
    return {"peak": tracemalloc.get_traced_memory()[1] - before}


def run(points: int, what: str) -> dict[str, float]:
    out = subprocess.run([sys.executable, __file__, "--child", str(points), what],
                         capture_output=True, text=True, check=True,
                         cwd=Path(__file__).parent)
    return json.loads(out.stdout)


def main() -> None:
    rows = {}
    for name, points in POINTS.items():
        seconds = min(run(points, "time")["seconds"] for _ in range(REPEAT))
        phases = run(points, "phases")
        graph = run(points, "graph")
        peak = run(points, "peak")["peak"]
        nodes = int(graph["nodes"])
        rows[name] = (nodes, seconds, graph["graph"] / nodes, (peak - graph["graph"]) / nodes,
                      phases)
    written = min(run(POINTS["1e5"], "time:written")["seconds"] for _ in range(REPEAT))
    written_phases = run(POINTS["1e5"], "phases:written")
    print("| graph | nodes | compile | µs per node | of which record / write / CPython's "
          "compile, µs per node | graph B/node | peak above graph B/node |")
    print("|---|---|---|---|---|---|---|")
    for name, (nodes, seconds, graph_b, above, phases) in rows.items():
        split = " / ".join(f"{phases[k] / nodes * 1e6:.1f}" for k in ("record", "write",
                                                                       "compile"))
        print(f"| MLP step, {POINTS[name]:,} points | {nodes:,} | {seconds:.2f} s | "
              f"{seconds / nodes * 1e6:.2f} | {split} | {graph_b:.0f} | {above:.0f} |")
    nodes = rows["1e5"][0]
    split = " / ".join(f"{written_phases[k] / nodes * 1e6:.1f}" for k in ("record", "write",
                                                                           "compile"))
    print(f"| the same, {POINTS['1e5']:,} points, written out (loops=False) | {nodes:,} | "
          f"{written:.2f} s | {written / nodes * 1e6:.2f} | {split} | - | - |")
    small, big = rows["1e5"], rows["1e6"]
    ratio = (big[1] / big[0]) / (small[1] / small[0])
    print(f"\n10⁶ nodes: {big[1]:.1f} s (goal ≤ {GOAL_SECONDS:.0f} s: "
          f"{'met' if big[1] <= GOAL_SECONDS else 'MISSED'}); {big[3]:.0f} B per node above "
          f"the graph (goal ≤ {GOAL_BYTES}: {'met' if big[3] <= GOAL_BYTES else 'MISSED'}); "
          f"per-node time 10⁶ / 10⁵ = {ratio:.2f}× (goal ≤ {GOAL_RATIO}×: "
          f"{'met' if ratio <= GOAL_RATIO else 'MISSED'})")


if __name__ == "__main__":
    if len(sys.argv) == 4 and sys.argv[1] == "--child":
        print(json.dumps(child(int(sys.argv[2]), sys.argv[3])))
    else:
        main()
