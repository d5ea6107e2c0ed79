"""`Module`: the base of every network part: parameters, names, state."""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from numbers import Real

from autodiff import Value


class Module:
    """A network part. Its parameters are the `Value`s found in its attributes,
    in definition order, directly, in lists, or inside child modules.

    `named_parameters()` names them by attribute path, e.g.
    `layers.1.neurons.0.w.2` (layer 1, neuron 0, weight 2).
    """

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs in a stable order."""
        return [(name, p) for name, p, _ in _walk(self, "")]

    def parameters(self) -> list[Value]:
        return [p for _, p, _ in _walk(self, "")]

    def zero_grad(self) -> None:
        """Set every parameter's `grad` to 0.0 (gradients accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """{name: value} of every parameter."""
        return {name: p.data for name, p, _ in _walk(self, "")}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from `state`, which must have exactly the keys of
        `state_dict()` and finite real values. On any mismatch nothing changes."""
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict() needs a mapping, got {type(state).__name__}")
        params = dict(self.named_parameters())
        missing = [k for k in params if k not in state]
        extra = [k for k in state if k not in params]
        if missing or extra:
            raise KeyError(
                f"state does not match {type(self).__name__}: "
                f"missing {missing[:5]}{'...' if len(missing) > 5 else ''}, "
                f"unexpected {extra[:5]}{'...' if len(extra) > 5 else ''}"
            )
        for name, x in state.items():
            if isinstance(x, bool) or not isinstance(x, Real) or not math.isfinite(x):
                raise ValueError(f"state[{name!r}] must be a finite real number, got {x!r}")
        for name, p in params.items():
            p.data = float(state[name])

    def scope_parameters(self) -> None:
        """Give every parameter the `scope` of the module that owns it, relative to
        this module, as a forward pass would ("layers.1/neurons.0"), so diagrams
        draw (and collapse) parameters with their module."""
        for _, p, scope in _walk(self, ""):
            p.scope = scope

    def num_parameters(self) -> int:
        return len(self.parameters())

    def __repr__(self) -> str:
        return f"{self.describe()} [{self.num_parameters()} parameters]"

    def describe(self) -> str:
        """One line naming the architecture (subclasses refine it)."""
        return type(self).__name__


def _walk(obj: object, prefix: str, scope: str = "") -> Iterator[tuple[str, Value, str]]:
    """(name, parameter, scope) of a module tree; the scope is the module path as
    `autodiff.scope` builds it during a forward pass ("layers.1/neurons.0").
    Module trees are shallow, so recursion is fine here."""
    if isinstance(obj, Value):
        yield prefix, obj, scope
    elif isinstance(obj, Module):
        for name, attr in vars(obj).items():
            if name.startswith("_"):
                continue
            path = f"{prefix}.{name}" if prefix else name
            if isinstance(attr, Module):
                yield from _walk(attr, path, f"{scope}/{name}" if scope else name)
            elif isinstance(attr, list | tuple):
                for i, item in enumerate(attr):
                    inner = f"{scope}/{name}.{i}" if scope else f"{name}.{i}"
                    item_scope = inner if isinstance(item, Module) else scope
                    yield from _walk(item, f"{path}.{i}", item_scope)
            else:
                yield from _walk(attr, path, scope)
