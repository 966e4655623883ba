"""The event log, in plain SQL (server/store/raw.py): the live views read it on every
change, the estimator every few seconds. Events are written by the writer alone
(unit_of_work.Tx.append); only a transfer's note is ever erased afterwards."""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from server.domain.events import CALL_EVENT_TYPES, Event, EventType, wire_form

from .convert import utc
from .raw import Raw, raw

_KEYS = ("seq", "type", "at", "ticket", "number", "service", "counter", "data")
_COLUMNS = ", ".join(_KEYS)


def _event_of(values: Sequence[Any]) -> dict[str, Any]:
    """An event's wire form from the values of _COLUMNS, as the driver gives them (on
    SQLite `at` comes as text)."""
    seq, kind, at, ticket, number, service, counter, data = values
    event = Event(EventType(kind), ticket, number, service, counter, orjson.loads(data))
    return wire_form(seq, utc(at), event)  # type: ignore[arg-type]


def _events(r: Raw, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = r.execute(f"SELECT {_COLUMNS} FROM event WHERE {sql}", params)
    rows = cursor.fetchall()
    cursor.close()
    return [_event_of(row) for row in rows]


def _types(types: Collection[str]) -> tuple[str, dict[str, str]]:
    kinds = {f"type{i}": kind for i, kind in enumerate(sorted(types))}
    return f"type IN ({', '.join(':' + k for k in kinds)})", kinds


def recent_events(
    conn: Connection, office: str, types: Collection[str], since_at: datetime, limit: int
) -> list[dict[str, Any]]:
    """The newest events of these types since `since_at`, newest first, at most `limit`."""
    r = raw(conn)
    of_types, kinds = _types(types)
    return _events(
        r,
        f"office = :office AND {of_types} AND at >= :since ORDER BY seq DESC LIMIT :limit",
        {"office": office, "since": r.ts(since_at), "limit": limit, **kinds},
    )


def latest(
    conn: Connection, office: str, types: Collection[str], limit: int, upto: int | None = None
) -> list[dict[str, Any]]:
    """The newest `limit` events of these types (up to version `upto`), newest first:
    walked backwards on the primary key, so the read stays short however long the log."""
    of_types, kinds = _types(types)
    params: dict[str, Any] = {"office": office, "limit": limit, **kinds}
    bound = ""
    if upto is not None:
        bound, params["upto"] = " AND seq <= :upto", upto
    return _events(
        raw(conn), f"office = :office AND {of_types}{bound} ORDER BY seq DESC LIMIT :limit", params
    )


def between(
    conn: Connection, office: str, after: int, upto: int, types: Collection[str] | None = None
) -> list[dict[str, Any]]:
    """The events after version `after` up to `upto`, oldest first (of `types` only)."""
    of_types, kinds = _types(types) if types is not None else ("1 = 1", {})
    return _events(
        raw(conn),
        f"office = :office AND {of_types} AND seq > :after AND seq <= :upto ORDER BY seq",
        {"office": office, "after": after, "upto": upto, **kinds},
    )


def first_seq_since(conn: Connection, office: str, at: datetime) -> int | None:
    """The first version written at or after `at` (None: none yet)."""
    r = raw(conn)
    row = r.one(
        "SELECT min(seq) FROM event WHERE office = :office AND at >= :at",
        {"office": office, "at": r.ts(at)},
    )
    return None if row is None or row[0] is None else int(row[0])


def ticket_events(
    conn: Connection, office: str, start: datetime, end: datetime
) -> list[dict[str, Any]]:
    """The tickets' events from `start` to before `end`, oldest first (the history), each
    with its `actor` (the staff member who did it; None for the visitor or a device)."""
    r = raw(conn)
    cursor = r.execute(
        f"SELECT {_COLUMNS}, actor FROM event WHERE office = :office AND at >= :start"
        " AND at < :end AND type LIKE :kind ORDER BY seq",
        {"office": office, "start": r.ts(start), "end": r.ts(end), "kind": "ticket.%"},
    )
    rows = cursor.fetchall()
    cursor.close()
    return [_event_of(row[:-1]) | {"actor": row[-1]} for row in rows]


_TRANSFERRED = "office = :office AND type = 'ticket.transferred'"


def transfers(conn: Connection, office: str, ticket: str) -> list[dict[str, Any]]:
    """A ticket's transfers, oldest first, in wire form."""
    return _events(
        raw(conn),
        f"{_TRANSFERRED} AND ticket = :ticket ORDER BY seq",
        {"office": office, "ticket": ticket},
    )


def erase_transfer_notes(conn: Connection, office: str, written_before: datetime | None) -> int:
    """Take the clerk's note out of the transfers written before `written_before` (None:
    all of them); the transfer itself stays in the log. Returns how many were changed."""
    r = raw(conn)
    sql = f"SELECT seq, data FROM event WHERE {_TRANSFERRED} AND data LIKE :note"
    params: dict[str, Any] = {"office": office, "note": '%"note"%'}
    if written_before is not None:
        sql += " AND at <= :before"
        params["before"] = r.ts(written_before)
    cursor = r.execute(sql, params)
    found = cursor.fetchall()
    cursor.close()
    for seq, data in found:
        kept = {k: v for k, v in json.loads(data).items() if k != "note"}
        r.run(
            "UPDATE event SET data = :data WHERE office = :office AND seq = :seq",
            {"office": office, "seq": seq, "data": json.dumps(kept, ensure_ascii=False)},
        )
    return len(found)


def was_called(
    conn: Connection, office: str, prefix: str, seq: int, day: date, counter: str
) -> bool:
    """Whether the day's ticket `prefix`-`seq` has been called (or recalled, or called for
    pickup) at `counter`: the only calls the displays' voice makes (server/voice.py). Two
    index lookups: the ticket by its number, its events by ticket."""
    r = raw(conn)
    of_types, kinds = _types(CALL_EVENT_TYPES)
    row = r.one(
        "SELECT 1 FROM ticket JOIN event ON event.ticket = ticket.id AND event.office = ticket.office"
        " WHERE ticket.office = :office AND ticket.prefix = :prefix AND ticket.day = :day"
        f" AND ticket.seq = :seq AND event.counter = :counter AND event.{of_types} LIMIT 1",
        {"office": office, "prefix": prefix, "seq": seq, "day": r.day(day), "counter": counter}
        | kinds,
    )
    return row is not None
