"""Bookings (予約) of appointment slots, on SQLAlchemy Core (one row at a time)."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, func, insert, select, update

from server.domain.appointment import Booking, BookingStatus

from .convert import utc
from .tables import AppointmentRow

APPOINTMENT = AppointmentRow.__table__  # type: ignore[attr-defined]
_HELD = (str(BookingStatus.BOOKED), str(BookingStatus.CHECKED_IN))


def _booking(row: Any) -> Booking:
    values = dict(row)
    values["start"] = utc(values["start"])
    values["booked_at"] = utc(values["booked_at"])
    if isinstance(values["day"], str):
        values["day"] = date.fromisoformat(values["day"])
    values["status"] = BookingStatus(values["status"])
    return Booking(**values)


def _one(conn: Connection, *where: Any) -> Booking | None:
    row = conn.execute(select(APPOINTMENT).where(*where)).mappings().first()
    return None if row is None else _booking(row)


def by_code(conn: Connection, office: str, code: str) -> Booking | None:
    return _one(conn, APPOINTMENT.c.office == office, APPOINTMENT.c.code == code)


def by_token(conn: Connection, token: str) -> Booking | None:
    return _one(conn, APPOINTMENT.c.token == token)


def by_key(conn: Connection, office: str, key: str) -> Booking | None:
    return _one(conn, APPOINTMENT.c.office == office, APPOINTMENT.c.key == key)


def codes_taken(conn: Connection, office: str, codes: tuple[str, ...]) -> set[str]:
    found = conn.execute(
        select(APPOINTMENT.c.code).where(
            APPOINTMENT.c.office == office, APPOINTMENT.c.code.in_(codes)
        )
    )
    return {row[0] for row in found}


def insert_booking(conn: Connection, booking: Booking) -> None:
    values = {f: getattr(booking, f) for f in (c.name for c in APPOINTMENT.columns)}
    values["status"] = str(booking.status)
    conn.execute(insert(APPOINTMENT).values(**values))


def set_status(
    conn: Connection, booking_id: str, status: BookingStatus, ticket: str | None = None
) -> None:
    values: dict[str, Any] = {"status": str(status)}
    if ticket is not None:
        values["ticket"] = ticket
    conn.execute(update(APPOINTMENT).where(APPOINTMENT.c.id == booking_id).values(**values))


def held_per_slot(conn: Connection, office: str, service: str, day: date) -> dict[datetime, int]:
    """Bookings not cancelled, by slot start, on `day`."""
    rows = conn.execute(
        select(APPOINTMENT.c.start, func.count())
        .where(
            APPOINTMENT.c.office == office,
            APPOINTMENT.c.service == service,
            APPOINTMENT.c.day == day,
            APPOINTMENT.c.status.in_(_HELD),
        )
        .group_by(APPOINTMENT.c.start)
    )
    return {utc(start): int(n) for start, n in rows}  # type: ignore[misc]


def held_from(conn: Connection, office: str, service: str, booked_from: str, today: date) -> int:
    """Bookings of `service` made from one address (its hash) still to be used: booked,
    not checked in nor cancelled, today or later."""
    found = conn.execute(
        select(func.count()).where(
            APPOINTMENT.c.office == office,
            APPOINTMENT.c.service == service,
            APPOINTMENT.c.booked_from == booked_from,
            APPOINTMENT.c.status == str(BookingStatus.BOOKED),
            APPOINTMENT.c.day >= today,
        )
    ).scalar_one()
    return int(found)


def waiting_to_check_in(conn: Connection, office: str, day: date) -> list[tuple[str, datetime]]:
    """(service, slot start) of the day's bookings not yet checked in nor cancelled: work
    the estimator counts ahead of walk-ins."""
    rows = conn.execute(
        select(APPOINTMENT.c.service, APPOINTMENT.c.start).where(
            APPOINTMENT.c.office == office,
            APPOINTMENT.c.day == day,
            APPOINTMENT.c.status == str(BookingStatus.BOOKED),
        )
    )
    return [(service, utc(start)) for service, start in rows]  # type: ignore[misc]


def move(conn: Connection, booking_id: str, start: datetime, day: date) -> None:
    conn.execute(
        update(APPOINTMENT).where(APPOINTMENT.c.id == booking_id).values(start=start, day=day)
    )
