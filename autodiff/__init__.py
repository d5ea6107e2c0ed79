"""autodiff: a scalar reverse-mode automatic-differentiation engine you can watch.

    >>> from autodiff import Value
    >>> w, x, b = Value(0.5, "w"), Value(1.0, "x"), Value(0.0, "b")
    >>> y = (w * x + b).sigmoid()
    >>> y.backward()
    >>> round(w.grad, 4)
    0.235

The engine (`Value`, `grad`, `scope`, the primitives in `autodiff.ops`, and
`primitive` to define your own) has no dependencies, and neither has the
functional API (autodiff.transforms: `jvp`, `linearize`, `vjp`,
`value_and_grad`, `jacobian`, `hessian`, `hvp`; forward mode is
autodiff.forward); `no_full_gc()` keeps the cost of building and
differentiating a large graph linear in its size. The tools are imported on
first use, so that `graphviz` is needed only for drawing: `gradcheck`,
`gradgradcheck`, `GradcheckError` (autodiff.checking), `draw`
(autodiff.drawing), `Stepper` (autodiff.stepping), `step_sweep`
(autodiff.stepsize), `compile` (autodiff.compiling: a graph recorded once and
replayed as generated Python). `autodiff.strategies` holds
Hypothesis strategies and needs Hypothesis.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from autodiff import ops
from autodiff._collector import no_full_gc
from autodiff.engine import (
    Code,
    Primitive,
    Value,
    primitive,
    primitives,
    scope,
    topological_order,
)
from autodiff.functional import grad, zero_grad
from autodiff.interrupts import uninterrupted
from autodiff.transforms import hessian, hvp, jacobian, jvp, linearize, value_and_grad, vjp

_LAZY = {
    "gradcheck": "autodiff.checking",
    "gradgradcheck": "autodiff.checking",
    "GradcheckError": "autodiff.checking",
    "GradcheckResult": "autodiff.checking",
    "draw": "autodiff.drawing",
    "Stepper": "autodiff.stepping",
    "step_sweep": "autodiff.stepsize",
    "compile": "autodiff.compiling",
    "Compiled": "autodiff.compiling",
    "RetraceWarning": "autodiff.compiling",
    "TraceError": "autodiff.compiling",
}

if TYPE_CHECKING:  # what the lazy names are, for type checkers
    from autodiff.compiling import Compiled as Compiled
    from autodiff.compiling import RetraceWarning as RetraceWarning
    from autodiff.compiling import TraceError as TraceError
    from autodiff.compiling import compile as compile

__all__ = ["Code", "Primitive", "Value", "grad", "hessian", "hvp", "jacobian", "jvp",
           "linearize", "no_full_gc", "ops", "primitive", "primitives", "scope",
           "topological_order", "uninterrupted", "value_and_grad", "vjp", "zero_grad", *_LAZY]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'autodiff' has no attribute {name!r}")
