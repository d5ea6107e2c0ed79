"""Backpropagation one chain-rule step at a time.

`Stepper(root)` lists the forward pass in creation (topological) order,
"t1 = w × x = 0.5", then the backward pass in reverse topological order, one
step per operation n: for each input i of n,

    i.grad += ∂n/∂i × n.grad

with the local derivative's formula and value and the running sum. Names are
written as the pictures write them: the notes' notation with Unicode sub- and
superscripts (u₁⁽²⁾), a node of one sample among several with its sample
(u₁⁽²⁾[n=2], `autodiff.drawing.networks.samples`), and the gradient at a unit's
pre-activation u_j^(l) as δ_j^(l) (δ₁⁽²⁾), as docs/explanation/notation.md defines it. It keeps
its own gradients (the graph's `.grad` are not touched) and ends with exactly
the numbers `root.backward()` gives.

`stepper.frame(k)` draws the graph as it is after step k: values and gradients
known so far, unlabelled nodes named as in the steps (t1, t2, ...), the active
node highlighted and, in a backward step, its receivers (the inputs whose
gradient the step changes) and their edges in a second colour;
`stepper.layout_frame()` holds every number at its widest, to lay the graph
out once for all frames (as `autodiff.stepping.frames` does for the widget, the HTML
player and the GIF: `stepper.save_html(path)`, `stepper.save_gif(path)`, and
the Beamer slides, `stepper.save_beamer(path)`).

`Stepper(root, tangents={x: 1.0})` steps through forward mode instead: one
step per node in topological order, its value and its tangent together,

    ṅ = Σ_i ∂n/∂a_i · ȧ_i

from the tangents of the inputs given (every other leaf's is 0), so the
frames show the tangents filling in from the inputs towards the root (Baydin
et al.'s forward tangent trace). Its numbers are the forward sweep's
(`autodiff.calculus.forward.Linearization`); the graph's `.grad` are not touched.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from collections.abc import Callable, Mapping
from dataclasses import replace
from numbers import Real
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

from autodiff.calculus.forward import Linearization
from autodiff.core import Value, reverse_sweep, topological_order
from autodiff.core import receivers as receiving  # not Stepper.receivers: other nodes
from autodiff.drawing.networks import samples
from autodiff.notation import Shown, derivative_texts, write
from autodiff.notation.messages import check_lang, say
from autodiff.notation.typeset import (
    check_notes,
    check_number_format,
    delta_label,
    format_number,
    sample_mark,
    unicode_label,
)
from autodiff.stepping.explaining import (
    Passed,
    Sentence,
    explain_backward,
    explain_forward,
    explain_seed,
    words,
)
from autodiff.stepping.records import Step

if TYPE_CHECKING:
    from autodiff.drawing.graph import Diagram
    from autodiff.stepping.player import Player


class Stepper:
    """The forward and backward passes of `root`'s graph as a list of steps.

    The texts come from each primitive's record: its `notation` for the forward
    step ("t1 = w × x"), its `formula` for each local derivative ("∂t1/∂w = x").
    The backward steps watch the sweep `backward()` runs (`reverse_sweep`), so
    their numbers are exactly `backward()`'s."""

    def __init__(self, root: Value, *, number_format: str = ".4g",
                 tangents: Mapping[Value, float] | None = None,
                 notes: Mapping[Value, str] | None = None, lang: str = "en") -> None:
        if not isinstance(root, Value):
            raise TypeError(f"Stepper() needs a Value, got {type(root).__name__}")
        self.lang = check_lang(lang)
        """The language of the texts, explanations, captions and controls ("en", "ja")."""
        self.notes: Mapping[Value, str] = check_notes(notes)
        """Text for some nodes (a failed gradcheck's wrong node): written in their
        box in every frame and under their backward step."""
        self._fmt = self.number_format = check_number_format(number_format)
        self.root = root
        self.nodes = topological_order(root)
        self.names, self._deltas = _names(self.nodes)
        self.users: dict[Value, list[Value]] = {v: [] for v in self.nodes}
        """The operations that use each node (each once), in creation order."""
        for v in self.nodes:
            for x in dict.fromkeys(v.inputs):
                self.users[x].append(v)
        self.mode = "reverse" if tangents is None else "forward"
        self.gradients: dict[Value, float] = {}
        self.tangents: dict[Value, float] = {}
        """Forward mode: every node's tangent (0 where it depends on no tangent given)."""
        self.steps: list[Step] = []
        self._updates: list[tuple[tuple[Value, float], ...]] = []  # per backward/tangent step
        self._widest_texts: dict[tuple[Value, str], str] | None = None
        if tangents is None:
            self._forward_steps()
            self._backward_steps()
        else:
            self._tangent_steps(tangents)

    def __len__(self) -> int:
        return len(self.steps)

    def __getitem__(self, k: int) -> Step:
        return self.steps[k]

    SUMMARY_STEPS = 60
    """The most steps `str(stepper)` lists (then the first half of them and a count)."""

    def __str__(self) -> str:
        """The steps, pass by pass, each with its explanation: what `print(stepper)` shows."""
        root = self.names[self.root]
        forward = sum(s.kind == "forward" for s in self.steps)
        head = (say(self.lang, "summary.head", root=root, n=len(self), forward=forward,
                    backward=len(self) - forward) if self.mode == "reverse"
                else say(self.lang, "summary.head_forward", root=root, n=len(self)))
        lines = [head]
        shown = (self.steps if len(self) <= self.SUMMARY_STEPS
                 else self.steps[:self.SUMMARY_STEPS // 2])
        kind = ""
        for k, step in enumerate(shown):
            if step.kind != kind:
                kind = step.kind
                lines += ["", f"{say(self.lang, f'pass.{kind}')}:"]
            lines.append(f"{k + 1:>3}. " + step.text.replace("\n", "\n     "))
            if step.explanation:
                lines += [f"     {line}" for line in step.explanation.splitlines()]
        if len(shown) < len(self):
            lines += ["", say(self.lang, "summary.more", count=len(self) - len(shown))]
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<Stepper of {self.names[self.root]}: {len(self)} steps, {self.mode} mode>"

    def caption(self, k: int) -> str:
        """'step 12 of 17 · backward pass': the one number the reader sees at step k."""
        kind = say(self.lang, f"pass.{self._step(k).kind}")
        return say(self.lang, "caption", k=k + 1, n=len(self), kind=kind)

    def _n(self, x: float) -> str:
        return format_number(x, self._fmt)

    def _shown(self, v: Value) -> list[Shown]:
        """v's operands as the steps write them: names, and numbers for constants."""
        return [Shown(self.names[a]) if isinstance(a, Value) else Shown(self._n(a), a)
                for a in v.args]

    def _expression(self, v: Value) -> str:
        return write(v.primitive, *self._shown(v))  # type: ignore[arg-type]

    def expression(self, v: Value) -> str:
        """The operation that made v over its operands' names ("w × x")."""
        return self._expression(v)

    def numeric_expression(self, v: Value) -> str:
        """The operation that made v over its operands' values ("0.5 × 1"; a
        negative number in parentheses, "(-0.3775)^2")."""
        numbers = [a.data if isinstance(a, Value) else a for a in v.args]
        shown = [Shown(f"({self._n(x)})" if x < 0 else self._n(x)) for x in numbers]
        return write(v.primitive, *shown)  # type: ignore[arg-type]

    def _value_text(self, v: Value) -> str:
        if v.primitive is not None:
            return f"{self.names[v]} = {self._expression(v)} = {self._n(v.data)}"
        return say(self.lang, "step.input", name=self.names[v], value=self._n(v.data))

    def _forward_steps(self) -> None:
        for v in self.nodes:
            expression = self._expression(v) if v.primitive is not None else None
            self._add(Step("forward", v, self._value_text(v)),
                      explain_forward(self.names[v], expression))

    def _tangent_steps(self, seeds: Mapping[Value, float]) -> None:
        """Forward mode: each node's value and tangent, inputs first."""
        if not isinstance(seeds, Mapping):
            raise TypeError(f"tangents must be a mapping input Value -> number, got "
                            f"{type(seeds).__name__}")
        inside = set(self.nodes)
        for x, t in seeds.items():
            if not isinstance(x, Value) or x not in inside:
                raise ValueError(f"tangents: {x!r} is not a node of this graph")
            if isinstance(t, bool) or not isinstance(t, Real):
                raise TypeError(f"tangents: the tangent of {self.names[x]} must be a number, got "
                                f"{type(t).__name__}")
        inputs = list(seeds)
        swept = Linearization([self.root], inputs).node_tangents([seeds[x] for x in inputs])
        self.tangents = {v: swept.get(v, 0.0) for v in self.nodes}
        for v in self.nodes:
            t = self.tangents[v]
            line = f"  {_dotted(self.names[v])} = {self._n(t)}"
            if v.primitive is not None and v not in seeds and v in swept:
                terms = [f"({local})·{self._n(self.tangents[x])}"
                         for x, _, local in self.local_derivatives(v)]
                rule = " + ".join(f"∂{self.names[v]}/∂{self.names[x]}·{_dotted(self.names[x])}"
                                  for x in v.inputs)
                line = (f"  {_dotted(self.names[v])} = {rule} = {' + '.join(terms)}"
                        f" = {self._n(t)}")
            elif v.primitive is not None and v not in seeds:
                line += say(self.lang, "step.no_tangent")
            expression = self._expression(v) if v.primitive is not None else None
            sentences = explain_forward(self.names[v], expression)
            if v.primitive is not None and v not in seeds and v in swept:
                sentences.append(("explain.tangent", {"name": self.names[v],
                                                      "value": self._n(t)}))
            self._add(Step("forward", v, f"{self._value_text(v)}\n{line}"), sentences)
            self._updates.append(((v, t),))

    def local_derivatives(self, v: Value) -> list[tuple[Value, float, str]]:
        """Per Value operand x of v (the operation that made it): x, ∂v/∂x and how
        the steps write it, the formula of v's primitive and its number where they
        differ ("2·t2 = -0.7551", but "1")."""
        name = self.names[v]
        texts = derivative_texts(v.primitive, name, *self._shown(v))  # type: ignore[arg-type]
        formulas = [texts[i] for i in receiving(v)]  # the Value operands' texts
        return [(x, d, f if f.replace("−", "-") == self._n(d) else f"{f} = {self._n(d)}")
                for x, d, f in zip(v.inputs, v.partials(), formulas, strict=True)]

    @property
    def delta_names(self) -> Mapping[Value, str]:
        """The δ name of the gradient at each total input u (δ₁⁽²⁾ at u₁⁽²⁾)."""
        return self._deltas

    def gradient_name(self, v: Value) -> str:
        """How the explanations write v's gradient: ∂E/∂t1, or δ₁⁽²⁾ at u₁⁽²⁾."""
        return self._deltas.get(v) or f"∂{self.names[self.root]}/∂{self.names[v]}"

    def _grad(self, v: Value) -> str:
        """How the steps write v's gradient: 'δ₁⁽²⁾' at u₁⁽²⁾, else 't3.grad'."""
        return self._deltas.get(v) or f"{self.names[v]}.grad"

    def _sum(self, a: float, b: float) -> str:
        """'0 + 0.5', '0 − 0.3775': a sum with the sign of b written out."""
        return f"{self._n(a)} − {self._n(-b)}" if b < 0 else f"{self._n(a)} + {self._n(b)}"

    def _add(self, step: Step, sentences: list[Sentence]) -> None:
        """Append `step` with its explanation, in the stepper's language."""
        self.steps.append(replace(step, explanation=words(self.lang, sentences),
                                  sentences=tuple(sentences)))

    def _backward_steps(self) -> None:
        root_name = self.names[self.root]
        running = {v: 0.0 for v in self.nodes}
        running[self.root] = 1.0
        arrived: dict[Value, set[Value]] = {v: set() for v in self.nodes}  # users stepped
        self._add(Step("backward", self.root, say(self.lang, "step.seed", root=root_name)),
                  explain_seed(root_name))
        self._updates.append(((self.root, 1.0),))

        def watch(v: Value, adjoint: Callable[[Value], float]) -> None:
            name, g = self.names[v], adjoint(v)
            gradient = f"∂{root_name}/∂{name}"
            if (delta := self._deltas.get(v)) is not None:
                gradient = f"{delta} = {gradient}"
            lines = [say(self.lang, "step.at", name=name, expression=self._expression(v),
                         gradient=gradient, value=self._n(g))]
            passed = []
            operands = Counter(v.inputs)  # x*x: x's part is complete after its last operand
            for x, d, local in self.local_derivatives(v):
                operands[x] -= 1
                before = running[x]
                running[x] = before + d * g
                lines.append(
                    f"  {self._grad(x)} += ∂{name}/∂{self.names[x]} × {self._grad(v)}"
                    f" = ({local}) × {self._n(g)}  →  {self._sum(before, d * g)}"
                    f" = {self._n(running[x])}")
                arrived[x].add(v)
                passed.append(Passed(
                    self.names[x], tuple(self.names[c] for c in self.users[x]),
                    self._n(running[x]), not operands[x] and len(arrived[x]) == len(self.users[x])))
            sentences = explain_backward(
                root=root_name, name=name, delta=self._deltas.get(v),
                value=self._n(g), expression=self._expression(v),
                users=[self.names[c] for c in self.users[v]], passed=passed)
            if v in self.notes:
                lines += [f"  {'⚠' if i == 0 else ' '} {line}"
                          for i, line in enumerate(self.notes[v].splitlines())]
            for x in v.inputs:
                running[x] = adjoint(x)  # the sweep's own number, for the next steps
            self._add(Step("backward", v, "\n".join(lines)), sentences)
            self._updates.append(tuple((x, adjoint(x)) for x in dict.fromkeys(v.inputs)))

        self.gradients = reverse_sweep(self.root, after_step=watch)

    # -- frames -------------------------------------------------------------

    def _step(self, k: int) -> Step:
        """Step k, or IndexError naming the steps there are."""
        if not 0 <= k < len(self.steps):
            raise IndexError(f"step {k} out of range: this stepper has {len(self.steps)} steps")
        return self.steps[k]

    def changes(self, k: int) -> tuple[tuple[Value, str, float], ...]:
        """What step k makes known, as (node, "data" or "grad", number): a
        forward step its node's value (and in forward mode its tangent, in the
        "grad" place); a backward step the gradients it changes (the seed: the
        root's 1). The frames are these changes applied in order (`known`)."""
        step = self._step(k)
        backward = k - len(self.nodes) if self.mode == "reverse" else k
        made = ((step.node, "data", step.node.data),) if step.kind == "forward" else ()
        grads = tuple((x, "grad", g) for x, g in self._updates[backward]) if backward >= 0 else ()
        return made + grads

    def known(self, k: int) -> tuple[set[Value], dict[Value, float], Value]:
        """After step k: the nodes whose value is known, the gradients known so
        far, and the active node (`changes` of steps 0 … k)."""
        values: set[Value] = set()
        grads: dict[Value, float] = {}
        for j in range(k + 1):
            for v, field, number in self.changes(j):
                if field == "data":
                    values.add(v)
                else:
                    grads[v] = number
        return values, grads, self._step(k).node

    def receivers(self, k: int) -> tuple[Value, ...]:
        """The nodes whose gradient step k changes: the inputs of the operation
        a backward step passes its gradient through (each once); none in the
        forward pass and at the seed."""
        step = self._step(k)
        if step.kind == "forward" or k == len(self.nodes):
            return ()
        return tuple(dict.fromkeys(step.node.inputs))

    def frame(self, k: int, **draw_options) -> Diagram:
        """The diagram after step k (see `autodiff.draw` for the options). Every
        frame has the same nodes and every number is padded to the widest text
        it takes in any frame, so frames keep (nearly) the same layout; pass
        `sizes=node_sizes(stepper.layout_frame())` (autodiff.drawing) to fix
        every box's size, and the layout is exactly the same in every frame.
        Unlabelled nodes show the steps' names (`self.names`); the active node
        is highlighted and its `receivers(k)` drawn in a second colour."""
        from autodiff.drawing.graph import draw_frame

        values, grads, active = self.known(k)
        width = self._widths()

        def text(v: Value, field: str) -> str:
            known = v in values if field == "data" else v in grads
            if not known:
                return "?".center(width[v, field])
            number = v.data if field == "data" else grads[v]
            return self._n(number).ljust(width[v, field])

        return draw_frame([self.root], text=text, highlight=[active], receivers=self.receivers(k),
                          grad_title=self._grad_title,
                          **{"names": self.names, "notes": self.notes, "lang": self.lang,
                             **draw_options})

    def layout_frame(self, **draw_options) -> Diagram:
        """A diagram whose every number shows its widest text over all frames:
        lay it out once, and every frame fits in its boxes."""
        from autodiff.drawing.graph import draw_frame

        widest = self._widest()
        return draw_frame([self.root], text=lambda v, field: widest[v, field],
                          grad_title=self._grad_title,
                          **{"names": self.names, "notes": self.notes, "lang": self.lang,
                             **draw_options})

    # -- leaving the kernel ---------------------------------------------------

    def player(self, *, interval_ms: int = 800, title: str | None = None,
               **draw_options) -> Player:
        """The steps as a self-contained HTML player (`autodiff.stepping.player`): shown
        as a notebook output, `.save(path)` writes it as a page."""
        from autodiff.stepping.frames import Frames
        from autodiff.stepping.player import Player

        return Player(Frames(self, **draw_options), interval_ms=interval_ms, title=title)

    def save_html(self, path: str | PathLike[str], *, interval_ms: int = 800,
                  title: str | None = None, **draw_options) -> Path:
        """Write the HTML player to `path` (.html): one file, no network, no
        kernel; play, previous, next and a slider; it fits the window's width."""
        return self.player(interval_ms=interval_ms, title=title, **draw_options).save(path)

    def save_gif(self, path: str | PathLike[str], *, interval_ms: int = 1200,
                 hold_ms: int = 3000, dpi: float | None = None, **draw_options) -> Path:
        """Write the steps to `path` (.gif) as a looping animation, each frame
        with its step text, at `dpi` dots per inch (96 by default; 200 for a
        slide) (`autodiff.stepping.animation`; needs Pillow, the `gif` extra)."""
        from autodiff.stepping.animation import save_gif
        from autodiff.stepping.frames import Frames

        return save_gif(Frames(self, **draw_options), path, interval_ms=interval_ms,
                        hold_ms=hold_ms, dpi=dpi)

    def save_beamer(self, path: str | PathLike[str], *, engine: str = "auto",
                    title: str | None = None, **draw_options) -> Path:
        """Write the steps to `path` (.tex) as Beamer slides, one overlay (one
        PDF page) per step with its picture and text (`autodiff.stepping.slides`;
        `engine` "auto", "pdflatex" or "lualatex" for Japanese labels)."""
        from autodiff.stepping.slides import save_beamer

        return save_beamer(self, path, engine=engine, title=title, **draw_options)

    def _widest(self) -> dict[tuple[Value, str], str]:
        if self._widest_texts is None:
            widest = {(v, "data"): self._n(v.data) for v in self.nodes}
            widest |= {(v, "grad"): "?" for v in self.nodes}
            for updates in self._updates:
                for x, g in updates:
                    widest[x, "grad"] = max(self._n(g), widest[x, "grad"], key=len)
            self._widest_texts = widest
        return self._widest_texts

    @property
    def _grad_title(self) -> str | None:
        """What the diagrams call the number under a node's value: its tangent in
        forward mode (its gradient otherwise, the diagrams' default)."""
        return say(self.lang, "diagram.tangent") if self.mode == "forward" else None

    def _widths(self) -> dict[tuple[Value, str], int]:
        return {key: len(text) for key, text in self._widest().items()}


def _dotted(name: str) -> str:
    """The tangent's name: a dot over the first letter (ẋ1, ṫ3, Ė), precomposed
    where Unicode has the letter."""
    return unicodedata.normalize("NFC", name[:1] + "\u0307") + name[1:]


def _names(nodes: list[Value]) -> tuple[dict[Value, str], dict[Value, str]]:
    """Each node's name in the steps, and the name of the gradient at each u
    node. Labels where given, in the notes' notation written as the pictures
    write it (u₁⁽²⁾, and u₁⁽²⁾[n=2] where one network's samples share a
    label); else t1, t2, ... in creation order (leaves: v1, v2, ...)."""
    names: dict[Value, str] = {}
    deltas: dict[Value, str] = {}
    t, leaf = 0, 0
    used = {v.label for v in nodes if v.label}
    sample = samples(nodes)
    for v in nodes:
        if v.label:
            mark = sample_mark(sample[v]) if v in sample else ""
            names[v] = unicode_label(v.label) + mark
            if (delta := delta_label(v.label)) is not None:
                deltas[v] = unicode_label(delta) + mark
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
    return names, deltas
