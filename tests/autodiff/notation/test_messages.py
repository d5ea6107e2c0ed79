"""The message catalogues: complete in every language, the same placeholders."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

from autodiff.notation.messages import CATALOGUES, LANGUAGES, check_lang, placeholders, say

ROOT = Path(__file__).resolve().parents[3]


def test_every_language_has_every_key():
    keys = {lang: set(CATALOGUES[lang]) for lang in LANGUAGES}
    for lang in LANGUAGES:
        assert keys[lang] == keys["en"], (lang, keys[lang] ^ keys["en"])


@pytest.mark.parametrize("key", sorted(CATALOGUES["en"]))
def test_every_translation_has_the_same_placeholders(key):
    wanted = placeholders(CATALOGUES["en"][key])
    for lang in LANGUAGES:
        assert placeholders(CATALOGUES[lang][key]) == wanted, (lang, key)


def test_the_japanese_catalogue_is_japanese():
    assert say("ja", "pass.backward") == "逆伝播" and say("ja", "pass.forward") == "順伝播"
    assert "連鎖律" in CATALOGUES["ja"]["explain.chain"]
    assert "勾配" in say("ja", "diagram.grad")


def test_an_unknown_language_is_refused_clearly():
    with pytest.raises(ValueError, match="lang must be one of 'en', 'ja', got 'fr'"):
        check_lang("fr")


def _strings_and_prefixes(path: Path) -> tuple[set[str], set[str]]:
    """The string constants of a module, and the prefixes of its f-strings that
    start with a catalogue key's first part ("control." of f"control.{name}")."""
    constants: set[str] = set()
    prefixes: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            constants.add(node.value)
        elif isinstance(node, ast.JoinedStr) and node.values:
            first = node.values[0]
            if isinstance(first, ast.Constant) and isinstance(first.value, str):
                prefixes.add(first.value)
    return constants, prefixes


def test_every_key_is_used_by_the_code():
    """A key no module names is dead text: each key is written in full in the code
    ("cli.wrote"), or its last part is ("play") in a module that makes the key
    from a prefix (f"control.{name}")."""
    modules = [p for package in ("autodiff", "nn") for p in (ROOT / package).rglob("*.py")
               if p.name != "messages.py"]
    found = [_strings_and_prefixes(p) for p in modules]
    unused = []
    for key in CATALOGUES["en"]:
        head, _, rest = key.rpartition(".")
        used = any(key in constants or (head and f"{head}." in prefixes and rest in constants)
                   for constants, prefixes in found)
        if not used:
            unused.append(key)
    assert not unused, f"catalogue keys no code uses: {unused}"
