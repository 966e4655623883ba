"""The sign-in throttle's failures (server/api/auth.py says the rules), on SQLAlchemy Core:
read on every sign-in, written by the writer on every wrong password."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, and_, delete, func, insert, select

from .convert import utc
from .tables import SignInFailureRow

FAILURE = SignInFailureRow.__table__  # type: ignore[attr-defined]


def recent_failures(
    conn: Connection, username: str, address: str, since: datetime
) -> tuple[list[datetime], list[datetime], list[datetime]]:
    """The times (oldest first) of the failures after `since`: of this (name, address)
    pair, of this name from anywhere, and from this address for any name."""
    c = FAILURE.c
    fresh = c.at > since
    by_name = [
        (_utc(row.at), row.address)
        for row in conn.execute(
            select(c.at, c.address).where(and_(c.username == username, fresh)).order_by(c.at)
        )
    ]
    by_address = [
        _utc(at)
        for at in conn.execute(
            select(c.at).where(and_(c.address == address, fresh)).order_by(c.at)
        ).scalars()
    ]
    pair = [at for at, where in by_name if where == address]
    return pair, [at for at, _ in by_name], by_address


def add_failure(
    conn: Connection, username: str, address: str, now: datetime, before: datetime, keep: int
) -> None:
    """Record a failure; forget those at or before `before`, and beyond the newest `keep`."""
    c = FAILURE.c
    conn.execute(delete(FAILURE).where(c.at <= before))
    new_id = conn.execute(
        insert(FAILURE).values(username=username, address=address, at=now)
    ).inserted_primary_key
    if new_id is not None and int(new_id[0]) % 100 == 0:  # now and then: the size bound
        cutoff = conn.execute(
            select(c.id).order_by(c.id.desc()).offset(keep).limit(1)
        ).scalar_one_or_none()
        if cutoff is not None:
            conn.execute(delete(FAILURE).where(c.id <= cutoff))


def clear_pair(conn: Connection, username: str, address: str) -> None:
    """A right password from this address forgets its failures for this name."""
    c = FAILURE.c
    conn.execute(delete(FAILURE).where(and_(c.username == username, c.address == address)))


def count(conn: Connection) -> int:
    return int(conn.execute(select(func.count()).select_from(FAILURE)).scalar_one())


def _utc(value: datetime) -> datetime:
    at = utc(value)
    assert at is not None
    return at
