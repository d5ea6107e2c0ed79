"""nn: neurons, layers, MLPs, losses and training, built only from `autodiff.Value`.

The delta recursion δ_j^(l) = Σ_k δ_k^(l+1) w_kj^(l+1) f'(u_j^(l)) is never
written here: it emerges from `backward()`, and δ_j^(l) is the `.grad` of the
node u_j^(l) (see `record`).

    >>> import nn
    >>> X, D = nn.datasets.xor()
    >>> model = nn.MLP(2, [4, 1], activation="tanh", output_activation="sigmoid", seed=1)
    >>> history = nn.fit(model, X, D, loss=nn.squared_error,
    ...                  optimizer=nn.Adam(model.parameters(), lr=0.1), epochs=300)
    >>> history.accuracy[-1]
    1.0

`nn.to_torch(model)` and `nn.from_torch(module)` (nn.torch_bridge) carry a model
to PyTorch and back; they import torch on first use, `import nn` does not.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from nn import datasets, init
from nn.functional import log_softmax, log_sum_exp, softmax
from nn.io import load, save
from nn.layers import MLP, Layer, Neuron, Residual, Sequential
from nn.losses import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cross_entropy,
    cross_entropy_with_logits,
    hinge,
    softplus,
    squared_error,
    total,
)
from nn.module import Module
from nn.optim import SGD, Adam, Optimizer
from nn.recording import Recording, record
from nn.training import History, accuracy, correct, fit, grad_norms

if TYPE_CHECKING:
    from nn.torch_bridge import from_torch as from_torch
    from nn.torch_bridge import to_torch as to_torch

__all__ = [
    "MLP", "SGD", "Adam", "History", "Layer", "Module", "Neuron", "Optimizer", "Recording",
    "Residual", "Sequential", "accuracy", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "correct", "cross_entropy", "cross_entropy_with_logits",
    "datasets", "draw", "fit", "grad_norms", "hinge", "init", "load", "log_softmax",
    "log_sum_exp", "record", "save", "softmax", "softplus", "squared_error", "total",
]

_LAZY = {"draw": "nn.drawing", "to_torch": "nn.torch_bridge", "from_torch": "nn.torch_bridge"}
"""Imported on first use: `nn.draw` needs graphviz and the bridge needs torch, and
`import nn` needs neither (the bridge is left out of __all__, so that
`from nn import *` does not import torch)."""


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'nn' has no attribute {name!r}")
