"""The step-size study: a difference quotient's error against its step ε.

A difference quotient has two errors that pull in opposite directions (seed
notes 000 §4.4.5), ε_c being machine epsilon:

* truncation, the method's own error, grows with ε:
  |f″|·ε/2 for the forward difference (f(x + ε) − f(x))/ε, and
  |f‴|·ε²/6 for the central one (f(x + ε) − f(x − ε))/2ε;
* rounding, f's own floating-point error (about ε_c·|f| per evaluation)
  divided by the step, shrinks with it: 2ε_c·|f|/ε (forward), ε_c·|f|/ε (central).

On a log-log plot the error is a V: rounding's slope −1 on the left,
truncation's +1 (forward) or +2 (central) on the right. The sum of the two
estimates is least at

    ε* = 2·√(ε_c·|f| / |f″|)     (forward; √ε_c when f and f″ are of order 1),
    ε* = ∛(3·ε_c·|f| / |f‴|)     (central; ∛ε_c likewise),

which is why the lecture notes' step (docs/explanation/notation.md) is √ε_c·|w| and
gradcheck's central step
∛ε_c·max(1, |w|). `step_sweep` measures the V for one function and point and
returns it with both estimates and both optima; f′, f″ and f‴ come from the
engine (reverse mode, `grad(create_graph=True)` for the higher ones). The
estimates are orders of magnitude: the measured rounding error wanders below
its estimate (errors of single evaluations partly cancel).
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any

from autodiff.calculus.forward import number
from autodiff.calculus.functional import grad
from autodiff.core import Value

__all__ = ["StepSweep", "step_sweep"]

EPS = sys.float_info.epsilon
DEFAULT_STEPS = tuple(10.0 ** (k / 4) for k in range(-64, 1))
"""1e-16 to 1, four steps a decade."""


@dataclass(frozen=True)
class StepSweep:
    """The errors of forward and central differences of f at x, for every step.

    `forward[k]`, `central[k]`: |D(ε) − f′(x)| at ε = `steps[k]` (nan where f
    failed at x ± ε); `*_rounding`, `*_truncation`: the estimates of the two
    errors at each step (module docstring); `*_optimum`: the step where their
    sum is least (inf where f″, or f‴, is 0: truncation never dominates);
    `*_best`: the step with the smallest measured error. `sqrt_eps` and
    `cbrt_eps` are the rules √ε_c·max(1, |x|) and ∛ε_c·max(1, |x|).
    """

    x: float
    value: float
    derivative: float
    second: float
    third: float
    steps: tuple[float, ...]
    forward: tuple[float, ...]
    central: tuple[float, ...]
    forward_rounding: tuple[float, ...]
    forward_truncation: tuple[float, ...]
    central_rounding: tuple[float, ...]
    central_truncation: tuple[float, ...]
    forward_optimum: float
    central_optimum: float

    @property
    def sqrt_eps(self) -> float:
        return math.sqrt(EPS) * max(1.0, abs(self.x))

    @property
    def cbrt_eps(self) -> float:
        return EPS ** (1 / 3) * max(1.0, abs(self.x))

    @property
    def forward_best(self) -> float:
        return _best(self.steps, self.forward)

    @property
    def central_best(self) -> float:
        return _best(self.steps, self.central)

    def relative(self, errors: Sequence[float]) -> list[float]:
        """Errors relative to |f′(x)| (as they are where f′(x) = 0)."""
        scale = abs(self.derivative) or 1.0
        return [e / scale for e in errors]

    def __str__(self) -> str:
        def line(name: str, errors: tuple[float, ...], best: float, optimum: float,
                 rule: str, rule_step: float) -> str:
            k = self.steps.index(best)
            return (f"{name}: least error {self.relative(errors)[k]:.1e} (relative) at ε = "
                    f"{best:.1e}; estimated optimum {optimum:.1e}; rule {rule} = {rule_step:.1e}")
        return "\n".join([
            f"step sweep of f at x = {self.x!r}: f = {self.value!r}, f′ = {self.derivative!r}",
            line("forward", self.forward, self.forward_best, self.forward_optimum, "√ε_c",
                 self.sqrt_eps),
            line("central", self.central, self.central_best, self.central_optimum, "∛ε_c",
                 self.cbrt_eps)])

    def plot(self, ax: Any = None, *, relative: bool = True) -> Any:
        """The V-shaped curves on log-log axes (matplotlib, created if `ax` is
        None): measured errors, the estimates rounding + truncation dashed, the
        rules √ε_c and ∛ε_c dotted and the estimated optima marked. Returns the axes."""
        import matplotlib.pyplot as plt

        if ax is None:
            _, ax = plt.subplots()
        scale = (abs(self.derivative) or 1.0) if relative else 1.0
        floor = 1e-17 if relative else 1e-17 * scale  # an exact difference still shows
        for name, errors, rounding, truncation, optimum, rule, rule_name, colour in (
                ("forward", self.forward, self.forward_rounding, self.forward_truncation,
                 self.forward_optimum, self.sqrt_eps, r"$\sqrt{\varepsilon_c}$", "C0"),
                ("central", self.central, self.central_rounding, self.central_truncation,
                 self.central_optimum, self.cbrt_eps, r"$\sqrt[3]{\varepsilon_c}$", "C1")):
            ax.loglog(self.steps, [max(e, floor * scale) / scale for e in errors], color=colour,
                      label=f"{name} difference")
            ax.loglog(self.steps, [(r + t) / scale for r, t in zip(rounding, truncation,
                                                                    strict=True)],
                      color=colour, ls="--", lw=0.8, label=f"{name}: rounding + truncation")
            ax.axvline(rule, color=colour, ls=":", lw=1, label=rule_name)
            if math.isfinite(optimum):
                least = sum(_estimates(name, self.value, self.second, self.third, optimum))
                ax.plot([optimum], [least / scale], marker="v", color=colour, ls="none",
                        label=f"{name}: estimated optimum")
        ax.set(xlabel="step ε", ylabel="relative error" if relative else "error",
               title=f"finite differences of f at x = {self.x:g}")
        ax.legend(fontsize=7, loc="center left", bbox_to_anchor=(1.02, 0.5))
        return ax


def _best(steps: tuple[float, ...], errors: tuple[float, ...]) -> float:
    finite = [(e, h) for e, h in zip(errors, steps, strict=True) if not math.isnan(e)]
    return min(finite)[1] if finite else math.nan


def _estimates(method: str, value: float, second: float, third: float, h: float
               ) -> tuple[float, float]:
    """(rounding, truncation) of the method's difference quotient at step h, for f,
    f″ and f‴ at the point: 2ε_c·|f|/ε and |f″|·ε/2 (forward), ε_c·|f|/ε and
    |f‴|·ε²/6 (central), as the module docstring derives them."""
    if method == "forward":
        return 2 * EPS * abs(value) / h, abs(second) * h / 2
    return EPS * abs(value) / h, abs(third) * h * h / 6


def step_sweep(f: Callable[[Value], Value], x: float, *,
               steps: Sequence[float] = DEFAULT_STEPS) -> StepSweep:
    """The forward- and central-difference errors of f at x for every step in
    `steps` (default 1e-16 to 1, four a decade), against the engine's f′(x).

        >>> from autodiff import step_sweep
        >>> study = step_sweep(lambda w: ((w * 1.5 + 0.2).sigmoid() - 1) ** 2 / 2, -0.8)
        >>> 1e-10 < study.forward_best < 1e-6 and 1e-7 < study.central_best < 1e-3
        True

    f takes one Value and returns a Value (for a function of several inputs,
    fix the others: `lambda w: loss(w, b0)`); it is evaluated 2 + 2·len(steps)
    times. A step where f fails (a domain error at x ± ε) gets the error nan.
    """
    if not callable(f):
        raise TypeError(f"step_sweep() needs a callable f, got {type(f).__name__}")
    x = number(x, "step_sweep(): x")
    steps = tuple(number(h, "step_sweep(): each step") for h in _sequence(steps))
    if not steps or any(h <= 0 for h in steps):
        raise ValueError("step_sweep() needs a non-empty list of steps > 0")
    leaf = Value(x)
    out = _called(f, leaf)
    (d1,) = grad(out, [leaf], create_graph=True)
    (d2,) = grad(d1, [leaf], create_graph=True)
    (d3,) = grad(d2, [leaf])
    f0 = out.data

    def at(t: float) -> float:
        try:
            return _called(f, Value(t)).data
        except (ValueError, ArithmeticError):
            return math.nan

    forward, central = [], []
    for h in steps:
        plus, minus = at(x + h), at(x - h)
        forward.append(abs((plus - f0) / h - d1.data))
        central.append(abs((plus - minus) / (2 * h) - d1.data))
    forward_rounding, forward_truncation = zip(
        *(_estimates("forward", f0, d2.data, d3, h) for h in steps), strict=True)
    central_rounding, central_truncation = zip(
        *(_estimates("central", f0, d2.data, d3, h) for h in steps), strict=True)
    magnitude = abs(f0)
    second, third = abs(d2.data), abs(d3)
    return StepSweep(
        x=x, value=f0, derivative=d1.data, second=d2.data, third=d3, steps=steps,
        forward=tuple(forward), central=tuple(central),
        forward_rounding=forward_rounding, forward_truncation=forward_truncation,
        central_rounding=central_rounding, central_truncation=central_truncation,
        forward_optimum=2 * math.sqrt(EPS * magnitude / second) if second else math.inf,
        central_optimum=(3 * EPS * magnitude / third) ** (1 / 3) if third else math.inf)


def _sequence(steps: object) -> Sequence[Any]:
    if isinstance(steps, str) or not isinstance(steps, Sequence):
        raise TypeError(f"step_sweep(): steps must be a sequence of numbers, got "
                        f"{type(steps).__name__}")
    return steps


def _called(f: Callable[[Value], Value], x: Value) -> Value:
    out = f(x)
    if not isinstance(out, Value):
        raise TypeError(f"step_sweep(): f must return a Value, got {type(out).__name__}: "
                        f"{out!r} (did it use .data or float()?)")
    return out
