"""Stepper, widget, expression language and command line."""

import re
import subprocess
import sys

import pytest

import nn
from autodiff import Stepper, Value
from autodiff.cli import DEMO_AT, main, neuron_example, parse_assignments
from autodiff.expression import ExpressionError, evaluate, names, parse


def neuron():
    return neuron_example(parse_assignments(DEMO_AT))[0]


# -- Stepper ---------------------------------------------------------------


def test_steps_forward_then_backward_with_formulas():
    E = neuron()
    stepper = Stepper(E)
    kinds = [s.kind for s in stepper.steps]
    assert kinds == ["forward"] * 11 + ["backward"] * 8  # 11 nodes; seed + 7 operations
    assert len(stepper) == 19
    texts = [str(s) for s in stepper.steps]
    assert texts[2] == "t1 = w × x = 0.5"
    assert texts[0] == "w = 0.5  (input)"
    assert texts[11] == "∂E/∂E = 1  (seed)"
    sigmoid_step = next(t for t in texts if t.startswith("at y = σ(z)"))
    assert "z.grad += ∂y/∂z × y.grad = (σ(z)(1 − σ(z)) = 0.235) × -0.3775" in sigmoid_step
    assert "→  0 + -0.08872 = -0.08872" in sigmoid_step
    last = texts[-1]
    assert "w.grad += ∂t1/∂w × t1.grad = (x = 1)" in last
    assert "x.grad += ∂t1/∂x × t1.grad = (w = 0.5)" in last


def test_local_derivative_formulas_of_every_primitive():
    x, y = Value(0.5, "x"), Value(2.0, "y")
    expected = {
        x.tanh(): "1 − tanh²(x)", x.relu(): "[x > 0]", x.exp(): "exp(x)", x.log(): "1/x",
        x**y: "y·x^(y − 1)", 2**x: "2^x·ln 2", x * 3: "3", x + 3: "1",
    }
    for node, formula in expected.items():
        node.label = "n"
        assert f"({formula} = " in str(Stepper(node).steps[-1]) or f"({formula})" in str(
            Stepper(node).steps[-1])
    assert "x^y·ln x" in str(Stepper(x**y).steps[-1])


def test_running_sums_on_shared_nodes_and_exact_final_gradients():
    a = Value(3.0, "a")
    b = a + a
    c = b * b
    stepper = Stepper(c)
    assert "a.grad += ∂t1/∂a × t1.grad = (1) × 12  →  12 + 12 = 24" in str(stepper.steps[-1])
    assert a.grad == 0.0  # the stepper does not touch the graph
    c.backward()
    assert stepper.gradients[a] == a.grad and stepper.gradients[b] == b.grad


def test_stepper_gradients_equal_backward_bit_for_bit_on_a_network():
    model = nn.MLP(3, [4, 2], "tanh", "softmax", seed=1)
    E = nn.cross_entropy(model([0.1, -0.7, 2.0]), [0.0, 1.0])
    stepper = Stepper(E)
    E.backward()
    assert all(stepper.gradients[p] == p.grad for p in model.parameters())


def test_frames_fill_in_values_then_gradients():
    E = neuron()
    stepper = Stepper(E)
    first = stepper.frame(0).source
    assert len(re.findall(r"data\s+\?", first)) == 10  # only w is known
    assert "data 0.5" in first and first.count("#ffb000") == 1
    middle = stepper.frame(13).source  # after the seed and the first backward step
    assert "grad 0.5" in middle and re.search(r"grad\s+\?", middle)
    last = stepper.frame(len(stepper) - 1).source
    assert "?" not in last
    with pytest.raises(IndexError, match="out of range"):
        stepper.frame(len(stepper))


def test_frames_keep_the_same_layout_geometry():
    stepper = Stepper(neuron())

    def label_widths(source):
        return [len(m) for m in re.findall(r"label=<(.*?)> shape", source)]

    widths = {tuple(label_widths(stepper.frame(k).source)) for k in range(len(stepper))}
    assert len(widths) == 1  # same label lengths in every frame: Graphviz lays them out alike


def test_stepper_rejects_non_values():
    with pytest.raises(TypeError, match="Value"):
        Stepper(1.0)


# -- widget ----------------------------------------------------------------


def test_widget_callbacks_in_plain_python():
    pytest.importorskip("ipywidgets")
    from autodiff.widget import StepperWidget

    widget = StepperWidget(Stepper(neuron()))
    assert widget.slider.value == 0 and "step 1 of 19" in widget.text.value
    assert widget.diagram.value.startswith("<?xml") or "<svg" in widget.diagram.value
    widget.next()
    widget.next()
    assert widget.slider.value == 2 and "t1 = w × x" in widget.text.value
    widget.previous_button.click()
    assert widget.slider.value == 1
    widget.slider.value = 18  # dragging the slider shows that frame
    assert "step 19 of 19" in widget.text.value
    widget.next()
    assert widget.slider.value == 18  # stays at the end
    for _ in range(25):
        widget.previous()
    assert widget.slider.value == 0
    with pytest.raises(TypeError, match="Stepper"):
        StepperWidget(neuron())


# -- expressions -------------------------------------------------------------


def test_parse_and_evaluate_with_precedence():
    x = Value(3.0)
    cases = {"-x**2": -9.0, "2**-1": 0.5, "2*3+4": 10.0, "2*(3+4)": 14.0, "x/2/3": 0.5,
             "2**3**2": 512.0, "relu(-x) + exp(0)": 1.0, "1.5e1 + .5": 15.5}
    for text, value in cases.items():
        assert evaluate(parse(text), {"x": x}).data == value, text
    assert names(parse("a*b + a")) == [("a", 0), ("b", 2), ("a", 6)]


@pytest.mark.parametrize(
    "text, position, words",
    [("x +", 3, "end"), ("foo(x)", 0, "unknown function"), ("x $ 1", 2, "'$'"),
     ("__import__('os')", 11, "unexpected character"), ("(" * 120 + "1" + ")" * 120, 100, "deeper"),
     ("exp", 0, "function"), ("3x", 1, "after a complete"), ("", 0, "end"),
     ("x" * 20_000, 10_000, "longer")],
)
def test_malformed_expressions_point_at_the_position(text, position, words):
    with pytest.raises(ExpressionError, match=re.escape(words)) as info:
        parse(text)
    assert info.value.position == position


def test_long_chains_need_no_recursion():
    a = Value(1.0)
    assert evaluate(parse("+".join(["a"] * 3000)), {"a": a}).data == 3000.0


# -- command line ------------------------------------------------------------


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
        (["__import__('os').system('touch PWNED')"], 2, "unexpected character"),
        (["log(x)", "--at", "x=-1"], 1, "log: input must be > 0"),
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
