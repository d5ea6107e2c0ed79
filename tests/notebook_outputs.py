"""Execute the notebooks and keep their outputs: `./run notebooks`, and what the
suite checks them against.

    python tests/notebook_outputs.py [NOTEBOOK ...]    (default: every notebooks/*.ipynb)

A notebook runs top to bottom in a fresh ipykernel of this interpreter (no
installed kernelspec can swap in another Python), in `notebooks/`, with only
the packages `./run lab` installs importable (`extras_guard`), and is saved
with its outputs, so GitHub and nbviewer show them. The outputs are made
deterministic: plots are PNGs written without matplotlib's "Software" stamp and
optimised; no execution timings; no widget state, and no widget views (their
model ids are random and nothing renders them without a kernel): an output that
shows a widget is dropped, the outputs beside it (a stepper's HTML player) stay.
`text_outputs` is what the suite compares with the committed notebook: per code
cell, its streams and its `text/plain` results.
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import nbformat
from jupyter_client import KernelManager
from jupyter_client.kernelspec import KernelSpecManager
from nbclient import NotebookClient

TESTS = Path(__file__).resolve().parent
NOTEBOOKS_DIR = TESTS.parent / "notebooks"
CELL_TIMEOUT = 120  # seconds; a cell that takes longer is a hang, not a slow machine
WIDGET_VIEW = "application/vnd.jupyter.widget-view+json"
ANSI_ESCAPE = re.compile(r"\x1b\[[0-9;]*m")  # IPython colours its tracebacks

SET_UP = f"""
import sys
from matplotlib_inline.backend_inline import InlineBackend
InlineBackend.instance().print_figure_kwargs = {{
    "bbox_inches": "tight", "metadata": {{"Software": None}}, "pil_kwargs": {{"optimize": True}}}}
import importlib.util
spec = importlib.util.spec_from_file_location("extras_guard", {str(TESTS / "extras_guard.py")!r})
extras_guard = importlib.util.module_from_spec(spec)
spec.loader.exec_module(extras_guard)
extras_guard.install(extras_guard.extras_of_run_target("lab"), "./run lab")
"""
"""Run in the kernel before the notebook's first cell; not part of the notebook."""


def notebooks() -> list[Path]:
    return sorted(NOTEBOOKS_DIR.glob("*.ipynb"))


def kernel_manager() -> KernelManager:
    """A manager for ipykernel's own "python3" spec, which runs `sys.executable`.

    `kernel_dirs=[]` hides every installed kernelspec (user, venv, system), so the
    native spec of the running interpreter is the only one found.
    """
    return KernelManager(
        kernel_name="python3", kernel_spec_manager=KernelSpecManager(kernel_dirs=[])
    )


def execute(path: Path) -> nbformat.NotebookNode:
    """The notebook at `path`, run top to bottom, with deterministic outputs.
    nbclient's CellExecutionError if a cell raises."""
    nb = nbformat.read(path, as_version=4)
    client = NotebookClient(nb, timeout=CELL_TIMEOUT, km=kernel_manager(),
                            resources={"metadata": {"path": str(NOTEBOOKS_DIR)}},
                            allow_errors=False, record_timing=False)
    nb.cells.insert(0, nbformat.v4.new_code_cell(SET_UP))  # nbclient runs cells in place
    try:
        with client.setup_kernel():
            client.execute_cell(nb.cells[0], 0, store_history=False)
            for index, cell in enumerate(nb.cells[1:], start=1):
                if cell.cell_type == "code":
                    client.execute_cell(cell, index)
    finally:
        del nb.cells[0]
    nb.metadata.pop("widgets", None)
    for cell in nb.cells:
        if cell.cell_type == "code":
            cell.outputs = [out for out in cell.outputs if WIDGET_VIEW not in out.get("data", {})]
    return nb


def text_outputs(cell: nbformat.NotebookNode) -> list[str]:
    """What a code cell printed and showed as text: its streams (merged) and
    the `text/plain` of its results, in order."""
    texts: list[str] = []
    for output in cell.get("outputs", []):
        if output.output_type == "stream":
            text = f"[{output.name}] {output.text}"
            if texts and texts[-1].startswith(f"[{output.name}] "):
                text = texts.pop() + output.text
            texts.append(text)
        elif output.output_type == "error":
            texts.append(f"[error] {output.ename}: {output.evalue}")
        elif "text/plain" in output.get("data", {}):
            texts.append(f"[{output.output_type}] {output.data['text/plain']}")
    return texts


def main(names: list[str]) -> int:
    paths = [Path(n) if Path(n).exists() else NOTEBOOKS_DIR / n for n in names] or notebooks()
    for path in paths:
        print(f"running {path.name} ...", end=" ", flush=True)
        nb = execute(path)
        nbformat.validate(nb)
        nbformat.write(nb, path)
        print(f"saved, {path.stat().st_size / 1024:.0f} kB")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
