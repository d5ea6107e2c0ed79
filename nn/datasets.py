"""Small deterministic datasets (no scikit-learn): each returns (X, D), lists of
input vectors and target vectors. Binary tasks have targets [0.0] or [1.0];
multi-class tasks one-hot targets."""

from __future__ import annotations

import math

from nn.init import as_rng


def _check(n: object, noise: object) -> None:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    if not isinstance(noise, int | float) or not 0 <= noise < math.inf:
        raise ValueError(f"noise must be a finite number ≥ 0, got {noise!r}")


def _one_hot(k: int, classes: int) -> list[float]:
    return [1.0 if c == k else 0.0 for c in range(classes)]


def xor() -> tuple[list[list[float]], list[list[float]]]:
    """The four XOR points: d = x1 ⊕ x2."""
    X = [[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]]
    return X, [[float(int(a) ^ int(b))] for a, b in X]


def moons(n: int = 100, noise: float = 0.1, seed: int = 0):
    """Two interleaving half circles, n points in all, Gaussian noise of std `noise`."""
    _check(n, noise)
    rng = as_rng(seed)
    X, D = [], []
    for i in range(n):
        label = i % 2
        t = math.pi * rng.random()
        x = (math.cos(t), math.sin(t)) if label == 0 else (1 - math.cos(t), 0.5 - math.sin(t))
        X.append([x[0] + rng.gauss(0, noise), x[1] + rng.gauss(0, noise)])
        D.append([float(label)])
    return X, D


def circles(n: int = 100, noise: float = 0.05, factor: float = 0.5, seed: int = 0):
    """An outer circle (label 0) around an inner one of radius `factor` (label 1)."""
    _check(n, noise)
    if not 0 < factor < 1:
        raise ValueError(f"factor must be in (0, 1), got {factor!r}")
    rng = as_rng(seed)
    X, D = [], []
    for i in range(n):
        label, t = i % 2, 2 * math.pi * rng.random()
        r = factor if label else 1.0
        X.append([r * math.cos(t) + rng.gauss(0, noise), r * math.sin(t) + rng.gauss(0, noise)])
        D.append([float(label)])
    return X, D


def spirals(n: int = 150, classes: int = 3, noise: float = 0.2, seed: int = 0):
    """`classes` interleaved spiral arms, n points in all, one-hot targets."""
    _check(n, noise)
    if isinstance(classes, bool) or not isinstance(classes, int) or classes < 2:
        raise ValueError(f"classes must be an int ≥ 2, got {classes!r}")
    rng = as_rng(seed)
    X, D = [], []
    for i in range(n):
        k = i % classes
        r = (i // classes + 1) / math.ceil(n / classes)
        t = 4 * r + 2 * math.pi * k / classes + rng.gauss(0, noise)
        X.append([r * math.cos(t), r * math.sin(t)])
        D.append(_one_hot(k, classes))
    return X, D


def blobs(n: int = 100, centers: int = 3, std: float = 0.5, seed: int = 0):
    """Gaussian blobs around `centers` points on a circle of radius 2, one-hot targets."""
    _check(n, std)
    if isinstance(centers, bool) or not isinstance(centers, int) or centers < 2:
        raise ValueError(f"centers must be an int ≥ 2, got {centers!r}")
    rng = as_rng(seed)
    X, D = [], []
    for i in range(n):
        k = i % centers
        a = 2 * math.pi * k / centers
        X.append([2 * math.cos(a) + rng.gauss(0, std), 2 * math.sin(a) + rng.gauss(0, std)])
        D.append(_one_hot(k, centers))
    return X, D


def regression_1d(n: int = 50, noise: float = 0.05, seed: int = 0):
    """x evenly spaced in [−1, 1], d = sin(πx) + noise: a 1-D regression task."""
    _check(n, noise)
    rng = as_rng(seed)
    X = [[-1 + 2 * i / max(n - 1, 1)] for i in range(n)]
    return X, [[math.sin(math.pi * x[0]) + rng.gauss(0, noise)] for x in X]
