from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest

from printer.catalog import load
from printer.languages import LANGUAGES
from printer.layout import build_layout, format_issued

TOKYO = ZoneInfo("Asia/Tokyo")


def layout(**overrides: object):  # type: ignore[no-untyped-def]
    data: dict[str, object] = dict(
        office="中野区役所",
        area="戸籍住民課",
        floor="2F",
        service="住民票・印鑑証明・戸籍証明の発行",
        service_local="Certificates",
        number="B-012",
        people_ahead=7,
        estimate_min=(20, 30),
        issued_at=datetime(2026, 11, 25, 9, 5, tzinfo=TOKYO),
        url="https://madoguchi.example/t/abc",
        lang="en",
    )
    data.update(overrides)
    return build_layout(**data)  # type: ignore[arg-type]


def test_time_of_issue_is_printed_with_japanese_date_and_weekday() -> None:
    assert format_issued(datetime(2026, 11, 25, 9, 5, tzinfo=TOKYO)) == "2026年11月25日(水) 9:05"


def test_time_of_issue_can_use_the_japanese_era() -> None:
    at = datetime(2026, 11, 25, 14, 30, tzinfo=TOKYO)
    assert format_issued(at, era=True) == "令和8年11月25日(水) 14:30"
    assert format_issued(datetime(2019, 5, 1, 9, 0, tzinfo=TOKYO), era=True).startswith("令和元年")


def test_a_naive_time_of_issue_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        format_issued(datetime(2026, 11, 25, 9, 5))


def test_time_of_issue_is_printed_in_its_own_timezone() -> None:
    utc = datetime(2026, 11, 25, 0, 5, tzinfo=UTC)
    assert format_issued(utc.astimezone(TOKYO)).endswith("9:05")
    assert format_issued(utc.astimezone(timezone(timedelta(hours=0)))).endswith("0:05")


def test_layout_carries_japanese_and_visitor_language_lines() -> None:
    t = layout()
    assert t.area == "戸籍住民課 2F"
    assert t.lines == ("お待ちの方 7人", "待ち時間の目安 約20〜30分")
    assert t.lines_local == ("People ahead of you: 7", "Estimated wait: about 20–30 min")
    assert t.instruction == "Please wait until your number is called"
    assert t.service_local == "Certificates"


def test_japanese_visitor_gets_no_duplicate_lines() -> None:
    t = layout(lang="ja")
    assert t.lines_local == ()
    assert t.service_local is None
    assert t.instruction == "番号が呼ばれるまでお待ちください"


def test_easy_japanese_visitor_gets_easy_japanese_lines() -> None:
    t = layout(lang="ja-easy")
    assert t.instruction == "ばんごうを よぶまで まって ください"
    assert t.lines_local[0] == "まえに まっている ひと 7にん"


def test_unknown_estimate_prints_only_people_ahead() -> None:
    assert layout(estimate_min=None, lang="ja").lines == ("お待ちの方 7人",)


def test_equal_estimate_bounds_print_one_number() -> None:
    assert layout(estimate_min=(5, 5), lang="ja").lines[1] == "待ち時間の目安 約5分"


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("lang", "fr", "unknown ticket language"),
        ("people_ahead", -1, "people_ahead"),
        ("estimate_min", (30, 20), "estimate"),
        ("url", "javascript:alert(1)", "http"),
    ],
)
def test_bad_data_is_refused_with_a_clear_message(field: str, value: object, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        layout(**{field: value})


def test_every_ticket_phrase_exists_in_every_language() -> None:
    words = load("printer", "ticket").words
    assert set(words) == set(LANGUAGES)
    for texts in words.values():
        assert set(texts) == {"instruction", "ahead", "estimate", "estimate_one", "qr"}
        assert all(text.strip() for text in texts.values())
