"""A small, safe expression language for the command line. Parsed, never eval-ed.

    statement := (NAME "=")? expr                   (parse_definition: names the output)
    expr    := term (("+" | "-") term)*
    term    := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom ("**" unary)?                     (right-associative)
    atom    := NUMBER | NAME | FUNC "(" expr ("," expr)* ")" | "(" expr ")"
    NUMBER  := digits with an optional point and exponent: 2, 0.5, .5, 1e-3
    NAME    := ASCII letters, digits and _, not starting with a digit
    FUNC    := the name of any primitive in `autodiff.primitives` (exp, log, sin,
               max, ..., and user primitives once defined); also `ln` (log),
               `arcsin`, `arccos`, `arctan`, and a case variant (ReLU, Sigmoid,
               Tanh, Exp) when it spells exactly one of them

The names `pi` and `e` are the constants π and e, unless the caller gives them
a value (a value given wins: the name is then a variable like any other).

The language is ASCII, read after one normalisation: the full-width forms of
ASCII characters that a Japanese keyboard types (the whole block U+FF01–U+FF5E:
＋ － ＊ ／ （ ） ＝ ０-９ ． ｘ ...) and the ideographic space U+3000 are read as
the ASCII characters they are wide forms of, which is what Unicode's NFKC
does to exactly these characters; NFKC itself is not applied, because it would
also read x² as x2 and ﬁ as fi. A character the language does not read gets a
hint naming what was typed and what to write: the symbols the primitives'
records draw (× − ÷ ^ σ √ |·|) name what to write instead (`*`, `-`, `/`,
`**`, `sigmoid(...)`), and so do superscripts (x² → x**2), the product dots
(w·x and the katakana middle dot w・x → w*x), the ideographic comma and full
stop (、 → `,`, 。 → `.`); `2x` is told to write `2*x`. The middle dot ・ is
hinted, not read as `*`: × and · are not read either, and in Japanese ・ also
separates the items of a list (w・b: "w and b"), so it is not unambiguous.

Names stay ASCII although Python's `str.isidentifier` would take 重み or α: a
name is also a label that every export must show (the TikZ export and the PNG
fonts of a machine may not have the glyphs), and look-alike letters from other
scripts (Cyrillic а, Latin a) would make two variables that read the same. A
name with other letters gets a hint that quotes it whole and asks for a
romanised name, spelt out where Unicode names the letters (α → alpha, み → mi).

`parse(text)` gives a tree of tuples (`parse_definition(text)` the output's
name too); `evaluate(tree, variables)` builds the Values. Operators and
functions are the primitives themselves, which are dual-mode: a subexpression
of numbers only (`2*3`, `-1`) is a number, folded into the node that uses it.
Errors are `ExpressionError`s carrying the position in the text and their
`message` from the catalogue (`autodiff.notation.messages`): English by
`str()`, Japanese by `.message.say("ja")`, as the command line's `--lang ja` says it.
"""

from __future__ import annotations

import difflib
import math
import re
import unicodedata
from collections.abc import Mapping

from autodiff.core import Primitive, Value, primitives
from autodiff.notation.messages import Message, joined
from autodiff.notation.symbols import notation, symbol

OPERATORS = ("+", "-", "*", "/", "**")
"""The grammar's operators. Each is the name of its primitive in `autodiff.primitives`,
as "neg" (unary minus) and every function are: a tree's node kind names its primitive."""
MAX_DEPTH = 100  # parentheses and unary/power nesting; each level is ~5 frames
MAX_LENGTH = 10_000
NUMBER = r"[0-9]+\.?[0-9]*(?:[eE][+-]?[0-9]+)?|\.[0-9]+(?:[eE][+-]?[0-9]+)?"
"""The syntax of a number, in expressions and in values given for names (ASCII digits only)."""
NAME = r"[A-Za-z_][A-Za-z0-9_]*"
"""The syntax of a name, in expressions and where the command line gives their values."""
CONSTANTS = {"pi": math.pi, "e": math.e}
"""Names that stand for a number unless the caller gives them a value."""
ALIASES = {"ln": "log", "arcsin": "asin", "arccos": "acos", "arctan": "atan"}
"""Other spellings of functions, read as the function they name."""
_TOKEN = re.compile(rf"\s*(?:({NUMBER})|({NAME})|(\*\*|[-+*/(),=]))")
_SIGNED_NUMBER = re.compile(rf"\s*[-+]?(?:{NUMBER})\s*")
_FULL_WIDTH = {**{code: code - 0xFEE0 for code in range(0xFF01, 0xFF5F)}, 0x3000: 0x20}
# the dots the notation page (docs/explanation/notation.md) and the Stepper's formulas write
# for a product, and the
# katakana middle dot (full and half width) a Japanese keyboard types for one
_PRODUCT_DOTS = "·⋅∙・･"
_INSTEAD = {"、": ",", "､": ",", "。": ".", "｡": "."}  # ideographic comma and full stop
_ROMAN_SCRIPTS = ("GREEK SMALL LETTER ", "GREEK CAPITAL LETTER ", "HIRAGANA LETTER ",
                  "KATAKANA LETTER ")


def ascii_forms(text: str) -> str:
    """`text` with each full-width form of an ASCII character (U+FF01–U+FF5E:
    ＋ → +, ０ → 0, ｗ → w, ＝ → =) and the ideographic space U+3000 read as that
    ASCII character, as NFKC reads them; every other character is kept. One
    character for one, so a position in the result is the same position in `text`."""
    return text.translate(_FULL_WIDTH)


def romanised(word: str) -> str | None:
    """`word` spelt in ASCII where Unicode's character names spell every letter
    (α → alpha, みず → mizu, ASCII kept); None if a letter has no such name (a kanji,
    a small kana)."""
    spelt = []
    for char in word:
        if char.isascii():
            spelt.append(char)
            continue
        name = unicodedata.name(char, "")
        for prefix in _ROMAN_SCRIPTS:
            letters = name[len(prefix):]
            if name.startswith(prefix) and letters.isalpha():  # not SMALL YA, ALPHA WITH TONOS
                spelt.append(letters.capitalize() if "CAPITAL" in prefix else letters.lower())
                break
        else:
            return None
    return "".join(spelt)


def not_a_name(word: str) -> Message:
    """Why `word` (as typed, with letters other than ASCII) is not a name, and what to write."""
    spelt = romanised(word)
    instead = (Message("expr.write_name", name=spelt) if spelt and re.fullmatch(NAME, spelt)
               else Message("expr.romanise"))
    return Message("expr.not_a_name", word=word, instead=instead)


def functions() -> dict[str, Primitive]:
    """The functions the language knows: every primitive with a name it can spell."""
    return {name: p for name, p in primitives.items() if name.isidentifier()}


class ExpressionError(ValueError):
    """A malformed expression; `position` is the 0-based column of the problem,
    `message` what is wrong in any language (`str()` is the English)."""

    def __init__(self, message: Message, position: int) -> None:
        super().__init__(str(message))
        self.message, self.position = message, position


def number(text: str, position: int = 0, name: str = "") -> float:
    """The float a number written in the language's syntax stands for, with an
    optional sign ("2", "-0.5", "1e-3", and their full-width forms "－０．５"): how
    the command line reads the values it is given for names, so they are spelt as
    numbers in expressions are. ExpressionError (at `position`, naming `name` if
    given) for anything else, or a number too large for a float."""
    if not _SIGNED_NUMBER.fullmatch(ascii_forms(text)):
        raise ExpressionError(Message("expr.bad_number_for", text=text.strip(), name=name)
                              if name else Message("expr.bad_number", text=text.strip()),
                              position)
    return _finite(ascii_forms(text).strip(), position)


def _finite(text: str, position: int) -> float:
    value = float(text)
    if not math.isfinite(value):
        raise ExpressionError(Message("expr.too_large", text=text), position)
    return value


def _instead(char: str) -> Message | str:
    """What to write instead of a character the language does not read (after
    `ascii_forms`); "" if nothing."""
    for spelling in OPERATORS:
        if char == symbol(primitives[spelling]):
            return Message("expr.write_instead", spelling=spelling)
    for name, p in functions().items():
        if char in (symbol(p), (notation(p) or " ")[0]):
            return Message("expr.write_instead", spelling=f"{name}(...)")
    if char in _PRODUCT_DOTS:
        return Message("expr.write_instead", spelling="*")
    if char in _INSTEAD:
        return Message("expr.write_instead", spelling=_INSTEAD[char])
    digit = unicodedata.digit(char, None)
    if digit is not None:
        if unicodedata.name(char, "").startswith("SUPERSCRIPT"):
            return Message("expr.write_instead", spelling=f"**{digit}")
        return Message("expr.ascii_digit", digit=digit)
    return ""


def _word(text: str, start: int) -> str:
    """The word around `text[start]`: letters, digits and _ of any script."""
    begin, end = start, start + 1
    while begin and re.fullmatch(r"\w", text[begin - 1]):
        begin -= 1
    while end < len(text) and re.fullmatch(r"\w", text[end]):
        end += 1
    return text[begin:end]


def tokenize(text: str) -> list[tuple[str, str, int]]:
    """(kind, text, position) triples; kind is "number", "name" or "op". The
    tokens are spelt in ASCII (`ascii_forms`); positions are those in `text`."""
    if len(text) > MAX_LENGTH:
        raise ExpressionError(Message("expr.too_long", limit=MAX_LENGTH), MAX_LENGTH)
    typed, text = text, ascii_forms(text)
    tokens, pos = [], 0
    while pos < len(text):
        if text[pos:].strip() == "":
            break
        m = _TOKEN.match(text, pos)
        if not m:
            start = len(text) - len(text[pos:].lstrip())
            char = text[start]
            if char.isalpha() and not char.isascii() and not _instead(char):
                raise ExpressionError(Message("expr.unexpected_letter", char=typed[start],
                                              reason=not_a_name(_word(typed, start))), start)
            raise ExpressionError(Message("expr.unexpected_character", char=typed[start],
                                          hint=_instead(char)), start)
        group = m.lastindex or 0
        kind = "number" if m.group(1) else "name" if m.group(2) else "op"
        tokens.append((kind, m.group(group), m.start(group)))
        pos = m.end()
    tokens.append(("end", "", len(text)))
    return tokens


def function(name: str, position: int = 0) -> str:
    """The function `name` calls: itself, the function an alias names (ln → log),
    or the one function a case variant spells (ReLU → relu, Sigmoid → sigmoid).
    ExpressionError otherwise, naming the functions it could mean."""
    known = functions()
    spellings = {**{alias: f for alias, f in ALIASES.items() if f in known},
                 **{f: f for f in known}}
    if name in spellings:
        return spellings[name]
    meant = sorted({f for spelling, f in spellings.items() if spelling.lower() == name.lower()})
    if len(meant) == 1:
        return meant[0]
    if meant:
        raise ExpressionError(Message("expr.could_be", name=name, meant=joined(meant, "expr.or")),
                              position)
    close = difflib.get_close_matches(name.lower(), spellings, n=3)
    hint = Message("expr.did_you_mean", close=joined(close, "expr.or")) if close else ""
    raise ExpressionError(Message("expr.unknown_function", name=name, hint=hint,
                                  known=", ".join(sorted(known))), position)


class _Parser:
    def __init__(self, text: str) -> None:
        if not isinstance(text, str):
            raise TypeError(f"parse() needs a str, got {type(text).__name__}")
        self.text = text
        self.tokens = tokenize(text)
        self.i = 0
        self.depth = 0

    def peek(self) -> tuple[str, str, int]:
        return self.tokens[self.i]

    def typed(self, token: tuple[str, str, int]) -> str:
        """The token as it was typed (＊ for *, say)."""
        return self.text[token[2]:token[2] + len(token[1])]

    def end(self, equals_hint: Message) -> None:
        """ExpressionError if a token follows the complete expression."""
        kind, token, pos = self.peek()
        if kind != "end":
            hint = equals_hint if token == "=" else self.missing_operator()
            raise ExpressionError(Message("expr.after_complete", token=self.typed(self.peek()),
                                          hint=hint), pos)

    def take(self, expected: str | None = None) -> tuple[str, str, int]:
        token = self.tokens[self.i]
        if expected is not None and token[1] != expected:
            found = Message("expr.the_end") if token[0] == "end" else repr(self.typed(token))
            raise ExpressionError(Message("expr.expected", expected=expected, found=found,
                                          hint=self.missing_operator()), token[2])
        self.i += 1
        return token

    def missing_operator(self) -> Message | str:
        """A hint when the next token follows a complete operand with no operator: 2x, x y."""
        if self.i == 0 or self.tokens[self.i - 1][0] not in ("number", "name"):
            return ""
        before, (kind, text, _) = self.tokens[self.i - 1][1], self.peek()
        if kind in ("number", "name"):
            return Message("expr.product", product=f"{before}*{text}")
        return Message("expr.product", product=f"{before}*(...)") if text == "(" else ""

    def nested(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(Message("expr.nested", limit=MAX_DEPTH), self.peek()[2])

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
        token = self.take()
        kind, text, pos = token
        if kind == "number":
            return ("number", pos, _finite(text, pos))
        if kind == "name":
            if self.peek()[1] == "(":
                name = function(text, pos)
                self.take("(")
                operands = [self.expr()]
                while self.peek()[1] == ",":
                    self.take(",")
                    operands.append(self.expr())
                self.take(")")
                arity = primitives[name].arity
                if arity is not None and len(operands) != arity:
                    raise ExpressionError(Message("expr.operands" if arity != 1
                                                  else "expr.one_operand", name=name,
                                                  arity=arity, count=len(operands)), pos)
                return ("call", pos, name, *operands)
            if text in functions() or text in ALIASES:
                raise ExpressionError(Message("expr.is_function", name=text), pos)
            return ("name", pos, text)
        if text == "(":
            tree = self.expr()
            self.take(")")
            return tree
        found = (Message("expr.the_end_of_expression") if kind == "end"
                 else repr(self.typed(token)))
        raise ExpressionError(Message("expr.expected_operand", found=found), pos)


def parse(text: str):
    """The syntax tree of the expression `text`."""
    parser = _Parser(text)
    tree = parser.expr()
    parser.end(Message("expr.named_by_parse_definition"))
    return tree


def parse_definition(text: str):
    """(the output's name, the syntax tree) of `name = expression` ("E = (y - d)**2/2"),
    or (None, the tree) of an expression alone. The name must not be a function's,
    nor one the expression uses (x = 2*x defines nothing)."""
    parser = _Parser(text)
    name = None
    if [kind for kind, _, _ in parser.tokens[:2]] == ["name", "op"] and parser.tokens[1][1] == "=":
        _, name, position = parser.tokens[0]
        if name in functions() or name in ALIASES:
            raise ExpressionError(Message("expr.output_is_function", name=name), position)
        parser.i = 2
    tree = parser.expr()
    parser.end(Message("expr.one_equals") if name else Message("expr.only_name_before"))
    for used, position in names(tree):
        if used == name:
            raise ExpressionError(Message("expr.output_is_input", name=name), position)
    return name, tree


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
    """Build the Value of `tree`, with `variables` for the names and `CONSTANTS`
    for pi and e when `variables` does not have them (a float if no name is a
    variable). Iterative, so a long chain such as a + a + ... + a needs no
    recursion."""
    results: list[Value | float] = []
    stack = [(tree, False)]
    while stack:
        node, ready = stack.pop()
        kind, pos = node[0], node[1]
        if kind == "number":
            results.append(node[2])
        elif kind == "name":
            if node[2] in variables:
                results.append(variables[node[2]])
            elif node[2] in CONSTANTS:
                results.append(CONSTANTS[node[2]])
            else:
                raise ExpressionError(Message("expr.no_value", name=node[2]), pos)
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
