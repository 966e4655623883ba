"""Ticket numbers, business days in the office's timezone, and issuing hours and caps."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.calendar import business_day, is_business_day, next_business_day
from server.domain.errors import DailyCapReached, DomainError, IssuingClosed
from server.domain.issuing import Refusal, check, refusal
from server.domain.ticket import format_number
from server.office_file import load_office

OFFICE = load_office()
TOKYO = ZoneInfo("Asia/Tokyo")
MOVING = OFFICE.services["moving"]
HOLIDAYS = {date(2026, 11, 23), date(2026, 11, 3)}  # 勤労感謝の日, 文化の日


def is_holiday(day: date) -> bool:
    return day in HOLIDAYS


def no_holidays(day: date) -> bool:
    return False


def tokyo(year: int, month: int, day: int, hour: int = 10, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TOKYO)


# --- numbers ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("prefix", "seq", "number"),
    [("A", 1, "A-001"), ("A", 23, "A-023"), ("B", 999, "B-999"), ("A", 1000, "A-1000")],
)
def test_format_number_pads_to_three_digits_and_grows_a_digit_when_busy(prefix, seq, number):
    assert format_number(prefix, seq) == number


# --- business days ----------------------------------------------------------------------


def test_business_day_is_the_calendar_day_in_tokyo_not_utc():
    assert business_day(OFFICE, datetime(2026, 11, 24, 15, 30, tzinfo=UTC)) == date(2026, 11, 25)


@pytest.mark.parametrize(
    ("utc", "day"),
    [
        (datetime(2026, 11, 24, 14, 59, 59, tzinfo=UTC), date(2026, 11, 24)),
        (datetime(2026, 11, 24, 15, 0, 0, tzinfo=UTC), date(2026, 11, 25)),
        (datetime(2026, 11, 24, 23, 59, 59, tzinfo=UTC), date(2026, 11, 25)),
        (datetime(2026, 11, 25, 0, 0, 0, tzinfo=UTC), date(2026, 11, 25)),
    ],
)
def test_business_day_changes_at_tokyo_midnight(utc, day):
    assert business_day(OFFICE, utc) == day


def issue_numbers(times: list[datetime], service: str = "moving") -> list[str]:
    """Number tickets as the store does: one counter per (service, business day)."""
    last: dict[tuple[str, date], int] = {}
    numbers = []
    for at in times:
        key = (service, business_day(OFFICE, at))
        last[key] = last.get(key, 0) + 1
        numbers.append(format_number(OFFICE.services[service].prefix, last[key]))
    return numbers


def test_numbering_restarts_at_tokyo_midnight_not_utc_midnight():
    numbers = issue_numbers(
        [
            datetime(2026, 11, 24, 14, 50, tzinfo=UTC),  # 23:50 on the 24th in Tokyo
            datetime(2026, 11, 24, 15, 10, tzinfo=UTC),  # 00:10 on the 25th in Tokyo
            datetime(2026, 11, 24, 23, 50, tzinfo=UTC),  # 08:50 on the 25th
            datetime(2026, 11, 25, 0, 10, tzinfo=UTC),  # 09:10 on the 25th: UTC midnight passed
        ]
    )

    assert numbers == ["A-001", "A-001", "A-002", "A-003"]


@pytest.mark.parametrize("day", [date(2026, 11, 24), date(2026, 11, 25), date(2026, 12, 28)])
def test_weekdays_are_business_days(day):
    assert is_business_day(OFFICE, day, is_holiday)


@pytest.mark.parametrize("day", [date(2026, 11, 28), date(2026, 11, 29)])
def test_weekends_are_closed(day):
    assert not is_business_day(OFFICE, day, no_holidays)


@pytest.mark.parametrize(
    "day",
    [
        date(2026, 12, 29),
        date(2026, 12, 30),
        date(2026, 12, 31),
        date(2027, 1, 1),
        date(2027, 1, 2),
        date(2027, 1, 3),
        date(2030, 12, 30),  # every year, not only 2026
    ],
)
def test_the_year_end_closure_is_closed(day):
    assert not is_business_day(OFFICE, day, no_holidays)


def test_the_days_around_the_year_end_closure_are_open():
    assert is_business_day(OFFICE, date(2026, 12, 28), no_holidays)
    assert is_business_day(OFFICE, date(2027, 1, 4), no_holidays)


def test_holidays_come_from_the_predicate():
    monday = date(2026, 11, 23)

    assert not is_business_day(OFFICE, monday, is_holiday)
    assert is_business_day(OFFICE, monday, no_holidays)


def test_next_business_day_skips_the_year_end_closure():
    assert next_business_day(OFFICE, date(2026, 12, 28), no_holidays) == date(2027, 1, 4)


# --- issuing hours and caps -------------------------------------------------------------


def test_issuing_within_hours_on_a_business_day_is_allowed():
    now = tokyo(2026, 11, 25, 10)

    assert refusal(OFFICE, MOVING, now, 0, is_holiday) is None
    check(MOVING, refusal(OFFICE, MOVING, now, 0, is_holiday))  # does not raise


@pytest.mark.parametrize(
    ("now", "reason"),
    [
        (tokyo(2026, 11, 25, 8, 29), "not_yet_open"),
        (datetime(2026, 11, 24, 23, 0, tzinfo=UTC), "not_yet_open"),  # 08:00 in Tokyo
        (tokyo(2026, 11, 25, 16, 31), "after_cutoff"),
        (tokyo(2026, 11, 25, 23, 59), "after_cutoff"),
        (tokyo(2026, 11, 28, 10), "closed_day"),  # Saturday
        (tokyo(2026, 11, 23, 10), "closed_day"),  # holiday
        (tokyo(2026, 12, 30, 10), "closed_day"),  # year-end closure
    ],
)
def test_issuing_outside_hours_is_refused_with_issuing_closed(now, reason):
    assert refusal(OFFICE, MOVING, now, 0, is_holiday) == reason
    with pytest.raises(IssuingClosed) as caught:
        check(MOVING, refusal(OFFICE, MOVING, now, 0, is_holiday))

    error = caught.value
    assert isinstance(error, DomainError)
    assert error.code == "issuing_closed"
    assert error.details["reason"] == reason
    assert error.details["service"] == "moving"
    assert "受付" in error.message


def test_issue_after_cutoff_is_refused_with_issuing_closed():
    with pytest.raises(IssuingClosed):
        check(MOVING, refusal(OFFICE, MOVING, tokyo(2026, 11, 25, 16, 45), 0, is_holiday))


def test_a_service_with_its_own_hours_uses_them():
    early = dataclasses.replace(MOVING, opens=time(9, 0), cutoff=time(12, 0))

    assert refusal(OFFICE, early, tokyo(2026, 11, 25, 8, 45), 0, is_holiday) == "not_yet_open"
    assert refusal(OFFICE, early, tokyo(2026, 11, 25, 11, 59), 0, is_holiday) is None
    assert refusal(OFFICE, early, tokyo(2026, 11, 25, 12, 30), 0, is_holiday) == "after_cutoff"


@pytest.mark.parametrize(
    "now",
    [tokyo(2026, 11, 25, 7, 0), tokyo(2026, 11, 25, 19, 0), tokyo(2026, 11, 28, 10)],
)
def test_always_open_bypasses_the_hours(now):
    check(MOVING, refusal(OFFICE, MOVING, now, 0, is_holiday, always_open=True))  # does not raise


def test_daily_cap_refuses_the_ticket_beyond_the_cap():
    capped = dataclasses.replace(MOVING, daily_cap=30)
    now = tokyo(2026, 11, 25, 10)
    check(capped, refusal(OFFICE, capped, now, 29, is_holiday))  # the 30th ticket is fine

    with pytest.raises(DailyCapReached) as caught:
        check(capped, refusal(OFFICE, capped, now, 30, is_holiday))

    assert caught.value.code == "daily_cap_reached"
    assert caught.value.details["cap"] == 30
    assert "30" in caught.value.message


def test_the_daily_cap_is_a_refusal_the_screens_share():
    capped = dataclasses.replace(MOVING, daily_cap=5)
    now = tokyo(2026, 11, 25, 10)

    assert refusal(OFFICE, capped, now, 4, is_holiday) is None
    assert refusal(OFFICE, capped, now, 5, is_holiday) is Refusal.DAILY_CAP_REACHED
    # Hours come first: after the cut-off a full service says it is closed.
    late = tokyo(2026, 11, 25, 16, 45)
    assert refusal(OFFICE, capped, late, 5, is_holiday) is Refusal.AFTER_CUTOFF


def test_always_open_does_not_bypass_the_daily_cap():
    capped = dataclasses.replace(MOVING, daily_cap=5)

    with pytest.raises(DailyCapReached):
        check(
            capped,
            refusal(OFFICE, capped, tokyo(2026, 11, 28, 20), 5, is_holiday, always_open=True),
        )


def test_no_cap_means_no_limit():
    check(MOVING, refusal(OFFICE, MOVING, tokyo(2026, 11, 25, 10), 10_000, is_holiday))


# --- properties -------------------------------------------------------------------------

TOKYO_DAY_START = tokyo(2026, 11, 25, 0, 0)


@given(
    offsets=st.lists(st.integers(0, 24 * 3600 * 1_000_000 - 1), min_size=1, max_size=200),
    service=st.sampled_from(list(OFFICE.services)),
)
def test_numbers_within_one_business_day_never_repeat(offsets, service):
    times = sorted((TOKYO_DAY_START + timedelta(microseconds=us)).astimezone(UTC) for us in offsets)

    numbers = issue_numbers(times, service)

    assert {business_day(OFFICE, at) for at in times} == {date(2026, 11, 25)}
    assert len(set(numbers)) == len(numbers)
    assert numbers[0] == format_number(OFFICE.services[service].prefix, 1)


@given(offsets=st.lists(st.integers(0, 3 * 24 * 3600), min_size=1, max_size=100))
def test_every_business_day_starts_again_at_001(offsets):
    times = sorted(TOKYO_DAY_START + timedelta(seconds=s) for s in offsets)

    numbers = issue_numbers(times)

    days = [business_day(OFFICE, at) for at in times]
    for i, day in enumerate(days):
        first_of_day = i == 0 or days[i - 1] != day
        assert (numbers[i] == "A-001") == first_of_day
    for day in set(days):
        todays = [n for n, d in zip(numbers, days, strict=True) if d == day]
        assert len(set(todays)) == len(todays)
