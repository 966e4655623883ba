"""Rows <-> domain objects."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from sqlalchemy import DateTime

from server.domain.ticket import Status, Ticket

from .tables import TicketRow


def utc(value: datetime | str | None) -> datetime | None:
    """SQLite hands back naive datetimes (they were written in UTC), or ISO text when read
    without SQLAlchemy; PostgreSQL aware ones."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


# A ticket's columns are the table's, less its print state (the print service's, not the
# domain's): the one list that the store's SQL and the conversions below are made from.
TICKET_PRINT_COLUMNS = ("print_status", "print_error")
TICKET_FIELDS = tuple(
    c.name
    for c in TicketRow.__table__.columns  # type: ignore[attr-defined]
    if c.name not in TICKET_PRINT_COLUMNS
)
TICKET_TIMES = frozenset(
    c.name
    for c in TicketRow.__table__.columns  # type: ignore[attr-defined]
    if isinstance(c.type, DateTime)
)


def ticket_from_row(row: Any) -> Ticket:
    m = row._mapping
    return ticket_from_values({k: m[k] for k in TICKET_FIELDS})


def ticket_from_values(values: dict[str, Any]) -> Ticket:
    """From a row's values as SQLAlchemy or the driver itself gives them: on SQLite the
    driver gives datetimes and dates as ISO text (naive UTC) and booleans as 0/1."""
    for k in TICKET_TIMES:
        values[k] = utc(values[k])
    if isinstance(values["day"], str):
        values["day"] = date.fromisoformat(values["day"])
    values["status"] = Status(values["status"])
    values["priority"] = bool(values["priority"])
    values["remote"] = bool(values["remote"])
    values["booked"] = bool(values["booked"])
    return Ticket(**values)


class TicketRows:
    """A stored row -> its Ticket (frozen, so shared), kept by the installation's Engines.
    Every change rebuilds the screens from the day's tickets; converting each row again
    (timestamps parsed by SQLAlchemy's result processing) was a quarter of a call's way to
    the screens, when one row had changed."""

    MAX_ROWS = 50_000

    def __init__(self) -> None:
        self._known: dict[tuple[Any, ...], Ticket] = {}

    def ticket(self, row: tuple[Any, ...]) -> Ticket:
        ticket = self._known.get(row)
        if ticket is None:
            if len(self._known) >= self.MAX_ROWS:
                self._known.clear()
            ticket = ticket_from_values(dict(zip(TICKET_FIELDS, row, strict=True)))
            self._known[row] = ticket
        return ticket
