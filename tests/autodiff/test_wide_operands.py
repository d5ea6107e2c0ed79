"""Operations of many operands (issue 19, section 4): 27, 100 and 1,000 operands
through every tool.

A primitive's operands are named by one rule, `operand_name`: a, b, ..., z but g
(in a Code, {g} is the gradient), then x_26, x_27, ... Two operations of n
operands go through the Stepper (its steps and their text, forward mode too),
the HTML player, the GIF, the widget, `draw`, `compile` (both backends), `jvp`
and gradcheck: the built-in `log_sum_exp` (variadic, no Code: compiled through
its forward and partials) and a user primitive Σ_k u_k² of fixed arity whose
notation, formulas, Code and array_code name every operand, the 26th and later
ones as {x_26}, ... A name given to the wrong operand shows as a wrong text or a
wrong gradient.
"""

from __future__ import annotations

import functools
import html
import inspect
import keyword
import re
import struct
from collections.abc import Callable

import pytest

import nn
from autodiff import Code, Primitive, Stepper, Value, compile, draw, gradcheck, jvp, ops, primitive
from autodiff.compiler.lowering import code_of
from autodiff.notation import operand_name, operand_names

WIDTHS = [27, 100, 1000]


def bits(x: float) -> bytes:
    return struct.pack("<d", x)


# -- the rule ----------------------------------------------------------------------


def test_operand_names_are_letters_then_numbered_identifiers_that_never_run_out():
    assert "".join(operand_names(6)) == "abcdef"  # as they always were
    assert "".join(operand_names(25)) == "abcdefhijklmnopqrstuvwxyz"  # g is a Code's gradient
    assert operand_names(28)[25:] == ["x_26", "x_27", "x_28"]
    names = operand_names(5000)
    assert len(set(names)) == 5000
    assert all(n.isidentifier() and not keyword.iskeyword(n) for n in names)
    assert not {"out", "g"} & set(names)  # a Code's other placeholders
    assert names == [operand_name(i) for i in range(5000)]
    with pytest.raises(ValueError, match="positions start at 0, got -1"):
        operand_name(-1)


def test_gathered_arrays_of_the_numpy_backend_have_distinct_names():
    from autodiff.compiler.numpy_backend import _gathered_name  # operand i of group gid: a3, x_26_3

    names = [_gathered_name(i, gid) for i in range(400) for gid in range(1, 40)]
    assert len(set(names)) == len(names) and all(n.isidentifier() for n in names)
    assert (_gathered_name(0, 3), _gathered_name(25, 13)) == ("a3", "x_26_13")


# -- the operations ------------------------------------------------------------------


def positional(n: int, body: Callable[..., object]) -> Callable[..., object]:
    """body (which takes *args) as a function of exactly n positional parameters."""
    params = [inspect.Parameter(f"u{k}", inspect.Parameter.POSITIONAL_ONLY) for k in range(n)]
    body.__signature__ = inspect.Signature(params)  # type: ignore[attr-defined]
    return body


def _sum_of_squares(*u: float) -> float:
    """u_1·u_1 + u_2·u_2 + ..., left to right, as the Code writes it."""
    total = u[0] * u[0]
    for x in u[1:]:
        total = total + x * x
    return total


@functools.cache
def sum_of_squares(n: int) -> Primitive:
    """Σ_k u_k² of exactly n operands, every operand named in each of its texts."""
    names = operand_names(n)
    value = " + ".join(f"{{{m}}} * {{{m}}}" for m in names)
    adjoints = tuple(f"2.0 * {{{m}}} * {{g}}" for m in names)
    return primitive(
        f"sum_of_squares_{n}", positional(n, _sum_of_squares),
        positional(n + 1, lambda out, *u: tuple(2.0 * x for x in u)),
        notation=" + ".join(f"{{{m}}}²" for m in names),
        formula=[f"2·{{{m}}}" for m in names],
        code=Code(value, adjoints, propagates=True, finite_partials=True),
        array_code=Code(value, adjoints))


def log_sum_exp(*u: Value) -> Value:
    return ops.log_sum_exp(*u)


def squares_of(n: int) -> Callable[..., Value]:
    prim = sum_of_squares(n)
    return lambda *u: prim(*u)


OPERATIONS = {"log_sum_exp": lambda n: log_sum_exp, "sum_of_squares": squares_of}


def points(n: int) -> list[float]:
    return [((7 * k) % 23 - 11) / 8 for k in range(n)]


def leaves(n: int) -> list[Value]:
    return [Value(x, f"x{k}") for k, x in enumerate(points(n))]


@pytest.fixture(params=WIDTHS, ids=lambda n: f"{n}_operands")
def n(request) -> int:
    return request.param


@pytest.fixture(params=sorted(OPERATIONS))
def operation(request) -> str:
    return request.param


def expected_derivative(operation: str, name: str, root: str) -> str:
    return f"exp({name} − {root})" if operation == "log_sum_exp" else f"2·{name}"


# -- the Stepper ---------------------------------------------------------------------


def test_the_stepper_writes_every_operand_in_its_place(n, operation):
    xs = leaves(n)
    y = OPERATIONS[operation](n)(*xs)
    stepper = Stepper(y)
    assert len(stepper) == n + 1 + 2  # the inputs and y; the seed and y's backward step
    forward = str(stepper[n])
    operands = [f"x{k}" for k in range(n)]
    written = (f"log_sum_exp({', '.join(operands)})" if operation == "log_sum_exp"
               else " + ".join(f"{x}²" for x in operands))
    assert forward == f"t1 = {written} = {y.data:.4g}"
    lines = str(stepper[-1]).split("\n")
    assert len(lines) == 1 + n
    y.backward()
    for k, (x, line) in enumerate(zip(xs, lines[1:], strict=True)):
        derivative = expected_derivative(operation, f"x{k}", "t1")
        assert line.startswith(f"  x{k}.grad += ∂t1/∂x{k} × t1.grad = ({derivative} = ")
        assert stepper.gradients[x] == x.grad  # the sweep's own numbers
    assert y.grad == 1.0


def test_forward_mode_steps_of_many_operands(n, operation):
    xs = leaves(n)
    y = OPERATIONS[operation](n)(*xs)
    j = n - 1  # the direction of the last operand, past z
    stepper = Stepper(y, tangents={xs[j]: 1.0})
    rule = str(stepper[-1]).split("\n")[1]
    assert rule.startswith("  ṫ1 = ∂t1/∂x0·ẋ0 + ∂t1/∂x1·ẋ1 + ")
    derivative = expected_derivative(operation, f"x{j}", "t1")
    assert re.search(rf" \+ \({re.escape(derivative)} = [^()]+\)·1 = ", rule), rule
    y.backward()
    assert stepper.tangents[y] == xs[j].grad


def test_cross_entropy_of_30_classes_steps():
    logits = [Value(0.1 * k, f"u{k}") for k in range(30)]
    targets = [1.0 if k == 29 else 0.0 for k in range(30)]
    loss = nn.cross_entropy_with_logits(logits, targets)
    stepper = Stepper(loss)
    loss.backward()
    assert all(stepper.gradients[u] == u.grad for u in logits)
    text = "\n".join(map(str, stepper))
    assert "u29.grad += ∂t1/∂u29 × t1.grad = (exp(u29 − t1) = " in text


# -- what the Stepper saves and shows: few frames (a few Values, used many times) ----


def repeated(n: int, operation: str) -> tuple[Value, list[Value]]:
    """The operation of n operands drawn from two Values and two numbers: the
    graph has three nodes, the Stepper five steps, whatever n is."""
    x, y = Value(0.3, "x"), Value(-0.2, "y")
    args: list[Value | float] = [x, y] * ((n - 2) // 2) + [x] * (n % 2) + [0.5, 2.0]
    assert len(args) == n
    return OPERATIONS[operation](n)(*args), [x, y]


def test_the_html_player_shows_every_line_of_a_wide_step(tmp_path, n, operation):
    out, _ = repeated(n, operation)
    stepper = Stepper(out)
    path = stepper.save_html(tmp_path / "wide.html")
    page = path.read_text(encoding="utf-8")
    assert "step 5 of 5 · backward pass" in page
    last = html.escape(str(stepper[-1]), quote=False)
    assert last.count("\n") == n - 2 and last in page  # every line: one per Value operand


def test_the_gif_has_few_frames_and_a_bounded_caption(tmp_path, n, operation):
    image = pytest.importorskip("PIL.Image")
    from autodiff.stepping.animation import CAPTION_COLUMNS, CAPTION_LINES, _caption_lines

    out, _ = repeated(n, operation)
    stepper = Stepper(out)
    path = stepper.save_gif(tmp_path / "wide.gif", interval_ms=100, hold_ms=100)
    with image.open(path) as gif:
        assert gif.n_frames == len(stepper) == 5
        width = gif.size[0]
    assert width < 1600  # the text wraps: it does not widen the frame
    shown = _caption_lines(str(stepper[-1]))
    assert all(len(line) <= CAPTION_COLUMNS for line in shown)
    assert len(shown) == min(CAPTION_LINES, len(shown))
    if n >= CAPTION_LINES:
        assert re.fullmatch(r"… and [\d,]+ more lines \(save_html shows them all\)", shown[-1])
    # the words of the text, in order, up to the line that says what is left out
    kept = " ".join(shown[:-1]).split()
    assert kept == str(stepper[-1]).split()[:len(kept)]


def test_the_widget_shows_a_wide_step(n, operation):
    pytest.importorskip("ipywidgets")
    from autodiff.stepping.widget import StepperWidget

    out, _ = repeated(n, operation)
    stepper = Stepper(out)
    widget = StepperWidget(stepper, static_player=False)
    widget.show(len(stepper) - 1)
    assert widget.caption.value == "<b>step 5 of 5 · backward pass</b>"
    assert html.escape(str(stepper[-1])) in widget.text.value
    assert "<svg" in widget.diagram.value


def test_draw_gives_every_operand_its_edge_in_order(n, operation):
    xs = leaves(n)
    y = OPERATIONS[operation](n)(*xs)
    source = draw(y, max_nodes=n + 1).source
    edges = re.findall(r"\bn(\d+) -> n\d+op\b", source)
    assert [int(e) for e in edges] == list(range(n))  # leaves first in topological order


# -- compile, forward mode, gradcheck ----------------------------------------------


def interpreted(f: Callable[..., Value], xs: list[float]) -> tuple[float, list[float]]:
    values = [Value(x) for x in xs]
    out = f(*values)
    out.backward()
    return out.data, [v.grad for v in values]


@pytest.mark.parametrize("backend", ["python", "numpy"])
def test_compiled_steps_give_the_interpreters_numbers_bit_for_bit(n, operation, backend):
    if backend == "numpy":
        pytest.importorskip("numpy")
    f = OPERATIONS[operation](n)
    xs = points(n)
    values = [Value(x) for x in xs]
    step = compile(f, *values, backend=backend)
    loss = step(*values)
    assert step.interpreted == 0, step.source
    expected, grads = interpreted(f, xs)
    assert bits(loss) == bits(expected)
    assert [bits(v.grad) for v in values] == [bits(g) for g in grads]
    if backend == "numpy":  # the arrays of the operands past z are named after them
        assert re.search(r"\n    x_26_\d+ = val\[", step.source), step.source


def test_jvp_along_each_operand_is_its_partial_derivative(n, operation):
    f = OPERATIONS[operation](n)
    xs = points(n)
    _, grads = interpreted(f, xs)
    for j in (0, 25, 26, n - 1):
        direction = [1.0 if k == j else 0.0 for k in range(n)]
        _, derivative = jvp(f, xs, direction)
        assert derivative == grads[j]


def test_gradcheck_of_many_operands_passes_in_both_modes(n, operation):
    f = OPERATIONS[operation](n)
    result = gradcheck(f, points(n), modes=("rev", "fwd"), fast=n > 100)
    assert result.ok and len(result.rows) == 2 * (2 if n > 100 else n)  # rev and fwd


# -- a Code names every operand ------------------------------------------------------


def test_a_code_may_use_the_names_of_its_operands_and_no_others():
    body = positional(30, _sum_of_squares)
    partials = positional(31, lambda out, *u: tuple(2.0 * x for x in u))
    adjoints = tuple(f"2.0 * {{{m}}} * {{g}}" for m in operand_names(30))
    primitive("uses_x_30", body, partials, code=Code("{x_30} * {a}", adjoints))
    with pytest.raises(ValueError, match=r"uses x_31; it may use a, b, .*x_30"):
        primitive("uses_x_31", body, partials, code=Code("{x_31} * {a}", adjoints))


def test_a_code_reads_its_seventh_operand_by_its_name_not_as_the_gradient():
    """Operand 7 is {h}: {g} is the gradient (when g named operand 7 too, a Code's
    adjoint read the gradient where it meant the operand, and compiled silently
    wrong gradients)."""
    prim = sum_of_squares(7)
    assert "{h} * {h}" in code_of(prim, 7).value and "{g} * {g}" not in code_of(prim, 7).value
    xs = [Value(float(k + 1)) for k in range(7)]
    step = compile(lambda *u: prim(*u), *xs)
    step(*xs)
    assert [x.grad for x in xs] == [2.0 * (k + 1) for k in range(7)]  # 14.0 for the 7th
    body = positional(7, _sum_of_squares)
    partials = positional(8, lambda out, *u: tuple(2.0 * x for x in u))
    with pytest.raises(ValueError, match=r"code.value '{g} \* {a}' uses g; it may use a, b"):
        primitive("reads_g", body, partials, code=Code("{g} * {a}", ("{g}",) * 7))


@pytest.mark.parametrize("classes", [18, 30])
def test_cross_entropy_of_many_classes_compiles_to_the_interpreters_numbers(classes):
    """From 18 classes the NumPy program named operand r's array r1, as it named the
    group's result, and read the result for that operand (a wrong gradient, silently)."""
    pytest.importorskip("numpy")
    targets = [1.0 if k == classes // 2 else 0.0 for k in range(classes)]

    def loss(*u: Value) -> Value:
        return nn.cross_entropy_with_logits(list(u), targets)

    xs = points(classes)
    expected, grads = interpreted(loss, xs)
    for backend in ("python", "numpy"):
        values = [Value(x) for x in xs]
        step = compile(loss, *values, backend=backend)
        assert bits(step(*values)) == bits(expected)
        assert [bits(v.grad) for v in values] == [bits(g) for g in grads], backend
