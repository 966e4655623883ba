"""Japanese input as Japanese users type it (pure): katakana readings, full-/half-width,
dates in western years or eras (昭和/平成/令和), postal codes and phone numbers.

Each function answers the normalised value or raises ``Problem`` with a message key and its
parameters; the caller words it in the visitor's language.
"""

from __future__ import annotations

import calendar
import re
import unicodedata
from datetime import date
from typing import Any, NamedTuple

import jaconv


class Problem(Exception):
    def __init__(self, key: str, **params: Any) -> None:
        super().__init__(key)
        self.key, self.params = key, params


class Era(NamedTuple):
    name: str  # 令和
    letter: str  # R
    roman: str  # Reiwa
    start: date


# Newest first. Each era ends the day before the next one starts.
ERAS = (
    Era("令和", "R", "Reiwa", date(2019, 5, 1)),
    Era("平成", "H", "Heisei", date(1989, 1, 8)),
    Era("昭和", "S", "Showa", date(1926, 12, 25)),
    Era("大正", "T", "Taisho", date(1912, 7, 30)),
    Era("明治", "M", "Meiji", date(1868, 1, 25)),
)
_ERA_BY_KEY = {**{e.name: e for e in ERAS}, **{e.letter: e for e in ERAS}}
_SEP = r"\s*[-/.年]\s*"
_SEP2 = r"\s*[-/.月]\s*"
# re.ASCII: \d is 0-9 only, not every script's digits ("٠٠٠٠-٠١-٠١" is not a date here).
_WESTERN = re.compile(rf"(\d{{4}}){_SEP}(\d{{1,2}}){_SEP2}(\d{{1,2}})\s*日?", re.ASCII)
_COMPACT = re.compile(r"(\d{4})(\d{2})(\d{2})", re.ASCII)
_ERA = re.compile(
    rf"(明治|大正|昭和|平成|令和|[MTSHR])\s*(\d{{1,2}}|元){_SEP}(\d{{1,2}}){_SEP2}(\d{{1,2}})\s*日?",
    re.ASCII,
)
_KATAKANA = re.compile(r"[\u30a1-\u30fa\u30fc\u30fb\u30fd\u30fe\u3000]+")
_KANJI = re.compile(r"[\u4e00-\u9fff\u3400-\u4dbf々〆]")


def era_end(era: Era) -> date:
    index = ERAS.index(era)
    if index == 0:
        return date.max
    following = ERAS[index - 1].start
    return date.fromordinal(following.toordinal() - 1)


def era_last_year(era: Era) -> int | None:
    end = era_end(era)
    return None if end == date.max else end.year - era.start.year + 1


def to_era(day: date) -> str:
    """1985-04-01 -> 昭和60年4月1日 (元年 for the first year)."""
    for era in ERAS:
        if era.start <= day <= era_end(era):
            year = day.year - era.start.year + 1
            return f"{era.name}{'元' if year == 1 else year}年{day.month}月{day.day}日"
    return f"{day.year}年{day.month}月{day.day}日"


def _half(value: str) -> str:
    return jaconv.z2h(value, kana=False, ascii=True, digit=True).strip()


def parse_date(value: str) -> date:
    """``1985-04-01``, ``1985/4/1``, ``1985年4月1日``, ``19850401``, ``昭和60年4月1日``,
    ``S60.4.1``, ``平成元年1月8日`` -> a date; 令和0年, 昭和65年, 2月30日 are problems."""
    text = _half(value).upper()
    found = _WESTERN.fullmatch(text) or _COMPACT.fullmatch(text)
    if found:
        return _day(int(found[1]), int(found[2]), int(found[3]))
    found = _ERA.fullmatch(text)
    if not found:
        raise Problem("date_format")
    era = _ERA_BY_KEY[found[1]]
    year = 1 if found[2] == "元" else int(found[2])
    if year == 0:
        raise Problem("era_year_zero", era=era.name, era_en=era.roman)
    last = era_last_year(era)
    if last is not None and year > last:
        raise Problem("era_year_range", era=era.name, era_en=era.roman, year=year, last=last)
    day = _day(era.start.year + year - 1, int(found[3]), int(found[4]))
    if not era.start <= day <= era_end(era):
        end = era_end(era)
        raise Problem(
            "era_range",
            era=era.name,
            era_en=era.roman,
            start=era.start.isoformat(),
            end="" if end == date.max else end.isoformat(),
        )
    return day


def _day(year: int, month: int, day: int) -> date:
    if not 1 <= year <= 9999:  # what a date can hold: year 0 is no year
        raise Problem("date_format")
    if not 1 <= month <= 12:
        raise Problem("no_such_month", month=month)
    if not 1 <= day <= calendar.monthrange(year, month)[1]:
        raise Problem("no_such_day", month=month, day=day)
    return date(year, month, day)


def normalise_text(value: str) -> str:
    """Full-width letters and digits to half-width, half-width katakana to full-width (NFKC),
    runs of spaces to one."""
    return re.sub(r"\s+", " ", unicodedata.normalize("NFKC", value)).strip()


def normalise_kana(value: str) -> str:
    """A reading in katakana: hiragana and half-width katakana are converted; the space
    between family and given names is a full-width space."""
    text = jaconv.hira2kata(unicodedata.normalize("NFKC", value))
    text = re.sub(r"\s+", "\u3000", text.strip())
    if not text:
        return text
    if not _KATAKANA.fullmatch(text):
        raise Problem("kana_kanji" if _KANJI.search(text) else "kana")
    return text


def normalise_postal_code(value: str) -> str:
    """``1648501``, ``164-8501``, ``〒１６４－８５０１`` -> ``164-8501``."""
    digits = re.sub(r"[\s〒\-‐−―ー]", "", _half(unicodedata.normalize("NFKC", value)))
    if not re.fullmatch(r"\d{7}", digits):
        raise Problem("postal_format")
    return f"{digits[:3]}-{digits[3:]}"


def normalise_phone(value: str) -> str:
    """With or without hyphens, brackets or full-width digits: 10 or 11 digits starting
    with 0. Mobile numbers are answered as 090-1234-5678, others as digits alone (area
    codes differ in length)."""
    digits = re.sub(r"[\s\-‐−―ー()（）]", "", _half(unicodedata.normalize("NFKC", value)))
    if not re.fullmatch(r"0\d{9,10}", digits):
        raise Problem("phone")
    if len(digits) == 11 and digits[:3] in ("070", "080", "090", "050"):
        return f"{digits[:3]}-{digits[3:7]}-{digits[7:]}"
    return digits
