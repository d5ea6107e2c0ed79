"""`autodiff.compile`: a graph recorded once (`tracing`) and replayed as a straight-line
program, printed by the Python backend (`python_backend`) or the NumPy backend
(`numpy_backend`) from each primitive's code (`lowering`). NumPy is imported by the
NumPy backend only."""

from autodiff.compiler.api import Compiled, RetraceWarning, SGDStep, TraceError, compile
from autodiff.compiler.lowering import Code

__all__ = ["Code", "Compiled", "RetraceWarning", "SGDStep", "TraceError", "compile"]
