"""Python expressions with placeholders, as a primitive's `Code` writes them.

A `Template` is one expression of a Code ("{a} * {b}", "{g} if {out} > 0.0 else
0.0"), parsed once: the compiler fills its placeholders with the source of
operands (names, numbers, whole inlined expressions) and needs to know where
those must be parenthesised. `Expr` is such a piece of source with the
precedence of its outermost operator (Python's, as in the language
reference), so `a + b` written into `{a} * {b}` becomes `(a + b) * b`, and a
sum of products stays without parentheses.
"""

from __future__ import annotations

import ast
import re
import string
from collections.abc import Callable, Iterable, Sequence
from typing import Any, NamedTuple

from autodiff.notation import operand_names

# Python's operator precedence, lowest first (as in the language reference)
TEST, OR, AND, NOT, COMPARE, BOR, BXOR, BAND, SHIFT, ARITH, TERM, FACTOR, POWER, AWAIT, ATOM = (
    range(1, 16))
_BINARY = {ast.BitOr: BOR, ast.BitXor: BXOR, ast.BitAnd: BAND, ast.LShift: SHIFT,
           ast.RShift: SHIFT, ast.Add: ARITH, ast.Sub: ARITH, ast.Mult: TERM, ast.Div: TERM,
           ast.FloorDiv: TERM, ast.Mod: TERM, ast.MatMult: TERM, ast.Pow: POWER}


class Expr(NamedTuple):
    """Python source of a number, with the precedence of its outermost operator and
    the number of primitives written into it."""

    text: str
    precedence: int = ATOM
    size: int = 0

    def within(self, needed: int) -> str:
        return self.text if self.precedence >= needed else f"({self.text})"


def _precedence(node: ast.expr) -> int:
    if isinstance(node, ast.IfExp | ast.Lambda):
        return TEST
    if isinstance(node, ast.BoolOp):
        return OR if isinstance(node.op, ast.Or) else AND
    if isinstance(node, ast.UnaryOp):
        return NOT if isinstance(node.op, ast.Not) else FACTOR
    if isinstance(node, ast.Compare):
        return COMPARE
    if isinstance(node, ast.BinOp):
        return _BINARY[type(node.op)]
    if isinstance(node, ast.Await):
        return AWAIT
    if isinstance(node, ast.NamedExpr | ast.Tuple | ast.Starred | ast.Yield):
        return 0
    return ATOM


def _needs(parent: ast.expr, child: ast.expr) -> int:
    """The precedence an expression needs to stand, unparenthesised, where child is:
    its operator's own, one more where the operand binds tighter (the right operand
    of a left-associative operator, the base of **, ...); the lowest in a call's
    arguments and in a display."""
    if isinstance(parent, ast.Call):
        return ATOM if child is parent.func else TEST
    if isinstance(parent, ast.Subscript):
        return ATOM if child is parent.value else TEST
    if isinstance(parent, ast.Tuple | ast.List | ast.Set | ast.keyword):
        return TEST
    own = _precedence(parent)
    if isinstance(parent, ast.BinOp):
        if isinstance(parent.op, ast.Pow):  # right-associative; the exponent may be -x
            return own + 1 if child is parent.left else FACTOR
        return own if child is parent.left else own + 1
    if isinstance(parent, ast.UnaryOp):
        return own
    if isinstance(parent, ast.IfExp):
        return own if child is parent.orelse else own + 1
    if isinstance(parent, ast.BoolOp | ast.Compare):
        return own + 1
    return ATOM


Filler = Callable[[Sequence[Expr], Any, Any], Expr]
"""A template's fill as a function of the operands' parts, {out}'s and {g}'s."""


class Template:
    """One expression of a `Code`, parsed once: its precedence, and the precedence
    each placeholder needs where it stands."""

    def __init__(self, text: str) -> None:
        pieces = list(string.Formatter().parse(text))
        fields = [f for _, f, _, _ in pieces if f is not None]  # each occurrence, in order
        self.counts: dict[str, int] = {}
        for f in fields:
            self.counts[f] = self.counts.get(f, 0) + 1
        tree = _parse(text, self.counts).body
        self.precedence = _precedence(tree)
        occurrences = sorted(
            ((child.col_offset, _needs(parent, child))  # type: ignore[arg-type]
             for parent in ast.walk(tree) for child in ast.iter_child_nodes(parent)
             if isinstance(child, ast.Name) and child.id.startswith("__")),
            key=lambda item: item[0])
        needs = [need for _, need in occurrences]
        # a branch or arithmetic on an operand alone (pow's derivative) reads better with a
        # number operand worked out: "2.0 * t2 ** 1.0", not "0.0 if 2.0 == 0.0 else ..."
        self.foldable = any(isinstance(node, ast.IfExp | ast.Compare) for node in ast.walk(tree))
        self.identity = (fields[0] if len(self.counts) == 1
                         and text.strip() == "{" + fields[0] + "}" else None)
        self.head = pieces[0][0] if pieces else ""
        literals = [literal for literal, _, _, _ in pieces[1:]] + [""]
        self.rest: list[tuple[str, int, str]] = [  # (placeholder, precedence needed, text after)
            (f, needs[k] if k < len(needs) else ATOM, literals[k]) for k, f in enumerate(fields)]
        self.filled = self._filler()

    def fill(self, parts: dict[str, Expr]) -> Expr:
        if self.identity is not None:
            return parts[self.identity]  # "{g}": the part itself
        out = [self.head]
        size = 1
        for f, needed, after in self.rest:
            part = parts[f]
            out.append(part.text if part.precedence >= needed else f"({part.text})")
            out.append(after)
            size += part.size
        text = "".join(out)
        if self.foldable and any(_number(part.text) for part in parts.values()):
            return folded(text, size)
        return Expr(text, self.precedence, size)

    def _filler(self) -> Filler:
        """`fill` written out for this template, once: a function of the operands
        (a list, {a} first), {out} and {g}, without a dict per call; a writer
        calls it at every node."""
        if self.identity is not None:
            return _pick(self.identity)
        if len(self.rest) > WRITTEN_OUT:  # log_sum_exp of 1,000 operands: `fill` itself
            return self._by_fill
        names = {f: (f"P[{_position(f)}]" if f not in ("out", "g") else f)
                 for f in self.counts}
        local = {f: f"_{k}" for k, f in enumerate(self.counts)}
        pieces = [repr(self.head)] if self.head else []
        for f, needed, after in self.rest:
            x = local[f]
            pieces.append(f"({x}.text if {x}.precedence >= {needed} else '(' + {x}.text + ')')")
            if after:
                pieces.append(repr(after))
        sizes = " + ".join(f"{local[f]}.size" for f, _, _ in self.rest)
        body = [*(f"    {local[f]} = {names[f]}" for f in self.counts),
                f"    text = {' + '.join(pieces) or repr('')}",
                f"    size = 1 + {sizes or '0'}"]
        if self.foldable:
            tests = " or ".join(f"number({local[f]}.text)" for f in self.counts)
            body.append(f"    if {tests}:\n        return folded(text, size)")
        body.append(f"    return Expr(text, {self.precedence}, size)")
        source = "def filled(P, out, g):\n" + "\n".join(body) + "\n"
        namespace: dict[str, Any] = {"Expr": Expr, "folded": folded, "number": _number}
        exec(compile(source, "<template>", "exec"), namespace)
        filler: Filler = namespace["filled"]
        return filler

    def _by_fill(self, P: Sequence[Expr], out: Expr, g: Expr) -> Expr:
        return self.fill({f: out if f == "out" else g if f == "g" else P[_position(f)]
                          for f in self.counts})


WRITTEN_OUT = 64
"""The most placeholders a template's filler is written out for (CPython's compiler
recurses once per operator of an expression)."""


def _pick(field: str) -> Filler:
    """The filler of the template "{field}": that part itself."""
    if field == "out":
        return lambda P, out, g: out
    if field == "g":
        return lambda P, out, g: g
    k = _position(field)
    return lambda P, out, g: P[k]


def _position(field: str) -> int:
    """The operand position of a placeholder ({a}: 0, {b}: 1, ..., {x_26}: 25)."""
    if field.startswith("x_") and field[2:].isdigit():
        return int(field[2:]) - 1
    return operand_names(25).index(field)


_NUMBER = re.compile(r"-?\(?-?\d+(\.\d*)?(e[-+]?\d+)?\)?")  # a float's repr, maybe in ( )


def _number(text: str) -> bool:
    return _NUMBER.fullmatch(text) is not None


class _Fold(ast.NodeTransformer):
    """Works out what depends on number literals only, with Python's own float
    operations, so the result is bit for bit what the program would compute."""

    def generic_visit(self, node: ast.AST) -> ast.AST:
        node = super().generic_visit(node)
        if isinstance(node, ast.IfExp) and isinstance(node.test, ast.Constant):
            return node.body if node.test.value else node.orelse
        if isinstance(node, ast.BinOp | ast.UnaryOp | ast.Compare) and all(
                isinstance(child, ast.Constant | ast.operator | ast.unaryop | ast.cmpop)
                for child in ast.iter_child_nodes(node)):
            try:
                expression = ast.fix_missing_locations(ast.Expression(node))
                value = eval(compile(expression, "<fold>", "eval"), {})
            except ArithmeticError:
                return node
            if isinstance(value, bool | float) and value == value:
                return ast.Constant(value)
        return node


class _Signs(ast.NodeTransformer):
    """A negative number as −(its size), which `ast.unparse` parenthesises where needed."""

    def visit_Constant(self, node: ast.Constant) -> ast.AST:
        if isinstance(node.value, float) and str(node.value).startswith("-"):
            return ast.UnaryOp(ast.USub(), ast.Constant(-node.value))
        return node


def folded(text: str, size: int) -> Expr:
    """The expression `text` with its number-only parts worked out."""
    tree = _Signs().visit(_Fold().visit(ast.parse(text, mode="eval")))
    body = ast.fix_missing_locations(tree).body
    return Expr(ast.unparse(body), _precedence(body), size)


def by_operand(parts: Sequence[Expr]) -> dict[str, Expr]:
    """The operands' sources by their placeholders in a Code, {a}, {b}, ... (see
    `autodiff.notation.operand_name`), for `Template.fill`."""
    n = len(parts)
    names = _NAMES.get(n)
    if names is None:
        names = _NAMES[n] = tuple(operand_names(n))
    return dict(zip(names, parts, strict=True))


_NAMES: dict[int, tuple[str, ...]] = {}
"""operand_names(n) by n: a program asks for them at every node."""


def renamed(text: str, renames: dict[str, str]) -> str:
    """The template with the function names in `renames` replaced (where two
    primitives' Codes call different functions by one name)."""
    changed = {old: new for old, new in renames.items() if old != new}
    if not changed:
        return text
    fields = {f for _, f, _, _ in string.Formatter().parse(text) if f is not None}
    tree = _parse(text, fields)
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in changed:
            node.id = changed[node.id]
    out = ast.unparse(tree)
    for f in fields:
        out = out.replace(f"__{f}__", "{" + f + "}")
    return out


def _parse(text: str, fields: Iterable[str]) -> ast.Expression:
    """text parsed as an expression, each placeholder {f} as the name __f__."""
    return ast.parse(text.format(**{f: f"__{f}__" for f in fields}), mode="eval")
