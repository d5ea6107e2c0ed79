"""Stepping without a kernel: a Stepper's steps as one self-contained HTML player.

    Stepper(E).save_html("backprop.html")     # opens from disk in any browser
    Stepper(E).player()                        # the same player as a notebook output

The graph is drawn once (`Frames.layout`, every number at its widest); each
step is a small change of state that the page's plain JavaScript applies to
that one picture: the numbers the step makes known (`Stepper.changes`), the
current node and its receivers (CSS classes), the caption and the step's text.
So a page costs one Graphviz run and grows by a few dozen bytes per step
(`Player.data` is exactly what the page holds).

The picture follows the step: the current node and its neighbourhood are
shown at the graph's natural size (its text as readable as in a diagram; on a
page wider than 1,200 px, a projector's, up to 1.6 times larger), centred,
panning as the steps go; `z`, the "whole graph" button or a click on the
picture shows the whole graph scaled to the page: as wide as the page (up to
2.5 times its natural size) and no taller than the window leaves room for the
controls and the step's text (a graph that is readable whole starts whole).
Keys: ← → previous and next, space play and pause, Home and End the first and
last step, z whole graph or follow, + and − larger or smaller (for a projector).
Hovering a node names it. No network access, no kernel, no library. Without
JavaScript the page shows the last step's picture and the list of all steps;
as a notebook output where no script runs and SVG is dropped (an untrusted
notebook in JupyterLab) it shows that picture as a PNG and says how to play.
"""

from __future__ import annotations

import base64
import hashlib
import html
import json
import re
import struct
import xml.etree.ElementTree as ET
from os import PathLike
from pathlib import Path
from typing import Any

from autodiff.drawing.diagram import page, png_format
from autodiff.drawing.graph import HIGHLIGHT, RECEIVER, RECEIVER_EDGE, graph_nodes, node_ids
from autodiff.drawing.views import COLORS
from autodiff.notation.messages import say, template
from autodiff.notation.typeset import format_number
from autodiff.stepping.frames import TEXT_STYLE, Frames, legend_html
from autodiff.stepping.records import Blanks

_SVG = "http://www.w3.org/2000/svg"
_XLINK = "http://www.w3.org/1999/xlink"
ET.register_namespace("", _SVG)
ET.register_namespace("xlink", _XLINK)
_STILL_DPI = 144  # the still PNG: 1.5 pixels per CSS pixel, sharp on most screens
_FIELDS = {"data": "d", "grad": "g"}  # a number's place in a node, as the page names it
_NUMBERED = re.compile(r"n\d+")  # the DOT names of Value boxes (not ops, constants, inputs)

_CSS = f"""\
.autodiff-player {{font-family: system-ui, -apple-system, "Segoe UI", Helvetica, Arial,
  sans-serif; max-width: 100%; outline: none;}}
.autodiff-player .autodiff-controls {{position: sticky; top: 0; z-index: 1; display: flex;
  flex-wrap: wrap; gap: 0.4em; align-items: center; padding: 0.3em 0; background: white;}}
.autodiff-player .autodiff-controls[hidden] {{display: none;}}
.autodiff-player button {{font: inherit; padding: 0.15em 0.7em; min-width: 6.5em;}}
.autodiff-player input[type=range] {{flex: 1 1 12em; min-width: 8em; max-width: 40em;}}
.autodiff-player .autodiff-caption {{font-weight: bold; margin: 0.2em 0;}}
.autodiff-player .autodiff-legend {{font-size: 0.85em; color: #333; margin: 0.2em 0;}}
.autodiff-player .autodiff-keys {{font-size: 0.8em; color: #59636e;}}
.autodiff-player pre, .autodiff-player ol {{{TEXT_STYLE}; font-size: 0.9em;}}
.autodiff-player ol {{font-family: ui-monospace, "DejaVu Sans Mono", Menlo, Consolas, monospace;}}
.autodiff-player pre[data-role=text] {{font-size: max(0.9em, 0.85vw);}}  /* projectors: larger */
.autodiff-player [data-role=picture] {{cursor: zoom-out; overflow: hidden;}}
.autodiff-player [data-role=picture].whole {{cursor: zoom-in;}}
.autodiff-player [data-role=picture] svg {{display: block; width: 100%; height: auto;}}
.autodiff-player [data-role=picture].whole svg {{max-height: max(240px, calc(100vh - 15em));}}
.autodiff-player svg text {{font-family: Helvetica, Arial, sans-serif;}}
.autodiff-player g.node.current > :is(rect, path, polygon, ellipse):not([fill=none]) {{
  fill: {HIGHLIGHT};}}
.autodiff-player g.node.receiver > :is(rect, path, polygon, ellipse):not([fill=none]) {{
  fill: {RECEIVER};}}
.autodiff-player g.edge.current path {{stroke: {HIGHLIGHT}; stroke-width: 2;}}
.autodiff-player g.edge.current polygon {{stroke: {HIGHLIGHT}; fill: {HIGHLIGHT};}}
.autodiff-player g.edge.receiving path {{stroke: {RECEIVER_EDGE}; stroke-width: 2.5;}}
.autodiff-player g.edge.receiving polygon {{stroke: {RECEIVER_EDGE}; fill: {RECEIVER_EDGE};}}
.autodiff-player [data-role=why] {{font-size: max(0.95em, 0.9vw); margin: 0.3em 0; color: #1f2328;
  white-space: pre-wrap; border-left: 3px solid #9aa5b1; padding-left: 0.6em;}}
.autodiff-player .autodiff-exercise {{font-size: max(1em, 1vw); margin: 0.4em 0;
  padding: 0.4em 0.6em; border: 1px solid #9aa5b1; border-radius: 6px; background: #f6f8fa;}}
.autodiff-player .autodiff-exercise[hidden] {{display: none;}}
.autodiff-player .autodiff-exercise input {{font: inherit; width: 9em; padding: 0.1em 0.3em;}}
.autodiff-player .autodiff-exercise [data-role=prompt] {{font-weight: bold;}}
.autodiff-player [data-role=feedback] {{white-space: pre-wrap; margin-top: 0.3em;}}
.autodiff-player [data-role=feedback].right {{color: #1a7f37;}}
.autodiff-player [data-role=feedback].wrong {{color: #b3261e;}}
.autodiff-player [data-role=score] {{font-weight: bold; margin-top: 0.3em;}}
.autodiff-player .autodiff-instructions {{font-size: 0.9em; color: #333; margin: 0 0 0.3em 0;}}
"""

# The controls. `KEY` is the player's key: the script finds its player as the
# element around it or, where a notebook runs scripts detached from the page,
# as the first player with that key not yet started. A step's state is the
# picture's "?" with the changes of steps 0 … k applied, in order.
_SCRIPT = """\
(function () {
  var me = document.currentScript;
  var root = (me && me.closest && me.closest(".autodiff-player")) ||
    document.querySelector('.autodiff-player[data-key="KEY"]:not([data-ready])');
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var still = root.querySelector("[data-role=still]");  // the picture for no script: not needed
  if (still) { still.remove(); root.querySelector("[data-role=live]").hidden = false; }
  var data = JSON.parse(root.querySelector("script[data-role=steps]").textContent);
  var part = function (role) { return root.querySelector("[data-role=" + role + "]"); };
  var picture = part("picture"), caption = part("caption"), text = part("text");
  var slider = part("slider"), previous = part("previous"), next = part("next");
  var play = part("play"), view = part("view"), texts = part("texts").children;
  var why = part("why"), words = data.words, ex = data.exercise || null;
  var at = ex ? 0 : -1, misses = 0, rightFirst = 0, revealed = 0, answered = {};
  var svg = picture.querySelector("svg"), steps = data.steps, n = steps.length;
  var k = 0, timer = null, marked = [], fields = {}, groups = {};
  var box = svg.viewBox.baseVal, whole = [box.x, box.y, box.width, box.height];
  var natural = svg.width.baseVal.value / whole[2];  // px per unit at the graph's own size
  var shift = svg.querySelector("g").transform.baseVal.consolidate();
  shift = shift ? shift.matrix : {e: 0, f: 0};
  root.querySelectorAll("g[data-id]").forEach(function (g) {
    groups[g.getAttribute("data-id")] = g;
  });
  root.querySelectorAll("g.current, g.receiver, g.receiving").forEach(function (g) {
    g.classList.remove("current", "receiver", "receiving");  // the last step, marked for no script
  });
  root.querySelectorAll("[data-f]").forEach(function (t) {
    fields[t.closest("g[data-id]").getAttribute("data-id") + t.getAttribute("data-f")] = t;
  });
  function mark(id, name) {
    var g = groups[id];
    if (g) { g.classList.add(name); marked.push([g, name]); }
  }
  function apply(i) {
    Object.keys(fields).forEach(function (key) { fields[key].textContent = "?"; });
    for (var j = 0; j <= i; j++) {
      steps[j].changes.forEach(function (c) {
        var field = fields[c[0] + c[1]];
        if (field) { field.textContent = c[2]; }
      });
    }
    if (ex) {  // the blanks not yet filled in stay "?"
      ex.blanks.forEach(function (b, j) {
        var field = fields[b.id + b.f];
        if (field && !answered[j]) { field.textContent = "?"; }
      });
    }
    marked.forEach(function (m) { m[0].classList.remove(m[1]); });
    marked = [];
    if (at >= 0 && ex && at < ex.blanks.length) {
      var blank = ex.blanks[at];
      mark(blank.id, "current");
      if (blank.f === "d") { mark(blank.id + "op", "current"); }
      return;
    }
    var step = steps[i], op = step.active + "op";
    mark(step.active, "current"); mark(op, "current"); mark(op + "->" + step.active, "current");
    step.receivers.forEach(function (r) { mark(r, "receiver"); mark(r + "->" + op, "receiving"); });
  }
  function bounds(ids) {  // the union of these nodes' boxes, in the picture's units
    var b = null;
    ids.forEach(function (id) {
      if (!groups[id]) { return; }
      var r = groups[id].getBBox(), x = r.x + shift.e, y = r.y + shift.f;
      b = b ? [Math.min(b[0], x), Math.min(b[1], y), Math.max(b[2], x + r.width),
               Math.max(b[3], y + r.height)] : [x, y, x + r.width, y + r.height];
    });
    return b;
  }
  function place(centre, size, start, length) {  // a window of `size` on [start, start + length]
    if (size >= length) { return start - (size - length) / 2; }
    return Math.max(start, Math.min(start + length - size, centre - size / 2));
  }
  var following = null, moving = null, zoom = 1, screen = 1, LARGEST = 2.5;
  function target() {  // the view that follows step k: its viewBox and height in px
    var width = picture.clientWidth || 1;
    screen = Math.max(1, Math.min(1.6, width / 1200));  // a projector's page: larger
    var height = Math.min(whole[3] * natural * screen, Math.max(240, window.innerHeight * 0.62));
    var step = steps[k], near = bounds([step.active, step.active + "op"].concat(step.receivers));
    var here = bounds([step.active]) || near;
    if (at >= 0 && ex && at < ex.blanks.length) {
      var id = ex.blanks[at].id;
      near = bounds([id, id + "op"]); here = bounds([id]) || near;
    }
    var scale = natural * screen * zoom;
    if (near && ((near[2] - near[0]) * scale > 0.9 * width ||
                 (near[3] - near[1]) * scale > 0.9 * height)) {
      scale = Math.max(0.6 * natural * screen * zoom, Math.min(0.9 * width / (near[2] - near[0]),
                                               0.9 * height / (near[3] - near[1])));
    }
    var w = width / scale, h = height / scale, centre = here || whole;
    var fits = near && near[2] - near[0] <= w && near[3] - near[1] <= h;
    var c = fits ? near : centre;
    return {box: [place((c[0] + c[2]) / 2, w, whole[0], whole[2]),
                  place((c[1] + c[3]) / 2, h, whole[1], whole[3]), w, h], height: height};
  }
  function setBox(b) { svg.setAttribute("viewBox", b.map(function (v) {
    return v.toFixed(2); }).join(" ")); }
  function frame(animate) {  // show the picture as the mode and step say
    if (moving !== null) { cancelAnimationFrame(moving); moving = null; }
    if (!following) {  // the width of the page, at most LARGEST times the natural size
      setBox(whole); svg.style.width = ""; svg.style.height = "";
      svg.style.maxWidth = Math.round(LARGEST * whole[2] * natural) + "px";
      picture.classList.add("whole"); root.removeAttribute("data-moving");
      view.textContent = words.follow; return;
    }
    picture.classList.remove("whole");
    view.textContent = words.whole;
    svg.style.maxWidth = "";
    var aim = target(), from = svg.viewBox.baseVal;
    var start = [from.x, from.y, from.width, from.height], before = svg.style.height;
    svg.style.width = "100%"; svg.style.height = aim.height + "px";
    var still = window.matchMedia && window.matchMedia("(prefers-reduced-motion: reduce)").matches;
    if (!animate || still || before !== svg.style.height) {
      setBox(aim.box); root.removeAttribute("data-moving"); return;
    }
    var t0 = null;
    root.setAttribute("data-moving", "1");
    function move(now) {
      t0 = t0 === null ? now : t0;
      var t = Math.min(1, (now - t0) / 250), e = t * (2 - t);
      setBox(start.map(function (v, i) { return v + (aim.box[i] - v) * e; }));
      if (t < 1) { moving = requestAnimationFrame(move); return; }
      moving = null; root.removeAttribute("data-moving");
    }
    moving = requestAnimationFrame(move);
  }
  function show(i) {
    var before = k;
    k = Math.max(0, Math.min(n - 1, i));
    apply(k);
    caption.textContent = steps[k].caption;
    text.textContent = texts[k].textContent;
    why.textContent = steps[k].why.map(function (s) {
      return fill(words[s[0]], Object.assign({root: data.root}, s[1])); }).join("\\n");
    slider.value = String(k + 1);
    var focused = document.activeElement;
    previous.disabled = k === 0;
    next.disabled = k === n - 1;
    if (focused && focused.disabled) { root.focus({preventScroll: true}); }  // keys keep working
    root.setAttribute("data-step", String(k + 1));
    frame(following && before !== k && (timer === null || data.interval >= 500));
  }
  function toggle() {
    following = !following;
    root.setAttribute("data-view", following ? "follow" : "whole");
    frame(false);
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = words.play;
  }
  function start() {
    if (timer !== null) { stop(); return; }
    if (k === n - 1) { show(0); }
    play.textContent = words.pause;
    timer = setInterval(function () {
      show(k + 1);
      if (k === n - 1) { stop(); }
    }, data.interval);
  }
  play.onclick = start;
  previous.onclick = function () { stop(); show(k - 1); };
  next.onclick = function () { stop(); show(k + 1); };
  slider.oninput = function () { stop(); show(Number(slider.value) - 1); };
  view.onclick = toggle;
  picture.onclick = toggle;
  function handled(event) {  // a key the player used: not the page's (a notebook's shortcuts)
    event.preventDefault(); event.stopPropagation();
  }
  root.onkeydown = function (event) {
    var key = event.key, on = event.target;
    if (event.altKey || event.ctrlKey || event.metaKey) { return; }
    if (on.tagName === "INPUT" && on.type !== "range") { return; }  // typing an answer
    if (at >= 0 && ex && at < ex.blanks.length && key !== "z" && key !== "Z") { return; }
    if (key === " " && on.tagName !== "BUTTON") { start(); handled(event); return; }
    if (key === "z" || key === "Z") { toggle(); handled(event); return; }
    if ((key === "+" || key === "=" || key === "-") && following) {
      zoom = Math.max(0.5, Math.min(3, zoom * (key === "-" ? 1 / 1.25 : 1.25)));
      root.setAttribute("data-zoom", zoom.toFixed(2)); frame(false); handled(event);
      return;
    }
    var to = {ArrowLeft: k - 1, ArrowRight: k + 1, Home: 0, End: n - 1}[key];
    if (to === undefined || on === slider) { return; }
    stop(); show(to); handled(event);
  };
  function fill(template, values) {
    return template.replace(/\\{(\\w+)\\}/g, function (_, name) { return String(values[name]); });
  }
  function readNumber(typed) {  // as autodiff.stepping.exercise.read_number
    var t = typed.normalize("NFKC").trim().replace(/[\u2212\u2013]/g, "-");
    if (!/^[-+]?(\\d+\\.?\\d*|\\.\\d+)(e[-+]?\\d+)?$/i.test(t)) { return null; }
    var x = Number(t);
    return isFinite(x) ? x : null;
  }
  function isRight(x, answer) {  // as autodiff.stepping.exercise.is_right
    if (answer === 0) { return Math.abs(x) <= ex.tolerance; }
    return Math.abs(x - answer) <= ex.tolerance * Math.abs(answer);
  }
  var panel = part("exercise"), prompt = part("prompt"), answer = part("answer");
  var feedback = part("feedback"), score = part("score"), progress = part("progress");
  function say(message, kind) {
    feedback.textContent = message; feedback.className = kind || "";
  }
  function ask() {  // the current blank: the picture as the step before leaves it
    root.setAttribute("data-blank", String(at + 1));
    if (at >= ex.blanks.length) { finish(); return; }
    var b = ex.blanks[at];
    progress.textContent = fill(ex.words.progress, {k: at + 1, n: ex.blanks.length});
    prompt.textContent = b.prompt;
    answer.value = ""; misses = 0;
    show(b.step - 1);
    caption.textContent = progress.textContent;
    text.textContent = ""; why.textContent = "";
  }
  function finish() {
    var total = ex.blanks.length;
    at = total;
    score.textContent = fill(ex.words.score, {right: rightFirst, total: total, shown: revealed});
    root.setAttribute("data-done", "1");
    part("ask").hidden = true;
    part("controls").hidden = false;
    part("all").hidden = false;
    show(n - 1);
    root.focus({preventScroll: true});
  }
  function check() {
    var b = ex.blanks[at], typed = answer.value, x = readNumber(typed);
    if (x === null) { say(fill(ex.words.not_number, {entered: typed.trim()}), "wrong"); return; }
    if (isRight(x, b.answer)) {
      if (misses === 0) { rightFirst += 1; }
      answered[at] = true;
      say(fill(ex.words.right, {answer: b.prompt + " = " + b.text}), "right");
      at += 1; ask();
    } else {
      misses += 1;
      say(fill(ex.words.wrong, {entered: typed.trim(), what: b.prompt, hint: b.hint}), "wrong");
      root.setAttribute("data-misses", String(misses));
    }
    if (at < ex.blanks.length) { answer.focus(); }
  }
  function reveal() {
    var b = ex.blanks[at];
    revealed += 1; answered[at] = true;
    say(fill(ex.words.shown, {worked: b.worked}), "");
    at += 1; ask();
    if (at < ex.blanks.length) { answer.focus(); }
  }
  window.addEventListener("resize", function () { frame(false); });
  following = whole[2] * natural > 1.3 * (picture.clientWidth || 1);  // too small to read whole
  root.setAttribute("data-view", following ? "follow" : "whole");
  if (ex) {
    panel.hidden = false;
    part("check").onclick = check;
    part("reveal").onclick = reveal;
    answer.onkeydown = function (event) {
      if (event.key === "Enter") { event.preventDefault(); check(); }
    };
    ask();
    answer.focus({preventScroll: true});
  } else {
    part("controls").hidden = false;
    show(0);
  }
  frame(false);
})();
"""


class Player:
    """The HTML player of `frames` (see `Stepper.player`): `interval_ms` between
    steps when playing, `title` for a saved page; with `exercise` (of the same
    stepper) the page starts in exercise mode: the learner fills in its blanks
    in order (`autodiff.stepping.exercise`), then steps through as usual. Its words are
    in the stepper's language (`Stepper(..., lang="ja")`)."""

    def __init__(self, frames: Frames, *, interval_ms: int = 800, title: str | None = None,
                 exercise: Blanks | None = None):
        if not isinstance(frames, Frames):
            raise TypeError(f"Player() needs Frames, got {type(frames).__name__}")
        if exercise is not None and getattr(exercise, "stepper", None) is not frames.stepper:
            raise ValueError("Player(exercise=...) needs an Exercise of the frames' own Stepper")
        self.exercise = exercise
        if isinstance(interval_ms, bool) or not isinstance(interval_ms, int) or interval_ms <= 0:
            raise ValueError(f"interval_ms must be a positive int, got {interval_ms!r}")
        self.frames = frames
        self.interval_ms = interval_ms
        stepper = frames.stepper
        self.lang = stepper.lang
        self.title = title or say(self.lang, "player.title", root=stepper.names[stepper.root])
        self._data: dict[str, Any] | None = None
        self._picture: str | None = None

    def data(self) -> dict[str, Any]:
        """What the page holds about the steps: `interval` (ms), and per step its
        `caption`, its `active` node and `receivers` (their ids in the picture,
        "n<k>" for the k-th of `graph_nodes`), and the `changes` it makes:
        [id, "d" (data) or "g" (gradient), the number's text]. A step's text is
        the k-th item of the page's list of steps, its explanation the step's
        `why`: its sentences as [catalogue key without "explain.", fields
        but the `root`'s name, said once], the templates in `words`, with the
        controls' words. With an exercise, `exercise` holds its `tolerance`,
        its words and its `blanks` in order: [id, "d" or "g", the step that
        makes the number known, the prompt, the answer (a number) and its
        text, the hint, the worked answer]."""
        if self._data is None:
            stepper = self.frames.stepper
            collapse = self.frames.draw_options.get("collapse", ())
            ids = node_ids(graph_nodes([stepper.root]), collapse)
            steps = []
            for k in range(len(stepper)):
                changes = [[ids[v], _FIELDS[field], format_number(x, stepper.number_format)]
                           for v, field, x in stepper.changes(k)]
                why = [[key.removeprefix("explain."),
                        {f: x for f, x in fields.items() if f != "root"}]  # said once: `root`
                       for key, fields in stepper[k].sentences]
                steps.append({"caption": self.frames.caption(k), "why": why,
                              "active": ids[stepper[k].node],
                              "receivers": [ids[v] for v in stepper.receivers(k)],
                              "changes": changes})
            words = {key: say(self.lang, f"control.{key}")
                     for key in ("play", "pause", "whole", "follow")}
            words |= {key.removeprefix("explain."): template(self.lang, key) for key in
                      dict.fromkeys(k for step in stepper.steps for k, _ in step.sentences)}
            self._data = {"interval": self.interval_ms, "words": words,
                          "root": stepper.names[stepper.root], "steps": steps}
            if self.exercise is not None:
                self._data["exercise"] = self._exercise_data(ids)
        return self._data

    def _exercise_data(self, ids: dict) -> dict[str, Any]:
        exercise = self.exercise
        assert exercise is not None
        words = {key: template(self.lang, f"exercise.{key}")
                 for key in ("right", "wrong", "not_number", "shown", "score", "progress")}
        blanks = [{"id": ids[b.node], "f": _FIELDS[b.field], "step": b.step, "prompt": b.prompt,
                   "answer": b.answer, "text": exercise.number_text(b.answer), "hint": b.hint,
                   "worked": b.worked} for b in exercise.blanks]
        return {"tolerance": exercise.tolerance, "words": words, "blanks": blanks}

    def picture(self) -> str:
        """The one SVG of the page: the graph laid out once, each node named by
        `data-id` (its DOT name) and by its tooltip, each number that steps
        change marked `data-f`, showing the last step (as a page without
        JavaScript does)."""
        if self._picture is None:
            svg = self.frames.layout().svg()
            data = self.data()
            hidden = {(b["id"], b["f"]) for b in data.get("exercise", {}).get("blanks", ())}
            prepared = _prepared(svg[svg.index("<svg"):], say(self.lang, "diagram.data"))
            self._picture = _last_step(prepared, data["steps"], hidden)
        return self._picture

    def fragment(self) -> str:
        """The player as an HTML fragment (a notebook output): its style, its
        markup showing the last step, its steps and its script; and, for a
        renderer that runs no script and drops the SVG (an untrusted notebook in
        JupyterLab), the last step as a PNG with a line saying how to play,
        which the script removes (`still`)."""
        return self._fragment(autofocus=False, still=True)

    def still(self) -> str:
        """The last step's picture as a PNG `<img>` and the line "trust the
        notebook (or run the cell) to play", shown where the script does not run;
        the player's own markup stays hidden there (`hidden="hidden"`, which
        JupyterLab's sanitiser keeps)."""
        last = len(self.frames) - 1
        png = self.frames.frame(last).run_dot(png_format(), dpi=_STILL_DPI)  # a palette PNG
        width, height = struct.unpack(">II", png[16:24])  # the PNG's IHDR: its size in pixels
        scale = 96 / _STILL_DPI
        return (f'<div data-role="still"><img alt="{html.escape(self.frames.caption(last))}" '
                f'width="{round(width * scale)}" height="{round(height * scale)}" '
                f'style="max-width: 100%; height: auto" '
                f'src="data:image/png;base64,{base64.b64encode(png).decode("ascii")}">'
                f"<p><b>{html.escape(self.frames.caption(last))}</b>: trust the notebook "
                "(or run the cell) to play the steps.</p></div>\n")

    def _fragment(self, *, autofocus: bool, still: bool = False) -> str:
        data = self.data()
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        texts = [self.frames.text(k) for k in range(len(self.frames))]
        key = hashlib.sha1((payload + "\n".join(texts)).encode()).hexdigest()[:16]
        last = len(self.frames) - 1
        steps = "".join(f"<li>{html.escape(text)}</li>" for text in texts)  # pre-wrap: no gaps
        focus = ' autofocus' if autofocus else ""
        lang = self.lang

        def word(name: str, **fields: object) -> str:
            return html.escape(say(lang, f"control.{name}", **fields))

        # with an exercise, no step's text nor the last picture's numbers before it is done
        done = self.exercise is None
        shown = texts[last] if done else ""
        why = self.frames.explanation(last) if done else ""
        return f"""\
<div class="autodiff-player" data-key="{key}" tabindex="0" lang="{lang}"{focus}>
<style>{_CSS}</style>
{self.still() if still else ""}<div data-role="live"{' hidden="hidden"' if still else ""}>
<div class="autodiff-controls" data-role="controls" hidden>
<button type="button" data-role="play">{word("play")}</button>
<button type="button" data-role="previous">{word("previous")}</button>
<button type="button" data-role="next">{word("next")}</button>
<input type="range" data-role="slider" min="1" max="{len(self.frames)}" value="{last + 1}" \
aria-label="{word("step")}">
<button type="button" data-role="view" title="{word("view_tip")}">{word("whole")}</button>
<span class="autodiff-keys">{word("keys")}</span>
</div>
{self._exercise_panel()}<div class="autodiff-caption" data-role="caption">\
{html.escape(self.frames.caption(last)) if done else ""}</div>
<div data-role="picture" title="{word("view_tip")}">
{self.picture()}
</div>
<div class="autodiff-legend">{legend_html(lang)}</div>
<pre data-role="text">{html.escape(shown)}</pre>
<div data-role="why">{html.escape(why)}</div>
<details data-role="all"{"" if done else " hidden"}>\
<summary>{word("all_steps", n=len(self.frames))}</summary>
<ol data-role="texts">{steps}</ol></details>
<script type="application/json" data-role="steps">{payload}</script>
<script>{_SCRIPT.replace("KEY", key)}</script>
</div>
"""

    def _exercise_panel(self) -> str:
        """The exercise's instructions, prompt, entry, buttons, feedback and score."""
        if self.exercise is None:
            return ""

        def word(name: str) -> str:
            return html.escape(say(self.lang, f"exercise.{name}"))

        return f"""\
<div class="autodiff-exercise" data-role="exercise" hidden>
<p class="autodiff-instructions">{html.escape(self.exercise.instructions())}</p>
<div data-role="ask"><span data-role="progress"></span> &nbsp;
<label><span data-role="prompt"></span> = <input type="text" data-role="answer" \
inputmode="decimal" autocomplete="off" spellcheck="false"></label>
<button type="button" data-role="check">{word("check")}</button>
<button type="button" data-role="reveal">{word("show")}</button></div>
<div data-role="feedback" aria-live="polite"></div>
<div data-role="score"></div>
</div>
"""

    def html(self) -> str:
        """The player as a complete HTML page (the keys work as it opens)."""
        heading = ('<h1 style="font: bold 1.1em system-ui, Helvetica, Arial, sans-serif">'
                   f"{html.escape(self.title)}</h1>")
        return page(f"{heading}\n{self._fragment(autofocus=True)}", self.title, lang=self.lang,
                    style="margin: 0.5em 1em; background: white")

    def save(self, path: str | PathLike[str]) -> Path:
        """Write the page to `path` (.html or .htm); nothing is written if rendering fails."""
        path = Path(path)
        if path.suffix.lower() not in (".html", ".htm"):
            raise ValueError(f"{path}: an HTML player is saved as .html or .htm")
        page = self.html()
        path.write_text(page, encoding="utf-8")
        return path

    def _repr_html_(self) -> str:
        return self.fragment()


def _tag(name: str) -> str:
    return f"{{{_SVG}}}{name}"


def _prepared(svg: str, data_word: str = "data") -> ET.Element:
    """Graphviz's SVG made the page's picture: Graphviz's ids and titles (n0,
    n2op->n2, %3) gone; each node and edge named by `data-id` and each node's
    tooltip a `<title>` (Graphviz writes it as a link's title); each number of
    a Value box a `<tspan data-f>` in a line centred in its box, so that any
    number the steps write stays centred; the font in the page's CSS.
    `data_word` is the word before a value ("data", "値")."""
    root = ET.fromstring(svg)
    for g in list(root.iter(_tag("g"))):
        kind = g.get("class")
        title = g.find(_tag("title"))
        if title is not None:
            g.remove(title)
        if kind == "cluster":
            _rounded_rects(g)
        if kind not in ("node", "edge"):
            g.attrib.pop("id", None)
            continue
        g.attrib = {"class": kind, "data-id": (title.text or "") if title is not None else ""}
        for link in list(g.iter(_tag("g"))):  # <g id="a_…"><a xlink:title="…">…</a></g>
            if link is g or not link.get("id", "").startswith("a_"):
                continue
            (a,) = list(link)
            position = list(g).index(link)
            g.remove(link)
            for offset, child in enumerate(a):
                g.insert(position + offset, child)
            tip = a.get(f"{{{_XLINK}}}title")
            if tip:
                tooltip = ET.Element(_tag("title"))
                tooltip.text = tip
                g.insert(0, tooltip)
        if kind == "node":
            _rounded_rects(g)
        if kind == "node" and _NUMBERED.fullmatch(g.get("data-id", "")):
            _centre_numbers(g, data_word)
    for text in root.iter(_tag("text")):
        text.attrib.pop("font-family", None)
        if text.get("font-size") == "11.00":
            del text.attrib["font-size"]
    root.set("font-size", "11")  # what most text is: said once
    return root


def _coordinates(shape: ET.Element) -> list[float]:
    return [float(v) for v in re.findall(r"-?\d+(?:\.\d+)?",
                                         shape.get("d") or shape.get("points") or "")]


def _rounded_rects(g: ET.Element) -> None:
    """Graphviz's rounded boxes (a path of four lines and four corner curves,
    25 points) as the `<rect rx>` they are: a third of the bytes."""
    for position, path in enumerate(list(g)):
        if path.tag != _tag("path") or not path.get("d", "").startswith("M"):
            continue
        numbers = _coordinates(path)
        if len(numbers) != 50:
            continue
        xs, ys = numbers[0::2], numbers[1::2]
        left, right, top, bottom = min(xs), max(xs), min(ys), max(ys)
        radius = min(xs[0] - left, right - xs[0])
        attrs = {key: value for key, value in path.attrib.items() if key != "d"}
        rect = ET.Element(_tag("rect"), {
            **attrs, "x": f"{left:g}", "y": f"{top:g}", "width": f"{right - left:g}",
            "height": f"{bottom - top:g}", "rx": f"{radius:g}"})
        g.remove(path)
        g.insert(position, rect)


def _centre_numbers(g: ET.Element, data_word: str) -> None:
    """In a Value box, its data line and its gradient line as one centred
    `<text>` each, the number a `<tspan data-f="d">` (or "g")."""
    shape = next((e for e in g if e.tag in (_tag("rect"), _tag("path"), _tag("polygon"))), None)
    if shape is None:
        return
    if shape.tag == _tag("rect"):
        centre = float(shape.get("x", 0)) + float(shape.get("width", 0)) / 2
    else:
        numbers = _coordinates(shape)
        centre = (min(numbers[0::2]) + max(numbers[0::2])) / 2
    lines: dict[str, list[ET.Element]] = {}
    for text in g.findall(_tag("text")):
        lines.setdefault(text.get("y", ""), []).append(text)
    for y, pieces in lines.items():
        whole = "".join("".join(t.itertext()) for t in pieces)
        colour = pieces[-1].get("fill")
        field = ("d" if whole.startswith(f"{data_word} ") and colour == COLORS["value"]
                 else "g" if colour == COLORS["grad"] and " " in whole else None)
        if field is None:
            continue
        words, number = whole.rsplit(" ", 1)
        line = ET.Element(_tag("text"), {"text-anchor": "middle", "x": f"{centre:g}", "y": y,
                                         "font-size": pieces[-1].get("font-size", "11.00"),
                                         "fill": colour or "black"})
        line.text = words + " "
        ET.SubElement(line, _tag("tspan"), {"data-f": field}).text = number
        position = list(g).index(pieces[0])
        for piece in pieces:
            g.remove(piece)
        g.insert(position, line)


def _last_step(root: ET.Element, steps: list[dict[str, Any]],
               hidden: set[tuple[str, str]] | None = None) -> str:
    """The picture as the last step leaves it: every number made known by then
    (else "?"; and "?" for an exercise's blanks, `hidden`), the last step's node
    and receivers marked."""
    shown = {(id_, field): text for step in steps for id_, field, text in step["changes"]
             if (id_, field) not in (hidden or set())}
    groups = {g.get("data-id"): g for g in root.iter(_tag("g")) if g.get("data-id")}
    for id_, g in groups.items():
        for tspan in g.iter(_tag("tspan")):
            if tspan.get("data-f"):
                tspan.text = shown.get((id_, tspan.get("data-f", "")), "?")
    last = steps[-1]
    op = last["active"] + "op"
    marks = [(last["active"], "current"), (op, "current"), (f"{op}->{last['active']}", "current")]
    marks += [(r, "receiver") for r in last["receivers"]]
    marks += [(f"{r}->{op}", "receiving") for r in last["receivers"]]
    for id_, name in marks:
        if id_ in groups:
            groups[id_].set("class", f"{groups[id_].get('class')} {name}")
    return ET.tostring(root, encoding="unicode")
