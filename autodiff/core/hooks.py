"""The one watch point: how a tool sees a program use the numbers of its Values.

A graph recorded once and replayed with other numbers (`autodiff.compile`) is
only right if the program that built it did not look at its numbers. These are
the ways a Python program can, and `Value` reports each of them here while a
`watch` is open in the thread: a comparison (`<`, `<=`, `>`, `>=`), `float()`,
`.partials()`, `backward()`, a float gradient, and a read or write of `.data` or
`.grad` by code outside the autodiff package. The operations on Values never
look at numbers, so they report nothing. While no thread watches, each report
costs one test of an empty list.
"""

from __future__ import annotations

import contextvars
import sys
from typing import Any


class Watcher:
    """What a `watch` reports to: override the methods."""

    def compared(self, a: Any, op: str, b: Any, result: bool) -> None:
        """`a op b` (op one of <, <=, >, >=) was evaluated and gave `result`."""

    def used(self, v: Any, how: str) -> None:
        """Code outside autodiff used the number of v (`how`: ".data read",
        ".grad written", "float()", "backward()", ...)."""


_watcher: contextvars.ContextVar[Watcher | None] = contextvars.ContextVar(
    "autodiff_watcher", default=None)
watching: list[None] = []
"""One item per `watch` open in any thread (appends and pops are atomic): while it
is empty, Value skips every report."""


class watch:
    """Context manager: report to `watcher` how this thread's program uses the
    numbers of Values, until it closes. Other threads' use is not reported."""

    def __init__(self, watcher: Watcher) -> None:
        if not isinstance(watcher, Watcher):
            raise TypeError(f"watch() needs an autodiff.core.hooks.Watcher, got "
                            f"{type(watcher).__name__}")
        self.watcher = watcher
        self._tokens: list[contextvars.Token[Watcher | None]] = []

    def __enter__(self) -> Watcher:
        self._tokens.append(_watcher.set(self.watcher))
        watching.append(None)
        return self.watcher

    def __exit__(self, *exc_info: object) -> None:
        watching.pop()
        _watcher.reset(self._tokens.pop())


def _outside(frame: Any) -> bool:
    """Is frame's code outside the autodiff package?"""
    module = frame.f_globals.get("__name__", "")
    return not (module == "autodiff" or module.startswith("autodiff."))


def compared(a: Any, op: str, b: Any, result: bool) -> None:
    """Report the comparison `a op b` that gave `result` to this thread's watcher."""
    watcher = _watcher.get()
    if watcher is not None:
        watcher.compared(a, op, b, result)


def used(v: Any, how: str, depth: int | None = None) -> None:
    """Report a use of v's number to this thread's watcher; with `depth`, only when
    the code that many frames above the caller is outside the autodiff package."""
    watcher = _watcher.get()
    if watcher is not None and (depth is None or _outside(sys._getframe(depth + 1))):
        watcher.used(v, how)
