"""The engine: `Value`, the one reverse walk, and the `Primitive` record. Standard library only.

A learner's reading path: `value.py` (a number that records how it was
computed; `+`, `−`, `×`; `backward()`), then `sweep.py` (the walk: topological
order, the chain rule at every node, the rules for `.grad`), then
`primitive.py` (an operation as its value and its local derivatives) and
`arithmetic.py` (+, −, × and relu, each defined that way). `primitive.py` also
holds the registry; `node.py` the slots of a node;
`errors.py` the numeric policy's messages; `hooks.py` the one watch point for
tools; `numbers.py` the numbers of many Values at once (for replays);
`scopes.py` and `interrupts.py` what the engine needs from Python (names for
parts of a graph, Ctrl-C).

Nothing here imports the rest of the package; every tool imports from here.
The other built-in operations, and `primitive()` for a user's own, are one layer
up, in autodiff.functions.
"""

from autodiff.core.interrupts import uninterrupted
from autodiff.core.numbers import numbers_of, set_numbers
from autodiff.core.primitive import (
    Form,
    Operand,
    Primitive,
    builtin_primitive,
    primitives,
    receivers,
)
from autodiff.core.scopes import scope
from autodiff.core.sweep import propagate, reverse_sweep, set_grads, sweeping, topological_order
from autodiff.core.value import Number, Value

__all__ = ["Form", "Number", "Operand", "Primitive", "Value", "builtin_primitive",
           "numbers_of", "primitives", "propagate", "receivers", "reverse_sweep", "scope",
           "set_grads", "set_numbers", "sweeping", "topological_order", "uninterrupted"]
