"""Diagrams of computation graphs with Graphviz.

`draw(root)` returns a `Diagram` (a `graphviz.Digraph`): one box per Value
(label, data, grad), one small node per operation showing the primitive's
symbol, edges in operand order. The DOT source depends only on the graph, so
diagrams can be diffed and snapshot-tested: nodes are named by their position
in `topological_order`, never by `id()`.

Nodes built by `nn` carry a `scope` ("layers.0/neurons.1"); they are drawn in
nested clusters, and `collapse=["layers.0"]` folds a module into one box.
Labels in the seed notes' notation ("u_1^(2)", "w_12^(3)") get real
subscripts and superscripts; a node labelled u_j^(l) shows its gradient as
δ_j^(l).
"""

from __future__ import annotations

import html
import json
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from pathlib import Path

from autodiff.engine import Value, topological_order

try:
    import graphviz
except ImportError as exc:  # pragma: no cover - exercised without graphviz only
    raise ImportError(
        "drawing needs the graphviz Python package: pip install 'autodiff-watch[draw]'"
    ) from exc

INSTALL_DOT = (
    "Graphviz's `dot` program is not installed: apt-get install graphviz "
    "(Debian/Ubuntu; `./run demo` and `./run test` do this), or see https://graphviz.org/download"
)
HIGHLIGHT = "#ffb000"
_TEXTBOOK = re.compile(r"^([^\W\d_]+)_([0-9A-Za-z,]+)(?:\^\((\w+)\))?$")


class Diagram(graphviz.Digraph):
    """A `graphviz.Digraph` that saves in one call (`save_as`), shows inline
    SVG in notebooks and, when Graphviz's `dot` is missing, says how to
    install it (RuntimeError) from `pipe`, `render`, `svg` and `save_as`."""

    def pipe(self, *args, **kwargs):
        try:
            return super().pipe(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise RuntimeError(INSTALL_DOT) from None

    def render(self, *args, **kwargs):
        try:
            return super().render(*args, **kwargs)
        except graphviz.ExecutableNotFound:
            raise RuntimeError(INSTALL_DOT) from None

    def save_as(self, path: str | Path) -> Path:
        """Render to `path`; the format comes from its extension (svg, png, pdf, ...)."""
        path = Path(path)
        fmt = path.suffix.lstrip(".").lower()
        if not fmt:
            raise ValueError(f"{path}: give a file extension such as .svg, .png or .pdf")
        path.write_bytes(self.pipe(format=fmt))
        return path

    def svg(self) -> str:
        """The diagram as SVG text."""
        return self.pipe(format="svg", encoding="utf-8")

    def _repr_mimebundle_(self, include=None, exclude=None, **kwargs):
        return {"image/svg+xml": self.svg()}


def textbook_html(label: str) -> str:
    """'u_1^(2)' → 'u<sub>1</sub><sup>(2)</sup>'; other labels are escaped as they are."""
    m = _TEXTBOOK.match(label)
    if not m:
        return html.escape(label)
    name, sub, sup = m.groups()
    out = f"{html.escape(name)}<sub>{html.escape(sub)}</sub>"
    return out + (f"<sup>({html.escape(sup)})</sup>" if sup else "")


def _gradient_name(label: str) -> str:
    m = _TEXTBOOK.match(label)
    if m and m.group(1) == "u":
        return textbook_html(label.replace("u", "δ", 1))
    return "grad"


def draw(
    roots: Value | Sequence[Value],
    *,
    rankdir: str = "LR",
    show: Iterable[str] = ("label", "data", "grad"),
    number_format: str = ".4g",
    highlight: Iterable[Value] = (),
    highlight_path: tuple[Value, Value] | None = None,
    collapse: Iterable[str] = (),
    clusters: bool = True,
    max_nodes: int = 300,
) -> Diagram:
    """Draw everything `roots` depend on (one Value, or several: then only the
    part of the graph that leads to them).

    `show` picks what Value boxes contain ("label", "data", "grad");
    `number_format` formats the numbers; `highlight` colours nodes and
    `highlight_path=(a, b)` every node and edge on a path from a to b;
    `collapse` lists scope prefixes to fold into one box each; `clusters`
    groups nodes by scope. More than `max_nodes` boxes raise ValueError
    saying what to do.
    """
    return _diagram(_roots(roots), show=show, number_format=number_format, rankdir=rankdir,
                    highlight=highlight, highlight_path=highlight_path, collapse=collapse,
                    clusters=clusters, max_nodes=max_nodes)


def _roots(roots: Value | Sequence[Value]) -> list[Value]:
    if isinstance(roots, Value):
        return [roots]
    roots = list(roots)
    if not roots or not all(isinstance(r, Value) for r in roots):
        raise TypeError("draw() needs a Value or a non-empty list of Values")
    return roots


def graph_nodes(roots: list[Value]) -> list[Value]:
    """Every node the roots depend on, in a deterministic topological order."""
    seen: set[Value] = set()
    nodes: list[Value] = []
    for root in roots:
        for v in topological_order(root):
            if v not in seen:
                seen.add(v)
                nodes.append(v)
    return nodes


def _path_nodes(nodes: list[Value], start: Value, end: Value) -> set[Value]:
    """Nodes on some path start → ... → end (descendants of start, ancestors of end)."""
    below = {start}
    for v in nodes:  # topological: inputs come first
        if any(i in below for i in v.inputs):
            below.add(v)
    above = set(topological_order(end))
    return below & above


def _diagram(
    roots: list[Value],
    *,
    show: Iterable[str] = ("label", "data", "grad"),
    number_format: str = ".4g",
    rankdir: str = "LR",
    highlight: Iterable[Value] = (),
    highlight_path: tuple[Value, Value] | None = None,
    collapse: Iterable[str] = (),
    clusters: bool = True,
    max_nodes: int = 300,
    text: Callable[[Value, str], str] | None = None,
    sizes: Mapping[str, tuple[str, str]] | None = None,
    grad_title: str | None = None,
) -> Diagram:
    """The drawing behind `draw` and the stepper's frames. `text(v, field)`,
    if given, overrides the shown data/grad strings; `sizes` (from
    `node_sizes`) fixes the width and height of the nodes it names;
    `grad_title` replaces the word before the second number ("grad", or δ for
    a u node), as forward-mode frames do with "tangent"."""
    show = set(show)
    unknown = show - {"label", "data", "grad"}
    if unknown:
        raise ValueError(f"show may contain 'label', 'data', 'grad'; got {sorted(unknown)}")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"rankdir must be LR, RL, TB or BT, got {rankdir!r}")
    format(1.0, number_format)  # fails early on a bad format
    nodes = graph_nodes(roots)
    prefixes = [p.rstrip("/") for p in collapse]
    folded = {v: _fold(v.scope, prefixes) for v in nodes}
    boxes = sorted({p for p in folded.values() if p is not None}, key=prefixes.index)
    shown = [v for v in nodes if folded[v] is None]
    if len(shown) + len(boxes) > max_nodes:
        raise ValueError(
            f"the graph has {len(shown) + len(boxes)} nodes to draw, more than "
            f"max_nodes={max_nodes}; pass a larger max_nodes, collapse modules "
            f"(collapse=['layers.0', ...]) or draw only part (draw([some_node]))"
        )
    marked = set(highlight)
    if highlight_path is not None:
        marked |= _path_nodes(nodes, *highlight_path)
    name = {v: f"n{k}" for k, v in enumerate(nodes)}
    for v in nodes:
        box = folded[v]
        if box is not None:
            name[v] = f"box{prefixes.index(box)}"

    def number(v: Value, field: str) -> str:
        if text is not None:
            return text(v, field)
        return format(v.data if field == "data" else v.grad, number_format)

    def fixed(node: str) -> dict[str, str]:
        if sizes is None or node not in sizes:
            return {}
        width, height = sizes[node]
        return {"width": width, "height": height, "fixedsize": "true"}

    g = Diagram(graph_attr={"rankdir": rankdir}, node_attr={"fontname": "Helvetica"})
    bodies: dict[str, list[str]] = {}

    def add(scope: str, line: str) -> None:
        bodies.setdefault(scope if clusters else "", []).append(line)

    for v in shown:
        rows = []
        if "label" in show and v.label:
            rows.append(f"<b>{textbook_html(v.label)}</b>")
        if "data" in show:
            rows.append(f"data {html.escape(number(v, 'data'))}")
        if "grad" in show:
            title = _gradient_name(v.label) if grad_title is None else html.escape(grad_title)
            rows.append(f"{title} {html.escape(number(v, 'grad'))}")
        color = HIGHLIGHT if v in marked else "white"
        label = "<" + "<br/>".join(rows or ["&nbsp;"]) + ">"
        add(v.scope, _node(name[v], label=label, shape="box", style="rounded,filled",
                           fillcolor=color, **fixed(name[v])))
        if v.op:
            add(v.scope, _node(name[v] + "op", label=html.escape(_op_text(v)), shape="circle",
                               fontsize="10", **(fixed(name[v] + "op") or {"width": "0.3"}),
                               style="filled", fillcolor=HIGHLIGHT if v in marked else "#e8eef7"))
    for k, prefix in enumerate(boxes):
        members = sum(1 for v in nodes if folded[v] == prefix)
        g.node(f"box{k}", label=f"{prefix}\n({members} nodes)", shape="box3d",
               style="filled", fillcolor="#f3f3f3")

    _emit_clusters(g, bodies)
    drawn_edges = set()
    for v in nodes:
        if not v.op:
            continue
        target = name[v] + "op" if folded[v] is None else name[v]
        if folded[v] is None:
            g.edge(target, name[v], color=HIGHLIGHT if v in marked else "black")
        for x in v.inputs:
            source = name[x]
            if folded[x] is not None and folded[x] == folded[v]:
                continue  # inside one collapsed box
            if folded[v] is not None and (source, target) in drawn_edges:
                continue
            drawn_edges.add((source, target))
            attrs = {"color": HIGHLIGHT, "penwidth": "2"} if x in marked and v in marked else {}
            g.edge(source, target, **attrs)
    return g


def node_sizes(diagram: Diagram) -> dict[str, tuple[str, str]]:
    """Each node's (width, height) in inches as Graphviz lays `diagram` out;
    pass them as `sizes` to draw frames that all share that layout."""
    layout = json.loads(diagram.pipe(format="json0", encoding="utf-8"))
    return {obj["name"]: (obj["width"], obj["height"])
            for obj in layout.get("objects", []) if "width" in obj}


def _fold(scope: str, prefixes: list[str]) -> str | None:
    for p in prefixes:
        if scope == p or scope.startswith(p + "/"):
            return p
    return None


def _op_text(v: Value) -> str:
    """The operation's symbol (from its primitive's record), with a folded number
    constant on its side: '× 0.5', '− 1', '2 ÷'."""
    symbol = v.primitive.symbol  # type: ignore[union-attr]
    args = v.args
    if all(isinstance(a, Value) for a in args):
        return symbol
    texts = [format(a, ".4g") for a in args if not isinstance(a, Value)]
    if len(args) == 2:
        return f"{texts[0]} {symbol}" if not isinstance(args[0], Value) else f"{symbol} {texts[0]}"
    return f"{symbol} ({', '.join(texts)})"


def _node(name: str, **attrs: str) -> str:
    parts = []
    for key, value in attrs.items():
        quoted = value if value.startswith("<") else '"' + value.replace('"', '\\"') + '"'
        parts.append(f"{key}={quoted}")
    return f"{name} [{' '.join(parts)}]"


def _emit_clusters(g: Diagram, bodies: dict[str, list[str]]) -> None:
    """Nested `cluster_` subgraphs, one per scope path prefix, in a stable order."""
    tree: dict[str, dict] = {}
    for scope in bodies:
        node = tree
        for part in scope.split("/") if scope else []:
            node = node.setdefault(part, {})
    g.body.extend("\t" + line + "\n" for line in bodies.get("", []))

    def emit(parent: Diagram | graphviz.Digraph, node: dict, path: str) -> None:
        for part, children in node.items():
            scope = f"{path}/{part}" if path else part
            with parent.subgraph(name=f"cluster_{scope.replace('/', '__').replace('.', '_')}") as c:
                c.attr(label=part, style="rounded,dashed", color="#9aa5b1", fontsize="10")
                c.body.extend("\t" + line + "\n" for line in bodies.get(scope, []))
                emit(c, children, scope)

    emit(g, tree, "")
