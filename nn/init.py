"""Weight initialisers and the random streams they draw from.

An initialiser is a callable `(fan_in, fan_out, rng) -> float` giving one weight
w_ji of a layer with `fan_in` inputs and `fan_out` units. Pass one to `MLP`,
`Layer` or `Neuron` as `init=` (weights) or `bias_init=` (biases).

Seeds (`seed=` of every module): weights are random, as the lecture notes stress
(docs/explanation/notation.md), and reproducible. A module gets one stream, `random.Random`:

- `seed=None` (the default): the next stream of nn's default sequence, which
  starts afresh in every process. A program gives the same weights each time
  it runs, yet two models it builds differ (`nn.MLP(2, [3, 1])` twice), and so
  do layers built one by one for a `Sequential`. Pass a seed for weights that
  do not depend on what was built before.
- `seed=` an int: `random.Random(seed)`, independent of everything else.
- `seed=` a `random.Random`: that generator, which the module advances.

A module that builds sub-modules gives each its own stream, spawned from its
own in order (`spawn`), so the layers of one model never share weights.
"""

from __future__ import annotations

import math
import random
import threading
from collections.abc import Callable

Initializer = Callable[[int, int, random.Random], float]
Seed = int | random.Random | None
"""What every module's `seed=` takes (the rules: this module's docstring)."""


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
    """Every weight equal to `value` (the lecture notes' all-0.5, all-100, all-0.01 runs)."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ValueError(f"constant() needs a finite number, got {value!r}")
    return lambda fan_in, fan_out, rng: float(value)


def as_rng(seed: int | random.Random) -> random.Random:
    """`random.Random(seed)` for an int, the generator itself for a Random."""
    if isinstance(seed, random.Random):
        return seed
    if isinstance(seed, bool) or not isinstance(seed, int):
        raise TypeError(f"seed must be an int or a random.Random, got {type(seed).__name__}")
    return random.Random(seed)


def spawn(rng: random.Random) -> random.Random:
    """A new stream seeded with 64 bits drawn from `rng`: reproducible from
    `rng`'s state, and independent of how much the new stream is used."""
    return random.Random(rng.getrandbits(64))


_DEFAULT_SEED = 0
_default_root = random.Random(_DEFAULT_SEED)  # the default sequence: spawn(root), spawn(root), …
_default_lock = threading.Lock()


def module_rng(seed: Seed) -> random.Random:
    """The stream of a module built with `seed=` (see the module docstring):
    None takes the next stream of the default sequence."""
    if seed is None:
        with _default_lock:
            return spawn(_default_root)
    if isinstance(seed, bool) or not isinstance(seed, int | random.Random):
        raise TypeError(
            f"seed must be None, an int or a random.Random, got {type(seed).__name__}")
    return as_rng(seed)
