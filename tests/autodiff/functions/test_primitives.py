"""The primitive table: every built-in through it, a user primitive through every tool,
bad definitions, the derivative-overflow policy, and failed sweeps that change nothing."""

import math
import subprocess
import sys
import threading

import pytest
from hypothesis import find, given, settings

import nn
from autodiff import (
    GradcheckError,
    Primitive,
    Stepper,
    Value,
    draw,
    functions,
    grad,
    gradcheck,
    gradgradcheck,
    ops,
    primitive,
    primitives,
    scope,
    topological_order,
)
from autodiff.cli import main
from autodiff.notation.expression import evaluate, parse
from autodiff.strategies import Step, expressions, values


def softsign_forward(a):
    return a / (1 + abs(a))


def softsign_partials(out, a):
    return (1 / (1 + ops.abs(a)) ** 2,)


softsign = primitive("softsign", softsign_forward, softsign_partials, symbol="softsign",
                     formula=["1/(1 + |{a}|)²"])


# -- the built-ins -------------------------------------------------------------------

# name, f(x) on a Value, the value and the derivative at x0 by the math module
BUILTINS = [
    ("exp", ops.exp, 0.7, math.exp(0.7), math.exp(0.7)),
    ("log", ops.log, 0.7, math.log(0.7), 1 / 0.7),
    ("sqrt", ops.sqrt, 0.7, math.sqrt(0.7), 0.5 / math.sqrt(0.7)),
    ("sin", ops.sin, 0.7, math.sin(0.7), math.cos(0.7)),
    ("cos", ops.cos, 0.7, math.cos(0.7), -math.sin(0.7)),
    ("tan", ops.tan, 0.7, math.tan(0.7), 1 / math.cos(0.7) ** 2),
    ("asin", ops.asin, 0.7, math.asin(0.7), 1 / math.sqrt(1 - 0.49)),
    ("acos", ops.acos, 0.7, math.acos(0.7), -1 / math.sqrt(1 - 0.49)),
    ("atan", ops.atan, 0.7, math.atan(0.7), 1 / (1 + 0.49)),
    ("sinh", ops.sinh, 0.7, math.sinh(0.7), math.cosh(0.7)),
    ("cosh", ops.cosh, 0.7, math.cosh(0.7), math.sinh(0.7)),
    ("tanh", ops.tanh, 0.7, math.tanh(0.7), 1 - math.tanh(0.7) ** 2),
    ("sigmoid", ops.sigmoid, 0.7, 1 / (1 + math.exp(-0.7)),
     math.exp(-0.7) / (1 + math.exp(-0.7)) ** 2),
    ("softplus", ops.softplus, 0.7, math.log1p(math.exp(0.7)), 1 / (1 + math.exp(-0.7))),
    ("abs", ops.abs, -0.7, 0.7, -1.0),
    ("relu", ops.relu, 0.7, 0.7, 1.0),
    ("neg", ops.neg, 0.7, -0.7, -1.0),
    ("max", lambda x: ops.maximum(x, 0.2), 0.7, 0.7, 1.0),
    ("min", lambda x: ops.minimum(x, 0.2), 0.7, 0.2, 0.0),
    ("-", lambda x: 3 - x, 0.7, 2.3, -1.0),
    ("/", lambda x: 3 / x, 0.7, 3 / 0.7, -3 / 0.49),
    ("**", lambda x: x**3, 0.7, 0.7**3, 3 * 0.49),
]


@pytest.mark.parametrize("face", [ops, functions], ids=["autodiff.ops", "autodiff.functions"])
def test_every_builtin_is_in_the_public_faces(face):
    """A built-in defined but not exported is caught here, not by a user."""
    exported = {getattr(face, n) for n in face.__all__}
    assert {p for p in exported if isinstance(p, Primitive)} == {
        p for p in primitives.values() if p.builtin}


@pytest.mark.parametrize("name, f, x0, value, slope", BUILTINS, ids=[b[0] for b in BUILTINS])
def test_every_builtin_against_its_analytic_derivative_and_finite_differences(
        name, f, x0, value, slope):
    x = Value(x0)
    y = f(x)
    assert y.op == name and primitives[name] is y.primitive and y.primitive.builtin
    y.backward()
    assert y.data == pytest.approx(value, rel=1e-15)
    assert x.grad == pytest.approx(slope, rel=1e-14)
    assert grad(f(x), [x]) == [x.grad]
    assert gradcheck(f, [x0]).ok
    if name not in ("abs", "relu", "max", "min", "neg", "-"):  # piecewise linear: f″ = 0
        assert gradgradcheck(f, [x0]).ok


@pytest.mark.parametrize("name, f, x0, value, slope", BUILTINS, ids=[b[0] for b in BUILTINS])
def test_every_builtin_is_dual_mode(name, f, x0, value, slope):
    """On numbers a primitive returns a float, so partials are written once."""
    result = f(x0)
    assert type(result) is float and result == pytest.approx(value, rel=1e-15)


def test_the_baydin_example_and_its_adjoints():
    """Baydin et al. (JMLR 2018), f(x1, x2) = ln x1 + x1·x2 − sin x2 at (2, 5)."""
    x1, x2 = Value(2.0, "x1"), Value(5.0, "x2")
    f = ops.log(x1) + x1 * x2 - ops.sin(x2)
    f.backward()
    assert f.data == pytest.approx(math.log(2) + 10 - math.sin(5), rel=1e-15)
    assert x1.grad == 5.5 and x2.grad == pytest.approx(2 - math.cos(5), rel=1e-15)
    assert round(x2.grad, 3) == 1.716


def test_subtraction_division_negation_and_sum_are_the_nodes_the_user_wrote():
    y, d = Value(0.6, "y"), Value(1.0, "d")
    t2 = y - d
    E = t2**2 / 2
    assert (t2.op, t2.inputs, E.op, E.args[1]) == ("-", (y, d), "/", 2.0)
    assert len(topological_order(E)) == 5  # y, d, t2, t2², E: no × -1, no ** -1
    assert (y - 1).args == (y, 1.0) and (1 - y).args == (1.0, y) and (2 / y).args == (2.0, y)
    assert (-y).op == "neg" and (-y).inputs == (y,)
    total = sum([y, d, t2])
    assert total.op == "+" and len(topological_order(total)) == 5  # no + 0 node
    assert 0 + y is y and (0.0 + y).op == "+"  # only the int 0 that sum() starts from


def test_max_and_min_split_the_gradient_evenly_on_ties():
    a, b = Value(1.0), Value(1.0)
    ops.maximum(a, b).backward()
    assert (a.grad, b.grad) == (0.5, 0.5)
    assert gradcheck(lambda x, y: ops.maximum(x, y), [1.0, 1.0]).rows[0].verdict == \
        "not differentiable"


def test_abs_at_its_kink_is_reported_not_failed():
    result = gradcheck(lambda x: abs(x) * 3, [0.0])
    assert result.ok and result.rows[0].verdict == "not differentiable"


# -- a user primitive through every tool --------------------------------------------


def test_a_user_primitive_works_in_backward_and_grad_of_any_order():
    x = Value(0.5, "x")
    y = softsign(x)
    assert isinstance(softsign, Primitive) and y.primitive is softsign and y.op == "softsign"
    assert softsign(0.5) == 1 / 3  # dual mode: the partials' own helper
    y.backward()
    assert x.grad == pytest.approx(1 / 1.5**2, rel=1e-15)
    (dx,) = grad(softsign(x), [x], create_graph=True)  # partials in Value mode
    (d2,) = grad(dx, [x])
    assert d2 == pytest.approx(-2 / 1.5**3, rel=1e-14)
    assert gradcheck(lambda v: softsign(v * v), [0.7]).ok
    assert gradgradcheck(lambda v: softsign(v * v), [0.7]).ok


def test_a_user_primitive_in_the_stepper_and_the_diagram():
    x = Value(0.5, "x")
    y = softsign(x)
    y.label = "y"
    steps = [str(s) for s in Stepper(y).steps]
    assert "y = softsign(x) = 0.3333" in steps
    assert "(1/(1 + |x|)² = 0.4444) × 1" in steps[-1]
    assert "[label=<softsign> shape" in draw(y).source


def test_a_user_primitive_as_an_nn_activation_and_in_a_saved_model(tmp_path):
    model = nn.MLP(2, [3, 1], activation="softsign", seed=0)
    out = model([0.5, -1.0])[0]
    assert {v.op for v in topological_order(out)} >= {"softsign"}
    assert gradcheck(lambda: nn.squared_error(model([0.5, -1.0]), [0.2]),
                     model.named_parameters()).ok
    nn.save(model, tmp_path / "m.json")
    assert nn.load(tmp_path / "m.json")([0.5, -1.0])[0].data == out.data


@settings(max_examples=30)
@given(expressions(operations=[softsign, "tanh", "*"]))
def test_a_user_primitive_in_the_strategies(expr):
    assert gradcheck(expr, expr.inputs).ok


def test_a_user_primitive_in_the_expression_language_and_the_cli(tmp_path, monkeypatch, capsys):
    x = Value(2.0)
    assert evaluate(parse("softsign(x) * 3"), {"x": x}).data == pytest.approx(2.0)
    module = tmp_path / "my_primitives.py"
    module.write_text(
        "from autodiff import ops, primitive\n"
        "cube = primitive('cube', lambda a: a ** 3, lambda out, a: (3 * a * a,))\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    assert main(["--import", "my_primitives", "cube(x)", "--at", "x=2"]) == 0
    table = capsys.readouterr().out
    assert "12" in table and "8" in table
    assert main(["--import", "no_such_module_here", "x", "--at", "x=1"]) == 2
    assert "--import no_such_module_here" in capsys.readouterr().err


def test_a_wrong_user_derivative_is_caught_named_and_shrunk():
    wrong = primitive("wrong_softsign", softsign_forward,
                      lambda out, a: (1 / (1 + ops.abs(a)),))  # forgot the square
    with pytest.raises(GradcheckError) as info:
        gradcheck(lambda v: wrong(v) * 2, [0.5])
    assert "The primitive 'wrong_softsign' is wrong" in str(info.value)

    def fails(expr) -> bool:
        return not gradcheck(expr, expr.inputs, raise_exception=False).ok

    smallest = find(expressions(operations=[wrong, "+", "*", "tanh"]), fails,
                    settings=settings(derandomize=True, max_examples=300, database=None))
    assert smallest.steps == (Step(wrong, (0,)),), str(smallest)


# -- bad definitions -------------------------------------------------------------


@pytest.mark.parametrize("make, error, words", [
    (lambda: primitive("sin", math.sin, lambda out, a: (math.cos(a),)), ValueError,
     "'sin' is a built-in"),
    (lambda: primitive("my op", math.sin, lambda out, a: (1.0,)), ValueError, "identifier"),
    (lambda: primitive("lambda", math.sin, lambda out, a: (1.0,)), ValueError, "identifier"),
    (lambda: primitive("f", 3.0, lambda out, a: (1.0,)), TypeError, "forward must be callable"),
    (lambda: primitive("f", math.sin, None), TypeError, "partials must be callable"),
    (lambda: primitive("f", lambda a: a, lambda a: (1.0,)), TypeError,
     r"partials must take 2 \(out first\), not 1"),
    (lambda: primitive("f", lambda a, b: a, lambda out, a: (1.0,)), TypeError,
     "partials must take 3"),
    (lambda: primitive("f", lambda: 1.0, lambda out: ()), TypeError, "at least one operand"),
    (lambda: primitive("f", lambda a: a, lambda out, a: (1.0,), formula="1"), TypeError,
     "formula must be a sequence of 1"),
    (lambda: primitive("f", lambda a: a, lambda out, a: (1.0,), symbol=""), TypeError,
     "symbol must be a non-empty str"),
])
def test_bad_definitions_are_refused_when_defined(make, error, words):
    before = dict(primitives)
    with pytest.raises(error, match=words):
        make()
    assert dict(primitives) == before


@pytest.mark.parametrize("forward, partials, error, words", [
    (lambda a: a, lambda out, a: (1.0, 2.0), TypeError, "partials returned 2 derivatives for 1"),
    (lambda a: a, lambda out, a: 1.0, TypeError, "must return a tuple"),
    (lambda a: a, lambda out, a: ("1",), TypeError, "must return numbers"),
    (lambda a: math.nan, lambda out, a: (1.0,), ValueError, "not a number"),
    (lambda a: math.inf, lambda out, a: (1.0,), OverflowError, "too large"),
    (lambda a: "x", lambda out, a: (1.0,), TypeError, "forward must return a real number"),
    (lambda a: a, lambda out, a: (math.inf,), OverflowError, "not finite"),
])
def test_bad_definitions_fail_clearly_when_first_evaluated(forward, partials, error, words):
    bad = primitive("bad_one", forward, partials)
    x = Value(0.5, "x")
    other = x * 3
    other.backward()
    with pytest.raises(error, match=words):
        bad(x).backward()
    assert (x.grad, other.grad) == (3.0, 1.0)  # nothing changed


def test_redefining_a_user_primitive_replaces_it():
    first = primitive("replaced", lambda a: a, lambda out, a: (1.0,))
    second = primitive("replaced", lambda a: 2 * a, lambda out, a: (2.0,))
    assert primitives["replaced"] is second is not first
    assert evaluate(parse("replaced(x)"), {"x": Value(1.0)}).data == 2.0


# -- the numeric policy for derivatives -{45}---------------------------------------------


@pytest.mark.parametrize("f, x0, op", [
    (lambda x: 1 / x, 1e-160, "/"),  # −1/x² = −1e320: the value 1e160 is fine
    (lambda x: x**0.5, 0.0, "**"),
    (lambda x: ops.sqrt(x), 0.0, "sqrt"),
    (lambda x: x**0.3, 0.0, "**"),
    (lambda x: ops.asin(x), 1.0, "asin"),
    (lambda x: ops.log(x), 1e-310, "log"),
])
def test_a_derivative_that_is_not_finite_raises_the_same_error_in_every_mode(f, x0, op):
    messages = set()
    for mode in ("backward", "grad", "create_graph"):
        x = Value(x0, "x")
        y = f(x)
        with pytest.raises(OverflowError, match="local derivative is not finite") as info:
            if mode == "backward":
                y.backward()
            else:
                grad(y, [x], create_graph=mode == "create_graph")
        assert str(info.value).startswith(f"{op}: ")
        messages.add(str(info.value))
        assert x.grad == 0.0
    assert len(messages) == 1


# -- structure ------------------------------------------------------------------------


def test_scopes_belong_to_their_thread():
    results = {}
    barrier = threading.Barrier(2)

    def build(name):
        with scope(name):
            barrier.wait()
            nodes = [Value(1.0) * 2 for _ in range(2000)]
            barrier.wait()
        results[name] = {v.scope for v in nodes}

    threads = [threading.Thread(target=build, args=(n,)) for n in ("left", "right")]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert results == {"left": {"left"}, "right": {"right"}}
    assert (Value(1.0) * 2).scope == ""


def test_autodiff_never_imports_nn():
    code = ("import sys, autodiff, autodiff.strategies, autodiff.drawing, autodiff.stepping, "
            "autodiff.checking, autodiff.cli; print('nn' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.strip() == "False"


@given(values(min_magnitude=0.3))
def test_partials_of_the_table_agree_with_the_sweep(x0):
    x = Value(x0)
    for p in (ops.sin, ops.tanh, ops.softplus, softsign):
        y = p(x)
        assert y.partials() == (p.partials(y.data, x0)[0],)
        assert grad(y, [x]) == list(y.partials())


def test_variadic_and_three_operand_primitives_keep_folded_numbers_in_place():
    a, b = Value(1.0, "a"), Value(2.0, "b")
    lse = ops.log_sum_exp(a, 2.0, b, Value(1000.0))
    assert lse.data == 1000.0 and lse.args[1] == 2.0 and len(lse.inputs) == 3
    assert grad(lse, [a, b]) == [0.0, 0.0]  # the softmax of a logit 998 below the max
    assert gradcheck(lambda x, y: ops.log_sum_exp(x, 0.3, y), [0.1, 0.5]).ok
    assert gradgradcheck(lambda x, y: ops.log_sum_exp(x, 0.3, y), [0.1, 0.5]).ok
    fma = primitive("fma", lambda x, y, z: x * y + z, lambda out, x, y, z: (y, x, 1.0),
                    formula=["{b}", "{a}", "1"])
    out = fma(a, 3.0, b)
    assert (out.data, out.args, out.inputs) == (5.0, (a, 3.0, b), (a, b))
    out.backward()
    assert (a.grad, b.grad) == (3.0, 1.0)
    assert "a.grad += ∂t1/∂a × t1.grad = (3) × 1" in str(Stepper(out).steps[-1])
    assert gradgradcheck(lambda x, y: fma(x, y, x), [0.4, -0.7]).ok
    with pytest.raises(TypeError, match=r"fma\(\) takes 3 operands, got 2"):
        fma(a, b)
