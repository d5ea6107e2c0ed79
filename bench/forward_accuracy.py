"""How closely forward mode agrees with reverse mode: the worst differences over
many random DAGs (autodiff.strategies, derandomized, so every run gives the
same numbers).

Each drawn expression f is differentiated along every input by forward mode (a
tangent sweep of the linearized graph) and by `grad(create_graph=True)`; the
difference is printed relative to the entry itself and relative to |J|·|u|
(the sum of the absolute products along every path, `Linearization.magnitude`),
the scale of the rounding of either sum (relative to the entry, a difference
can be as large as it likes where the terms cancel to nearly zero). The same
for Hessians: forward over reverse (`autodiff.hessian`'s way) against reverse
over reverse. Needs
Hypothesis (`.venv/bin/pip install -e '.[test]'`).
Run: `./run bench` or `python bench/forward_accuracy.py [examples]`.
"""

from __future__ import annotations

import math
import sys

try:
    from hypothesis import HealthCheck, given, settings
except ImportError:  # pragma: no cover
    print("forward_accuracy needs Hypothesis: .venv/bin/pip install -e '.[test]'")
    sys.exit(0)

from autodiff import Value, grad
from autodiff.calculus.forward import Linearization
from autodiff.strategies import expressions

SMOOTH = ("exp", "log", "tanh", "sigmoid", "sqrt", "+", "-", "*", "/", "**", "sin", "cos", "tan",
          "asin", "acos", "atan", "sinh", "cosh", "softplus")


class Worst:
    def __init__(self) -> None:
        self.entries = self.differing = self.beyond = 0
        self.relative = self.scaled = 0.0

    def add(self, forward: float, reverse: float, scale: float) -> None:
        self.entries += 1
        gap = abs(forward - reverse)
        if gap:
            self.differing += 1
            self.beyond += gap > 1e-15 * abs(reverse)
            self.relative = max(self.relative, gap / abs(reverse) if reverse else math.inf)
            self.scaled = max(self.scaled, gap / scale)

    def row(self, name: str) -> str:
        return (f"| {name} | {self.entries} | {self.differing} | {self.beyond} "
                f"| {self.relative:.2g} | {self.scaled:.2g} |")


def units(n: int) -> list[list[float]]:
    return [[1.0 if i == j else 0.0 for i in range(n)] for j in range(n)]


def main(examples: int) -> None:
    first, second = Worst(), Worst()
    quiet = settings(max_examples=examples, derandomize=True, deadline=None, database=None,
                     suppress_health_check=list(HealthCheck))

    @quiet
    @given(expressions(max_inputs=3, max_steps=10))
    def gradients(expr):
        xs = [Value(x) for x in expr.inputs]
        out = expr(*xs)
        exact = [g.data for g in grad(out, xs, create_graph=True)]
        lin = Linearization([out], xs)
        for j, e in enumerate(units(len(xs))):
            first.add(lin(e)[0], exact[j], lin.magnitude(e)[0])

    @quiet
    @given(expressions(max_inputs=3, max_steps=8, operations=SMOOTH))
    def hessians(expr):
        xs = [Value(x) for x in expr.inputs]
        g = grad(expr(*xs), xs, create_graph=True)
        exact = [grad(gi, xs) for gi in g]  # reverse over reverse
        lin = Linearization(g, xs)  # forward over reverse
        for j, e in enumerate(units(len(xs))):
            for i, (t, m) in enumerate(zip(lin(e), lin.magnitude(e), strict=True)):
                second.add(t, exact[i][j], m)

    gradients()
    hessians()
    print(f"forward mode against grad(create_graph=True), {examples} random DAGs each\n")
    print("| derivatives | entries | differing | by more than 1e-15 relative "
          "| worst relative to the entry | worst relative to abs(J)·abs(u) |")
    print("|---|---|---|---|---|---|")
    print(first.row("gradients: forward vs reverse"))
    print(second.row("Hessians: forward over reverse vs reverse over reverse"))


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 3000)
