"""`python -m autodiff`: evaluate an expression, print every gradient, draw it.

    python -m autodiff "sigmoid(w*x + b)" --at w=0.5,x=1,b=0 [-o graph.svg] [--steps]
    python -m autodiff "-x*y" --at x=1 --at y=2
    python -m autodiff --import my_primitives "softsign(x)" --at x=0.5

With no expression it runs the seed notes' neuron, E = (σ(w·x + b) − d)²/2.
The first argument that is not an option is the expression, even when it
starts with '-' (`--` before an argument makes it the expression whatever it
looks like). Repeated `--at` options add up; a name given twice, or one the
expression does not use, is an error, so that a typo cannot go unnoticed.

Bad input from the command line (a malformed expression, an unknown name, a
bad number, an `-o` format `dot` cannot write here, a graph too big to draw):
one message pointing at the position, exit code 2, before any output. An
error during evaluation (log of a negative, say) or from Graphviz: one line,
exit code 1. Never a traceback, and no code runs but the modules named with
`--import` (which is how a user's own primitives, defined with
`autodiff.primitive`, become functions of the expression language).
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
from collections.abc import Sequence
from pathlib import Path
from typing import NoReturn

from autodiff.engine import Value
from autodiff.expression import NAME, ExpressionError, evaluate, names, number, parse

DEMO_AT = "w=0.5,x=1,b=0,d=1"
ECHO_WIDTH = 60  # characters of a long input shown on each side of the caret

LONG_OPTION = re.compile(r"--[A-Za-z][-A-Za-z0-9]*(=.*)?", re.DOTALL)  # a mistyped option


class UsageError(Exception):
    """Bad input from the command line: exit code 2."""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        """One line instead of argparse's usage block and exit."""
        raise UsageError(f"error: {_printable(message)} (python -m autodiff --help)")


def _printable(text: str) -> str:
    """`text` with each character that would break or garble a line shown as �."""
    return "".join(c if c.isprintable() else "�" for c in text)


def _pointer(text: str, position: int, message: str, what: str) -> str:
    """The message, the input (around the position only, if it is long) and a caret."""
    start = max(0, position - ECHO_WIDTH)
    end = position + ECHO_WIDTH
    shown = ("…" if start else "") + _printable(text[start:end]) + ("…" if end < len(text) else "")
    column = position - start + (1 if start else 0)
    return f"error: {message}\n  {what}: {shown}\n  {' ' * (len(what) + 2 + column)}^"


class Assignments:
    """The values of `--at` options ('w=0.5,x=1'), every option's pairs merged,
    with where each name was given (for pointing at it)."""

    def __init__(self, texts: Sequence[str]) -> None:
        self.values: dict[str, float] = {}
        self.where: dict[str, tuple[str, int]] = {}
        for text in texts:
            self._read(text)

    def _read(self, text: str) -> None:
        position = 0
        for part in text.split(","):
            written, eq, value = part.partition("=")
            at = position + len(written) - len(written.lstrip())
            name = written.strip()
            if not eq or not re.fullmatch(NAME, name):
                raise UsageError(_pointer(text, at, f"expected name=number, got {part!r}",
                                          "--at"))
            if name in self.values:
                raise UsageError(_pointer(text, at, f"{name} is given twice", "--at"))
            try:
                self.values[name] = number(value, position + len(written) + 1, name)
            except ExpressionError as exc:
                raise UsageError(_pointer(text, exc.position, str(exc), "--at")) from None
            self.where[name] = (text, at)
            position += len(part) + 1

    def refuse_unused(self, used: set[str]) -> None:
        for name, value in self.values.items():
            if name not in used:
                text, at = self.where[name]
                raise UsageError(_pointer(text, at, f"{name} = {value:g} is given, but the "
                                          "expression has no name " + repr(name), "--at"))


def parse_assignments(*texts: str) -> dict[str, float]:
    """'w=0.5,x=1' → {'w': 0.5, 'x': 1.0}; several texts merge, as repeated --at do."""
    return Assignments(texts).values


def _check_output(path: str) -> None:
    """UsageError before any work if the extension names no format Graphviz writes
    here (or TikZ), or the directory does not exist."""
    from autodiff.diagram import output_format

    try:
        output_format(path)
    except ValueError as exc:
        raise UsageError(f"error: -o {_printable(str(exc))}") from None
    if not Path(path).parent.is_dir():
        raise UsageError(f"error: -o {_printable(path)}: no directory {str(Path(path).parent)!r}")


def _check_size(root: Value, max_nodes: int | None) -> int:
    """The `max_nodes` to draw with; UsageError if the graph has more nodes."""
    import inspect

    from autodiff.drawing import draw, graph_nodes

    limit = inspect.signature(draw).parameters["max_nodes"].default
    if max_nodes is not None:
        limit = max_nodes
    size = len(graph_nodes([root]))
    if size > limit:
        allowed = (f"the {limit} that -o draws by default" if max_nodes is None
                   else f"--max-nodes {limit}")
        raise UsageError(f"error: -o: the graph has {size} nodes, more than {allowed}; pass "
                         f"--max-nodes {size} to draw it anyway (Graphviz may take long), "
                         "or leave out -o")
    return limit


def _import(module: str) -> None:
    try:
        importlib.import_module(module)
    except Exception as exc:  # whatever the module raises, one line
        raise UsageError(f"error: --import {_printable(module)}: {type(exc).__name__}: "
                         f"{_printable(str(exc))}") from None


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


def build(expression: str, at: Assignments) -> tuple[Value, list[Value]]:
    """The expression's Value and the rows of its table (each name, then the result
    unless it is one of the names)."""
    try:
        tree = parse(expression)
    except ExpressionError as exc:
        raise UsageError(_pointer(expression, exc.position, str(exc), "expression")) from None
    variables: dict[str, Value] = {}
    for name, position in names(tree):
        if name not in at.values:
            raise UsageError(_pointer(expression, position,
                                      f"no value for {name!r}: add it to --at", "expression"))
        variables.setdefault(name, Value(at.values[name], name))
    at.refuse_unused(set(variables))
    out = evaluate(tree, variables)
    if not isinstance(out, Value):
        out = Value(out)
    out.label = out.label or "f"
    rows = list(variables.values())
    return out, rows if out in rows else [*rows, out]


def table(rows: list[Value], root: Value) -> str:
    width = max(len(v.label) for v in rows)
    lines = [f"{'node':<{width}}  {'value':>14}  {'∂' + root.label + '/∂node':>14}"]
    lines += [f"{v.label:<{width}}  {v.data:>14.8g}  {v.grad:>14.8g}" for v in rows]
    return "\n".join(lines)


def _parser() -> tuple[_Parser, list[argparse.Action]]:
    """The parser, and its options (which `split_expression` must know)."""
    parser = _Parser(
        prog="python -m autodiff", allow_abbrev=False, add_help=False,
        description="Evaluate an expression, print every gradient, draw the graph. "
                    "With no expression: the seed notes' neuron E = (σ(w·x + b) − d)²/2.")
    parser.add_argument("expression", nargs="?",
                        help="e.g. 'sigmoid(w*x + b)': numbers, names, + - * / **, "
                             "parentheses, and the functions of autodiff.primitives (exp, log, "
                             "sin, max, ...); the first argument that is not an option, even "
                             "'-x*y' (or the argument after --)")
    options = [
        parser.add_argument("-h", "--help", action="help",
                            help="show this help message and exit"),
        parser.add_argument("--import", dest="imports", action="append", default=[],
                            metavar="MODULE",
                            help="import this Python module first, so that the primitives it "
                                 "defines with autodiff.primitive can be used (repeatable)"),
        parser.add_argument("--at", action="append", default=[],
                            help="values of the names, e.g. w=0.5,x=1,b=0 (repeatable)"),
        parser.add_argument("-o", "--output",
                            help="write the diagram (format from the extension)"),
        parser.add_argument("--max-nodes", type=int, default=None, metavar="N",
                            help="draw with -o a graph of up to N nodes "
                                 "(default: draw()'s max_nodes)"),
        parser.add_argument("--steps", action="store_true",
                            help="print the forward and backward passes step by step"),
    ]
    return parser, options


_PARSER, _OPTIONS = _parser()
VALUE_OPTIONS = tuple(name for o in _OPTIONS if o.nargs != 0 for name in o.option_strings)
"""The options that take a value (the next argument, or after '=')."""
FLAG_OPTIONS = tuple(name for o in _OPTIONS if o.nargs == 0 for name in o.option_strings)


def split_expression(argv: Sequence[str]) -> tuple[str | None, list[str]]:
    """(the expression, the other arguments): the first argument that is not an
    option or an option's value, whatever its first character ('-x*y', which
    argparse would take for options), unless it looks like a long option
    ('--stpes'); or the argument after `--`."""
    rest: list[str] = []
    expression = None
    args = iter(argv)
    for arg in args:
        if expression is None and arg == "--":
            expression = next(args, None)
        elif arg in VALUE_OPTIONS:
            rest += [arg, *[value for value in [next(args, None)] if value is not None]]
        elif arg in FLAG_OPTIONS or arg.startswith(tuple(f"{o}=" for o in VALUE_OPTIONS)):
            rest.append(arg)
        elif expression is None and not LONG_OPTION.fullmatch(arg):
            expression = arg
        else:
            rest.append(arg)
    return expression, rest


def main(argv: Sequence[str] | None = None) -> int:
    try:
        expression, rest = split_expression(sys.argv[1:] if argv is None else argv)
        try:
            args = _PARSER.parse_args(rest)
        except SystemExit as done:  # --help was printed
            return int(done.code or 0)
        for module in args.imports:
            _import(module)
        if args.output:
            _check_output(args.output)
        if args.max_nodes is not None and args.max_nodes < 1:
            raise UsageError(f"error: --max-nodes must be at least 1, got {args.max_nodes}")
        if args.expression is not None:
            raise UsageError(f"error: one expression only, got {expression!r} and "
                             f"{args.expression!r} (quote an expression that has spaces)")
        header = None
        if expression is None:
            given = Assignments(args.at)
            given.refuse_unused(set("wxbd"))
            at = {**parse_assignments(DEMO_AT), **given.values}
            root, rows, _ = neuron_example(at)
            header = "E = (σ(w·x + b) − d)² / 2 at " + ", ".join(f"{k} = {at[k]:g}" for k in "wxbd")
        else:
            root, rows = build(expression, Assignments(args.at))
        max_nodes = _check_size(root, args.max_nodes) if args.output else 0
        root.backward()
        if header:
            print(header)
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

            print(f"\nwrote {draw(root, max_nodes=max_nodes).save_as(args.output)}")
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except (ArithmeticError, ValueError, RuntimeError, OSError, ImportError) as exc:
        print(f"error: {_printable(str(exc))}", file=sys.stderr)
        return 1
    return 0
