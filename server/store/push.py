"""Web Push subscriptions and the queue of notices to send, on SQLAlchemy Core (written by
the writer; server/push/ says what the rules are)."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import Connection, Table, delete, select, update
from sqlalchemy.dialects import postgresql, sqlite

from .tables import PushJobRow, PushSubscriptionRow, TicketRow

SUBSCRIPTION = PushSubscriptionRow.__table__  # type: ignore[attr-defined]
JOB = PushJobRow.__table__  # type: ignore[attr-defined]
TICKET = TicketRow.__table__  # type: ignore[attr-defined]


@dataclasses.dataclass(frozen=True)
class Subscription:
    ticket: str
    endpoint: str
    p256dh: str
    auth: str


@dataclasses.dataclass(frozen=True)
class Job:
    key: str
    ticket: str
    endpoint: str
    payload: str
    attempts: int


def _utc(value: datetime) -> datetime:
    return value if value.tzinfo else value.replace(tzinfo=UTC)  # SQLite drops the offset


def _upsert(conn: Connection, table: Table) -> Any:
    """INSERT … ON CONFLICT, for both databases: two processes (or a double tap) writing
    the same key must not fail the writer's batch with a key violation."""
    dialect = sqlite if conn.dialect.name == "sqlite" else postgresql
    return dialect.insert(table)


def subscribe(conn: Connection, office: str, sub: Subscription, now: datetime, keep: int) -> None:
    """The ticket's subscription at this endpoint, with these keys (a second one replaces);
    a ticket keeps its `keep` newest (a visitor changing phones), so that one token cannot
    make every event fan out to many endpoints."""
    keys = {"p256dh": sub.p256dh, "auth": sub.auth, "office": office, "created_at": now}
    statement = _upsert(conn, SUBSCRIPTION).values(ticket=sub.ticket, endpoint=sub.endpoint, **keys)
    conn.execute(statement.on_conflict_do_update(index_elements=["ticket", "endpoint"], set_=keys))
    older = conn.execute(
        select(SUBSCRIPTION.c.endpoint)
        .where(SUBSCRIPTION.c.ticket == sub.ticket)
        .order_by(SUBSCRIPTION.c.created_at.desc(), SUBSCRIPTION.c.endpoint)
        .offset(keep)
    ).all()
    for (endpoint,) in older:
        unsubscribe(conn, sub.ticket, endpoint)


def unsubscribe(conn: Connection, ticket: str, endpoint: str) -> bool:
    where = (SUBSCRIPTION.c.ticket == ticket) & (SUBSCRIPTION.c.endpoint == endpoint)
    return conn.execute(delete(SUBSCRIPTION).where(where)).rowcount > 0


def forget_endpoint(conn: Connection, endpoint: str) -> None:
    """The push service says the endpoint is gone (404/410): every subscription at it."""
    conn.execute(delete(SUBSCRIPTION).where(SUBSCRIPTION.c.endpoint == endpoint))


def subscriptions(conn: Connection, tickets: Iterable[str]) -> list[Subscription]:
    wanted = list(tickets)
    if not wanted:
        return []
    rows = conn.execute(
        select(
            SUBSCRIPTION.c.ticket,
            SUBSCRIPTION.c.endpoint,
            SUBSCRIPTION.c.p256dh,
            SUBSCRIPTION.c.auth,
        ).where(SUBSCRIPTION.c.ticket.in_(wanted))
    )
    return [Subscription(*row) for row in rows]


def subscribed_tickets(conn: Connection, office: str, ended: tuple[str, ...]) -> list[str]:
    """The office's subscribed tickets but those in an `ended` status (their subscriptions
    are kept, and nothing more is sent for them)."""
    rows = conn.execute(
        select(SUBSCRIPTION.c.ticket)
        .join(TICKET, TICKET.c.id == SUBSCRIPTION.c.ticket)
        .where((SUBSCRIPTION.c.office == office) & TICKET.c.status.not_in(ended))
        .distinct()
    )
    return [str(row[0]) for row in rows]


def subscription(conn: Connection, ticket: str, endpoint: str) -> Subscription | None:
    found = subscriptions(conn, [ticket])
    return next((s for s in found if s.endpoint == endpoint), None)


def enqueue(conn: Connection, key: str, sub: Subscription, payload: str, now: datetime) -> bool:
    """Queue a notice under its key; False (and nothing queued) when the key has been
    queued before: one event is sent once."""
    statement = _upsert(conn, JOB).values(
        key=key,
        ticket=sub.ticket,
        endpoint=sub.endpoint,
        payload=payload,
        attempts=0,
        due_at=now,
        created_at=now,
    )
    return bool(conn.execute(statement.on_conflict_do_nothing(index_elements=["key"])).rowcount)


def known_keys(conn: Connection, keys: list[str]) -> set[str]:
    """Which of these keys have been queued (sent or not)."""
    if not keys:
        return set()
    return {str(row[0]) for row in conn.execute(select(JOB.c.key).where(JOB.c.key.in_(keys)))}


def claim_due(conn: Connection, now: datetime, until: datetime, limit: int) -> list[Job]:
    """The jobs due now, each taken for this sender until `until` (its due time moved
    there): another process's sender, or this one's next round, leaves them alone while
    they are sent. One that is never recorded (the process died) is due again then."""
    rows = conn.execute(
        select(JOB.c.key, JOB.c.ticket, JOB.c.endpoint, JOB.c.payload, JOB.c.attempts, JOB.c.due_at)
        .where(JOB.c.sent_at.is_(None) & (JOB.c.due_at <= now))
        .order_by(JOB.c.due_at)
        .limit(limit)
    ).all()
    claimed = []
    for *job, due_at in rows:
        taken = update(JOB).where((JOB.c.key == job[0]) & (JOB.c.due_at == due_at))
        if conn.execute(taken.values(due_at=until)).rowcount:
            claimed.append(Job(*job))
    return claimed


def next_due(conn: Connection) -> datetime | None:
    row = conn.execute(
        select(JOB.c.due_at).where(JOB.c.sent_at.is_(None)).order_by(JOB.c.due_at).limit(1)
    ).first()
    return None if row is None else _utc(row[0])


def mark_sent(conn: Connection, key: str, now: datetime) -> None:
    """Sent (or given up on): kept so that its key is never queued again."""
    conn.execute(update(JOB).where(JOB.c.key == key).values(sent_at=now))


def retry_at(conn: Connection, key: str, attempts: int, due_at: datetime) -> None:
    conn.execute(update(JOB).where(JOB.c.key == key).values(attempts=attempts, due_at=due_at))


def purge_sent(conn: Connection, before: datetime) -> None:
    conn.execute(delete(JOB).where(JOB.c.sent_at.is_not(None) & (JOB.c.created_at < before)))
