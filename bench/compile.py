"""Compiled replay: micrograd's demo step with every engine, in one run.

The step is micrograd's demo: an MLP 2-16-16-1 (ReLU) on 100 points, max-margin
loss + 1e-4·Σp², backward, SGD, with a new draw of 100 points at every step.
The engines, all from the same weights:

* micrograd 0.1.0 (if installed: `pip install micrograd==0.1.0`);
* autodiff's interpreter (build the graph, `backward()`);
* `autodiff.compile` with the Python backend (bit for bit the interpreter;
  its program a loop over the points, as for every graph of 10,000 nodes or
  more, and again written out, `loops=False`) and with the NumPy backend, each
  followed by the SGD loop over the model's Values (`p.data -= lr * p.grad;
  p.grad = 0.0`, the user's code, as with every scalar engine);
* each backend fused with SGD (`step.sgd(params, lr)`): the same update,
  written by the step itself, the model's Values holding the new weights
  after every step (the Python backend's bit for bit the SGD loop's);
* PyTorch with one float64 scalar tensor per number (if installed);
* the same step written by hand with NumPy matrices (what a user would pick
  instead of a scalar engine), and its peers with matrices, where installed:
  PyTorch (float64 tensors, one thread, autograd) and JAX (float64, CPU, the
  step `jax.jit`-compiled before timing, every step waiting for its result);
  each checked against the NumPy one (new weights after one step).

Method (bench/_timing.py): the heap that exists before timing is frozen
(`gc.freeze()`), and every timed step ends with `gc.collect()`, inside its
time: each engine pays for the cyclic garbage it makes itself (micrograd's
closures make cycles) and for nothing else. Rounds alternate the engines, so that noise on a shared
machine hits all of them; a fast engine runs several steps per round. The
table gives the median step and the best. Compile time is recording +
writing + CPython's compile, best of three; "pays back after" is that time
over the time one compiled step saves against the interpreter.

Run: `./run bench` or `python bench/compile.py` (`--rounds N`); `BENCH_TORCH=1`
and `BENCH_JAX=1 ./run bench` install PyTorch and JAX (the extras `bench-torch`
and `bench-jax`).
"""

from __future__ import annotations

import argparse
import gc
import importlib
import math
import platform
import random
import statistics
import struct
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

from _timing import charged, own_garbage_only
from engine import MLP, demo_loss, sgd, torch_scalars

from autodiff import Value, compile

SIZES = [2, 16, 16, 1]
POINTS = 100
LR = 0.05
ALPHA = 1e-4


def draw(rng: random.Random) -> tuple[list[list[float]], list[float]]:
    """100 points in [−2, 2]², labelled ±1 by the sign of x·y (new at every step)."""
    xs = [[rng.uniform(-2, 2), rng.uniform(-2, 2)] for _ in range(POINTS)]
    return xs, [1.0 if a * b > 0 else -1.0 for a, b in xs]


def new_model(make: Callable[[float], Any]) -> MLP:
    """micrograd's demo network (bench/engine.py), every engine from the same weights."""
    return MLP(make, SIZES, random.Random(1))


@dataclass
class Engine:
    name: str
    step: Callable[[Any, Any], float]        # one training step on (xs, ys): the loss
    data: Callable[[random.Random], Any]      # a new draw in the engine's own format
    steps_per_round: int = 1
    times: list[float] = field(default_factory=list)
    # the engines written with matrices: their weights now (arrays with .tolist())
    weights: Callable[[], Sequence[Any]] | None = None


def scalar_engine(name: str, make: Callable[[float], Any], relu: Callable[[Any], Any],
                  update: Callable[[list[Any]], None] | None = None) -> Engine:
    model = new_model(make)
    update = update or partial(sgd, lr=LR)

    def step(xs: list[list[float]], ys: list[float]) -> float:
        loss = demo_loss(model, xs, ys, relu)
        loss.backward()
        update(model.parameters())
        return float(loss.data)
    return Engine(name, step, draw)


def compiled_engine(backend: str, fused: bool = False, loops: bool | None = None,
                    lr: float = LR) -> tuple[Engine, MLP, Any]:
    """A compiled step and the user's SGD loop over the model's Values, or (fused)
    the step fused with SGD (`step.sgd(params, lr)`): the same update, the model's
    Values hold the new weights after every step either way. `loops=False`: the
    Python backend's program written out, without a loop over the points. `lr=0`:
    the same work, the weights held at new_model's."""
    model = new_model(Value)
    step_fn = compile(interpreted_loss(model), *draw(random.Random(99)), backend=backend,
                      loops=loops)
    train = step_fn.sgd(model.parameters(), lr) if fused else None

    def step(xs: Any, ys: Any) -> float:
        loss = step_fn(xs, ys)
        sgd(model.parameters(), lr)
        return float(loss)

    def fused_step(xs: Any, ys: Any) -> float:
        assert train is not None
        return float(train(xs, ys))

    def arrays(rng: random.Random) -> Any:
        import numpy as np
        xs, ys = draw(rng)
        return np.array(xs), np.array(ys)

    name = f"autodiff.compile, {'Python' if backend == 'python' else 'NumPy'} backend"
    if fused:
        name += ", fused SGD (step.sgd)"
    if loops is False:
        name += ", written out (loops=False)"
    if lr == 0:
        name += ", weights held (lr 0)"
    return (Engine(name, fused_step if fused else step, draw if backend == "python" else arrays,
                   steps_per_round=10 if backend == "python" else 40), model, step_fn)


def inside_margin(model: MLP, draws: int = 10) -> float:
    """The share of the points whose max-margin loss is not 0 (1 − y·score > 0), over
    `draws` new draws: the points whose adjoint lines a compiled loop runs; it skips
    the others' (autodiff.compiler.zeros), so the step is faster as the model learns."""
    rng = random.Random(11)
    inside = [1 - y * model(x, Value.relu).data > 0
              for xs, ys in (draw(rng) for _ in range(draws)) for x, y in zip(xs, ys, strict=True)]
    return sum(inside) / len(inside)


def interpreted_loss(model: MLP) -> Callable[[Any, Any], Value]:
    """The demo loss of an autodiff model as a function of the data (for compile)."""
    def loss(xs: Any, ys: Any) -> Value:
        return demo_loss(model, xs, ys, Value.relu)
    return loss


def matrix_weights() -> list[list[Any]]:
    """new_model's weights as matrices and vectors (nested lists): W1, b1, W2, b2, W3, b3,
    W of shape (inputs, outputs), so that a layer is X·W + b."""
    return [m for layer in new_model(float).layers
            for m in ([list(col) for col in zip(*(ws for ws, _ in layer), strict=True)],
                      [b for _, b in layer])]


def matrix_forward(params: Any, X: Any, y: Any, relu: Callable[[Any], Any]) -> tuple[Any, ...]:
    """The demo loss with matrices (NumPy, PyTorch or JAX arrays alike) on a batch X (n×2)
    with labels y (n): u1 = X·W1 + b1, z1 = relu(u1), u2 = z1·W2 + b2, z2 = relu(u2),
    s = z2·W3 + b3, margin = 1 − y·s, loss = Σ relu(margin) / n + α·Σp². Returns
    (loss, u1, z1, u2, z2, margin): the loss and what a backward by hand needs."""
    W1, b1, W2, b2, W3, b3 = params
    u1 = X @ W1 + b1
    z1 = relu(u1)
    u2 = z1 @ W2 + b2
    z2 = relu(u2)
    margin = 1.0 - y * (z2 @ W3 + b3)[:, 0]
    loss = relu(margin).sum() / len(y) + ALPHA * sum((p * p).sum() for p in params)
    return loss, u1, z1, u2, z2, margin


def numpy_matrix_engine() -> Engine | None:
    """The demo step by hand: matrix_forward, its backward with matrices, SGD."""
    try:
        import numpy as np
    except ImportError:
        return None
    params = [np.array(w) for w in matrix_weights()]
    _, _, W2, _, W3, _ = params

    def relu(u: Any) -> Any:
        return np.maximum(u, 0.0)

    def step(X: Any, y: Any) -> float:
        loss, u1, z1, u2, z2, margin = matrix_forward(params, X, y, relu)
        ds = -y * (margin > 0.0) / len(y)
        du2 = (ds[:, None] @ W3.T) * (u2 > 0.0)
        du1 = (du2 @ W2.T) * (u1 > 0.0)
        grads = [X.T @ du1, du1.sum(0), z1.T @ du2, du2.sum(0), z2.T @ ds[:, None],
                 ds.sum(keepdims=True)]
        for p, g in zip(params, grads, strict=True):
            p -= LR * (g + 2 * ALPHA * p)
        return float(loss)

    def arrays(rng: random.Random) -> Any:
        xs, ys = draw(rng)
        return np.array(xs), np.array(ys)
    return Engine("NumPy matrices, by hand", step, arrays, steps_per_round=400,
                  weights=lambda: params)


def torch_matrix_engine() -> Engine | None:
    """The demo step with float64 torch tensors on one thread: the loss from
    matrix_forward, its gradient from autograd (`loss.backward()`), SGD under no_grad."""
    try:
        torch = importlib.import_module("torch")
    except ImportError:
        print("(PyTorch not installed: BENCH_TORCH=1 ./run bench)", file=sys.stderr)
        return None
    torch.set_num_threads(1)
    params = [torch.tensor(w, dtype=torch.float64, requires_grad=True) for w in matrix_weights()]

    def step(X: Any, y: Any) -> float:
        loss = matrix_forward(params, X, y, torch.relu)[0]
        loss.backward()
        with torch.no_grad():
            for p in params:
                p -= LR * p.grad
                p.grad = None
        return loss.item()

    def tensors(rng: random.Random) -> Any:
        xs, ys = draw(rng)
        return torch.tensor(xs, dtype=torch.float64), torch.tensor(ys, dtype=torch.float64)
    return Engine(f"PyTorch {torch.__version__}, matrices", step, tensors, steps_per_round=200,
                  weights=lambda: params)


def jax_engine() -> Engine | None:
    """The demo step with JAX in float64 on the CPU: the loss from matrix_forward as a pure
    function of (params, X, y), one SGD step `jax.jit`-compiled with `jax.value_and_grad`,
    the parameters a tuple of arrays from step to step. Compiled before timing; every step
    waits for its results (`block_until_ready`)."""
    try:
        jax = importlib.import_module("jax")
    except ImportError:
        print("(JAX not installed: BENCH_JAX=1 ./run bench, or pip install 'jax[cpu]==0.10.2')",
              file=sys.stderr)
        return None
    jax.config.update("jax_platforms", "cpu")
    jax.config.update("jax_enable_x64", True)
    jnp = jax.numpy

    def loss_of(params: Any, X: Any, y: Any) -> Any:
        return matrix_forward(params, X, y, jax.nn.relu)[0]

    @jax.jit
    def sgd_step(params: Any, X: Any, y: Any) -> Any:
        loss, grads = jax.value_and_grad(loss_of)(params, X, y)
        return loss, tuple(p - LR * g for p, g in zip(params, grads, strict=True))

    def arrays(rng: random.Random) -> Any:
        xs, ys = draw(rng)
        return jnp.array(xs, dtype=jnp.float64), jnp.array(ys, dtype=jnp.float64)

    params = tuple(jnp.array(w, dtype=jnp.float64) for w in matrix_weights())
    jax.block_until_ready(sgd_step(params, *arrays(random.Random(99))))  # compile; keep params

    def step(X: Any, y: Any) -> float:
        nonlocal params
        loss, params = jax.block_until_ready(sgd_step(params, X, y))
        return float(loss)
    return Engine(f"JAX {jax.__version__}, jit", step, arrays, steps_per_round=400,
                  weights=lambda: params)


def torch_engine() -> Engine | None:
    scalars = torch_scalars(LR)
    if scalars is None:
        return None
    version, make, relu, update = scalars
    return scalar_engine(f"PyTorch {version}, scalar tensors", make, relu, update)


def compile_seconds(backend: str, loops: bool | None = None) -> float:
    loss = interpreted_loss(new_model(Value))
    example = draw(random.Random(5))
    best = math.inf
    for _ in range(3):
        start = time.perf_counter()
        compile(loss, *example, backend=backend, loops=loops)
        best = min(best, time.perf_counter() - start)
        gc.collect()
    return best


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


def agreement(interpreter: MLP, python: MLP, python_step: Any, numpy_step: Any,
              numpy_model: MLP) -> tuple[bool, float]:
    """One step on the same data and weights: the Python backend against backward()
    (bit for bit?) and the NumPy backend's largest gradient difference, relative
    to the largest gradient."""
    xs, ys = draw(random.Random(7))
    for model in (interpreter, python, numpy_model):
        for p, q in zip(model.parameters(), interpreter.parameters(), strict=True):
            p.data, p.grad = q.data, 0.0
    loss = interpreted_loss(interpreter)(xs, ys)
    loss.backward()
    exact = [p.grad for p in interpreter.parameters()]
    value = python_step(xs, ys)
    same = bits(value) == bits(loss.data) and all(
        bits(p.grad) == bits(g) for p, g in zip(python.parameters(), exact, strict=True))
    numpy_step(xs, ys)
    largest = max(abs(g) for g in exact)
    diff = max(abs(p.grad - g) for p, g in zip(numpy_model.parameters(), exact, strict=True))
    for model in (interpreter, python, numpy_model):
        for p in model.parameters():
            p.grad = 0.0
    return same, diff / largest


def fused_agreement(fused: Engine, fused_model: MLP, numpy_step: Any, numpy_model: MLP
                    ) -> float:
    """One step from the same weights on the same data: the fused SGD step against
    the NumPy backend's step and the SGD loop; the largest weight difference,
    relative to the largest weight."""
    import numpy as np
    xs, ys = draw(random.Random(8))
    for p, q in zip(fused_model.parameters(), numpy_model.parameters(), strict=True):
        p.data, p.grad, q.grad = q.data, 0.0, 0.0
    numpy_step(xs, ys)
    sgd(numpy_model.parameters(), LR)
    fused.step(np.array(xs), np.array(ys))
    new = [(p.data, q.data) for p, q in zip(fused_model.parameters(),
                                             numpy_model.parameters(), strict=True)]
    return max(abs(a - b) for a, b in new) / max(abs(b) for _, b in new)


def python_fused_agreement(fused: Engine, fused_model: MLP, python_step: Any,
                           python_model: MLP) -> bool:
    """One step from the same weights on the same data: the Python backend fused
    with SGD against its step and the SGD loop; every new weight bit for bit?"""
    xs, ys = draw(random.Random(9))
    for p, q in zip(fused_model.parameters(), python_model.parameters(), strict=True):
        p.data, p.grad, q.grad = q.data, 0.0, 0.0
    python_step(xs, ys)
    sgd(python_model.parameters(), LR)
    fused.step(xs, ys)
    return all(bits(p.data) == bits(q.data) for p, q in zip(
        fused_model.parameters(), python_model.parameters(), strict=True))


def matrix_agreement(reference: Engine, peers: list[Engine]) -> dict[str, float]:
    """One step from new_model's weights on the same data: for each peer written with
    matrices, the largest difference of its new weights from the reference's (the NumPy
    matrices engine), relative to the largest weight. The engines must not have stepped yet."""
    def numbers(engine: Engine) -> list[float]:
        assert engine.weights is not None
        engine.step(*engine.data(random.Random(10)))
        return [x for w in engine.weights() for row in w.tolist()
                for x in (row if isinstance(row, list) else [row])]
    new = numbers(reference)
    largest = max(abs(x) for x in new)
    return {peer.name: max(abs(a - b) for a, b in zip(numbers(peer), new, strict=True)) / largest
            for peer in peers}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--rounds", type=int, default=5)
    rounds = parser.parse_args().rounds
    engines: list[Engine] = []
    try:
        mg = importlib.import_module("micrograd.engine")
        engines.append(scalar_engine("micrograd 0.1.0", mg.Value, mg.Value.relu))
    except ImportError:
        print("(micrograd not installed: pip install micrograd==0.1.0)", file=sys.stderr)
    interpreter = scalar_engine("autodiff, interpreter", Value, Value.relu)
    engines.append(interpreter)
    python, python_model, python_step = compiled_engine("python")
    held, held_model, _ = compiled_engine("python", lr=0.0)
    written_out, written_model, written_step = compiled_engine("python", loops=False)
    numpy_engine, numpy_model, numpy_step = compiled_engine("numpy")
    fused, fused_model, _ = compiled_engine("numpy", fused=True)
    python_fused, python_fused_model, _ = compiled_engine("python", fused=True)
    engines += [python, python_fused, held, written_out, numpy_engine, fused]
    matrices = numpy_matrix_engine()
    peers = {label: e for label, e in (("PyTorch matrices", torch_matrix_engine()),
                                       ("JAX jit", jax_engine())) if e is not None}
    engines += [e for e in (torch_engine(), *peers.values(), matrices) if e is not None]
    peer_errors = matrix_agreement(matrices, list(peers.values())) if matrices else {}
    same, numpy_error = agreement(new_model(Value), python_model, python_step,
                                  numpy_step, numpy_model)
    written_same, _ = agreement(new_model(Value), written_model, written_step,
                                numpy_step, numpy_model)
    fused_error = fused_agreement(fused, fused_model, numpy_step, numpy_model)
    python_fused_same = python_fused_agreement(python_fused, python_fused_model, python_step,
                                               python_model)
    costs = {backend: compile_seconds(backend) for backend in ("python", "numpy")}
    costs["written out"] = compile_seconds("python", loops=False)

    rng = random.Random(0)
    with own_garbage_only():  # what exists now is no engine's garbage
        for _ in range(rounds):
            for engine in engines:
                batches = [engine.data(rng) for _ in range(engine.steps_per_round)]
                engine.times += [charged(partial(engine.step, xs, ys)) for xs, ys in batches]

    median = {e.name: statistics.median(e.times) for e in engines}
    micro = median.get("micrograd 0.1.0")
    matrix = median.get("NumPy matrices, by hand")
    print(f"Python {platform.python_version()} on {platform.machine()} "
          f"({platform.processor() or platform.system()}); {rounds} rounds; step = the demo "
          f"step with new data, gc.collect() included, heap frozen before timing\n")
    print("| engine | step (median) | best | vs micrograd 0.1.0 | vs NumPy matrices |")
    print("|---|---|---|---|---|")
    for e in engines:
        m = median[e.name]
        vs_micro = _times(micro / m) if micro else "-"
        vs_matrix = _slower(m / matrix) if matrix and e is not matrices else "-"
        print(f"| {e.name} | {_ms(m)} | {_ms(min(e.times))} | {vs_micro} | {vs_matrix} |")
    print(f"\npoints inside the margin, whose adjoint lines the Python backend's loop runs "
          f"(it skips the others'): {inside_margin(held_model):.0%} at the first weights "
          f"(held), {inside_margin(python_model):.0%} at the Python backend's after its "
          f"{len(python.times)} timed steps")
    saved = median[interpreter.name] - median[python.name]
    print(f"\ncompile (record, write, CPython's compile), best of 3: Python backend "
          f"{costs['python']:.2f} s, paid back after {costs['python'] / saved:.0f} steps "
          f"(written out: {costs['written out']:.2f} s); NumPy backend {costs['numpy']:.2f} s")
    print(f"Python backend bit for bit the interpreter: {'yes' if same else 'NO'} (written "
          f"out: {'yes' if written_same else 'NO'}); NumPy "
          f"backend: largest gradient difference {numpy_error:.1e} of the largest gradient; "
          f"fused SGD: largest weight difference from the step and SGD loop "
          f"{fused_error:.1e} of the largest weight")
    print(f"Python backend fused with SGD: new weights bit for bit the step and SGD loop's: "
          f"{'yes' if python_fused_same else 'NO'}")
    for name, error in peer_errors.items():
        print(f"{name}: largest weight difference from the NumPy matrices after one step "
              f"{error:.1e} of the largest weight")
    if micro:
        print(f"goal (issue 24): the Python backend ≥ 500× micrograd: "
              f"{micro / median[python.name]:,.0f}× with the SGD loop over the Values, "
              f"{micro / median[python_fused.name]:,.0f}× fused (step.sgd), "
              f"{micro / median[held.name]:,.0f}× with the weights held; compile paid "
              f"back within 20 steps: {costs['python'] / saved:.0f}")
    if matrix:
        print(f"goal (issue 24): the NumPy backend within 3× of the NumPy matrices: "
              f"{median[numpy_engine.name] / matrix:.2f}× with the SGD loop over the Values, "
              f"{median[fused.name] / matrix:.2f}× fused (step.sgd)")
        for label, peer in peers.items():
            print(f"{label}: {median[peer.name] / matrix:.2f}× the NumPy matrices")


def _times(ratio: float) -> str:
    return f"{ratio:,.1f}×" if ratio < 10 else f"{ratio:,.0f}×"


def _slower(ratio: float) -> str:
    return f"{ratio:,.1f}× slower" if ratio >= 1 else f"{1 / ratio:,.1f}× faster"


def _ms(seconds: float) -> str:
    return f"{seconds * 1e3:,.3f} ms" if seconds < 0.01 else f"{seconds * 1e3:,.1f} ms"


if __name__ == "__main__":
    main()
