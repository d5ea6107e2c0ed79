"""THE walk: the reverse sweep that every gradient in the library comes from.

A computation is recorded as a directed acyclic graph of nodes. `Value.backward()`,
`grad()`, `vjp`, gradcheck and the Stepper all run the same sweep: the nodes in
topological order, from the root back to the leaves, and at every operation
node n (its result; n̄ = ∂E/∂n, its *adjoint*) the chain rule

    x̄ += ∂n/∂x · n̄      for every operand x of n,

so that when the sweep reaches a node, every node that uses it has already
passed its share on (the δ recursion δ_j = Σ_k δ_k w_kj f′(u_j), written once
for every graph). Each node's form (autodiff.core.primitive) knows its step.

The rules for `.grad`, written here once:

* A sweep runs on adjoints of its own (the nodes' `_adjoint` slot), under one
  lock: sweeps in several threads over shared nodes (one model) take turns,
  and none mixes its adjoints with another's.
* Only `backward()` writes `.grad`, after its sweep has finished: `set_grads`
  checks every new gradient finite, then writes them all, not cut by Ctrl-C.
* Nothing recurses: a chain of a million nodes needs no recursion limit.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from operator import attrgetter
from typing import Any

from autodiff.core import hooks
from autodiff.core.errors import describe, roots_of, seed
from autodiff.core.interrupts import uninterrupted
from autodiff.core.node import Node

_adjoint_of = attrgetter("_adjoint")
_FINISH = object()


def topological_order(root: Node | Sequence[Node]) -> list[Any]:
    """Every node `root` depends on, each after all of its inputs; `root` last.

    Iterative depth-first search following operand order, so the order is the
    same on every run (it never depends on `id()` or on set iteration). With a
    sequence of roots, every node any of them depends on, once, each after its
    inputs: the first root's order, then what the second adds, and so on.
    """
    order: list[Any] = []
    seen: set[Node] = set()
    # nodes to visit; _FINISH above a node: "its inputs are done"
    stack: list[Any] = [root] if isinstance(root, Node) else roots_of(root)[::-1]
    push, pop, visit, emit = stack.append, stack.pop, seen.add, order.append
    while stack:
        v = pop()
        if v is _FINISH:
            emit(pop())
            continue
        if v in seen:
            continue
        visit(v)
        form = v._op
        if form is None:
            emit(v)
            continue
        push(v)
        push(_FINISH)
        n = form.values
        if n == 2:
            if v._b not in seen:
                push(v._b)
        elif n == 0:
            for x in reversed(v._a):
                if type(x) is not float and x not in seen:  # a packed number is a float
                    push(x)
            continue
        if v._a not in seen:
            push(v._a)
    return order


_SWEEP_LOCK = threading.RLock()
"""Held while a sweep's adjoints live in its nodes' `_adjoint` slots."""
_depth: list[None] = []  # one item per sweep under way in the thread holding the lock


@contextmanager
def sweeping(order: list[Any]) -> Iterator[None]:
    """The sweep over `order` has adjoints of its own: the nodes' `_adjoint`,
    each 0.0 at the start, under the sweep lock. A sweep nested in another (a
    user's partials calling `grad()`) puts the outer sweep's adjoints back.

    A Ctrl-C during the sweep is held until it ends (`uninterrupted`): a sweep
    is short (about a second for a million nodes), and no lock, adjoint or
    `.grad` can be left half done."""
    with uninterrupted(), _SWEEP_LOCK:
        outer = [getattr(v, "_adjoint", 0.0) for v in order] if _depth else None
        _depth.append(None)
        try:
            for v in order:
                v._adjoint = 0.0
            yield
        finally:
            _depth.pop()
            if outer is not None:
                for v, adjoint in zip(order, outer, strict=True):
                    v._adjoint = adjoint


def propagate(order: list[Any],
              after_step: Callable[[Any, Callable[[Any], float]], None] | None = None
              ) -> None:
    """The reverse sweep: with the roots' adjoints seeded and every other node's at
    0.0, each operation n, from the roots down `order`, adds ∂n/∂x · n̄ to the
    adjoint x̄ of each input x (its form's `accumulate` step). `after_step(n,
    adjoint)` runs after each operation n, where `adjoint(x)` is x's running
    adjoint in this sweep."""
    if after_step is None:
        for v in reversed(order):
            form = v._op
            if form is not None:
                form.accumulate(v)
    else:
        for v in reversed(order):
            form = v._op
            if form is not None:
                form.accumulate(v)
                after_step(v, _adjoint_of)


def set_grads(values: Sequence[Any], grads: list[float], who: str) -> None:
    """Set each value's `.grad` to the number in `grads` at its position, all or
    none: every number is checked finite first (else OverflowError naming `who`
    and the node, and no `.grad` changes), and the writes are not cut by Ctrl-C."""
    total = sum(grads)
    if total - total != 0.0:  # an inf or nan, or only a sum too large
        for v, g in zip(values, grads, strict=True):
            if g - g != 0.0:
                raise OverflowError(
                    f"{who}: the gradient of {describe(v)} "
                    f"({v._op.primitive.name if v._op else 'a leaf'}) would be {g!r}: too "
                    "large for a float; no .grad was changed")
    with uninterrupted():
        for v, g in zip(values, grads, strict=True):
            v._grad = g


def reverse_sweep(root: Node | Sequence[Node], seeds: float | Sequence[float] = 1.0, *,
                  after_step: Callable[[Any, Callable[[Any], float]], None] | None = None
                  ) -> dict[Any, float]:
    """The gradient seed·∂root/∂n of every node n of root's graph, by the sweep
    `backward()` runs; no `.grad` is read or written.

    Several roots r_1 … r_m with seeds v_1 … v_m (a sequence of as many numbers,
    or one number for all) give Σ_k v_k·∂r_k/∂n in the same single sweep: the
    vector-Jacobian product vᵀJ of the roots (`autodiff.vjp`).

    `after_step(n, adjoint)` is called after each operation n (root first) has
    passed its gradient on; `adjoint(x)` is then the running gradient of any
    node x in this sweep. The Stepper watches the sweep this way.
    """
    if isinstance(root, Node):
        roots, numbers = [root], [seed(seeds)]
    else:
        roots = roots_of(root)
        if isinstance(seeds, Sequence):
            if len(seeds) != len(roots):
                raise ValueError(f"reverse_sweep(): {len(roots)} roots but {len(seeds)} seeds")
            numbers = [seed(s) for s in seeds]
        else:
            numbers = [seed(seeds)] * len(roots)
    if hooks.watching:
        for r in roots:
            hooks.used(r, "a float gradient (grad() or reverse_sweep())")
    order = topological_order(root)
    with sweeping(order):
        for r, s in zip(roots, numbers, strict=True):
            r._adjoint += s
        propagate(order, after_step)
        return dict(zip(order, map(_adjoint_of, order), strict=True))
