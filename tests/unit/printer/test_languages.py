"""The one list of languages and their names (printer/languages.py)."""

from __future__ import annotations

import pytest

from printer.languages import BY_CODE, LANGUAGES, html_lang, is_japanese, language


def test_the_languages_are_offered_japanese_first_in_a_fixed_order() -> None:
    assert LANGUAGES == ("ja", "ja-easy", "en", "zh", "ko", "vi", "ne")


def test_staff_see_each_language_in_itself_and_in_japanese() -> None:
    names = {code: lang.staff_name for code, lang in BY_CODE.items()}
    assert names == {
        "ja": "日本語",
        "ja-easy": "やさしい日本語",
        "en": "English 英語",
        "zh": "中文 中国語",
        "ko": "한국어 韓国語",
        "vi": "Tiếng Việt ベトナム語",
        "ne": "नेपाली ネパール語",
    }


def test_easy_japanese_is_japanese_to_a_screen_reader_and_a_variant_to_gettext() -> None:
    easy = language("ja-easy")
    assert (easy.html, easy.speech, easy.catalog) == ("ja", "ja-JP", "ja@easy")
    assert html_lang("ja-easy") == "ja" and html_lang("en") == "en"
    assert [code for code in LANGUAGES if is_japanese(code)] == ["ja", "ja-easy"]
    assert is_japanese("ja-JP") and not is_japanese("jv")


def test_an_unknown_language_is_refused_naming_the_known_ones() -> None:
    with pytest.raises(ValueError, match="'xx': expected one of ja, ja-easy, en"):
        language("xx")
