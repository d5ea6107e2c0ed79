"""`save` / `load`: a model as JSON, floats exact, written atomically.

A model file is UTF-8 JSON: {"format": "autodiff-watch/nn", "version": 1,
"config": model.config(), "state": model.state_dict()}. What a file may ask
for is capped, and `save` writes only what `load` reads:

- at most `MAX_BYTES` (16 MiB) and `MAX_PARAMETERS` (250,000) parameter values;
- JSON nested at most `MAX_NESTING` (100) arrays and objects deep;
- number literals of at most `MAX_NUMBER_CHARS` (100) characters, finite
  (no NaN, Infinity or 1e999), and no duplicate keys.

`load` builds the model only after these checks, and every module draws its
parameters from a budget of the values the file holds (`nn.module.reserve`),
so a small file that declares a huge layer fails at once, before that layer
allocates anything. Files are read and replaced as `nn.files` describes
(regular files only, non-blocking, atomic, permission bits kept).
"""

from __future__ import annotations

import json
import math
import os
import re
from itertools import accumulate
from numbers import Real
from pathlib import Path
from typing import Any

from nn.files import read_regular, replace_atomically
from nn.module import Module, build, parameter_budget

FORMAT = "autodiff-watch/nn"
VERSION = 1
MAX_BYTES = 16 * 2**20
MAX_PARAMETERS = 250_000
MAX_NESTING = 100
MAX_NUMBER_CHARS = 100
_FIELDS = ("format", "version", "config", "state")


def save(model: Module, path: str | os.PathLike[str]) -> None:
    """Write the model's architecture and parameters to `path` as JSON.

    Floats are written with `repr`, which round-trips exactly. The file is
    replaced atomically: a crash or kill at any moment leaves the old file or
    the new one. A model beyond the caps above, or that `path` cannot take
    (a directory, FIFO, socket or device; a symbolic link to nothing), raises
    before anything is written."""
    if not isinstance(model, Module):
        raise TypeError(f"save() needs an nn model, got {type(model).__name__}")
    replace_atomically(Path(path), _encode(model))


def load(path: str | os.PathLike[str]) -> Module:
    """Rebuild a model written by `save`. Anything that is not such a file (a
    corrupt, truncated, hostile or mismatched one, a directory, a FIFO) raises
    ValueError naming the file and the problem; a missing or unreadable file
    raises the OSError of opening it."""
    path = Path(path)
    config, state = _fields(_decode(read_regular(path, MAX_BYTES), path), path)
    try:
        with parameter_budget(len(state)):
            model = build(config)
        model.load_state_dict(state)
    except (KeyError, TypeError, ValueError) as exc:
        reason = exc.args[0] if isinstance(exc, KeyError) and exc.args else exc
        raise ValueError(f"{path}: saved model does not fit its architecture: {reason}"
                         ) from None
    return model


# -- writing -------------------------------------------------------------------


def _encode(model: Module) -> bytes:
    state = model.state_dict()
    if len(state) > MAX_PARAMETERS:
        raise ValueError(f"save(): the model has {len(state)} parameters; a model file holds "
                         f"at most {MAX_PARAMETERS}")
    for name, x in state.items():
        if isinstance(x, bool) or not isinstance(x, Real) or not math.isfinite(x):
            raise ValueError(f"save(): parameter {name} is {x!r}; a model file holds finite "
                             f"numbers only")
        state[name] = float(x)  # an int or a NumPy float a user assigned to .data
    text = json.dumps({"format": FORMAT, "version": VERSION, "config": model.config(),
                       "state": state}, allow_nan=False, indent=1)
    data = text.encode("utf-8")
    if len(data) > MAX_BYTES:
        raise ValueError(f"save(): the model file would take {len(data)} bytes; a model file "
                         f"has at most {MAX_BYTES}")
    if _nesting(text) > MAX_NESTING:
        raise ValueError(f"save(): the model's config nests more than {MAX_NESTING} deep, "
                         f"more than a model file may")
    return data


# -- reading -------------------------------------------------------------------


class _Refused(ValueError):
    """A JSON value a model file may not hold (raised from the decoder's hooks)."""


_STRING = re.compile(r'"[^"\\]*(?:\\.[^"\\]*)*"')
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}
_TOO_DEEP = re.compile(rf"[\[{{]{{{MAX_NESTING + 1}}}")  # that many openings in a row


def _nesting(text: str) -> int:
    """How deep arrays and objects nest in the JSON `text` (strings skipped),
    found without recursion; for invalid JSON, an estimate json.loads refutes."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    if _TOO_DEEP.search(brackets):  # the usual attack, found at once
        return MAX_NESTING + 1
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _number_text(s: str) -> str:
    if len(s) > MAX_NUMBER_CHARS:
        raise _Refused(f"a {len(s)}-character number; numbers have at most {MAX_NUMBER_CHARS}")
    return s


def _float(s: str) -> float:
    x = float(_number_text(s))
    if not math.isfinite(x):
        raise _Refused(f"the number {s} is beyond the float range")
    return x


def _constant(s: str) -> float:
    raise _Refused(f"{s} is not a finite number")


def _object(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise _Refused(f"the key {key!r} appears twice in one object")
        result[key] = value
    return result


def _decode(data: bytes, path: Path) -> object:
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise ValueError(f"{path}: not a saved model (not UTF-8 text: byte {exc.start})"
                         ) from None
    if _nesting(text) > MAX_NESTING:
        raise ValueError(f"{path}: not a saved model (JSON nested more than {MAX_NESTING} "
                         f"deep)")
    try:
        return json.loads(text, parse_int=lambda s: int(_number_text(s)), parse_float=_float,
                          parse_constant=_constant, object_pairs_hook=_object)
    except _Refused as exc:
        raise ValueError(f"{path}: not a saved model ({exc})") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a saved model (corrupt or truncated JSON: {exc})"
                         ) from None


def _fields(document: object, path: Path) -> tuple[dict[str, Any], dict[str, Any]]:
    """The config and state of a decoded model file, their types checked."""
    if not isinstance(document, dict) or document.get("format") != FORMAT:
        raise ValueError(f"{path}: not a saved model (no {FORMAT!r} header)")
    version = document.get("version")
    if type(version) is not int or version != VERSION:
        raise ValueError(f"{path}: format version {version!r}, expected {VERSION}")
    if unexpected := sorted(set(document) - set(_FIELDS)):
        raise ValueError(f"{path}: not a saved model (unexpected keys {unexpected})")
    config, state = _object_field(document, "config", path), _object_field(document, "state", path)
    if len(state) > MAX_PARAMETERS:
        raise ValueError(f"{path}: {len(state)} parameter values; a model file holds at most "
                         f"{MAX_PARAMETERS}")
    for name, x in state.items():
        if isinstance(x, bool) or not isinstance(x, int | float):
            raise ValueError(f"{path}: not a saved model (state[{name!r}] is "
                             f"{type(x).__name__}, not a number)")
    return config, state


def _object_field(document: dict[str, Any], name: str, path: Path) -> dict[str, Any]:
    value = document.get(name)
    if not isinstance(value, dict):
        raise ValueError(f"{path}: not a saved model ({name!r} must be an object, got "
                         f"{type(value).__name__})")
    return value
