"""bench/compile.py's peers written with matrices (PyTorch, JAX): each takes the step of the
NumPy matrices engine, and a missing library leaves its peer out, saying how to install it.
No test here needs PyTorch or JAX: each is skipped where its library is missing."""

import importlib.util
import random
import sys
from pathlib import Path

import pytest

BENCH = Path(__file__).resolve().parents[2] / "bench"
PEERS = [("torch", "torch_matrix_engine", "BENCH_TORCH=1"), ("jax", "jax_engine", "BENCH_JAX=1")]


@pytest.fixture
def bench(monkeypatch):
    """bench/compile.py as a module (it imports its neighbours engine and _timing)."""
    pytest.importorskip("numpy")
    monkeypatch.syspath_prepend(str(BENCH))
    spec = importlib.util.spec_from_file_location("bench_compile", BENCH / "compile.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    monkeypatch.setitem(sys.modules, spec.name, module)  # its dataclass looks itself up there
    spec.loader.exec_module(module)
    yield module
    for neighbour in ("engine", "_timing"):
        sys.modules.pop(neighbour, None)


@pytest.mark.parametrize("library, make, _", PEERS)
def test_a_peer_takes_the_step_of_the_numpy_matrices(bench, library, make, _):
    pytest.importorskip(library)
    peer = getattr(bench, make)()
    errors = bench.matrix_agreement(bench.numpy_matrix_engine(), [peer])
    assert errors[peer.name] < 1e-12, errors


def test_the_agreement_sees_other_weights(bench):
    """A peer one step ahead is reported far off (the check can fail)."""
    reference, ahead = bench.numpy_matrix_engine(), bench.numpy_matrix_engine()
    ahead.step(*ahead.data(random.Random(3)))
    assert bench.matrix_agreement(reference, [ahead])[ahead.name] > 1e-4


@pytest.mark.parametrize("library, make, install", PEERS)
def test_a_missing_library_leaves_its_peer_out_and_says_how_to_install_it(
        bench, monkeypatch, capsys, library, make, install):
    monkeypatch.setitem(sys.modules, library, None)  # `import library` raises ImportError
    assert getattr(bench, make)() is None
    assert install in capsys.readouterr().err
