"""Backpropagation as an exercise: the learner fills in the blanks, graded at once.

    exercise = Exercise(Stepper(E))                 # every gradient is a blank
    exercise = Exercise(Stepper(E), blanks="values")  # the forward pass's values
    exercise = Exercise(Stepper(E), blanks=[u, w])    # the gradients of chosen nodes
    exercise.save_html("exercise.html")   # one offline file: the player in exercise mode
    exercise.save_sheet("sheet.html")     # the same blanks on paper, with an answer key
    exercise.save_sheet("sheet.tex")      # ... as LaTeX (pdflatex, or LuaLaTeX for Japanese)

The blanks come in the order of the steps: a node's value at the forward step
that computes it, a node's gradient ∂E/∂v at the backward step that completes
it (the step of the last operation that uses v). An entry is right when it is
within a relative error `tolerance` of the exact number, |entry − answer| ≤
tolerance·|answer| (within `tolerance` of 0 for an answer 0); the page says so.
A miss shows the hint: the chain rule for that node in the notes' notation,

    ∂E/∂v = Σ_c ∂c/∂v · ∂E/∂c        (at a total input u: δ = ∂E/∂u)

over the operations c that use v, with the numbers known so far (each
∂c/∂v's formula and value, each ∂E/∂c); "show the answer" gives the worked
answer. The score counts the blanks right at the first try.

`Attempt` is one learner's way through the blanks (`enter`, `reveal`,
`score`); the saved page's script does the same in JavaScript.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from os import PathLike
from pathlib import Path
from typing import TYPE_CHECKING

from autodiff.core import Value
from autodiff.notation.messages import say
from autodiff.notation.typeset import format_number
from autodiff.stepping.records import Blank
from autodiff.stepping.stepper import Stepper

if TYPE_CHECKING:
    from autodiff.stepping.player import Player
    from autodiff.stepping.widget import StepperWidget

TOLERANCE = 0.01
"""The default relative tolerance of an entry: 1 %."""
KINDS = ("gradients", "values", "all")
_NUMBER = re.compile(r"[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?")  # as the page's readNumber


def read_number(text: str) -> float | None:
    """The number a learner typed ("0.25", "-1.5e-3", "−0.3", full-width
    "０．２５"), or None if it is not one."""
    if not isinstance(text, str):
        return None
    typed = unicodedata.normalize("NFKC", text).strip().replace("−", "-").replace("–", "-")
    if not _NUMBER.fullmatch(typed):
        return None
    number = float(typed)
    return number if math.isfinite(number) else None


def is_right(entry: float, answer: float, tolerance: float) -> bool:
    """Whether `entry` is within the relative `tolerance` of `answer` (of 0: absolute)."""
    if answer == 0:
        return abs(entry) <= tolerance
    return abs(entry - answer) <= tolerance * abs(answer)


class Exercise:
    """The blanks of `stepper`'s passes (reverse mode) that a learner fills in:
    `blanks` "gradients" (every gradient but the seed's), "values" (every
    operation's value), "all", or a list of nodes (their gradients) or of
    (node, "data" | "grad") pairs; `tolerance` the relative tolerance."""

    def __init__(self, stepper: Stepper, *,
                 blanks: str | Iterable[Value | tuple[Value, str]] = "gradients",
                 tolerance: float = TOLERANCE) -> None:
        if not isinstance(stepper, Stepper):
            raise TypeError(f"Exercise() needs a Stepper, got {type(stepper).__name__}")
        if stepper.mode != "reverse":
            raise ValueError("an exercise is made from a reverse-mode Stepper (no tangents=)")
        if (isinstance(tolerance, bool) or not isinstance(tolerance, int | float)
                or not 0 < tolerance < 1):
            raise ValueError(f"tolerance must be a number between 0 and 1 (a relative error), "
                             f"got {tolerance!r}")
        self.stepper = stepper
        self.tolerance = float(tolerance)
        self.lang = stepper.lang
        self._step_of = self._steps()
        self.blanks: list[Blank] = sorted(
            (self._blank(v, field) for v, field in self._chosen(blanks)),
            key=lambda b: (b.step, self._step_of[b.node, b.field][1]))

    def __len__(self) -> int:
        return len(self.blanks)

    def _steps(self) -> dict[tuple[Value, str], tuple[int, int]]:
        """Per (node, field): the step that makes its final number known, and the
        number's place in that step (an operand's position)."""
        s = self.stepper
        known: dict[tuple[Value, str], tuple[int, int]] = {}
        for k in range(len(s)):
            for place, (v, field, _) in enumerate(s.changes(k)):
                known[v, field] = (k, place)
        return known

    def _chosen(self, blanks: str | Iterable[Value | tuple[Value, str]]
                ) -> list[tuple[Value, str]]:
        s = self.stepper
        operations = [v for v in s.nodes if v.op]
        gradients = [v for v in s.nodes if v is not s.root and (v, "grad") in self._step_of]
        if isinstance(blanks, str):
            if blanks not in KINDS:
                raise ValueError(f"blanks must be one of {', '.join(map(repr, KINDS))} or a "
                                 f"list of nodes, got {blanks!r}")
            chosen = ([(v, "data") for v in operations] if blanks != "gradients" else [])
            chosen += [(v, "grad") for v in gradients] if blanks != "values" else []
            return chosen
        chosen = []
        for item in blanks:
            v, field = item if isinstance(item, tuple) else (item, "grad")
            if not isinstance(v, Value) or v not in s.names:
                raise ValueError(f"blanks: {v!r:.60} is not a node of this graph")
            if field not in ("data", "grad"):
                raise ValueError(f"blanks: the field of {s.names[v]} must be 'data' or 'grad', "
                                 f"got {field!r}")
            if field == "data" and not v.op:
                raise ValueError(f"blanks: {s.names[v]} is an input: its value is given")
            if field == "grad" and (v is s.root or (v, "grad") not in self._step_of):
                raise ValueError(f"blanks: the gradient of {s.names[v]} is not a step's result")
            chosen.append((v, field))
        if not chosen:
            raise ValueError("blanks: the list is empty; name at least one node")
        return list(dict.fromkeys(chosen))

    def number_text(self, x: float) -> str:
        return format_number(x, self.stepper.number_format)

    def _blank(self, v: Value, field: str) -> Blank:
        s, lang = self.stepper, self.lang
        step = self._step_of[v, field][0]
        name = s.names[v]
        if field == "data":
            expression, operands = s.expression(v), s.numeric_expression(v)
            hint = say(lang, "exercise.hint_value", name=name, expression=expression,
                       worked=f"{name} = {operands}")
            worked = f"{name} = {expression} = {operands} = {self.number_text(v.data)}"
            return Blank(v, field, step, say(lang, "exercise.blank_value", name=name), v.data,
                         hint, worked)
        terms: list[str] = []
        numbers: list[str] = []
        for c in s.users[v]:
            for x, _, local in s.local_derivatives(c):
                if x is v:
                    of = f"({s.expression(c)})" if c is s.root else s.names[c]  # not ∂E/∂t3
                    terms.append(f"∂{of}/∂{name} · {s.gradient_name(c)}")
                    numbers.append(f"({local}) × {self.number_text(s.gradients[c])}")
        gradient = s.gradient_name(v)
        if v in s.delta_names:
            gradient = f"{gradient} = ∂{s.names[s.root]}/∂{name}"
        hint = say(lang, "exercise.hint_gradient", gradient=gradient, terms=" + ".join(terms),
                   numbers=" + ".join(numbers))
        worked = f"{gradient} = {' + '.join(numbers)} = {self.number_text(s.gradients[v])}"
        return Blank(v, field, step, s.gradient_name(v), s.gradients[v], hint, worked)

    def grade(self, i: int, entry: str | float) -> bool | None:
        """Whether `entry` is right for blank i; None if it is not a number."""
        number = entry if isinstance(entry, float) else read_number(str(entry))
        if number is None:
            return None
        return is_right(number, self.blanks[i].answer, self.tolerance)

    def instructions(self) -> str:
        """What the page says about answering, the tolerance stated."""
        return say(self.lang, "exercise.instructions", tolerance=f"{self.tolerance:g}")

    def title(self) -> str:
        return say(self.lang, "exercise.title", root=self.stepper.names[self.stepper.root])

    # -- leaving the kernel ---------------------------------------------------

    def player(self, *, interval_ms: int = 800, title: str | None = None,
               **draw_options) -> Player:
        """The HTML player in exercise mode (`autodiff.stepping.player`)."""
        from autodiff.stepping.frames import Frames
        from autodiff.stepping.player import Player

        return Player(Frames(self.stepper, **draw_options), interval_ms=interval_ms,
                      title=title or self.title(), exercise=self)

    def save_html(self, path: str | PathLike[str], *, title: str | None = None,
                  **draw_options) -> Path:
        """Write the exercise to `path` (.html): one file, no network, no kernel."""
        return self.player(title=title, **draw_options).save(path)

    def attempt(self) -> Attempt:
        """A learner's way through the blanks, from the first (`Attempt`)."""
        return Attempt(self)

    def widget(self, *, interval_ms: int = 800, **draw_options) -> StepperWidget:
        """The notebook widget in exercise mode (`autodiff.stepping.widget`, needs
        ipywidgets): the blanks asked in order, graded as the player grades them."""
        from autodiff.stepping.widget import StepperWidget

        return StepperWidget(self.stepper, interval_ms=interval_ms, exercise=self,
                             **draw_options)

    def sheet(self, **draw_options) -> str:
        """The exercise as a printable HTML page: the graph with each blank
        numbered in its box, a line per blank, then (on a page of its own) the
        answer key with the worked answers."""
        from autodiff.stepping.sheet import sheet_html

        return sheet_html(self, **draw_options)

    def save_sheet(self, path: str | PathLike[str], **draw_options) -> Path:
        """Write the printable sheet to `path`: .html (print it, or to PDF, from a
        browser: A4, the key on its own page) or .tex (LaTeX: `sheet_tex`; its
        first line says whether pdflatex or LuaLaTeX compiles it; `engine=` as
        for `autodiff.stepping.sheet.sheet_tex`). Nothing is written if making
        the sheet fails."""
        from autodiff.stepping.sheet import sheet_tex

        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".html", ".htm", ".tex"):
            raise ValueError(f"{path}: a sheet is saved as .html, .htm or .tex")
        page = (sheet_tex(self, **draw_options) if suffix == ".tex"
                else self.sheet(**draw_options))
        path.write_text(page, encoding="utf-8")
        return path


class Attempt:
    """One learner's way through `exercise`'s blanks, in order: `enter(text)`
    grades the current blank (a miss shows its hint, a right entry moves on),
    `reveal()` shows the worked answer and moves on; `score` counts the blanks
    right at the first try."""

    def __init__(self, exercise: Exercise) -> None:
        self.exercise = exercise
        self.position = 0
        """The blank being filled in (len(exercise) when done)."""
        self.misses = 0
        self.right_first = 0
        self.revealed = 0
        self.feedback = ""

    @property
    def done(self) -> bool:
        return self.position >= len(self.exercise)

    @property
    def blank(self) -> Blank | None:
        return None if self.done else self.exercise.blanks[self.position]

    def enter(self, text: str) -> bool | None:
        """Grade `text` for the current blank: True (and on to the next), False
        (the hint), None (not a number: nothing counted)."""
        blank, lang = self.blank, self.exercise.lang
        if blank is None:
            raise ValueError("the exercise is done: every blank is filled in")
        verdict = self.exercise.grade(self.position, text)
        if verdict is None:
            self.feedback = say(lang, "exercise.not_number", entered=text.strip())
        elif verdict:
            self.right_first += self.misses == 0
            self.feedback = say(lang, "exercise.right", answer=f"{blank.prompt} = "
                                f"{self.exercise.number_text(blank.answer)}")
            self._next()
        else:
            self.misses += 1
            self.feedback = say(lang, "exercise.wrong", entered=text.strip(),
                                what=blank.prompt, hint=blank.hint)
        if self.done:
            self.feedback += "\n" + self.score
        return verdict

    def reveal(self) -> str:
        """The worked answer of the current blank; on to the next."""
        blank = self.blank
        if blank is None:
            raise ValueError("the exercise is done: every blank is filled in")
        self.revealed += 1
        self.feedback = say(self.exercise.lang, "exercise.shown", worked=blank.worked)
        self._next()
        if self.done:
            self.feedback += "\n" + self.score
        return self.feedback

    def _next(self) -> None:
        self.position += 1
        self.misses = 0

    @property
    def score(self) -> str:
        return say(self.exercise.lang, "exercise.score", right=self.right_first,
                   total=len(self.exercise), shown=self.revealed)


def numbered(blanks: Sequence[Blank]) -> dict[tuple[Value, str], str]:
    """Each blank's mark on paper: "[1]", "[2]", … in order."""
    return {(b.node, b.field): f"[{i + 1}]" for i, b in enumerate(blanks)}
