"""The visitor pages' words in the language a request asks for.

The words are the "visitor" gettext catalog (``locale/visitor.pot``, the Japanese, and a
``.po`` per other language), looked up by key; names that belong to the office (services,
areas) come from its TOML file, per language, with the views."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Final

from starlette.requests import Request

from printer.catalog import load
from printer.languages import LANGUAGES, html_lang

HERE = Path(__file__).resolve().parent
COOKIE: Final = "madoguchi_lang"
COOKIE_MAX_AGE_S: Final = 365 * 24 * 3600


class Text:
    """The messages of one language: ``text("estimate", lo=5, hi=10)``. The templates call
    it as ``_("estimate", lo=5, hi=10)`` through Jinja2's i18n extension."""

    def __init__(self, lang: str) -> None:
        self.lang = lang if lang in LANGUAGES else "ja"
        self.messages = load("server.web", "visitor").messages(self.lang)

    @property
    def html_lang(self) -> str:
        return html_lang(self.lang)

    def __call__(self, key: str, **fields: object) -> str:
        text = self.messages[key]
        for name, value in fields.items():
            text = text.replace("{" + name + "}", str(value))
        return text

    def named(self, names: Mapping[str, str]) -> str:
        """An office name in this language, else in Japanese."""
        return names.get(self.lang) or names.get("ja") or next(iter(names.values()), "")

    def weekday(self, index: int) -> str:
        return self.messages["weekdays"].split(",")[index]


def from_accept_language(header: str) -> str | None:
    """The first of our languages the browser accepts, by its q-values (`zh-TW` is `zh`)."""
    ranked = []
    for order, part in enumerate(header.split(",")):
        tag, _, params = part.strip().partition(";")
        q = 1.0
        if params.strip().startswith("q="):
            try:
                q = float(params.strip()[2:])
            except ValueError:
                q = 0.0
        if tag and q > 0:
            ranked.append((-q, order, tag.strip().lower()))
    for _, _, tag in sorted(ranked):
        base = tag.split("-")[0]
        if base in LANGUAGES:
            return base
    return None


def choose(request: Request, default: str | None = None) -> tuple[str, bool]:
    """The page's language and whether it was switched now (to remember it): ``?lang=``,
    then the remembered switch, then ``default`` (a ticket's own language), then the
    browser's languages, then Japanese."""
    asked = request.query_params.get("lang")
    if asked in LANGUAGES:
        return asked, True
    if default in LANGUAGES:
        return default, False
    kept = request.cookies.get(COOKIE)
    if kept in LANGUAGES:
        return kept, False
    return from_accept_language(request.headers.get("accept-language", "")) or "ja", False
