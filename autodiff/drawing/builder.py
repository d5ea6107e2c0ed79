"""`Builder`: collects a diagram's nodes and edges, cluster by cluster, and
writes the DOT source of a `Diagram` with the layout constraints that keep
networks tidy. Used by `autodiff.draw` (computation graphs) and `nn.draw`
(the network view).

Nodes are placed in clusters by a scope path ("layers.0/neurons.1"); clusters
are titled in the numbering of docs/explanation/notation.md (`cluster_title`). Layout, in
Graphviz's terms: sibling clusters joined by edges get ranks of their own (an
invisible "band" node between them), so layers stand side by side as columns
instead of a staircase; a node can be put `beside` another (same rank: a
weight next to its multiplication, a constant next to its operation); units
collapsed into boxes keep their order as rows.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping
from itertools import pairwise

from autodiff.core import Value
from autodiff.drawing.diagram import Diagram, html_label, statement
from autodiff.drawing.networks import INPUT_LAYER
from autodiff.drawing.views import FILLS, FONT, NodeView, Run, quote
from autodiff.notation.messages import check_lang, say
from autodiff.notation.typeset import safe_text

Legend = list[tuple[str, tuple[Run, ...]]]
"""A key: per entry, the kind of node whose fill it shows (or "") and its text."""

_CLUSTER = {"style": "rounded,dashed", "color": "#9aa5b1", "fontsize": "11", "labelloc": "t",
            "labeljust": "l", "margin": "6"}


def cluster_title(part: str, lang: str = "en") -> str:
    """A scope's name in the notes' numbering, in language `lang`: nn's "layers.0"
    is layer 2 (第 2 層; layer 1 is the input), "neurons.0" is unit 1; nn.draw's
    column of inputs "layer 1" is layer 1; other names are shown as they are."""
    kind, _, index = part.partition(".")
    if index.isdigit():
        if kind == "layers":
            return say(lang, "diagram.layer", number=int(index) + 2)
        if kind == "neurons":
            return say(lang, "diagram.unit", number=int(index) + 1)
    if part == INPUT_LAYER:
        return say(lang, "diagram.layer", number=1)
    return safe_text(part)


class Builder:
    """The nodes, edges and clusters of one diagram; `finish()` makes it.

    With `clusters=False` every node is drawn at the top level. `sizes`
    (from `node_sizes`) fixes the width and height of the nodes it names.
    An `overview` (of `autodiff.drawing.explorer`, many edges between collapsed boxes)
    has straight edges drawn under the nodes, thin where they are merged, and
    wider gaps between ranks. `lang` is the language of the clusters' titles."""

    def __init__(self, *, clusters: bool = True,
                 sizes: Mapping[str, tuple[str, str]] | None = None,
                 overview: bool = False, lang: str = "en") -> None:
        self.lang = check_lang(lang)
        self.clusters = clusters
        self.overview = overview
        self.sizes = sizes or {}
        self.bodies: dict[str, list[str]] = {"": []}
        self.place: dict[str, str] = {}  # node name -> the scope path it is drawn in
        self.views: dict[str, NodeView] = {}
        self.edges: list[tuple[str, str, dict[str, str]]] = []
        self.merged: dict[tuple[str, str], tuple[list[Value | str], bool]] = {}
        self.besides: dict[str, str] = {}
        self.rows: dict[str, list[tuple[int, str]]] = {}
        self.edge_labels: dict[tuple[str, str], NodeView] = {}
        self.ordered: dict[tuple[str, str], list[tuple[int, str]]] = {}

    def node(self, name: str, scope: str, view: NodeView, **attrs: str) -> None:
        """A node drawn in the cluster of `scope`, showing `view`."""
        self.views[name] = view
        if name in self.sizes:
            width, height = self.sizes[name]
            attrs |= {"width": width, "height": height, "fixedsize": "true"}
        self.place[name] = scope if self.clusters else ""
        self.bodies.setdefault(self.place[name], []).append(
            statement(name, label=html_label(view), **attrs))

    def edge(self, tail: str, head: str, **attrs: str) -> None:
        self.edges.append((tail, head, attrs))

    def labelled_edge(self, tail: str, head: str, label: NodeView, **attrs: str) -> None:
        """An edge tail → head with `label` written on it."""
        self.edge_labels[tail, head] = label
        self.edge(tail, head, label=html_label(label), **attrs)

    def merge(self, tail: str, head: str, source: Value | str, *, counted: bool = True) -> None:
        """One edge tail → head for all the values it carries (`source`: a Value,
        or a str "name#sample"); when `counted` it is labelled "×n" if it stands
        for n values of one name, one per sample."""
        self.merged.setdefault((tail, head), ([], counted))[0].append(source)

    def beside(self, node: str, other: str) -> None:
        """Draw `node` in the same rank as `other` (the first request counts)."""
        self.besides.setdefault(node, other)

    def in_order(self, parent: str, part: str, name: str) -> None:
        """The box `name` stands for the numbered scope `part` ("neurons.2") of
        `parent`: drawn in order with its siblings, boxes or clusters."""
        kind, index = _numbered(part)
        if kind:
            self.ordered.setdefault((parent, kind), []).append((index, name))

    def row(self, group: str, index: int, node: str) -> None:
        """Nodes of one group are kept in one rank, in the order of `index`."""
        self.rows.setdefault(group, []).append((index, node))

    def finish(self, direction: str, legend: Legend, **graph_attrs: str) -> Diagram:
        """The Diagram: these nodes and edges, laid out in `direction`, with the
        key `legend` at the bottom (none if empty)."""
        g = Diagram(
            graph_attr={"rankdir": direction, "newrank": "true", "nodesep": "0.1",
                        "ranksep": "0.14", "fontname": FONT, "fontsize": "11", **graph_attrs},
            node_attr={"fontname": FONT, "fontsize": "11", "margin": "0.06,0.03"},
            edge_attr={"fontname": FONT, "fontsize": "10", "arrowsize": "0.6",
                       "color": "#3d4650"},
        )
        if len(self.bodies) > 1:  # clusters: keep the order the bands give (units as rows)
            g.graph_attr["remincross"] = "false"
        if self.overview:  # dot's spline router loops many edges between clusters far out
            g.graph_attr |= {"splines": "line", "outputorder": "edgesfirst", "ranksep": "0.7"}
        g.legend = legend
        if legend:
            g.graph_attr |= {"label": _legend_label(legend), "labelloc": "b",
                             "labeljust": "l"}
        g.views = self.views
        g.edge_labels = self.edge_labels
        g.clusters = {}
        g.body.extend(f"\t{line}\n" for line in self.bodies.pop(""))
        _emit_clusters(g, self.bodies, self.ordered if self.clusters else {}, self.lang)
        for (tail, head), (sources, counted) in self.merged.items():
            n = _multiplicity(sources)
            if self.overview:  # thin and unlabelled: the boxes say what leaves them
                self.edge(tail, head, color="#aab3bc", penwidth="0.6")
            else:
                self.edge(tail, head, **({"xlabel": f"×{n}", "fontcolor": "#59636e"}
                                         if counted and n > 1 else {}))
        g.body.extend(f"\t{statement(f'{tail} -> {head}', **attrs)}\n"
                      for tail, head, attrs in self.edges)
        g.body.extend(f"\t{line}\n" for line in self._constraints(direction))
        return g

    def _constraints(self, direction: str) -> list[str]:
        """Invisible constraints: nodes beside each other share a rank; rows keep
        their order (Graphviz puts a rank's first node at the bottom in LR); and
        between two sibling clusters joined by edges an invisible node comes
        after every tail and before every head, so each cluster has ranks of
        its own and they stand side by side as columns."""
        lines = [f"{{rank=same; {a}; {b}}}" for a, b in self.besides.items()]
        for members in self.rows.values():
            names = [name for _, name in sorted(members, reverse=direction in ("LR", "RL"))]
            if len(names) > 1:
                lines.append(f"{{rank=same; {'; '.join(names)}}}")
                lines += [f"{a} -> {b} [style=invis]" for a, b in pairwise(names)]
        crossing: dict[tuple[str, str], tuple[list[str], list[str]]] = {}
        for tail, head, _ in [] if self.overview else self.edges:  # straight edges need no bands
            pair = _siblings(self.place.get(tail, ""), self.place.get(head, ""))
            if pair is not None:
                tails, heads = crossing.setdefault(pair, ([], []))
                tails.append(tail)
                heads.append(head)
        for k, (tails, heads) in enumerate(crossing.values()):
            lines.append(f"band{k} [style=invis shape=point width=0 height=0 label=\"\"]")
            lines += [f"{t} -> band{k} [style=invis weight=0]" for t in dict.fromkeys(tails)]
            lines += [f"band{k} -> {h} [style=invis weight=0]" for h in dict.fromkeys(heads)]
        return lines


def _multiplicity(sources: list[Value | str]) -> int:
    """How many values of one name an edge stands for: the number of samples
    when it carries, say, z_1^(2) (or the input x_1, a str "x_1#sample") of
    every sample. Unlabelled values count one each."""
    values = {id(x): x for x in sources if isinstance(x, Value)}.values()
    names = Counter(v.label for v in values if v.label)
    names.update(x.partition("#")[0] for x in set(sources) if isinstance(x, str))
    unnamed = sum(1 for v in values if not v.label)
    return max([*names.values(), unnamed, 1])


def _legend_label(entries: Legend) -> str:
    cells = []
    for kind, runs in entries:
        text = html_label(NodeView(kind, (runs,)))[1:-1]
        if kind:
            border = ' border="1" style="rounded"' if kind != "output" else ' border="2"'
            cells.append(f'<td bgcolor="{FILLS[kind]}"{border}>{text}</td>')
        else:
            cells.append(f"<td>{text}</td>")
    return f'<<table border="0" cellspacing="6" cellpadding="3"><tr>{"".join(cells)}</tr></table>>'


def _emit_clusters(g: Diagram, bodies: dict[str, list[str]],
                   ordered: Mapping[tuple[str, str], list[tuple[int, str]]],
                   lang: str) -> None:
    """Nested `cluster_` subgraphs, one per scope path prefix, siblings in
    their numbering order ("layers.2" before "layers.10"), titled in the
    notes' numbering (in language `lang`). Numbered siblings of one kind ("neurons.0", "neurons.1"),
    clusters and the boxes of `ordered` ((parent, kind) -> (index, name)), are
    a group of `g.orders`: drawn in that order where they are stacked
    (`autodiff.drawing.cluster_order`)."""
    tree: dict[str, dict] = {}
    for scope in bodies:
        node = tree
        for part in scope.split("/"):
            node = node.setdefault(part, {})
    used: set[str] = set()
    g.orders, g.scopes = [], {}

    def emit(node: dict, path: str, indent: str) -> None:
        numbered: dict[str, list[tuple[int, str]]] = {}  # kind -> its clusters and boxes
        for (parent, kind), boxes in ordered.items():
            if parent == path:
                numbered.setdefault(kind, []).extend(boxes)
        for part, children in sorted(node.items(), key=lambda item: _numbered(item[0])):
            scope = f"{path}/{part}" if path else part
            name = "cluster_" + "".join(c if c.isalnum() else "_" for c in
                                        scope.replace("/", "__"))[:60]
            while name in used:
                name += "_"
            used.add(name)
            kind, index = _numbered(part)
            if kind:
                numbered.setdefault(kind, []).append((index, name))
            title = NodeView("cluster", ((Run(cluster_title(part, lang), "name"),),))
            g.clusters[name] = title
            g.scopes[name] = scope
            g.body.append(f"{indent}subgraph {quote(name)} {{\n")
            g.body.append(f"{indent}\t{statement('graph', label=html_label(title), **_CLUSTER)}\n")
            g.body.extend(f"{indent}\t{line}\n" for line in bodies.get(scope, []))
            emit(children, scope, indent + "\t")
            g.body.append(f"{indent}}}\n")
        g.orders += [[name for _, name in sorted(items)] for items in numbered.values()
                     if len(items) > 1]

    emit(tree, "", "\t")


def _numbered(part: str) -> tuple[str, int]:
    """Sort key of sibling scopes: "layers.2" before "layers.10"; names without
    a number come first and keep their order of appearance (the sort is stable)."""
    kind, _, index = part.partition(".")
    return (kind, int(index)) if index.isdigit() else ("", 0)


def _siblings(tail: str, head: str) -> tuple[str, str] | None:
    """For an edge from a node drawn in scope path `tail` to one in `head`: the
    two sibling clusters it crosses between (e.g. "layers.0", "layers.1"), or
    None when one end is not inside a cluster below their common parent."""
    a, b = tail.split("/") if tail else [], head.split("/") if head else []
    common = 0
    while common < min(len(a), len(b)) and a[common] == b[common]:
        common += 1
    if common == len(a) or common == len(b):
        return None
    return "/".join(a[: common + 1]), "/".join(b[: common + 1])
