"""What goes on a ticket, decided once and independently of any printer.

Pure but for reading the ticket's words from its catalog (printer/locale/ticket.pot and a
.po per language) once: no clock. The caller passes the time of issue as an aware datetime in
the office's timezone; everything is formatted to strings here so that every renderer
(ESC/POS raster, kanji mode, PNG preview) prints the same words.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from printer.catalog import load
from printer.languages import LANGUAGES, is_japanese

WEEKDAYS_JA = "月火水木金土日"

# (first day, era name); newest first. Only eras a ticket could be issued in.
ERAS: tuple[tuple[date, str], ...] = (
    (date(2019, 5, 1), "令和"),
    (date(1989, 1, 8), "平成"),
)


@dataclass(frozen=True)
class TicketLayout:
    """A ticket's content as printable strings, top to bottom."""

    office: str
    area: str  # area name and floor, e.g. "戸籍住民課 2F"
    service: str  # in Japanese
    service_local: str | None  # in the visitor's language; None when that is Japanese
    number: str  # e.g. "B-012", printed very large
    lines: tuple[str, ...]  # people ahead and estimated wait, in Japanese
    lines_local: tuple[str, ...]  # the same in the visitor's language (empty for ja)
    issued: str  # e.g. "2026年11月25日(水) 9:05"
    qr_url: str
    qr_hint: str  # in the visitor's language
    instruction: str  # in the visitor's language
    lang: str


def build_layout(
    *,
    office: str,
    area: str,
    floor: str,
    service: str,
    service_local: str | None,
    number: str,
    people_ahead: int,
    estimate_min: tuple[int, int] | None,
    issued_at: datetime,
    url: str,
    lang: str = "ja",
    era: bool = False,
) -> TicketLayout:
    """Lay out a ticket from plain data; raise ValueError on data a ticket cannot carry."""
    if lang not in LANGUAGES:
        raise ValueError(f"unknown ticket language {lang!r}; expected one of {LANGUAGES}")
    if people_ahead < 0:
        raise ValueError(f"people_ahead must be >= 0, got {people_ahead}")
    if not url.startswith(("https://", "http://")):
        raise ValueError(f"the QR code URL must be http(s), got {url!r}")
    local = () if lang == "ja" else _wait_lines(lang, people_ahead, estimate_min)
    return TicketLayout(
        office=office,
        area=f"{area} {floor}".strip(),
        service=service,
        service_local=None if is_japanese(lang) or not service_local else service_local,
        number=number,
        lines=_wait_lines("ja", people_ahead, estimate_min),
        lines_local=local,
        issued=format_issued(issued_at, era=era),
        qr_url=url,
        qr_hint=message("qr", lang),
        instruction=message("instruction", lang),
        lang=lang,
    )


def message(key: str, lang: str, **fields: object) -> str:
    """One of the ticket's phrases; placeholders: ``{n}`` people ahead, ``{lo}``/``{hi}``
    minutes."""
    return load("printer", "ticket").text(lang, key, **fields)


def _wait_lines(lang: str, ahead: int, estimate: tuple[int, int] | None) -> tuple[str, ...]:
    lines = [message("ahead", lang, n=ahead)]
    if estimate is not None:
        lo, hi = estimate
        if lo < 0 or hi < lo:
            raise ValueError(f"estimate must be (min, max) with 0 <= min <= max, got {estimate}")
        key = "estimate_one" if lo == hi else "estimate"
        lines.append(message(key, lang, lo=lo, hi=hi))
    return tuple(lines)


def format_issued(at: datetime, *, era: bool = False) -> str:
    """``2026年11月25日(水) 9:05``, or ``令和8年11月25日(水) 9:05`` with ``era``."""
    if at.tzinfo is None or at.utcoffset() is None:
        raise ValueError("the time of issue must be an aware datetime (office timezone)")
    year = _era_year(at.date()) if era else f"{at.year}年"
    weekday = WEEKDAYS_JA[at.weekday()]
    return f"{year}{at.month}月{at.day}日({weekday}) {at.hour}:{at.minute:02d}"


def _era_year(day: date) -> str:
    for start, name in ERAS:
        if day >= start:
            n = day.year - start.year + 1
            return f"{name}{'元' if n == 1 else n}年"
    return f"{day.year}年"
