"""Numbered sibling clusters in their order: unit 1, unit 2, unit 3 of a layer
stacked top to bottom (left to right in a TB drawing), whatever Graphviz's
crossing minimisation chose.

Graphviz's `dot` orders the clusters of one rank as it sees fit: its
crossing minimisation may swap whole clusters, and no constraint it offers
(`ordering`, invisible `rank=same` edges between clusters, weights) binds a
cluster's place (in `mincross.c`, `left2right` lets cluster skeletons swap
before it reads the flat-edge constraints). So the order is repaired after
the layout, as a layout of our own:

1. `dot -Tjson` lays the graph out.
2. For each group of siblings that must come in order (`Diagram.orders`, e.g.
   the units of one layer: clusters, or boxes of collapsed units), if they are
   stacked across the ranks (their extents along the order axis do not
   overlap) and not in order, they are restacked: the same slots and gaps,
   filled in the group's order; every node and cluster inside a cluster moves
   with it.
3. The moved drawing is rendered by `neato -n2` with every node pinned at its
   position (`pos`) and every cluster at its box (`bb`); neato routes the edges
   again (`splines=true`, or the drawing's own `splines`). A drawing already
   in order is rendered by `dot` as it is.

`pinned(source, groups, direction)` returns the DOT source to render and the
extra `dot` arguments (none, or `-Kneato -n2`).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from itertools import pairwise

from autodiff.diagram import quote

Layout = Callable[[str], bytes]
"""Runs `dot -Tjson` on a DOT source: its output."""

NEATO = ("-Kneato", "-n2")
"""How the repaired drawing is rendered: neato, positions given in points."""


def pinned(source: str, groups: Sequence[Sequence[str]], direction: str,
           layout: Layout) -> tuple[str, tuple[str, ...]]:
    """The DOT source that draws `source` with each group of sibling clusters
    (cluster names, in the order wanted: first at the top in LR/RL, at the
    left in TB/BT) in its order, and the arguments `dot` needs for it."""
    if not groups:
        return source, ()
    found = json.loads(layout(source))
    objects = found.get("objects", [])
    clusters = {o["name"]: o for o in objects if "bb" in o and "nodes" in o}
    items = {o["name"]: o for o in objects if "pos" in o and "bb" not in o} | clusters
    along_y = direction in ("LR", "RL")
    shifts: dict[str, float] = {}  # cluster or node name -> how far it moves along the axis
    for group in groups:
        shifts |= _restack([items[name] for name in group if name in items], along_y)
    if not any(shifts.values()):
        return source, ()
    index = {o["name"]: k for k, o in enumerate(objects) if "pos" in o and "bb" not in o}
    node_shift: dict[int, float] = {}
    cluster_shift: dict[str, float] = {}
    for name, shift in shifts.items():
        members = set(clusters[name]["nodes"]) if name in clusters else {index[name]}
        for k in members:
            node_shift[k] = node_shift.get(k, 0.0) + shift
        for other, o in clusters.items():
            if set(o["nodes"]) <= members:
                cluster_shift[other] = cluster_shift.get(other, 0.0) + shift
    lines = [f'graph [bb="{found["bb"]}"' + ("" if "splines" in found else " splines=true")
             + (f' lp="{found["lp"]}"' if "lp" in found else "") + "]"]
    for k, o in enumerate(objects):
        if "pos" in o and "bb" not in o:
            x, y = map(float, o["pos"].split(","))
            dx, dy = _move(node_shift.get(k, 0.0), along_y)
            lines.append(f'{quote(o["name"])} [pos="{x + dx:.2f},{y + dy:.2f}"]')
    body = source.rstrip()
    if not body.endswith("}"):
        raise ValueError("not a DOT graph: it does not end with '}'")
    for name, o in clusters.items():  # each cluster's box, first in its own body
        dx, dy = _move(cluster_shift.get(name, 0.0), along_y)
        x0, y0, x1, y1 = map(float, o["bb"].split(","))
        attrs = f'bb="{x0 + dx:.2f},{y0 + dy:.2f},{x1 + dx:.2f},{y1 + dy:.2f}"'
        if "lp" in o:
            lx, ly = map(float, o["lp"].split(","))
            attrs += f' lp="{lx + dx:.2f},{ly + dy:.2f}"'
        opening = f"subgraph {quote(name)} {{\n"
        body = body.replace(opening, f"{opening}graph [{attrs}]\n", 1)
    return body[:-1] + "".join(f"\t{line}\n" for line in lines) + "}\n", NEATO


def _restack(group: list[dict], along_y: bool) -> dict[str, float]:
    """The shift of each cluster of `group` (in the order wanted) that puts them
    in that order in the slots they fill now; {} if they are not stacked (their
    extents along the order axis overlap) or already in order."""
    if len(group) < 2:
        return {}
    spans = {o["name"]: _span(o, along_y) for o in group}
    slots = sorted(spans.values())
    if any(a[1] > b[0] for a, b in pairwise(slots)):
        return {}  # side by side, not stacked: nothing to order
    wanted = [o["name"] for o in group]
    if sorted(wanted, key=lambda name: spans[name]) == wanted:
        return {}
    gaps = [b[0] - a[1] for a, b in pairwise(slots)] + [0.0]
    shifts, cursor = {}, slots[0][0]
    for name, gap in zip(wanted, gaps, strict=True):
        start, end = spans[name]
        shifts[name] = cursor - start
        cursor += end - start + gap
    return shifts


def _span(item: dict, along_y: bool) -> tuple[float, float]:
    """A cluster's or a node's extent along the order axis, growing in reading
    order: down (−y, Graphviz's y grows upwards) in LR and RL, right (x) in TB
    and BT."""
    if "bb" in item:
        x0, y0, x1, y1 = map(float, item["bb"].split(","))
    else:
        x, y = map(float, item["pos"].split(","))
        w, h = 36 * float(item.get("width", 0)), 36 * float(item.get("height", 0))  # half, pt
        x0, y0, x1, y1 = x - w, y - h, x + w, y + h
    return (-y1, -y0) if along_y else (x0, x1)


def _move(shift: float, along_y: bool) -> tuple[float, float]:
    """A shift along the order axis as (dx, dy) in Graphviz's coordinates."""
    return (0.0, -shift) if along_y else (shift, 0.0)
