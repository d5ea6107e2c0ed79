"""A small, safe expression language for the command line. Parsed, never eval-ed.

    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom ("**" unary)?                     (right-associative)
    atom    := NUMBER | NAME | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
    NUMBER  := digits with an optional point and exponent: 2, 0.5, .5, 1e-3
    NAME    := ASCII letters, digits and _, not starting with a digit
    FUNC    := the name of any primitive in `autodiff.primitives` (exp, log, sin,
               max, ..., and user primitives once defined)

The language is ASCII. A character it does not read gets a hint: the symbols
the primitives' records draw (× − ÷ ^ σ √ |·|) name what to write instead
(`*`, `-`, `/`, `**`, `sigmoid(...)`), and so do superscripts (x² → x**2)
and the product dot (w·x → w*x); `2x` is told to write `2*x`.

`parse(text)` gives a tree of tuples; `evaluate(tree, variables)` builds the
Values. Operators and functions are the primitives themselves, which are
dual-mode: a subexpression of numbers only (`2*3`, `-1`) is a number, folded
into the node that uses it. Errors are `ExpressionError`s carrying the position
in the text.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Mapping

from autodiff.engine import Primitive, Value, primitives

OPERATORS = ("+", "-", "*", "/", "**")
"""The grammar's operators. Each is the name of its primitive in `autodiff.primitives`,
as "neg" (unary minus) and every function are: a tree's node kind names its primitive."""
MAX_DEPTH = 100  # parentheses and unary/power nesting; each level is ~5 frames
MAX_LENGTH = 10_000
NUMBER = r"[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
"""The syntax of a number, in expressions and in values given for names (ASCII digits only)."""
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
"""The syntax of a name, in expressions and where the command line gives their values."""
_TOKEN = re.compile(rf"\s*(?:({NUMBER})|({NAME})|(\*\*|[-+*/(),]))")
_SIGNED_NUMBER = re.compile(rf"\s*[-+]?(?:{NUMBER})\s*")
_PRODUCT_DOTS = "·⋅∙"  # the dots the seed notes and the Stepper's formulas write for a product


def functions() -> dict[str, Primitive]:
    """The functions the language knows: every primitive with a name it can spell."""
    return {name: p for name, p in primitives.items() if name.isidentifier()}


class ExpressionError(ValueError):
    """A malformed expression; `position` is the 0-based column of the problem."""

    def __init__(self, message: str, position: int) -> None:
        super().__init__(message)
        self.position = position


def number(text: str, position: int = 0, name: str = "") -> float:
    """The float a number written in the language's syntax stands for, with an
    optional sign ("2", "-0.5", "1e-3"): how the command line reads the values
    it is given for names, so they are spelt as numbers in expressions are.
    ExpressionError (at `position`, naming `name` if given) for anything else,
    or a number too large for a float."""
    if not _SIGNED_NUMBER.fullmatch(text):
        raise ExpressionError(f"bad number {text.strip()!r}{' for ' * bool(name)}{name}: write "
                              "digits with an optional sign, point and exponent, e.g. 2, -0.5, "
                              "1e-3", position)
    return _finite(text.strip(), position)


def _finite(text: str, position: int) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ExpressionError(f"number {text} is too large for a float", position)
    return value


def _instead(char: str) -> str:
    """What to write instead of a character the language does not read."""
    for spelling in OPERATORS:
        if char == primitives[spelling].symbol:
            return f"; write {spelling} instead"
    for name, p in functions().items():
        if char in (p.symbol, (p.notation or " ")[0]):
            return f"; write {name}(...) instead"
    if char in _PRODUCT_DOTS:
        return "; write * instead"
    digit = unicodedata.digit(char, None)
    if digit is not None:
        if unicodedata.name(char, "").startswith("SUPERSCRIPT"):
            return f"; write **{digit} instead"
        return f"; write the ASCII digit {digit}"
    if char.isalpha():
        return "; names are ASCII letters, digits and _"
    return ""


def tokenize(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) triples; kind is "number", "name" or "op"."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"expression longer than {MAX_LENGTH} characters", MAX_LENGTH)
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            start = len(text) - len(text[pos:].lstrip())
            char = text[start]
            raise ExpressionError(f"unexpected character {char!r}{_instead(char)}", start)
        group = m.lastindex or 0
        kind = "number" if m.group(1) else "name" if m.group(2) else "op"
        tokens.append((kind, m.group(group), m.start(group)))
        pos = m.end()
    tokens.append(("end", "", len(text)))
    return tokens


class _Parser:
    def __init__(self, text: str) -> None:
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def take(self, expected: str | None = None) -> tuple[str, str, int]:
        token = self.tokens[self.i]
        if expected is not None and token[1] != expected:
            found = "the end" if token[0] == "end" else repr(token[1])
            raise ExpressionError(f"expected {expected!r}, found {found}{self.missing_operator()}",
                                  token[2])
        self.i += 1
        return token

    def missing_operator(self) -> str:
        """A hint when the next token follows a complete operand with no operator: 2x, x y."""
        if self.i == 0 or self.tokens[self.i - 1][0] not in ("number", "name"):
            return ""
        before, (kind, text, _) = self.tokens[self.i - 1][1], self.peek()
        if kind in ("number", "name"):
            return f"; write {before}*{text} for a product"
        return f"; write {before}*(...) for a product" if text == "(" else ""

    def nested(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"expression nested deeper than {MAX_DEPTH}", self.peek()[2])

    def expr(self):
        self.nested()
        tree = self.term()
        while self.peek()[1] in ("+", "-"):
            op = self.take()
            tree = (op[1], op[2], tree, self.term())
        self.depth -= 1
        return tree

    def term(self):
        tree = self.unary()
        while self.peek()[1] in ("*", "/"):
            op = self.take()
            tree = (op[1], op[2], tree, self.unary())
        return tree

    def unary(self):
        if self.peek()[1] in ("-", "+"):
            op = self.take()
            self.nested()
            operand = self.unary()
            self.depth -= 1
            return ("neg", op[2], operand) if op[1] == "-" else operand
        return self.power()

    def power(self):
        base = self.atom()
        if self.peek()[1] == "**":
            op = self.take()
            self.nested()
            tree = ("**", op[2], base, self.unary())
            self.depth -= 1
            return tree
        return base

    def atom(self):
        kind, text, pos = self.take()
        if kind == "number":
            return ("number", pos, _finite(text, pos))
        if kind == "name":
            known = functions()
            if self.peek()[1] == "(":
                if text not in known:
                    raise ExpressionError(f"unknown function {text!r}; known: "
                                          f"{', '.join(sorted(known))}", pos)
                self.take("(")
                operands = [self.expr()]
                while self.peek()[1] == ",":
                    self.take(",")
                    operands.append(self.expr())
                self.take(")")
                arity = known[text].arity
                if arity is not None and len(operands) != arity:
                    raise ExpressionError(f"{text} takes {arity} operand"
                                          f"{'s' * (arity != 1)}, got {len(operands)}", pos)
                return ("call", pos, text, *operands)
            if text in known:
                raise ExpressionError(f"{text} is a function: write {text}(...)", pos)
            return ("name", pos, text)
        if text == "(":
            tree = self.expr()
            self.take(")")
            return tree
        found = "the end of the expression" if kind == "end" else repr(text)
        raise ExpressionError(f"expected a number, a name or '(', found {found}", pos)


def parse(text: str):
    """The syntax tree of `text`."""
    if not isinstance(text, str):
        raise TypeError(f"parse() needs a str, got {type(text).__name__}")
    parser = _Parser(text)
    tree = parser.expr()
    kind, token, pos = parser.peek()
    if kind != "end":
        raise ExpressionError(f"unexpected {token!r} after a complete expression"
                              f"{parser.missing_operator()}", pos)
    return tree


def names(tree) -> list[tuple[str, int]]:
    """The variable names in `tree` with their positions, in order of appearance."""
    found, stack = [], [tree]
    while stack:
        node = stack.pop()
        if node[0] == "name":
            found.append((node[2], node[1]))
        else:
            stack.extend(reversed(_children(node)))
    return found


def evaluate(tree, variables: Mapping[str, Value]) -> Value | float:
    """Build the Value of `tree`, with `variables` for the names (a float if
    `tree` has no names). Iterative, so a long chain such as a + a + ... + a
    needs no recursion."""
    results: list[Value | float] = []
    stack = [(tree, False)]
    while stack:
        node, ready = stack.pop()
        kind, pos = node[0], node[1]
        if kind == "number":
            results.append(node[2])
        elif kind == "name":
            if node[2] not in variables:
                raise ExpressionError(f"no value for variable {node[2]!r}", pos)
            results.append(variables[node[2]])
        elif not ready:
            stack.append((node, True))
            stack.extend((child, False) for child in reversed(_children(node)))
        else:
            n = len(_children(node))
            args = results[-n:]
            del results[-n:]
            results.append(_apply(node, args))
    return results[0]


def _children(node) -> list:
    return [c for c in node[2:] if isinstance(c, tuple)]


def _apply(node, args: list[Value | float]) -> Value | float:
    """The node's primitive on its operands: a call's function, else the node's kind."""
    return primitives[node[2] if node[0] == "call" else node[0]](*args)
