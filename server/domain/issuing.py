"""Why a ticket may not be issued now: the one rule that the issuing command and every
screen (kiosk, display, public page) ask, so that they can never disagree."""

from __future__ import annotations

import enum
from datetime import datetime

from .calendar import IsHoliday, is_business_day, local_time
from .errors import DailyCapReached, IssuingClosed
from .office import Office, Service


class Refusal(enum.StrEnum):
    """The reasons, as the API's `reason` and the views' `closed_reason` name them."""

    CLOSED_DAY = "closed_day"
    NOT_YET_OPEN = "not_yet_open"
    AFTER_CUTOFF = "after_cutoff"
    DAILY_CAP_REACHED = "daily_cap_reached"
    STOPPED = "stopped"  # a supervisor stopped this service's issuing for now


def refusal(
    office: Office,
    service: Service,
    now: datetime,
    issued_today: int,
    is_holiday: IsHoliday,
    always_open: bool = False,
) -> Refusal | None:
    """Why a ticket for `service` may not be issued at `now`, or None when it may.
    `always_open` (a demo, a test) lifts the hours, not the daily cap nor a stop."""
    if service.issuing_stopped:
        return Refusal.STOPPED
    if not always_open:
        local = local_time(office, now)
        if not is_business_day(office, local.date(), is_holiday):
            return Refusal.CLOSED_DAY
        if local.time() < service.opens:
            return Refusal.NOT_YET_OPEN
        if local.time() >= service.cutoff:
            return Refusal.AFTER_CUTOFF
    if service.daily_cap is not None and issued_today >= service.daily_cap:
        return Refusal.DAILY_CAP_REACHED
    return None


def check(service: Service, why: Refusal | None) -> None:
    """Raise the error of a refusal (of `refusal()`), if there is one."""
    name = service.names.get("ja", service.id)
    if why is Refusal.DAILY_CAP_REACHED:
        raise DailyCapReached(
            f"「{name}」は本日の受付上限（{service.daily_cap}人）に達しました。",
            service=service.id,
            cap=service.daily_cap,
        )
    if why is Refusal.STOPPED:
        raise IssuingClosed(
            f"「{name}」の発券は、ただいま停止しています。職員にお声がけください。",
            reason=str(why),
            service=service.id,
        )
    if why is not None:
        raise IssuingClosed(
            f"「{name}」の受付は終了しています"
            f"（受付時間 {service.opens:%H:%M}〜{service.cutoff:%H:%M}）。",
            reason=str(why),
            service=service.id,
        )
