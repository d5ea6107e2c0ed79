"""Shared by the benchmarks: timing that charges each run its garbage collection."""

from __future__ import annotations

import gc
import time
from collections.abc import Callable


def timed(run: Callable[[], object]) -> float:
    """Seconds for run() plus the garbage collection it leaves behind."""
    gc.collect()
    start = time.perf_counter()
    run()
    gc.collect()
    return time.perf_counter() - start
