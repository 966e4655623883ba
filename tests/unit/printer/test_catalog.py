"""The gettext catalogs (printer/catalog.py): how they are read, and that every catalog of
every domain has every message, with the same placeholders."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from babel.messages.catalog import Message
from babel.messages.pofile import read_po

from printer.catalog import CatalogError, read_catalog
from printer.languages import BY_CODE, LANGUAGES

ROOT = Path(__file__).resolve().parents[3]
TEMPLATES = sorted(
    path for pattern in ("*/locale/*.pot", "server/*/locale/*.pot") for path in ROOT.glob(pattern)
)
# The forms' words need only Japanese and English: a language without them reads English.
PARTIAL = {"form": {"ja", "en"}, "validation": {"ja", "en"}}
PLACEHOLDER = re.compile(r"\{(\w+)\}")
FIELDS_NOTE = "fields:"


def test_every_domain_is_found() -> None:
    found = {path.stem for path in TEMPLATES}
    assert found == {"kiosk", "display", "announce", "ticket", "visitor", "form", "validation"}


def messages(path: Path) -> list[Message]:
    with path.open("rb") as f:
        return [m for m in read_po(f) if m.id]


def placeholders(text: str) -> set[str]:
    return set(PLACEHOLDER.findall(text))


def allowed_fields(message: Message) -> set[str] | None:
    """The fields a "#. fields: {a} {b}" note declares, when a message's translations may
    use others than its msgid (English names an era in Latin letters: {era_en})."""
    for comment in message.auto_comments:
        if comment.startswith(FIELDS_NOTE):
            return placeholders(comment)
    return None


@pytest.mark.parametrize("template", TEMPLATES, ids=lambda p: p.stem)
def test_every_language_has_every_message_with_its_placeholders(template: Path) -> None:
    domain, folder = template.stem, template.parent
    source = {m.context: m for m in messages(template)}
    assert all(source), f"{template}: a message without a key (msgctxt)"
    assert len(source) == len(messages(template)), f"{template}: a key used twice"
    assert not any(m.string for m in source.values()), f"{template}: a template has no msgstr"
    offered = {BY_CODE[code].catalog for code in LANGUAGES if code != "ja"}
    present = {p.parent.parent.name for p in folder.glob(f"*/LC_MESSAGES/{domain}.po")}
    assert present <= offered, f"{domain}: a catalog of no language we offer"
    required = {BY_CODE[code].catalog for code in PARTIAL.get(domain, LANGUAGES) if code != "ja"}
    assert required <= present, f"{domain}: no catalog for {required - present}"
    for catalog in sorted(present):
        po = folder / catalog / "LC_MESSAGES" / f"{domain}.po"
        translated = {m.context: m for m in messages(po)}
        assert translated.keys() == source.keys(), f"{po}: keys differ from the template"
        for key, message in translated.items():
            where = f"{po}: {key}"
            assert message.id == source[key].id, f"{where}: msgid differs from the template"
            assert message.string.strip(), f"{where}: not translated"
            assert not message.fuzzy, f"{where}: fuzzy (its Japanese changed): review it"
            fields = allowed_fields(source[key])
            if fields is None:
                assert placeholders(message.string) == placeholders(message.id), where
            else:
                assert placeholders(message.id) <= fields, f"{template}: {key}'s note"
                assert placeholders(message.string) <= fields, where


def write(path: Path, entries: list[tuple[str, str, str]]) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = "".join(
        f'\nmsgctxt "{key}"\nmsgid "{msgid}"\nmsgstr "{msgstr}"\n' for key, msgid, msgstr in entries
    )
    path.write_text('msgid ""\nmsgstr "Content-Type: text/plain; charset=utf-8\\n"\n' + body)


def test_japanese_comes_from_the_template_and_each_language_from_its_po(tmp_path: Path) -> None:
    write(tmp_path / "demo.pot", [("ahead", "前に {n}人", ""), ("done", "戻る", "")])
    write(
        tmp_path / "en/LC_MESSAGES/demo.po",
        [("ahead", "前に {n}人", "{n} ahead"), ("done", "戻る", "Back")],
    )
    write(tmp_path / "ja@easy/LC_MESSAGES/demo.po", [("ahead", "前に {n}人", "まえに {n}にん"), ("done", "戻る", "もどる")])  # fmt: skip
    catalog = read_catalog(tmp_path, "demo")
    assert list(catalog.words) == ["ja", "ja-easy", "en"]
    assert catalog.messages("ja") == {"ahead": "前に {n}人", "done": "戻る"}
    assert catalog.text("ja-easy", "ahead", n=3) == "まえに 3にん"
    assert catalog.text("en", "done") == "Back"
    # A language without a catalog here: Japanese readers read Japanese, others English.
    assert catalog.text("vi", "done") == "Back"
    assert catalog.text("ja-JP", "done") == "戻る"


def test_a_missing_translation_is_refused_naming_the_file_and_the_key(tmp_path: Path) -> None:
    write(tmp_path / "demo.pot", [("ahead", "前に {n}人", ""), ("done", "戻る", "")])
    write(tmp_path / "en/LC_MESSAGES/demo.po", [("ahead", "前に {n}人", "{n} ahead"), ("done", "戻る", "")])  # fmt: skip
    with pytest.raises(CatalogError, match=r"en/LC_MESSAGES/demo.po: no en words for done"):
        read_catalog(tmp_path, "demo")


def test_a_message_without_a_key_is_refused(tmp_path: Path) -> None:
    (tmp_path / "demo.pot").write_text('msgid ""\nmsgstr ""\n\nmsgid "戻る"\nmsgstr ""\n')
    with pytest.raises(CatalogError, match="has no key"):
        read_catalog(tmp_path, "demo")
