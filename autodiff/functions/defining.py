"""`primitive()`: define your own operation, and the keywords through which tools take their rules.

A user's primitive is, like a built-in one, a value and its local derivatives
(`autodiff.core.primitive.Primitive`). What a tool adds (a diagram's symbol, a
formula's text, compiled code, where the operation is singular) it keeps in its
own table: a tool registers a keyword (`rule_keyword`), and `primitive(...,
symbol="σ")` hands the value to it, as JAX's transformations keep their rules
per primitive.
"""

from __future__ import annotations

import inspect
import keyword
import threading
from collections.abc import Callable, Sequence
from typing import Any, NamedTuple

from autodiff.core import Primitive, primitives
from autodiff.core.primitive import register


class Rule(NamedTuple):
    """A tool's keyword of `primitive(...)`: `check(name, arity, value)` refuses a bad
    value (TypeError or ValueError) before anything is defined; `record(primitive,
    value)` keeps it in the tool's own table."""

    check: Callable[[str, int | None, Any], None]
    record: Callable[[Primitive, Any], None]


_RULES: dict[str, Rule] = {}
_DEFINING = threading.Lock()  # a primitive's rules and its registration go in together


def rule_keyword(key: str, rule: Rule) -> None:
    """Let `primitive(..., key=value)` hand `value` to a tool (see `Rule`)."""
    _RULES[key] = rule


def primitive(name: str, forward: Callable[..., float], partials: Callable[..., Sequence[Any]],
              *, check_operands: Callable[..., None] | None = None,
              **rules: Any) -> Primitive:
    """Define and register a primitive operation; return it (a callable).

        >>> from autodiff import Value, grad, ops, primitive
        >>> softsign = primitive(
        ...     "softsign", lambda a: a / (1 + abs(a)),
        ...     lambda out, a: (1 / (1 + ops.abs(a)) ** 2,))
        >>> x = Value(1.0, "x")
        >>> y = softsign(x)
        >>> y.backward()
        >>> x.grad
        0.25
        >>> (dx,) = grad(softsign(x), [x], create_graph=True)
        >>> grad(dx, [x])      # the second derivative: from partials in Value mode
        [-0.25]

    `name` must be an identifier (it is how the expression language, `nn`
    activations and saved models name the operation) and must not be a
    built-in's; defining a user primitive under a name again replaces it (as
    re-running a notebook cell does). The number of operands is `forward`'s
    number of positional parameters (any number for `*args`), and `partials`
    must take one more (`out` first); see `Primitive`.

    The tools take further keywords, each kept by the tool that uses it:
    `symbol`, `notation`, `formula` (how diagrams, the Stepper and formulas
    write it; autodiff.notation), `code`, `array_code` (hand-written compiled
    code, autodiff.compiler), `singular_distance` (for autodiff.strategies).
    Formulas and compiled code are derived from `partials` where not given.
    """
    if not isinstance(name, str) or not name.isidentifier() or keyword.iskeyword(name):
        raise ValueError(f"primitive() needs an identifier as name, got {name!r}")
    existing = primitives.get(name)
    if existing is not None and existing.builtin:
        raise ValueError(f"primitive(): {name!r} is a built-in primitive; choose another name")
    for role, fn in (("forward", forward), ("partials", partials)):
        if not callable(fn):
            raise TypeError(f"primitive({name!r}): {role} must be callable, got "
                            f"{type(fn).__name__}")
    if check_operands is not None and not callable(check_operands):
        raise TypeError(f"primitive({name!r}): check_operands must be callable or None")
    arity = _positional_count(forward)
    if arity == 0:
        raise TypeError(f"primitive({name!r}): forward must take at least one operand")
    takes = _positional_count(partials)
    if takes is not None and arity is not None and takes != arity + 1 and takes != -1:
        raise TypeError(f"primitive({name!r}): forward takes {arity} operand"
                        f"{'s' * (arity != 1)}, so partials must take {arity + 1} "
                        f"(out first), not {takes}")
    for key, value in rules.items():
        if key not in _RULES:
            raise TypeError(f"primitive({name!r}): unknown keyword {key}=; the keywords are "
                            f"check_operands, {', '.join(sorted(_RULES))}")
        if value is not None:
            _RULES[key].check(name, arity, value)
    made = Primitive(name, forward, partials, arity, check_operands=check_operands)
    with _DEFINING:
        for key, value in rules.items():
            if value is not None:
                _RULES[key].record(made, value)
        return register(made)


def _positional_count(fn: Callable[..., object]) -> int | None:
    """How many positional parameters fn takes: None for *args, -1 if unknown."""
    try:
        params = inspect.signature(fn).parameters.values()
    except (TypeError, ValueError):
        return -1
    if any(p.kind is p.VAR_POSITIONAL for p in params):
        return None
    return sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD) for p in params)
