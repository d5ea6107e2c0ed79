"""nn.to_torch / nn.from_torch: the same network in PyTorch (float64), and back.

Outputs and gradients are compared by the relative error max|a − b| / max|a|
over all outputs (or all parameter gradients): torch.nn.Linear sums in another
order than nn's u = b + Σ_i w_i z_i, so single entries that are the difference
of nearly equal terms can differ in relative terms far more (measured up to
1.6e-12 on MLP 2-16-16-1 gradients), while the largest differences measured
over 120 networks were 1.7e-15 (outputs) and 7.7e-15 (gradients) of the largest
entry.
"""

from __future__ import annotations

import math
import random
import subprocess
import sys

import pytest

import nn

try:
    import torch
except ImportError:
    torch = None

needs_torch = pytest.mark.skipif(  # ./run test installs it on 3.11 only (pyproject.toml)
    torch is None and sys.version_info >= (3, 12),
    reason="PyTorch is installed by ./run test on Python 3.11 only, where its CPU wheel is",
)
TOLERANCE = 1e-14


def relative_error(ours: list[float], theirs: list[float]) -> float:
    assert len(ours) == len(theirs)
    return max(abs(a - b) for a, b in zip(ours, theirs, strict=True)) / max(map(abs, ours))


def nn_outputs_and_gradients(model, X, C):
    """Outputs y_n and ∂E/∂p for E = Σ_n Σ_j C_nj y_nj (any loss's gradient
    is of this form, with C = ∂E/∂y)."""
    model.zero_grad()
    ys = [model(x) for x in X]
    E = sum(c * y for cs, yv in zip(C, ys, strict=True) for c, y in zip(cs, yv, strict=True))
    E.backward()
    return [y.data for yv in ys for y in yv], [p.grad for p in model.parameters()]


def torch_outputs_and_gradients(module, X, C):
    module.zero_grad()
    y = module(torch.tensor(X, dtype=torch.float64))
    (y * torch.tensor(C, dtype=torch.float64)).sum().backward()
    grads = []
    for linear in (m for m in module.modules() if isinstance(m, torch.nn.Linear)):
        for row, b in zip(linear.weight.grad.tolist(), linear.bias.grad.tolist(), strict=True):
            grads += [*row, b]
    return y.flatten().tolist(), grads


def torch_parameters(module) -> list[float]:
    values = []
    for linear in (m for m in module.modules() if isinstance(m, torch.nn.Linear)):
        for row, b in zip(linear.weight.tolist(), linear.bias.tolist(), strict=True):
            values += [*row, b]
    return values


def data(nin: int, nout: int, n: int = 40, seed: int = 0):
    rng = random.Random(seed)
    X = [[rng.uniform(-2, 2) for _ in range(nin)] for _ in range(n)]
    C = [[rng.uniform(-1, 1) for _ in range(nout)] for _ in range(n)]
    return X, C


MODELS = {
    "MLP relu": lambda: nn.MLP(2, [16, 16, 1], seed=1),
    "MLP tanh softmax": lambda: nn.MLP(2, [8, 8, 3], "tanh", "softmax", seed=2),
    "MLP sigmoid": lambda: nn.MLP(2, [8, 1], "sigmoid", "sigmoid", seed=3),
    "Layer": lambda: nn.Layer(2, 3, "tanh", seed=4),
    "Sequential with Residual": lambda: nn.Sequential(
        nn.Layer(2, 4, "tanh", seed=5), nn.Residual(nn.Layer(4, 4, "relu", seed=6)),
        nn.Layer(4, 2, seed=7)),
    "Residual of an MLP": lambda: nn.Residual(nn.MLP(3, [3, 3], "tanh", "sigmoid", seed=8)),
}


def widths(model) -> tuple[int, int]:
    x = [0.5] * 4
    for nin in range(1, 5):
        try:
            return nin, len(model(x[:nin]))
        except ValueError:
            continue
    raise AssertionError("no input width fits")


@needs_torch
@pytest.mark.parametrize("name", MODELS)
def test_to_torch_same_weights_outputs_and_gradients(name):
    model = MODELS[name]()
    module = to_torch_checked(model)
    assert torch_parameters(module) == [p.data for p in model.parameters()]  # exact copies
    nin, nout = widths(model)
    X, C = data(nin, nout)
    ys, gs = nn_outputs_and_gradients(model, X, C)
    ty, tg = torch_outputs_and_gradients(module, X, C)
    assert relative_error(ys, ty) <= TOLERANCE
    assert relative_error(gs, tg) <= TOLERANCE


def to_torch_checked(model):
    module = nn.to_torch(model)
    assert isinstance(module, torch.nn.Module)
    assert all(p.dtype == torch.float64 for p in module.parameters())
    return module


@needs_torch
@pytest.mark.parametrize("name", MODELS)
def test_round_trip_gives_the_same_model(name):
    model = MODELS[name]()
    back = nn.from_torch(nn.to_torch(model))
    assert type(back) is type(model)
    assert back.config() == model.config()
    assert back.state_dict() == model.state_dict()
    nin, _ = widths(model)
    X, _ = data(nin, 1, n=5)
    assert [[y.data for y in back(x)] for x in X] == [[y.data for y in model(x)] for x in X]


@needs_torch
def test_a_sequential_of_layers_comes_back_as_the_equivalent_mlp():
    model = nn.Sequential(nn.Layer(3, 4, "tanh", seed=1), nn.Layer(4, 2, "sigmoid", seed=2))
    back = nn.from_torch(nn.to_torch(model))
    assert type(back) is nn.MLP
    assert (back.sizes, back.activation, back.output_activation) == ([4, 2], "tanh", "sigmoid")
    assert back.state_dict() == model.state_dict()
    assert [p.label for p in back.parameters()] == [p.label for p in model.parameters()]


@needs_torch
def test_to_torch_structure_mirrors_the_layers():
    module = nn.to_torch(nn.MLP(2, [3, 1], "tanh", "sigmoid"))
    kinds = [[type(m).__name__ for m in layer] for layer in module]
    assert kinds == [["Linear", "Tanh"], ["Linear", "Sigmoid"]]
    assert tuple(module[0][0].weight.shape) == (3, 2)  # W[j, i] = w_ji


@needs_torch
def test_from_a_plain_float32_pytorch_model():
    torch.manual_seed(0)
    module = torch.nn.Sequential(
        torch.nn.Linear(2, 5), torch.nn.Tanh(), torch.nn.Linear(5, 5), torch.nn.Tanh(),
        torch.nn.Linear(5, 3), torch.nn.Softmax(dim=1))
    model = nn.from_torch(module)
    assert isinstance(model, nn.MLP)
    assert (model.nin, model.sizes) == (2, [5, 5, 3])
    assert (model.activation, model.output_activation) == ("tanh", "softmax")
    assert [p.data for p in model.parameters()] == torch_parameters(module)  # float32 is exact
    X, C = data(2, 3)
    ys, gs = nn_outputs_and_gradients(model, X, C)
    ty, tg = torch_outputs_and_gradients(module.double(), X, C)
    assert relative_error(ys, ty) <= TOLERANCE
    assert relative_error(gs, tg) <= TOLERANCE


@needs_torch
def test_from_torch_reads_identity_bare_linear_and_residual_blocks():
    from nn.torch_bridge import TorchResidual

    linear = torch.nn.Linear(3, 2, dtype=torch.float64)
    layer = nn.from_torch(linear)
    assert isinstance(layer, nn.Layer) and layer.activation == "linear"
    assert nn.from_torch(torch.nn.Sequential(linear, torch.nn.Identity())).config() == \
        layer.config()
    module = torch.nn.Sequential(
        torch.nn.Linear(2, 4), torch.nn.ReLU(),
        TorchResidual(torch.nn.Sequential(torch.nn.Linear(4, 4), torch.nn.Tanh())),
        torch.nn.Linear(4, 1)).double()
    model = nn.from_torch(module)
    assert type(model) is nn.Sequential
    assert [m.describe() for m in model.layers] == [
        "Layer(2 → 4, relu)", "Residual(Layer(4 → 4, tanh))", "Layer(4 → 1, linear)"]
    X, C = data(2, 1)
    ys, gs = nn_outputs_and_gradients(model, X, C)
    ty, tg = torch_outputs_and_gradients(module, X, C)
    assert relative_error(ys, ty) <= TOLERANCE
    assert relative_error(gs, tg) <= TOLERANCE


@needs_torch
def test_to_torch_rejects_what_it_cannot_translate():
    with pytest.raises(TypeError, match=r"Neuron.*wrap a single Neuron in an nn\.Layer"):
        nn.to_torch(nn.Neuron(2))
    with pytest.raises(TypeError, match="got str"):
        nn.to_torch("MLP")


@needs_torch
@pytest.mark.parametrize(("make", "error", "message"), [
    (lambda: torch.nn.Conv1d(1, 1, 1), TypeError, "got Conv1d"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Dropout()), TypeError,
     "got Dropout"),
    (lambda: torch.nn.Linear(2, 2, bias=False), ValueError, "no bias"),
    (lambda: torch.nn.Sequential(torch.nn.ReLU(), torch.nn.Linear(2, 2)), ValueError,
     r"activation 0 \(ReLU\) does not follow a Linear"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.ReLU(), torch.nn.Tanh()),
     ValueError, r"activation 2 \(Tanh\) does not follow a Linear"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Softmax(dim=0)), ValueError,
     "dim=0"),
    (lambda: torch.nn.Sequential(torch.nn.Linear(2, 3), torch.nn.Linear(4, 1)), ValueError,
     "layer 1 takes 4 inputs but layer 0 gives 3"),
    (lambda: torch.nn.Sequential(), ValueError, "empty"),
])
def test_from_torch_rejects_what_nn_cannot_express(make, error, message):
    with pytest.raises(error, match=message):
        nn.from_torch(make())


@needs_torch
def test_from_torch_rejects_non_finite_weights():
    linear = torch.nn.Linear(2, 2, dtype=torch.float64)
    with torch.no_grad():
        linear.weight[0, 1] = math.nan
    with pytest.raises(ValueError, match=r"weight\[0, 1\] is nan, not finite"):
        nn.from_torch(torch.nn.Sequential(linear, torch.nn.Tanh()))


def run_python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                          check=False)


def test_import_nn_does_not_import_torch():
    result = run_python("import sys, nn; from nn import *; print('torch' in sys.modules)")
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "False"


def test_without_torch_the_bridge_says_what_to_install():
    result = run_python("import sys; sys.modules['torch'] = None\n"
                        "import nn\n"
                        "try:\n    nn.to_torch\n"
                        "except ImportError as e:\n    print(e)")
    assert result.returncode == 0, result.stderr
    assert "pip install 'autodiff-watch[torch]'" in result.stdout


@needs_torch
@pytest.mark.parametrize("activation", ["sin", "softplus"])
def test_an_activation_torch_has_no_module_for_is_a_clear_error(activation):
    model = nn.MLP(2, [3, 1], activation, seed=0)
    with pytest.raises(ValueError, match=f"activation '{activation}'.*translates linear"):
        nn.to_torch(model)
