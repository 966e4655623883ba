"""Appointments (予約): a service's slots on a day, whether one may be booked now, and
whether a booking may be checked in. Where a checked-in booking stands in line is the
call policy's (call_policy.booking_place)."""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from .calendar import IsHoliday, business_day, is_business_day
from .errors import InvalidRequest, InvalidTransition, NotFound, SlotFull
from .office import Appointments, Office, Service


class BookingStatus(enum.StrEnum):
    BOOKED = "booked"
    CHECKED_IN = "checked_in"
    CANCELLED = "cancelled"


@dataclasses.dataclass(frozen=True, slots=True)
class Booking:
    id: str
    office: str
    service: str
    start: datetime  # the slot's start, UTC
    day: date  # the slot's business day
    code: str  # what the visitor types at the kiosk (予約番号)
    token: str  # the visitor's secret, to cancel or move it
    lang: str
    status: BookingStatus
    booked_at: datetime
    key: str | None = None  # the client's Idempotency-Key: a double tap books once
    ticket: str | None = None  # the ticket its check-in made
    booked_from: str | None = None  # the booking address's keyed hash (None: staff)


class Refusal(enum.StrEnum):
    """Why a slot may not be booked, as the API's `reason` names it."""

    NO_APPOINTMENTS = "no_appointments"
    CLOSED_DAY = "closed_day"
    NOT_A_SLOT = "not_a_slot"
    PAST = "slot_past"
    BEYOND_HORIZON = "beyond_horizon"


def settings_of(service: Service) -> Appointments:
    if service.appointments is None:
        raise InvalidRequest(
            f"「{service.names.get('ja', service.id)}」は予約できません。",
            reason=str(Refusal.NO_APPOINTMENTS),
            service=service.id,
        )
    return service.appointments


def slot_starts(
    office: Office, service: Service, day: date, is_holiday: IsHoliday, always_open: bool = False
) -> list[datetime]:
    """The starts (UTC) of `service`'s slots on `day`: from its opening to its cut-off,
    none on a closed day. `always_open` (a demo, a test) makes today's slots the whole day."""
    settings = settings_of(service)
    if not always_open and not is_business_day(office, day, is_holiday):
        return []
    tz = ZoneInfo(office.timezone)
    first = datetime.combine(day, service.opens, tz)
    end = datetime.combine(day, service.cutoff, tz)
    if always_open:  # the whole local day
        first = datetime.combine(day, time(0), tz)
        end = first + timedelta(days=1)
    step = timedelta(minutes=settings.slot_min)
    starts = []
    at = first
    while at < end:
        starts.append(at.astimezone(ZoneInfo("UTC")))
        at += step
    return starts


def refusal(
    office: Office,
    service: Service,
    start: datetime,
    now: datetime,
    is_holiday: IsHoliday,
    always_open: bool = False,
) -> Refusal | None:
    """Why the slot `start` of `service` may not be booked at `now`, or None."""
    if service.appointments is None:
        return Refusal.NO_APPOINTMENTS
    # Far from now, decided before any date arithmetic (which overflows near year 1 or 9999).
    if start < now - timedelta(days=1):
        return Refusal.PAST
    if start > now + timedelta(days=service.appointments.days_ahead + 1):
        return Refusal.BEYOND_HORIZON
    day = business_day(office, start)
    today = business_day(office, now)
    if (day - today).days >= service.appointments.days_ahead:
        return Refusal.BEYOND_HORIZON
    open_now = always_open and day == today
    if not open_now and not is_business_day(office, day, is_holiday):
        return Refusal.CLOSED_DAY
    if start not in slot_starts(office, service, day, is_holiday, open_now):
        return Refusal.NOT_A_SLOT
    if start + timedelta(minutes=service.appointments.slot_min) <= now:
        return Refusal.PAST
    return None


_WHY_JA = {
    Refusal.NO_APPOINTMENTS: "この手続きは予約できません。",
    Refusal.CLOSED_DAY: "その日は閉庁日です。",
    Refusal.NOT_A_SLOT: "その時刻は予約枠の始まりではありません。",
    Refusal.PAST: "その予約枠は過ぎています。",
    Refusal.BEYOND_HORIZON: "その日はまだ予約を受け付けていません。",
}


def check(service: Service, why: Refusal | None) -> None:
    """Raise the error of a refusal: 422 for a slot that cannot be, 409 for one that is
    gone or not yet open."""
    if why is None:
        return
    message = f"「{service.names.get('ja', service.id)}」: {_WHY_JA[why]}"
    if why in (Refusal.PAST, Refusal.BEYOND_HORIZON):
        raise InvalidTransition(message, reason=str(why), service=service.id)
    raise InvalidRequest(message, reason=str(why), service=service.id)


def check_full(booked: int, settings: Appointments, start: datetime) -> None:
    if booked >= settings.capacity:
        raise SlotFull(
            "その予約枠は満員です。別の時間をお選びください。",
            start=start.isoformat(),
            capacity=settings.capacity,
        )


def check_held(held: int, cap: int, service: Service) -> None:
    """One address holds at most `cap` bookings of a service not yet used (0: no cap), so
    that one phone cannot take every slot of a day."""
    if cap and held >= cap:
        name = service.names.get("ja", service.id)
        raise InvalidTransition(
            f"「{name}」の予約はこの端末からすでに{held}件あります（{cap}件まで）。"
            "予約を取り消すか、来庁して受付を済ませてから予約してください。",
            reason="too_many_bookings",
            service=service.id,
            limit=cap,
        )


def check_in_refusal(booking: Booking, today: date) -> str | None:
    """Why `booking` may not be checked in today ("cancelled", "another_day"), or None
    (a booking checked in already answers its ticket again: not a refusal)."""
    if booking.status is BookingStatus.CANCELLED:
        return "cancelled"
    if booking.day != today:
        return "another_day"
    return None


def check_check_in(booking: Booking, today: date) -> None:
    why = check_in_refusal(booking, today)
    if why == "cancelled":
        raise InvalidTransition("この予約は取り消されています。", reason=why, code=booking.code)
    if why == "another_day":
        raise InvalidTransition(
            f"この予約は {booking.day:%m月%d日} の予約です。", reason=why, code=booking.code
        )


def not_found(code: str) -> NotFound:
    return NotFound(f"予約番号 {code} は見つかりません。", kind="appointment", id=code)


def expected(
    office: Office, waiting: list[tuple[str, datetime]], now: datetime
) -> dict[str, tuple[datetime, ...]]:
    """Of the bookings not yet checked in, (service, slot start), those still expected at
    `now` (their grace not over), by service: the estimator's work ahead."""
    out: dict[str, list[datetime]] = {}
    for service_id, start in waiting:
        service = office.services.get(service_id)
        if service is None or service.appointments is None:
            continue
        if start + timedelta(minutes=service.appointments.grace_min) > now:
            out.setdefault(service_id, []).append(start)
    return {s: tuple(sorted(starts)) for s, starts in out.items()}
