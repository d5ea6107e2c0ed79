"""Shared by the benchmarks: timing in which each run pays for its own garbage only.

A full `gc.collect()` walks every tracked object in the process: 0.5 ms in a
bare interpreter, about 25 ms once torch is imported (engine.py prints
the figure of its run). Charging that to every measurement, as a plain
"collect, run, collect" does, makes the same step look slower in a process
that merely imported more. So before each run the heap that already exists
(the interpreter, imported modules, models, other engines) is frozen
(`gc.freeze()`): neither the collections during the run nor the one after it
walk those objects, and the run is charged exactly for collecting what it
left behind (micrograd's reference cycles, for instance). A `gc.collect()`
right after the freeze empties the generations and their counters, so every
run starts from the same collector state, whatever the process imported.
"""

from __future__ import annotations

import gc
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager


@contextmanager
def own_garbage_only() -> Iterator[None]:
    """Inside, collections see only the objects made inside."""
    gc.collect()
    gc.freeze()
    try:
        gc.collect()
        yield
    finally:
        gc.unfreeze()


def charged(run: Callable[[], object]) -> float:
    """Seconds for run() and the `gc.collect()` right after it; inside
    `own_garbage_only()`, that collects only what run() left behind."""
    start = time.perf_counter()
    run()
    gc.collect()
    return time.perf_counter() - start


def timed(run: Callable[[], object]) -> float:
    """Seconds for run() plus collecting the garbage it leaves behind."""
    with own_garbage_only():
        return charged(run)


def in_turn(names: list[str], repeat: int) -> Iterator[str]:
    """The names, `repeat` rounds of them: round k starts with the k-th name, so
    that drifts of this machine hit every run alike."""
    for k in range(repeat):
        first = k % len(names)
        yield from names[first:] + names[:first]


def best_of(runs: dict[str, Callable[[], object]], repeat: int) -> dict[str, float]:
    """The best `timed` seconds of each run, the runs measured `in_turn`."""
    times: dict[str, list[float]] = {name: [] for name in runs}
    for name in in_turn(list(runs), repeat):
        times[name].append(timed(runs[name]))
    return {name: min(ts) for name, ts in times.items()}
