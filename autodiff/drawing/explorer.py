"""Big graphs drawn collapsed by their structure; a click expands one group.

A graph built in modules has scopes: nn's "layers.0/neurons.3" (layer 2, unit 4
in the notes' numbering), or the user's own `scope(...)`. When it has more
values than one picture shows readably (`draw`'s `max_nodes`, 300), `draw`
draws it at the deepest level of its scopes that fits: each group of that level
(a unit, or a layer) is one box in its parent's cluster (a layer's column),
showing what leaves it (z_j^(l), with its number and gradient) and how many
nodes it holds; the rest (the inputs, the loss) is drawn as it is.

The same picture at the next depth is one click away: in its HTML (a notebook
output, `draw(E).save_as("graph.html")`, `Explorer.html()`), a click on a box
expands that group in place into its scalar nodes (for a group of groups: into
its groups), the other groups staying boxes; a click on the expanded group's
frame, or on "fold", folds it back. The layer view and the scalar graph are
one picture at two depths.

Each view is a layout of its own, made by Graphviz when the page is written
(`views()`), and stored gzip-compressed in the page (a browser unpacks it with
`DecompressionStream`). Where scripts do not run (an untrusted notebook, GitHub)
the page shows the collapsed picture as a PNG.

Fold rule of the view that opens group p (a scope prefix, "" for none), for a
node whose scope is s: inside p, s is cut to one level below p; elsewhere to
max(depth, 1 + the levels s shares with p); a node whose scope is shorter than
its cut is drawn as it is.
"""

from __future__ import annotations

import base64
import gzip
import html
import json
import os
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor

from autodiff.core import Value
from autodiff.drawing.builder import cluster_title
from autodiff.drawing.diagram import PX_PER_PT, Diagram, page, png_format, svg_size
from autodiff.notation.messages import say

View = Callable[[list[str]], Diagram]
"""Draws the graph with these scope prefixes collapsed (draw_frame with the user's options)."""


def _parts(scope: str) -> tuple[str, ...]:
    return tuple(scope.split("/")) if scope else ()


def _shared(a: tuple[str, ...], b: tuple[str, ...]) -> int:
    k = 0
    while k < min(len(a), len(b)) and a[k] == b[k]:
        k += 1
    return k


class Explorer:
    """The graph of `nodes` at `depth` levels of scope, and each group expanded:
    `view(prefixes)` draws it with those scope prefixes collapsed; a view of more
    than `max_nodes` boxes is not offered. `lang`: the language of the page's words."""

    def __init__(self, nodes: list[Value], view: View, *, max_nodes: int,
                 lang: str = "en") -> None:
        self.lang = lang
        self.scopes = [_parts(v.scope) for v in nodes]
        self.max_nodes = max_nodes
        self._view = view
        depth = max(map(len, self.scopes), default=0)
        while depth > 0 and self.size("", depth) > max_nodes:
            depth -= 1
        if depth == 0:
            raise ValueError(
                f"the graph has {len(nodes)} nodes to draw, more than max_nodes={max_nodes}, "
                "and its modules (nn, autodiff.scope) fold too few of them; pass a larger "
                "max_nodes, collapse modules (collapse=['layers.0', ...]) or draw only part "
                "(draw([some_node]))")
        self.depth = depth
        self._drawn: dict[str, Diagram] = {}

    def folds(self, open_: str, depth: int | None = None) -> list[str]:
        """The scope prefixes collapsed in the view that expands group `open_`
        ("" for none), deepest first."""
        depth = self.depth if depth is None else depth
        p = _parts(open_)
        found: set[tuple[str, ...]] = set()
        for s in self.scopes:
            shared = _shared(s, p)
            cut = len(p) + 1 if p and shared == len(p) else max(depth, shared + 1)
            if len(s) >= cut:
                found.add(s[:cut])
        return ["/".join(f) for f in sorted(found, key=lambda f: (-len(f), f))]

    def size(self, open_: str, depth: int | None = None) -> int:
        """How many boxes the view that expands `open_` draws: a box per group and
        per value not in one."""
        folds = {tuple(f.split("/")) for f in self.folds(open_, depth)}
        shown = sum(1 for s in self.scopes if not any(s[:len(f)] == f for f in folds))
        return shown + len(folds)

    def parent(self, group: str) -> str:
        """The view a click on expanded `group`'s frame goes back to."""
        p = _parts(group)
        return "/".join(p[:-1]) if len(p) - 1 >= self.depth else ""

    def diagram(self, open_: str = "") -> Diagram:
        """The picture with group `open_` expanded ("": every group collapsed)."""
        if open_ not in self._drawn:
            if open_ and self.size(open_) > self.max_nodes:
                raise ValueError(f"expanding {open_!r} draws {self.size(open_)} nodes, more "
                                 f"than max_nodes={self.max_nodes}")
            self._drawn[open_] = self._view(self.folds(open_))
        return self._drawn[open_]

    def views(self) -> dict[str, Diagram]:
        """Every view a reader can click to, from the collapsed one: group → picture."""
        found: dict[str, Diagram] = {}
        todo = [""]
        while todo:
            group = todo.pop(0)
            if group in found:
                continue
            found[group] = d = self.diagram(group)
            todo += [p for p in d.boxes.values()
                     if p not in found and self.size(p) <= self.max_nodes]
        return found

    def data(self) -> dict:
        """What the page holds: per view, its SVG (gzip, base64), a click's target for
        each box and expanded cluster (DOT name → view), and what it shows."""
        views = self.views()
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:  # Graphviz runs
            svgs = dict(zip(views, pool.map(lambda d: d.svg(), views.values()), strict=True))
        out = {}
        for group, d in views.items():
            svg = svgs[group][svgs[group].index("<svg"):]
            clicks = {name: prefix for name, prefix in d.boxes.items() if prefix in views}
            clicks |= {name: self.parent(scope) for name, scope in d.scopes.items()
                       if group and (group == scope or group.startswith(scope + "/"))
                       and len(_parts(scope)) > self.depth - 1}
            out[group] = {"svg": base64.b64encode(gzip.compress(svg.encode(), mtime=0))
                          .decode("ascii"), "clicks": clicks, "where": self.where(group),
                          "back": self.parent(group)}
        return out

    def where(self, group: str) -> str:
        """The line above the picture: what is expanded."""
        if not group:
            return say(self.lang, "explorer.collapsed", count=len(self.scopes))
        title = say(self.lang, "group.separator").join(
            cluster_title(part, self.lang) for part in _parts(group))
        return say(self.lang, "explorer.expanded", title=title)

    def fragment(self) -> str:
        """The explorer as an HTML fragment (a notebook output): the collapsed
        picture as a PNG until the script runs, then the clickable SVG views."""
        data = self.data()
        payload = json.dumps(data, separators=(",", ":"))
        payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        d = self.diagram("")
        png = base64.b64encode(d.run_dot(png_format(), dpi=144)).decode("ascii")
        width, height = (round(size * PX_PER_PT) for size in svg_size(d.run_dot("svg").decode()))
        still = say(self.lang, "explorer.still")  # what the page says until its script runs
        return f"""\
<div class="autodiff-explorer" data-fold="{html.escape(say(self.lang, "explorer.fold"))}">
<style>{_CSS}</style>
<div class="autodiff-explorer-bar"><span data-role="where">{html.escape(still)}</span></div>
<div data-role="picture"><img alt="{html.escape(repr(d))}" width="{width}" height="{height}" \
style="max-width: 100%; height: auto" src="data:image/png;base64,{png}"></div>
<script type="application/json" data-role="views">{payload}</script>
<script>{_SCRIPT}</script>
</div>
"""

    def html(self, title: str = "Computation graph") -> str:
        """The explorer as a complete HTML page."""
        return page(self.fragment(), title)


_CSS = """\
.autodiff-explorer [data-role=picture] svg {display: block; max-width: 100%; height: auto;}
.autodiff-explorer [data-role=picture].autodiff-natural {overflow: auto; max-height: 85vh;}
.autodiff-explorer [data-role=picture].autodiff-natural svg {max-width: none !important;}
.autodiff-explorer g.node.autodiff-click, .autodiff-explorer g.cluster.autodiff-click \
{cursor: pointer;}
.autodiff-explorer g.node.autodiff-click:hover polygon {stroke: #1f6fd1; stroke-width: 2;}
.autodiff-explorer g.cluster.autodiff-click > path, \
.autodiff-explorer g.cluster.autodiff-click > polygon {pointer-events: all;}
.autodiff-explorer g.cluster.autodiff-click:hover > path {stroke: #1f6fd1;}
.autodiff-explorer-bar {font: 13px sans-serif; margin: 0.3em 0; color: #3d4650;}
"""

_SCRIPT = """\
(function () {
  var me = document.currentScript, root = me.parentNode;
  var views = JSON.parse(root.querySelector('[data-role=views]').textContent);
  var picture = root.querySelector('[data-role=picture]');
  var where = root.querySelector('[data-role=where]');
  var fold = document.createElement('button');  // made here: no script, no button
  fold.type = 'button';
  fold.setAttribute('data-role', 'fold');
  fold.textContent = '\u25b4 ' + root.getAttribute('data-fold');
  fold.hidden = true;
  where.parentNode.insertBefore(fold, where);
  where.parentNode.insertBefore(document.createTextNode(' '), where);
  var cache = {}, current = null;
  function unpack(b64) {
    var bytes = Uint8Array.from(atob(b64), function (c) { return c.charCodeAt(0); });
    var stream = new Blob([bytes]).stream().pipeThrough(new DecompressionStream('gzip'));
    return new Response(stream).text();
  }
  function show(group) {
    var view = views[group];
    if (!view) return;
    (cache[group] ? Promise.resolve(cache[group]) : unpack(view.svg)).then(function (svg) {
      cache[group] = svg;
      picture.innerHTML = svg;
      current = group;
      root.setAttribute('data-open', group);
      where.textContent = view.where;
      fold.hidden = group === '';
      picture.classList.toggle('autodiff-natural', group !== '');  // readable: full size
      var opened = null;
      picture.querySelectorAll('g.node, g.cluster').forEach(function (g) {
        var t = g.querySelector('title');
        if (t && Object.prototype.hasOwnProperty.call(view.clicks, t.textContent)) {
          g.classList.add('autodiff-click');
          g.setAttribute('data-target', view.clicks[t.textContent]);
          if (g.classList.contains('cluster')) opened = g;
        }
      });
      if (opened) {  // the expanded group's top left corner in sight
        var box = opened.getBoundingClientRect(), frame = picture.getBoundingClientRect();
        picture.scrollLeft += box.left - frame.left - 8;
        picture.scrollTop += box.top - frame.top - 8;
      }
    });
  }
  picture.addEventListener('click', function (event) {
    var g = event.target.closest('g.node.autodiff-click');
    if (!g) g = event.target.closest('g.cluster.autodiff-click');
    if (g) { event.preventDefault(); show(g.getAttribute('data-target')); }
  });
  fold.addEventListener('click', function () {
    show(views[current].back);
  });
  if (window.DecompressionStream) show('');
})();
"""
