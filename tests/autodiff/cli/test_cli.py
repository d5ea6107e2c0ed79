"""python -m autodiff: the demo, tables, steps, diagrams and hostile input."""

import re
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
                            env={"PYTHONPATH": str(Path(__file__).parents[3])})
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
    import autodiff.drawing.diagram as diagram

    listed = diagram.formats()
    monkeypatch.setattr(diagram, "formats", lambda: (*listed, "xlib"))
    code = main(["x", "--at", "x=1", "-o", str(tmp_path / "g.xlib")])
    err = capsys.readouterr().err
    assert code == 1 and err.startswith("error: Graphviz's dot failed") and err.count("\n") == 1


def test_a_missing_dot_is_reported_before_the_table(capsys, monkeypatch, tmp_path):
    import autodiff.drawing.diagram as diagram

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


def table_of(args, capsys):
    assert main(args) == 0, capsys.readouterr().err
    return capsys.readouterr().out


@pytest.mark.parametrize("args", [
    ["sigmoid(w*x+b)", "x=1", "w=2", "b=-1"],
    ["sigmoid(w*x+b)", "x=1,w=2", "--at", "b=-1"],
    ["sigmoid(w*x+b)", "--at", "x=1", "w=2", "b=-1"],
    ["x=1", "sigmoid(w*x+b)", "w=2,b=-1"],
    ["sigmoid(w*x+b)", " x = 1 ", "w=2、b=-1"],
    ["sigmoid(w*x+b)", "x=1，w=2，b=-1"],
    ["sigmoid(w*x+b)", "--at", "ｘ＝１、ｗ＝２、ｂ＝－１"],
])
def test_name_value_arguments_are_assignments_as_at_is(args, capsys):
    assert table_of(args, capsys) == table_of(["sigmoid(w*x+b)", "--at", "x=1,w=2,b=-1"], capsys)


def test_name_value_arguments_change_the_demo(capsys):
    assert table_of(["w=2", "d=0"], capsys) == table_of(["--at", "w=2", "--at", "d=0"], capsys)


@pytest.mark.parametrize("strays, given, how", [
    (["x:1", "w:2", "b:-1"], [], "--at w=2,x=1,b=-1 (or as w=2 x=1 b=-1)"),
    (["x", "1", "w", "2", "b", "-1"], [], "--at w=2,x=1,b=-1"),
    (["x", "=", "1"], ["w=2", "b=-1"], "--at x=1, and quote"),
    (["x", "=", "1"], [], "--at w=...,x=1,b=..."),
    (["1"], [], "--at w=...,x=...,b=..."),
    (["x", "1"], ["w=2"], "--at x=1,b=..."),
])
def test_any_other_argument_after_the_expression_gets_one_message_naming_at(strays, given, how,
                                                                            capsys):
    assert main(["sigmoid(w*x+b)", *strays, *given]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.count("\n") == 1
    shown = " ".join(repr(s) for s in strays)
    assert err.startswith(f"error: unexpected {shown} after the expression 'sigmoid(w*x+b)': "
                          "give the names' values as ")
    assert how in err


def test_an_expression_the_shell_split_is_told_to_be_quoted(capsys):
    assert main(["sigmoid(w*x", "+", "b)", "x=1", "w=2", "b=-1"]) == 2
    assert capsys.readouterr().err == (
        "error: unexpected '+' 'b)' after the expression 'sigmoid(w*x': the shell splits an "
        "expression at its spaces; quote it whole, \"sigmoid(w*x + b)\"\n")


def test_full_width_input_is_read_as_ascii(capsys):
    wide = table_of(["（ｗ＊ｘ＋ｂ）＊＊２　／　２",
                     "--at", "ｗ＝０．５、ｘ＝１、ｂ＝－１"], capsys)
    assert wide == table_of(["(w*x+b)**2 / 2", "--at", "w=0.5,x=1,b=-1"], capsys)


@pytest.mark.parametrize("args, message, echo, caret", [
    (["w・x+b", "--at", "w=1,x=1,b=1"], "unexpected character '・'; write * instead",
     "  expression: w・x+b", "               ^"),
    (["ｗ＋重み", "--at", "w=1"], "unexpected character '重'; '重み' is not a name: names are "
     "ASCII letters, digits and _; write it romanised (rōmaji) or as a letter",
     "  expression: ｗ＋重み", "                  ^"),  # wide characters take two columns
    (["x", "--at", "重み=1"], "'重み' is not a name: names are ASCII letters, digits and _; "
     "write it romanised (rōmaji) or as a letter", "  --at: 重み=1", "        ^"),
    (["α*x", "--at", "x=1"], "unexpected character 'α'; 'α' is not a name: names are ASCII "
     "letters, digits and _; write alpha", "  expression: α*x", "              ^"),
    (["max(x、1)", "--at", "x=1"], "unexpected character '、'; write , instead",
     "  expression: max(x、1)", "                   ^"),
    (["x＾２", "--at", "x=1"], "unexpected character '＾'; write ** instead",
     "  expression: x＾２", "               ^"),
    (["x", "--at", "x=１．５．"], "bad number '１．５．' for x: write digits with an optional "
     "sign, point and exponent, e.g. 2, -0.5, 1e-3", "  --at: x=１．５．", "          ^"),
])
def test_japanese_keyboard_input_gets_a_hint_naming_what_was_typed(args, message, echo, caret,
                                                                   capsys):
    assert main(args) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.splitlines() == [f"error: {message}", echo, caret]


def test_an_output_is_named_in_the_table_the_steps_and_the_diagram(tmp_path, capsys):
    out_file = tmp_path / "E.svg"
    out = table_of(["E = (sigmoid(w*x+b) - d)**2/2", "w=0.5", "x=1", "b=0", "d=1", "--steps",
                    "-o", str(out_file)], capsys)
    table = out.split("\n\n")[0].splitlines()
    assert table[0] == "node           value        ∂E/∂node"
    assert table[-1] == "E      0.071268478               1"
    assert "w              0.5    -0.088723459" in table  # as the demo's neuron
    assert "E = t5 / 2 = 0.07127" in out and "∂E/∂E = 1  (seed)" in out
    assert "<b>E</b>" not in out and re.search(r">E</text>", out_file.read_text())


@pytest.mark.parametrize("expression, message", [
    ("E = x = y", "unexpected '=' after a complete expression; one = only, after the output's "
                  "name: E = ..."),
    ("x*2 = E", "unexpected '=' after a complete expression; only the output's name goes "
                "before = (E = ...)"),
    ("x = x*2", "the output's name x is also an input of the expression: name the output "
                "otherwise"),
    ("exp = x", "exp is a function: name the output otherwise"),
    ("E = x", "E = x names the input x itself: write x alone, or an expression of it"),
])
def test_a_bad_output_name_is_refused(expression, message, capsys):
    assert main([expression, "x=1", "y=1"][:2 + ("y" in expression)]) == 2
    out, err = capsys.readouterr()
    assert out == "" and err.startswith(f"error: {message}")


def test_pi_and_e_are_constants_unless_given_a_value(capsys):
    import math

    assert table_of(["sin(pi*x)", "x=0.5"], capsys).splitlines()[1:] == [
        "x              0.5   1.9236707e-16", "t1       1.5707963    6.123234e-17",
        "f                1               1"]
    assert f"f  {math.e:14.8g}" in table_of(["e**x", "x=1"], capsys)
    given = table_of(["e**x", "x=1", "e=2"], capsys)  # the value given wins: e is a variable
    assert given.splitlines()[1:] == ["e               2               1",
                                      "x               1       1.3862944",
                                      "f               2               1"]
    assert main(["PI*x", "x=1"]) == 2
    assert "no value for 'PI': add it to --at (the constant is spelt pi)" in capsys.readouterr().err


@pytest.mark.parametrize("spelt, meant", [("ln(x)", "log(x)"), ("ReLU(x)", "relu(x)"),
                                          ("Sigmoid(x)", "sigmoid(x)"), ("Tanh(x)", "tanh(x)"),
                                          ("Exp(x)", "exp(x)"), ("arctan(x)", "atan(x)")])
def test_other_spellings_of_functions_are_read_as_the_function(spelt, meant, capsys):
    assert table_of([spelt, "x=0.5"], capsys) == table_of([meant, "x=0.5"], capsys)


def test_a_misspelt_function_is_told_the_nearest(capsys):
    assert main(["sigmod(x)", "x=1"]) == 2
    assert "unknown function 'sigmod'; did you mean sigmoid? known: abs" in capsys.readouterr().err


def test_a_rounding_error_reads_the_same_in_the_table_the_steps_and_the_diagram(tmp_path,
                                                                              capsys):
    """0.5 − 0.6 + 0.1 is 2.7755575615628914e-17 in floating point: never shown as 0."""
    out_file = tmp_path / "neuron2.svg"
    out = table_of(["sigmoid(w1*x1 + w2*x2 + b)", "--at", "w1=0.5,x1=1,w2=-0.3,x2=2,b=0.1",
                    "--steps", "-o", str(out_file)], capsys)
    assert "t4   2.7755576e-17            0.25" in out.splitlines()
    assert "t4 = t3 + b = 2.776e-17" in out
    svg = out_file.read_text()
    assert re.search(r">t4</text>\s*<text[^>]*>data 2\.776e&#45;17</text>", svg)


@pytest.mark.parametrize("args, code, first_line", [  # the review's reproducers, as typed
    (["sigmoid(w*x+b)", "x=1", "w=2", "b=-1"], 0, "node           value        ∂f/∂node"),
    (["sigmoid(w*x+b)", "--at", "x=1", "w=2", "b=-1"], 0, "node           value        ∂f/∂node"),
    (["ｗ＊ｘ＋ｂ", "--at", "w=1、x=2、b=3"], 0, "node           value        ∂f/∂node"),
    (["E = (sigmoid(w*x+b) - d)**2/2", "--at", "w＝１，x=1,b=0,d=1"], 0,
     "node           value        ∂E/∂node"),
    (["sin(pi*x) + e**x + ln(x) + ReLU(x) + Sigmoid(x)", "x=1"], 0,
     "node           value        ∂f/∂node"),
    (["w・x+b", "--at", "w=1,x=1,b=1"], 2, "error: unexpected character '・'; write * instead"),
    (["x", "--at", "重み=1"], 2, "error: '重み' is not a name: names are ASCII letters, digits "
                               "and _; write it romanised (rōmaji) or as a letter"),
])
def test_the_reviews_commands_through_a_real_process(args, code, first_line, tmp_path):
    result = subprocess.run([sys.executable, "-m", "autodiff", *args], capture_output=True,
                            text=True, timeout=60, cwd=tmp_path, encoding="utf-8",
                            env={"PYTHONPATH": str(Path(__file__).parents[3]),
                                 "PYTHONIOENCODING": "utf-8"})
    assert result.returncode == code
    assert (result.stdout or result.stderr).splitlines()[0] == first_line
    assert "Traceback" not in result.stderr


def test_the_demo_in_japanese_writes_files_to_look_at(tmp_path, capsys):
    assert main(["--demo-files", "--demo-dir", str(tmp_path / "demo"), "--lang", "ja",
                 "--steps"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("E = (σ(w·x + b) − d)² / 2、w = 0.5, x = 1, b = 0, d = 1 のとき")
    assert "ノード" in out and "逆伝播:" in out and "（出発点）" in out
    names = ["neuron.svg", "neuron-player.html", "neuron-exercise.html",
             "neuron-exercise-sheet.html"]
    for name in names:
        assert (tmp_path / "demo" / name).stat().st_size > 0 and name in out
    assert "演習" in (tmp_path / "demo" / "neuron-exercise.html").read_text(encoding="utf-8")
