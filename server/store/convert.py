"""Rows <-> domain objects."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from server.domain.ticket import Status, Ticket


def utc(value: datetime | None) -> datetime | None:
    """SQLite hands back naive datetimes (they were written in UTC); PostgreSQL aware ones."""
    if value is None:
        return None
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


TICKET_FIELDS = [
    "id",
    "office",
    "service",
    "prefix",
    "seq",
    "day",
    "token",
    "lang",
    "priority",
    "channel",
    "status",
    "kiosk",
    "counter",
    "issued_at",
    "queued_at",
    "called_at",
    "started_at",
    "finished_at",
    "recalls",
    "transfers",
]
_TIMES = {"issued_at", "queued_at", "called_at", "started_at", "finished_at"}


def ticket_from_row(row: Any) -> Ticket:
    m = row._mapping
    values = {k: m[k] for k in TICKET_FIELDS}
    for k in _TIMES:
        values[k] = utc(values[k])
    values["status"] = Status(values["status"])
    values["priority"] = bool(values["priority"])
    return Ticket(**values)


def ticket_to_row(ticket: Ticket) -> dict[str, Any]:
    values = {k: getattr(ticket, k) for k in TICKET_FIELDS}
    values["status"] = str(ticket.status)
    for k in _TIMES:
        if values[k] is not None:
            values[k] = values[k].astimezone(UTC)
    return values
