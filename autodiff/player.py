"""Stepping without a kernel: a Stepper's frames as one self-contained HTML player.

    Stepper(E).save_html("backprop.html")     # opens from disk in any browser
    Stepper(E).player()                        # the same player as a notebook output

The frames are pre-rendered SVG (`autodiff.frames`), the controls (play,
previous, next, a slider, the arrow keys) are a few lines of plain JavaScript
in the page: no network access, no kernel, no library. The pictures scale down
to the page's width (a click on one toggles its full size). Without JavaScript
(a sanitising renderer) the page shows the last frame and the list of all steps.

Frames share one layout, so most lines of their SVG are the same: the page
holds each distinct line once and every frame as a list of line numbers
(`Player.data`), which keeps a 17-step player at a fraction of 17 SVGs.
"""

from __future__ import annotations

import hashlib
import html
import json
from os import PathLike
from pathlib import Path
from typing import Any

from autodiff.frames import FIT_CLASS, FIT_CSS, TEXT_STYLE, Frames, legend_html

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
.autodiff-player pre {{{TEXT_STYLE}; font-size: 0.9em;}}
.autodiff-player .{FIT_CLASS} {{cursor: zoom-in;}}
.autodiff-player .{FIT_CLASS}.natural {{cursor: zoom-out;}}
{FIT_CSS}
"""

# The controls. `KEY` is the player's key: the script finds its player as the
# element around it or, where a notebook runs scripts detached from the page,
# as the first player with that key not yet started.
_SCRIPT = """\
(function () {
  var me = document.currentScript;
  var root = (me && me.closest && me.closest(".autodiff-player")) ||
    document.querySelector('.autodiff-player[data-key="KEY"]:not([data-ready])');
  if (!root || root.getAttribute("data-ready")) { return; }
  root.setAttribute("data-ready", "1");
  var data = JSON.parse(root.querySelector("script[data-role=frames]").textContent);
  var part = function (role) { return root.querySelector("[data-role=" + role + "]"); };
  var picture = part("picture"), caption = part("caption"), text = part("text");
  var slider = part("slider"), previous = part("previous"), next = part("next");
  var play = part("play"), n = data.frames.length, k = 0, timer = null;
  function show(i) {
    k = Math.max(0, Math.min(n - 1, i));
    var frame = data.frames[k];
    picture.innerHTML = frame.svg.map(function (j) { return data.lines[j]; }).join("\\n");
    caption.textContent = frame.caption;
    text.textContent = frame.text;
    slider.value = String(k + 1);
    previous.disabled = k === 0;
    next.disabled = k === n - 1;
    root.setAttribute("data-step", String(k + 1));
  }
  function stop() {
    if (timer !== null) { clearInterval(timer); timer = null; }
    play.textContent = "\\u25b6 play";
  }
  play.onclick = function () {
    if (timer !== null) { stop(); return; }
    if (k === n - 1) { show(0); }
    play.textContent = "\\u275a\\u275a pause";
    timer = setInterval(function () {
      show(k + 1);
      if (k === n - 1) { stop(); }
    }, data.interval);
  };
  previous.onclick = function () { stop(); show(k - 1); };
  next.onclick = function () { stop(); show(k + 1); };
  slider.oninput = function () { stop(); show(Number(slider.value) - 1); };
  picture.onclick = function () { picture.classList.toggle("natural"); };
  root.onkeydown = function (event) {
    var to = {ArrowLeft: k - 1, ArrowRight: k + 1, Home: 0, End: n - 1}[event.key];
    if (to === undefined || event.target === slider) { return; }
    stop(); show(to); event.preventDefault();
  };
  part("controls").hidden = false;
  show(0);
})();
"""


class Player:
    """The HTML player of `frames` (see `Stepper.player`): `interval_ms` between
    frames when playing, `title` for a saved page."""

    def __init__(self, frames: Frames, *, interval_ms: int = 800, title: str | None = None):
        if not isinstance(frames, Frames):
            raise TypeError(f"Player() needs Frames, got {type(frames).__name__}")
        if isinstance(interval_ms, bool) or not isinstance(interval_ms, int) or interval_ms <= 0:
            raise ValueError(f"interval_ms must be a positive int, got {interval_ms!r}")
        self.frames = frames
        self.interval_ms = interval_ms
        stepper = frames.stepper
        self.title = title or f"Backpropagation step by step: {stepper.names[stepper.root]}"
        self._data: dict[str, Any] | None = None

    def data(self) -> dict[str, Any]:
        """What the page holds: `lines`, each distinct SVG line once; `frames`,
        per frame its `caption`, `text` and `svg` (line numbers into `lines`:
        frame k's SVG is `"\\n".join(lines[j] for j in frame["svg"])`); `interval`."""
        if self._data is None:
            lines: list[str] = []
            number: dict[str, int] = {}
            frames = []
            for k in range(len(self.frames)):
                svg = []
                for line in self.frames.svg(k).split("\n"):
                    if line not in number:
                        number[line] = len(lines)
                        lines.append(line)
                    svg.append(number[line])
                frames.append({"caption": self.frames.caption(k), "text": self.frames.text(k),
                               "svg": svg})
            self._data = {"lines": lines, "frames": frames, "interval": self.interval_ms}
        return self._data

    def fragment(self) -> str:
        """The player as an HTML fragment (a notebook output): its style, its
        markup showing the last frame, its frames and its script."""
        data = self.data()
        payload = json.dumps(data, ensure_ascii=False, separators=(",", ":"))
        payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
        key = hashlib.sha1(payload.encode()).hexdigest()[:16]
        last = len(self.frames) - 1
        steps = "\n".join(self.frames.text(k) for k in range(len(self.frames)))
        return f"""\
<div class="autodiff-player" data-key="{key}" tabindex="0">
<style>{_CSS}</style>
<div class="autodiff-controls" data-role="controls" hidden>
<button type="button" data-role="play">&#9654; play</button>
<button type="button" data-role="previous">&#9664; previous</button>
<button type="button" data-role="next">next &#9654;</button>
<input type="range" data-role="slider" min="1" max="{len(self.frames)}" value="{last + 1}" \
aria-label="step">
</div>
<div class="autodiff-caption" data-role="caption">{html.escape(self.frames.caption(last))}</div>
<div class="{FIT_CLASS}" data-role="picture" title="click: full size / fit to the width">
{self.frames.svg(last)}
</div>
<div class="autodiff-legend">{legend_html()}</div>
<pre data-role="text">{html.escape(self.frames.text(last))}</pre>
<details><summary>all {len(self.frames)} steps</summary><pre>{html.escape(steps)}</pre></details>
<script type="application/json" data-role="frames">{payload}</script>
<script>{_SCRIPT.replace("KEY", key)}</script>
</div>
"""

    def html(self) -> str:
        """The player as a complete HTML page."""
        return f"""\
<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{html.escape(self.title)}</title>
</head>
<body style="margin: 0.5em 1em; background: white">
<h1 style="font: bold 1.1em system-ui, Helvetica, Arial, sans-serif">\
{html.escape(self.title)}</h1>
{self.fragment()}</body>
</html>
"""

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
