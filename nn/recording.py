"""`record(model)`: keep the nodes u^(l) and z^(l) of every forward pass."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from contextvars import ContextVar

from autodiff import Value
from nn.module import Module

_active: ContextVar[tuple[Recording, ...]] = ContextVar("nn_recordings", default=())
"""The recordings open in this context: each thread (and asyncio task) has its own."""


class Recording:
    """The nodes of every forward call made while recording.

    `u[k][n][j]` and `z[k][n][j]`: k indexes the model's layers (the modules
    with `records_units`, i.e. every `nn.Layer`, at any nesting) in the order
    of `model.named_modules()`, depth first in calling order; `paths[k]` and
    `layers[k]` say which layer k is. For a plain MLP or a Sequential of
    layers, k is the position in `model.layers` (textbook layer l = k + 2).
    n counts the calls of that layer while recording (the n-th sample), j the
    units; all indices from 0. After `E.backward()`, `deltas()` gives
    δ_j^(l) = ∂E/∂u_j^(l), the floats `u.grad`, in the same shape.

    A recording sees the forward calls made in its own context (thread): two
    threads recording at once, even the same model, keep separate records.
    """

    def __init__(self, model: Module) -> None:
        if not isinstance(model, Module):
            raise TypeError(f"record() needs an nn model, got {type(model).__name__}")
        found = [(path, m) for path, m in model.named_modules() if m.records_units]
        if not found:
            raise TypeError(f"record() needs a model with layers (nn.Layer); "
                            f"{model.describe()} has none")
        self.paths = [path for path, _ in found]
        self.layers = [m for _, m in found]  # keeps the ids below valid
        self._index = {id(m): k for k, m in enumerate(self.layers)}
        self.u: list[list[list[Value]]] = [[] for _ in found]
        self.z: list[list[list[Value]]] = [[] for _ in found]

    def _add(self, layer: Module, u: list[Value], z: list[Value]) -> None:
        k = self._index.get(id(layer))
        if k is not None:
            self.u[k].append(u)
            self.z[k].append(z)

    def deltas(self) -> list[list[list[float]]]:
        """δ[k][n][j] = u[k][n][j].grad."""
        return [[[u.grad for u in sample] for sample in layer] for layer in self.u]

    def __repr__(self) -> str:
        """What it holds: per layer, the calls recorded × the units of each."""
        parts = []
        for path, calls in zip(self.paths, self.u, strict=True):
            units = f" × {len(calls[0])} unit{'s' * (len(calls[0]) != 1)}" if calls else ""
            parts.append(f"{path or 'model'}: {len(calls)} call{'s' * (len(calls) != 1)}{units}")
        n = len(self.u)
        return f"<Recording of {n} layer{'s' * (n != 1)} ({', '.join(parts)})>"


def notify(layer: Module, u: list[Value], z: list[Value]) -> None:
    """Called by a layer (`records_units`) after each forward call with its
    pre-activations u and outputs z."""
    for rec in _active.get():
        rec._add(layer, u, z)


@contextmanager
def record(model: Module) -> Iterator[Recording]:
    """with nn.record(model) as rec: loss = ...; loss.backward(); rec.deltas()"""
    rec = Recording(model)
    _active.set((*_active.get(), rec))
    try:
        yield rec
    finally:
        _active.set(tuple(r for r in _active.get() if r is not rec))
