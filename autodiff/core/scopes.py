"""`scope`: names for the parts of a graph (`nn` names each module's nodes this way)."""

from __future__ import annotations

import contextvars

current: contextvars.ContextVar[str] = contextvars.ContextVar("autodiff_scope", default="")
"""The scope path new nodes get in this thread ("" outside any)."""
open_scopes: list[None] = []
"""One item per scope open in any thread (appends are atomic): while it is empty, new
nodes skip the context lookup."""


class scope:
    """Context manager: Values created inside carry `scope` = this path.

    Scopes nest with "/": inside `scope("layer2")` and then `scope("neuron0")`
    new nodes get scope "layer2/neuron0". `nn` names its modules this way so
    that drawings can group a module's nodes. The current scope belongs to the
    thread (a `contextvars` context): two threads building graphs at once each
    see only their own.
    """

    def __init__(self, name: str) -> None:
        if not isinstance(name, str) or not name:
            raise ValueError(f"scope() needs a non-empty str name, got {name!r}")
        self.name = name
        self._tokens: list[contextvars.Token[str]] = []

    def __enter__(self) -> str:
        outer = current.get()
        path = f"{outer}/{self.name}" if outer else self.name
        self._tokens.append(current.set(path))
        open_scopes.append(None)
        return path

    def __exit__(self, *exc_info: object) -> None:
        open_scopes.pop()
        current.reset(self._tokens.pop())
