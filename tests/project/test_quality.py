"""The code base's own checks, part of the test run: mypy accepts the public API of
`autodiff` and `nn` (configured in pyproject.toml), and ruff finds nothing."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def run(*command: str) -> subprocess.CompletedProcess:
    """The command in the checkout, with its caches there (.mypy_cache, .ruff_cache:
    ignored by git), so that a second run checks only what changed."""
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PATH": str(Path(sys.executable).parent)})


def test_mypy_accepts_autodiff_and_nn():
    pytest.importorskip("mypy")
    result = run(sys.executable, "-m", "mypy")
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("ruff", path=str(Path(sys.executable).parent)) is None,
                    reason="ruff is in the test extra")
def test_ruff_finds_nothing():
    result = run("ruff", "check", "autodiff", "nn", "tests", "bench")
    assert result.returncode == 0, result.stdout + result.stderr
