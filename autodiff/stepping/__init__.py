"""Stepping through backpropagation: the `Stepper` (one chain-rule step at a time), its
frames, the offline HTML player, GIFs, Beamer slides, and `StepperWidget` for
notebooks (needs ipywidgets; imported on first use)."""

from typing import TYPE_CHECKING

from autodiff.stepping.records import Step
from autodiff.stepping.stepper import Stepper

if TYPE_CHECKING:
    from autodiff.stepping.widget import StepperWidget as StepperWidget

__all__ = ["Step", "Stepper", "StepperWidget"]


def __getattr__(name: str) -> object:
    if name == "StepperWidget":
        from autodiff.stepping.widget import StepperWidget
        return StepperWidget
    raise AttributeError(f"module 'autodiff.stepping' has no attribute {name!r}")
