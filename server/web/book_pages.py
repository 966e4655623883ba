"""The booking pages (予約) on the phone, in the visitor pages' seven languages: /book to
choose a service, a day and a slot (book.js asks the API: /slots, /appointments), and
/book/{token} for one booking: its code, a QR code of it for the kiosk's scanner, cancel
or move, and on its day "到着しました" to check it in from the hall (booking.js). The booking's token is in the address, as a ticket's is."""

from __future__ import annotations

import asyncio
import base64
from datetime import date, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse
from starlette.routing import BaseRoute, Route

from server.api.kiosk import qr_svg
from server.api.state import appointment_system, page_system
from server.bootstrap import System
from server.domain import calendar
from server.domain.appointment import Booking, BookingStatus
from server.store import appointments, tickets

from .visitor_pages import _remember, _render
from .visitor_text import Text, choose


def bookable_days(system: System, days_ahead: int) -> list[date]:
    """The business days from today within the horizon (today always with --always-open)."""
    ctx = system.ctx
    today = calendar.business_day(ctx.office, system.clock())
    days = [today + timedelta(days=n) for n in range(days_ahead)]
    return [
        d
        for d in days
        if calendar.is_business_day(ctx.office, d, ctx.is_holiday)
        or (ctx.always_open and d == today)
    ]


def _day_label(text: Text, day: date) -> str:
    return f"{day:%m/%d} ({text.weekday(day.weekday())})"


async def book_page(request: Request) -> HTMLResponse:
    # Moving a booking: its own office's slots, whatever the address names.
    moving = request.query_params.get("move")
    system = await appointment_system(request, moving) if moving else page_system(request)
    lang, switched = choose(request)
    text = Text(lang)
    office = system.office
    services = [s for s in office.services.values() if s.appointments is not None]
    days_ahead = max((s.appointments.days_ahead for s in services if s.appointments), default=0)
    days = bookable_days(system, days_ahead)
    config: dict[str, Any] = {
        "office": office.id,
        "lang": text.lang,
        "messages": text.messages,
        "timezone": office.timezone,
        "services": [{"id": s.id, "name": text.named(s.names)} for s in services],
        "days": [{"date": d.isoformat(), "label": _day_label(text, d)} for d in days],
        "move": request.query_params.get("move"),
    }
    response = _render(
        request,
        "book.html",
        text,
        office=office,
        title=text("title_book"),
        body_class="book",
        script="book.js",
        config=config,
    )
    return _remember(response, lang, switched)


def _read_booking(system: System, token: str) -> tuple[Booking | None, str | None]:
    """The booking and, once checked in, its ticket's token (for the ticket page)."""
    with system.engines.reader.connect() as conn:
        found = appointments.by_token(conn, token)
        if found is None or found.office != system.office.id:
            return None, None
        ticket = tickets.get_ticket(conn, found.ticket) if found.ticket else None
    return found, ticket.token if ticket else None


def _qr_data_url(code: str) -> str:
    return "data:image/svg+xml;base64," + base64.b64encode(qr_svg(code)).decode()


async def booking_page(request: Request) -> HTMLResponse:
    token = request.path_params["token"]
    system = await appointment_system(request, token)
    booking, ticket_token = await asyncio.to_thread(_read_booking, system, token)
    if booking is None:
        lang, _ = choose(request)
        text = Text(lang)
        return _render(
            request,
            "ticket_missing.html",
            text,
            404,
            title=text("booking_missing"),
            body_class="missing",
        )
    lang, _ = choose(request, default=booking.lang)
    text = Text(lang)
    office = system.office
    service = office.services.get(booking.service)
    start = booking.start.astimezone(ZoneInfo(office.timezone))
    grace = service.appointments.grace_min if service and service.appointments else 0
    return _render(
        request,
        "booking.html",
        text,
        title=f"{booking.code} — {text('booking_title')}",
        office=office,
        body_class="booking-page",
        script="booking.js",
        config={"token": token, "lang": text.lang, "messages": text.messages},
        b=booking,
        service_name=text.named(service.names) if service else booking.service,
        when=f"{_day_label(text, start.date())} {start:%H:%M}",
        status_text=text(f"booking_status_{booking.status}"),
        how_text=text("booking_how", grace=grace),
        qr=await asyncio.to_thread(_qr_data_url, booking.code),
        active=str(booking.status) == "booked",
        # On its day, a booking checks in from the phone too ("到着しました", booking.js).
        check_in=booking.status is BookingStatus.BOOKED
        and booking.day == calendar.business_day(office, system.clock()),
        ticket_url=f"/t/{ticket_token}" if ticket_token else None,
    )


def routes() -> list[BaseRoute]:
    return [Route("/book", book_page), Route("/book/{token}", booking_page)]
