"""Graphs built by `nn`, read in the terms of docs/explanation/notation.md.

nn labels its nodes in the notes' notation (w_ji^(l), b_j^(l), u_j^(l),
z_j^(l)) and gives them the module path as `scope` ("layers.0/neurons.1",
with 0-based Python indices: layers.0 is the notes' layer 2, layer 1 being the
input). A network input given as a number is folded into the product
w_ji^(2) × x_i; these helpers find it again, so that diagrams can draw it as
the leaf x_i = z_i^(1) it is in the notes.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import NamedTuple

from autodiff.core import Value
from autodiff.notation.typeset import textbook

INPUT_LAYER = "layer 1"
"""The scope path of the cluster network inputs are drawn in: the notes' layer 1
(a name no nn module has, and no Python attribute can have)."""


class Input(NamedTuple):
    """A network input found in a graph: its name in the notes ("x_1", or
    "z_1^(2)" for a number fed to layer 3), its value, the sample (forward
    pass) it belongs to, counted from 0, and the cluster path to draw it in."""

    name: str
    value: float
    sample: int
    path: str

    @property
    def unit(self) -> int:
        """i of x_i or z_i^(l): the input's place in its layer, from 1."""
        return int(self.name[2:].partition("^")[0])


def is_network(nodes: list[Value]) -> bool:
    """Whether the graph was built by nn modules (scopes such as "layers.0")."""
    return any(part.startswith("layers.") for v in nodes for part in v.scope.split("/"))


def weight_input(v: Value) -> tuple[int, Value, str] | None:
    """For v = w_ji^(l) × c, a weight times a folded number: (the position of c
    in `v.args`, the weight, c's name in the notes: x_i for l = 2, else
    z_i^(l−1)); None for any other node."""
    if v.op != "*" or len(v.args) != 2:
        return None
    a, b = v.args
    if isinstance(a, Value) == isinstance(b, Value):
        return None
    position, w = (1, a) if isinstance(a, Value) else (0, b)
    assert isinstance(w, Value)
    parts = textbook(w.label)
    if parts is None or parts.name != "w" or not parts.sup.isdigit():
        return None
    j_i = parts.sub.split(",") if "," in parts.sub else [parts.sub[:1], parts.sub[1:]]
    if len(j_i) != 2 or not all(k.isdigit() for k in j_i):
        return None
    layer, i = int(parts.sup), j_i[1]
    return position, w, f"x_{i}" if layer == 2 else f"z_{i}^({layer - 1})"


def input_path(scope: str) -> str:
    """Where a network input is drawn: in a cluster "layer 1" beside the layer
    of `scope` ("layers.0/neurons.1" → "layer 1")."""
    parts = scope.split("/") if scope else []
    if parts and parts[-1].startswith("neurons."):
        parts.pop()
    if not parts or not parts[-1].startswith("layers."):
        return "/".join(parts)
    return "/".join([*parts[:-1], INPUT_LAYER])


def network_inputs(nodes: list[Value]) -> dict[tuple[Value, int], Input]:
    """The folded numbers among `nodes` (in topological order) that are network
    inputs, by (node, operand position).

    A sample's forward pass uses each first-layer weight once, so a weight met
    again starts the next sample's inputs."""
    found: dict[tuple[Value, int], Input] = {}
    seen_weights: set[Value] = set()
    sample = 0
    for v in nodes:
        match = weight_input(v)
        if match is None:
            continue
        position, w, name = match
        if w in seen_weights:
            seen_weights.clear()
            sample += 1
        seen_weights.add(w)
        c = v.args[position]
        assert not isinstance(c, Value)
        found[v, position] = Input(name, c, sample, input_path(v.scope))
    return found


def samples(nodes: list[Value]) -> dict[Value, int]:
    """The sample (forward pass) of each node of a network that several
    samples' passes label alike, counted from 1 as the notes' E_n: the nodes
    built inside one module (one scope) with one label, in topological order,
    are the first sample's, the second's, ... (each pass makes its u_j^(l) and
    z_j^(l) once). Nodes whose label is theirs alone are not listed."""
    found: dict[tuple[str, str], list[Value]] = {}
    for v in nodes:
        if v.label and v.scope:
            found.setdefault((v.scope, v.label), []).append(v)
    return {v: n for alike in found.values() if len(alike) > 1
            for n, v in enumerate(alike, start=1)}


def collapsed_inputs(inputs: Mapping[tuple[Value, int], Input],
                     folded: Mapping[Value, str | None]) -> dict[str, list[float]]:
    """The inputs all of whose uses are collapsed into boxes, by name, with
    their value in each sample: they are drawn as one leaf for all samples."""
    uses: dict[str, list[tuple[Value, Input]]] = {}
    for (v, _), item in inputs.items():
        uses.setdefault(item.name, []).append((v, item))
    return {name: list({item.sample: item.value for _, item in found}.values())
            for name, found in uses.items() if all(folded[v] is not None for v, _ in found)}
