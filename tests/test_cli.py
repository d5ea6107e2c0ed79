"""python -m autodiff: the demo, tables, steps, diagrams and hostile input."""

import subprocess
import sys
from pathlib import Path

import pytest

from autodiff.cli import main


def run_cli(*args):
    return subprocess.run([sys.executable, "-m", "autodiff", *args], capture_output=True,
                          text=True, timeout=60)


def test_cli_demo_prints_the_neuron():
    result = run_cli()
    assert result.returncode == 0
    assert "E = (σ(w·x + b) − d)² / 2" in result.stdout
    assert "y       0.62245933     -0.37754067" in result.stdout


def test_cli_expression_table_steps_and_diagram(tmp_path):
    out = tmp_path / "g.svg"
    result = run_cli("sigmoid(w*x + b)", "--at", "w=0.5,x=1,b=0", "--steps", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "w             0.5      0.23500371" in result.stdout
    assert "backward pass:" in result.stdout and "σ(t2)(1 − σ(t2))" in result.stdout
    assert out.read_text().startswith("<?xml")


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["x*", "--at", "x=1"], 2, "expression: x*\n                ^"),
        (["x + q", "--at", "x=1"], 2, "no value for 'q'"),
        (["x", "--at", "x=abc"], 2, "bad number 'abc'"),
        (["x", "--at", "x=inf"], 2, "bad number"),
        (["x", "--at", "x=1,y=2"], 2, "not in the expression"),
        (["x", "--at", "x=1,x=2"], 2, "x is given twice"),
        (["x", "--at", "x=1", "-o", "g.xyz"], 2, "use .svg, .png or .pdf"),
        (["x", "--at", "x=1", "-o", "graph"], 2, "the extension names the format"),
        (["__import__('os').system('touch PWNED')"], 2, "unexpected character"),
        (["log(x)", "--at", "x=-1"], 1, "log: needs an input > 0, at x = -1.0"),
        (["1/x", "--at", "x=0"], 1, "division by zero"),
        (["exp(x)", "--at", "x=1000"], 1, "too large"),
        (["x", "--at", "x=1", "-o", "/nonexistent/dir/g.svg"], 1, "error"),
    ],
)
def test_cli_bad_input_gets_one_message_and_an_exit_code(args, code, words, capsys, tmp_path,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == code
    err = capsys.readouterr().err
    assert words in err and "Traceback" not in err
    assert not (tmp_path / "PWNED").exists()  # nothing was executed


def test_cli_never_prints_a_traceback_for_hostile_input():
    result = run_cli("(" * 5000, "--at", "x=1")
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.splitlines()) == 3  # message, expression, caret


@pytest.mark.parametrize(
    "expression, words",
    [
        ("__import__('os').system('touch PWNED')", "unexpected character"),
        ("exec(x)", "unknown function 'exec'"),
        ("x" * 50_000, "longer than"),
        ("-(" * 3000 + "x" + ")" * 3000, "deeper"),
        ("1e400 * x", "too large"),
    ],
)
def test_hostile_input_through_a_real_process(expression, words, tmp_path):
    result = subprocess.run([sys.executable, "-m", "autodiff", " " + expression, "--at", "x=1"],
                            capture_output=True, text=True, timeout=60, cwd=tmp_path,
                            env={"PYTHONPATH": str(Path(__file__).parents[1])})
    assert result.returncode == 2 and words in result.stderr
    assert "Traceback" not in result.stderr and result.stdout == ""
    assert list(tmp_path.iterdir()) == []  # nothing ran, nothing was written


def test_a_leading_minus_needs_a_leading_space():
    result = run_cli(" -x*y", "--at", "x=1,y=2")
    assert result.returncode == 0 and "f              -2" in result.stdout
