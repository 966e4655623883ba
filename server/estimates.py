"""The wait estimator's inputs, read from the store; and a ticket's estimate from them.

The estimator itself is pure (server/domain/estimate.py); this reads, in the caller's
transaction, what it looks at: the day's active tickets, the counters' states, and the last
hours of the event log (service times, no-shows, the delay of recent calls, breaks).
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timedelta

from sqlalchemy import Connection, select

from server.domain import calendar, call_policy
from server.domain.estimate import Estimate, estimate
from server.domain.office import CounterState, Office
from server.domain.queue_state import HOLD_WINDOW_MIN, LogEvent, QueueState, build_state
from server.domain.ticket import Status, Ticket
from server.store import queries as q
from server.store.convert import utc

EVENT_TYPES = [
    "ticket.issued",
    "ticket.called",
    "ticket.finished",
    "ticket.preparing",
    "ticket.transferred",
    "ticket.no_show",
    "ticket.cancelled",
    "counter.paused",
]
# The newest events read at most: a few busy hours of a large office. Walked backwards on the
# primary key, so the read stays short however long the log grows.
MAX_EVENTS = 4000


def recent_events(conn: Connection, office: str, now: datetime) -> list[LogEvent]:
    since = now - timedelta(minutes=HOLD_WINDOW_MIN)
    rows = conn.execute(
        select(q.EV)
        .where(q.EV.c.office == office, q.EV.c.type.in_(EVENT_TYPES))
        .order_by(q.EV.c.seq.desc())
        .limit(MAX_EVENTS)
    )
    events = []
    for row in rows:
        event = LogEvent.from_dict(q.event_from_row(row))
        if event.at < since:
            break
        events.append(event)
    events.reverse()
    return events


def issued_at(conn: Connection, events: Iterable[LogEvent]) -> dict[str, datetime]:
    """When the tickets called in `events` were issued (for the delay of recent calls)."""
    ids = sorted({e.ticket for e in events if e.type == "ticket.called" and e.ticket})
    out: dict[str, datetime] = {}
    for i in range(0, len(ids), 500):
        rows = conn.execute(select(q.T.c.id, q.T.c.issued_at).where(q.T.c.id.in_(ids[i : i + 500])))
        out.update({r[0]: utc(r[1]) for r in rows if r[1] is not None})  # type: ignore[misc]
    return out


def state_from(
    office: Office,
    now: datetime,
    tickets: list[Ticket],
    counters: dict[str, CounterState],
    events: list[LogEvent],
    issued: dict[str, datetime],
) -> QueueState:
    return build_state(
        now,
        office.counters.values(),
        {c for c, s in counters.items() if s is CounterState.OPEN},
        tickets,
        {s.id: s.mean_service_min for s in office.services.values()},
        events,
        issued,
        {c for c, s in counters.items() if s is CounterState.PAUSED},
    )


def read_state(conn: Connection, office: Office, now: datetime) -> tuple[QueueState, list[Ticket]]:
    """The estimator's view of the office at `now`, and the day's active tickets."""
    events = recent_events(conn, office.id, now)
    tickets = q.day_tickets(conn, office.id, calendar.business_day(office, now))
    counters = q.counter_states(conn, office.id)
    return state_from(office, now, tickets, counters, events, issued_at(conn, events)), tickets


def for_ticket(state: QueueState, ticket: Ticket, tickets: Iterable[Ticket]) -> Estimate | None:
    """A waiting ticket's estimate (None for any other status)."""
    if ticket.status is not Status.WAITING:
        return None
    others = [t for t in tickets if t.id != ticket.id] + [ticket]
    return estimate(state, ticket.service, call_policy.position(ticket, others) or 0)


def describe_estimate(
    conn: Connection, office: Office, ticket: Ticket, now: datetime
) -> Estimate | None:
    """One ticket's estimate, read afresh (the commands' answers and the ticket API)."""
    if ticket.status is not Status.WAITING:
        return None
    state, tickets = read_state(conn, office, now)
    return for_ticket(state, ticket, tickets)
