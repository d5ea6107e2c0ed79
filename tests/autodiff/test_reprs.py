"""What a REPL shows: a gradient check's table, what a recording and a diagram hold."""

import nn
from autodiff import Value, draw, gradcheck


def test_a_gradcheck_result_shows_its_summary_and_table():
    result = gradcheck(lambda x, y: (x * y).tanh() + y.exp() / x, [0.7, -1.3])
    assert repr(result) == str(result)
    lines = repr(result).splitlines()
    assert lines[0] == "gradcheck (central differences): all 2 derivatives agree"
    assert lines[1].split() == ["derivative", "value", "analytic", "numeric", "abs", "error",
                                "rel", "error", "verdict"]
    assert [line.split()[0] for line in lines[3:]] == ["∂f/∂x", "∂f/∂y"]
    assert "GradcheckRow" not in repr(result)


def test_a_kink_is_reported_as_not_checked():
    assert gradcheck(lambda u: u.relu(), [0.0]).summary == (
        "gradcheck (central differences): 1 derivative not checked: f is not differentiable here")
    assert gradcheck(lambda u, v: u.relu() * v, [0.0, 2.0]).summary == (
        "gradcheck (central differences): 1 of 2 derivatives agree; 1 derivative not checked: "
        "f is not differentiable here")
    bad = gradcheck(lambda u, v: u.relu() + v * v.data, [0.0, 2.0], raise_exception=False)
    assert bad.summary == ("gradcheck (central differences): FAILED for 1 of 2 derivatives; "
                           "1 derivative not checked: f is not differentiable here")


def test_a_recording_says_what_it_holds():
    model = nn.MLP(2, [3, 1], seed=0)
    with nn.record(model) as rec:
        assert repr(rec) == "<Recording of 2 layers (layers.0: 0 calls, layers.1: 0 calls)>"
        for x in ([1.0, 2.0], [3.0, 4.0]):
            model(x)
    assert repr(rec) == ("<Recording of 2 layers (layers.0: 2 calls × 3 units, "
                         "layers.1: 2 calls × 1 unit)>")


def test_a_diagram_says_what_it_holds():
    w, x, b = Value(0.5, "w"), Value(1.0, "x"), Value(0.0, "b")
    E = ((w * x + b).sigmoid() - 1.0) ** 2 / 2
    assert repr(draw(E)) == ("<Diagram of 9 values, 6 operations: .save_as('graph.svg') "
                             "or 'graph.png' writes it>")
    model = nn.MLP(2, [3, 1], seed=0)
    loss = nn.squared_error(model([1.0, 2.0]), [1.0])
    assert "1 collapsed module:" in repr(draw(loss, collapse=["layers.0"]))
