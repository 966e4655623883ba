"""Appointments (予約) over HTTP: a service's slots, booking, cancelling and moving a
booking by its token, and the kiosk's check-in by the booking code.

A double tap books once: the client sends an `Idempotency-Key` header (the booking page
makes one per booking it offers); a booking with the same key answers the same booking
(200) instead of a second one. Without the header every request is a booking."""

from __future__ import annotations

import asyncio
import secrets
from datetime import UTC, date, datetime

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import accounts
from server.appointment_commands import (
    BookAppointment,
    CancelAppointment,
    CheckIn,
    MoveAppointment,
    booking_json,
)
from server.bootstrap import System, new_token
from server.commands import PrintStatus, ticket_json
from server.domain import appointment
from server.domain.appointment import Booking, BookingStatus
from server.domain.calendar import business_day
from server.domain.errors import InvalidRequest, NotFound
from server.store import appointments

from .arrival import arrival_proof
from .auth import bearer, staff_of
from .errors import ApiError
from .limits import address_hash, charge_address
from .responses import JSONResponse
from .schemas import ArrivedBody, BookBody, MoveBody, parse
from .state import appointment_system, booking_limiter_of, office_system, tokens_of
from .visitor_routes import VISITOR_ACTOR

CODE_DIGITS = 6  # typed at the kiosk: short, and a million per office is plenty
KEY_MAX_CHARS = 80


def _utc(start: datetime) -> datetime:
    """A slot's start in UTC; a date no slot can have (year 1 in Tokyo) is refused."""
    try:
        return start.astimezone(UTC)
    except OverflowError:
        raise InvalidRequest("start: その日時は予約できません。", field="start") from None


def _new_codes() -> tuple[str, ...]:
    return tuple(f"{secrets.randbelow(10**CODE_DIGITS):0{CODE_DIGITS}d}" for _ in range(10))


def _day_param(request: Request) -> date:
    try:
        return date.fromisoformat(request.query_params.get("date", ""))
    except ValueError:
        raise InvalidRequest("date は YYYY-MM-DD で指定してください。", field="date") from None


def read_slots(system: System, service_id: str, day: date) -> list[dict[str, object]]:
    """The slots of `service_id` on `day`, each with its capacity and the places left."""
    ctx = system.ctx
    office = ctx.office
    service = office.services.get(service_id)
    if service is None:
        raise InvalidRequest(f"手続き {service_id!r} はありません。", field="service")
    settings = appointment.settings_of(service)
    now = system.clock()
    today = business_day(office, now)
    if not 0 <= (day - today).days < settings.days_ahead:
        return []  # past, or beyond the horizon (and no date arithmetic near year 9999)
    open_today = ctx.always_open and day == today
    starts = appointment.slot_starts(office, service, day, ctx.is_holiday, open_today)
    with system.engines.reader.connect() as conn:
        held = appointments.held_per_slot(conn, office.id, service.id, day)
    return [
        {
            "start": start.isoformat(),
            "capacity": settings.capacity,
            "left": max(0, settings.capacity - held.get(start, 0)),
        }
        for start in starts
        if appointment.refusal(office, service, start, now, ctx.is_holiday, ctx.always_open) is None
    ]


async def slots(request: Request) -> Response:
    """A service's bookable slots on a day: [{start, capacity, left}] (past ones left out)."""
    system = office_system(request)
    service = request.query_params.get("service", "")
    day = _day_param(request)
    answer = await asyncio.to_thread(read_slots, system, service, day)
    return JSONResponse(answer)


async def book(request: Request) -> Response:
    """Book a slot: 201 with the booking (its code and token); the same Idempotency-Key
    again answers the same booking with 200. Anyone but staff is limited per address
    (limits.booking_limiter: 429 with Retry-After; a double tap answered again and a
    refused booking are not counted) and holds a few bookings of a service at most."""
    system = office_system(request)
    body = await parse(request, BookBody)
    key = request.headers.get("idempotency-key") or None
    if key is not None and len(key) > KEY_MAX_CHARS:
        raise InvalidRequest(f"Idempotency-Key は {KEY_MAX_CHARS} 文字までです。")
    if key is not None:  # a double tap: its booking again, not counted
        found = await asyncio.to_thread(_read_by_key, system, key)
        if found is not None:
            return JSONResponse(booking_json(found), status_code=200)
    anyone = _staff(request, system) is None
    limiter = booking_limiter_of(request)
    charged = charge_address(request, system, limiter) if anyone else None
    command = BookAppointment(
        service=body.service,
        start=_utc(body.start),
        lang=body.lang,
        booking_id=system.new_ticket_id(),
        codes=_new_codes(),
        token=new_token(),
        key=key,
        booked_from=address_hash(request) if anyone else None,
        held_cap=system.settings.book_held_per_service,
    )
    try:
        booking, new = (await system.run(command.__call__)).result
    except Exception:
        if charged is not None:  # no booking: the address's count is given back
            limiter.refund(charged)
        raise
    if charged is not None and not new:  # two taps at once: the second answered the first
        limiter.refund(charged)
    return JSONResponse(booking_json(booking), status_code=201 if new else 200)


def _read_by_key(system: System, key: str) -> Booking | None:
    with system.engines.reader.connect() as conn:
        return appointments.by_key(conn, system.office.id, key)


def _staff(request: Request, system: System) -> object | None:
    """The staff member booking for a resident (at the counter, on the phone), else None.
    A staff cookie without its CSRF token (a clerk trying the booking page in her own
    browser) books as anyone does."""
    try:
        return staff_of(request, tokens_of(request), system.office.id)
    except ApiError as e:
        if e.code != "csrf_failed":
            raise
        return None


async def cancel(request: Request) -> Response:
    """Cancel a booking by its token (200 with it, status cancelled)."""
    system = await appointment_system(request, request.path_params["token"])
    command = CancelAppointment(request.path_params["token"])
    booking = (await system.run(command.__call__)).result
    return JSONResponse(booking_json(booking))


async def move(request: Request) -> Response:
    """Move a booking to another slot of its service."""
    system = await appointment_system(request, request.path_params["token"])
    body = await parse(request, MoveBody)
    command = MoveAppointment(request.path_params["token"], _utc(body.start))
    booking = (await system.run(command.__call__)).result
    return JSONResponse(booking_json(booking))


async def _check_in_caller(request: Request, system: System) -> tuple[str | None, str]:
    """A kiosk's device token (its kiosk, printed there) or a staff member (no kiosk):
    (kiosk, actor); anyone else 401, another device 403."""
    token = bearer(request)
    device = (
        await asyncio.to_thread(accounts.device_of_token, system.engines, token)
        if token is not None
        else None
    )
    if device is not None:
        if device not in system.office.kiosks:
            raise ApiError(403, "forbidden", "このトークンは発券機のものではありません。")
        return device, device
    staff = staff_of(request, tokens_of(request), system.office.id)
    if staff is None:
        raise ApiError(401, "unauthorized", "受付には発券機のデバイストークンが必要です。")
    return None, staff.username


async def check_in(request: Request) -> Response:
    """Check a booking in by its code: 201 with its ticket (channel appointment); 200
    with the same ticket when checked in already."""
    system = office_system(request)
    kiosk, actor = await _check_in_caller(request, system)
    command = CheckIn(
        code=request.path_params["code"],
        kiosk=kiosk,
        ticket_id=system.new_ticket_id(),
        token=new_token(),
        print_status=PrintStatus.QUEUED if kiosk else PrintStatus.NONE,
    )
    info, new = (await system.run(command.__call__, actor=actor)).result
    printed = None
    if kiosk is not None and new:
        printed = await system.printing.print_ticket(info, str(request.base_url))
    answer = ticket_json(info, system.office, printed or info.stored_print, token=True)
    return JSONResponse(answer, status_code=201 if new else 200)


def _read_booking(system: System, token: str) -> Booking:
    with system.engines.reader.connect() as conn:
        found = appointments.by_token(conn, token)
    if found is None or found.office != system.office.id:
        raise NotFound("予約が見つかりません。", kind="appointment")
    return found


async def check_in_by_token(request: Request) -> Response:
    """The visitor's phone checks its booking in, from the hall (a kiosk's device token,
    the hall's network, or the kiosk's daily code in the body): answered as the kiosk's
    check-in is (201 the ticket, with its token for the ticket page; 200 the same ticket
    again). A booking that cannot be checked in today says why (409) before the phone is
    asked where it is, and one checked in already answers its ticket wherever it is."""
    token = request.path_params["token"]
    system = await appointment_system(request, token)
    body = await parse(request, ArrivedBody, optional=True)
    booking = await asyncio.to_thread(_read_booking, system, token)
    proof = None
    if booking.status is not BookingStatus.CHECKED_IN:
        appointment.check_check_in(booking, business_day(system.office, system.clock()))
        proof = await arrival_proof(request, system, body.code)
    command = CheckIn(
        code=None,
        kiosk=None,
        ticket_id=system.new_ticket_id(),
        token=new_token(),
        booking_token=token,
        arrived_by=proof,
    )
    info, new = (await system.run(command.__call__, actor=VISITOR_ACTOR)).result
    answer = ticket_json(info, system.office, info.stored_print, token=True)
    del answer["id"]  # the visitor's page needs no staff handle (as visitor_routes)
    return JSONResponse(
        answer, status_code=201 if new else 200, headers={"Cache-Control": "no-store"}
    )


def routes() -> list[Route]:
    office = "/api/v1/offices/{office}"
    return [
        Route(f"{office}/slots", slots),
        Route(f"{office}/appointments", book, methods=["POST"]),
        Route(f"{office}/appointments/{{code}}/check-in", check_in, methods=["POST"]),
        Route("/api/v1/appointments/{token}", cancel, methods=["DELETE"]),
        Route("/api/v1/appointments/{token}/check-in", check_in_by_token, methods=["POST"]),
        Route("/api/v1/appointments/{token}", move, methods=["PATCH"]),
    ]
