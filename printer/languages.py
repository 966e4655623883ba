"""The languages madoguchi speaks and what each is called: the one list every part asks.

It lives in the printer package because that is the one package every other part may
import: the server and the kiosk agent already use ``printer`` as a library, the display may,
and import-linter forbids the kiosk, display and printer from importing the server. It
imports nothing of the project, so it adds no cycle. (The domain does not need it: there a
ticket's language is a plain code, checked at the API's edge.)
"""

from __future__ import annotations

import dataclasses
from typing import Final


@dataclasses.dataclass(frozen=True, slots=True)
class Language:
    code: str  # ours, in addresses, tickets and the API: "ja-easy"
    name: str  # in itself, as the kiosk's language buttons show it
    plain_name: str  # in itself, as the visitor pages' switcher shows it (Easy Japanese in kana)
    name_ja: str  # in Japanese, for staff
    html: str  # the lang attribute: screen readers pick their voice and browsers a font by it
    speech: str  # the locale of the browser voice that reads it aloud
    catalog: str  # its gettext catalogs' directory: a variant is written the gettext way

    @property
    def staff_name(self) -> str:
        """How the counter app names it: in itself, then in Japanese unless that is the same."""
        return self.name if self.name == self.name_ja else f"{self.name} {self.name_ja}"


# In the order every screen offers them. Japanese first: it is the source language of
# every catalog and the language each screen starts in.
BY_CODE: Final[dict[str, Language]] = {
    lang.code: lang
    for lang in (
        Language("ja", "日本語", "日本語", "日本語", "ja", "ja-JP", "ja"),
        Language(
            "ja-easy",
            "やさしい日本語",
            "やさしい にほんご",
            "やさしい日本語",
            "ja",
            "ja-JP",
            "ja@easy",
        ),
        Language("en", "English", "English", "英語", "en", "en-US", "en"),
        Language("zh", "中文", "中文", "中国語", "zh", "zh-CN", "zh"),
        Language("ko", "한국어", "한국어", "韓国語", "ko", "ko-KR", "ko"),
        Language("vi", "Tiếng Việt", "Tiếng Việt", "ベトナム語", "vi", "vi-VN", "vi"),
        Language("ne", "नेपाली", "नेपाली", "ネパール語", "ne", "ne-NP", "ne"),
    )
}
LANGUAGES: Final = tuple(BY_CODE)  # the codes
SOURCE: Final = "ja"  # the language the words are written in first


def language(code: str) -> Language:
    """The language ``code``; an unknown one raises ValueError naming the known ones."""
    try:
        return BY_CODE[code]
    except KeyError:
        raise ValueError(f"language {code!r}: expected one of {', '.join(LANGUAGES)}") from None


def is_japanese(code: str) -> bool:
    """Japanese or a variant of it (Easy Japanese; a browser's ``ja-JP``): someone who reads
    Japanese script, and words in Japanese where a text has no words of its own for them."""
    return code.partition("-")[0] == "ja"


def html_lang(code: str) -> str:
    """The lang attribute for ``code`` (Easy Japanese is Japanese to a screen reader)."""
    found = BY_CODE.get(code)
    return found.html if found else code
