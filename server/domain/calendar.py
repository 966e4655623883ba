"""Business days. Holidays come in as a predicate: the domain reads no
calendar itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .office import Office

IsHoliday = Callable[[date], bool]


def local_time(office: Office, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(office.timezone))


def business_day(office: Office, now: datetime) -> date:
    """The date numbering restarts on: the calendar day in the office's timezone."""
    return local_time(office, now).date()


def day_end(office: Office, now: datetime) -> datetime:
    """When the business day of `now` ends: the next local midnight."""
    local = local_time(office, now)
    return datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)


def is_business_day(office: Office, day: date, is_holiday: IsHoliday) -> bool:
    if day.weekday() not in office.weekdays:
        return False
    if day.strftime("%m-%d") in office.closed_dates:
        return False
    return not is_holiday(day)


def next_business_day(office: Office, day: date, is_holiday: IsHoliday) -> date:
    nxt = day + timedelta(days=1)
    for _ in range(60):
        if is_business_day(office, nxt, is_holiday):
            return nxt
        nxt += timedelta(days=1)
    return nxt
