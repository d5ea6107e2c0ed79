"""Ctrl-C that cannot tear a commit: `uninterrupted()`.

An operation that promises "all or nothing" (`backward()` adding its gradients,
`load_state_dict` setting every parameter, an optimiser's step) computes its
results first, into fresh buffers, and then writes them in one short loop. A
Ctrl-C (SIGINT) that lands inside that loop would leave half the writes done.
Inside `with uninterrupted():` the signal is held instead, and delivered, as the
KeyboardInterrupt it would have been, when the block ends: the writes are all
done, and the program still stops.

Python delivers signals to the main thread only, so the hold is needed there
only; in other threads (and where SIGINT is not Python's to handle: ignored, or
the operating system's default) the block runs as it is.
"""

from __future__ import annotations

import signal
import threading
from types import FrameType, TracebackType
from typing import Any

__all__ = ["uninterrupted"]


class uninterrupted:
    """Context manager: hold Ctrl-C (SIGINT) until the block ends, then deliver it.

    Meant for short blocks that write results already computed. Nested blocks
    hold the signal until the outermost one ends.
    """

    __slots__ = ("_held", "_previous")

    def __init__(self) -> None:
        self._previous: Any = None
        self._held: tuple[int, FrameType | None] | None = None

    def __enter__(self) -> uninterrupted:
        if threading.current_thread() is threading.main_thread():
            handler = signal.getsignal(signal.SIGINT)
            if callable(handler) and not isinstance(getattr(handler, "__self__", None),
                                                    uninterrupted):  # not held already
                self._held = None
                self._previous = handler
                signal.signal(signal.SIGINT, self._hold)
        return self

    def _hold(self, signum: int, frame: FrameType | None) -> None:
        self._held = (signum, frame)

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 traceback: TracebackType | None) -> None:
        previous, self._previous = self._previous, None
        if previous is None:
            return
        signal.signal(signal.SIGINT, previous)
        if self._held is not None:
            held, self._held = self._held, None
            previous(*held)  # Python's handler raises KeyboardInterrupt here
