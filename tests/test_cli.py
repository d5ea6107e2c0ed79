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
    # the notes' notation: u = w·x + b the total input, z = σ(u) the output
    assert "u              0.5    -0.088723459" in result.stdout
    assert "z       0.62245933     -0.37754067" in result.stdout


def test_cli_expression_table_steps_and_diagram(tmp_path):
    out = tmp_path / "g.svg"
    result = run_cli("sigmoid(w*x + b)", "--at", "w=0.5,x=1,b=0", "--steps", "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert "w              0.5      0.23500371" in result.stdout
    assert "backward pass:" in result.stdout and "σ(t2)(1 − σ(t2))" in result.stdout
    assert out.read_text().startswith("<?xml")


@pytest.mark.parametrize(
    "args, code, words",
    [
        (["x*", "--at", "x=1"], 2, "expression: x*\n                ^"),
        (["x + q", "--at", "x=1"], 2, "no value for 'q'"),
        (["x", "--at", "x=abc"], 2, "bad number 'abc'"),
        (["x", "--at", "x=inf"], 2, "bad number"),
        (["x", "--at", "x=1,y=2"], 2, "y = 2 is given, but the expression has no name 'y'\n"
                                      "  --at: x=1,y=2\n            ^"),
        (["x*y", "--at", "x=1", "--at", "x=2"], 2, "x is given twice"),
        (["x", "--at", "x=1_000"], 2, "bad number '1_000' for x"),
        (["x", "--at", "x=٣"], 2, "bad number '٣' for x"),
        (["x", "--at", "x=0x10"], 2, "bad number '0x10' for x"),
        (["x", "--at", "x=1e999"], 2, "too large for a float"),
        (["x^2", "--at", "x=1"], 2, "unexpected character '^'; write ** instead"),
        (["2x", "--at", "x=1"], 2, "write 2*x for a product"),
        (["σ(x)", "--at", "x=1"], 2, "write sigmoid(...) instead"),
        (["x×y", "--at", "x=1,y=2"], 2, "write * instead"),
        (["x·y", "--at", "x=1,y=2"], 2, "write * instead"),
        (["x − y", "--at", "x=1,y=2"], 2, "write - instead"),
        (["x²", "--at", "x=1"], 2, "write **2 instead"),
        (["α*x", "--at", "x=1"], 2, "names are ASCII letters, digits and _; write alpha"),
        (["x", "y", "--at", "x=1,y=1"], 2, "unexpected 'y' after the expression 'x'"),
        (["x", "--at", "x=1", "--frobnicate"], 2, "unrecognized arguments: --frobnicate"),
        (["x", "--at", "x=1", "--max-nodes", "0"], 2, "--max-nodes must be at least 1"),
        (["--at", "q=1"], 2, "q = 1 is given, but the expression has no name 'q'"),
        (["x", "--at", "x=1,x=2"], 2, "x is given twice"),
        (["x", "--at", "x=1", "-o", "g.xyz"], 2, "Graphviz here cannot write .xyz; use .svg"),
        (["x", "--at", "x=1", "-o", "g.bmp"], 2, "Graphviz here cannot write .bmp"),
        (["x", "--at", "x=1", "-o", "g.tiff"], 2, "Graphviz here cannot write .tiff"),
        (["x", "--at", "x=1", "-o", "g.x11"], 2, "Graphviz here cannot write .x11"),
        (["x", "--at", "x=1", "-o", "graph"], 2, "the extension names the format"),
        (["__import__('os').system('touch PWNED')"], 2, "unexpected character"),
        (["log(x)", "--at", "x=-1"], 1, "log: needs an input > 0, at x = -1.0"),
        (["1/x", "--at", "x=0"], 1, "division by zero"),
        (["exp(x)", "--at", "x=1000"], 1, "too large"),
        (["x", "--at", "x=1", "-o", "/nonexistent/dir/g.svg"], 2, "no directory"),
    ],
)
def test_cli_bad_input_gets_one_message_and_an_exit_code(args, code, words, capsys, tmp_path,
                                                         monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(args) == code
    out, err = capsys.readouterr()
    assert words in err and "Traceback" not in err
    if code == 2:  # bad input is refused before anything is printed or written
        assert out == "" and list(tmp_path.iterdir()) == []
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


@pytest.mark.parametrize("args", [[" -x*y", "--at", "x=1,y=2"], ["-x*y", "--at", "x=1,y=2"],
                                  ["--at", "x=1", "-x*y", "--at", "y=2"],
                                  ["--", "-x*y", "--at", "x=1,y=2"], ["--at=x=1,y=2", "-x*y"]])
def test_an_expression_may_start_with_a_minus(args, capsys):
    assert main(args) == 0
    assert "f               -2" in capsys.readouterr().out


def test_repeated_at_options_merge(capsys):
    assert main(["x*y", "--at", "x=3", "--at", "y=2"]) == 0
    out = capsys.readouterr().out
    assert "x               3               2" in out and "f               6               1" in out


@pytest.mark.parametrize("expression", ["x", "(x)", "+x", "((x))"])
def test_an_output_that_is_an_input_is_one_row(expression, capsys):
    assert main([expression, "--at", "x=1.5"]) == 0
    assert capsys.readouterr().out.splitlines() == [
        "node           value        ∂x/∂node", "x             1.5               1"]


def test_the_demo_takes_values_to_change(capsys):
    assert main(["--at", "w=2", "--at", "d=0"]) == 0
    assert "at w = 2, x = 1, b = 0, d = 0" in capsys.readouterr().out


def test_a_graph_too_big_to_draw_is_refused_before_the_table(tmp_path, capsys):
    expression = " + ".join(f"sigmoid(x*{i})" for i in range(1, 121))  # 360 nodes
    out_file = tmp_path / "g.svg"
    assert main([expression, "--at", "x=1", "-o", str(out_file)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and not out_file.exists()
    assert err == ("error: -o: the graph has 360 nodes, more than the 300 that -o draws by "
                   "default; pass --max-nodes 360 to draw it anyway (Graphviz may take long), "
                   "or leave out -o\n")
    assert main([expression, "--at", "x=1", "-o", str(out_file), "--max-nodes", "100"]) == 2
    assert "more than --max-nodes 100; pass --max-nodes 360" in capsys.readouterr().err
    small = " + ".join(f"sigmoid(x*{i})" for i in range(1, 6))
    assert main([small, "--at", "x=1", "-o", str(out_file), "--max-nodes", "15"]) == 0
    assert out_file.read_text().startswith("<?xml")


def test_a_long_expression_is_echoed_around_the_caret_only(capsys):
    expression = "x+" * 2000 + "$" + "+x" * 2000
    assert main([expression, "--at", "x=1"]) == 2
    message, echo, caret = capsys.readouterr().err.splitlines()
    assert message == "error: unexpected character '$'"
    assert len(echo) < 150 and echo.startswith("  expression: …x+x") and echo.endswith("+x+…")
    assert echo[len(caret) - 1] == "$" and caret.strip() == "^"


def test_dot_failing_is_one_line(tmp_path, capsys, monkeypatch):
    """A format dot lists but fails to write (no display for x11 here, say): one line."""
    import autodiff.diagram as diagram

    listed = diagram.formats()
    monkeypatch.setattr(diagram, "formats", lambda: (*listed, "xlib"))
    code = main(["x", "--at", "x=1", "-o", str(tmp_path / "g.xlib")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: Graphviz's dot failed") and err.count("\n") == 1


def test_a_missing_dot_is_reported_before_the_table(capsys, monkeypatch, tmp_path):
    import autodiff.diagram as diagram

    monkeypatch.setenv("PATH", str(tmp_path))  # no dot there
    diagram.formats.cache_clear()
    try:
        code = main(["x", "--at", "x=1", "-o", str(tmp_path / "g.svg")])
    finally:
        diagram.formats.cache_clear()
    out, err = capsys.readouterr()
    assert code == 1 and out == "" and "apt-get install graphviz" in err


def test_the_options_split_from_the_expression_are_the_parsers(capsys):
    """split_expression knows every option of the parser, and no other."""
    import re

    from autodiff.cli import FLAG_OPTIONS, VALUE_OPTIONS

    assert main(["--help"]) == 0
    options = capsys.readouterr().out.partition("options:")[2]
    listed = set(re.findall(r"(?<![\w-])(--?[a-z][-a-z]*)", options))
    assert listed == set(VALUE_OPTIONS) | set(FLAG_OPTIONS)
