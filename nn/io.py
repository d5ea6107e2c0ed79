"""`save` / `load`: a model as JSON, floats exact, written atomically."""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

from nn.module import Module, build

FORMAT = "autodiff-watch/nn"
VERSION = 1


def save(model: Module, path: str | os.PathLike) -> None:
    """Write the model's architecture and parameters to `path` as JSON.

    Floats are written with `repr`, which round-trips exactly. The file is
    written to a temporary file beside `path` and renamed over it, so a crash
    mid-write leaves the old file intact."""
    if not isinstance(model, Module):
        raise TypeError(f"save() needs an nn model, got {type(model).__name__}")
    text = json.dumps({"format": FORMAT, "version": VERSION, "config": model.config(),
                       "state": model.state_dict()}, allow_nan=False, indent=1)
    path = Path(path)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as f:
            f.write(text)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def load(path: str | os.PathLike) -> Module:
    """Rebuild a model written by `save`. A truncated, corrupt or mismatched file
    raises ValueError naming the file and the problem."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path}: not a saved model (corrupt or truncated JSON: {exc})") from None
    except UnicodeDecodeError:
        raise ValueError(f"{path}: not a saved model (not UTF-8 text)") from None
    if not isinstance(data, dict) or data.get("format") != FORMAT:
        raise ValueError(f"{path}: not a saved model (no {FORMAT!r} header)")
    if data.get("version") != VERSION:
        raise ValueError(f"{path}: format version {data.get('version')!r}, expected {VERSION}")
    try:
        model = build(data["config"])
        model.load_state_dict(data["state"])
    except (KeyError, TypeError, ValueError) as exc:
        raise ValueError(f"{path}: saved model does not fit its architecture: {exc}") from None
    return model
