"""Optimisers: they read `p.grad` and update `p.data` in place."""

from __future__ import annotations

import math
from collections.abc import Iterable

from autodiff import Value, zero_grad


def _params(params: Iterable[Value]) -> list[Value]:
    params = list(params)
    if not params:
        raise ValueError("the optimiser got no parameters")
    for i, p in enumerate(params):
        if not isinstance(p, Value):
            raise TypeError(f"parameter {i} is a {type(p).__name__}, not a Value")
    return params


def _positive(name: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not math.isfinite(x) or x <= 0:
        raise ValueError(f"{name} must be a positive finite number, got {x!r}")
    return float(x)


def _fraction(name: str, x: object) -> float:
    if isinstance(x, bool) or not isinstance(x, int | float) or not 0 <= x < 1:
        raise ValueError(f"{name} must be in [0, 1), got {x!r}")
    return float(x)


class Optimizer:
    def __init__(self, params: Iterable[Value]) -> None:
        self.params = _params(params)

    def zero_grad(self) -> None:
        """Set every parameter's `grad` to 0.0 (`autodiff.zero_grad`)."""
        zero_grad(self.params)

    def step(self) -> None:
        raise NotImplementedError


class SGD(Optimizer):
    """Stochastic gradient descent: w ← w − ε ∂E/∂w (seed notes' step 6).

    With momentum μ > 0: v ← μ v + ∂E/∂w, w ← w − ε v."""

    def __init__(self, params: Iterable[Value], lr: float, momentum: float = 0.0) -> None:
        super().__init__(params)
        self.lr = _positive("lr", lr)
        self.momentum = _fraction("momentum", momentum)
        self._velocity = [0.0] * len(self.params)

    def step(self) -> None:
        lr, mu, velocity = self.lr, self.momentum, self._velocity
        for i, p in enumerate(self.params):
            if mu:
                velocity[i] = mu * velocity[i] + p.grad
                p.data -= lr * velocity[i]
            else:
                p.data -= lr * p.grad


class Adam(Optimizer):
    """Adam (Kingma & Ba): bias-corrected moving averages m, v of the gradient and
    its square; w ← w − ε m̂ / (√v̂ + eps)."""

    def __init__(self, params: Iterable[Value], lr: float = 0.01,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8) -> None:
        super().__init__(params)
        self.lr = _positive("lr", lr)
        self.beta1, self.beta2 = _fraction("betas[0]", betas[0]), _fraction("betas[1]", betas[1])
        self.eps = _positive("eps", eps)
        self._m = [0.0] * len(self.params)
        self._v = [0.0] * len(self.params)
        self._t = 0

    def step(self) -> None:
        self._t += 1
        b1, b2 = self.beta1, self.beta2
        c1, c2 = 1 - b1**self._t, 1 - b2**self._t
        for i, p in enumerate(self.params):
            g = p.grad
            self._m[i] = b1 * self._m[i] + (1 - b1) * g
            self._v[i] = b2 * self._v[i] + (1 - b2) * g * g
            p.data -= self.lr * (self._m[i] / c1) / (math.sqrt(self._v[i] / c2) + self.eps)
