"""`Module`: the protocol every network part follows, and what is built on it.

A module declares four things; everything else (parameter lists, names,
scopes, state, `nn.record`, `nn.save` / `nn.load`, `nn.grad_norms`) walks a
model of any nesting through them:

- `own_parameters()`: the `Value`s it holds itself, named ("w.0", "b");
- `named_children()`: its direct sub-modules, named ("layers.1", "block"); a
  container also enters `autodiff.scope(name)` when it calls a child, so a
  parameter's `scope` and the nodes of a forward pass share one path;
- `config()` / `from_config(config)`: its architecture as JSON-ready data, and
  the class method that builds a fresh module from it. Every subclass is
  registered under its `type_name` (the class name unless given as
  `class Mine(nn.Module, type_name="mine")`), which `config()["type"]` holds,
  so `build(config)` finds the class without a list of types;
- `name_units(l)`: label its units with the layer index l of docs/explanation/notation.md
  (u_j^(l), w_ji^(l)) and return the next free index.

Layers that report their nodes to `nn.record` set `records_units = True`.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from contextvars import ContextVar
from numbers import Real
from typing import Any, ClassVar

from autodiff import Value, uninterrupted, zero_grad

_registry: dict[str, type[Module]] = {}


class Module:
    """A network part. Subclasses override the protocol methods they need (a
    module without parameters or children keeps the defaults) and `__call__`.

    `named_parameters()` names every parameter by its module path and own name,
    e.g. `layers.1.neurons.0.w.2` (layer 1, neuron 0, weight 2). A module or
    parameter reachable twice (a shared layer) is listed once, at its first
    place, so an optimiser steps it once.
    """

    type_name: ClassVar[str] = "Module"
    records_units: ClassVar[bool] = False

    def __init_subclass__(cls, *, type_name: str | None = None, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        name = cls.__name__ if type_name is None else type_name
        if not isinstance(name, str) or not name:
            raise TypeError(f"type_name must be a non-empty str, got {name!r}")
        old = _registry.get(name)
        if old is not None and _origin(old) != _origin(cls):  # a re-run cell may redefine
            raise TypeError(
                f"a Module type named {name!r} is already registered ({_origin(old)}); "
                f"register {_origin(cls)} under another name: "
                f"class {cls.__name__}(..., type_name='...')"
            )
        _registry[name] = cls
        cls.type_name = name

    # -- the protocol ------------------------------------------------------

    def own_parameters(self) -> list[tuple[str, Value]]:
        """(name, Value) of the parameters this module holds itself, not through
        its children."""
        return []

    def named_children(self) -> list[tuple[str, Module]]:
        """(name, module) of the direct sub-modules, in calling order."""
        return []

    def config(self) -> dict[str, Any]:
        """The architecture as JSON-ready data: {"type": type_name, ...}, without
        the parameter values (those are `state_dict()`)."""
        raise NotImplementedError(
            f"{type(self).__name__} defines no config(); define config() and "
            f"from_config() to save and load it"
        )

    @classmethod
    def from_config(cls, config: Mapping[str, Any]) -> Module:
        """A freshly initialised module of the architecture `config` describes.
        The default passes the config's entries but "type" to the constructor
        as keyword arguments."""
        return cls(**arguments(config))

    def name_units(self, l: int) -> int:  # noqa: E741 (the notes' letter)
        """Label the units with layer index l onwards, return the next index.
        The default names the children in order."""
        for child in self.children():
            l = child.name_units(l)  # noqa: E741
        return l

    def __call__(self, z: Sequence[Value | float]) -> Any:
        raise NotImplementedError(f"{type(self).__name__} defines no __call__()")

    # -- built on the protocol ----------------------------------------------

    def children(self) -> list[Module]:
        return [child for _, child in self.named_children()]

    def named_modules(self) -> list[tuple[str, Module]]:
        """(path, module) of this module ("") and everything below it, depth
        first in calling order: "layers.1", "layers.1.block", ..."""
        return [(".".join(names), m) for names, m in _tree(self)]

    def named_parameters(self) -> list[tuple[str, Value]]:
        """(name, parameter) pairs in a stable order."""
        return [(name, p) for name, p, _ in _parameters(self)]

    def parameters(self) -> list[Value]:
        return [p for _, p, _ in _parameters(self)]

    def num_parameters(self) -> int:
        return len(self.parameters())

    def zero_grad(self) -> None:
        """Set every parameter's `grad` to 0.0 (gradients accumulate otherwise)."""
        zero_grad(self.parameters())

    def state_dict(self) -> dict[str, float]:
        """{name: value} of every parameter."""
        return {name: p.data for name, p, _ in _parameters(self)}

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
        values = {name: _finite(name, x) for name, x in state.items()}
        with uninterrupted():  # every parameter or none, even on Ctrl-C
            for name, p in params.items():
                p.data = values[name]

    def scope_parameters(self) -> None:
        """Give every parameter the `scope` of the module that owns it, relative to
        this module, as a forward pass would ("layers.1/neurons.0"), so diagrams
        draw (and collapse) parameters with their module."""
        for _, p, scope in _parameters(self):
            p.scope = scope

    def __repr__(self) -> str:
        return f"{self.describe()} [{self.num_parameters()} parameters]"

    def describe(self) -> str:
        """One line naming the architecture (subclasses refine it)."""
        return type(self).__name__


def build(config: object) -> Module:
    """A fresh module from `module.config()`: the registered class named by
    config["type"] builds it with its `from_config`."""
    if not isinstance(config, Mapping):
        raise TypeError(f"a module config must be a dict, got {type(config).__name__}")
    kind = config.get("type")
    if not isinstance(kind, str):
        raise ValueError(f"a module config needs a 'type' string, got {kind!r}")
    cls = _registry.get(kind)
    if cls is None:
        raise ValueError(f"unknown module type {kind!r}; known: {', '.join(sorted(_registry))}")
    module = cls.from_config(config)
    if not isinstance(module, cls):
        raise TypeError(f"{cls.__name__}.from_config() returned {type(module).__name__}")
    return module


def arguments(config: Mapping[str, Any]) -> dict[str, Any]:
    """A config's entries but "type": the constructor's keyword arguments."""
    return {k: v for k, v in config.items() if k != "type"}


# -- walking a module tree (iteratively: no recursion limit) ----------------


def _tree(root: Module) -> Iterator[tuple[tuple[str, ...], Module]]:
    """(names from root, module), depth first in calling order, each module once."""
    seen: set[int] = set()
    stack: list[tuple[tuple[str, ...], Module]] = [((), root)]
    while stack:
        names, module = stack.pop()
        if id(module) in seen:
            continue
        seen.add(id(module))
        yield names, module
        children = module.named_children()
        for name, child in reversed(children):
            if not isinstance(child, Module):
                raise TypeError(f"{type(module).__name__}.named_children() gave "
                                f"{name!r}: {type(child).__name__}, not a Module")
            stack.append(((*names, name), child))


def _parameters(root: Module) -> Iterator[tuple[str, Value, str]]:
    """(name, parameter, scope) of every parameter below root, each once; the
    scope is the module path as `autodiff.scope` builds it ("layers.1/neurons.0").
    TypeError naming the path where a module holds something else than a Value
    in a parameter's place (`neuron.w[0] = 0.5`)."""
    seen: set[int] = set()
    for names, module in _tree(root):
        for own, p in module.own_parameters():
            if not isinstance(p, Value):
                raise TypeError(
                    f"parameter {'.'.join((*names, own))} is a {type(p).__name__} "
                    f"({_short(p)}), not a Value: something replaced it; set a parameter's "
                    f"number with p.data = ..., or load_state_dict()")
            if id(p) not in seen:
                seen.add(id(p))
                yield ".".join((*names, own)), p, "/".join(names)


def _finite(name: str, x: object) -> float:
    if isinstance(x, Real) and not isinstance(x, bool):
        try:
            value = float(x)
        except OverflowError:  # an int beyond the float range
            value = math.inf
        if math.isfinite(value):
            return value
    raise ValueError(f"state[{name!r}] must be a finite real number, got {_short(x)}")


def _short(x: object) -> str:
    text = repr(x)
    return text if len(text) <= 60 else f"{text[:40]}... ({len(text)} characters)"


def _origin(cls: type) -> str:
    return f"{cls.__module__}.{cls.__qualname__}"


# -- parameter budget: nn.load never makes more parameters than a file holds --

_budget: ContextVar[list[int] | None] = ContextVar("nn_parameter_budget", default=None)


@contextmanager
def parameter_budget(limit: int) -> Iterator[None]:
    """Inside: modules may create at most `limit` parameters in all (see `reserve`)."""
    token = _budget.set([limit])
    try:
        yield
    finally:
        _budget.reset(token)


def reserve(count: int, who: str) -> None:
    """Called by a module before it creates `count` parameters: inside
    `parameter_budget` (as `nn.load` builds a model) it raises ValueError,
    before anything is allocated, when the budget would be exceeded."""
    left = _budget.get()
    if left is None:
        return
    if count > left[0]:
        raise ValueError(f"{who} needs {count} parameters, but the file holds values for "
                         f"only {left[0]} more")
    left[0] -= count
