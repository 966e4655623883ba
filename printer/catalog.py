"""Words from gettext catalogs, read with Babel when first asked for.

A domain's words live beside its code, in the package's ``locale/`` folder:

- ``{domain}.pot``, the template: every message once, its key as ``msgctxt`` and its
  Japanese source text as ``msgid``. Japanese is shown from here.
- ``{catalog}/LC_MESSAGES/{domain}.po``, one per other language (``ja@easy/``, ``en/``, …).

The code and the pages' scripts ask for a message by its key (``"ahead"``); a translator sees
the Japanese with the key as its context, in Poedit or Weblate. The ``.po`` files are read as
they are, without compiling them to ``.mo``, so a fresh ``pip install -e .`` runs as it is.
Like printer/languages.py, this lives in the printer package so every part may import it.
"""

from __future__ import annotations

import dataclasses
from functools import cache
from importlib import resources
from importlib.resources.abc import Traversable

from babel.messages.pofile import read_po

from printer.languages import BY_CODE, SOURCE, is_japanese


class CatalogError(ValueError):
    """A catalog that would show a key or a blank instead of words."""


@dataclasses.dataclass(frozen=True)
class Catalog:
    domain: str
    words: dict[str, dict[str, str]]  # language -> key -> text, keys in the template's order

    def messages(self, lang: str) -> dict[str, str]:
        """The words in ``lang``. A domain without that language (the forms have Japanese
        and English only) answers a reader of Japanese in Japanese, anyone else in English."""
        if lang in self.words:
            return self.words[lang]
        return self.words[SOURCE if is_japanese(lang) or "en" not in self.words else "en"]

    def text(self, lang: str, key: str, **fields: object) -> str:
        """The message ``key`` in ``lang`` with its ``{placeholders}`` filled in."""
        return self.messages(lang)[key].format(**fields)


@cache
def load(package: str, domain: str) -> Catalog:
    """The catalog ``domain`` of ``package`` (e.g. ``load("kiosk", "kiosk")``), read once."""
    return read_catalog(resources.files(package) / "locale", domain)


def read_catalog(folder: Traversable, domain: str) -> Catalog:
    """The template and each language's ``.po`` found in ``folder``. A translation missing
    for a key raises CatalogError here rather than leave a blank on a visitor's screen; a
    fuzzy one (its Japanese changed since) is still shown until a translator reviews it."""
    template = folder / f"{domain}.pot"
    source = _read(template)
    words = {SOURCE: {key: msgid for key, (msgid, _) in source.items()}}
    for lang in BY_CODE.values():
        path = folder / lang.catalog / "LC_MESSAGES" / f"{domain}.po"
        if lang.code == SOURCE or not path.is_file():
            continue
        found = _read(path)
        texts = {key: found.get(key, ("", ""))[1] for key in source}
        missing = [key for key, text in texts.items() if not text]
        if missing:
            raise CatalogError(f"{path}: no {lang.code} words for {', '.join(missing)}")
        words[lang.code] = texts
    return Catalog(domain, words)


def _read(path: Traversable) -> dict[str, tuple[str, str]]:
    """key -> (msgid, msgstr), in the file's order."""
    with path.open("rb") as f:
        catalog = read_po(f)
    found: dict[str, tuple[str, str]] = {}
    for message in catalog:
        if not message.id:
            continue  # the header
        if not message.context:
            raise CatalogError(f"{path}: {message.id!r} has no key (msgctxt)")
        if message.context in found:
            raise CatalogError(f"{path}: the key {message.context!r} is used twice")
        found[message.context] = (str(message.id), str(message.string))
    return found
