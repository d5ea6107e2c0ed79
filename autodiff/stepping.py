"""Backpropagation one chain-rule step at a time.

`Stepper(root)` lists the forward pass in creation (topological) order,
"t1 = w × x = 0.5", then the backward pass in reverse topological order, one
step per operation n: for each input i of n,

    i.grad += ∂n/∂i × n.grad

with the local derivative's formula and value and the running sum. It keeps
its own gradients (the graph's `.grad` are not touched) and ends with exactly
the numbers `root.backward()` gives. `stepper.frame(k)` draws the graph as it
is after step k: values and gradients known so far, the active node
highlighted; `stepper.layout_frame()` holds every number at its widest, to lay
the graph out once for all frames (as `autodiff.widget` does).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from autodiff.engine import Value, topological_order

if TYPE_CHECKING:
    from autodiff.drawing import Diagram

FORMULAS: dict[str, Sequence[str]] = {
    # per operand: ∂n/∂operand, in the notation of the operation's own text
    "+": ("1", "1"),
    "*": ("{b}", "{a}"),
    "**": ("{b}·{a}^({b} − 1)", "{a}^{b}·ln {a}"),
    "exp": ("exp({a})",),
    "log": ("1/{a}",),
    "tanh": ("1 − tanh²({a})",),
    "sigmoid": ("σ({a})(1 − σ({a}))",),
    "relu": ("[{a} > 0]",),
}
EXPRESSIONS = {
    "+": "{a} + {b}", "*": "{a} × {b}", "**": "{a}^{b}", "exp": "exp({a})", "log": "log({a})",
    "tanh": "tanh({a})", "sigmoid": "σ({a})", "relu": "relu({a})",
}


@dataclass(frozen=True)
class Step:
    """One step: `kind` "forward" or "backward", the `node` it is about, and its
    text (`str(step)`)."""

    kind: str
    node: Value
    text: str

    def __str__(self) -> str:
        return self.text


class Stepper:
    """The forward and backward passes of `root`'s graph as a list of steps."""

    def __init__(self, root: Value, *, number_format: str = ".4g") -> None:
        if not isinstance(root, Value):
            raise TypeError(f"Stepper() needs a Value, got {type(root).__name__}")
        format(1.0, number_format)
        self.root = root
        self.nodes = topological_order(root)
        self._fmt = number_format
        self.names = _names(self.nodes)
        self.gradients: dict[Value, float] = {}
        self.steps: list[Step] = []
        self._updates: list[tuple[tuple[Value, float], ...]] = []  # per backward step
        self._widest_texts: dict[tuple[Value, str], str] | None = None
        self._forward_steps()
        self._backward_steps()

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k: int) -> Step:
        return self.steps[k]

    def _n(self, x: float) -> str:
        return format(x, self._fmt)

    def _forward_steps(self) -> None:
        for v in self.nodes:
            if v.op:
                text = f"{self.names[v]} = {self._expression(v)} = {self._n(v.data)}"
            else:
                text = f"{self.names[v]} = {self._n(v.data)}  (input)"
            self.steps.append(Step("forward", v, text))

    def _sum(self, a: float, b: float) -> str:
        """'0 + 0.5', '0 − 0.3775': a sum with the sign of b written out."""
        return f"{self._n(a)} − {self._n(-b)}" if b < 0 else f"{self._n(a)} + {self._n(b)}"

    def _expression(self, v: Value) -> str:
        args = [self.names[a] if isinstance(a, Value) else self._n(a) for a in v.args]
        return EXPRESSIONS[v.op].format(a=args[0], b=args[1] if len(args) > 1 else "")

    def _backward_steps(self) -> None:
        """The same sweep as `Value.backward()`: same order, same float operations.
        Each step's gradient updates are kept (`_updates`) for the frames."""
        grads = {v: 0.0 for v in self.nodes}
        grads[self.root] = 1.0
        self.steps.append(Step("backward", self.root,
                               f"∂{self.names[self.root]}/∂{self.names[self.root]} = 1  (seed)"))
        self._updates.append(((self.root, 1.0),))
        for v in reversed(self.nodes):
            if not v.op:
                continue
            g = grads[v]
            lines = [f"at {self.names[v]} = {self._expression(v)}, "
                     f"∂{self.names[self.root]}/∂{self.names[v]} = {self._n(g)}:"]
            args = [self.names[a] if isinstance(a, Value) else self._n(a) for a in v.args]
            value_args = [a for a in v.args if isinstance(a, Value)]
            updates = []
            for position, (x, d) in enumerate(zip(v.inputs, v.partials(), strict=True)):
                formula = self._formula(v, position, args, value_args)
                before = grads[x]
                grads[x] = before + d * g
                updates.append((x, grads[x]))
                local = formula if formula == self._n(d) else f"{formula} = {self._n(d)}"
                lines.append(
                    f"  {self.names[x]}.grad += ∂{self.names[v]}/∂{self.names[x]} × "
                    f"{self.names[v]}.grad = ({local}) × {self._n(g)}"
                    f"  →  {self._sum(before, d * g)} = {self._n(grads[x])}"
                )
            self.steps.append(Step("backward", v, "\n".join(lines)))
            self._updates.append(tuple(updates))
        self.gradients = grads

    def _formula(self, v: Value, position: int, args: list[str], value_args: list) -> str:
        op = v.op
        a, b = args[0], args[1] if len(args) > 1 else ""
        if op == "**" and not isinstance(v.args[0], Value):  # c ** x: derivative by x
            return f"{a}^{b}·ln {a}"
        which = position if len(value_args) == 2 else (0 if isinstance(v.args[0], Value) else 1)
        if len(value_args) == 1 and op in ("+", "*"):
            which = 0
            if op == "*":  # x × c: derivative c
                return b if isinstance(v.args[0], Value) else a
        return FORMULAS[op][which].format(a=a, b=b)

    # -- frames -------------------------------------------------------------

    def known(self, k: int) -> tuple[set[Value], dict[Value, float], Value]:
        """After step k: the nodes whose value is known, the gradients known so
        far, and the active node."""
        if not 0 <= k < len(self.steps):
            raise IndexError(f"step {k} out of range: this stepper has {len(self.steps)} steps")
        forward = len(self.nodes)
        active = self.steps[k].node
        if k < forward:
            return set(self.nodes[: k + 1]), {}, active
        grads: dict[Value, float] = {}
        for updates in self._updates[: k - forward + 1]:
            grads.update(updates)
        return set(self.nodes), grads, active

    def frame(self, k: int, **draw_options) -> Diagram:
        """The diagram after step k (see `autodiff.draw` for the options). Every
        frame has the same nodes and every number is padded to the widest text
        it takes in any frame, so frames keep (nearly) the same layout; pass
        `sizes=node_sizes(stepper.layout_frame())` (autodiff.drawing) to fix
        every box's size, and the layout is exactly the same in every frame."""
        from autodiff.drawing import _diagram

        values, grads, active = self.known(k)
        width = self._widths()

        def text(v: Value, field: str) -> str:
            known = v in values if field == "data" else v in grads
            if not known:
                return "?".center(width[v, field])
            number = v.data if field == "data" else grads[v]
            return self._n(number).ljust(width[v, field])

        return _diagram([self.root], text=text, highlight=[active], **draw_options)

    def layout_frame(self, **draw_options) -> Diagram:
        """A diagram whose every number shows its widest text over all frames:
        lay it out once, and every frame fits in its boxes."""
        from autodiff.drawing import _diagram

        widest = self._widest()
        return _diagram([self.root], text=lambda v, field: widest[v, field], **draw_options)

    def _widest(self) -> dict[tuple[Value, str], str]:
        if self._widest_texts is None:
            widest = {(v, "data"): self._n(v.data) for v in self.nodes}
            widest |= {(v, "grad"): "?" for v in self.nodes}
            for updates in self._updates:
                for x, g in updates:
                    widest[x, "grad"] = max(self._n(g), widest[x, "grad"], key=len)
            self._widest_texts = widest
        return self._widest_texts

    def _widths(self) -> dict[tuple[Value, str], int]:
        return {key: len(text) for key, text in self._widest().items()}


def _names(nodes: list[Value]) -> dict[Value, str]:
    """Labels where given, else t1, t2, ... in creation order (leaves: v1, v2, ...)."""
    names, t, leaf = {}, 0, 0
    used = {v.label for v in nodes if v.label}
    for v in nodes:
        if v.label:
            names[v] = v.label
            continue
        while True:
            if v.op:
                t += 1
                candidate = f"t{t}"
            else:
                leaf += 1
                candidate = f"v{leaf}"
            if candidate not in used:
                break
        names[v] = candidate
    return names
