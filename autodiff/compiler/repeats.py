"""Where a recorded graph repeats itself: the same code per data point, found once,
so that the Python backend writes it as a loop rather than once per point
(loop rerolling).

A minibatch's loss evaluates one network on every point and adds up the
points' losses; in topological order that is one block of nodes per point,
each computing the same thing from its own inputs, the same parameters and a
node or two of the block before it (the running sum). `find(trace, ...)`
returns such runs of blocks as `Repeat`s, those a loop can replay exactly: the
loop's adjoint trace must add every gradient's terms in the order in which
`backward()` adds them, so that its numbers stay the interpreter's, bit for
bit.

A block is found by its nodes' *signatures*: the primitive, which operands
receive a term, the folded numbers (by repr: −0.0 is not 0.0), and
for each Value operand either the parameter it is (its slot in `trace.reads`)
or how many places before the node it stands in the order. Blocks with equal
signatures at every place compute the same function; the hashes of the
signatures give the block's length (one of the most frequent distances between
equal signatures), and then the longest run of places whose signature equals
the one a block length later; before and after it, the same search again.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from autodiff.compiler.tracing import Trace
from autodiff.core import Value, receivers

MIN_BLOCKS = 4
"""Fewer repetitions than this are written out."""


@dataclass(frozen=True)
class Repeat:
    """`count` blocks of `length` nodes from `start` in `trace.order`, each computing
    what the block before it computes, from its own inputs.

    `carried`: the places j (0 ≤ j < length) whose node the next block reads,
    which the block before the first (the `length` nodes before `start`) provides
    for the first. `inputs`: per place holding an input leaf, the index in X of
    the first block's and the distance between the blocks' (X[first + step·k]).
    `results`: the places of the program's results (`trace.results`) in a block;
    the blocks' are the results from `results_from` on, block after block.
    `unlabelled`: the places whose label is not the same in every block (E_1, E_2,
    ...): a loop cannot name them by it.
    """

    start: int
    length: int
    count: int
    carried: tuple[int, ...]
    inputs: dict[int, tuple[int, int]]
    results: tuple[int, ...] = ()
    results_from: int = 0
    unlabelled: frozenset[int] = frozenset()

    @property
    def end(self) -> int:
        return self.start + self.length * self.count

    def block(self, order: Sequence[Value], k: int) -> Sequence[Value]:
        """The nodes of block k."""
        start = self.start + k * self.length
        return order[start:start + self.length]

    def first_carried(self, order: Sequence[Value]) -> dict[int, Value]:
        """What the first block reads in place of the block before it: per carried
        place j, the node `length` places before the first block's j-th."""
        return {j: order[self.start - self.length + j] for j in self.carried}


def find(trace: Trace, min_nodes: int) -> list[Repeat]:
    """The repetitions in trace's order that loops can replay, in order: the longest,
    then the longest before and after it, and so on (two passes over the points
    make two).

    None for traces with comparisons (`Guard`), with results outside the loss's
    graph, or of fewer than `min_nodes` nodes (an empty list): those are written out."""
    order = trace.order
    if (len(order) < min_nodes or trace.guards or len(trace.loss_order) != len(order)
            or trace.loss is not order[-1]):
        return []
    slot = {v: i for i, v in enumerate(trace.reads)}
    inputs = {v: i for i, v in enumerate(trace.inputs)}
    position: dict[Value, int] = {}
    hashes: list[int] = []
    for p, v in enumerate(order):
        position[v] = p
        hashes.append(hash(_signature(v, p, position, slot, inputs)))
    found: list[Repeat] = []
    windows = [(0, len(order) - 1)]  # where to look: [low, high), the loss after them all
    while windows:
        low, high = windows.pop()
        run = _run(hashes[low:high])
        if run is None:
            continue
        start, length, count = run
        start += low
        count = min(count, (high - start) // length)
        repeat = None
        for blocks in (count, count - 1):  # or without the last block, which what follows
            if blocks >= MIN_BLOCKS:  # may read otherwise (a result of its own)
                repeat = _checked(trace, start, length, blocks, position, slot, inputs)
                if repeat is not None:
                    break
        if repeat is not None:
            found.append(repeat)
            windows += [(low, repeat.start), (repeat.end, high)]
    return sorted(found, key=lambda r: r.start)


def _signature(v: Value, p: int, position: dict[Value, int], slot: dict[Value, int],
               inputs: dict[Value, int]) -> tuple[Any, ...]:
    """What v computes, relative to its place p: equal signatures at equal places
    of two blocks mean equal functions of their inputs."""
    prim = v.primitive
    if prim is None:
        if v in slot:
            return ("read", slot[v])
        return ("input",) if v in inputs else ("number", repr(v.data))
    return (prim, receivers(v), tuple(
        ("read", slot[x]) if x in slot else p - position[x] if isinstance(x, Value)
        else repr(x) for x in v.args))


def _run(hashes: list[int]) -> tuple[int, int, int] | None:
    """(start, length, count) of the longest run of blocks with equal hashes, the
    block's length one of the most frequent distances between equal hashes: of
    those met a few times per block at most (a per-point block's nodes), and of
    all (a chain's)."""
    frequency = Counter(hashes)
    rare: Counter[int] = Counter()
    every: Counter[int] = Counter()
    last: dict[int, int] = {}
    for p, h in enumerate(hashes):
        if h in last:
            gap = p - last[h]
            every[gap] += 1
            if MIN_BLOCKS <= frequency[h] <= len(hashes) // MIN_BLOCKS:
                rare[gap] += 1
        last[h] = p
    lengths = {length for gaps in (rare, every) for length, _ in gaps.most_common(3)}
    found = [_longest(hashes, length) for length in sorted(lengths)]
    start, length, count = max(found, key=lambda run: run[1] * run[2], default=(0, 1, 0))
    return (start, length, count) if count >= MIN_BLOCKS else None


def _longest(hashes: list[int], length: int) -> tuple[int, int, int]:
    """(start, length, count) of the longest run of blocks of `length` with equal hashes."""
    best, best_start, run = 0, 0, 0
    for p in range(len(hashes) - length):
        if hashes[p] == hashes[p + length]:
            run += 1
            if run > best:
                best, best_start = run, p - run + 1
        else:
            run = 0
    return best_start, length, (best + length) // length


def _checked(trace: Trace, start: int, length: int, count: int,
             position: dict[Value, int], slot: dict[Value, int], inputs: dict[Value, int]
             ) -> Repeat | None:
    """The Repeat, where a loop replays it exactly: every block's signatures equal
    the first's (not their hashes only), each node reads only its own block, the
    block before it and parameters, whether a gradient is computed is the same at
    every place, each input's index in X grows by the same step from block to
    block, and outside the run only the nodes after it read it, and only its last
    block, and the first block's carried nodes are read by that block alone;
    results in the run are the same places of every block, in the blocks' order."""
    order, needs = trace.order, trace.needs_grad
    first = order[start:start + length]
    signatures = [_signature(v, start + j, position, slot, inputs) for j, v in enumerate(first)]
    if any(v in slot for v in first):
        return None
    carried: set[int] = set()
    for j, sig in enumerate(signatures):
        if sig[0] in ("read", "input", "number"):
            continue
        for ref in sig[2]:
            if isinstance(ref, int):  # (a place back, never 0)
                if ref > j + length or start + j - ref < 0:
                    return None  # reads further back than the block before
                if ref > j:
                    carried.add(j - ref + length)
    step: dict[int, int] = {}
    unlabelled: set[int] = set()
    for k in range(1, count):
        base = start + k * length
        for j in range(length):
            v = order[base + j]
            if (_signature(v, base + j, position, slot, inputs) != signatures[j]
                    or needs.get(v, False) != needs.get(first[j], False)):
                return None
            if v.label != first[j].label:
                unlabelled.add(j)
            if v in inputs:
                gap = inputs[v] - inputs[first[j]]
                if step.setdefault(j, gap // k) * k != gap:
                    return None
    end = start + count * length
    before = {order[start - length + j]: j for j in carried}
    if any(needs.get(v, False) != needs.get(order[start + j], False) for v, j in before.items()):
        return None
    last_block = end - length
    for v in order[end:]:  # after the run: the last block only, no carried node before it
        for x in v.inputs:  # (blocks 1, 2, ... cannot reach before the run: see above)
            if start <= position[x] < last_block or x in before:
                return None
    results = _results(trace.results, position, start, length, count)
    if results is None:
        return None
    return Repeat(start, length, count, tuple(sorted(carried)),
                  {j: (inputs[first[j]], step.get(j, 0)) for j in range(length)
                   if first[j] in inputs}, results[1], results[0], frozenset(unlabelled))


def _results(results: Sequence[Value], position: dict[Value, int], start: int, length: int,
             count: int) -> tuple[int, tuple[int, ...]] | None:
    """(where among the results the run's start, their places in a block), where the
    run's results are the same places of every block, block after block."""
    inside = [i for i, v in enumerate(results) if start <= position[v] < start + count * length]
    if not inside:
        return 0, ()
    first, per = inside[0], len(inside) // count
    if inside != list(range(first, first + len(inside))) or len(inside) != per * count:
        return None
    places = tuple(position[results[first + i]] - start for i in range(per))
    if len(set(places)) != per or any(
            position[results[first + k * per + i]] != start + k * length + j
            for k in range(count) for i, j in enumerate(places)):
        return None
    return first, places

