"""`nn.draw(model)`: a network drawn as docs/explanation/notation.md numbers it.

Units are circles in layer columns: layer 1 holds the inputs x_i = z_i^(1),
layer l the units j with their output z_j^(l) and bias b_j^(l). An edge
i → j carries the weight w_ji^(l): its width grows with |w|, its colour is
blue for w > 0 and orange for w < 0, and (for small layers, or
`weights="label"`) it is labelled with its name and value.

After a forward pass the units show their values. Give a sample `x` (and a
target `d` with a `loss`, nn.squared_error by default) and `draw` runs the
pass itself, computing δ_j^(l) = ∂E/∂u_j^(l) and ∂E/∂w_ji^(l) = δ_j^(l) z_i^(l−1)
with `autodiff.grad`: no `.grad` of the model changes. Or give a `recording`
(nn.record) of passes you differentiated yourself: sample `sample` is shown,
δ is `u.grad` and ∂E/∂w is `w.grad` (summed over the recorded minibatch).

`expand=[(l, j)]` (the notes' numbering: layer l ≥ 2, unit j ≥ 1) draws unit j
of layer l as its scalar computation graph, as `autodiff.draw` does, wired to
the units around it.

`lang="ja"` writes the key, the layers' titles and the words in the circles in
Japanese (`autodiff.notation.messages`, as `autodiff.draw(..., lang=)` does).

Only the public structure of a model is read: `model.layers`, each layer's
`neurons`, each neuron's `w`, `b` and `activation`.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from numbers import Real

from autodiff import Value, grad, primitives, topological_order
from autodiff.drawing import (
    COLORS,
    FILLS,
    INPUT_LAYER,
    Diagram,
    GraphBuilder,
    Legend,
    NodeView,
    Run,
)
from autodiff.notation import (
    check_lang,
    check_number_format,
    format_number,
    safe_text,
    say,
    symbol,
)
from nn.losses import squared_error
from nn.recording import Recording, record

Loss = Callable[[Sequence[Value], Sequence[float]], Value]
_LABELLED = 12  # weights="auto" labels the edges of layers with at most this many weights


def _activation_symbol(name: str, lang: str) -> str:
    """What a unit's circle says it computes: its activation primitive's symbol
    ("identity", in `lang`, for linear; softmax, not a primitive, by its name)."""
    if name == "linear":
        return say(lang, "network.identity")
    return symbol(primitives[name]) if name in primitives else name


@dataclass
class _Pass:
    """One sample's forward (and maybe backward) pass: per layer k the nodes
    u[k][j], z[k][j], the inputs, and the gradients known (node → ∂E/∂node)."""

    inputs: list[float]
    u: list[list[Value]]
    z: list[list[Value]]
    grads: dict[Value, float] = field(default_factory=dict)
    loss: Value | None = None
    target: list[float] = field(default_factory=list)
    weight_grads: str = "∂E/∂w"


def draw(
    model: object,
    x: Sequence[float] | None = None,
    d: Sequence[float] | float | None = None,
    *,
    loss: Loss | None = None,
    recording: Recording | None = None,
    sample: int = 0,
    weights: str = "auto",
    expand: Iterable[tuple[int, int]] | tuple[int, int] = (),
    number_format: str = ".3g",
    legend: bool = True,
    lang: str = "en",
) -> Diagram:
    """Draw `model` (an nn.MLP or a Sequential of nn.Layer) as units in layer
    columns; see the module's documentation for `x`, `d`, `loss`,
    `recording`, `sample` and `expand`. `weights` is "label" (name and value
    on every edge), "width" (width and colour only) or "auto" (labels for
    layers of at most 12 weights). `lang` is the language of the diagram's
    words ("en", "ja")."""
    check_lang(lang)
    layers = _layers(model)
    if weights not in ("auto", "label", "width"):
        raise ValueError(f"weights must be 'auto', 'label' or 'width', got {weights!r}")
    check_number_format(number_format)
    expanded = _check_expand(expand, layers)
    if x is not None and recording is not None:
        raise ValueError("give a sample x (and d) or a recording, not both")
    if d is not None and x is None:
        raise ValueError("a target d needs its sample x")
    data = (_run(model, layers, x, d, loss) if x is not None
            else _recorded(layers, recording, sample) if recording is not None else None)
    if expanded and data is None:
        raise ValueError("expand=... needs a forward pass: give a sample x or a recording")
    return _Network(layers, data, weights, expanded, number_format, lang).diagram(legend)


def _layers(model: object) -> list:
    layers = getattr(model, "layers", None)
    if not isinstance(layers, list) or not layers:
        raise TypeError(f"nn.draw() needs a model with .layers (an nn.MLP or Sequential), "
                        f"got {type(model).__name__}")
    for k, layer in enumerate(layers):
        neurons = getattr(layer, "neurons", None)
        if not isinstance(neurons, list) or not neurons:
            raise TypeError(f"nn.draw() draws layers of neurons (nn.Layer); "
                            f"model.layers[{k}] is a {type(layer).__name__}")
    for k in range(1, len(layers)):
        if len(layers[k].neurons[0].w) != len(layers[k - 1].neurons):
            raise ValueError(f"model.layers[{k}] takes {len(layers[k].neurons[0].w)} inputs "
                             f"but layer {k - 1} has {len(layers[k - 1].neurons)} units")
    return layers


def _check_expand(expand: Iterable[object], layers: list) -> set[tuple[int, int]]:
    one = isinstance(expand, tuple) and len(expand) == 2 and all(isinstance(v, int)
                                                                 for v in expand)
    units = set()
    for item in [expand] if one else expand:  # one unit (l, j), or several
        if (not isinstance(item, tuple) or len(item) != 2
                or not all(isinstance(v, int) and not isinstance(v, bool) for v in item)):
            raise TypeError(f"expand takes units (l, j) in the notes' numbering, got {item!r}")
        l, j = item  # noqa: E741 (the notes' letter)
        if not 2 <= l <= len(layers) + 1 or not 1 <= j <= len(layers[l - 2].neurons):
            raise ValueError(f"no unit {j} in layer {l}: layers 2..{len(layers) + 1} "
                             f"(layer 1 is the input), units from 1")
        units.add((l, j))
    return units


def _run(model: object, layers: list, x: Sequence[float], d: Sequence[float] | float | None,
         loss: Loss | None) -> _Pass:
    """Forward (and, with a target, backward by autodiff.grad) on one sample."""
    nin = len(layers[0].neurons[0].w)
    if isinstance(x, str) or not isinstance(x, Sequence) or len(x) != nin:
        raise ValueError(f"x must be a list of the {nin} inputs, got {x!r}")
    with record(model) as rec:  # type: ignore[arg-type]
        y = model(list(x))  # type: ignore[operator]
    inputs = [xi.data if isinstance(xi, Value) else float(xi) for xi in x]
    data = _Pass(inputs, [r[0] for r in rec.u], [r[0] for r in rec.z])
    if d is not None:
        target: list = [d] if isinstance(d, Real | Value) or not isinstance(d, Sequence) \
            else list(d)
        E = (loss or squared_error)(y, target)
        if not isinstance(E, Value):
            raise TypeError(f"the loss must return a Value, got {type(E).__name__}")
        E.label = E.label or "E"
        nodes = topological_order(E)
        data.grads = dict(zip(nodes, grad(E, nodes), strict=True))
        data.loss = E
        data.target = [t.data if isinstance(t, Value) else float(t) for t in target]
    return data


def _recorded(layers: list, recording: Recording, sample: int) -> _Pass:
    if not isinstance(recording, Recording):
        raise TypeError(f"recording must come from nn.record(model), got {recording!r}")
    if len(recording.u) != len(layers):
        raise ValueError("the recording is of another model")
    count = len(recording.u[0])
    if isinstance(sample, bool) or not isinstance(sample, int) or not 0 <= sample < count:
        raise ValueError(f"sample must be 0..{count - 1} (the recording has {count}), "
                         f"got {sample!r}")
    u = [layer[sample] for layer in recording.u]
    products = [v for v in topological_order(u[0][0]) if v.op == "*"]
    inputs = []
    for w in layers[0].neurons[0].w:  # x_i is the other operand of w_1i × x_i
        product = next(v for v in products if w in v.inputs)
        (x,) = [a for a in product.args if a is not w] or [w]  # x_i × x_i if x_i is w itself
        inputs.append(x.data if isinstance(x, Value) else float(x))
    nodes = set(topological_order([top for us in u for top in us]))
    grads = {v: v.grad for v in nodes} if any(v.grad for v in nodes) else {}
    return _Pass(inputs, u, [layer[sample] for layer in recording.z], grads,
                 weight_grads="∂E/∂w (w.grad)")


class _Network:
    """Builds the network view's diagram."""

    def __init__(self, layers: list, data: _Pass | None, weights: str,
                 expanded: set[tuple[int, int]], number_format: str, lang: str) -> None:
        self.lang = lang
        self.layers = layers
        self.data = data
        self.weights = weights
        self.expanded = expanded
        self.n = lambda x: format_number(x, number_format)
        self.builder = GraphBuilder({"label", "data", "grad"} if data and data.grads
                                    else {"label", "data"}, number_format, lang=lang)
        self.outputs: dict[tuple[int, int], str] = {}  # unit (l, j) -> the node its edges leave
        self.heads: dict[tuple[int, int, int], str] = {}  # (l, j, i) -> where w_ji^(l) arrives
        self.labelled = False  # whether any weight is written on its edge
        self.width = "0.95" if data else "0.6"  # every unit's circle: one size

    def diagram(self, legend: bool) -> Diagram:
        self._inputs()
        for l, layer in enumerate(self.layers, start=2):  # noqa: E741
            for j, neuron in enumerate(layer.neurons, start=1):
                if (l, j) in self.expanded:
                    self._expanded(l, j, neuron)
                else:
                    self._unit(l, j, neuron, layer)
        for l, layer in enumerate(self.layers, start=2):  # noqa: E741
            biggest = max(abs(w.data) for neuron in layer.neurons for w in neuron.w) or 1.0
            for j, neuron in enumerate(layer.neurons, start=1):
                for i, w in enumerate(neuron.w, start=1):
                    self._weight(l, j, i, w, biggest)
        self._loss()
        straight = not self.labelled and not self.expanded  # the textbook's straight lines
        return self.builder.finish("LR", self._legend() if legend else [], ranksep="0.6",
                                   nodesep="0.18", **({"splines": "line"} if straight else {}))

    def _inputs(self) -> None:
        for i in range(1, len(self.layers[0].neurons[0].w) + 1):
            lines: list[tuple[Run, ...]] = [(Run(f"x_{i}", "name", notation=True),)]
            if self.data:
                lines.append((Run(self.n(self.data.inputs[i - 1]), "value"),))
            name = f"l1u{i}"
            self.builder.node(name, INPUT_LAYER, NodeView("input", tuple(lines)), shape="circle",
                              style="filled", fillcolor=FILLS["input"], margin="0.02",
                              width="0.55")
            self.builder.row(INPUT_LAYER, i, name)
            self.outputs[1, i] = name

    def _unit(self, l: int, j: int, neuron: object, layer: object) -> None:  # noqa: E741
        name = f"l{l}u{j}"
        last = l == len(self.layers) + 1
        activation = getattr(layer, "activation", getattr(neuron, "activation", ""))
        title = f"y_{j}" if last else f"z_{j}^({l})"  # the notes' names (nn labels z alike)
        computes = _activation_symbol(activation, self.lang)
        lines: list[tuple[Run, ...]] = [
            (Run(title, "name", notation=True), Run(f"  {computes}", "note"))]
        b = neuron.b  # type: ignore[attr-defined]
        if self.data:
            z = self.data.z[l - 2][j - 1]
            lines.append((Run(self.n(z.data), "value"),))
            u = self.data.u[l - 2][j - 1]
            if u in self.data.grads:
                lines.append((Run(f"δ_{j}^({l})", "grad", notation=True),
                              Run(f" {self.n(self.data.grads[u])}", "grad")))
        lines.append((Run(safe_text(b.label), "note", notation=True),
                      Run(f" {self.n(b.data)}", "note")))
        kind = "output" if last else "intermediate"
        self.builder.node(name, f"layers.{l - 2}", NodeView(kind, tuple(lines)), shape="circle",
                          style="filled", fillcolor="#ffffff", margin="0.02", width=self.width,
                          **({"peripheries": "2"} if last else {}))
        self.builder.row(f"layer {l}", j, name)
        self.outputs[l, j] = name
        for i in range(1, len(neuron.w) + 1):  # type: ignore[attr-defined]
            self.heads[l, j, i] = name

    def _expanded(self, l: int, j: int, neuron: object) -> None:  # noqa: E741
        """Unit j of layer l as its scalar graph: every node of its scope."""
        assert self.data is not None
        z = self.data.z[l - 2][j - 1]
        scope = f"layers.{l - 2}/neurons.{j - 1}"
        inside = [v for v in topological_order(z) if v.scope == scope or v is z]
        names = {v: f"l{l}u{j}n{k}" for k, v in enumerate(inside)}
        grads = self.data.grads

        def number(v: Value, what: str) -> str:
            return self.n(v.data if what == "data" else grads.get(v, 0.0))

        for v in inside:
            kind = "parameter" if not v.op else "intermediate"
            self.builder.value(names[v], v, kind, number)
        weights = {w: i for i, w in enumerate(neuron.w, start=1)}  # type: ignore[attr-defined]
        previous = set(self.data.z[l - 3]) if l > 2 else set()  # z^(l−1), drawn as units
        for v in inside:
            if not v.op:
                continue
            head = names[v] + "op"
            self.builder.edge(head, names[v])
            weight = next((weights[a] for a in v.inputs if a in weights), None)
            for position, a in enumerate(v.args):
                if isinstance(a, Value) and a in names:
                    self.builder.operand(names[a], head, a, marked=False, merged=False)
                elif weight is not None and (not isinstance(a, Value) or a in previous):
                    self.heads[l, j, weight] = head  # z_i^(l−1) or x_i arrives here
                elif not isinstance(a, Value):
                    self.builder.constant(f"{names[v]}c{position}", a, head, scope)
        self.outputs[l, j] = names[z]
        self.builder.row(f"layer {l}", j, names[z])  # its z in line with the other units

    def _weight(self, l: int, j: int, i: int, w: Value, biggest: float) -> None:  # noqa: E741
        """The edge of w_ji^(l), its width relative to `biggest`, the layer's largest |w|."""
        tail, head = self.outputs[l - 1, i], self.heads[l, j, i]
        attrs = {"color": _sign_color(w.data),
                 "penwidth": f"{0.6 + 2.4 * abs(w.data) / biggest:.2f}"}
        if (l, j) in self.expanded:  # the weight is drawn inside the unit
            self.builder.edge(tail, head, **attrs)
            return
        neurons = self.layers[l - 2].neurons
        if self.weights == "width" or (self.weights == "auto"
                                       and len(neurons) * len(neurons[0].w) > _LABELLED):
            self.builder.edge(tail, head, **attrs)
            return
        self.labelled = True
        lines: list[tuple[Run, ...]] = [  # the weight's own label: w_ji^(l)
            (Run(safe_text(w.label), "text", notation=True),
             Run(f" {self.n(w.data)}", "positive" if w.data >= 0 else "negative"))]
        if self.data and w in self.data.grads:
            lines.append((Run(self.n(self.data.grads[w]), "grad"),))
        self.builder.labelled_edge(tail, head, NodeView("weight", tuple(lines)), **attrs,
                                   fontsize="9")

    def _loss(self) -> None:
        data = self.data
        if data is None or data.loss is None:
            return
        E = data.loss
        target = ", ".join(self.n(t) for t in data.target)
        lines = ((Run(E.label, "name", notation=True),), (Run(self.n(E.data), "value"),),
                 (Run(f"d = {target}", "note"),))
        self.builder.node("loss", "", NodeView("output", lines), shape="box",
                          style="rounded,filled", fillcolor=FILLS["output"], peripheries="2")
        last = len(self.layers) + 1
        for j in range(1, len(self.layers[-1].neurons) + 1):
            self.builder.edge(self.outputs[last, j], "loss", style="dashed")

    def _legend(self) -> Legend:
        def word(key: str) -> Run:
            return Run(f" {say(self.lang, f'network.{key}')}")

        entries: Legend = [("", (Run("w > 0", "positive"), Run(" / "), Run("w < 0", "negative"),
                                 word("width")))]
        if self.data:
            entries.append(("", (Run("z", "value"), word("value"))))
        if self.data and self.data.grads:
            entries.append(("", (Run("δ", "grad"), Run(" = ∂E/∂u,  "),
                                 Run(self.data.weight_grads, "grad"), word("on_edges"))))
        entries.append(("", (Run("b", "note"), word("bias"))))
        return entries


def _sign_color(w: float) -> str:
    return COLORS["positive"] if w >= 0 else COLORS["negative"]
