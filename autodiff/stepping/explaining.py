"""Each step of backpropagation in words: the sentences a teacher says.

A backward step at a node v (the operation v = f(a₁, …, aₖ)) is three things,
in the notation of docs/explanation/notation.md (u a unit's total input, z its output,
δ = ∂E/∂u):

* what v's gradient means: ∂E/∂v says how much E changes when v changes;
* where v is used by several operations c₁ … cₘ, that its gradient is their
  sum, ∂E/∂v = Σⱼ ∂E/∂cⱼ · ∂cⱼ/∂v: the δ recursion's Σ, δⱼ = Σₖ wₖⱼ δₖ f′(uⱼ);
* the chain rule: each input a receives ∂E/∂v times the local partial
  ∂v/∂a (∂E/∂a = ∂v/∂a × ∂E/∂v: the step's lines show each with the
  primitive's derivative formula and its number), which is one part of a's
  own sum when a is used by several operations.

The functions here only put the Stepper's data (names, formulas, numbers)
into the words of `autodiff.notation.messages`; they compute nothing. Each returns its
sentences as (catalogue key, fields) pairs, which `words` puts into text:
the HTML player sends the pairs and fills the templates in the page.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from autodiff.notation.messages import say

Sentence = tuple[str, dict[str, object]]
"""A sentence as a catalogue key and the fields of its template."""


@dataclass(frozen=True)
class Passed:
    """An input a backward step passes a part of the gradient to: its `name`,
    the operations that use it (`users`), its gradient's sum after this step
    (`total`) and whether this was the sum's last part (`complete`)."""

    name: str
    users: tuple[str, ...]
    total: str
    complete: bool


def gradient_name(root: str, name: str, delta: str | None = None) -> str:
    """∂E/∂t1, or at a total input u its δ: "δ₁⁽²⁾ = ∂E/∂u₁⁽²⁾"."""
    partial = f"∂{root}/∂{name}"
    return f"{delta} = {partial}" if delta else partial


def sum_formula(root: str, name: str, users: Sequence[str]) -> str:
    """∂E/∂v = ∂E/∂c₁ · ∂c₁/∂v + ∂E/∂c₂ · ∂c₂/∂v: a gradient as the sum over the
    operations that use v."""
    terms = " + ".join(f"∂{root}/∂{c} · ∂{c}/∂{name}" for c in users)
    return f"∂{root}/∂{name} = {terms}"


def words(lang: str, sentences: Sequence[Sentence]) -> str:
    """The sentences as text in `lang`, a line each."""
    return "\n".join(say(lang, key, **fields) for key, fields in sentences)


def explain_seed(root: str) -> list[Sentence]:
    return [("explain.seed", {"root": root})]


def explain_forward(name: str, expression: str | None) -> list[Sentence]:
    """A forward step: an input is given, an operation computed from known values."""
    if expression is None:
        return [("explain.input", {"name": name})]
    return [("explain.forward", {"name": name})]


def explain_backward(*, root: str, name: str, delta: str | None, value: str,
                     expression: str | None, users: Sequence[str],
                     passed: Sequence[Passed]) -> list[Sentence]:
    """A backward step at `name` (gradient `value`; `delta` its δ name at a total
    input u), used by the operations `users`, passing `passed` to its inputs."""
    gradient = gradient_name(root, name, delta)
    sentences: list[Sentence] = []
    if name != root:
        sentences.append(("explain.meaning", {"gradient": gradient, "value": value,
                                              "root": root, "name": name}))
    if len(users) > 1:
        sentences.append(("explain.sum", {"name": name, "count": len(users),
                                          "sum": sum_formula(root, name, users)}))
    if expression is None or not passed:
        return [*sentences, ("explain.leaf", {"name": name})]
    sentences.append(("explain.chain", {"name": name, "root": root,
                                        "gradient": delta or f"∂{root}/∂{name}"}))
    for part in passed:
        if len(part.users) > 1:
            key = "explain.complete" if part.complete else "explain.partial"
            sentences.append((key, {"name": part.name, "count": len(part.users),
                                    "sum": sum_formula(root, part.name, part.users),
                                    "total": part.total}))
    return sentences
