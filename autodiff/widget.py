"""A notebook widget that steps through backpropagation: slider, previous /
next / play, the diagram of the current frame and the step's text.

    from autodiff import Stepper
    from autodiff.widget import StepperWidget
    StepperWidget(Stepper(E))        # as the last line of a cell

The graph is laid out once (`Stepper.layout_frame`, every number at its
widest) and every frame is drawn with those fixed node sizes, so all frames
share one layout: stepping changes the numbers and the highlight, never the
picture. Frames are rendered on first view and cached. The callbacks are plain
Python (`show(k)`, `previous()`, `next()`), tested without a browser.
"""

from __future__ import annotations

import html

from autodiff.drawing import node_sizes
from autodiff.stepping import Stepper

try:
    import ipywidgets as widgets
except ImportError as exc:  # pragma: no cover - exercised without ipywidgets only
    raise ImportError(
        "the stepper widget needs ipywidgets: .venv/bin/pip install -e '.[notebooks]' in the "
        "checkout (./run lab installs it)"
    ) from exc


class StepperWidget(widgets.VBox):
    """Controls over a `Stepper`'s frames."""

    def __init__(self, stepper: Stepper, *, interval_ms: int = 800, **draw_options) -> None:
        if not isinstance(stepper, Stepper):
            raise TypeError(f"StepperWidget() needs a Stepper, got {type(stepper).__name__}")
        self.stepper = stepper
        self._draw_options = {
            **draw_options, "sizes": node_sizes(stepper.layout_frame(**draw_options))}
        self._svg: dict[int, str] = {}
        last = len(stepper) - 1
        self.slider = widgets.IntSlider(value=0, min=0, max=last, description="step")
        self.play = widgets.Play(value=0, min=0, max=last, interval=interval_ms)
        widgets.link((self.play, "value"), (self.slider, "value"))
        self.previous_button = widgets.Button(description="◀ previous")
        self.next_button = widgets.Button(description="next ▶")
        self.diagram = widgets.HTML()
        self.text = widgets.HTML()
        self.previous_button.on_click(lambda _: self.previous())
        self.next_button.on_click(lambda _: self.next())
        self.slider.observe(lambda change: self.show(change["new"]), names="value")
        controls = widgets.HBox([self.play, self.previous_button, self.next_button, self.slider])
        super().__init__([controls, self.diagram, self.text])
        self.show(0)

    def svg(self, k: int) -> str:
        """Frame k as SVG text (rendered once, then cached)."""
        if k not in self._svg:
            self._svg[k] = self.stepper.frame(k, **self._draw_options).svg()
        return self._svg[k]

    def show(self, k: int) -> None:
        """Display frame k (also moves the slider)."""
        step = self.stepper[k]
        self.slider.value = k
        self.diagram.value = self.svg(k)
        title = f"step {k + 1} of {len(self.stepper)} ({step.kind})"
        self.text.value = f"<b>{title}</b><pre>{html.escape(str(step))}</pre>"

    def previous(self) -> None:
        self.show(max(self.slider.value - 1, 0))

    def next(self) -> None:
        self.show(min(self.slider.value + 1, len(self.stepper) - 1))
