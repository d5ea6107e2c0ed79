"""autodiff.checking.diagnosis: a bank of deliberately wrong derivatives, each named with
the right bug; correct derivatives never diagnosed.

Every wrong derivative is a user primitive with a built-in's forward (or a
lecture example's) and a partials written wrong the way people write it wrong.
"""

import math
import re

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import autodiff
from autodiff import ops, primitive
from autodiff.checking import singular_distance
from autodiff.checking.diagnosis import (
    AT_INPUT,
    AT_OUTPUT,
    CHAIN,
    FACTOR,
    MODES,
    NAMES,
    NO_PATTERN,
    ONE_POINT,
    SIGN,
    SWAPPED,
    Diagnosis,
    diagnose,
)
from autodiff.notation.messages import CATALOGUES, Message

BUILTINS = {p.name: p for p in autodiff.primitives.values() if p.builtin}
POINTS = {  # a point inside each built-in's domain, away from its kinks
    "+": (0.7, -1.3), "-": (0.7, -1.3), "*": (0.7, -1.3), "/": (0.7, -1.3), "neg": (0.7,),
    "**": (1.3, 2.5), "relu": (0.7,), "exp": (0.7,), "log": (1.7,), "sqrt": (1.7,),
    "sin": (0.7,), "cos": (0.7,), "tan": (0.4,), "asin": (0.3,), "acos": (0.8,),
    "atan": (0.7,), "sinh": (0.7,), "cosh": (0.7,), "tanh": (0.7,), "sigmoid": (0.7,),
    "softplus": (0.7,), "abs": (-0.7,), "max": (0.7, -1.3), "min": (0.7, -1.3),
    "log_sum_exp": (0.7, -1.3, 0.2),
}


def test_every_builtin_has_a_point():
    assert set(POINTS) == set(BUILTINS)


def _wrong(name, partials, forward=None):
    """A user primitive: forward (the built-in `name`'s by default), wrong partials."""
    base = BUILTINS.get(name)
    if forward is None:  # the built-in's, with a signature primitive() can read (not max's)
        f = base.forward
        forward = {1: lambda a: f(a), 2: lambda a, b: f(a, b), None: lambda *u: f(*u)}[
            base.arity]
    return primitive(f"wrong_{abs(hash(partials))}", forward, partials,
                     singular_distance=singular_distance(base) if base else None)


def _right(name):
    return BUILTINS[name].partials


def _only(found, operand=1):
    assert [d.operand for d in found] == [operand], found
    return found[0]


# -- every built-in: a constant factor, a flipped sign ------------------------------


def _nonzero(name):
    """The operands (from 1) whose partial is not 0 at the built-in's point."""
    p, point = BUILTINS[name], POINTS[name]
    return [j + 1 for j, d in enumerate(p.partials(p.forward(*point), *point)) if d != 0]


@pytest.mark.parametrize("name", sorted(POINTS))
def test_an_extra_factor_of_two_is_named_with_its_factor(name):
    right = _right(name)
    found = diagnose(_wrong(name, lambda out, *u: tuple(2 * d for d in right(out, *u))),
                     *POINTS[name])
    assert [d.operand for d in found] == _nonzero(name)
    for d in found:
        assert d.name == FACTOR and "2× the numerical value at every one of" in str(d.evidence)
        assert "an extra factor of 2" in str(d.evidence)


@pytest.mark.parametrize("name", sorted(POINTS))
def test_a_flipped_sign_is_named(name):
    right = _right(name)
    found = diagnose(_wrong(name, lambda out, *u: tuple(-d for d in right(out, *u))),
                     *POINTS[name])
    assert [d.operand for d in found] == _nonzero(name)
    assert all(d.name == SIGN for d in found), found


def test_a_missing_half_is_a_factor_missing():
    square = _wrong("sq", lambda out, a: (a,), forward=lambda a: a * a)
    d = _only(diagnose(square, 1.5))
    assert d.name == FACTOR and "a factor of 2 missing" in str(d.evidence)
    assert "0.5×" in str(d.evidence)


# -- operands swapped: every binary built-in whose partials differ ---------------------


@pytest.mark.parametrize("name", ["*", "/", "**", "max", "min", "log_sum_exp"])
def test_swapped_operands_are_named(name):
    right = _right(name)
    wrong = _wrong(name, lambda out, *u: (right(out, *u)[1], right(out, *u)[0],
                                          *right(out, *u)[2:]))
    found = diagnose(wrong, *POINTS[name])
    assert [d.operand for d in found] == [1, 2]
    assert all(d.name == SWAPPED for d in found), found
    assert "the partials of a and b are swapped" in str(found[0].evidence)


# -- the derivative at the output where the input was meant, and the reverse ----------


AT_THE_OUTPUT = {  # f′ written at out: f′(out) instead of f′(a)
    "exp": lambda out, a: (ops.exp(out),),
    "log": lambda out, a: (1 / out,),
    "sqrt": lambda out, a: (0.5 / ops.sqrt(out),),
    "sin": lambda out, a: (ops.cos(out),),
    "cos": lambda out, a: (-ops.sin(out),),
    "tan": lambda out, a: (1 + ops.tan(out) ** 2,),
    "asin": lambda out, a: (1 / ops.sqrt(1 - out * out),),
    "acos": lambda out, a: (-1 / ops.sqrt(1 - out * out),),
    "atan": lambda out, a: (1 / (1 + out * out),),
    "sinh": lambda out, a: (ops.cosh(out),),
    "cosh": lambda out, a: (ops.sinh(out),),
    "tanh": lambda out, a: (1 - ops.tanh(out) ** 2,),
    "sigmoid": lambda out, a: (ops.sigmoid(out) * (1 - ops.sigmoid(out)),),
    "softplus": lambda out, a: (ops.sigmoid(out),),
    "**": lambda out, a, b: (b * out ** (b - 1), out * ops.log(a)),
}


@pytest.mark.parametrize("name", sorted(AT_THE_OUTPUT))
def test_a_derivative_taken_at_the_output_is_named(name):
    d = _only(diagnose(_wrong(name, AT_THE_OUTPUT[name]), *POINTS[name]))
    assert d.name == AT_OUTPUT, d
    assert "the output used where the input a was meant" in str(d.evidence)


AT_THE_INPUT = {  # partials written with out, the input put where out was meant
    "exp": lambda out, a: (a,),
    "sqrt": lambda out, a: (0.5 / a,),
    "tan": lambda out, a: (1 + a * a,),
    "tanh": lambda out, a: (1 - a * a,),
    "sigmoid": lambda out, a: (a * (1 - a),),
}


@pytest.mark.parametrize("name", sorted(AT_THE_INPUT))
def test_the_input_where_the_output_was_meant_is_named(name):
    point = {"sigmoid": (0.3,), "tanh": (0.3,)}.get(name, POINTS[name])
    d = _only(diagnose(_wrong(name, AT_THE_INPUT[name]), *point))
    assert d.name == AT_INPUT, d
    assert "the input a used where the output out was meant" in str(d.evidence)


# -- the chain rule's inner factor --------------------------------------------------


def test_sigmoid_through_its_outer_function_misses_the_inner_factor():
    """σ = 1/u with u = 1 + e^(−a): d(1/u)/du = −1/u², times du/da = −e^(−a). Without
    the inner factor (and its sign): σ²."""
    d = _only(diagnose(_wrong("sigmoid", lambda out, a: (out * out,)), 0.7))
    assert d.name == CHAIN and "inner factor e^(−a) is missing" in str(d.evidence)


def test_softplus_through_log_misses_the_inner_factor():
    d = _only(diagnose(_wrong("softplus", lambda out, a: (1 / (1 + ops.exp(a)),)), 0.7))
    assert d.name == CHAIN and "inner factor e^a is missing" in str(d.evidence)


def test_softsign_without_its_square():
    """Notebook 08's mistake: 1/(1 + |a|) for 1/(1 + |a|)²."""
    wrong = _wrong("softsign", lambda out, a: (1 / (1 + ops.abs(a)),),
                   forward=lambda a: a / (1 + abs(a)))
    d = _only(diagnose(wrong, 0.5))
    assert d.name == CHAIN and "× the partial itself at every" in str(d.evidence)
    assert str(d.evidence).endswith("a square is missing (1× the partial squared is right)")


def test_sigmoid_without_its_factor_out():
    d = _only(diagnose(_wrong("sigmoid", lambda out, a: (1 - out,)), 0.5))
    assert d.name == CHAIN and "inner factor out is missing" in str(d.evidence)


# -- the lecture notes' examples ----------------------------------------------------


def neuron_forward(w, x, b):
    return ops.sigmoid.forward(w * x + b)


def neuron_partials(out, w, x, b):
    s = out * (1 - out)
    return s * x, s * w, s


def test_the_neuron_without_its_inner_factor_x():
    """∂σ(w·x + b)/∂w = σ′(u)·x: without x, it is the bias's derivative."""
    wrong = _wrong("neuron", lambda out, w, x, b: (out * (1 - out), out * (1 - out) * w,
                                                   out * (1 - out)), forward=neuron_forward)
    d = _only(diagnose(wrong, 0.8, 1.5, -0.2))
    assert d.name == CHAIN and "inner factor b is missing" in str(d.evidence)  # b: operand 2, x


def test_the_neuron_with_w_and_x_swapped():
    wrong = _wrong("neuron", lambda out, w, x, b: (out * (1 - out) * w, out * (1 - out) * x,
                                                   out * (1 - out)), forward=neuron_forward)
    found = diagnose(wrong, 0.8, 1.5, -0.2)
    assert [(d.operand, d.name) for d in found] == [(1, SWAPPED), (2, SWAPPED)]


def test_the_right_neuron_is_not_diagnosed():
    assert diagnose(_wrong("neuron", neuron_partials, forward=neuron_forward), 0.8, 1.5, -0.2) == []


def squared_error(y, d):
    return 0.5 * (y - d) ** 2


def test_the_squared_error_without_its_half():
    wrong = _wrong("se", lambda out, y, d: (2 * (y - d), -2 * (y - d)), forward=squared_error)
    found = diagnose(wrong, 0.9, 0.2)
    assert [(d.operand, d.name) for d in found] == [(1, FACTOR), (2, FACTOR)]
    assert "an extra factor of 2" in str(found[0].evidence)


def test_the_squared_error_with_the_targets_sign_flipped():
    wrong = _wrong("se", lambda out, y, d: (y - d, y - d), forward=squared_error)
    assert [(d.operand, d.name) for d in diagnose(wrong, 0.9, 0.2)] == [(2, SIGN)]


def test_sigmoid_written_with_the_input_for_the_output():
    d = _only(diagnose(_wrong("sigmoid", lambda out, a: (a * (1 - a),)), 0.3))
    assert d.name == AT_INPUT


# -- right at one point only, modes, no pattern --------------------------------------


def test_a_number_where_a_function_was_meant_is_right_at_one_point_only():
    """σ′ written as 0.25, its value at 0: right at the node at 0, wrong elsewhere."""
    wrong = _wrong("sigmoid", lambda out, a: (0.25,))
    d = _only(diagnose(wrong, 1.5, others=[[0.0]]))
    assert d.name == ONE_POINT, d
    assert "right at a = 0: 0.25 vs 0.25" in str(d.evidence)
    assert "a number where a function of a was meant" in str(d.evidence)


def test_a_number_where_a_function_was_meant_in_a_product():
    wrong = _wrong("*", lambda out, a, b: (2.0, a))
    d = _only(diagnose(wrong, 1.0, 3.0, others=[[1.0, 2.0]]))
    assert d.name == ONE_POINT, d


def test_partials_through_math_are_a_mode_disagreement():
    """math.exp(a) of a Value is a float (Value has __float__): right with floats,
    but a constant to grad(create_graph=True)."""
    d = _only(diagnose(_wrong("exp", lambda out, a: (math.exp(a),)), 0.7))
    assert d.name == MODES and "a plain number (2.014, not a Value)" in str(d.evidence)


def test_partials_that_fail_with_values_are_a_mode_disagreement():
    wrong = _wrong("exp", lambda out, a: (out if isinstance(out, float) else out.conj(),))
    d = _only(diagnose(wrong, 0.7))
    assert d.name == MODES and "partials fails with Values (AttributeError" in str(d.evidence)


def test_partials_that_differ_with_values_name_the_right_mode():
    wrong = _wrong("exp", lambda out, a: (out if isinstance(out, float) else 2 * out,))
    d = _only(diagnose(wrong, 0.7))
    assert d.name == MODES and "the float one is right" in str(d.evidence)


def test_no_pattern_is_said_plainly():
    d = _only(diagnose(_wrong("exp", lambda out, a: (a * a + 1,)), 0.7))
    assert d.name == NO_PATTERN and str(d.evidence).startswith("no common pattern fits")


def test_only_the_wrong_operand_is_named():
    wrong = _wrong("*", lambda out, a, b: (b, 3 * a))
    d = _only(diagnose(wrong, 0.7, -1.3), operand=2)
    assert d.name == FACTOR and d.derivative.endswith("/∂b")


def test_a_diagnosis_is_a_small_readable_record():
    d = diagnose(_wrong("exp", lambda out, a: (2 * out,)), 0.7)[0]
    assert isinstance(d, Diagnosis) and d.name in NAMES and d.operand == 1
    assert str(d).startswith(f"{d.derivative} (operand 1) of {d.primitive!r}: constant factor")
    assert d.analytic == pytest.approx(2 * math.exp(0.7)) and d.numeric == pytest.approx(
        math.exp(0.7))


@pytest.mark.parametrize("bad, error", [((ops.exp, "x"), ValueError),
                                        ((ops.exp, math.nan), ValueError),
                                        ((ops.exp,), ValueError), (("exp", 1.0), TypeError)])
def test_bad_arguments(bad, error):
    with pytest.raises(error):
        diagnose(*bad)


# -- correct derivatives are never diagnosed -----------------------------------------


@settings(max_examples=40)
@given(name=st.sampled_from(sorted(POINTS)),
       shifts=st.lists(st.floats(-0.5, 0.5, allow_subnormal=False), min_size=3, max_size=3))
def test_correct_derivatives_are_never_diagnosed(name, shifts):
    p = BUILTINS[name]
    point = [x + s for x, s in zip(POINTS[name], shifts, strict=False)]
    if singular_distance(p) is not None and singular_distance(p)(*point) < 0.05:
        return
    try:
        p.forward(*point)
    except (ValueError, ArithmeticError):
        return
    assert diagnose(p, *point) == []


@settings(max_examples=30)
@given(w=st.floats(-2, 2), x=st.floats(-2, 2), b=st.floats(-2, 2), y=st.floats(-2, 2))
def test_the_lecture_examples_done_right_are_never_diagnosed(w, x, b, y):
    neuron = _wrong("neuron", neuron_partials, forward=neuron_forward)
    se = _wrong("se", lambda out, y, d: (y - d, d - y), forward=squared_error)
    assert diagnose(neuron, w, x, b) == [] and diagnose(se, y, b) == []


@settings(max_examples=40)
@given(a=st.floats(-3, 3), factor=st.sampled_from([0.5, 2.0, 3.0, -2.0, -1.0]))
def test_a_factor_is_named_wherever_the_node_is(a, factor):
    wrong = _wrong("sigmoid", lambda out, x: (factor * out * (1 - out),))
    d = _only(diagnose(wrong, a))
    assert d.name == (SIGN if factor == -1.0 else FACTOR), d
    assert str(d.evidence).startswith(f"{factor:g}× the numerical value") or factor == -1.0


def test_near_a_pole_the_differences_cannot_tell_and_nothing_is_diagnosed():
    """b = −2.75e-6: central differences with the check's step (6e-6) reach across
    the pole of a / b at 0; the point is left unchecked, not called wrong."""
    assert diagnose(ops.div, 1.24, -2.75e-6) == []
    assert diagnose(ops.div, 1.24, -0.5) == []


# -- the evidence in Japanese -----------------------------------------------------------


def _keys(message):
    """The catalogue keys a Message says, its nested ones too."""
    found = {message.key}
    for value in message.fields.values():
        if isinstance(value, Message):
            found |= _keys(value)
        elif callable(value):  # a joined list: its items and the word between them
            for cell in value.__closure__:
                content = cell.cell_contents
                if isinstance(content, str):
                    found.add(content)
                else:
                    found |= {key for item in content if isinstance(item, Message)
                              for key in _keys(item)}
    return found


JAPANESE_BANK = [  # one wrong partial per kind of evidence (and of its parts)
    (_wrong("sigmoid", lambda out, a: (2 * out * (1 - out),)), (0.7,), {}),
    (_wrong("sq", lambda out, a: (a,), forward=lambda a: a * a), (1.5,), {}),
    (_wrong("sq", lambda out, a: (-4 * a,), forward=lambda a: a * a), (1.5,), {}),
    (_wrong("sq", lambda out, a: (-a,), forward=lambda a: a * a), (1.5,), {}),
    (_wrong("sq", lambda out, a: (0.3 * a,), forward=lambda a: a * a), (1.5,), {}),
    (_wrong("exp", lambda out, a: (-out,)), (0.7,), {}),
    (_wrong("*", lambda out, a, b: (a, b)), (0.7, -1.3), {}),
    (_wrong("sin", AT_THE_OUTPUT["sin"]), (0.7,), {}),
    (_wrong("tanh", AT_THE_INPUT["tanh"]), (0.3,), {}),
    (_wrong("sigmoid", lambda out, a: (out * out,)), (0.7,), {}),
    (_wrong("softsign", lambda out, a: (1 / (1 + ops.abs(a)),),
            forward=lambda a: a / (1 + abs(a))), (0.5,), {}),
    (_wrong("sigmoid", lambda out, a: (0.25,)), (1.5,), {"others": [[0.0]]}),
    (_wrong("exp", lambda out, a: (math.exp(a),)), (0.7,), {}),
    (_wrong("exp", lambda out, a: (out if isinstance(out, float) else out.conj(),)), (0.7,), {}),
    (_wrong("exp", lambda out, a: (out if isinstance(out, float) else 2 * out,)), (0.7,), {}),
    (_wrong("exp", lambda out, a: (2 * out if isinstance(out, float) else out,)), (0.7,), {}),
    (_wrong("exp", lambda out, a: (3 * out if isinstance(out, float) else 2 * out,)), (0.7,), {}),
    (_wrong("exp", lambda out, a: (a * a + 1,)), (0.7,), {}),
    (_wrong("sigmoid", lambda out, a: (2 * out * out,)), (0.7,), {}),
    (_wrong("cap", lambda out, a: (a,), forward=lambda a: ops.sqrt(0.01 - (a - 0.7) ** 2)),
     (0.7,), {}),
]


def test_every_kind_of_evidence_is_said_in_japanese_without_english_words():
    said = set()
    english = re.compile(r"\b(the|at|of|is|are|every|numerical|missing|right|wrong|factor|"
                         r"pattern|points?|checked|output|input|sign|vs|while)\b")
    for wrong, point, options in JAPANESE_BANK:
        for d in diagnose(wrong, *point, **options):
            said |= _keys(d.evidence)
            ja = d.evidence.say("ja")
            assert not english.search(ja), ja
            assert str(d.evidence) == d.evidence.say("en") != ja
            note = d.note.say("ja")
            assert "考えられるバグ" in note and "likely bug" not in note
    evidence_keys = {key for key in CATALOGUES["en"]
                     if key.startswith("evidence.") and key != "evidence.note"}
    assert evidence_keys - said == set()
