"""The SQL the commands and views need, on SQLAlchemy Core for speed (the ORM session
costs more than the rest of a command here)."""

from __future__ import annotations

import json
from datetime import date, datetime
from typing import Any

from sqlalchemy import Connection, and_, func, insert, or_, select, update

from server.domain.office import CounterState
from server.domain.ticket import ACTIVE, Status, Ticket

from .convert import ticket_from_row, ticket_to_row, utc
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
    row = conn.execute(select(OFF.c.seq).where(OFF.c.id == office)).first()
    return None if row is None else int(row[0])


def next_number(conn: Connection, office: str, service: str, day: date) -> int:
    where = and_(NUM.c.office == office, NUM.c.service == service, NUM.c.day == day)
    row = conn.execute(select(NUM.c.last).where(where)).first()
    if row is None:
        conn.execute(insert(NUM).values(office=office, service=service, day=day, last=1))
        return 1
    conn.execute(update(NUM).where(where).values(last=row[0] + 1))
    return int(row[0]) + 1


def issued_count(conn: Connection, office: str, service: str, day: date) -> int:
    where = and_(NUM.c.office == office, NUM.c.service == service, NUM.c.day == day)
    row = conn.execute(select(NUM.c.last).where(where)).first()
    return 0 if row is None else int(row[0])


def get_ticket(conn: Connection, ticket_id: str) -> Ticket | None:
    row = conn.execute(select(T).where(T.c.id == ticket_id)).first()
    return None if row is None else ticket_from_row(row)


def get_ticket_by_token(conn: Connection, token: str) -> Ticket | None:
    row = conn.execute(select(T).where(T.c.token == token)).first()
    return None if row is None else ticket_from_row(row)


def ticket_print(conn: Connection, ticket_id: str) -> tuple[str, str | None]:
    row = conn.execute(select(T.c.print_status, T.c.print_error).where(T.c.id == ticket_id)).first()
    return ("none", None) if row is None else (row[0], row[1])


def set_print(conn: Connection, ticket_id: str, status: str, error: str | None) -> None:
    conn.execute(
        update(T).where(T.c.id == ticket_id).values(print_status=status, print_error=error)
    )


def insert_ticket(conn: Connection, ticket: Ticket, print_status: str = "none") -> None:
    conn.execute(insert(T).values(**ticket_to_row(ticket), print_status=print_status))


def update_ticket(conn: Connection, ticket: Ticket) -> None:
    values = ticket_to_row(ticket)
    del values["id"]
    conn.execute(update(T).where(T.c.id == ticket.id).values(**values))


def line_heads(conn: Connection, office: str, services: tuple[str, ...]) -> list[Ticket]:
    """The first ticket of each service's line (priority first, then oldest): enough for
    call_policy.pick_next to choose among them."""
    heads = []
    for service in services:
        row = conn.execute(
            select(T)
            .where(T.c.office == office, T.c.service == service, T.c.status == "waiting")
            .order_by(T.c.priority.desc(), T.c.queued_at, T.c.seq)
            .limit(1)
        ).first()
        if row is not None:
            heads.append(ticket_from_row(row))
    return heads


def waiting_line(conn: Connection, office: str, service: str) -> list[Ticket]:
    rows = conn.execute(
        select(T)
        .where(T.c.office == office, T.c.service == service, T.c.status == "waiting")
        .order_by(T.c.priority.desc(), T.c.queued_at, T.c.seq)
    )
    return [ticket_from_row(r) for r in rows]


def ahead_of(conn: Connection, ticket: Ticket) -> int:
    """People ahead of a waiting ticket in its line (the order of call_policy.queue_key)."""
    before = or_(
        T.c.queued_at < ticket.queued_at,
        and_(T.c.queued_at == ticket.queued_at, T.c.seq < ticket.seq),
    )
    in_front = (
        or_(T.c.priority.is_(True), before)
        if not ticket.priority
        else and_(T.c.priority.is_(True), before)
    )
    return int(
        conn.execute(
            select(func.count())
            .select_from(T)
            .where(T.c.office == ticket.office, T.c.service == ticket.service)
            .where(T.c.status == "waiting", T.c.id != ticket.id, in_front)
        ).scalar_one()
    )


def ticket_at_counter(conn: Connection, office: str, counter: str) -> Ticket | None:
    row = conn.execute(
        select(T).where(
            T.c.office == office, T.c.counter == counter, T.c.status.in_(["called", "serving"])
        )
    ).first()
    return None if row is None else ticket_from_row(row)


def counter_states(conn: Connection, office: str) -> dict[str, CounterState]:
    rows = conn.execute(select(CTR.c.id, CTR.c.state).where(CTR.c.office == office))
    return {r[0]: CounterState(r[1]) for r in rows}


def set_counter_state(
    conn: Connection, office: str, counter: str, state: CounterState, clerk: str | None
) -> None:
    conn.execute(
        update(CTR)
        .where(CTR.c.office == office, CTR.c.id == counter)
        .values(state=str(state), clerk=clerk)
    )


def day_tickets(conn: Connection, office: str, day: date) -> list[Ticket]:
    """Today's tickets that still matter to a screen."""
    rows = conn.execute(
        select(T).where(
            T.c.office == office,
            T.c.day == day,
            T.c.status.in_([str(s) for s in ACTIVE]),
        )
    )
    return [ticket_from_row(r) for r in rows]


def done_today(conn: Connection, office: str, day: date) -> int:
    return int(
        conn.execute(
            select(func.count())
            .select_from(T)
            .where(T.c.office == office, T.c.day == day, T.c.status == str(Status.DONE))
        ).scalar_one()
    )


def event_from_row(row: Any) -> dict[str, Any]:
    m = row._mapping
    out: dict[str, Any] = {"seq": m["seq"], "type": m["type"], "at": utc(m["at"]).isoformat()}  # type: ignore[union-attr]
    for key in ("ticket", "number", "service", "counter"):
        if m[key] is not None:
            out[key] = m[key]
    out.update(json.loads(m["data"]))
    return out


def recent_events(
    conn: Connection, office: str, types: list[str], since_at: datetime, limit: int
) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(EV)
        .where(EV.c.office == office, EV.c.type.in_(types), EV.c.at >= since_at)
        .order_by(EV.c.seq.desc())
        .limit(limit)
    )
    return [event_from_row(r) for r in rows]


def events_between(conn: Connection, office: str, after: int, upto: int) -> list[dict[str, Any]]:
    rows = conn.execute(
        select(EV)
        .where(EV.c.office == office, EV.c.seq > after, EV.c.seq <= upto)
        .order_by(EV.c.seq)
    )
    return [event_from_row(r) for r in rows]
