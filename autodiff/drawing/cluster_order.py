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
   position (`pos`), every cluster at its box (`bb`) and every edge on its
   route: dot's own, moved with its ends where they moved alike, else a curve
   from the tail's side to the head's as dot draws them (neato's own router
   takes seconds for a 2-3-1 MLP over two samples; this takes none). A drawing
   already in order is rendered by `dot` as it is.

`pinned(source, groups, direction)` returns the DOT source to render and the
extra `dot` arguments (none, or `-Kneato -n2`).
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable, Sequence
from itertools import pairwise

from autodiff.drawing.views import quote

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
    body = source.rstrip()
    if not body.endswith("}"):
        raise ValueError("not a DOT graph: it does not end with '}'")
    for name, o in clusters.items():  # each cluster's box, first in its own body
        dx, dy = _move(cluster_shift.get(name, 0.0), along_y)
        attrs = f'bb="{_moved(o["bb"], dx, dy)}"'
        if "lp" in o:
            attrs += f' lp="{_moved(o["lp"], dx, dy)}"'
        opening = f"subgraph {quote(name)} {{\n"
        body = body.replace(opening, f"{opening}graph [{attrs}]\n", 1)
    routes = _routes(found, node_shift, along_y, direction)
    lines = []
    for line in body[:-1].split("\n"):
        edge = _EDGE.match(line)
        if edge is not None:  # every edge gets its route: neato routes none (which is slow)
            attrs = edge["attrs"] or ""
            route = routes[edge["tail"], edge["head"]].pop(0)
            line = f"\t{edge['tail']} -> {edge['head']} [{attrs}{' ' if attrs else ''}{route}]"
        lines.append(line)
    pins = [f'graph [bb="{found["bb"]}"' + (f' lp="{found["lp"]}"' if "lp" in found else "")
            + "]"]
    for k, o in enumerate(objects):
        if "pos" in o and "bb" not in o:
            dx, dy = _move(node_shift.get(k, 0.0), along_y)
            pins.append(f'{quote(o["name"])} [pos="{_moved(o["pos"], dx, dy)}"]')
    return "\n".join(lines) + "".join(f"\t{pin}\n" for pin in pins) + "}\n", NEATO


_EDGE = re.compile(r"^\t(?P<tail>\w+) -> (?P<head>\w+)(?: \[(?P<attrs>.*)\])?$")
"""An edge statement as `Builder` writes it: one edge, at the top level."""


def _routes(found: dict, node_shift: dict[int, float], along_y: bool,
            direction: str) -> dict[tuple[str, str], list[str]]:
    """Per (tail, head), in the order the edges were made: the `pos` (and label
    positions) of each edge. An edge whose ends moved alike keeps dot's route,
    moved with them; any other is a curve from the tail's side to the head's, as
    dot draws them, leaving along the ranks' direction."""
    objects = found.get("objects", [])
    routes: dict[tuple[str, str], list[str]] = {}
    for e in found.get("edges", []):
        tail, head = objects[e["tail"]], objects[e["head"]]
        t_shift, h_shift = node_shift.get(e["tail"], 0.0), node_shift.get(e["head"], 0.0)
        if t_shift == h_shift and "pos" in e:
            dx, dy = _move(t_shift, along_y)
            route = f'pos="{_moved(e["pos"], dx, dy)}"'
            for key in ("lp", "xlp"):
                if key in e:
                    route += f' {key}="{_moved(e[key], dx, dy)}"'
        else:
            route = _curve(tail, head, _move(t_shift, along_y), _move(h_shift, along_y),
                           direction, "xlabel" in e or "label" in e)
        routes.setdefault((tail["name"], head["name"]), []).append(route)
    return routes


_AXIS = {"LR": (1.0, 0.0), "RL": (-1.0, 0.0), "TB": (0.0, -1.0), "BT": (0.0, 1.0)}
_ARROW = 6.0  # pt: the arrowhead's length at the diagrams' arrowsize 0.6


def _curve(tail: dict, head: dict, t_move: tuple[float, float], h_move: tuple[float, float],
           direction: str, labelled: bool) -> str:
    """A Bézier curve (Graphviz's `pos`: "e,<tip> <4 points>") from the tail's
    side to the head's, its ends along the ranks' direction."""
    ux, uy = _AXIS.get(direction, _AXIS["TB"])
    tx, ty = (float(v) for v in tail["pos"].split(","))
    hx, hy = (float(v) for v in head["pos"].split(","))
    tx, ty, hx, hy = tx + t_move[0], ty + t_move[1], hx + h_move[0], hy + h_move[1]
    t_half = 36 * float(tail.get("width" if ux else "height", 0))
    h_half = 36 * float(head.get("width" if ux else "height", 0))
    x0, y0 = tx + ux * t_half, ty + uy * t_half  # the tail's side
    tip = (hx - ux * h_half, hy - uy * h_half)  # the head's side, where the arrow points
    x3, y3 = tip[0] - ux * _ARROW, tip[1] - uy * _ARROW
    reach = max(abs((x3 - x0) * ux + (y3 - y0) * uy) / 2, 10.0)
    points = [(x0, y0), (x0 + ux * reach, y0 + uy * reach), (x3 - ux * reach, y3 - uy * reach),
              (x3, y3)]
    route = f'pos="e,{tip[0]:.2f},{tip[1]:.2f} ' + " ".join(f"{x:.2f},{y:.2f}" for x, y in points)
    route += '"'
    if labelled:
        route += f' xlp="{(x0 + x3) / 2:.2f},{(y0 + y3) / 2:.2f}"'
    return route


def _moved(points: str, dx: float, dy: float) -> str:
    """Graphviz's points ("x,y", "x0,y0,x1,y1", "e,x,y x,y ...") moved by (dx, dy)."""
    if not dx and not dy:
        return points
    out = []
    for part in points.split(" "):
        prefix = ""
        if part[:2] in ("e,", "s,"):
            prefix, part = part[:2], part[2:]
        values = [float(v) for v in part.split(",")]
        out.append(prefix + ",".join(f"{v + (dy if k % 2 else dx):.2f}"
                                     for k, v in enumerate(values)))
    return " ".join(out)


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
