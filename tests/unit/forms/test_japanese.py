"""Japanese input as typed: era dates, katakana readings, widths, postal codes, phones."""

from __future__ import annotations

from datetime import date

import pytest

from server.forms.japanese import (
    Problem,
    normalise_kana,
    normalise_phone,
    normalise_postal_code,
    normalise_text,
    parse_date,
    to_era,
)


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("1985-04-01", date(1985, 4, 1)),
        ("1985/4/1", date(1985, 4, 1)),
        ("1985年4月1日", date(1985, 4, 1)),
        ("19850401", date(1985, 4, 1)),
        ("昭和60年4月1日", date(1985, 4, 1)),
        ("S60.4.1", date(1985, 4, 1)),
        ("s60/4/1", date(1985, 4, 1)),
        ("Ｓ６０．４．１", date(1985, 4, 1)),
        ("平成元年1月8日", date(1989, 1, 8)),
        ("H31.4.30", date(2019, 4, 30)),
        ("令和元年5月1日", date(2019, 5, 1)),
        ("R8.11.20", date(2026, 11, 20)),
        ("昭和64年1月7日", date(1989, 1, 7)),
    ],
)
def test_dates_are_read_in_western_years_and_eras(typed: str, day: date) -> None:
    assert parse_date(typed) == day


@pytest.mark.parametrize(
    ("typed", "key"),
    [
        ("令和0年5月1日", "era_year_zero"),
        ("昭和65年1月1日", "era_year_range"),
        ("H32.1.1", "era_year_range"),
        ("令和1年4月1日", "era_range"),  # Reiwa began on 1 May 2019
        ("昭和64年1月8日", "era_range"),  # the first day of Heisei
        ("2023年2月30日", "no_such_day"),
        ("2023-13-01", "no_such_month"),
        ("H1.2.29", "no_such_day"),
        ("yesterday", "date_format"),
        ("昭和六十年", "date_format"),
        ("0000-01-01", "date_format"),  # year 0: no date holds it (was a 500)
        ("00000229", "date_format"),
        ("٠٠٠٠-٠١-٠١", "date_format"),  # Arabic-Indic digits are not read as digits
        ("١٩٨٥-٠٤-٠١", "date_format"),
        ("S٦٠.٤.١", "date_format"),
    ],
)
def test_impossible_dates_are_problems(typed: str, key: str) -> None:
    with pytest.raises(Problem) as found:
        parse_date(typed)
    assert found.value.key == key


def test_dates_are_written_back_in_the_era() -> None:
    assert to_era(date(1985, 4, 1)) == "昭和60年4月1日"
    assert to_era(date(2019, 5, 1)) == "令和元年5月1日"


@pytest.mark.parametrize(
    ("typed", "kana"),
    [
        ("なかの たろう", "ナカノ\u3000タロウ"),
        ("ﾅｶﾉ ﾀﾛｳ", "ナカノ\u3000タロウ"),
        ("ナカノ　　タロウ", "ナカノ\u3000タロウ"),
        ("ゔぃえっと", "ヴィエット"),
        ("スズキ・ジョン", "スズキ・ジョン"),
    ],
)
def test_readings_become_katakana(typed: str, kana: str) -> None:
    assert normalise_kana(typed) == kana


@pytest.mark.parametrize(("typed", "key"), [("中野たろう", "kana_kanji"), ("nakano", "kana")])
def test_readings_with_kanji_or_letters_are_problems(typed: str, key: str) -> None:
    with pytest.raises(Problem) as found:
        normalise_kana(typed)
    assert found.value.key == key


def test_text_is_width_normalised() -> None:
    assert (
        normalise_text("  中野区中野４丁目１１番１９号　ＡＢＣ  ") == "中野区中野4丁目11番19号 ABC"
    )


@pytest.mark.parametrize("typed", ["1648501", "164-8501", "〒１６４－８５０１", "164 8501"])
def test_postal_codes_with_or_without_hyphens(typed: str) -> None:
    assert normalise_postal_code(typed) == "164-8501"


@pytest.mark.parametrize(
    ("typed", "phone"),
    [
        ("09012345678", "090-1234-5678"),
        ("090-1234-5678", "090-1234-5678"),
        ("０９０－１２３４－５６７８", "090-1234-5678"),
        ("03-3389-1111", "0333891111"),
        ("(03)3389-1111", "0333891111"),
    ],
)
def test_phones_with_or_without_hyphens(typed: str, phone: str) -> None:
    assert normalise_phone(typed) == phone


@pytest.mark.parametrize("typed", ["12", "3389-1111", "090-1234-56789", "abc"])
def test_bad_phones_are_problems(typed: str) -> None:
    with pytest.raises(Problem):
        normalise_phone(typed)
