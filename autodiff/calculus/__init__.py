"""Derivatives as return values, built on the core's one walk: `grad`, the functional API
(`jvp`, `linearize`, `vjp`, `value_and_grad`, `jacobian`, `hessian`, `hvp`) and
forward mode (`Linearization`); `no_full_gc()`, which keeps building and differentiating
large graphs linear in their size. Standard library only."""

from autodiff.calculus.collector import no_full_gc
from autodiff.calculus.forward import Linearization, tangent_graphs
from autodiff.calculus.functional import grad, graph_gradients, zero_grad
from autodiff.calculus.transforms import (
    hessian,
    hvp,
    jacobian,
    jvp,
    linearize,
    value_and_grad,
    vjp,
)

__all__ = ["Linearization", "grad", "graph_gradients", "hessian", "hvp", "jacobian", "jvp",
           "linearize", "no_full_gc", "tangent_graphs", "value_and_grad", "vjp", "zero_grad"]
