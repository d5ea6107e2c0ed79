"""Diagrams of computation graphs with Graphviz.

`draw(root)` returns a `Diagram` (a `graphviz.Digraph`): a box per Value
(label, data in green, grad in red), a small fixed-size circle per operation
showing the primitive's symbol, and every operand as an edge into it, in
operand order (the first on top, or on the left). A folded number constant is
a small grey leaf; a number multiplied by a network weight w_ji^(l) is the
network input x_i = z_i^(1) (or z_i^(l−1)) and is drawn as a labelled leaf,
so ∂E/∂w = δ·z^(l−1) can be read off the picture. Leaves, parameters (leaves
made inside a module) and the output have their own fills; a key at the
bottom says which is which.

The DOT source depends only on the graph, so diagrams can be diffed and
snapshot-tested: nodes are named by their position in `topological_order`,
never by `id()`.

Nodes built by `nn` carry a `scope` ("layers.0/neurons.1"); they are drawn in
nested clusters titled in the notes' numbering ("layer 2", "unit 2"), and
`collapse=["layers.0"]` folds a module into one box inside its parent's
cluster. An edge that stands for several values of one name (one per sample)
says so: "×3". Labels in the notes' notation ("u_1^(2)", "w_12^(3)") are
written with Unicode sub- and superscripts (u₁⁽²⁾); a node labelled u_j^(l)
shows its gradient as δ_j^(l). Where a network's samples share labels, each
node says its sample: u₁⁽²⁾[n=2] (`autodiff.drawing.networks.samples`). Any label is
shown safely: control characters as escapes, long ones cut (`autodiff.notation.typeset`).
Hovering a node in the SVG names it (its tooltip), never Graphviz's own id.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping, Sequence
from functools import partial

from autodiff.core import Value, topological_order
from autodiff.drawing.builder import Builder, Legend, cluster_title
from autodiff.drawing.diagram import Diagram, node_sizes
from autodiff.drawing.explorer import Explorer
from autodiff.drawing.networks import Input, collapsed_inputs, is_network, network_inputs, samples
from autodiff.drawing.views import COLORS, FILLS, HIGHLIGHT, RECEIVER, RECEIVER_EDGE, NodeView, Run
from autodiff.notation import symbol as symbol_of
from autodiff.notation.messages import say
from autodiff.notation.typeset import (
    check_notes,
    check_number_format,
    delta_label,
    format_number,
    safe_text,
    sample_mark,
    unicode_label,
)

__all__ = ["HIGHLIGHT", "RECEIVER", "RECEIVER_EDGE", "WORDS", "Diagram", "GraphBuilder", "draw",
           "draw_frame", "graph_nodes", "node_ids", "node_sizes", "symbol"]

SHOW = ("label", "data", "grad")
DIRECTIONS = ("LR", "TB", "RL", "BT")
_LONG_CHAIN = 16  # ranks: deeper graphs that are not wider than deep are drawn top to bottom
_MARKED = {"color": HIGHLIGHT, "penwidth": "2"}
_RECEIVING = {"color": RECEIVER_EDGE, "penwidth": "2.5"}
_INPUTS = 1 << 20  # more inputs than any network drawn has: the sample's place in their order
WORD_KEYS = ("data", "grad", "value", "gradient", "node", "of each node", "delta at u",
             "parameter", "leaf", "input", "output")
"""The words a diagram writes around its numbers ("data 0.5", "grad -0.08872")
and in its key ("data value", "grad ∂E/∂node", "δ at u", the kinds of node)."""


def words(lang: str = "en") -> dict[str, str]:
    """The diagrams' words in `lang` (`autodiff.notation.messages`, keys "diagram.…")."""
    return {key: say(lang, f"diagram.{key}") for key in WORD_KEYS}


WORDS = words("en")
"""The words a diagram writes around its numbers and in its key, in one place
(SVG, PNG and TikZ alike take them from here)."""


def symbol(v: Value) -> str:
    """What a diagram draws for the operation that made `v`: its primitive's symbol."""
    return "" if v.primitive is None else symbol_of(v.primitive)


def draw(
    roots: Value | Sequence[Value],
    *,
    rankdir: str | None = None,
    show: Iterable[str] = SHOW,
    number_format: str = ".4g",
    highlight: Iterable[Value] = (),
    highlight_path: tuple[Value, Value] | None = None,
    collapse: Iterable[str] = (),
    clusters: bool = True,
    legend: bool = True,
    max_nodes: int = 300,
    notes: Mapping[Value, str] | None = None,
    lang: str = "en",
) -> Diagram:
    """Draw everything `roots` depend on (one Value, or several: then only the
    part of the graph that leads to them).

    `rankdir` is the direction, "LR" (left to right) or "TB" (top to
    bottom), also "RL", "BT"; by default LR for networks (layers as columns)
    and for graphs up to 16 ranks deep, TB for longer chains. `show` picks what
    Value boxes contain ("label", "data", "grad"); `number_format` formats the
    numbers; `highlight` colours nodes and `highlight_path=(a, b)` every node
    and edge on a path from a to b; `collapse` lists scope prefixes to fold
    into one box each; `clusters` groups nodes by scope; `legend` adds the key
    of colours at the bottom. `notes` maps nodes to text written in their box
    under the numbers, the box drawn with a red border (a failed gradcheck's
    wrong node: `GradcheckResult.draw()`). `lang` is the language of the words
    around the numbers and of the key ("en", "ja": `autodiff.notation.messages`).

    A graph of more than `max_nodes` values that is built in modules or scopes
    (nn, `autodiff.scope`) is drawn collapsed by its structure, a box per unit
    (or per layer, or per scope: the deepest level that fits), and its HTML
    (a notebook output, `.save_as("graph.html")`) expands a group at a click
    (`autodiff.drawing.explorer`); `collapse="auto"` does so at any size. Any other
    graph of more than `max_nodes` boxes raises ValueError saying what to do.
    """
    roots = _roots(roots)
    frame = partial(draw_frame, roots, show=show, number_format=number_format, rankdir=rankdir,
                    highlight=highlight, highlight_path=highlight_path, clusters=clusters,
                    legend=legend, max_nodes=max_nodes, notes=notes, lang=lang)
    auto = isinstance(collapse, str) and collapse == "auto"
    if auto or (isinstance(collapse, list | tuple) and not collapse):
        nodes = graph_nodes(roots)
        if auto or len(nodes) > max_nodes:
            _check_options(show, rankdir, number_format, ())
            explorer = Explorer(nodes, lambda folds: frame(collapse=folds, overview=True),
                                max_nodes=max_nodes, lang=lang)
            diagram = explorer.diagram()
            diagram.explorer = explorer
            return diagram
    return frame(collapse=collapse)


def _roots(roots: Value | Sequence[Value]) -> list[Value]:
    if isinstance(roots, Value):
        return [roots]
    if isinstance(roots, str | bytes) or not isinstance(roots, Sequence):
        raise TypeError(f"draw() needs a Value or a non-empty list of Values, got {roots!r:.80}")
    roots = list(roots)
    if not roots or not all(isinstance(r, Value) for r in roots):
        raise TypeError("draw() needs a Value or a non-empty list of Values")
    return roots


def graph_nodes(roots: list[Value]) -> list[Value]:
    """Every node the roots depend on, in a deterministic topological order:
    the engine's `topological_order` of them all (one walk)."""
    return topological_order(roots)


def node_ids(nodes: list[Value], collapse: Iterable[str] = ()) -> dict[Value, str]:
    """The DOT name of each node's box in `draw_frame` of a graph whose
    `graph_nodes` are `nodes`: "n<k>" by position ("n<k>op" is the circle of its
    operation), or "box<k>" for the collapsed module that holds it."""
    prefixes = _check_options(SHOW, None, ".4g", collapse)[1]
    folded = {v: _fold(v.scope, prefixes) for v in nodes}
    return _node_ids(nodes, folded, _boxes(folded, prefixes))


def _boxes(folded: Mapping[Value, str | None], prefixes: list[str]) -> dict[str, str]:
    """The collapsed modules that hold nodes, in the order of `collapse`: their box's name."""
    return {p: f"box{k}" for k, p in enumerate(
        sorted({p for p in folded.values() if p is not None}, key=prefixes.index))}


def _node_ids(nodes: list[Value], folded: Mapping[Value, str | None],
              boxes: Mapping[str, str]) -> dict[Value, str]:
    return {v: f"n{k}" if (p := folded[v]) is None else boxes[p] for k, v in enumerate(nodes)}


def _path_nodes(nodes: list[Value], start: Value, end: Value) -> set[Value]:
    """Nodes on some path start → ... → end (descendants of start, ancestors of end)."""
    below = {start}
    for v in nodes:  # topological: inputs come first
        if any(i in below for i in v.inputs):
            below.add(v)
    above = set(topological_order(end))
    return below & above


def _auto_direction(nodes: list[Value], shown: list[Value]) -> str:
    """LR for networks (layers as columns) and for graphs at most _LONG_CHAIN
    ranks deep or wider than deep; TB for long chains."""
    if is_network(nodes):
        return "LR"
    depth: dict[Value, int] = {}
    for v in shown:
        depth[v] = 1 + max((depth.get(x, 0) for x in v.inputs), default=0) if v.op else 0
    per_rank = Counter(depth.values())
    ranks = 2 * max(per_rank, default=0) + 1  # a value and its operation per step
    return "LR" if ranks <= _LONG_CHAIN or ranks <= 2 * max(per_rank.values()) else "TB"


def _check_options(show: Iterable[str], rankdir: str | None, number_format: str,
                   collapse: Iterable[str]) -> tuple[set[str], list[str]]:
    if isinstance(show, str):
        raise TypeError(f"show must be a list such as ['label', 'data'], got {show!r}")
    shown = set(show)
    unknown = shown - set(SHOW)
    if unknown:
        raise ValueError(f"show may contain 'label', 'data', 'grad'; "
                         f"got {sorted(map(repr, unknown))}")
    if rankdir is not None and rankdir not in DIRECTIONS:
        raise ValueError(f"rankdir must be LR, TB, RL or BT (or None: chosen by shape), "
                         f"got {rankdir!r}")
    check_number_format(number_format)
    if isinstance(collapse, str):
        raise TypeError(f"collapse must be a list of scope names, e.g. [{collapse!r}]")
    prefixes = []
    for p in collapse:
        if not isinstance(p, str) or not p.strip("/"):
            raise ValueError(f"collapse needs scope names such as 'layers.0', got {p!r}")
        prefixes.append(p.strip("/"))
    return shown, prefixes


def _fold(scope: str, prefixes: list[str]) -> str | None:
    for p in prefixes:
        if scope == p or scope.startswith(p + "/"):
            return p
    return None


def draw_frame(
    roots: list[Value],
    *,
    show: Iterable[str] = SHOW,
    number_format: str = ".4g",
    rankdir: str | None = None,
    highlight: Iterable[Value] = (),
    highlight_path: tuple[Value, Value] | None = None,
    collapse: Iterable[str] = (),
    clusters: bool = True,
    legend: bool = True,
    max_nodes: int = 300,
    text: Callable[[Value, str], str] | None = None,
    sizes: Mapping[str, tuple[str, str]] | None = None,
    names: Mapping[Value, str] | None = None,
    receivers: Iterable[Value] = (),
    grad_title: str | None = None,
    notes: Mapping[Value, str] | None = None,
    overview: bool = False,
    lang: str = "en",
) -> Diagram:
    """`draw` of a list of roots, with what a frame of `autodiff.Stepper` adds
    (the drawing behind both). `text(v, field)`, if given, overrides the shown
    data/grad strings; `sizes` (from `node_sizes`) fixes the width and height
    of the nodes it names; `names` gives unlabelled nodes a name to show (the
    Stepper's t1, t2, ...); `receivers` are drawn in a second colour, and so
    are their edges into highlighted nodes (the inputs whose gradient a
    backward step changes); `grad_title` replaces the word before the second
    number ("grad", or δ for a u node), as forward-mode frames do with
    "tangent"; `notes` as for `draw`; `overview` draws a view of
    `autodiff.drawing.explorer`: collapsed boxes show what leaves them, edges are
    straight and under the boxes; `lang` as for `draw`."""
    fields, prefixes = _check_options(show, rankdir, number_format, collapse)
    noted = check_notes(notes)
    nodes = graph_nodes(roots)
    folded = {v: _fold(v.scope, prefixes) for v in nodes}
    boxes = _boxes(folded, prefixes)
    name = _node_ids(nodes, folded, boxes)
    shown = [v for v in nodes if folded[v] is None]
    if len(shown) + len(boxes) > max_nodes:
        raise ValueError(
            f"the graph has {len(shown) + len(boxes)} nodes to draw, more than "
            f"max_nodes={max_nodes}; pass a larger max_nodes, collapse modules "
            f"(collapse=['layers.0', ...]) or draw only part (draw([some_node]))"
        )
    marked = set(highlight)
    if highlight_path is not None:
        if not (isinstance(highlight_path, tuple) and len(highlight_path) == 2
                and all(isinstance(v, Value) for v in highlight_path)):
            raise TypeError(f"highlight_path must be a pair of Values (from, to), "
                            f"got {highlight_path!r:.80}")
        marked |= _path_nodes(nodes, *highlight_path)
    receiving = set(receivers)
    titles = names or {}

    def number(v: Value, field: str) -> str:
        if text is not None:
            return text(v, field)
        return format_number(v.data if field == "data" else v.grad, number_format)

    builder = GraphBuilder(fields, number_format, clusters=clusters, sizes=sizes,
                           grad_title=grad_title, overview=overview, lang=lang)
    outputs = set(roots)
    sample = samples(nodes)
    for v in shown:
        kind = ("output" if v in outputs else "intermediate" if v.op
                else "parameter" if v.scope else "leaf")
        builder.value(name[v], v, kind, number, marked=v in marked,
                      receiving=v in receiving, title=titles.get(v, ""), sample=sample.get(v),
                      note=noted.get(v, ""))
    members = Counter(folded.values())
    leaving = _leaving(nodes, folded, outputs)
    for prefix, box in boxes.items():
        builder.box(box, prefix, members[prefix], leaving.get(prefix, []), number, sample)
    inputs = network_inputs(nodes)
    every_sample = collapsed_inputs(inputs, folded)
    several = len({item.sample for item in inputs.values()}) > 1
    for v in nodes:
        if not v.op:
            continue
        head = name[v] + "op" if folded[v] is None else name[v]
        if folded[v] is None:
            builder.edge(head, name[v], **(_MARKED if v in marked else {}))
        for position, x in enumerate(v.args):
            if isinstance(x, Value):
                if folded[x] is not None and folded[x] == folded[v]:
                    continue  # inside one collapsed box
                builder.operand(name[x], head, x, marked=x in marked and v in marked,
                                receiving=x in receiving and v in marked,
                                merged=folded[x] is not None or folded[v] is not None,
                                chained=overview and position == 0 and x.op == v.op
                                and x.scope == v.scope)
            elif (v, position) in inputs:
                item = inputs[v, position]
                builder.network_input(item, head, merged=folded[v] is not None,
                                      samples=every_sample.get(item.name), several=several)
            elif folded[v] is None:
                builder.constant(f"{name[v]}c{position}", x, head, v.scope)
    direction = rankdir or _auto_direction(nodes, shown)
    diagram = builder.finish(direction, builder.legend(roots) if legend else [])
    diagram.boxes = {box: prefix for prefix, box in boxes.items()}
    return diagram


def _leaving(nodes: list[Value], folded: Mapping[Value, str | None],
             outputs: set[Value]) -> dict[str, list[Value]]:
    """Per collapsed module, its values used outside it (or drawn for), in order."""
    used = {x for v in nodes for x in v.inputs if folded[x] is not None and folded[x] != folded[v]}
    found: dict[str, list[Value]] = {}
    for v in nodes:
        if (p := folded[v]) is not None and (v in used or v in outputs):
            found.setdefault(p, []).append(v)
    return found


def _tooltip(name: str, scope: str, lang: str) -> str:
    """What hovering a node says: its name and where it is ("u₁⁽²⁾[n=1] in layer
    2, unit 1")."""
    if not scope:
        return name
    where = say(lang, "group.separator").join(cluster_title(part, lang)
                                              for part in scope.split("/"))
    return say(lang, "tooltip.where", name=name, where=where)


class GraphBuilder(Builder):
    """A `Builder` that draws Values: a box per Value, a circle per operation,
    a leaf per folded number or network input. `fields` are the parts of a
    Value box to show ("label", "data", "grad"); `lang` the language of its words
    and its clusters' titles."""

    def __init__(self, fields: set[str], number_format: str, *, clusters: bool = True,
                 sizes: Mapping[str, tuple[str, str]] | None = None,
                 grad_title: str | None = None, overview: bool = False,
                 lang: str = "en") -> None:
        super().__init__(clusters=clusters, sizes=sizes, overview=overview, lang=lang)
        self.words = words(self.lang)
        self.fields = fields
        self.grad_title = grad_title
        self.number_format = number_format
        self.inputs: dict[tuple[int, str, float], str] = {}
        self.has_delta = False

    def value(self, name: str, v: Value, kind: str, number: Callable[[Value, str], str], *,
              marked: bool = False, receiving: bool = False, title: str = "",
              sample: int | None = None, note: str = "") -> None:
        """The box of `v` (`kind`: a key of FILLS) and, if it was computed, the
        circle `name + "op"` of its operation; `number(v, "data" | "grad")`
        is the text of its numbers, `title` the name shown where v has no
        label, `sample` the sample it belongs to where several share its
        label; `marked` and `receiving` colour the box; `note` is written
        under the numbers (a line per line), in a red border. Its tooltip
        names it."""
        lines: list[tuple[Run, ...]] = []
        label = safe_text(v.label or title)
        mark = sample_mark(sample) if sample is not None else ""
        if "label" in self.fields and label.strip():
            lines.append((Run(label, "name", notation=True), Run(mark, "note")))
        if "data" in self.fields:
            lines.append((Run(f"{self.words['data']} {number(v, 'data')}", "value"),))
        if "grad" in self.fields:
            lines.append(self._gradient(v, number(v, "grad")))
        lines += [(Run(safe_text(line, 80), "grad"),) for line in note.splitlines()]
        fill = HIGHLIGHT if marked else RECEIVER if receiving else FILLS[kind]
        attrs = {"shape": "box", "style": "rounded,filled", "fillcolor": fill}
        if note:
            attrs |= {"color": COLORS["grad"], "penwidth": "2.5"}
        if kind == "output":
            attrs["peripheries"] = "2"
        if kind == "intermediate" and not v.label.strip():
            attrs["fontsize"] = "10"  # an unnamed step: smaller than named values
        called = unicode_label(label) + mark if label.strip() else ""
        self.node(name, v.scope, NodeView(kind, tuple(lines)), **attrs,
                  tooltip=_tooltip(called or say(self.lang, "tooltip.value_of",
                                                 op=symbol(v) or say(self.lang, "tooltip.leaf")),
                                   v.scope, self.lang))
        if v.op:
            self._operation(name + "op", v, marked, called)

    def _operation(self, name: str, v: Value, marked: bool, result: str) -> None:
        op = safe_text(symbol(v), 12)
        fill = HIGHLIGHT if marked else FILLS["op"]
        if len(op) <= 4:
            attrs = {"shape": "circle", "fixedsize": "true", "width": "0.3",
                     "fontsize": "12" if len(op) <= 2 else "8", "style": "filled"}
        else:  # a long user symbol: a small box that fits it
            attrs = {"shape": "box", "style": "rounded,filled", "fontsize": "10",
                     "margin": "0.04,0.02", "height": "0.3"}
        self.node(name, v.scope, NodeView("op", ((Run(op, "symbol"),),)), **attrs,
                  fillcolor=fill, ordering="in",
                  tooltip=_tooltip(f"{op} → {result}" if result
                                   else say(self.lang, "tooltip.operation", op=op),
                                   v.scope, self.lang))

    def _gradient(self, v: Value, text: str) -> tuple[Run, ...]:
        if self.grad_title is not None:
            return (Run(f"{self.grad_title} {text}", "grad"),)
        delta = delta_label(safe_text(v.label)) if "label" in self.fields else None
        if delta is not None:
            self.has_delta = True
            return (Run(delta, "grad", notation=True), Run(f" {text}", "grad"))
        return (Run(f"{self.words['grad']} {text}", "grad"),)

    def box(self, name: str, prefix: str, members: int, leaving: Sequence[Value] = (),
            number: Callable[[Value, str], str] | None = None,
            samples: Mapping[Value, int] | None = None) -> None:
        """A collapsed module: one box in its parent's cluster. In an overview it
        is titled by its own part ("unit 3": its cluster names the layer) and shows
        the values `leaving` it (at most two) with `number(v, "data" | "grad")`,
        marked with their sample (`samples`) where several share a label."""
        parts = prefix.split("/")
        title = say(self.lang, "group.separator").join(cluster_title(p, self.lang) for p in parts)
        parent = "/".join(parts[:-1])
        if self.overview:
            shown = cluster_title(parts[-1], self.lang) if self.clusters and parent else title
            lines: tuple[tuple[Run, ...], ...] = ((Run(shown, "name"),),)
            for v in leaving[:2]:
                lines += self._leaving(v, number, (samples or {}).get(v))
            more = (say(self.lang, "group.more_out", count=len(leaving) - 2)
                    if len(leaving) > 2 else "")
            count = say(self.lang, "group.nodes", members=members)
            lines += ((Run(f"{count}{more} ▸", "note"),),)
            tooltip = say(self.lang, "group.click", title=title, members=members)
        else:
            count = say(self.lang, "group.nodes", members=members)
            lines = ((Run(title, "name"),), (Run(f"{safe_text(prefix)}: {count}", "note"),))
            tooltip = say(self.lang, "group.collapsed", title=title, members=members)
        self.node(name, parent, NodeView("box", lines), shape="box3d", style="filled",
                  fillcolor=FILLS["box"], tooltip=tooltip,
                  **({"margin": "0.1,0.07"} if self.overview else {}))
        kind, _, index = parts[-1].partition(".")
        if kind == "neurons" and index.isdigit():  # a layer's units stay in order
            self.row(parent, int(index), name)
        self.in_order(parent, parts[-1], name)

    def _leaving(self, v: Value, number: Callable[[Value, str], str] | None,
                 sample: int | None = None) -> tuple[tuple[Run, ...], ...]:
        """A value leaving a collapsed box: its name (and sample), number and
        gradient on one line."""
        runs: tuple[Run, ...] = ()
        if "label" in self.fields and v.label.strip():
            mark = sample_mark(sample) if sample is not None else ""
            runs += (Run(safe_text(v.label), "text", notation=True), Run(mark, "note"), Run(" "))
        if number is not None and "data" in self.fields:
            runs += (Run(number(v, "data"), "value"),)
        if number is not None and "grad" in self.fields:
            runs += (Run(f"  {number(v, 'grad')}", "grad"),)
        return (runs,) if runs else ()

    def constant(self, name: str, c: float, head: str, scope: str) -> None:
        """A folded number: a small grey leaf beside its operation `head`."""
        number = format_number(c, self.number_format)
        view = NodeView("constant", ((Run(number, "note"),),))
        self.node(name, scope, view, shape="plaintext", width="0", height="0",
                  margin="0.02,0.01", tooltip=say(self.lang, "tooltip.number", number=number))
        self.edge(name, head, color="#8a939c", arrowsize="0.5")
        self.beside(name, head)

    def network_input(self, item: Input, head: str, merged: bool,
                      samples: list[float] | None, several: bool = False) -> None:
        """The leaf of a network input, one per sample (marked with it when
        there are `several`); with `samples` (the input's value in every
        sample, when all its uses are collapsed) one leaf for all samples,
        which lists them."""
        key = (-1, item.name, 0.0) if samples else (item.sample, item.name, item.value)
        if key not in self.inputs:
            self.inputs[key] = name = f"in{len(self.inputs)}"
            first: tuple[Run, ...] = (Run(item.name, "name", notation=True),)
            if item.name.startswith("x_"):
                first += (Run(" = "), Run(f"z_{item.name[2:]}^(1)", notation=True))
            mark = sample_mark(item.sample + 1) if several and not samples else ""
            first += (Run(mark, "note"),)
            values = [format_number(c, self.number_format) for c in samples or [item.value]]
            shown = ", ".join(values[:4]) + (", …" if len(values) > 4 else "")
            view = NodeView("input", (first, (Run(f"{self.words['data']} {shown}", "value"),)))
            self.node(name, item.path, view, shape="box", style="rounded,filled",
                      fillcolor=FILLS["input"],
                      tooltip=say(self.lang, "tooltip.input", name=unicode_label(item.name) + mark))
            sample = -1 if samples else item.sample  # in order: x_1, x_2 of sample 1, ...
            self.row(f"inputs {item.path}", (sample + 1) * _INPUTS + item.unit, name)
        if merged:
            self.merge(self.inputs[key], head, f"{item.name}#{item.sample}", counted=False)
        else:
            self.edge(self.inputs[key], head)

    def operand(self, tail: str, head: str, x: Value, *, marked: bool, merged: bool,
                receiving: bool = False, chained: bool = False) -> None:
        """An edge from the Value operand `x` to an operation; edges into or out
        of a collapsed box are merged, and a parameter is drawn beside the
        operation that uses it. A `chained` edge (a running sum x + a + b + ...)
        does not push its head a rank further: the chain is drawn as a column."""
        if merged:
            self.merge(tail, head, x)
            return
        self.edge(tail, head, **(_RECEIVING if receiving else _MARKED if marked else {}),
                  **({"constraint": "false"} if chained else {}))
        if self.views[tail].kind == "parameter" and self.place[tail] == self.place[head]:
            self.beside(tail, head)

    def legend(self, roots: list[Value]) -> Legend:
        """The key: which colour is a value and which a gradient, which fill is
        which kind of node. The gradients are called ∂E/∂node when the one root,
        E, holds the seed 1 that `E.backward()` leaves; else just gradients."""
        entries: Legend = []
        if "data" in self.fields:
            entries.append(("", (Run(self.words["data"], "value"),
                                 Run(f" {self.words['value']}"))))
        if "grad" in self.fields and self.grad_title is not None:  # forward mode
            entries.append(("", (Run(self.grad_title, "grad"),
                                 Run(f" {self.words['of each node']}"))))
        elif "grad" in self.fields:
            root = safe_text(roots[0].label) if len(roots) == 1 else ""
            of: tuple[Run, ...]
            delta: tuple[Run, ...]
            if root.strip() and roots[0].grad == 1.0:
                of = (Run(" ∂"), Run(root, notation=True), Run(f"/∂{self.words['node']}"))
                delta = (Run(", δ = ∂"), Run(root, notation=True), Run("/∂u"))
            else:
                of = (Run(f" {self.words['gradient']}"),)
                delta = (Run(f", {self.words['delta at u']}"),)
            entries.append(("", (Run(self.words["grad"], "grad"), *of,
                                 *(delta if self.has_delta else ()))))
        kinds = {view.kind for view in self.views.values()}
        entries += [(kind, (Run(self.words[kind]),))
                    for kind in ("parameter", "leaf", "input", "output") if kind in kinds]
        return entries
