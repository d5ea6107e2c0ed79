"""autodiff: a scalar reverse-mode automatic-differentiation engine you can watch.

    >>> from autodiff import Value
    >>> w, x, b = Value(0.5, "w"), Value(1.0, "x"), Value(0.0, "b")
    >>> y = (w * x + b).sigmoid()
    >>> y.backward()
    >>> round(w.grad, 4)
    0.235

The engine (`Value`, `grad`, `scope`, the primitives in `autodiff.ops`, and
`primitive` to define your own) has no dependencies, and neither has the
functional API (autodiff.calculus.transforms: `jvp`, `linearize`, `vjp`,
`value_and_grad`, `jacobian`, `hessian`, `hvp`; forward mode is
autodiff.calculus.forward); `no_full_gc()` keeps the cost of building and
differentiating a large graph linear in its size. The tools are imported on
first use, so that `graphviz` is needed only for drawing: `gradcheck`,
`gradgradcheck`, `GradcheckError` (autodiff.checking), `draw`
(autodiff.drawing), `Stepper` (autodiff.stepping), `step_sweep`
(autodiff.checking.stepsize), `compile` (autodiff.compiler.api: a graph recorded once and
replayed as generated Python). `autodiff.strategies` holds
Hypothesis strategies and needs Hypothesis.
"""

import importlib.abc
import importlib.util
import sys
import warnings
from importlib import import_module
from importlib.machinery import ModuleSpec
from types import ModuleType
from typing import TYPE_CHECKING

from autodiff import ops
from autodiff.calculus import (
    grad,
    hessian,
    hvp,
    jacobian,
    jvp,
    linearize,
    no_full_gc,
    value_and_grad,
    vjp,
    zero_grad,
)
from autodiff.checking import singular as _singular  # noqa: F401 (singular_distance=)
from autodiff.compiler.lowering import Code  # and code=, array_code=
from autodiff.core import (
    Primitive,
    Value,
    primitives,
    scope,
    topological_order,
    uninterrupted,
)
from autodiff.functions import primitive
from autodiff.notation import symbols as _symbols  # noqa: F401 (symbol=, notation=, formula=)

_LAZY = {
    "gradcheck": "autodiff.checking",
    "gradgradcheck": "autodiff.checking",
    "GradcheckError": "autodiff.checking",
    "GradcheckResult": "autodiff.checking",
    "draw": "autodiff.drawing",
    "Stepper": "autodiff.stepping",
    "step_sweep": "autodiff.checking.stepsize",
    "compile": "autodiff.compiler.api",
    "Compiled": "autodiff.compiler.api",
    "RetraceWarning": "autodiff.compiler.api",
    "TraceError": "autodiff.compiler.api",
}

if TYPE_CHECKING:  # what the lazy names are, for type checkers
    from autodiff.compiler.api import Compiled as Compiled
    from autodiff.compiler.api import RetraceWarning as RetraceWarning
    from autodiff.compiler.api import TraceError as TraceError
    from autodiff.compiler.api import compile as compile

__all__ = ["Code", "Primitive", "Value", "grad", "hessian", "hvp", "jacobian", "jvp",
           "linearize", "no_full_gc", "ops", "primitive", "primitives", "scope",
           "topological_order", "uninterrupted", "value_and_grad", "vjp", "zero_grad", *_LAZY]


def __getattr__(name: str) -> object:
    if name in _LAZY:
        value = getattr(import_module(_LAZY[name]), name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'autodiff' has no attribute {name!r}")


# -- the module paths before the package was laid out in layers ---------------------------

MOVED = {
    "autodiff.engine": "autodiff.core", "autodiff.interrupts": "autodiff.core.interrupts",
    "autodiff.core.ops": "autodiff.ops",
    "autodiff.functional": "autodiff.calculus.functional",
    "autodiff.forward": "autodiff.calculus.forward",
    "autodiff.transforms": "autodiff.calculus.transforms",
    "autodiff.typeset": "autodiff.notation.typeset",
    "autodiff.expression": "autodiff.notation.expression",
    "autodiff.compiling": "autodiff.compiler.api", "autodiff.codegen":
    "autodiff.compiler.python_backend", "autodiff.levels": "autodiff.compiler.numpy_backend",
    "autodiff.tracing": "autodiff.compiler.tracing",
    "autodiff.diagram": "autodiff.drawing.diagram", "autodiff.tikz": "autodiff.drawing.tikz",
    "autodiff.builder": "autodiff.drawing.builder",
    "autodiff.networks": "autodiff.drawing.networks",
    "autodiff.diagnosis": "autodiff.checking.diagnosis",
    "autodiff.differences": "autodiff.checking.differences",
    "autodiff.stepsize": "autodiff.checking.stepsize",
    "autodiff.frames": "autodiff.stepping.frames", "autodiff.player": "autodiff.stepping.player",
    "autodiff.animation": "autodiff.stepping.animation",
    "autodiff.widget": "autodiff.stepping.widget", "autodiff.slides": "autodiff.stepping.slides",
}
"""Old module path -> where it lives now. `import autodiff.widget` still works (the
module under its new name, with a DeprecationWarning that says where it went)."""


class _Moved(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    def find_spec(self, name: str, path: object = None, target: object = None
                  ) -> ModuleSpec | None:
        return importlib.util.spec_from_loader(name, self) if name in MOVED else None

    def create_module(self, spec: ModuleSpec) -> ModuleType:
        new = MOVED[spec.name]
        warnings.warn(f"{spec.name} is now {new}; import it from there", DeprecationWarning,
                      stacklevel=2)
        return import_module(new)

    def exec_module(self, module: ModuleType) -> None:
        """The module was run under its new name already."""


sys.meta_path.append(_Moved())
