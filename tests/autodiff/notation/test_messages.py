"""The message catalogues: complete in every language, the same placeholders."""

from __future__ import annotations

import pytest

from autodiff.notation.messages import CATALOGUES, LANGUAGES, check_lang, placeholders, say


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
