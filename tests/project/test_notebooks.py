"""The notebooks: committed with their outputs, and those outputs are current.

Every `notebooks/*.ipynb` is committed executed, so GitHub and nbviewer show
its plots, diagrams and numbers. The suite runs each one again, top to bottom,
exactly as `./run notebooks` does (`notebook_outputs.execute`: a fresh kernel
of this interpreter, `notebooks/` as the working directory, only what
`./run lab` installs importable). A cell that raises, including a failed
`assert` on a key number, fails; so does any code cell whose text output
(streams and `text/plain`) differs from the committed one: the message names
the cell and says how to regenerate. Pictures are not compared byte for byte
(another Graphviz or matplotlib draws other bytes), only their presence.

So a committed output holds nothing that differs from machine to machine: no
third-party library's last digits (PyTorch's or NumPy's BLAS results are printed
as agreements to a stated tolerance), no timings (cells tagged "measured" run
but are not compared), addresses, paths or file sizes that vary. A notebook
that imports PyTorch is skipped where `./run test` does not install it
(Python 3.12 and later; see pyproject.toml).
"""

from __future__ import annotations

import difflib
import importlib.util
import re
from pathlib import Path

import nbformat
import pytest
from nbclient.exceptions import CellExecutionError

from tests.notebook_outputs import (
    ANSI_ESCAPE,
    NOTEBOOKS_DIR,
    WIDGET_VIEW,
    execute,
    notebooks,
    text_outputs,
)

NOTEBOOKS = notebooks()
MAX_BYTES = 400_000  # a notebook with its outputs; plots are small PNGs, diagrams SVG
REGENERATE = "regenerate its outputs with ./run notebooks {name} and commit them"
COMPARED = ("compared exactly: every code cell's text (stdout, stderr, text/plain), so it must "
            "not print what differs between machines (a library's last digits, timings, "
            "addresses, paths): print an agreement to a tolerance instead; pictures: only "
            "their types; cells tagged 'measured': run, not compared")


MEASURED = "measured"
"""The tag of a code cell whose outputs are timings measured as it runs (notebook 09's
costs of forward and reverse mode): run like every cell, its outputs not compared."""


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOKS_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_with_its_outputs(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    code = [(i, cell) for i, cell in enumerate(nb.cells) if cell.cell_type == "code"]
    unrun = [i for i, cell in code if cell.execution_count is None]
    assert not unrun, f"{path.name}: cells {unrun} were not run; " + REGENERATE.format(
        name=path.name)
    counts = [cell.execution_count for _, cell in code]
    assert counts == list(range(1, len(code) + 1)), (
        f"{path.name}: run out of order (execution counts {counts}); "
        + REGENERATE.format(name=path.name))
    assert "widgets" not in nb.metadata, f"{path.name}: saved widget state in its metadata"
    views = [i for i, cell in code for out in cell.outputs if WIDGET_VIEW in out.get("data", {})]
    assert not views, f"{path.name}: widget views in cells {views}"
    assert path.stat().st_size <= MAX_BYTES, f"{path.name}: {path.stat().st_size} bytes"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_and_its_committed_outputs_are_current(path: Path, tmp_path: Path,
                                                             monkeypatch):
    # the kernel inherits this: Hypothesis's caches go to a temporary directory, not notebooks/
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path / "hypothesis"))
    committed = nbformat.read(path, as_version=4)
    if needs_missing_torch(committed):
        pytest.skip("imports PyTorch, which ./run test installs on Python 3.11 only")
    try:
        fresh = execute(path)
    except CellExecutionError as error:
        pytest.fail(f"{path.name} failed:\n{ANSI_ESCAPE.sub('', str(error))}", pytrace=False)
    assert len(fresh.cells) == len(committed.cells)
    for index, (old, new) in enumerate(zip(committed.cells, fresh.cells, strict=True)):
        if new.cell_type != "code" or MEASURED in new.metadata.get("tags", []):
            continue  # a cell tagged "measured" prints wall-clock times: it must run, not repeat
        before, after = text_outputs(old), text_outputs(new)
        if before != after:
            diff = "\n".join(difflib.unified_diff(
                "\n".join(before).splitlines(), "\n".join(after).splitlines(),
                "committed", "now", lineterm=""))
            pytest.fail(f"{path.name}, cell {index} (id {new.get('id')}): the committed output "
                        f"is stale:\n{diff}\n({COMPARED})\n" + REGENERATE.format(name=path.name),
                        pytrace=False)
        assert pictures(new) == pictures(old), (
            f"{path.name}, cell {index}: other pictures than committed; "
            + REGENERATE.format(name=path.name))


FOLDED = re.compile(r"<details>\s*<summary>[^<]*(?:solution|解答)[^<]*</summary>(.*?)</details>",
                    re.IGNORECASE | re.DOTALL)


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_every_notebook_has_try_it_exercises_with_folded_solutions(path: Path):
    # what the README promises: "Try it" exercises whose solutions are folded away (in a
    # Japanese notebook, *_ja: 「やってみよう」, its solutions 「解答」)
    nb = nbformat.read(path, as_version=4)
    heading = r"^(#+ |\*\*)(Try it|やってみよう)"
    cells = [cell.source for cell in nb.cells
             if cell.cell_type == "markdown" and re.search(heading, cell.source, re.M)]
    assert cells, f"{path.name}: no 'Try it' section"
    solutions = [found.group(1).strip() for cell in cells for found in FOLDED.finditer(cell)]
    assert solutions and all(len(text) > 40 for text in solutions), (
        f"{path.name}: a 'Try it' needs its solution folded in "
        "<details><summary>Solution</summary> ... </details>")


def pictures(cell) -> list[list[str]]:
    """The image types of each output that shows a picture (streams may come in any chunks)."""
    kinds = [sorted(k for k in out.get("data", {}) if k.startswith("image/"))
             for out in cell.outputs]
    return [k for k in kinds if k]


def needs_missing_torch(nb) -> bool:
    """Whether the notebook imports PyTorch and this interpreter has none."""
    imports = any(line.lstrip().startswith("import torch")
                  for cell in nb.cells if cell.cell_type == "code"
                  for line in cell.source.splitlines())
    return imports and importlib.util.find_spec("torch") is None
