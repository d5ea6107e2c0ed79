"""Every example in the README and in the documentation site runs as pasted, after the
README's own set-up command.

The README's fenced blocks are all examples; a page of the site (docs/**/*.md) marks its
examples with the class `example` (```{.python .example}, ```{.sh .example}), and its other
blocks are not run.

Python blocks: each in a fresh interpreter and an empty temporary directory, fed
line by line to the interactive console, as a paste into `.venv/bin/python`
would be (so a compound statement needs the blank line after it), with only
the packages `./run demo` installs importable, or those of the `./run` target
that the block's first line names (`# needs ./run test`; Hypothesis then runs
with the suite's profile, as the tests do: derandomized, no deadline). Functions named
`test_*` that a block defines are then called, as pytest would. Shell blocks:
every `.venv/bin/python` line runs and exits 0; the `./run` lines are the
set-up itself and are not run again.
"""

from __future__ import annotations

import importlib.util
import os
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from tests.extras_guard import distributions_of, extras_of_run_target

ROOT = Path(__file__).resolve().parents[2]
README = ROOT / "README.md"
PAGES = sorted((ROOT / "docs").rglob("*.md"))
FENCE = re.compile(r"^```(\w+)\n(.*?)^```$", re.M | re.S)
EXAMPLE = re.compile(r"^```\{\.(\w+) \.example\}\n(.*?)^```$", re.M | re.S)
NEEDS = re.compile(r"# needs \./run (\w+)")
SET_UP = "demo"  # the README's set-up command: ./run demo


def blocks(language: str) -> list[tuple[str, str]]:
    """(where, text) of every example in `language`: the README's fenced blocks and the
    site's blocks marked as examples."""
    found = []
    for path, fence in [(README, FENCE)] + [(page, EXAMPLE) for page in PAGES]:
        text = path.read_text()
        found += [(f"{path.relative_to(ROOT)} line {text.count(chr(10), 0, m.start()) + 1}",
                   m.group(2)) for m in fence.finditer(text) if m.group(1) == language]
    return found


PYTHON = blocks("python")

CONSOLE = """
import code, sys
import importlib.util
spec = importlib.util.spec_from_file_location("extras_guard", {guard!r})
extras_guard = importlib.util.module_from_spec(spec)
spec.loader.exec_module(extras_guard)
extras_guard.install({extras!r}, {what!r})
try:
    import conftest  # the suite's Hypothesis profile (ci: derandomized, no deadline)
except ModuleNotFoundError:
    pass  # a ./run target without Hypothesis

class Paste(code.InteractiveConsole):
    failed = False

    def showtraceback(self):
        self.failed = True
        super().showtraceback()

    def showsyntaxerror(self, filename=None, **kwargs):
        self.failed = True
        super().showsyntaxerror(filename, **kwargs)


console = Paste()
for line in sys.stdin.read().splitlines():
    console.push(line)
    if console.failed:
        sys.exit(f"failed at the line: {{line}}")
console.push("")  # the Enter after the paste
if console.failed:
    sys.exit("failed at the end of the block")
for name, test in list(console.locals.items()):
    if name.startswith("test_") and callable(test):
        test()
        print(f"{{name}} passed")
"""


def target_of(block: str) -> str:
    first = block.splitlines()[0]
    named = NEEDS.match(first)
    return named.group(1) if named else SET_UP


def paste(block: str, cwd: Path) -> subprocess.CompletedProcess:
    target = target_of(block)
    driver = CONSOLE.format(guard=str(ROOT / "tests" / "extras_guard.py"),
                            extras=extras_of_run_target(target), what=f"./run {target}")
    env = {**os.environ, "HYPOTHESIS_STORAGE_DIRECTORY": str(cwd / ".hypothesis")}
    return subprocess.run([sys.executable, "-c", driver], input=block, capture_output=True,
                          text=True, cwd=cwd, env=env, timeout=300)


@pytest.mark.parametrize("where, block", PYTHON, ids=[where for where, _ in PYTHON])
def test_python_example_runs_as_pasted(where, block, tmp_path):
    if re.search(r"^import torch$", block, re.M) and importlib.util.find_spec("torch") is None:
        pytest.skip("needs PyTorch, which ./run installs on Python 3.11 only (pyproject.toml)")
    result = paste(block, tmp_path)
    assert result.returncode == 0, (
        f"{where} (./run {target_of(block)}):\n{result.stdout}\n{result.stderr}")


def test_the_site_has_examples_and_marks_them_so():
    """A page's Python block is an example or says why not (a `python` fence without the
    class would silently never run)."""
    assert len([w for w, _ in PYTHON if w.startswith("docs/")]) >= 10
    unmarked = [f"{page.relative_to(ROOT)}" for page in PAGES
                if re.search(r"^```(python|sh)$", page.read_text(), re.M)]
    assert not unmarked, f"fenced blocks not marked {{.python .example}}: {unmarked}"


def test_a_block_that_needs_more_than_the_set_up_says_so(tmp_path):
    """The guard is real: the Hypothesis examples fail with only ./run demo's packages."""
    (_, block), = [(n, b) for n, b in PYTHON if "@given(expressions())" in b]
    assert target_of(block) == "test"
    result = paste(block.replace("# needs ./run test", "#"), tmp_path)
    assert result.returncode != 0
    assert "No module named 'hypothesis' (./run demo does not install it)" in result.stderr


def test_the_repl_shows_a_gradcheck_table(tmp_path):
    (_, block), = [(n, b) for n, b in PYTHON if "gradgradcheck(lambda x, y" in b]
    out = paste(block, tmp_path).stdout
    assert "gradcheck (central differences): all 2 derivatives agree\nderivative" in out


def test_shell_examples_run(tmp_path):
    lines = [line for _, block in blocks("sh") for line in block.splitlines()]
    commands = [shlex.split(line, comments=True) for line in lines]
    python = [c for c in commands if c and c[0] == ".venv/bin/python"]
    assert {c[0] for c in commands if c} == {"./run", ".venv/bin/python"} and python
    for command in python:
        result = subprocess.run([sys.executable, *command[1:]], capture_output=True, text=True,
                                cwd=tmp_path, timeout=120)
        assert result.returncode == 0, f"{shlex.join(command)}:\n{result.stderr}"


@pytest.mark.parametrize("target", ["demo", "lab", "test"])
def test_run_targets_install_what_their_examples_and_notebooks_import(target):
    """./run demo brings drawing and tqdm (nn.fit(progress=True)); ./run lab and
    ./run test bring Hypothesis (notebook 06, autodiff.strategies) and ipywidgets."""
    wanted = {"demo": {"graphviz", "tqdm"}, "lab": {"graphviz", "tqdm", "hypothesis",
              "ipywidgets", "matplotlib", "numpy", "ipykernel"}}.get(target, {"hypothesis"})
    assert wanted <= distributions_of(extras_of_run_target(target))


@pytest.mark.parametrize("module, package, call, extra", [
    ("nn", "tqdm", "nn.fit(nn.MLP(1, [1], seed=0), [[0.0]], [[0.0]], epochs=1, progress=True)",
     "progress"),
    ("autodiff.strategies", "hypothesis", "", "test"),
    ("autodiff.stepping.widget", "ipywidgets", "", "notebooks"),
    ("autodiff.drawing", "graphviz", "", "draw"),
])
def test_a_missing_extra_is_named_with_the_venvs_pip(module, package, call, extra):
    code = (f"import sys; sys.modules[{package!r}] = None\n"
            f"try:\n    import {module}\n    {call or 'pass'}\n"
            "except ImportError as e:\n    print(e)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         timeout=60).stdout
    assert f".venv/bin/pip install -e '.[{extra}]'" in out
    assert package in distributions_of([extra])
