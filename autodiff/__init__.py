"""autodiff: a scalar reverse-mode automatic-differentiation engine you can watch.

    >>> from autodiff import Value
    >>> w, x, b = Value(0.5, "w"), Value(1.0, "x"), Value(0.0, "b")
    >>> y = (w * x + b).sigmoid()
    >>> y.backward()
    >>> round(w.grad, 4)
    0.235

The engine (`Value`, `grad`, `scope`, the primitives in `autodiff.ops`, and
`primitive` to define your own) has no dependencies. The tools are imported on
first use, so that `graphviz` is needed only for drawing: `gradcheck`,
`gradgradcheck`, `GradcheckError` (autodiff.checking), `draw`
(autodiff.drawing), `Stepper` (autodiff.stepping), `compile` (autodiff.compiling:
a graph recorded once and replayed as generated Python). `autodiff.strategies` holds
Hypothesis strategies and needs Hypothesis.
"""

from importlib import import_module
from typing import TYPE_CHECKING

from autodiff import ops
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

_LAZY = {
    "gradcheck": "autodiff.checking",
    "gradgradcheck": "autodiff.checking",
    "GradcheckError": "autodiff.checking",
    "GradcheckResult": "autodiff.checking",
    "draw": "autodiff.drawing",
    "Stepper": "autodiff.stepping",
    "compile": "autodiff.compiling",
    "Compiled": "autodiff.compiling",
    "TraceError": "autodiff.compiling",
}

if TYPE_CHECKING:  # what the lazy names are, for type checkers
    from autodiff.compiling import Compiled as Compiled
    from autodiff.compiling import TraceError as TraceError
    from autodiff.compiling import compile as compile

__all__ = ["Code", "Primitive", "Value", "grad", "ops", "primitive", "primitives", "scope",
           "topological_order", "zero_grad", *_LAZY]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'autodiff' has no attribute {name!r}")
