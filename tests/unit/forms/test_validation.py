"""Validation of every field type against the demo office's forms, with errors that name the
field in Japanese and in English; what is valid is kept."""

from __future__ import annotations

from datetime import date
from typing import Any

import pytest

from server.forms.definitions import FormDefinitionError, parse_forms
from server.forms.validation import validate
from server.office_file import load_forms

TODAY = date(2026, 11, 25)
FORMS = load_forms()
MOVING, CERTIFICATES = FORMS["moving"], FORMS["certificates"]


def errors(form: Any, values: dict[str, Any], lang: str) -> dict[str, str]:
    outcome = validate(form, values, lang, TODAY, complete=False)
    return {e["field"]: e["message"] for e in outcome.errors}


@pytest.mark.parametrize(
    ("form", "field", "typed", "ja", "en"),
    [
        (MOVING, "kind", "sideways", ["届出の種類", "選択肢"], ["Kind of move", "choose"]),
        (MOVING, "moved_on", "2026年2月30日", ["異動日", "2月30日"], ["Date of the move", "no day 30 in month 2"]),
        (MOVING, "birth_date", "令和0年1月1日", ["生年月日", "令和0年"], ["Date of birth", "year 0 of Reiwa"]),
        (MOVING, "birth_date", "昭和70年1月1日", ["生年月日", "昭和70年"], ["Date of birth", "year 70"]),
        (MOVING, "birth_date", "2030-01-01", ["生年月日", "今日より後"], ["Date of birth", "later than today"]),
        (MOVING, "name_kana", "中野たろう", ["フリガナ", "漢字"], ["Reading of the name", "kanji"]),
        (MOVING, "new_postal_code", "0000000", ["新住所の郵便番号", "見つかりません"], ["Postal code of the new address", "not known"]),
        (MOVING, "old_postal_code", "16485", ["前住所の郵便番号", "7桁"], ["Postal code of the previous", "7 digits"]),
        (MOVING, "phone", "090-12", ["日中の電話番号", "10桁か11桁"], ["Daytime phone number", "10 or 11 digits"]),
        (MOVING, "name", "あ" * 61, ["氏名", "60文字"], ["Full name", "60 characters"]),
        (CERTIFICATES, "copies", "11", ["通数", "1から10"], ["Number of copies", "from 1 to 10"]),
        (CERTIFICATES, "copies", "many", ["通数"], ["Number of copies"]),
    ],
)  # fmt: skip
def test_each_field_type_names_the_field_and_the_problem(
    form: Any, field: str, typed: str, ja: list[str], en: list[str]
) -> None:
    for lang, words in (("ja", ja), ("en", en), ("vi", en), ("ja-easy", ja)):
        found = errors(form, {field: typed}, lang)
        assert set(found) == {field}, (lang, found)
        for word in words:
            assert word in found[field], (lang, word, found[field])


def test_members_are_checked_item_by_item_and_named_by_their_place() -> None:
    members = [
        {"name": "中野 花子", "name_kana": "なかの はなこ", "birth_date": "H2.2.30", "relationship": "spouse"},
        {"name": "", "name_kana": "", "birth_date": "", "relationship": ""},  # an empty row: dropped
        {"name": "中野 次郎", "name_kana": "ジロウ", "birth_date": "R2.4.1", "relationship": "child"},
    ]  # fmt: skip
    outcome = validate(MOVING, {"members": members}, "ja", TODAY, complete=False)
    assert [e["field"] for e in outcome.errors] == ["members[0].birth_date"]
    assert "一緒に異動する人（1人目）の生年月日" in outcome.errors[0]["message"]
    assert outcome.values["members"] == [
        {"name": "中野 花子", "name_kana": "ナカノ\u3000ハナコ", "relationship": "spouse"},
        {"name": "中野 次郎", "name_kana": "ジロウ", "birth_date": "2020-04-01", "relationship": "child"},
    ]  # fmt: skip
    en = validate(MOVING, {"members": members}, "en", TODAY, complete=False)
    assert "Others moving with you #1: Date of birth" in en.errors[0]["message"]


def test_required_fields_are_errors_only_when_the_form_is_submitted() -> None:
    saved = validate(CERTIFICATES, {"copies": "２"}, "ja", TODAY, complete=False)
    assert saved.ok and saved.values == {"copies": 2}
    assert {"certificate", "whom", "name", "birth_date", "address", "purpose"} <= set(saved.missing)
    submitted = validate(CERTIFICATES, {"copies": "2"}, "en", TODAY, complete=True)
    assert {e["field"] for e in submitted.errors} == set(saved.missing)
    assert "Certificate: please fill this in." in [e["message"] for e in submitted.errors]


def test_a_postal_code_fills_an_empty_address_and_unknown_fields_are_refused() -> None:
    outcome = validate(
        MOVING, {"new_postal_code": "1640001", "surname": "x"}, "en", TODAY, complete=False
    )
    assert outcome.values["new_address"] == "東京都中野区中野"
    assert [e["field"] for e in outcome.errors] == ["surname"]
    kept = validate(
        MOVING, {"new_postal_code": "1640001", "new_address": "東京都中野区中野1-2-3"}, "ja", TODAY
    )
    assert kept.values["new_address"] == "東京都中野区中野1-2-3"


def test_a_form_definition_names_its_mistakes() -> None:
    bad = [{"service": "moving", "titles": {"ja": "x"}, "fields": [{"id": "a", "type": "colour", "labels": {"ja": "a"}}]}]  # fmt: skip
    with pytest.raises(FormDefinitionError, match=r"forms\[0\].fields\[0\].type"):
        parse_forms(bad, {"moving"})
    with pytest.raises(FormDefinitionError, match="unknown service"):
        parse_forms([{"service": "nothing", "titles": {"ja": "x"}}], {"moving"})
