"""The notebooks: each one runs top to bottom in a fresh kernel, and is committed stripped.

Every `notebooks/*.ipynb` is executed with nbclient in an ipykernel started by the
interpreter running the tests (the project's .venv: no kernelspec installed elsewhere
on the machine can swap in another Python), with `notebooks/` as the working directory.
A cell that raises, including a failed `assert` on a key number, fails that notebook's
test. Notebooks are committed without outputs or execution counts, so what is on disk
can never be stale: run them (`./run lab`) to see the results.
"""

from __future__ import annotations

import re
from pathlib import Path

import nbformat
import pytest
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient
from nbclient.exceptions import CellExecutionError

NOTEBOOKS_DIR = Path(__file__).resolve().parent.parent / "notebooks"
NOTEBOOKS = sorted(NOTEBOOKS_DIR.glob("*.ipynb"))
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours its tracebacks
CELL_TIMEOUT = 120  # seconds; a cell that takes longer is a hang, not a slow machine


def _kernel_manager() -> KernelManager:
    """A manager for ipykernel's own "python3" spec, which runs `sys.executable`.

    `kernel_dirs=[]` hides every installed kernelspec (user, venv, system), so the
    native spec of the running interpreter is the only one found.
    """
    return KernelManager(
        kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[])
    )


def test_there_are_notebooks():
    assert NOTEBOOKS, f"no notebooks found in {NOTEBOOKS_DIR}"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_is_committed_stripped(path: Path):
    nb = nbformat.read(path, as_version=4)
    nbformat.validate(nb)
    dirty = [
        i
        for i, cell in enumerate(nb.cells)
        if cell.cell_type == "code" and (cell.outputs or cell.execution_count is not None)
    ]
    assert not dirty, (
        f"{path.name}: code cells {dirty} carry outputs or execution counts; "
        "commit notebooks stripped (Jupyter: Edit > Clear Outputs of All Cells, then save)"
    )
    assert "widgets" not in nb.metadata, f"{path.name}: saved widget state in its metadata"


@pytest.mark.parametrize("path", NOTEBOOKS, ids=[p.stem for p in NOTEBOOKS])
def test_notebook_runs_top_to_bottom(path: Path, tmp_path: Path, monkeypatch):
    # the kernel inherits this: Hypothesis's caches go to a temporary directory, not notebooks/
    monkeypatch.setenv("HYPOTHESIS_STORAGE_DIRECTORY", str(tmp_path / "hypothesis"))
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(
        nb,
        timeout=CELL_TIMEOUT,
        km=_kernel_manager(),
        resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
        allow_errors=False,
    )
    failure = None
    try:
        client.execute()
    except CellExecutionError as error:
        failure = ANSI_ESCAPE.sub("", str(error))
    if failure is not None:
        pytest.fail(f"{path.name} failed:\n{failure}", pytrace=False)
