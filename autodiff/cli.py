"""`python -m autodiff`: evaluate an expression, print every gradient, draw it.

    python -m autodiff "sigmoid(w*x + b)" --at w=0.5,x=1,b=0 [-o graph.svg] [--steps]
    python -m autodiff --import my_primitives "softsign(x)" --at x=0.5

With no expression it runs the seed notes' neuron, E = (σ(w·x + b) − d)²/2.
A malformed expression, an unknown name or a bad number: one line pointing at
the position, exit code 2. An error during evaluation (log of a negative,
say): one line, exit code 1. Never a traceback, and no code runs but the
modules named with `--import` (which is how a user's own primitives, defined
with `autodiff.primitive`, become functions of the expression language).
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Sequence

from autodiff.engine import Value
from autodiff.expression import ExpressionError, evaluate, names, parse

DEMO_AT = "w=0.5,x=1,b=0,d=1"


class UsageError(Exception):
    """Bad input from the command line: exit code 2."""


def _pointer(text: str, position: int, message: str, what: str) -> str:
    return f"error: {message}\n  {what}: {text}\n  {' ' * (len(what) + 2 + position)}^"


def parse_assignments(text: str) -> dict[str, float]:
    """'w=0.5,x=1' → {'w': 0.5, 'x': 1.0}."""
    values: dict[str, float] = {}
    position = 0
    for part in text.split(","):
        name, eq, number = part.partition("=")
        name = name.strip()
        if not eq or not name.isidentifier():
            raise UsageError(_pointer(text, position, f"expected name=number, got {part!r}",
                                      "--at"))
        if name in values:
            raise UsageError(_pointer(text, position, f"{name} is given twice", "--at"))
        try:
            x = float(number)
            values[name] = Value(x).data  # Value() rejects inf and nan
        except ValueError:
            raise UsageError(_pointer(text, position + len(part.split("=")[0]) + 1,
                                      f"bad number {number.strip()!r} for {name}", "--at")
                             ) from None
        position += len(part) + 1
    return values


def _check_output(path: str) -> None:
    """Fail before any work if Graphviz here cannot write the format (from the extension)."""
    from autodiff.diagram import output_format

    try:
        output_format(path)
    except ValueError as exc:
        raise UsageError(f"error: -o {exc}") from None


def _import(module: str) -> None:
    try:
        importlib.import_module(module)
    except Exception as exc:  # whatever the module raises, one line
        raise UsageError(f"error: --import {module}: {type(exc).__name__}: {exc}") from None


def neuron_example(at: dict[str, float]) -> tuple[Value, list[Value], dict[str, Value]]:
    """E = (σ(w·x + b) − d)²/2 with the seed notes' names t1, z, y, t2, t3, E."""
    w, x, b, d = (Value(at[k], k) for k in "wxbd")
    t1 = w * x
    z = t1 + b
    y = z.sigmoid()
    t2 = y - d
    t3 = t2**2
    E = t3 / 2
    for node, name in ((t1, "t1"), (z, "z"), (y, "y"), (t2, "t2"), (t3, "t3"), (E, "E")):
        node.label = name
    return E, [w, x, b, d, t1, z, y, t2, t3, E], {"w": w, "x": x, "b": b, "d": d}


def build(expression: str, at: dict[str, float]) -> tuple[Value, list[Value], dict[str, Value]]:
    try:
        tree = parse(expression)
    except ExpressionError as exc:
        raise UsageError(_pointer(expression, exc.position, str(exc), "expression")) from None
    variables: dict[str, Value] = {}
    for name, position in names(tree):
        if name not in at:
            raise UsageError(_pointer(expression, position,
                                      f"no value for {name!r}: add it to --at", "expression"))
        variables.setdefault(name, Value(at[name], name))
    unused = sorted(set(at) - set(variables))
    if unused:
        raise UsageError(f"error: --at gives {', '.join(unused)}, not in the expression")
    out = evaluate(tree, variables)
    if not isinstance(out, Value):
        out = Value(out)
    out.label = out.label or "f"
    return out, [*variables.values(), out], variables


def table(rows: list[Value], root: Value) -> str:
    width = max(len(v.label) for v in rows)
    lines = [f"{'node':<{width}}  {'value':>14}  {'∂' + root.label + '/∂node':>14}"]
    lines += [f"{v.label:<{width}}  {v.data:>14.8g}  {v.grad:>14.8g}" for v in rows]
    return "\n".join(lines)


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m autodiff",
        description="Evaluate an expression, print every gradient, draw the graph. "
                    "With no expression: the seed notes' neuron E = (σ(w·x + b) − d)²/2.")
    parser.add_argument("expression", nargs="?",
                        help="e.g. 'sigmoid(w*x + b)': numbers, names, + - * / **, "
                             "parentheses, and the functions of autodiff.primitives (exp, log, "
                             "sin, max, ...); one that starts with '-' needs a leading space: "
                             "' -x*y'")
    parser.add_argument("--import", dest="imports", action="append", default=[],
                        metavar="MODULE",
                        help="import this Python module first, so that the primitives it "
                             "defines with autodiff.primitive can be used (repeatable)")
    parser.add_argument("--at", default=None, help="variable values, e.g. w=0.5,x=1,b=0")
    parser.add_argument("-o", "--output", help="write the diagram (format from the extension)")
    parser.add_argument("--steps", action="store_true",
                        help="print the forward and backward passes step by step")
    args = parser.parse_args(argv)
    try:
        for module in args.imports:
            _import(module)
        if args.output:
            _check_output(args.output)
        if args.expression is None:
            at = parse_assignments(args.at or DEMO_AT)
            missing = [k for k in "wxbd" if k not in at]
            if missing:
                raise UsageError(f"error: the neuron example needs w, x, b, d; missing {missing}")
            root, rows, _ = neuron_example(at)
            print("E = (σ(w·x + b) − d)² / 2 at " + ", ".join(f"{k} = {at[k]:g}" for k in "wxbd"))
        else:
            root, rows, _ = build(args.expression, parse_assignments(args.at) if args.at else {})
        root.backward()
        print(table(rows, root))
        if args.steps:
            from autodiff.stepping import Stepper

            kind = ""
            for step in Stepper(root).steps:
                if step.kind != kind:
                    kind = step.kind
                    print(f"\n{kind} pass:")
                print(step)
        if args.output:
            from autodiff.drawing import draw

            print(f"\nwrote {draw(root).save_as(args.output)}")
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except (ArithmeticError, ValueError, RuntimeError, OSError, ImportError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    return 0
