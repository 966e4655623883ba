"""Tickets and their numbers, in plain SQL (server/store/raw.py): every command and every
screen reads or writes them, and SQLAlchemy's statement building cost a third of a ticket."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection

from server.domain.call_policy import QUEUE_ORDER
from server.domain.ticket import ACTIVE, Status, Ticket

from .convert import (
    TICKET_FIELDS,
    TICKET_PRINT_COLUMNS,
    TICKET_TIMES,
    TicketRows,
    ticket_from_values,
    utc,
)
from .lines import lines
from .raw import Raw, raw

_COLUMNS = ", ".join(TICKET_FIELDS)
_NUMBER_KEY = "office = :office AND service = :service AND day = :day"


def next_number(conn: Connection, office: str, service: str, day: date) -> int:
    r = raw(conn)
    key = {"office": office, "service": service, "day": r.day(day)}
    row = r.one(f"SELECT last FROM number_counter WHERE {_NUMBER_KEY}", key)
    if row is None:
        r.run(
            "INSERT INTO number_counter (office, service, day, last) VALUES (:office, :service, :day, 1)",
            key,
        )
        return 1
    r.run(
        f"UPDATE number_counter SET last = :last WHERE {_NUMBER_KEY}", {**key, "last": row[0] + 1}
    )
    return int(row[0]) + 1


def issued_count(conn: Connection, office: str, service: str, day: date) -> int:
    r = raw(conn)
    row = r.one(
        f"SELECT last FROM number_counter WHERE {_NUMBER_KEY}",
        {"office": office, "service": service, "day": r.day(day)},
    )
    return 0 if row is None else int(row[0])


def issued_counts(conn: Connection, office: str, day: date) -> dict[str, int]:
    """Tickets issued on `day`, by service (the last number given: numbers never repeat)."""
    r = raw(conn)
    cursor = r.execute(
        "SELECT service, last FROM number_counter WHERE office = :office AND day = :day",
        {"office": office, "day": r.day(day)},
    )
    counts = {row[0]: int(row[1]) for row in cursor.fetchall()}
    cursor.close()
    return counts


def remote_issued(conn: Connection, office: str, service: str, day: date) -> int:
    """Tickets from home issued today for a service (its share of the cap)."""
    r = raw(conn)
    found = r.one(
        "SELECT count(*) FROM ticket WHERE office = :office AND service = :service"
        " AND day = :day AND remote = :yes",
        {"office": office, "service": service, "day": r.day(day), "yes": r.flag(True)},
    )
    return int(found[0]) if found else 0


def device_has_active(conn: Connection, office: str, service: str, day: date, device: str) -> bool:
    """Whether a phone (its hashed key) holds a ticket from home for a service today that
    is still part of the day's work."""
    r = raw(conn)
    found = r.one(
        "SELECT count(*) FROM ticket WHERE office = :office AND service = :service"
        f" AND day = :day AND device = :device AND status IN ({_ACTIVE})",
        {"office": office, "service": service, "day": r.day(day), "device": device},
    )
    return bool(found and found[0])


def _tickets(
    conn: Connection, where: str, params: dict[str, Any], rows: TicketRows | None = None
) -> list[Ticket]:
    """`rows`: the installation's conversions to reuse (Engines.ticket_rows), for the
    reads of every screen rebuild."""
    cursor = raw(conn).execute(f"SELECT {_COLUMNS} FROM ticket WHERE {where}", params)
    found = cursor.fetchall()
    cursor.close()
    if rows is not None:
        return [rows.ticket(tuple(row)) for row in found]
    return [ticket_from_values(dict(zip(TICKET_FIELDS, row, strict=True))) for row in found]


def _ticket(conn: Connection, where: str, params: dict[str, Any]) -> Ticket | None:
    found = _tickets(conn, f"{where} LIMIT 1", params)
    return found[0] if found else None


def get_ticket(conn: Connection, ticket_id: str) -> Ticket | None:
    return _ticket(conn, "id = :id", {"id": ticket_id})


def get_ticket_by_token(conn: Connection, token: str) -> Ticket | None:
    return _ticket(conn, "token = :token", {"token": token})


def ticket_print(conn: Connection, ticket_id: str) -> tuple[str, str | None]:
    row = raw(conn).one(
        "SELECT print_status, print_error FROM ticket WHERE id = :id", {"id": ticket_id}
    )
    return ("none", None) if row is None else (row[0], row[1])


def set_print(conn: Connection, ticket_id: str, status: str, error: str | None) -> None:
    raw(conn).run(
        "UPDATE ticket SET print_status = :status, print_error = :error WHERE id = :id",
        {"id": ticket_id, "status": status, "error": error},
    )


_INSERT_TICKET = (
    f"INSERT INTO ticket ({', '.join((*TICKET_FIELDS, *TICKET_PRINT_COLUMNS))})"
    f" VALUES ({', '.join(f':{c}' for c in (*TICKET_FIELDS, *TICKET_PRINT_COLUMNS))})"
)
# How a column's value is bound where it is not as the ticket holds it (raw.py writes
# them as SQLAlchemy would).
_BIND: dict[str, Callable[[Raw, Any], Any]] = {
    **{f: Raw.ts for f in TICKET_TIMES},
    "day": Raw.day,
    "priority": Raw.flag,
    "remote": Raw.flag,
    "booked": Raw.flag,
    "status": lambda r, v: str(v),
}
_PLAIN = tuple(f for f in TICKET_FIELDS if f not in _BIND)


def _ticket_params(r: Raw, t: Ticket) -> dict[str, Any]:
    """A ticket's columns as SQLAlchemy would write them (raw.py)."""
    params = {f: getattr(t, f) for f in _PLAIN}
    for f, bind in _BIND.items():
        params[f] = bind(r, getattr(t, f))
    return params


def insert_ticket(conn: Connection, ticket: Ticket, print_status: str = "none") -> None:
    r = raw(conn)
    t = ticket
    params = {**_ticket_params(r, t), "print_status": print_status, "print_error": None}
    r.run(_INSERT_TICKET, params)
    line = lines(conn)
    line.last_inserted = t.id
    if t.status is Status.WAITING:
        line.change(t.office, (t.service, r.day(t.day)), +1)


_UPDATE_TICKET = (
    "UPDATE ticket SET "
    + ", ".join(f"{f} = :{f}" for f in TICKET_FIELDS if f != "id")
    + " WHERE id = :id"
)


def update_ticket(conn: Connection, ticket: Ticket) -> None:
    r = raw(conn)
    before = r.one("SELECT status, service, day FROM ticket WHERE id = :id", {"id": ticket.id})
    r.run(_UPDATE_TICKET, _ticket_params(r, ticket))
    if before is not None:
        line = lines(conn)
        if before[0] == "waiting":
            line.change(ticket.office, (before[1], before[2]), -1)
        if ticket.status is Status.WAITING:
            line.change(ticket.office, (ticket.service, r.day(ticket.day)), +1)


# The queue order's SQL, both made from call_policy.QUEUE_ORDER (and held to it by
# tests/integration/store/test_tickets.py).
IN_QUEUE_ORDER = "ORDER BY " + ", ".join(
    f"{o.attribute} DESC" if o.descending else o.attribute for o in QUEUE_ORDER
)


def _before_in_queue() -> str:
    """SQL true for a row that comes before the ticket whose columns are bound by name
    (`:priority`, `:queued_at`, …): call_policy.QUEUE_ORDER compared step by step."""
    steps: list[str] = []
    ties: list[str] = []
    for o in QUEUE_ORDER:
        ahead = f"{o.attribute} {'>' if o.descending else '<'} :{o.attribute}"
        steps.append(" AND ".join([*ties, ahead]))
        ties.append(f"{o.attribute} = :{o.attribute}")
    return "(" + " OR ".join(f"({step})" for step in steps) + ")"


_WAITING = "office = :office AND service = :service AND status = 'waiting' AND day = :day"
_AHEAD_OF = f"SELECT count(*) FROM ticket WHERE {_WAITING} AND id <> :id AND {_before_in_queue()}"


def line_heads(
    conn: Connection,
    office: str,
    services: tuple[str, ...],
    day: date,
    booked: tuple[str, ...] = (),
    now: datetime | None = None,
) -> list[Ticket]:
    """The first ticket of each line a counter calls from today (call_policy.QUEUE_ORDER):
    the walk-ins of `services` and the bookings of `booked` due at `now`
    (call_policy.is_callable), enough for call_policy.pick_next to choose among them.
    Yesterday's uncalled tickets are not in today's line: their numbers are given again
    today."""
    r = raw(conn)
    heads = []
    due = "" if now is None else " AND queued_at <= :now"
    for service, is_booked in [*((s, False) for s in services), *((s, True) for s in booked)]:
        found = _ticket(
            conn,
            f"{_WAITING} AND booked = :booked{due if is_booked else ''} {IN_QUEUE_ORDER}",
            {
                "office": office,
                "service": service,
                "day": r.day(day),
                "booked": r.flag(is_booked),
                "now": r.ts(now),
            },
        )
        if found is not None:
            heads.append(found)
    return heads


def waiting_line(conn: Connection, office: str, service: str, day: date) -> list[Ticket]:
    return _tickets(
        conn,
        f"{_WAITING} {IN_QUEUE_ORDER}",
        {"office": office, "service": service, "day": raw(conn).day(day)},
    )


def ahead_of(conn: Connection, ticket: Ticket) -> int:
    """People ahead of a waiting ticket in its line (call_policy.QUEUE_ORDER)."""
    r = raw(conn)
    line = lines(conn)
    if not ticket.priority and line.last_inserted == ticket.id:
        # A ticket just issued is the last of its line: everyone waiting is ahead.
        return line.count(conn, ticket.office, (ticket.service, r.day(ticket.day))) - 1
    params = _ticket_params(r, ticket)  # every column, those of QUEUE_ORDER among them
    row = r.one(_AHEAD_OF, params)
    return int(row[0]) if row else 0


_HELD = "office = :office AND day = :day AND status IN ('called', 'serving')"


def ticket_at_counter(conn: Connection, office: str, counter: str, day: date) -> Ticket | None:
    """The ticket a counter holds today. One left called or serving on an earlier day
    (the clerk went home) does not block the counter, as the counter app shows only
    today's tickets."""
    return _ticket(
        conn,
        f"{_HELD} AND counter = :counter",
        {"office": office, "counter": counter, "day": raw(conn).day(day)},
    )


_ACTIVE = ", ".join(repr(str(s)) for s in sorted(ACTIVE))


def day_tickets(
    conn: Connection, office: str, day: date, rows: TicketRows | None = None
) -> list[Ticket]:
    """Today's tickets that still matter to a screen (`rows`: the conversions to reuse)."""
    return _tickets(
        conn,
        f"office = :office AND day = :day AND status IN ({_ACTIVE})",
        {"office": office, "day": raw(conn).day(day)},
        rows,
    )


def line_summary(
    conn: Connection, office: str, day: date
) -> tuple[dict[str, int], dict[str, datetime], list[Ticket]]:
    """Per service the tickets waiting and the first one's place in time, and the tickets
    held at counters: what the wait estimator needs of the day, counted in SQL."""
    r = raw(conn)
    params = {"office": office, "day": r.day(day)}
    cursor = r.execute(
        "SELECT service, count(*), min(queued_at) FROM ticket"
        " WHERE office = :office AND day = :day AND status = 'waiting' GROUP BY service",
        params,
    )
    waiting, heads = {}, {}
    for service, count, first in cursor.fetchall():
        waiting[service] = int(count)
        heads[service] = utc(first)
    cursor.close()
    return waiting, heads, _tickets(conn, _HELD, params)  # type: ignore[return-value]


def done_today(conn: Connection, office: str, day: date) -> int:
    r = raw(conn)
    row = r.one(
        "SELECT count(*) FROM ticket WHERE office = :office AND day = :day AND status = :done",
        {"office": office, "day": r.day(day), "done": str(Status.DONE)},
    )
    return int(row[0]) if row else 0


def issued_at_of(conn: Connection, tickets: Iterable[str]) -> dict[str, datetime]:
    """When each of these tickets was issued (those that exist)."""
    ids = sorted(tickets)
    out: dict[str, datetime] = {}
    r = raw(conn)
    for i in range(0, len(ids), 500):
        chunk = {f"id{n}": t for n, t in enumerate(ids[i : i + 500])}
        cursor = r.execute(
            f"SELECT id, issued_at FROM ticket WHERE id IN ({', '.join(':' + k for k in chunk)})",
            chunk,
        )
        out.update({row[0]: utc(row[1]) for row in cursor.fetchall() if row[1] is not None})
        cursor.close()
    return out


def count(conn: Connection) -> int:
    """Every ticket stored (for tests and checks after a fault)."""
    row = raw(conn).one("SELECT count(*) FROM ticket")
    return int(row[0]) if row else 0
