"""`python -m autodiff`: evaluate an expression, print every gradient, draw it.

    python -m autodiff "sigmoid(w*x + b)" --at w=0.5,x=1,b=0 [-o graph.svg] [--steps]
    python -m autodiff "sigmoid(w*x + b)" w=0.5 x=1 b=0
    python -m autodiff "E = (sigmoid(w*x + b) - d)**2/2" --at w=0.5,x=1,b=0,d=1
    python -m autodiff "-x*y" --at x=1 --at y=2
    python -m autodiff --import my_primitives "softsign(x)" --at x=0.5

With no expression it runs the neuron of the notation page (docs/explanation/notation.md),
E = (σ(w·x + b) − d)²/2, with u = w·x + b the total input and z = σ(u) the output.
The first argument that is not an option is the expression, even when it
starts with '-' (`--` before an argument makes it the expression whatever it
looks like), unless it only gives names numbers (`x=1`). Values for the names
are given with `--at` or as name=value arguments, which are the same thing:
`x=1 w=2`, `--at x=1,w=2`, `--at x=1 --at w=2` and `x=1、w=2` (the ideographic
comma of a Japanese keyboard) all add up; a name given twice, or one the
expression does not use, is an error, so that a typo cannot go unnoticed. `pi`
and `e` are the constants unless given a value, which then wins (the name is a
variable, with a gradient). Any other argument after the expression is refused
with one message that spells the values as `--at` wants them. Full-width input
(＋, ０-９, ｗ, ＝) is read as ASCII (see autodiff.notation.expression).

The table lists every node in the order the forward pass computes them, named
as the diagram and `--steps` name them (the output `f` unless the expression
names it: `E = ...`; unnamed operations t1, t2, ...), each value and gradient
to 8 significant digits: a rounding error such as 0.5 − 0.6 + 0.1 = 2.7755576e-17
shows there as in the diagram (2.776e-17), never as 0.

Bad input from the command line (a malformed expression, an unknown name, a
bad number, an `-o` format `dot` cannot write here, a graph too big to draw):
one message pointing at the position, exit code 2, before any output. An
error during evaluation (log of a negative, say) or from Graphviz: one line,
exit code 1. Never a traceback, and no code runs but the modules named with
`--import` (which is how a user's own primitives, defined with
`autodiff.primitive`, become functions of the expression language). With
`--lang ja` the help, argparse's own messages (said from the catalogue: the
parser is made in the language `--lang` asks for, and its English errors are
read back into catalogue messages), the messages about the input and the
expression language's hints are in Japanese (`autodiff.notation.messages`);
the text of an error from evaluating or drawing (the engine's, Graphviz's)
stays English, after the Japanese "エラー：".
"""

from __future__ import annotations

import argparse
import importlib
import re
import sys
import unicodedata
from collections.abc import Sequence
from functools import partial
from pathlib import Path
from typing import Any, NoReturn

from autodiff.core import Value, topological_order
from autodiff.notation.expression import (
    CONSTANTS,
    NAME,
    NUMBER,
    ExpressionError,
    ascii_forms,
    evaluate,
    names,
    not_a_name,
    number,
    parse_definition,
)
from autodiff.notation.messages import LANGUAGES, Message, say
from autodiff.notation.typeset import format_number

DEMO_AT = "w=0.5,x=1,b=0,d=1"
ECHO_WIDTH = 60  # characters of a long input shown on each side of the caret

LONG_OPTION = re.compile(r"--[A-Za-z][-A-Za-z0-9]*(=.*)?", re.DOTALL)  # a mistyped option
SEPARATOR = re.compile("[,、､]")
"""What separates assignments: a comma, or the ideographic comma (full or half width)."""
_ASSIGNED = re.compile(r"\s*[^\W\d]\w*\s*=", re.DOTALL)  # x=..., 重み=...: a value for a name
_NUMBER_ASSIGNED = re.compile(rf"\s*[^\W\d]\w*\s*=\s*[-+]?(?:{NUMBER})\s*")


class UsageError(Exception):
    """Bad input from the command line: exit code 2."""


_ARGPARSE_ERRORS = (  # argparse's own messages (Python 3.10 to 3.13) and their keys
    (re.compile(r"argument (?P<argument>\S+): (?P<message>.*)", re.DOTALL), "cli.argument"),
    (re.compile(r"expected one argument"), "cli.expected_one"),
    (re.compile(r"invalid (?P<type>\w+) value: (?P<value>.*)", re.DOTALL), "cli.invalid_value"),
    (re.compile(r"invalid choice: (?P<value>.*) \(choose from (?P<choices>.*)\)", re.DOTALL),
     "cli.invalid_choice"),
    (re.compile(r"ignored explicit argument (?P<value>.*)", re.DOTALL), "cli.ignored_value"),
    (re.compile(r"unrecognized arguments: (?P<arguments>.*)", re.DOTALL), "cli.unrecognized"),
)
_CLOSING = "、。，．）」』】：；！？ーぁぃぅぇぉっゃゅょァィゥェォッャュョ"
"""What a line does not start with (Japanese line breaking): closing marks, the
long-vowel mark and small kana, which belong to what is before them."""
_OPENING = "（「『【"
"""What a line does not end with: opening marks, which belong to what follows."""


def argparse_message(message: str) -> Message | str:
    """One of argparse's English error messages as the catalogue's `Message`, said
    in any language ("argument --max-nodes: invalid int value: 'x'"); a message
    none of `_ARGPARSE_ERRORS` reads is returned as it is."""
    for pattern, key in _ARGPARSE_ERRORS:
        if match := pattern.fullmatch(message):
            fields: dict[str, object] = dict(match.groupdict())
            if key == "cli.argument":
                fields["message"] = argparse_message(match["message"])
            return Message(key, **fields)
    return message


def wrap(text: str, width: int) -> list[str]:
    """`text` in lines of at most `width` terminal columns (a wide character takes
    two): broken at spaces, or between two wide characters, as Japanese, which
    has no spaces, is broken; never before a closing mark (、。）) or after an
    opening one (（「). A word longer than a line stays whole."""
    units: list[str] = []
    for unit in re.findall(r" |[^ \u2e80-\uffef]+|.", " ".join(text.split())):
        if units and units[-1] != " " and (unit[0] in _CLOSING or units[-1][-1] in _OPENING):
            units[-1] += unit
        else:
            units.append(unit)
    lines: list[str] = []
    line = ""
    for unit in units:
        if unit == " ":
            line += " " if line else ""
        elif line and _width(line + unit) > width:
            lines.append(line.rstrip())
            line = unit
        else:
            line += unit
    return [*lines, line.rstrip()] if line else lines


class _Formatter(argparse.HelpFormatter):
    """argparse's help in `lang`: the usage prefix and the sections' titles from the
    catalogue, text wrapped by terminal columns (`wrap`)."""

    def __init__(self, prog: str, *, lang: str) -> None:
        super().__init__(prog)
        self.lang = lang

    def add_usage(self, usage: str | None, actions: object, groups: object,
                  prefix: str | None = None) -> None:
        super().add_usage(usage, actions, groups,  # type: ignore[arg-type]
                          say(self.lang, "cli.usage") if prefix is None else prefix)

    def _format_usage(self, usage: str | None, actions: Any, groups: Any,
                      prefix: str | None) -> str:  # argparse's hook
        """argparse indents the usage's continuation lines by the prefix's length in
        characters; a wide prefix ("使い方：") takes two columns a character."""
        text = super()._format_usage(usage, actions, groups, prefix)
        extra = " " * (_width(prefix or "") - len(prefix or ""))  # add_usage gave the prefix
        first, *rest = text.split("\n")
        return "\n".join([first, *(extra + line if line.strip() else line for line in rest)])

    def start_section(self, heading: str | None) -> None:
        titles = {"positional arguments": say(self.lang, "cli.positionals"),
                  "options": say(self.lang, "cli.options"),
                  "optional arguments": say(self.lang, "cli.options")}  # Python 3.9's title
        super().start_section(titles.get(heading or "", heading))

    def _split_lines(self, text: str, width: int) -> list[str]:  # argparse's wrapping hook
        return wrap(text, width)

    def _fill_text(self, text: str, width: int, indent: str) -> str:  # argparse's hook
        return "\n".join(indent + line for line in wrap(text, width - len(indent)))


class _Parser(argparse.ArgumentParser):
    """argparse in `lang`: its help (`_Formatter`) and its errors."""

    def __init__(self, lang: str, description: str) -> None:
        self.lang = lang
        super().__init__(prog="python -m autodiff", description=description,
                         allow_abbrev=False, add_help=False,
                         formatter_class=partial(_Formatter, lang=lang))

    def error(self, message: str) -> NoReturn:
        """One line instead of argparse's usage block and exit, in the parser's
        language."""
        said = argparse_message(message)
        text = _printable(said.say(self.lang) if isinstance(said, Message) else said)
        raise UsageError(_error(self.lang, Message("cli.see_help", message=text)))


def _printable(text: str) -> str:
    """`text` with each character that would break or garble a line shown as �."""
    return "".join(c if c.isprintable() else "�" for c in text)


def _error(lang: str, message: Message | str) -> str:
    """"error: …" in `lang`."""
    said = message.say(lang) if isinstance(message, Message) else message
    return say(lang, "cli.error", message=said)


def _pointer(text: str, position: int, message: Message | str, what: str, lang: str = "en"
             ) -> str:
    """The message, the input (around the position only, if it is long) and a caret;
    `what` is "--at" or "expression" (said in `lang`)."""
    start = max(0, position - ECHO_WIDTH)
    end = position + ECHO_WIDTH
    shown = ("…" if start else "") + _printable(text[start:end]) + ("…" if end < len(text) else "")
    column = _width(shown[:position - start + (1 if start else 0)])
    if what == "expression":
        what = say(lang, "cli.expression")
    return f"{_error(lang, message)}\n  {what}: {shown}\n  {' ' * (_width(what) + 2 + column)}^"


def _width(text: str) -> int:
    """The columns `text` takes in a terminal: two for a wide character (重, ＋)."""
    return sum(1 + (unicodedata.east_asian_width(c) in "WF") for c in text)


class Assignments:
    """The values of `--at` options ('w=0.5,x=1', 'w=0.5、x=1', full-width forms
    read as ASCII), every option's pairs merged, with where each name was given
    (for pointing at it)."""

    def __init__(self, texts: Sequence[str], lang: str = "en") -> None:
        self.lang = lang
        self.values: dict[str, float] = {}
        self.where: dict[str, tuple[str, int]] = {}
        for text in texts:
            self._read(text)

    def _read(self, text: str) -> None:
        position = 0
        for read in SEPARATOR.split(ascii_forms(text)):  # one character for one: same positions
            part = text[position:position + len(read)]
            written, eq, _ = read.partition("=")
            at = position + len(written) - len(written.lstrip())
            name = written.strip()
            if eq and re.fullmatch(r"\w+", name) and not name.isascii():
                typed = text[at:at + len(name)]
                raise UsageError(_pointer(text, at, not_a_name(typed), "--at", self.lang))
            if not eq or not re.fullmatch(NAME, name):
                raise UsageError(_pointer(text, at, Message("cli.expected_assignment", part=part),
                                          "--at", self.lang))
            if name in self.values:
                raise UsageError(_pointer(text, at, Message("cli.given_twice", name=name), "--at",
                                          self.lang))
            try:
                self.values[name] = number(part[len(written) + 1:], position + len(written) + 1,
                                           name)
            except ExpressionError as exc:
                raise UsageError(_pointer(text, exc.position, exc.message, "--at",
                                          self.lang)) from None
            self.where[name] = (text, at)
            position += len(read) + 1

    def refuse_unused(self, used: set[str]) -> None:
        for name, value in self.values.items():
            if name not in used:
                text, at = self.where[name]
                raise UsageError(_pointer(text, at, Message("cli.unused", name=name,
                                                            value=f"{value:g}"),
                                          "--at", self.lang))


def parse_assignments(*texts: str) -> dict[str, float]:
    """'w=0.5,x=1' → {'w': 0.5, 'x': 1.0}; several texts merge, as repeated --at do."""
    return Assignments(texts).values


def _check_output(path: str, lang: str = "en") -> None:
    """UsageError before any work if the extension names no format Graphviz writes
    here (or TikZ), or the directory does not exist."""
    from autodiff.drawing.diagram import output_format

    try:
        output_format(path)
    except ValueError as exc:
        reason = exc.args[0]
        raise UsageError(_error(lang, Message("cli.output", reason=reason) if isinstance(
            reason, Message) else f"-o {_printable(str(exc))}")) from None
    if not Path(path).parent.is_dir():
        raise UsageError(_error(lang, Message("cli.no_directory", path=_printable(path),
                                              directory=str(Path(path).parent))))


def _check_size(root: Value, max_nodes: int | None, lang: str = "en") -> int:
    """The `max_nodes` to draw with; UsageError if the graph has more nodes."""
    import inspect

    from autodiff.drawing.graph import draw, graph_nodes

    limit = inspect.signature(draw).parameters["max_nodes"].default
    if max_nodes is not None:
        limit = max_nodes
    size = len(graph_nodes([root]))
    if size > limit:
        allowed = (Message("cli.default_limit", limit=limit) if max_nodes is None
                   else f"--max-nodes {limit}")
        raise UsageError(_error(lang, Message("cli.too_big", size=size, allowed=allowed)))
    return limit


def _import(module: str, lang: str = "en") -> None:
    try:
        importlib.import_module(module)
    except Exception as exc:  # whatever the module raises, one line
        raise UsageError(_error(lang, f"--import {_printable(module)}: {type(exc).__name__}: "
                                      f"{_printable(str(exc))}")) from None


def neuron_example(at: dict[str, float]) -> tuple[Value, list[Value], dict[str, Value]]:
    """E = (σ(w·x + b) − d)²/2 in the repository's notation (docs/explanation/notation.md):
    t1 = w·x, the total input u = t1 + b, the output z = σ(u), t2 = z − d, t3 = t2², E = t3/2."""
    w, x, b, d = (Value(at[k], k) for k in "wxbd")
    t1 = w * x
    u = t1 + b
    z = u.sigmoid()
    t2 = z - d
    t3 = t2**2
    E = t3 / 2
    for node, name in ((t1, "t1"), (u, "u"), (z, "z"), (t2, "t2"), (t3, "t3"), (E, "E")):
        node.label = name
    return E, [w, x, b, d, t1, u, z, t2, t3, E], {"w": w, "x": x, "b": b, "d": d}


def _definition(expression: str, lang: str = "en") -> tuple[str | None, tuple]:
    """parse_definition's answer, or a UsageError pointing at the problem."""
    try:
        return parse_definition(expression)
    except ExpressionError as exc:
        raise UsageError(_pointer(expression, exc.position, exc.message, "expression",
                                  lang)) from None


def build(expression: str, at: Assignments) -> tuple[Value, list[Value]]:
    """The expression's Value, named as the expression names it (else f), and the
    rows of its table: every node in topological order, operations without a
    name called t1, t2, ... (a name the expression uses is skipped). Errors in
    `at.lang`."""
    lang = at.lang
    output, tree = _definition(expression, lang)
    variables: dict[str, Value] = {}
    for name, position in names(tree):
        if name in at.values:
            variables.setdefault(name, Value(at.values[name], name))
        elif name not in CONSTANTS:
            constant = next((c for c in CONSTANTS if c.lower() == name.lower()), None)
            hint = Message("cli.constant_spelt", constant=constant) if constant else ""
            raise UsageError(_pointer(expression, position,
                                      Message("cli.no_value", name=name, hint=hint),
                                      "expression", lang))
    at.refuse_unused(set(variables))
    out = evaluate(tree, variables)
    if not isinstance(out, Value):
        out = Value(out)
    elif output is not None and out in variables.values():
        raise UsageError(_error(lang, Message("cli.names_input", output=output,
                                              name=out.label)))
    out.label = output or out.label or "f"
    rows = topological_order(out)
    taken = {v.label for v in rows}
    numbered = (f"t{k}" for k in range(1, len(rows) + len(taken) + 1))
    for v in rows:
        if v.op and not v.label:
            v.label = next(name for name in numbered if name not in taken)
    return out, rows


def table(rows: list[Value], root: Value, lang: str = "en") -> str:
    """Each row's label, value and gradient (8 significant digits; a zero has no sign)."""
    node, value = say(lang, "cli.node"), say(lang, "cli.value")
    width = max(len(v.label) for v in rows)

    def right(text: str) -> str:  # aligned by columns: a wide character (ノ) takes two
        return " " * (14 - _width(text)) + text

    head = node + " " * max(0, width - _width(node))
    lines = [f"{head}  {right(value)}  {right('∂' + root.label + '/∂' + node)}"]
    lines += [f"{v.label:<{width}}  {format_number(v.data, '.8g'):>14}  "
              f"{format_number(v.grad, '.8g'):>14}" for v in rows]
    return "\n".join(lines)


def _parser(lang: str) -> tuple[_Parser, list[argparse.Action]]:
    """The parser in `lang`, and its options (which `split_expression` must know)."""
    parser = _Parser(lang, say(lang, "cli.help.description"))
    parser.add_argument("expression", nargs="?", help=say(lang, "cli.help.expression"))
    parser.add_argument("values", nargs="*", metavar="NAME=VALUE",
                        help=say(lang, "cli.help.values"))
    options = [
        parser.add_argument("-h", "--help", action="help", help=say(lang, "cli.help.help")),
        parser.add_argument("--import", dest="imports", action="append", default=[],
                            metavar="MODULE", help=say(lang, "cli.help.import")),
        parser.add_argument("--at", action="append", default=[], help=say(lang, "cli.help.at")),
        parser.add_argument("-o", "--output", help=say(lang, "cli.help.output")),
        parser.add_argument("--max-nodes", type=int, default=None, metavar="N",
                            help=say(lang, "cli.help.max_nodes")),
        parser.add_argument("--steps", action="store_true", help=say(lang, "cli.help.steps")),
        parser.add_argument("--lang", choices=LANGUAGES, default="en",
                            help=say(lang, "cli.help.lang")),
        parser.add_argument("--demo-files", action="store_true",
                            help=say(lang, "cli.help.demo_files")),
        parser.add_argument("--demo-dir", default="", metavar="DIR",
                            help=say(lang, "cli.help.demo_dir")),
    ]
    return parser, options


_PARSERS = {lang: _parser(lang) for lang in LANGUAGES}
_OPTIONS = _PARSERS["en"][1]
VALUE_OPTIONS = tuple(name for o in _OPTIONS if o.nargs != 0 for name in o.option_strings)
"""The options that take a value (the next argument, or after '=')."""
FLAG_OPTIONS = tuple(name for o in _OPTIONS if o.nargs == 0 for name in o.option_strings)
VALUE_PREFIXES = tuple(f"{o}=" for o in VALUE_OPTIONS)  # --at=x=1


def _lang_asked(args: Sequence[str]) -> str:
    """The language the options (`split_expression`'s) ask for with --lang (the
    last one given), read before the parser, which speaks it; "en" when none is
    asked for, or one there is no catalogue of (the parser then refuses it)."""
    lang = "en"
    for k, arg in enumerate(args):
        value = args[k + 1] if arg == "--lang" and k + 1 < len(args) else arg[len("--lang="):]
        if (arg == "--lang" or arg.startswith("--lang=")) and value in LANGUAGES:
            lang = value
    return lang


def _gives_values(arg: str, expression_seen: bool) -> bool:
    """Whether a positional argument gives names values, as --at does: after the
    expression any name=... (x=1, 重み=1, x=abc: read, and refused if bad), before
    it only name=number parts (so that 'E = x*y' is an expression)."""
    text = ascii_forms(arg)
    if expression_seen:
        return bool(_ASSIGNED.match(text))
    return all(_NUMBER_ASSIGNED.fullmatch(part) for part in SEPARATOR.split(text))


def split_expression(argv: Sequence[str]) -> tuple[str | None, list[str], list[str]]:
    """(the expression, the other arguments, the stray ones). The expression is the
    first argument that is not an option, an option's value or name=number,
    whatever its first character ('-x*y', which argparse would take for options),
    unless it looks like a long option ('--stpes'); or the argument after `--`.
    Arguments that give names values (x=1) become --at options; any other
    argument after the expression is stray."""
    rest: list[str] = []
    strays: list[str] = []
    expression = None
    args = iter(argv)
    for arg in args:
        if expression is None and arg == "--":
            expression = next(args, None)
        elif arg in VALUE_OPTIONS:
            rest += [arg, *[value for value in [next(args, None)] if value is not None]]
        elif arg in FLAG_OPTIONS or arg.startswith(VALUE_PREFIXES) or LONG_OPTION.fullmatch(arg):
            rest.append(arg)
        elif _gives_values(arg, expression is not None):
            rest += ["--at", arg]
        elif expression is None:
            expression = arg
        else:
            strays.append(arg)
    return expression, rest, strays


def _refuse_strays(expression: str, strays: list[str], at: Sequence[str], lang: str = "en"
                   ) -> NoReturn:
    """One message for arguments after the expression that are neither options nor
    name=value: the whole expression quoted, if the shell split it at its spaces;
    else the values as --at wants them, with the numbers typed where they can be
    read ('x = 1', 'x:1', 'x 1'), and ... where not."""
    shown = " ".join(repr(_printable(s)) for s in strays)
    joined = " ".join([expression, *strays])
    try:
        parse_definition(joined)
    except ExpressionError:
        pass
    else:
        raise UsageError(_error(lang, Message("cli.strays_quote", strays=shown,
                                              expression=_printable(expression),
                                              joined=_printable(joined))))
    typed = dict(re.findall(rf"({NAME})\s*[=:]?\s*([-+]?(?:{NUMBER}))(?![\w.])",
                            ascii_forms(" ".join(strays))))
    try:
        given = Assignments(at, lang).values
    except UsageError:  # reported once the strays are gone
        given = {}
    try:
        wanted = [n for n, _ in names(parse_definition(expression)[1])
                  if n not in CONSTANTS or n in typed]
    except ExpressionError:
        wanted = list(typed)
    missing = [f"{n}={typed.get(n, '...')}" for n in dict.fromkeys(wanted) if n not in given]
    also = Message("cli.or_as", values=" ".join(missing)) if len(missing) > 1 else ""
    how = (Message("cli.give_values", values=",".join(missing), also=also) if missing
           else Message("cli.values_given"))
    raise UsageError(_error(lang, Message("cli.strays", strays=shown,
                                          expression=_printable(expression), how=how)))


def _demo_files(root: Value, directory: str, lang: str) -> None:
    """Write the neuron's diagram (SVG), its player, an exercise on it and the
    exercise's sheet to `directory` (else a new folder autodiff-demo,
    autodiff-demo-2, … in the current directory), and print their paths."""
    from autodiff.drawing import draw
    from autodiff.stepping import Stepper
    from autodiff.stepping.exercise import Exercise

    if directory:
        folder = Path(directory)
    else:
        folder = Path("autodiff-demo")
        number = 1
        while folder.exists():
            number += 1
            folder = Path(f"autodiff-demo-{number}")
    folder.mkdir(parents=True, exist_ok=True)
    stepper = Stepper(root, lang=lang)
    exercise = Exercise(Stepper(root, lang=lang))
    paths = [("cli.demo_diagram", draw(root, lang=lang).save_as(folder / "neuron.svg")),
             ("cli.demo_player", stepper.save_html(folder / "neuron-player.html")),
             ("cli.demo_exercise", exercise.save_html(folder / "neuron-exercise.html")),
             ("cli.demo_sheet", exercise.save_sheet(folder / "neuron-exercise-sheet.html"))]
    print("\n" + say(lang, "cli.demo_wrote", directory=folder.resolve()))
    for key, path in paths:
        print(say(lang, key, path=path))


def main(argv: Sequence[str] | None = None) -> int:
    lang = "en"
    try:
        expression, rest, strays = split_expression(sys.argv[1:] if argv is None else argv)
        lang = _lang_asked(rest)
        try:
            args = _PARSERS[lang][0].parse_args(rest)
        except SystemExit as done:  # --help was printed
            return int(done.code or 0)
        if expression is not None and strays:
            _refuse_strays(expression, strays, args.at, lang)
        for module in args.imports:
            _import(module, lang)
        if args.output:
            _check_output(args.output, lang)
        if args.max_nodes is not None and args.max_nodes < 1:
            raise UsageError(_error(lang, Message("cli.max_nodes", got=args.max_nodes)))
        header = None
        if expression is None:
            given = Assignments(args.at, lang)
            given.refuse_unused(set("wxbd"))
            at = {**parse_assignments(DEMO_AT), **given.values}
            root, rows, _ = neuron_example(at)
            header = say(args.lang, "cli.neuron",
                         values=", ".join(f"{k} = {at[k]:g}" for k in "wxbd"))
        else:
            root, rows = build(expression, Assignments(args.at, lang))
        max_nodes = _check_size(root, args.max_nodes, lang) if args.output else 0
        root.backward()
        if header:
            print(header)
        print(table(rows, root, args.lang))
        if args.steps:
            from autodiff.stepping.stepper import Stepper

            kind = ""
            for step in Stepper(root, lang=args.lang).steps:
                if step.kind != kind:
                    kind = step.kind
                    print(f"\n{say(args.lang, f'pass.{kind}')}:")
                print(step)
        if args.output:
            from autodiff.drawing.graph import draw

            saved = draw(root, max_nodes=max_nodes, lang=args.lang).save_as(args.output)
            print("\n" + say(args.lang, "cli.wrote", path=saved))
        if args.demo_files and expression is None:
            _demo_files(root, args.demo_dir, args.lang)
    except UsageError as exc:
        print(exc, file=sys.stderr)
        return 2
    except (ArithmeticError, ValueError, RuntimeError, OSError, ImportError) as exc:
        print(_error(lang, _printable(str(exc))), file=sys.stderr)
        return 1
    return 0
