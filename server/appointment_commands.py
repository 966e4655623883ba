"""Appointments' commands (予約): book, cancel, move, check in. Each runs like every
command (server/commands.py): on the writer, in one transaction with the office's lock,
so two phones never take a slot's last place."""

from __future__ import annotations

import dataclasses
from datetime import datetime, timedelta
from typing import Any

from server.commands import (
    PrintOutcome,
    PrintStatus,
    TicketInfo,
    describe,
    describe_at,
    service_of,
)
from server.domain import appointment, calendar, call_policy
from server.domain.appointment import Booking, BookingStatus
from server.domain.errors import InvalidTransition, NotFound
from server.domain.events import Event, EventType
from server.domain.office import Office
from server.domain.ticket import Status, Ticket
from server.store import appointments, tickets
from server.store.unit_of_work import Tx
from server.visitor_commands import ArrivalProof

from .context import Context


def booking_json(booking: Booking, *, token: bool = True) -> dict[str, Any]:
    out: dict[str, Any] = {
        "code": booking.code,
        "service": booking.service,
        "start": booking.start.isoformat(),
        "status": str(booking.status),
        "lang": booking.lang,
        "ticket": booking.ticket,
    }
    if token:
        out["token"] = booking.token
    return out


def _check_slot(ctx: Context, tx: Tx, service_id: str, start: datetime) -> None:
    """A slot that may be booked now and has a place left (else the error naming why)."""
    office = ctx.office
    service = service_of(office, service_id)
    settings = appointment.settings_of(service)
    why = appointment.refusal(office, service, start, tx.now, ctx.is_holiday, ctx.always_open)
    appointment.check(service, why)
    day = calendar.business_day(office, start)
    held = appointments.held_per_slot(tx.conn, office.id, service.id, day).get(start, 0)
    appointment.check_full(held, settings, start)


@dataclasses.dataclass(frozen=True)
class BookAppointment:
    """Book a slot. `codes`: candidate booking codes, the first one free is taken; `key`:
    the client's Idempotency-Key (the same key answers the same booking); `booked_from`:
    the address's keyed hash, which holds at most `held_cap` bookings of a service (None:
    staff, no cap)."""

    service: str
    start: datetime
    lang: str
    booking_id: str
    codes: tuple[str, ...]
    token: str
    key: str | None = None
    booked_from: str | None = None
    held_cap: int = 0

    def __call__(self, ctx: Context, tx: Tx) -> tuple[Booking, bool]:
        """The booking, and whether it is new."""
        if self.key is not None:
            found = appointments.by_key(tx.conn, ctx.office.id, self.key)
            if found is not None:
                return found, False
        _check_slot(ctx, tx, self.service, self.start)
        if self.booked_from is not None and self.held_cap:
            today = calendar.business_day(ctx.office, tx.now)
            held = appointments.held_from(
                tx.conn, ctx.office.id, self.service, self.booked_from, today
            )
            appointment.check_held(held, self.held_cap, service_of(ctx.office, self.service))
        taken = appointments.codes_taken(tx.conn, ctx.office.id, self.codes)
        free = [c for c in self.codes if c not in taken]
        if not free:  # ten random codes all taken: the office's codes are too short
            raise InvalidTransition("予約番号を作れませんでした。もう一度お試しください。")
        booking = Booking(
            id=self.booking_id,
            office=ctx.office.id,
            service=self.service,
            start=self.start,
            day=calendar.business_day(ctx.office, self.start),
            code=free[0],
            token=self.token,
            lang=self.lang,
            status=BookingStatus.BOOKED,
            booked_at=tx.now,
            key=self.key,
            booked_from=self.booked_from,
        )
        appointments.insert_booking(tx.conn, booking)
        tx.append(
            Event(
                EventType.APPOINTMENT_BOOKED,
                service=booking.service,
                data={"start": booking.start.isoformat()},
            )
        )
        return booking, True


def _by_token(tx: Tx, office: Office, token: str) -> Booking:
    booking = appointments.by_token(tx.conn, token)
    if booking is None or booking.office != office.id:
        raise NotFound("予約が見つかりません。", kind="appointment")
    if booking.status is BookingStatus.CHECKED_IN:
        raise InvalidTransition(
            "受付済みの予約は変更・取消できません。窓口でお申し出ください。",
            reason="checked_in",
            code=booking.code,
        )
    return booking


@dataclasses.dataclass(frozen=True)
class CancelAppointment:
    """Cancel a booking by its token; cancelling it again answers it as it is."""

    token: str

    def __call__(self, ctx: Context, tx: Tx) -> Booking:
        booking = _by_token(tx, ctx.office, self.token)
        if booking.status is BookingStatus.CANCELLED:
            return booking
        appointments.set_status(tx.conn, booking.id, BookingStatus.CANCELLED)
        tx.append(
            Event(
                EventType.APPOINTMENT_CANCELLED,
                service=booking.service,
                data={"start": booking.start.isoformat()},
            )
        )
        return dataclasses.replace(booking, status=BookingStatus.CANCELLED)


@dataclasses.dataclass(frozen=True)
class MoveAppointment:
    """Move a booking to another slot of its service: its place in the old slot is given
    back and the new one taken in the same transaction (no place is lost if it is full)."""

    token: str
    start: datetime

    def __call__(self, ctx: Context, tx: Tx) -> Booking:
        booking = _by_token(tx, ctx.office, self.token)
        if booking.status is BookingStatus.CANCELLED:
            raise InvalidTransition("取り消した予約は変更できません。", reason="cancelled")
        if booking.start == self.start:
            return booking
        _check_slot(ctx, tx, booking.service, self.start)
        day = calendar.business_day(ctx.office, self.start)
        appointments.move(tx.conn, booking.id, self.start, day)
        for kind, start in (
            (EventType.APPOINTMENT_CANCELLED, booking.start),
            (EventType.APPOINTMENT_BOOKED, self.start),
        ):
            tx.append(Event(kind, service=booking.service, data={"start": start.isoformat()}))
        return dataclasses.replace(booking, start=self.start, day=day)


@dataclasses.dataclass(frozen=True)
class CheckIn:
    """A booking's visitor has arrived: its ticket, made now with the place
    call_policy.booking_place gives it; a second check-in answers the same ticket. The
    booking is named by its `code` (the kiosk's 予約の方) or by its secret `booking_token`
    (the visitor's phone in the hall, which says how it showed so: `arrived_by`)."""

    code: str | None
    kiosk: str | None
    ticket_id: str
    token: str
    print_status: PrintStatus = PrintStatus.NONE
    booking_token: str | None = None
    arrived_by: ArrivalProof | None = None  # the phone's proof of being in the hall

    def _booking(self, tx: Tx, office: Office) -> Booking:
        if self.booking_token is not None:
            found = appointments.by_token(tx.conn, self.booking_token)
            if found is None or found.office != office.id:
                raise NotFound("予約が見つかりません。", kind="appointment")
            return found
        code = self.code or ""
        found = appointments.by_code(tx.conn, office.id, code)
        if found is None:
            raise appointment.not_found(code)
        return found

    def __call__(self, ctx: Context, tx: Tx) -> tuple[TicketInfo, bool]:
        """The ticket, and whether it is new."""
        office = ctx.office
        booking = self._booking(tx, office)
        if booking.status is BookingStatus.CHECKED_IN and booking.ticket is not None:
            ticket = tickets.get_ticket(tx.conn, booking.ticket)
            if ticket is not None:
                return describe_at(ctx, tx.conn, ticket, tx.now), False
        appointment.check_check_in(booking, calendar.business_day(office, tx.now))
        service = service_of(office, booking.service)
        grace = timedelta(minutes=appointment.settings_of(service).grace_min)
        booked, queued_at = call_policy.booking_place(
            booking.start, grace, tx.now, booking.booked_at
        )
        seq = tickets.next_number(tx.conn, office.id, service.id, booking.day)
        ticket = Ticket(
            id=self.ticket_id,
            office=office.id,
            service=service.id,
            prefix=service.prefix,
            seq=seq,
            day=booking.day,
            token=self.token,
            lang=booking.lang,
            priority=False,
            channel="appointment",
            status=Status.WAITING,
            issued_at=tx.now,
            queued_at=queued_at,
            kiosk=self.kiosk,
            booked=booked,
        )
        tickets.insert_ticket(tx.conn, ticket, str(self.print_status))
        appointments.set_status(tx.conn, booking.id, BookingStatus.CHECKED_IN, ticket.id)
        tx.append(
            Event(
                EventType.ISSUED,
                ticket=ticket.id,
                number=ticket.number,
                service=service.id,
                data={
                    "priority": False,
                    "lang": ticket.lang,
                    "channel": "appointment",
                    "booked": booked,
                    "slot": booking.start.isoformat(),
                    **({"arrived_by": str(self.arrived_by)} if self.arrived_by else {}),
                },
            )
        )
        return describe(ctx, tx, ticket, PrintOutcome(self.print_status)), True
