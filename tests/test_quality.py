"""The code base's own checks, part of the test run: mypy accepts the public API of
`autodiff` and `nn` (configured in pyproject.toml), and ruff finds nothing."""

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent


def run(*command: str, cache: Path) -> subprocess.CompletedProcess:
    return subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=300,
                          env={"PATH": str(Path(sys.executable).parent), "MYPY_CACHE_DIR":
                               str(cache), "RUFF_CACHE_DIR": str(cache)})


def test_mypy_accepts_autodiff_and_nn(tmp_path):
    pytest.importorskip("mypy")
    result = run(sys.executable, "-m", "mypy", cache=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr


@pytest.mark.skipif(shutil.which("ruff", path=str(Path(sys.executable).parent)) is None,
                    reason="ruff is in the test extra")
def test_ruff_finds_nothing(tmp_path):
    result = run("ruff", "check", "autodiff", "nn", "tests", "bench", cache=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
