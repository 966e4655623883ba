"""Visitors' form entries (sealed by server/forms/crypto.py before they get here) and the
audit log of staff's looks at them, on SQLAlchemy Core (one row at a time, never hot)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import Connection, delete, insert, select, update

from .convert import utc
from .tables import FormAuditRow, FormEntryRow

ENTRY = FormEntryRow.__table__  # type: ignore[attr-defined]
AUDIT = FormAuditRow.__table__  # type: ignore[attr-defined]


def load(conn: Connection, ticket: str) -> dict[str, Any] | None:
    """The entry's row: office, form, data (sealed), updated_at, confirmed_at, confirmed_by."""
    row = conn.execute(select(ENTRY).where(ENTRY.c.ticket == ticket)).mappings().first()
    if row is None:
        return None
    out = dict(row)
    for key in ("updated_at", "confirmed_at", "purge_after"):
        out[key] = utc(out[key])
    return out


def save(
    conn: Connection, ticket: str, office: str, fields: dict[str, Any], purge_after: datetime
) -> None:
    """Write the entry's `fields` (form, data, updated_at, confirmed_*), made if new."""
    if conn.execute(select(ENTRY.c.ticket).where(ENTRY.c.ticket == ticket)).first():
        conn.execute(update(ENTRY).where(ENTRY.c.ticket == ticket).values(**fields))
    else:
        conn.execute(
            insert(ENTRY).values(ticket=ticket, office=office, purge_after=purge_after, **fields)
        )


def purge(conn: Connection, office: str, due_by: datetime | None) -> int:
    """Erase the entries due by `due_by` (None: all of the office's); how many."""
    query = delete(ENTRY).where(ENTRY.c.office == office)
    if due_by is not None:
        query = query.where(ENTRY.c.purge_after <= due_by)
    return conn.execute(query).rowcount or 0


def add_audit(
    conn: Connection,
    office: str,
    ticket: str,
    actor: str,
    action: str,
    counter: str | None,
    at: datetime,
) -> None:
    conn.execute(
        insert(AUDIT).values(
            office=office, ticket=ticket, actor=actor, action=action, counter=counter, at=at
        )
    )


def audit_log(
    conn: Connection, office: str, ticket: str | None, limit: int
) -> list[dict[str, Any]]:
    """The newest first: ticket, actor, action, counter, at."""
    query = select(AUDIT).where(AUDIT.c.office == office)
    if ticket is not None:
        query = query.where(AUDIT.c.ticket == ticket)
    rows = conn.execute(query.order_by(AUDIT.c.id.desc()).limit(limit)).mappings().all()
    keys = ("ticket", "actor", "action", "counter")
    return [{**{k: r[k] for k in keys}, "at": utc(r["at"])} for r in rows]
