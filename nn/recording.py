"""`record(model)`: keep the nodes u^(l) and z^(l) of every forward pass."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from autodiff import Value
from nn.module import Module

_active: list[Recording] = []


class Recording:
    """The nodes of every forward call made while recording.

    `u[k][n][j]` and `z[k][n][j]`: layer k of `model.layers` (textbook layer
    l = k + 2), sample n (the n-th forward call), unit j; all indices from 0.
    After `E.backward()`, `deltas()` gives δ_j^(l) = ∂E/∂u_j^(l), the floats
    `u.grad`, in the same shape.
    """

    def __init__(self, model: Module) -> None:
        layers = getattr(model, "layers", None)
        if not isinstance(layers, list):
            raise TypeError(f"record() needs a model with .layers, got {type(model).__name__}")
        self._index = {id(layer): k for k, layer in enumerate(layers)}
        self._layers = layers  # keeps the ids above valid
        self.u: list[list[list[Value]]] = [[] for _ in layers]
        self.z: list[list[list[Value]]] = [[] for _ in layers]

    def _add(self, layer: Module, u: list[Value], z: list[Value]) -> None:
        k = self._index.get(id(layer))
        if k is not None:
            self.u[k].append(u)
            self.z[k].append(z)

    def deltas(self) -> list[list[list[float]]]:
        """δ[k][n][j] = u[k][n][j].grad."""
        return [[[u.grad for u in sample] for sample in layer] for layer in self.u]


def notify(layer: Module, u: list[Value], z: list[Value]) -> None:
    for rec in _active:
        rec._add(layer, u, z)


@contextmanager
def record(model: Module) -> Iterator[Recording]:
    """with nn.record(model) as rec: loss = ...; loss.backward(); rec.deltas()"""
    rec = Recording(model)
    _active.append(rec)
    try:
        yield rec
    finally:
        _active.remove(rec)
