"""autodiff.compile(backend="numpy"): the graph levelled and run with NumPy arrays.

Not bit-identical (gradients are summed per level, NumPy's transcendental
functions may differ in the last bit): the bound asserted here is the one the
documentation states. Errors, branches and primitives without an `array_code`
behave as with the Python backend.
"""

from __future__ import annotations

import math
import warnings

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import nn
from autodiff import Code, TraceError, Value, compile, ops, primitive, primitives
from autodiff.compiler.tracing import record
from autodiff.core import receivers
from autodiff.notation import operand_names
from autodiff.strategies import expressions
from tests.autodiff.compiler.test_compile import (
    INTERPRETER_ERRORS,  # the same errors, with both backends
)

np = pytest.importorskip("numpy")

X, D = nn.datasets.moons(60, noise=0.1, seed=0)
CASES = [
    ("tanh", "linear", nn.squared_error),
    ("sigmoid", "sigmoid", nn.binary_cross_entropy),
    ("softplus", "linear", nn.binary_cross_entropy_with_logits),
    ("relu", "linear", nn.hinge),
    ("sin", "linear", nn.squared_error),
    ("tanh", "softmax", nn.cross_entropy),
]


def targets(output: str, loss) -> list[list[float]]:
    if output == "softmax":
        return [[d[0], 1 - d[0]] for d in D]
    if loss is nn.hinge:
        return [[2 * d[0] - 1] for d in D]
    return D


@pytest.mark.parametrize("activation, output, loss", CASES,
                         ids=[f"{a}-{o}-{f.__name__}" for a, o, f in CASES])
def test_an_mlp_step_is_within_the_documented_bound(activation, output, loss):
    model = nn.MLP(2, [8, 8, 2 if output == "softmax" else 1], activation=activation,
                   output_activation=output, seed=3)
    ds = targets(output, loss)

    def minibatch(xs, ds):
        return nn.total([loss(model(x), d) for x, d in zip(xs, ds, strict=True)])

    step = compile(minibatch, X, ds, backend="numpy")
    assert "NumPy backend" in step.source
    for _ in range(2):  # a second step, after an update, as in training
        model.zero_grad()
        value = step(X, ds)
        compiled = [p.grad for p in model.parameters()]
        model.zero_grad()
        E = minibatch(X, ds)
        E.backward()
        exact = [p.grad for p in model.parameters()]
        largest = max(abs(g) for g in exact)
        assert abs(value - E.data) <= 1e-13 * abs(E.data)
        assert max(abs(a - b) for a, b in zip(compiled, exact, strict=True)) <= 1e-13 * largest
        assert step.interpreted == 0
        for p in model.parameters():
            p.data -= 0.1 * p.grad


@pytest.mark.parametrize("what, fn, x, error", INTERPRETER_ERRORS,
                         ids=[e[0] for e in INTERPRETER_ERRORS])
def test_errors_are_the_interpreters(what, fn, x, error):
    w = Value(0.5, "w")
    step = compile(lambda x: fn(w, x), 1.0, backend="numpy")
    w.grad = 7.0
    with pytest.raises(error) as compiled:
        step(x)
    with pytest.raises(error) as interpreted:
        fn(w, x).backward()
    assert str(compiled.value) == str(interpreted.value) and w.grad == 7.0


def test_comparisons_are_checked_and_recorded_anew():
    w = Value(0.5)

    def f(xs):
        u = sum(w * x for x in xs)
        return u * u if u > 0 else -u

    step = compile(f, [1.0, 2.0], backend="numpy")
    assert step([1.0, 2.0]) == pytest.approx(2.25) and step.traces == 1
    assert step([-1.0, -2.0]) == pytest.approx(1.5) and step.traces == 2
    with pytest.raises(TraceError):
        compile(lambda x: x if x.data > 0 else -x, 1.0, backend="numpy")


def assert_as_the_python_backend(fn, args, values, backend="numpy"):
    """fn compiled with `backend` and with the Python backend, called on args: the
    loss and the gradients of `values` within the bound the documentation states."""
    fast, exact = compile(fn, *args, backend=backend), compile(fn, *args)
    for v in values:
        v.grad = 0.0
    value = fast(*args)
    compiled = [v.grad for v in values]
    for v in values:
        v.grad = 0.0
    expected = exact(*args)
    largest = max(abs(v.grad) for v in values)
    assert abs(value - expected) <= 1e-13 * abs(expected)
    assert max(abs(a - v.grad) for a, v in zip(compiled, values, strict=True)) \
        <= 1e-13 * largest
    assert fast.interpreted == 0
    return fast


def test_array_code_calls_its_own_functions_by_its_own_names():
    """Code(..., names=...) in an array_code: bound in the program, and renamed where
    two primitives call different functions by one name."""
    square = primitive("n_square", lambda a: a * a, lambda out, a: (2.0 * a,),
                       array_code=Code("f({a})", ("slope({a}) * {g}",),
                                       {"f": np.square, "slope": lambda a: 2.0 * a}))
    cube = primitive("n_cube", lambda a: a * a * a, lambda out, a: (3.0 * a * a,),
                     array_code=Code("f({a})", ("slope({a}) * {g}",),
                                     {"f": lambda a: a * a * a, "slope": lambda a: 3.0 * a * a}))
    w = [Value(0.1 * k - 0.3) for k in range(6)]

    def f(xs):
        return sum(cube(square(wk * x) - wk) + square(cube(wk) * x) for wk in w for x in xs)

    xs = [0.5, -1.5, 2.0]
    step = assert_as_the_python_backend(f, [xs], w)
    for _ in range(2):
        step(xs)
    assert step.interpreted == 0 and "slope_2(" in step.source


def test_a_captured_graph_keeps_its_recorded_numbers_as_with_the_python_backend():
    w = Value(0.5, "w")
    h = w * 2.0  # made before: read as it is, and differentiated through
    step = compile(lambda x: h * x, 3.0, backend="numpy")
    w.data = 10.0
    assert step(3.0) == 3.0 and (w.grad, h.grad) == (6.0, 3.0) and step.interpreted == 0


@pytest.mark.parametrize("backend", ["numpy", "auto"])
def test_a_wide_graph_reading_values_made_before_the_call(backend):
    model = nn.MLP(2, [8, 8, 1], activation="tanh", seed=2)
    w = Value(0.7, "w")
    scales = [(w * k).tanh() for k in (0.5, 1.5)]  # made before the call

    def minibatch(xs, ds):
        return scales[0] * nn.total([nn.squared_error(model(x), d)
                                     for x, d in zip(xs, ds, strict=True)]) + scales[1] * w

    step = assert_as_the_python_backend(minibatch, [X, D], [*model.parameters(), w, *scales],
                                        backend)
    assert "NumPy backend" in step.source


def test_a_primitive_without_array_code_has_its_adjoints_printed_from_its_partials():
    """Its value is its forward element by element; its adjoint is array code printed
    from the partials (no call of partials)."""
    softsign = primitive("n_softsign", lambda a: a / (1 + abs(a)),
                         lambda out, a: (1 / (1 + ops.abs(a)) ** 2,))
    w = [Value(0.1 * k - 0.3) for k in range(6)]

    def f(xs):
        return sum(softsign(wk * x) + ops.log_sum_exp(wk, x, 1.0) for wk in w for x in xs)

    step = compile(f, [0.5, -1.5, 2.0], backend="numpy")
    value = step([0.5, -1.5, 2.0])
    compiled = [p.grad for p in w]
    for p in w:
        p.grad = 0.0
    out = f([0.5, -1.5, 2.0])
    out.backward()
    assert value == pytest.approx(out.data, rel=1e-14)
    assert compiled == pytest.approx([p.grad for p in w], rel=1e-13)
    assert "n_softsign_elementwise(" in step.source and "_partials(" not in step.source
    assert "(1.0 / (1.0 + fabs(a3)) ** 2.0) * g" in step.source  # ∂/∂a, printed


def test_auto_takes_numpy_for_wide_graphs_and_python_for_chains():
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=1)

    def minibatch(xs, ds):
        return nn.total([nn.squared_error(model(x), d) for x, d in zip(xs, ds, strict=True)])

    wide = compile(minibatch, X, D, backend="auto")
    assert "NumPy backend" in wide.source
    narrow = compile(minibatch, X[:2], D[:2], backend="auto")
    assert "NumPy backend" not in narrow.source

    def chain(x):
        for _ in range(200):
            x = (x * 1.01).tanh()
        return x

    assert "NumPy backend" not in compile(chain, 0.5, backend="auto").source
    with pytest.warns(UserWarning, match="slower than the Python"):
        step = compile(chain, 0.5, backend="numpy")
    assert step(0.5) == pytest.approx(chain(Value(0.5)).data)


def test_values_as_arguments_and_results():
    x, y = Value(2.0), Value(-1.0)
    step = compile(lambda a, b: (a * b + a, [a.tanh(), b * 2]), x, y, backend="numpy")
    loss, (t, b2) = step(x, y)
    assert (loss, b2) == (0.0, -2.0) and t == pytest.approx(math.tanh(2.0))
    assert (x.grad, y.grad) == (0.0, 2.0)


# -- sums of products: matrix products -------------------------------------------------

W = [[Value(0.1 * (3 * j + i) - 0.7) for i in range(3)] for j in range(4)]  # 4 units × 3 inputs
B = [Value(0.05 * j - 0.1) for j in range(4)]
XS = [[0.3 * s - 1.0, 0.2 * s * s - 0.5, 1.5 - 0.4 * s] for s in range(5)]  # 5 samples
PARAMETERS = [*(w for row in W for w in row), *B]


def layer_sample_by_sample(xs):
    return sum(sum((w * x for w, x in zip(W[j], row, strict=True)), B[j]).tanh()
               for row in xs for j in range(4))


def layer_unit_by_unit(xs):
    return sum(sum((x * w for w, x in zip(W[j], row, strict=True)), B[j]).tanh()
               for j in range(4) for row in xs)


def without_a_lead(xs):
    return sum(sum(w * x for w, x in zip(W[j], row, strict=True)).tanh()
               for row in xs for j in range(4))


def with_a_number_lead(xs):
    return sum(sum((w * x for w, x in zip(W[j], row, strict=True)), 0.5).tanh()
               for row in xs for j in range(4))


def one_sample(xs):
    return layer_sample_by_sample(xs[:1])


def one_unit(xs):
    return sum(sum((w * x for w, x in zip(W[1], row, strict=True)), B[1]).tanh() for row in xs)


def squares(xs):  # a weight times itself; a number lead with a nonzero sign
    return sum((w * w for row in W for w in row), -0.25) * sum(
        x * w for x, w in zip(xs[0], W[0], strict=True))


def row_by_row(xs):  # every product's operands differ: no matrix product, an einsum
    return sum(sum(W[j][i] * W[(j + 1) % 4][(i + 1) % 3] * x for i, x in enumerate(row))
               for j, row in enumerate(xs[:4]))


SUMS_OF_PRODUCTS = [layer_sample_by_sample, layer_unit_by_unit, without_a_lead,
                    with_a_number_lead, one_sample, one_unit, squares]


@pytest.mark.parametrize("fn", SUMS_OF_PRODUCTS, ids=lambda f: f.__name__)
def test_a_sum_of_products_is_a_matrix_product(fn):
    """A layer (b_j + Σ_i w_ji·x_si over samples s and units j, in either order, one
    sample, one unit; with a Value lead, a number, none) is one matrix product
    forward, two backward: no product computed on its own, no gather of the
    weights per sample."""
    step = assert_as_the_python_backend(fn, [XS], PARAMETERS)
    assert "matrix product" in step.source and "matmul(" in step.source, step.source
    products_alone = step.source.count("× *")  # lines of products on their own (and their terms)
    assert products_alone == (3 if fn is squares else 0), step.source  # squares: sum · sum


def test_products_that_share_no_factor_are_summed_row_by_row():
    step = assert_as_the_python_backend(row_by_row, [XS], PARAMETERS)
    assert "einsum('nk,nk->n'" in step.source and "matrix product" not in step.source


def test_the_demo_mlp_is_matrix_products():
    """micrograd's demo step (bench/compile.py): each layer, forward and backward, is
    a matrix product; nothing is gathered per weight and sample (no add.at)."""
    model = nn.MLP(2, [16, 16, 1], activation="relu", seed=1)

    def minibatch(xs, ds):
        return nn.total([nn.hinge(model(x), 2 * d[0] - 1) for x, d in zip(xs, ds, strict=True)])

    step = assert_as_the_python_backend(minibatch, [X, D], model.parameters())
    assert step.source.count("matrix product") == 3 and "add.at" not in step.source


# -- which operands receive a term: the walk's (`receivers`), for every group ----------------


def mixed_chains(xs):
    """Chains of three terms at one level, a number among the terms of some (x + 2 + B0)
    and not of others (x + B1 + B0), their products summed from a number lead (0)."""
    return sum((row[0] + 2.0 + B[0]) * (row[0] + B[1] + B[0]) for row in xs)


def packed_with_numbers(xs):
    """A variadic primitive (a tuple of operands) with numbers folded in among them."""
    return sum(ops.log_sum_exp(x, 1.0, W[0][0], -2.0) + ops.log_sum_exp(0.5, x * W[0][1], x)
               for x in xs[0])


def numbers_on_either_side(xs):
    """Binary primitives with a number first (2 − x, 2 / x) and second (x − 1, x ** 2)."""
    return sum((2.0 - x) * W[0][0] + (x - 1.0) / (3.0 + W[0][1]) + 2.0 / (x ** 2 + 1.0)
               for x in xs[1])


def walk_receiving(v, group):
    """Per operand of v's row in its group: does it receive a term, as the walk says
    (`receivers`). A primitive's row is v.args; a chain's, its terms, from its links
    (v, its left operand, ...: the first link gives two terms, each later link its
    right operand); a sum of products', its lead (if any), then the x's and the y's
    of its products x·y."""
    if group.prim is not None:
        return tuple(i in receivers(v) for i in range(len(v.args)))
    lead = len(group.pattern)  # a chain's terms, or a sum of products' lead
    links = [v]
    while len(links) < lead + group.dot - 1:
        links.append(links[-1].args[0])
    first = links.pop()
    row = [(x, i in receivers(first)) for i, x in enumerate(first.args)]
    row += [(link.args[1], 1 in receivers(link)) for link in reversed(links)]
    if not group.dot:
        return tuple(receives for _, receives in row)
    products = [x for x, _ in row[lead:]]
    return (*(receives for _, receives in row[:lead]),
            *(0 in receivers(x) for x in products), *(1 in receivers(x) for x in products))


def test_every_group_takes_which_operands_receive_a_term_from_the_walk():
    """The NumPy backend's groups: each node's operands (a primitive's, a chain's terms,
    a sum of products' lead and factors) receive a term where `receivers` says, and
    where the group's pattern says; with numbers among them, at every position."""
    from autodiff.compiler.numpy_backend import Levels

    kinds = set()
    for fn in (mixed_chains, packed_with_numbers, numbers_on_either_side, *SUMS_OF_PRODUCTS,
               row_by_row):
        for group in Levels(record(fn, [XS])).groups:
            kind = group.prim.name if group.prim is not None else "dot" if group.dot else "chain"
            kinds.add((kind, all(group.pattern)))
            for v in group.nodes:
                assert walk_receiving(v, group) == group.receiving, (fn.__name__, kind, v)
    # numbers (which receive no term) in a chain, a sum of products' lead, a packed
    # primitive, either side of a binary one; and all Values in each of these
    assert {("chain", False), ("chain", True), ("dot", False), ("dot", True),
            ("log_sum_exp", False), ("-", False), ("/", False), ("*", True)} <= kinds, kinds


def test_chains_with_a_number_among_the_terms_of_some_give_every_term_its_gradient():
    """x + 2 + B0 and x + B1 + B0 at one level: B1 receives its terms (it did not where
    such chains shared a group and the first chain's pattern)."""
    step = assert_as_the_python_backend(mixed_chains, [XS], [B[0], B[1]])
    assert "sums of 3 terms" in step.source


# -- never pathological: chains, wide sums, trees ----------------------------------------


def chain_of(n):
    def chain(x):
        for _ in range(n):
            x = (x * 1.0001).tanh()
        return x
    return chain


def wide_sum_of(n):
    w = Value(0.3, "w")

    def wide(xs):
        return sum(((w * x).sin() for x in xs), w)
    return wide, [0.01 * k - 1.0 for k in range(n)], [w]


def tree_of(depth):
    leaves = [Value(0.1 * k - 0.4) for k in range(2 ** depth)]

    def tree(scale):
        level = [leaf * scale for leaf in leaves]
        while len(level) > 1:
            level = [(a * b).tanh() + a for a, b in zip(level[::2], level[1::2], strict=True)]
        return level[0]
    return tree, leaves


def test_a_long_chain_falls_back_to_the_python_backend_and_says_why():
    """A chain is an array operation per node: the numpy backend writes the Python
    program instead, with a warning naming the reason (nodes per array operation),
    at the caller's line; its numbers are then the interpreter's, bit for bit."""
    chain = chain_of(100)
    with pytest.warns(UserWarning, match=r"201 nodes in 200 levels.*1\.0 nodes per array") as w:
        step = compile(chain, 0.5, backend="numpy")
    assert w[0].filename == __file__
    assert "NumPy backend" not in step.source
    x = Value(0.5)
    out = chain(x)
    out.backward()
    assert step(0.5) == out.data


def test_a_short_chain_stays_numpy_without_a_warning():
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        step = compile(chain_of(30), 0.5, backend="numpy")
    assert "NumPy backend" in step.source
    assert step(0.5) == pytest.approx(chain_of(30)(Value(0.5)).data, rel=1e-13)


@pytest.mark.parametrize("n", [300, 3000])
def test_a_wide_sum_is_a_few_array_operations_whatever_its_width(n):
    """The program's length does not grow with the width: its lines are per group."""
    wide, xs, params = wide_sum_of(n)
    step = assert_as_the_python_backend(wide, [xs], params)
    assert "NumPy backend" in step.source and len(step.source.splitlines()) < 40


@pytest.mark.parametrize("depth", [6, 9])
def test_a_tree_is_an_array_operation_per_level_and_primitive(depth):
    tree, leaves = tree_of(depth)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no fallback: levels are wide
        step = assert_as_the_python_backend(tree, [1.5], leaves)
    groups = int(step.source.split(" nodes in ")[1].split()[0])
    assert "NumPy backend" in step.source and groups == 3 * depth + 1


# -- every built-in's array code: its value and its adjoints printed from its partials -----

EDGES = [0.0, -0.0, 1.0, -1.0, 0.5, -2.0, 1e-300, -1e-300, 30.0, -30.0, 700.0, -745.0,
         1e300, -1e300, math.pi / 2, 0.9999999999999999]
REL = 1e-15
"""The tolerance: relative, about 4.5 units in the last place (NumPy's sin, exp, ...
against the math module's; arithmetic, where and sqrt agree bit for bit)."""


@pytest.mark.parametrize("name", [n for n, p in primitives.items() if p.builtin])
@settings(max_examples=40, deadline=None)
@given(data=st.data())
def test_builtin_array_code_is_forward_and_the_sweep_within_a_few_ulp(name, data):
    """At many points (edges: 0, −0, ±1, large, tiny, overflow, singular points), the
    array value is forward's number and each printed adjoint term is the sweep's
    ∂out/∂operand · ḡ, within `REL`; not finite exactly where the sweep's is not
    (where the program tests it and reruns the interpreter: the sign of an inf
    from an overflow may differ, 1e-300 ** -2.0 is inf for Python's pow)."""
    from autodiff.compiler import numpy_backend

    prim = primitives[name]
    n = prim.arity or 3
    number = st.one_of(st.sampled_from(EDGES), st.floats(-50.0, 50.0))
    rows, outs, terms = [], [], []
    for _ in range(data.draw(st.integers(1, 12))):
        row = [data.draw(number) for _ in range(n)]
        g = data.draw(st.sampled_from([1.0, -0.75, 3e5]))
        if name in ("max", "min") and data.draw(st.booleans()):
            row[1] = row[0]  # a tie
        try:
            out = prim.forward(*row)
            derivatives = prim.partials(out, *row)
        except (ValueError, ArithmeticError):
            continue  # outside the domain: the compiled step reruns the interpreter
        rows.append([*row, g])
        outs.append(out)
        terms.append([d * g for d in derivatives])
    assume(rows)
    code = numpy_backend.Levels.array_code(prim, n)
    assert code.adjoints is not None  # printed: no call back into partials
    columns = np.array(rows).T
    names = dict(zip(operand_names(n), columns[:n], strict=True))
    namespace = {k: getattr(np, k) for k in dir(np) if not k.startswith("_")}
    namespace.update(code.names)
    with np.errstate(all="ignore"):
        value = eval(code.value.format(**{k: f"_{k}" for k in names}),
                     namespace, {f"_{k}": v for k, v in names.items()})
        parts = {**{f"_{k}": v for k, v in names.items()}, "_out": np.array(outs),
                 "_g": columns[n]}
        fields = {**{k: f"_{k}" for k in names}, "out": "_out", "g": "_g"}
        printed = [np.broadcast_to(eval(t.format(**fields), namespace, parts), len(rows))
                   for t in code.adjoints]
    for got, expected in ((np.broadcast_to(value, len(rows)), np.array(outs)),
                          (np.array(printed).T, np.array(terms))):
        finite = np.isfinite(expected)  # where not, the program reruns the interpreter
        assert np.array_equal(np.isfinite(got), finite), (got, expected)
        np.testing.assert_allclose(got[finite], expected[finite], rtol=REL, atol=0.0)


def test_a_users_primitive_compiles_to_array_code_printed_from_its_partials():
    """A leaky relu whose partial branches with ops.where, and a primitive whose partial
    applies that one: NumPy's where and the applied primitive's forward element by
    element, no call of partials; a primitive whose partials branch with Python's
    `if` has them called element by element."""
    leaky = primitive("n_leaky", lambda a: a if a > 0.0 else 0.1 * a,
                      lambda out, a: (ops.where(a > 0.0, 1.0, 0.1),))
    smooth = primitive("n_smooth", lambda a: a * a * 0.5 + leaky.forward(a),
                       lambda out, a: (a + leaky(a) / a,))  # leaky(a)/a: 1 or 0.1
    branchy = primitive("n_branchy", lambda a: a * abs(a),
                        lambda out, a: (2.0 * a if a > 0.0 else -2.0 * a,))
    w = [Value(0.1 * k - 0.35) for k in range(8)]

    def f(xs):
        return sum(leaky(wk * x) + smooth(wk + x) + branchy(wk - x) for wk in w for x in xs)

    xs = [0.5, -1.5, 2.0, 0.25]
    step = assert_as_the_python_backend(f, [xs], w)
    source = step.source
    assert "where(a" in source and "n_leaky_elementwise(" in source
    assert "n_leaky_partials" not in source and "n_smooth_partials" not in source
    assert "n_branchy_partials(" in source


@settings(max_examples=30, deadline=None)
@given(expr=expressions(min_inputs=1, max_inputs=3, max_steps=8))
def test_a_random_expression_over_a_minibatch_is_the_python_backends(expr):
    """Every built-in, in random DAGs, evaluated at 20 samples near the drawn inputs
    (each operand 0.25 from poles, kinks and domain edges; the samples move it at
    most 0.02): the loss and the gradients within the documented bound, no rerun of
    the interpreter."""
    w = [Value(x) for x in expr.inputs]
    xs = [[0.001 * ((7 * s + 3 * i) % 21 - 10) for i in range(len(w))] for s in range(20)]

    def minibatch(xs):
        return sum(expr(*(wi + xi for wi, xi in zip(w, row, strict=True))) for row in xs)

    step = assert_as_the_python_backend(minibatch, [xs], w)
    assert "NumPy backend" in step.source


def test_writing_a_wide_sum_tests_its_slots_a_number_of_times_independent_of_its_width(
        monkeypatch):
    """Compile time linear in the nodes: a chain of n terms is not tested as a view
    once per prefix (that was quadratic: 100,000 terms took 6 s to write), nor its
    list of terms copied per addition."""
    from autodiff.compiler import numpy_backend

    calls = []
    view = numpy_backend._view

    def counted(idx, vector):
        calls.append(idx.size)
        return view(idx, vector)

    monkeypatch.setattr(numpy_backend, "_view", counted)
    work = []
    for n in (300, 3000):
        calls.clear()
        wide, xs, _ = wide_sum_of(n)
        compile(wide, xs, backend="numpy")
        work.append((len(calls), sum(calls) / n))  # calls, and slots tested per term
    assert work[0][0] == work[1][0] and work[1][1] <= work[0][1]


def test_an_array_code_without_adjoints_has_them_printed_from_the_partials():
    cube = primitive("n_cube_value_only", lambda a: a * a * a, lambda out, a: (3.0 * a * a,),
                     array_code=Code("f({a})", names={"f": lambda a: a * a * a}))
    w = [Value(0.2 * k - 0.5) for k in range(5)]
    step = assert_as_the_python_backend(lambda xs: sum(cube(wk * x) for wk in w for x in xs),
                                        [[0.5, -1.5, 2.0]], w)
    assert "f(a" in step.source and "3.0 * a" in step.source and "_partials(" not in step.source
