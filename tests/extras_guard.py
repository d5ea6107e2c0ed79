"""Run code as if only some extras of autodiff-watch were installed.

The test environment has every extra. To check that an example needs no more
than a `./run` target installs, `install(extras)` puts an import hook first on
`sys.meta_path` that refuses (ModuleNotFoundError, as a missing package would)
every module of an installed distribution that those extras do not bring in,
directly or through the requirements of what they bring in. Modules of no
distribution (the standard library, the project itself) are never refused.
`extras_of_run_target("demo")` reads which extras a `./run` target installs
from the `run` script itself, so the check follows the script.
"""

from __future__ import annotations

import importlib.abc
import importlib.metadata as metadata
import re
import sys
from collections.abc import Iterable
from pathlib import Path

from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

PROJECT = "autodiff-watch"
RUN = Path(__file__).resolve().parents[1] / "run"


def extras_of_run_target(target: str) -> list[str]:
    """The extras `./run TARGET` installs: the argument of its `need_venv`."""
    arm = re.search(rf"^  {re.escape(target)}\)\n(.*?);;", RUN.read_text(), re.M | re.S)
    if arm is None:
        raise ValueError(f"./run has no target {target!r}")
    (extras,) = re.findall(r"need_venv (\S+)", arm.group(1))
    return extras.split(",")


def distributions_of(extras: Iterable[str]) -> set[str]:
    """Every distribution that installing the project with `extras` brings in."""
    wanted: list[tuple[str, frozenset[str]]] = [(PROJECT, frozenset(extras))]
    seen: set[tuple[str, frozenset[str]]] = set()
    found: set[str] = set()
    while wanted:
        name, with_extras = wanted.pop()
        if (name, with_extras) in seen:
            continue
        seen.add((name, with_extras))
        found.add(name)
        try:
            requirements = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue  # an optional requirement that is not installed
        for text in requirements:
            req = Requirement(text)
            markers = [{"extra": e} for e in (*with_extras, "")]
            if req.marker is None or any(req.marker.evaluate(m) for m in markers):
                wanted.append((canonicalize_name(req.name), frozenset(req.extras)))
    return found


def refused_modules(extras: Iterable[str]) -> set[str]:
    """Top-level modules of installed distributions that `extras` do not bring in."""
    allowed = distributions_of(extras)
    return {module for module, dists in metadata.packages_distributions().items()
            if not any(canonicalize_name(d) in allowed for d in dists)}


class _Refuse(importlib.abc.MetaPathFinder):
    def __init__(self, modules: set[str], what: str) -> None:
        self.modules, self.what = modules, what

    def find_spec(self, name, path=None, target=None):
        if name.partition(".")[0] in self.modules:
            raise ModuleNotFoundError(f"No module named {name!r} ({self.what} does not "
                                      "install it)", name=name)
        return None


def install(extras: Iterable[str], what: str) -> None:
    """From now on, import only what `extras` install (`what` names them in errors)."""
    extras = list(extras)
    sys.meta_path.insert(0, _Refuse(refused_modules(extras), what))
