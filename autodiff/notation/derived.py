"""A derivative's tree (autodiff.calculus.symbolic) written as the formulas write it.

`formula_text(term, shown)` prints ∂out/∂a of a primitive without a
hand-written `formula`: a softsign's `1 / (1 + abs(a)) ** 2` is `1/(1 + |x|)²`,
with the operands' names from `shown` and each primitive in its own notation
(`write`). x·x is x², `where(c, 1, 0)` the Iverson bracket [c].
"""

from __future__ import annotations

from collections.abc import Callable, Mapping

from autodiff.calculus.symbolic import Symbol, Term

SUM, PRODUCT, NEGATION, POWER, ATOM = range(1, 6)
_SIGNS = {"+": " + ", "-": " − ", "*": "·", "/": "/", "<": " < ", "<=": " ≤ ", ">": " > ",
          ">=": " ≥ ", "==": " = "}
_LEVEL = {"+": SUM, "-": SUM, "*": PRODUCT, "/": PRODUCT}
_SUPERSCRIPTS = str.maketrans("0123456789", "⁰¹²³⁴⁵⁶⁷⁸⁹")


def number_text(x: float) -> str:
    """A number as a formula writes it: 1, −1, 0.5."""
    return format(float(x), "g").replace("-", "−").replace("inf", "∞")


def formula_text(term: Term, shown: Mapping[str, str],
                 write: Callable[..., str]) -> str:
    """term as text, operand names replaced by `shown` ("a" → "w1"), primitives
    written by `write(prim, *operand_texts)`."""
    return _text(term, shown, write)[0]


def _text(term: Term, shown: Mapping[str, str], write: Callable[..., str]) -> tuple[str, int]:
    if not isinstance(term, Symbol):
        text = number_text(term)
        return text, NEGATION if text.startswith("−") else ATOM
    op, args = term.op, term.args

    def inner(t: Term, needed: int) -> str:
        text, level = _text(t, shown, write)
        return text if level >= needed else f"({text})"

    if op == "name":
        text = shown.get(args[0], args[0])
        return text, NEGATION if text.startswith("−") else ATOM
    if op == "neg":
        return f"−{inner(args[0], POWER)}", NEGATION
    if op == "apply":
        assert term.primitive is not None
        # an operand in brackets of its own, as in f(a) or |a|, needs no more
        form = write(term.primitive, *(f"\0{k}\0" for k in range(len(args))))
        return write(term.primitive, *(
            inner(t, 0 if f"(\0{k}\0)" in form or f"|\0{k}\0|" in form else ATOM)
            for k, t in enumerate(args))), ATOM
    if op == "where":
        condition, then, otherwise = args
        if then == 1.0 and otherwise == 0.0 and not isinstance(then, Symbol):
            return f"[{_text(condition, shown, write)[0]}]", ATOM
        return (f"({_text(then, shown, write)[0]} if {_text(condition, shown, write)[0]}, "
                f"else {_text(otherwise, shown, write)[0]})"), ATOM
    a, b = args
    if op == "*" and isinstance(a, Symbol) and a.op == "name" and isinstance(b, Symbol) \
            and b.op == "name" and a.args == b.args:
        return f"{inner(a, ATOM)}²", POWER
    if op == "**":
        if not isinstance(b, Symbol) and float(b).is_integer() and 0 <= b < 10:
            return f"{inner(a, ATOM)}{str(int(b)).translate(_SUPERSCRIPTS)}", POWER
        return f"{inner(a, ATOM)}^{inner(b, ATOM)}", POWER
    if op in _LEVEL:
        level = _LEVEL[op]
        return f"{inner(a, level)}{_SIGNS[op]}{inner(b, level + 1)}", level
    return f"{inner(a, SUM)}{_SIGNS[op]}{inner(b, SUM)}", 0
