"""A notebook widget that steps through backpropagation: play / previous /
next, a slider, the diagram of the current frame and the step's text.

    from autodiff import Stepper
    from autodiff.stepping.widget import StepperWidget
    StepperWidget(Stepper(E))        # as the last line of a cell

With an exercise (`StepperWidget(stepper, exercise=Exercise(stepper))`, or
`Exercise(stepper).widget()`) the widget asks its blanks first, in order, as
the saved player does: the picture as the step before the blank leaves it, an
entry graded at once by the exercise's rule (`Attempt`: the hint on a miss,
the worked answer on request, the score at the end), then the controls. The
buttons and labels are in the stepper's language (`Stepper(..., lang="ja")`).

The frames come from `autodiff.stepping.frames`: laid out once, so stepping changes the
numbers and the colours, never the picture's layout; scaled to the notebook's
width, so nothing is clipped and the controls above stay in place ("full size"
shows it at its natural size, scrolling under the controls). The slider
and the caption count steps alike, from 1 ("step 12 of 17"). The callbacks
are plain Python (`show(k)`, `previous()`, `next()`), tested without a browser.

Where widgets cannot run (an exported HTML page, a viewer without a kernel)
the same frames show as the static HTML player of `autodiff.stepping.player`, which
steps with JavaScript alone. It is an output of its own, after the widget's
(`_ipython_display_`), so that nbconvert's HTML shows it also when the
widgets' state is stored (the default of `jupyter nbconvert --execute`, where
a widget view would win over any HTML beside it in one output, and shows
nothing offline). Where the widget itself renders (JupyterLab, Jupyter
Notebook, VS Code) a CSS rule in the player's output hides it. It costs one Graphviz
run per frame when the widget is first displayed (measured here: 0.3 s for the
notes' neuron, 17 steps; 8 s for a 2-4-4-1 network, 172 steps), so by default
it is added up to STATIC_PLAYER_STEPS steps; `static_player=True` or False
decides for any size.
"""

from __future__ import annotations

import html
from typing import Any

from autodiff.notation.messages import say
from autodiff.stepping.frames import TEXT_STYLE, Frames, legend_html
from autodiff.stepping.player import Player
from autodiff.stepping.records import Attempting, Blanks
from autodiff.stepping.stepper import Stepper

try:
    import ipywidgets as widgets
except ImportError as exc:  # pragma: no cover - exercised without ipywidgets only
    raise ImportError(
        "the stepper widget needs ipywidgets: .venv/bin/pip install -e '.[notebooks]' in the "
        "checkout (./run lab installs it)"
    ) from exc


STATIC_PLAYER_STEPS = 100
"""The most steps for which the widget's output carries the static player by default."""

LIVE_CLASS = "autodiff-stepper"
"""The widget's CSS class: the player output hides itself beside a rendered widget."""
FALLBACK_CLASS = "autodiff-fallback"
"""The CSS class of the player's own output (its outermost element)."""
FALLBACK_CSS = (f"body:not(.jp-Notebook) .jp-OutputArea:has(.{LIVE_CLASS}) > "
                f".jp-OutputArea-child:has(.{FALLBACK_CLASS}), "
                f".cell_container:has(.{LIVE_CLASS}) .output_container:has(.{FALLBACK_CLASS}) "
                "{display: none;}")
"""Hides the player in the cell where the widget rendered (a live kernel): in JupyterLab
and Jupyter Notebook (a cell's outputs are a .jp-OutputArea), and by the same rule in
VS Code's output webview (a .cell_container of .output_container), not in nbconvert's
HTML (its body is .jp-Notebook), where a stored widget state renders at most a frozen
copy of the widget, and nothing without network access."""


class StepperWidget(widgets.VBox):
    """Controls over a `Stepper`'s frames; `static_player` adds the HTML player
    as the output's fallback (None: for at most STATIC_PLAYER_STEPS steps);
    `exercise` (an `Exercise` of this stepper) asks its blanks first."""

    def __init__(self, stepper: Stepper, *, interval_ms: int = 800,
                 static_player: bool | None = None, exercise: Blanks | None = None,
                 **draw_options) -> None:
        if not isinstance(stepper, Stepper):
            raise TypeError(f"StepperWidget() needs a Stepper, got {type(stepper).__name__}")
        if exercise is not None and getattr(exercise, "stepper", None) is not stepper:
            raise ValueError("StepperWidget(exercise=...) needs an Exercise of the widget's own "
                             "Stepper: Exercise(stepper).widget() makes one")
        self.stepper = stepper
        self.frames = Frames(stepper, **draw_options)
        if static_player is None:
            static_player = len(stepper) <= STATIC_PLAYER_STEPS
        self._player = (Player(self.frames, interval_ms=interval_ms, exercise=exercise)
                        if static_player else None)
        n, lang = len(stepper), stepper.lang
        self.slider = widgets.IntSlider(value=1, min=1, max=n,
                                        description=say(lang, "control.step"),
                                        layout=widgets.Layout(flex="1 1 16em", min_width="16em"))
        self.play = widgets.Play(value=1, min=1, max=n, interval=interval_ms)
        widgets.link((self.play, "value"), (self.slider, "value"))
        self.previous_button = widgets.Button(description=say(lang, "control.previous"))
        self.next_button = widgets.Button(description=say(lang, "control.next"))
        self.full_size = widgets.ToggleButton(description=say(lang, "control.full_size"),
                                              tooltip=say(lang, "control.full_size_tip"))
        self.caption = widgets.HTML()
        # no margin: the picture takes exactly the output's width, and nothing scrolls
        self.diagram = widgets.HTML(layout=widgets.Layout(width="100%", margin="0"))
        self.legend = widgets.HTML(f"<small>{legend_html(stepper.lang)}</small>")
        self.text = widgets.HTML()
        self.previous_button.on_click(lambda _: self.previous())
        self.next_button.on_click(lambda _: self.next())
        self.slider.observe(lambda change: self.show(change["new"] - 1), names="value")
        self.full_size.observe(lambda _: self.show(self.step), names="value")
        self.controls = widgets.HBox([self.play, self.previous_button, self.next_button,
                                      self.slider, self.full_size],
                                     layout=widgets.Layout(width="100%", flex_flow="row wrap"))
        self.attempt = None if exercise is None else exercise.attempt()
        """The learner's way through the exercise's blanks (None without one)."""
        parts = [self.controls, self.caption, self.diagram, self.legend, self.text]
        if exercise is not None:
            parts.insert(0, self._exercise_panel(exercise))
        super().__init__(parts, layout=widgets.Layout(width="100%"))
        self.add_class(LIVE_CLASS)
        if self.attempt is None:
            self.show(0)
        else:
            self._ask()

    # -- the exercise ------------------------------------------------------------

    def _exercise_panel(self, exercise: Blanks) -> widgets.VBox:
        lang = exercise.lang
        self.progress = widgets.HTML()
        self.answer = widgets.Text(continuous_update=False, layout=widgets.Layout(width="9em"))
        self.check_button = widgets.Button(description=say(lang, "exercise.check"),
                                           button_style="primary")
        self.reveal_button = widgets.Button(description=say(lang, "exercise.show"))
        self.feedback = widgets.HTML()
        self.score = widgets.HTML()
        self._graded: tuple[int, str] | None = None
        # Enter (or leaving the box) changes the value; the button checks what is typed
        self.answer.observe(lambda change: self.check(change["new"]), names="value")
        self.check_button.on_click(lambda _: self.check(self.answer.value))
        self.reveal_button.on_click(lambda _: self.reveal())
        instructions = widgets.HTML(f'<div style="{TEXT_STYLE}">'
                                    f"{html.escape(exercise.instructions())}</div>")
        self.ask_row = widgets.HBox([self.progress, self.answer, self.check_button,
                                     self.reveal_button],
                                    layout=widgets.Layout(flex_flow="row wrap",
                                                          align_items="center"))
        return widgets.VBox([instructions, self.ask_row, self.feedback, self.score])

    def _ask(self) -> None:
        """The current blank: its prompt, and the picture as the step before leaves it;
        once done, the score and the controls over every step."""
        attempt = self.attempt
        assert attempt is not None
        blank = attempt.blank
        if blank is None:
            self.score.value = f"<b>{html.escape(attempt.score)}</b>"
            self.ask_row.layout.display = "none"
            self.controls.layout.display = None
            self.show(len(self.frames) - 1)
            return
        self.controls.layout.display = "none"
        progress = say(attempt.exercise.lang, "exercise.progress", k=attempt.position + 1,
                       n=len(attempt.exercise))
        self.progress.value = (f"{html.escape(progress)} &nbsp; "
                               f"<b>{html.escape(blank.prompt)}</b> =")
        self.show(blank.step - 1)
        self.caption.value = f"<b>{html.escape(progress)}</b>"
        self.text.value = ""

    def check(self, typed: str) -> bool | None:
        """Grade `typed` for the current blank, as the player does: True (on to
        the next blank), False (the hint), None (not a number, or nothing new
        typed: nothing counted)."""
        attempt = self.attempt
        if attempt is None or attempt.done or not typed.strip():
            return None
        if self._graded == (attempt.position, typed):  # Enter, then the button: once
            return None
        self._graded = (attempt.position, typed)
        verdict = attempt.enter(typed)
        colour = {True: "#1e7b34", False: "#b3261e", None: "#b3261e"}[verdict]
        self.feedback.value = (f'<div style="{TEXT_STYLE}; color: {colour}">'
                               f"{html.escape(_without_score(attempt))}</div>")
        if verdict:
            self._next_blank()
        return verdict

    def reveal(self) -> str:
        """The current blank's worked answer; on to the next blank."""
        attempt = self.attempt
        if attempt is None or attempt.done:
            raise ValueError("there is no blank to reveal: the exercise is done (or there is "
                             "none)")
        said = attempt.reveal()
        self.feedback.value = (f'<div style="{TEXT_STYLE}">'
                               f"{html.escape(_without_score(attempt))}</div>")
        self._next_blank()
        return said

    def _next_blank(self) -> None:
        self._graded = None
        self.answer.value = ""
        self._ask()

    @property
    def step(self) -> int:
        """The index of the frame shown (0-based, as `stepper[k]`; on screen: step k + 1)."""
        return self.slider.value - 1

    def svg(self, k: int) -> str:
        """Frame k as SVG text (rendered once, then cached)."""
        return self.frames.svg(k)

    def show(self, k: int) -> None:
        """Display frame k, `stepper[k]` (also moves the slider, to k + 1)."""
        if not 0 <= k < len(self.frames):
            raise IndexError(f"step {k} out of range: this stepper has {len(self.frames)} steps")
        self.slider.value = k + 1
        self.caption.value = f"<b>{html.escape(self.frames.caption(k))}</b>"
        self.diagram.value = self.frames.fitted_svg(k, natural=self.full_size.value)
        self.text.value = (f'<pre style="{TEXT_STYLE}">{html.escape(self.frames.text(k))}</pre>'
                           f'<div style="{TEXT_STYLE}">'
                           f'{html.escape(self.frames.explanation(k))}</div>')

    def previous(self) -> None:
        self.show(max(self.step - 1, 0))

    def next(self) -> None:
        self.show(min(self.step + 1, len(self.frames) - 1))

    def _ipython_display_(self) -> None:
        """Show the widget, then (with `static_player`) the player as its own output."""
        from IPython.display import display

        display(self.view_bundle(), raw=True)
        fallback = self.fallback_html()
        if fallback is not None:
            display({"text/html": fallback}, raw=True)

    def view_bundle(self) -> dict[str, Any]:
        """The widget's output: its view, and a line of text for where widgets cannot
        render (in place of ipywidgets' long repr of every child)."""
        bundle = dict(super()._repr_mimebundle_() or {})
        player = "; the player below steps without one" if self._player is not None else ""
        bundle["text/plain"] = (f"StepperWidget of {len(self.frames)} steps "
                                f"(its controls need a running kernel{player})")
        return bundle

    def fallback_html(self) -> str | None:
        """The static player as an output of its own, which hides itself where
        the widget rendered; None without `static_player`."""
        if self._player is None:
            return None
        return (f'<div class="{FALLBACK_CLASS}"><style>{FALLBACK_CSS}</style>'
                f"{self._player.fragment()}</div>")


def _without_score(attempt: Attempting) -> str:
    """The attempt's feedback without the score it ends with once done: the widget
    shows the score in a line of its own."""
    return attempt.feedback.removesuffix("\n" + attempt.score)
