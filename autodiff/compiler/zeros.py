"""Where one zero adjoint makes a whole region of the adjoint trace zero: the
code a compiled loop may skip (the Python backend's `if ū:`).

The sweep passes each node's adjoint on as terms ∂w/∂x · w̄ (autodiff.core.sweep).
In one block of a loop, a node d *dominates* a node x when every path along
which terms reach x, from the block's *entries* (the nodes whose adjoints come
in from outside the block), passes through d (the dominator tree of the
sweep's flow; Cooper, Harvey and Kennedy, "A simple, fast dominance
algorithm", 2001). Then x̄ is made of d̄ alone: where d̄ is ±0 and every local
derivative on the way is finite, x̄ and each term x passes on are ±0. So are
the terms that the *region* of d, d and the nodes it dominates, passes to a
parameter that receives terms only from the region.

A region whose other nodes pass terms only within the region and to such
parameters (its *exits*) can be skipped whenever d̄ is zero: what is skipped
would add ±0 to sums that nothing else reads, and x + ±0 is x for every x ≠ 0.
Only a zero's sign may differ, which the interpreter's own sums do not keep:
its adjoints start at 0.0, and 0.0 + −0.0 is 0.0.

This pays where adjoints are often exactly zero: behind a ReLU, whose gradient
passes or not (the sweep's `if out > 0`), so the candidates for d are the nodes
whose every term comes through such a *gate*. A minibatch's max-margin loss
stops every point outside the margin at its ReLU; a ReLU network stops at each
unit that is off.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Sequence
from dataclasses import dataclass, field
from typing import Any

MIN_SKIPPED = 3
"""A region is guarded only if it holds at least this many adjoints and exits."""
MAX_NESTED = 8
"""Regions are nested at most this deep (each is an `if` in the program)."""

_ENTRY = object()  # the dominator tree's root: where terms come in from outside the block


@dataclass
class Region:
    """The nodes of a block whose adjoint lines run only if `head`'s adjoint is
    not zero (the block itself: head None). `nodes`: its nodes in sweep order,
    the heads of `nested` regions among them, their other nodes not; `exits`:
    the parameters whose terms all come from the region (and not from a nested
    one alone)."""

    head: Any = None
    nodes: list[Any] = field(default_factory=list)
    nested: list[Region] = field(default_factory=list)
    exits: list[Any] = field(default_factory=list)

    def heads(self) -> Iterator[Any]:
        """The heads of the regions nested in this one, at any depth."""
        stack = list(self.nested)
        while stack:
            region = stack.pop()
            yield region.head
            stack += region.nested


GATE = "gate"
"""A term that is ḡ or 0.0, by a test (relu's "ḡ if out > 0.0 else 0.0")."""
SAME = "same"
"""A term that is ḡ itself (a sum's): the operand's adjoint, if this is its only
term, is the node's under another name."""


def regions(sweep: Sequence[Hashable], entries: Collection[Hashable],
            passes_to: Callable[[Any], Iterable[tuple[Any, str]]],
            finite: Callable[[Any], bool], parameters: Iterable[Hashable]) -> Region:
    """The block's nodes in regions. `sweep`: the nodes that receive a gradient, in
    the sweep's order (consumers first); `entries`: those whose adjoints also come
    from outside the block; `passes_to(v)`: the nodes v passes a term to, each
    with the term's kind (`GATE`, `SAME` or ""); `finite(v)`: whether v's local
    derivatives are finite at finite operands; `parameters`: the nodes outside
    the block it passes terms to, where a region may end.

    A region's head d comes with the nodes whose adjoint is d̄ under another name
    (a chain of `SAME` terms, each node's only one: the operands of the sums d
    is): their lines stay outside the region, and their terms may go anywhere,
    as d's may."""
    passing = {v: list(passes_to(v)) for v in sweep}
    sources: dict[Any, list[Any]] = {}
    gated: dict[Any, bool] = {}
    same: set[Any] = set()  # nodes whose only term is a SAME one
    for v in sweep:
        for x, kind in passing[v]:
            found = sources.setdefault(x, [])
            found.append(v)
            gated[x] = gated.get(x, True) and kind == GATE
            if kind == SAME and len(found) == 1:
                same.add(x)
            else:
                same.discard(x)
    idom, depth = _dominators(sweep, entries, sources)
    children: dict[Any, list[Any]] = {}
    for v in sweep:
        children.setdefault(idom[v], []).append(v)
    # a parameter can be an exit of the regions of the nodes that dominate all its sources
    exit_at = {x: _common(s, idom, depth) for x in parameters if (s := sources.get(x))}
    exits_under: dict[Any, int] = {}
    for top in exit_at.values():
        while top is not _ENTRY:
            exits_under[top] = exits_under.get(top, 0) + 1
            top = idom[top]
    # bottom up, per node v: `size`, the nodes it dominates; whether every derivative
    # there is finite; `reach`, the nearest node that dominates every node they and v
    # pass terms to (a parameter: its exit_at; _ENTRY where a term leaves otherwise);
    # `own_reach`, the same without v and the nodes whose adjoint is v̄ by another name
    size: dict[Any, int] = {}
    all_finite: dict[Any, bool] = {}
    reach: dict[Any, Any] = {}
    own_reach: dict[Any, Any] = {}
    heads: set[Any] = set()
    for v in reversed(sweep):
        below = children.get(v, [])
        size[v] = 1 + sum(size[c] for c in below)
        all_finite[v] = finite(v) and all(all_finite[c] for c in below)
        inner = [own_reach[c] if c in same else reach[c] for c in below]
        own_reach[v] = _common(inner, idom, depth) if inner else v
        if (gated.get(v) and v not in entries and all_finite[v]
                and size[v] - 1 + exits_under.get(v, 0) >= MIN_SKIPPED
                and _dominates(v, own_reach[v], idom, depth)):
            heads.add(v)
        targets = [x if x in depth else exit_at.get(x, _ENTRY) for x, _ in passing[v]]
        reach[v] = _common([*targets, *(reach[c] for c in below)] or [v], idom, depth)
    # each node in the region of its nearest dominator that heads one (a head and its
    # adjoint's other names in the region around it)
    block = Region()
    home: dict[Any, Region] = {_ENTRY: block}  # the region whose nodes v is among
    inner_of: dict[Any, Region] = {_ENTRY: block}  # the region of the nodes v dominates
    level: dict[Any, int] = {None: 0}
    for v in sweep:
        up = idom[v]
        home[v] = home[up] if v in same else inner_of[up]
        inner_of[v] = inner_of[up] if v in same else home[v]
        home[v].nodes.append(v)
        if v in heads and level[home[v].head] < MAX_NESTED:
            region = inner_of[v] = Region(v)
            home[v].nested.append(region)
            level[v] = level[home[v].head] + 1
    for x, top in exit_at.items():
        region = inner_of[top]
        if region is not block:
            region.exits.append(x)
    return block


def _dominators(sweep: Sequence[Any], entries: Collection[Any], sources: dict[Any, list[Any]]
                ) -> tuple[dict[Any, Any], dict[Any, int]]:
    """Each node's immediate dominator in the sweep's flow, and its depth in the tree
    (in a DAG, in sweep order: the nearest common dominator of its sources)."""
    idom: dict[Any, Any] = {}
    depth: dict[Any, int] = {_ENTRY: 0}
    for v in sweep:
        found = [*sources.get(v, ())]  # (each before v in the sweep)
        if v in entries or not found:
            found.append(_ENTRY)
        top = _common(found, idom, depth)
        idom[v] = top
        depth[v] = depth[top] + 1
    return idom, depth


def _common(nodes: Sequence[Any], idom: dict[Any, Any], depth: dict[Any, int]) -> Any:
    """The nearest node of the tree that is or dominates each of `nodes`."""
    top = nodes[0]
    for u in nodes[1:]:
        while u is not top:
            if depth[u] >= depth[top]:
                u = idom[u]
            else:
                top = idom[top]
    return top


def _dominates(d: Any, v: Any, idom: dict[Any, Any], depth: dict[Any, int]) -> bool:
    """Whether d is v or dominates it."""
    while depth[v] > depth[d]:
        v = idom[v]
    return v is d
