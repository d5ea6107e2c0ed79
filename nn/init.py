"""Weight initialisers, each drawing from an explicit `random.Random`.

An initialiser is a callable `(fan_in, fan_out, rng) -> float` giving one weight
w_ji of a layer with `fan_in` inputs and `fan_out` units. Pass one to `MLP`,
`Layer` or `Neuron` as `init=` (weights) or `bias_init=` (biases).
"""

from __future__ import annotations

import math
import random
from collections.abc import Callable

Initializer = Callable[[int, int, random.Random], float]


def uniform(low: float = -1.0, high: float = 1.0) -> Initializer:
    """w ~ U(low, high): the default, as in micrograd."""
    if not (math.isfinite(low) and math.isfinite(high) and low < high):
        raise ValueError(f"uniform() needs finite low < high, got {low!r}, {high!r}")
    return lambda fan_in, fan_out, rng: rng.uniform(low, high)


def xavier() -> Initializer:
    """Xavier/Glorot uniform: w ~ U(−a, a), a = √(6 / (fan_in + fan_out)); keeps the
    variance of u and of δ about constant across tanh/sigmoid layers."""
    return lambda fan_in, fan_out, rng: rng.uniform(-1, 1) * math.sqrt(6 / (fan_in + fan_out))


def he() -> Initializer:
    """He normal: w ~ N(0, 2 / fan_in), for ReLU layers."""
    return lambda fan_in, fan_out, rng: rng.gauss(0.0, math.sqrt(2 / fan_in))


def constant(value: float) -> Initializer:
    """Every weight equal to `value` (the seed notes' all-0.5, all-100, all-0.01 runs)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"constant() needs a finite number, got {value!r}")
    return lambda fan_in, fan_out, rng: float(value)


def as_rng(seed: int | random.Random) -> random.Random:
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int or a random.Random, got {type(seed).__name__}")
    return random.Random(seed)
