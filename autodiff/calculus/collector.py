"""`no_full_gc()`: build and differentiate large graphs in time linear in their size.

CPython's cyclic garbage collector is generational. Young collections look
only at recently made objects, so they cost a constant amount per node. A full
collection walks every tracked object in the process, and it runs whenever the
objects that survived since the last one reach a quarter of those it kept, so
while a graph is being built, full collections walk it again and again
(measured on a chain: no walk by 10⁴ nodes, each node walked 1.0 times on
average by 10⁵ and 3.8 times by 10⁶), and the cost per node grows with the
graph. A graph of `Value`s has no reference cycles and is freed by reference
counting, so these walks find nothing to free. `backward()` itself makes no
collections (floats are not tracked): the walks happen while the graph is
built, in the user's code, so that is what the scope must cover.

Inside `no_full_gc()` full collections are deferred; young collections go on
as usual, so short-lived cyclic garbage of the user's own code is still freed.
When the last scope ends, the collector's thresholds are exactly what they were
before the first one began.
"""

from __future__ import annotations

import gc
import threading

from autodiff.core import uninterrupted

_NEVER = 2**31 - 1  # the largest threshold gc accepts: the third generation never fills
_lock = threading.Lock()
_open = 0  # scopes open right now, in every thread
_before: tuple[int, ...] = ()  # gc.get_threshold() when the first of them opened
_ours: tuple[int, ...] = ()  # what that first scope set


class no_full_gc:
    """Context manager: defer the collector's full collections while it is open.

    Wrap the building of a large graph and its `backward()`, where the cost
    is, not only the `backward()`:

        with autodiff.no_full_gc():
            loss = total_loss(model, batch)
            loss.backward()

    The collector's thresholds are process-wide, so the deferral is too: it
    holds while a scope is open in any thread, and the last scope to close
    restores the thresholds that were in force before the first one opened,
    also when the body raises. If the thresholds were changed inside the scope
    (`gc.set_threshold`), the new ones are kept. `gc.disable()`,
    `gc.isenabled()` and explicit `gc.collect()` calls are never affected.
    Cyclic garbage that reaches the oldest generation inside the scope is
    freed by the first full collection after it.
    """

    def __enter__(self) -> no_full_gc:
        global _open, _before, _ours
        with uninterrupted(), _lock:
            if _open == 0:
                _before = gc.get_threshold()
                _ours = (*_before[:2], _NEVER)
                gc.set_threshold(*_ours)
            _open += 1
        return self

    def __exit__(self, *exc_info: object) -> None:
        global _open
        with uninterrupted(), _lock:
            _open -= 1
            if _open == 0 and gc.get_threshold() == _ours:
                gc.set_threshold(*_before)
