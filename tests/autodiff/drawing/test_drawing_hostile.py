"""Hostile labels and scope names (issue 13): every text renders escaped, as
valid SVG, and dot never fails; the graph is left as it was."""

import shutil
import xml.etree.ElementTree as ET

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from autodiff import Value, draw, scope
from autodiff.notation.typeset import MAX_CHARS, safe_text, unicode_label

needs_dot = pytest.mark.skipif(shutil.which("dot") is None,
                               reason="Graphviz's dot is installed by ./run test")

SPECIAL = ["\n", "\t", "\r", "\x00", "\x07", "\x1b[31m", "\x7f", "\x85", "   ", " ", "",
           "x" * 20_000, '"', "'", "<", ">", "&", "&amp;", "<b>bold</b>", "]]>", "{", "}",
           "\\", "\\N", "\\G", "\\n", "\\\"", "%", "$", "#", "^", "_", "~", "|", "u_1^(2",
           "w_12^(3)\n", "\ud800", "\udfff", "\ufeff", "\u202e", "名前", "😀", "-0", "--", "->",
           "a\x00b<c>d&e\"f'g{h}i\\j\nk"]
texts = st.one_of(st.sampled_from(SPECIAL), st.text(max_size=60),
                  st.text(st.characters(max_codepoint=0x3f), max_size=20),
                  st.text(st.sampled_from("\x00\n\t\r\x1b\"'<>&{}\\|[]^_$%#~ "), max_size=30))


def render(diagram):
    """The SVG's text, from an XML parser: the SVG must be well-formed."""
    root = ET.fromstring(diagram.svg().encode("utf-8"))
    return " ".join(t.text or "" for t in root.iter("{http://www.w3.org/2000/svg}text"))


@needs_dot
@settings(max_examples=40)
@given(label=texts, name=texts, part=texts)
def test_any_label_and_scope_name_renders(label, name, part):
    x = Value(1.0, label)
    with scope(name or "s"), scope(part or "t"):
        y = x * 2 + 1
    y.label = part
    y.backward()
    before = (x.label, y.label, y.scope, x.grad, y.grad)
    text = render(draw(y))
    shown = unicode_label(safe_text(label))
    if shown.strip():
        assert shown.split()[0] in text
    render(draw(y, collapse=[f"{name or 's'}/{part or 't'}"]))
    assert (x.label, y.label, y.scope, x.grad, y.grad) == before


@needs_dot
def test_the_worst_texts_at_once_render_and_control_characters_show_as_escapes():
    nasty = "".join(SPECIAL[:-1])
    x = Value(1.0, nasty)
    with scope(nasty):
        y = x * 3
    text = render(draw(y))
    assert "\\n\\t\\r\\x00\\x07\\x1b[31m" in text and "…" in text
    assert "\x00" not in text and "\x1b" not in text
    assert "\\ud800" in render(draw(Value(1.0, "\ud800") * 2))


def test_long_labels_are_cut_and_every_text_is_safe():
    assert len(safe_text("y" * 20_000)) == MAX_CHARS
    for text in SPECIAL:
        shown = safe_text(text)
        assert all(c >= " " and c != "\x7f" for c in shown)
        shown.encode("utf-8")  # no lone surrogates left
