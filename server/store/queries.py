"""The SQL the commands and views need, on SQLAlchemy Core for speed (the ORM session
costs more than the rest of a command here)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date, datetime
from typing import Any

import orjson
from sqlalchemy import Connection, func, insert, select, update

from server.domain.call_policy import QUEUE_ORDER
from server.domain.events import Event, EventType, wire_form
from server.domain.office import CounterState
from server.domain.ticket import ACTIVE, Status, Ticket

from .convert import (
    TICKET_FIELDS,
    TICKET_PRINT_COLUMNS,
    TICKET_TIMES,
    TicketRows,
    ticket_from_row,
    utc,
)
from .lines import lines
from .raw import Raw, raw
from .tables import CounterRow, EventRow, NumberCounterRow, OfficeRow, TicketRow

T = TicketRow.__table__  # type: ignore[attr-defined]
NUM = NumberCounterRow.__table__  # type: ignore[attr-defined]
CTR = CounterRow.__table__  # type: ignore[attr-defined]
EV = EventRow.__table__  # type: ignore[attr-defined]
OFF = OfficeRow.__table__  # type: ignore[attr-defined]


def ensure_office(conn: Connection, office: str, counters: list[str]) -> None:
    if conn.execute(select(OFF.c.id).where(OFF.c.id == office)).first() is None:
        conn.execute(insert(OFF).values(id=office, seq=0))
    known = {r[0] for r in conn.execute(select(CTR.c.id).where(CTR.c.office == office))}
    for counter in counters:
        if counter not in known:
            conn.execute(insert(CTR).values(office=office, id=counter, state="closed"))


def office_version(conn: Connection, office: str) -> int | None:
    row = raw(conn).one("SELECT seq FROM office WHERE id = :id", {"id": office})
    return None if row is None else int(row[0])


def next_number(conn: Connection, office: str, service: str, day: date) -> int:
    r = raw(conn)
    key = {"office": office, "service": service, "day": r.day(day)}
    row = r.one(
        "SELECT last FROM number_counter WHERE office = :office AND service = :service AND day = :day",
        key,
    )
    if row is None:
        r.run(
            "INSERT INTO number_counter (office, service, day, last) VALUES (:office, :service, :day, 1)",
            key,
        )
        return 1
    r.run(
        "UPDATE number_counter SET last = :last WHERE office = :office AND service = :service AND day = :day",
        {**key, "last": row[0] + 1},
    )
    return int(row[0]) + 1


def issued_count(conn: Connection, office: str, service: str, day: date) -> int:
    r = raw(conn)
    row = r.one(
        "SELECT last FROM number_counter WHERE office = :office AND service = :service AND day = :day",
        {"office": office, "service": service, "day": r.day(day)},
    )
    return 0 if row is None else int(row[0])


def get_ticket(conn: Connection, ticket_id: str) -> Ticket | None:
    row = conn.execute(select(T).where(T.c.id == ticket_id)).first()
    return None if row is None else ticket_from_row(row)


def get_ticket_by_token(conn: Connection, token: str) -> Ticket | None:
    row = conn.execute(select(T).where(T.c.token == token)).first()
    return None if row is None else ticket_from_row(row)


def ticket_print(conn: Connection, ticket_id: str) -> tuple[str, str | None]:
    row = raw(conn).one(
        "SELECT print_status, print_error FROM ticket WHERE id = :id", {"id": ticket_id}
    )
    return ("none", None) if row is None else (row[0], row[1])


def set_print(conn: Connection, ticket_id: str, status: str, error: str | None) -> None:
    conn.execute(
        update(T).where(T.c.id == ticket_id).values(print_status=status, print_error=error)
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


def _in_queue_order(table: Any) -> list[Any]:
    """The ORDER BY of call_policy.QUEUE_ORDER."""
    return [
        table.c[o.attribute].desc() if o.descending else table.c[o.attribute] for o in QUEUE_ORDER
    ]


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


_AHEAD_OF = (
    "SELECT count(*) FROM ticket WHERE office = :office AND service = :service"
    f" AND status = 'waiting' AND day = :day AND id <> :id AND {_before_in_queue()}"
)


def line_heads(conn: Connection, office: str, services: tuple[str, ...], day: date) -> list[Ticket]:
    """The first ticket of each service's line today (priority first, then oldest): enough
    for call_policy.pick_next to choose among them. Yesterday's uncalled tickets are not in
    today's line: their numbers are given again today."""
    heads = []
    for service in services:
        row = conn.execute(
            select(T)
            .where(T.c.office == office, T.c.service == service, T.c.status == "waiting")
            .where(T.c.day == day)
            .order_by(*_in_queue_order(T))
            .limit(1)
        ).first()
        if row is not None:
            heads.append(ticket_from_row(row))
    return heads


def waiting_line(conn: Connection, office: str, service: str, day: date) -> list[Ticket]:
    rows = conn.execute(
        select(T)
        .where(T.c.office == office, T.c.service == service, T.c.status == "waiting")
        .where(T.c.day == day)
        .order_by(*_in_queue_order(T))
    )
    return [ticket_from_row(r) for r in rows]


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


def ticket_at_counter(conn: Connection, office: str, counter: str, day: date) -> Ticket | None:
    """The ticket a counter holds today. One left called or serving on an earlier day
    (the clerk went home) does not block the counter, as the counter app shows only
    today's tickets."""
    row = conn.execute(
        select(T).where(
            T.c.office == office,
            T.c.counter == counter,
            T.c.status.in_(["called", "serving"]),
            T.c.day == day,
        )
    ).first()
    return None if row is None else ticket_from_row(row)


def counter_states(conn: Connection, office: str) -> dict[str, CounterState]:
    cursor = raw(conn).execute(
        "SELECT id, state FROM counter WHERE office = :office", {"office": office}
    )
    states = {r[0]: CounterState(r[1]) for r in cursor.fetchall()}
    cursor.close()
    return states


def set_counter_state(
    conn: Connection, office: str, counter: str, state: CounterState, clerk: str | None
) -> None:
    conn.execute(
        update(CTR)
        .where(CTR.c.office == office, CTR.c.id == counter)
        .values(state=str(state), clerk=clerk)
    )


_DAY_TICKETS = (
    f"SELECT {', '.join(TICKET_FIELDS)} FROM ticket WHERE office = :office AND day = :day"
    f" AND status IN ({', '.join(repr(str(s)) for s in sorted(ACTIVE))})"
)


def day_tickets(
    conn: Connection, office: str, day: date, rows: TicketRows | None = None
) -> list[Ticket]:
    """Today's tickets that still matter to a screen (`rows`: the conversions to reuse)."""
    r = raw(conn)
    cursor = r.execute(_DAY_TICKETS, {"office": office, "day": r.day(day)})
    found = cursor.fetchall()
    cursor.close()
    rows = rows or TicketRows()
    return [rows.ticket(tuple(row)) for row in found]


def line_summary(
    conn: Connection, office: str, day: date
) -> tuple[dict[str, int], dict[str, datetime], list[Ticket]]:
    """Per service the tickets waiting and the first one's place in time, and the tickets
    held at counters: what the wait estimator needs of the day, counted in SQL."""
    rows = conn.execute(
        select(T.c.service, func.count(), func.min(T.c.queued_at))
        .where(T.c.office == office, T.c.day == day, T.c.status == "waiting")
        .group_by(T.c.service)
    )
    waiting, heads = {}, {}
    for service, count, first in rows:
        waiting[service] = int(count)
        heads[service] = (
            utc(first) if not isinstance(first, str) else utc(datetime.fromisoformat(first))
        )
    held = conn.execute(
        select(T).where(T.c.office == office, T.c.day == day, T.c.status.in_(["called", "serving"]))
    )
    return waiting, heads, [ticket_from_row(r) for r in held]  # type: ignore[return-value]


def done_today(conn: Connection, office: str, day: date) -> int:
    r = raw(conn)
    row = r.one(
        "SELECT count(*) FROM ticket WHERE office = :office AND day = :day AND status = :done",
        {"office": office, "day": r.day(day), "done": str(Status.DONE)},
    )
    return int(row[0]) if row else 0


# The live views read events on every change: plain SQL, as the commands' statements.
_EVENT_KEYS = ("seq", "type", "at", "ticket", "number", "service", "counter", "data")
_EVENT_COLUMNS = ", ".join(_EVENT_KEYS)


def event_from_row(row: Any) -> dict[str, Any]:
    """An event as the views and the estimator take it, from a row of the event table."""
    m = row._mapping
    return _event_of([m[k] for k in _EVENT_KEYS])


def _event_of(values: Sequence[Any]) -> dict[str, Any]:
    """The same from the values of _EVENT_COLUMNS, as SQLAlchemy or the driver gives them
    (on SQLite the driver gives `at` as text)."""
    seq, kind, at, ticket, number, service, counter, data = values
    event = Event(EventType(kind), ticket, number, service, counter, orjson.loads(data))
    return wire_form(seq, utc(at), event)  # type: ignore[arg-type]


def _events(r: Raw, sql: str, params: dict[str, Any]) -> list[dict[str, Any]]:
    cursor = r.execute(f"SELECT {_EVENT_COLUMNS} FROM event WHERE {sql}", params)
    rows = cursor.fetchall()
    cursor.close()
    return [_event_of(row) for row in rows]


def recent_events(
    conn: Connection, office: str, types: list[str], since_at: datetime, limit: int
) -> list[dict[str, Any]]:
    r = raw(conn)
    kinds = {f"type{i}": kind for i, kind in enumerate(types)}
    return _events(
        r,
        f"office = :office AND type IN ({', '.join(':' + k for k in kinds)}) AND at >= :since"
        " ORDER BY seq DESC LIMIT :limit",
        {"office": office, "since": r.ts(since_at), "limit": limit, **kinds},
    )


def events_between(conn: Connection, office: str, after: int, upto: int) -> list[dict[str, Any]]:
    return _events(
        raw(conn),
        "office = :office AND seq > :after AND seq <= :upto ORDER BY seq",
        {"office": office, "after": after, "upto": upto},
    )
