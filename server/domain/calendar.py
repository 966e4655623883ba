"""Business days and issuing hours. Holidays come in as a predicate: the domain reads no
calendar itself."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from .errors import DailyCapReached, IssuingClosed
from .office import Office, Service

IsHoliday = Callable[[date], bool]


def local_time(office: Office, now: datetime) -> datetime:
    return now.astimezone(ZoneInfo(office.timezone))


def business_day(office: Office, now: datetime) -> date:
    """The date numbering restarts on: the calendar day in the office's timezone."""
    return local_time(office, now).date()


def is_business_day(office: Office, day: date, is_holiday: IsHoliday) -> bool:
    if day.weekday() not in office.weekdays:
        return False
    if day.strftime("%m-%d") in office.closed_dates:
        return False
    return not is_holiday(day)


def closed_reason(
    office: Office, service: Service, now: datetime, is_holiday: IsHoliday
) -> str | None:
    """Why tickets for `service` cannot be issued at `now`, or None when they can."""
    local = local_time(office, now)
    if not is_business_day(office, local.date(), is_holiday):
        return "closed_day"
    if local.time() < service.opens:
        return "not_yet_open"
    if local.time() >= service.cutoff:
        return "after_cutoff"
    return None


def check_issuing(
    office: Office,
    service: Service,
    now: datetime,
    issued_today: int,
    is_holiday: IsHoliday,
    always_open: bool = False,
) -> None:
    """Raise when a ticket for `service` may not be issued now."""
    if not always_open:
        reason = closed_reason(office, service, now, is_holiday)
        if reason is not None:
            raise IssuingClosed(
                f"「{service.names.get('ja', service.id)}」の受付は終了しています"
                f"（受付時間 {service.opens:%H:%M}〜{service.cutoff:%H:%M}）。",
                reason=reason,
                service=service.id,
            )
    if service.daily_cap is not None and issued_today >= service.daily_cap:
        raise DailyCapReached(
            f"「{service.names.get('ja', service.id)}」は本日の受付上限"
            f"（{service.daily_cap}人）に達しました。",
            service=service.id,
            cap=service.daily_cap,
        )


def next_business_day(office: Office, day: date, is_holiday: IsHoliday) -> date:
    nxt = day + timedelta(days=1)
    for _ in range(60):
        if is_business_day(office, nxt, is_holiday):
            return nxt
        nxt += timedelta(days=1)
    return nxt
