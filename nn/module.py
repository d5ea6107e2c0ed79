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
        return list(_walk(self, ""))

    def parameters(self) -> list[Value]:
        return [p for _, p in _walk(self, "")]

    def zero_grad(self) -> None:
        """Set every parameter's `grad` to 0.0 (gradients accumulate otherwise)."""
        for p in self.parameters():
            p.grad = 0.0

    def state_dict(self) -> dict[str, float]:
        """{name: value} of every parameter."""
        return {name: p.data for name, p in _walk(self, "")}

    def load_state_dict(self, state: Mapping[str, float]) -> None:
        """Set every parameter from `state`, which must have exactly the keys of
        `state_dict()` and finite real values. On any mismatch nothing changes."""
        if not isinstance(state, Mapping):
            raise TypeError(f"load_state_dict() needs a mapping, got {type(state).__name__}")
        params = dict(_walk(self, ""))
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

    def num_parameters(self) -> int:
        return len(self.parameters())

    def __repr__(self) -> str:
        return f"{self.describe()} [{self.num_parameters()} parameters]"

    def describe(self) -> str:
        """One line naming the architecture (subclasses refine it)."""
        return type(self).__name__


def _walk(obj: object, prefix: str) -> Iterator[tuple[str, Value]]:
    """Parameters of a module tree (module trees are shallow, so recursion is fine)."""
    if isinstance(obj, Value):
        yield prefix, obj
    elif isinstance(obj, Module):
        for name, attr in vars(obj).items():
            if not name.startswith("_"):
                yield from _walk(attr, f"{prefix}.{name}" if prefix else name)
    elif isinstance(obj, list | tuple):
        for i, item in enumerate(obj):
            yield from _walk(item, f"{prefix}.{i}")
