"""What the pictures of the steps read: the `Step` and `Blank` records, and a
Stepper, an Exercise and an Attempt as the pictures see them.

A Stepper opens its pictures (`stepper.save_html`, `stepper.save_beamer`) and an
Exercise its own (`exercise.widget()`, `exercise.sheet()`), so the modules that
draw them (frames, slides, player, animation, sheet, widget) must not import
`Stepper` or `Exercise`, not even for annotations: that would be an import
circle. They are typed against the Protocols here instead, which name exactly
what they read; `Stepper` (autodiff.stepping.stepper), `Exercise` and `Attempt`
(autodiff.stepping.exercise) satisfy them, and the type checker checks it where
they hand themselves over.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

from autodiff.core import Value
from autodiff.stepping.explaining import Sentence

if TYPE_CHECKING:  # drawing is a lower layer: no circle
    from autodiff.drawing.graph import Diagram


@dataclass(frozen=True)
class Step:
    """One step: `kind` "forward" or "backward", the `node` it is about, its
    text (`str(step)`, the arithmetic) and its `explanation` (the same step in
    words, `autodiff.stepping.explaining`), made of its `sentences`."""

    kind: str
    node: Value
    text: str
    explanation: str = ""
    sentences: tuple[Sentence, ...] = ()

    def __str__(self) -> str:
        return self.text


@dataclass(frozen=True)
class Blank:
    """One blank: the `node` and `field` ("data": its value, "grad": its
    gradient), the `step` that makes its number known (the learner sees the
    state after the step before), what it asks (`prompt`:
    "∂E/∂w", "δ₁⁽²⁾", "the value of t1"), the `answer`, the `hint` and the
    `worked` answer."""

    node: Value
    field: str
    step: int
    prompt: str
    answer: float
    hint: str
    worked: str


class Steps(Protocol):
    """A `Stepper` as its pictures read it."""

    @property
    def lang(self) -> str: ...
    @property
    def number_format(self) -> str: ...
    @property
    def root(self) -> Value: ...
    @property
    def names(self) -> dict[Value, str]: ...
    @property
    def gradients(self) -> dict[Value, float]: ...
    @property
    def steps(self) -> list[Step]: ...

    def __len__(self) -> int: ...
    def __getitem__(self, k: int) -> Step: ...
    def caption(self, k: int) -> str: ...
    def changes(self, k: int) -> tuple[tuple[Value, str, float], ...]: ...
    def receivers(self, k: int) -> tuple[Value, ...]: ...
    def frame(self, k: int, **draw_options: Any) -> Diagram: ...
    def layout_frame(self, **draw_options: Any) -> Diagram: ...


class Blanks(Protocol):
    """An `Exercise` as its pictures read it."""

    @property
    def stepper(self) -> Steps: ...
    @property
    def lang(self) -> str: ...
    @property
    def tolerance(self) -> float: ...
    @property
    def blanks(self) -> Sequence[Blank]: ...

    def __len__(self) -> int: ...
    def number_text(self, x: float) -> str: ...
    def instructions(self) -> str: ...
    def attempt(self) -> Attempting: ...


class Attempting(Protocol):
    """An `Attempt` (a learner's way through the blanks) as the widget reads it."""

    @property
    def exercise(self) -> Blanks: ...
    @property
    def position(self) -> int: ...
    @property
    def feedback(self) -> str: ...
    @property
    def done(self) -> bool: ...
    @property
    def blank(self) -> Blank | None: ...
    @property
    def score(self) -> str: ...
    def enter(self, text: str) -> bool | None: ...
    def reveal(self) -> str: ...


__all__ = ["Attempting", "Blank", "Blanks", "Step", "Steps"]
