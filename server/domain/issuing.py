"""Why a ticket may not be issued now: the one rule that the issuing command and every
screen (kiosk, display, public page) ask, so that they can never disagree."""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

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
    # Tickets from home only (remote_refusal):
    NOT_REMOTE = "not_remote"  # the service is not offered from home
    REMOTE_WINDOW_CLOSED = "remote_window_closed"  # too near the cut-off to come from home
    REMOTE_SHARE_REACHED = "remote_share_reached"  # the rest of the cap is the kiosk's
    WAIT_SHORTER_THAN_TRAVEL = "wait_shorter_than_travel"  # come and take one at the kiosk


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


def remote_share(service: Service) -> int | None:
    """How many of the day's tickets may come from home (None: no cap, no share)."""
    if service.daily_cap is None:
        return None
    return service.daily_cap * service.remote_share_pct // 100


def remote_refusal(
    office: Office,
    service: Service,
    now: datetime,
    issued_today: int,
    remote_today: int,
    is_holiday: IsHoliday,
    always_open: bool = False,
) -> Refusal | None:
    """Why a ticket from home may not be issued at `now`: every reason a kiosk's ticket
    has (refusal()), and: the service not offered from home, past its window (from opening
    until `remote_closes_before_min` before the cut-off), or its share of the daily cap
    (`remote_today` tickets from home already) taken. A remote ticket never takes a
    number the kiosk's share needs."""
    if not service.remote:
        return Refusal.NOT_REMOTE
    why = refusal(office, service, now, issued_today, is_holiday, always_open)
    if why is not None:
        return why
    if not always_open:
        local = local_time(office, now)
        cutoff = datetime.combine(local.date(), service.cutoff, local.tzinfo)
        if local >= cutoff - timedelta(minutes=service.remote_closes_before_min):
            return Refusal.REMOTE_WINDOW_CLOSED
    share = remote_share(service)
    if share is not None and remote_today >= share:
        return Refusal.REMOTE_SHARE_REACHED
    return None


def worth_coming_from_home(estimate_min: float | None, travel_min: int) -> bool:
    """A ticket from home only while the wait is at least the way: a visitor who would be
    called before arriving takes a ticket at the kiosk instead. `estimate_min` is the
    middle of the new ticket's estimate; None (no estimate) is not known to be short."""
    return estimate_min is None or estimate_min >= travel_min


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
    remote = _REMOTE_MESSAGES.get(why) if why is not None else None
    if remote is not None:
        raise IssuingClosed(
            remote.format(name=name, minutes=service.remote_closes_before_min),
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


_REMOTE_MESSAGES = {
    Refusal.NOT_REMOTE: "「{name}」は来庁してから発券機で受付票をお取りください。",
    Refusal.REMOTE_WINDOW_CLOSED: (
        "「{name}」の受付票をご自宅から取れるのは、受付終了の{minutes}分前までです。"
        "来庁して発券機をご利用ください。"
    ),
    Refusal.REMOTE_SHARE_REACHED: (
        "「{name}」の本日ご自宅から取れる受付票はなくなりました。来庁して発券機をご利用ください。"
    ),
    Refusal.WAIT_SHORTER_THAN_TRAVEL: (
        "「{name}」の待ち時間は到着までの時間より短いため、来庁して発券機で受付票をお取りください。"
    ),
}
