"""`fit`: minibatch training with a history of loss, accuracy and gradient norms."""

from __future__ import annotations

import math
import random
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from autodiff import Value, no_full_gc
from autodiff.compiler import compile as compiled
from nn.init import as_rng
from nn.losses import squared_error, total
from nn.module import Module
from nn.optim import SGD, Optimizer

Loss = Callable[[Sequence[Value], Sequence[float]], Value]


@dataclass
class History:
    """Per epoch: mean minibatch loss, training accuracy (from the forward passes
    of the epoch, before each update) and, per layer k (as `grad_norms` and
    `nn.record` index them), the mean gradient norm ‖∂E/∂θ^(k)‖ over the
    epoch's minibatches. `compile_seconds`: with `fit(compile=True)`, the time
    spent recording and compiling the step (once per minibatch size)."""

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    grad_norms: list[list[float]] = field(default_factory=list)
    compile_seconds: float = 0.0


def correct(y: Sequence[float], d: Sequence[float], threshold: float = 0.5) -> bool:
    """Is the prediction y right for the target d? One output: class y > threshold
    against class d > 0 (targets 0/1 or −1/+1; use threshold 0 for logits and
    ±1 outputs, 0.5 for probabilities); several outputs: the same argmax."""
    if len(y) == 1:
        return (y[0] > threshold) == (d[0] > 0)
    return max(range(len(y)), key=y.__getitem__) == max(range(len(d)), key=d.__getitem__)


def accuracy(model: Module, X: Sequence[Sequence[float]], D: Sequence[Sequence[float]],
             threshold: float = 0.5) -> float:
    """The fraction of samples the model gets right (see `correct`)."""
    _check_data(X, D)
    hits = sum(correct([v.data for v in model(x)], d, threshold) for x, d in zip(X, D, strict=True))
    return hits / len(X)


def grad_norms(model: Module) -> list[float]:
    """‖∂E/∂θ^(k)‖ for the parameters θ^(k) of each layer k of the model: its
    `nn.Layer`s at any nesting, indexed as `nn.record` indexes them (for an MLP,
    k is the position in `model.layers`, textbook layer l = k + 2)."""
    return _norms(_layer_parameters(model))


def _layer_parameters(model: Module) -> list[list[Value]]:
    return [layer.parameters() for _, layer in model.named_modules() if layer.records_units]


def _norms(groups: list[list[Value]]) -> list[float]:
    return [math.sqrt(sum(p.grad * p.grad for p in group)) for group in groups]


def _check_data(X: Sequence, D: Sequence) -> None:
    if len(X) != len(D) or not X:
        raise ValueError(f"need as many inputs as targets (and some): got {len(X)} and {len(D)}")


def fit(
    model: Module,
    X: Sequence[Sequence[float]],
    D: Sequence[Sequence[float]],
    *,
    loss: Loss = squared_error,
    optimizer: Optimizer | None = None,
    epochs: int = 100,
    batch_size: int | None = None,
    reduction: str = "mean",
    threshold: float = 0.5,
    seed: int | random.Random = 0,
    progress: bool = False,
    compile: bool = False,
) -> History:
    """Train `model` on inputs X and targets D; return the `History`.

    Each epoch shuffles the data (with `seed`) into minibatches of `batch_size`
    (all of it when None) and, per minibatch, forms E = 1/N Σ_n E_n ("mean") or
    Σ_n E_n ("sum"), zeroes the gradients, calls `E.backward()` and lets the
    optimiser (default: SGD with ε = 0.1) step. `progress=True` shows a tqdm bar
    (the `progress` extra: `./run demo` installs it). `compile=True` records the step
    once per minibatch size and replays it as generated Python (`autodiff.compile`):
    the same history, bit for bit, with each step some 50 times faster for an MLP's
    minibatch (`bench/compile.py`); `History.compile_seconds` says what the
    recording cost. The model is then called only to record (`nn.record` sees
    one forward pass per minibatch size), and a model that reads numbers in
    Python during its forward pass is refused (`autodiff.TraceError`).
    """
    _check_data(X, D)
    if isinstance(epochs, bool) or not isinstance(epochs, int) or epochs < 0:
        raise ValueError(f"epochs must be a non-negative int, got {epochs!r}")
    size = len(X) if batch_size is None else batch_size
    if isinstance(size, bool) or not isinstance(size, int) or size < 1:
        raise ValueError(f"batch_size must be a positive int or None, got {batch_size!r}")
    optimizer = optimizer or SGD(model, lr=0.1)
    rng = as_rng(seed)
    history = History()
    order = list(range(len(X)))
    layers = _layer_parameters(model)

    def minibatch(xs: Sequence[Sequence[float]], ds: Sequence[Sequence[float]]
                  ) -> tuple[Value, list[list[Value]]]:
        outputs = [model(x) for x in xs]
        return total([loss(y, d) for y, d in zip(outputs, ds, strict=True)], reduction), outputs

    step = compiled(minibatch) if compile else None
    for _ in _epochs(epochs, progress, history):
        rng.shuffle(order)
        losses, hits, norms = [], 0, []
        for start in range(0, len(order), size):
            batch = order[start:start + size]
            xs, ds = [X[n] for n in batch], [D[n] for n in batch]
            optimizer.zero_grad()
            if step is None:
                with no_full_gc():  # the step's graph has no cycles: cost linear in its size
                    E, nodes = minibatch(xs, ds)
                    E.backward()
                value, outputs = E.data, [[v.data for v in y] for y in nodes]
            else:
                value, outputs = step(xs, ds)
            norms.append(_norms(layers))
            optimizer.step()
            losses.append(value)
            hits += sum(correct(y, d, threshold) for y, d in zip(outputs, ds, strict=True))
        history.loss.append(sum(losses) / len(losses))
        history.accuracy.append(hits / len(X))
        history.grad_norms.append([sum(col) / len(norms) for col in zip(*norms, strict=True)])
    if step is not None:
        history.compile_seconds = step.compile_seconds
    return history


def _epochs(epochs: int, progress: bool, history: History):
    if not progress:
        return range(epochs)
    try:
        from tqdm.auto import tqdm
    except ImportError as exc:
        raise ImportError(
            "progress=True needs tqdm: .venv/bin/pip install -e '.[progress]' in the checkout "
            "(./run demo installs it)"
        ) from exc
    bar = tqdm(range(epochs), desc="training")

    def with_postfix():
        for epoch in bar:
            yield epoch
            bar.set_postfix(loss=f"{history.loss[-1]:.4f}", acc=f"{history.accuracy[-1]:.3f}")
    return with_postfix()
