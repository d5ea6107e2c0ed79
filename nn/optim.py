"""Optimisers: they read `p.grad` and update `p.data` in place.

A step is all or nothing: every new number (and every new moment estimate) is
computed first, and only when all are finite are they assigned. A step that
would make a parameter (or Adam's moment estimate of it) infinite or nan raises
`OverflowError` naming the parameter and changes nothing: no parameter, no
velocity or moment, no step count.

Give the parameters as a model (`nn.SGD(model, lr=0.1)`) or its
`named_parameters()` and an error names a parameter by its path
("layers.0.neurons.2.w.1"); given as `model.parameters()` (plain Values), by
its position and label.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

from autodiff import Value, uninterrupted, zero_grad
from nn.module import Module

Parameters = Module | Iterable[Value] | Iterable[tuple[str, Value]]
"""What an optimiser steps: a model, its `named_parameters()`, or a list of Values."""


def _named(params: Parameters) -> tuple[list[Value], list[str]]:
    """The Values to step and the name of each, for errors: a model's parameter
    paths, the given names, or "parameter i (label)"."""
    items = params.named_parameters() if isinstance(params, Module) else list(params)
    if not items:
        raise ValueError("the optimiser got no parameters")
    values: list[Value] = []
    names: list[str] = []
    seen: set[Value] = set()
    for i, item in enumerate(items):
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            name, p = item
        else:
            name, p = "", item
        if not isinstance(p, Value):
            raise TypeError(f"parameter {name or i} is a {type(p).__name__}, not a Value")
        if p in seen:
            raise ValueError(f"{name or f'parameter {i}'} is given twice (as "
                             f"{names[values.index(p)]}); an optimiser steps each once")
        seen.add(p)
        values.append(p)
        names.append(name or (f"parameter {i} ({p.label})" if p.label else f"parameter {i}"))
    return values, names


def _positive(name: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {x!r}")
    return float(x)


def _fraction(name: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not 0 <= x < 1:
        raise ValueError(f"{name} must be in [0, 1), got {x!r}")
    return float(x)


class Optimizer:
    """Steps the parameters given (see `Parameters`): `params` holds them as Values,
    `names` the name of each for errors (its path where a model or names were
    given). Subclasses compute every new number in `step()` and hand them to
    `_assign`, which checks them all before it writes any."""

    def __init__(self, params: Parameters) -> None:
        self.params, self.names = _named(params)

    def zero_grad(self) -> None:
        """Set every parameter's `grad` to 0.0 (`autodiff.zero_grad`)."""
        zero_grad(self.params)

    def step(self) -> None:
        raise NotImplementedError

    def _check(self, numbers: Sequence[float], what: str, settings: str) -> None:
        """OverflowError naming the first parameter whose new `what` is not finite.
        (A finite sum is the quick test: an inf or a nan among the numbers makes
        it inf or nan; only where it is not, each number is looked at.)"""
        if math.isfinite(sum(numbers)) or all(map(math.isfinite, numbers)):
            return
        i = next(i for i, x in enumerate(numbers) if not math.isfinite(x))
        p = self.params[i]
        raise OverflowError(
            f"{type(self).__name__}.step(): {what} of {self.names[i]} would be {numbers[i]!r} "
            f"(value {p.data!r}, grad {p.grad!r}, {settings}); nothing was changed. "
            "Lower the learning rate, or look at the gradients (nn.grad_norms)")

    def _assign(self, new: Sequence[float], settings: str, **state: object) -> None:
        """p.data = new number, for every parameter, after checking all are finite,
        and the optimiser's own `state` (attribute = value) with them: all or none,
        also under Ctrl-C."""
        self._check(new, "the new value", settings)
        with uninterrupted():
            for p, x in zip(self.params, new, strict=True):
                p.data = x
            for name, value in state.items():
                setattr(self, name, value)


class SGD(Optimizer):
    """Stochastic gradient descent: w ← w − ε ∂E/∂w (docs/explanation/notation.md).

    With momentum μ > 0: v ← μ v + ∂E/∂w, w ← w − ε v."""

    def __init__(self, params: Parameters, lr: float, momentum: float = 0.0) -> None:
        super().__init__(params)
        self.lr = _positive("lr", lr)
        self.momentum = _fraction("momentum", momentum)
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        lr, mu, params = self.lr, self.momentum, self.params
        settings = f"lr {lr!r}" + (f", momentum {mu!r}" if mu else "")
        if not mu:
            self._assign([p.data - lr * p.grad for p in params], settings)
            return
        velocity = [mu * v + p.grad for v, p in zip(self._velocity, params, strict=True)]
        # a velocity that is not finite makes the new value so (lr > 0): one check
        self._assign([p.data - lr * v for p, v in zip(params, velocity, strict=True)],
                     settings, _velocity=velocity)


class Adam(Optimizer):
    """Adam (Kingma & Ba): bias-corrected moving averages m, v of the gradient and
    its square; w ← w − ε m̂ / (√v̂ + eps)."""

    def __init__(self, params: Parameters, lr: float = 0.01,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params)
        self.lr = _positive("lr", lr)
        self.beta1, self.beta2 = _fraction("betas[0]", betas[0]), _fraction("betas[1]", betas[1])
        self.eps = _positive("eps", eps)
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)
        self._t = 0

    def step(self) -> None:
        t = self._t + 1
        b1, b2, lr, eps = self.beta1, self.beta2, self.lr, self.eps
        c1, c2 = 1 - b1**t, 1 - b2**t
        settings = f"lr {lr!r}, step {t}"
        grads = [p.grad for p in self.params]
        m = [b1 * mi + (1 - b1) * g for mi, g in zip(self._m, grads, strict=True)]
        v = [b2 * vi + (1 - b2) * g * g for vi, g in zip(self._v, grads, strict=True)]
        # |m| ≤ the largest |grad| so far, but grad² may overflow: v is checked
        self._check(v, "the second-moment estimate (a moving average of grad²)", settings)
        self._assign([p.data - lr * (mi / c1) / (math.sqrt(vi / c2) + eps)
                      for p, mi, vi in zip(self.params, m, v, strict=True)], settings,
                     _m=m, _v=v, _t=t)
