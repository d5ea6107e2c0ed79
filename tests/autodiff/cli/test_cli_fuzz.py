"""Fuzzing the expression language and the command line (Hypothesis).

Random and mutated expressions, random text and bytes, huge numbers and deep
nesting, with random values: every input gets a result (exit 0) or an error
(exit 1 or 2) that is one line, or three for a message with a caret (message,
input, caret); nothing is printed before an error, no traceback, nothing is
written, and nothing hangs (a generous alarm guards against hangs; it does not
measure speed). The language is parsed, never evaluated by Python, and the
files it could create (`PWNED`) never appear.
"""

from __future__ import annotations

import contextlib
import io
import os
import signal
import subprocess
import sys
import tempfile
from pathlib import Path

import pytest
from hypothesis import example, given
from hypothesis import strategies as st

from autodiff.cli import main
from autodiff.notation.expression import (
    MAX_DEPTH,
    OPERATORS,
    ExpressionError,
    functions,
    names,
    parse,
)

HANG_SECONDS = 30  # far above any input's run time: only a hang reaches it


class Hang(Exception):
    pass


@contextlib.contextmanager
def hang_guard():
    def alarm(signum, frame):
        raise Hang(f"no answer within {HANG_SECONDS} s")

    previous = signal.signal(signal.SIGALRM, alarm)
    signal.alarm(HANG_SECONDS)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def run(argv: list[str]) -> tuple[int, str, str]:
    """main(argv) in a fresh empty directory; its exit code, stdout and stderr."""
    out, err = io.StringIO(), io.StringIO()
    cwd = os.getcwd()
    with tempfile.TemporaryDirectory() as tmp:
        os.chdir(tmp)
        try:
            with hang_guard(), contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
                code = main(argv)
            assert os.listdir(tmp) == [], "the command line wrote a file"
        finally:
            os.chdir(cwd)
    return code, out.getvalue(), err.getvalue()


def check_answer(code: int, out: str, err: str) -> None:
    assert code in (0, 1, 2)
    assert "Traceback" not in out + err
    if code == 0:
        assert err == "" and out.startswith(("node", "E = ", "usage:"))
        return
    assert out == "", "an error after output"
    lines = err.splitlines()
    assert err.endswith("\n") and lines[0].startswith("error: ")
    if len(lines) != 1:  # message, the input around the position, a caret under it
        assert len(lines) == 3, err
        assert lines[1].startswith(("  expression: ", "  --at: "))
        assert set(lines[2]) == {" ", "^"} and lines[2].endswith("^")


variables = st.sampled_from(["x", "y", "w_1"])
numbers = st.one_of(st.integers(0, 10**6).map(str),
                    st.floats(0, 1e300, allow_nan=False).map(repr),
                    st.sampled_from(["1e308", "1e-320", ".5", "2.", "1e400", "9" * 400]))
FUNCTIONS = sorted(functions().items())


def calls(operands):
    return st.sampled_from(FUNCTIONS).flatmap(
        lambda item: st.lists(operands, min_size=item[1].arity or 1,
                              max_size=item[1].arity or 3).map(
            lambda args: f"{item[0]}({', '.join(args)})"))


expression_texts = st.recursive(
    variables | numbers,
    lambda sub: st.one_of(
        st.tuples(sub, st.sampled_from(OPERATORS), sub).map(
            lambda t: f"{t[0]} {t[1]} {t[2]}"),
        sub.map(lambda e: f"-{e}"), sub.map(lambda e: f"({e})"), calls(sub)),
    max_leaves=12)

PALETTE = [*"xy01.eE+-*/(),^σ×·−²α٣$_'\"\\\n\t\x00", "**", "__import__", "  "]
PALETTE += [*"＋（）＊＝０．ｘ、，・重み\u3000", "E = "]  # a Japanese keyboard, a named output


@st.composite
def mutated(draw):
    """A well-formed expression with a few characters inserted, deleted or repeated."""
    text = draw(expression_texts)
    for _ in range(draw(st.integers(1, 4))):
        i = draw(st.integers(0, len(text)))
        how = draw(st.sampled_from(["insert", "delete", "repeat"]))
        if how == "insert":
            text = text[:i] + draw(st.sampled_from(PALETTE)) + text[i:]
        elif how == "delete":
            text = text[:i] + text[i + 1:]
        else:
            j = draw(st.integers(i, min(len(text), i + 5)))
            text = text[:j] + text[i:j] * draw(st.integers(2, 50)) + text[j:]
    return text


def nested(depth: int, wrap: tuple[str, str]) -> str:
    return wrap[0] * depth + "x" + wrap[1] * depth


deep = st.tuples(st.integers(0, 3 * MAX_DEPTH),
                 st.sampled_from([("(", ")"), ("-(", ")"), ("exp(", ")"), ("x**(", ")"),
                                  ("sin(x, ", ")"), ("-", ""), ("2**", ""), ("+", "")])
                 ).map(lambda t: nested(*t))
random_bytes = st.binary(max_size=120).map(lambda b: os.fsdecode(b.replace(b"\0", b"")))
anything = st.one_of(expression_texts, mutated(), st.text(max_size=200), random_bytes, deep,
                     numbers, st.sampled_from(["", " ", "-", "--", "-h", "-o", "--at"]))

values = st.floats(allow_nan=False, allow_infinity=False, width=64).map(repr)
assignments = st.one_of(
    st.tuples(values, values, values).map(lambda v: f"x={v[0]},y={v[1]},w_1={v[2]}"),
    st.text(max_size=40), random_bytes,
    st.sampled_from(["x=1e999", "x=1_000", "x=nan", "x=,y=2", "=", ",", "x=1,x=2"]))


@given(anything, st.lists(assignments, max_size=3), st.booleans())
@example("__import__('os').system('touch PWNED')", ["x=1"], False)
@example("x" * 20_000, ["x=1"], False)
@example("-(" * 3000 + "x" + ")" * 3000, ["x=1"], False)
@example("**".join(["9"] * 4000), [], True)
@example("x**x**x**x**x**x", ["x=9"], True)
@example("exp(exp(exp(exp(x))))", ["x=10"], False)
@example("+".join(["x"] * 4000), ["x=1"], True)
def test_every_input_gets_a_result_or_a_short_error(expression, ats, steps):
    argv = [expression, *(a for text in ats for a in ("--at", text)), *["--steps"] * steps]
    check_answer(*run(argv))


@given(expression_texts, st.floats(-3, 3), st.floats(-3, 3))
def test_well_formed_expressions_evaluate_or_fail_in_one_line(expression, x, y):
    try:
        used = {name for name, _ in names(parse(expression))}
    except ExpressionError as exc:  # only a number too large for a float
        assert "too large for a float" in str(exc)
        return
    given_values = {"x": x, "y": y, "w_1": 0.5}
    at = ",".join(f"{n}={v!r}" for n, v in given_values.items() if n in used)
    code, out, err = run(["--", expression, *["--at", at] * bool(at)])
    check_answer(code, out, err)
    assert code in (0, 1)  # well formed, every name given: no usage error
    if code == 1:
        assert len(err.splitlines()) == 1  # evaluation errors have no caret


@pytest.mark.parametrize("raw", [b"\xff(x", b"x\xc3", b"-\xff", b"x*\x80y", b"\xe2\x88\x92x"])
def test_undecodable_bytes_through_a_real_process(raw, tmp_path):
    result = subprocess.run([os.fsencode(sys.executable), b"-m", b"autodiff", raw, b"--at",
                             b"x=1", b"-o", b"\xff.svg"], capture_output=True, cwd=tmp_path,
                            timeout=60, env={"PYTHONPATH": str(Path(__file__).parents[3]),
                                             "PATH": os.environ.get("PATH", "")})
    err = result.stderr.decode("utf-8", "replace")
    assert result.returncode == 2 and "Traceback" not in err and result.stdout == b""
    assert len(err.splitlines()) == 3 and err.startswith("error: ")
    assert list(tmp_path.iterdir()) == []


def full_width(text: str, widen: list[bool]) -> str:
    """`text` with the characters `widen` picks (cycled) in their full-width forms: printable
    ASCII to U+FF01–U+FF5E, a space to the ideographic space U+3000."""
    return "".join(
        ("\u3000" if c == " " else chr(ord(c) + 0xFEE0) if "!" <= c <= "~" else c)
        if widen[i % len(widen)] else c for i, c in enumerate(text))


@given(expression_texts, st.lists(st.booleans(), min_size=1, max_size=8))
def test_an_expression_typed_in_full_width_parses_as_its_ascii_form(expression, widen):
    wide = full_width(expression, widen)
    try:
        ascii_tree = parse(expression)
    except ExpressionError as exc:  # a number too large for a float, at the same place
        with pytest.raises(ExpressionError) as wide_error:
            parse(wide)
        assert str(wide_error.value) == str(exc) and wide_error.value.position == exc.position
        return
    assert parse(wide) == ascii_tree  # the same tree, positions included


@given(expression_texts, st.lists(st.booleans(), min_size=1, max_size=8),
       st.floats(-3, 3), st.floats(-3, 3))
def test_the_command_line_answers_full_width_input_as_its_ascii_form(expression, widen, x, y):
    try:
        used = {name for name, _ in names(parse(expression))}
    except ExpressionError:  # a number too large for a float
        used = set()
    at = ",".join(f"{n}={v!r}" for n, v in {"x": x, "y": y, "w_1": 0.5}.items() if n in used)
    ascii_answer = run(["--", expression, *["--at", at] * bool(at)])
    wide_answer = run(["--", full_width(expression, widen),
                       *["--at", full_width(at, widen)] * bool(at)])
    if ascii_answer[0] == 2:  # a usage error quotes what was typed: the same message else
        assert wide_answer[0] == 2 and wide_answer[2].splitlines()[0].startswith("error: ")
    else:
        assert wide_answer == ascii_answer
