"""Visitors' form entries (sealed by server/forms/crypto.py before they get here) and the
audit log of staff's looks at them, on SQLAlchemy Core (one row at a time, never hot)."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any, TypedDict

from sqlalchemy import Connection, delete, insert, select, update

from .convert import utc
from .tables import FormAuditRow, FormEntryRow

ENTRY = FormEntryRow.__table__  # type: ignore[attr-defined]
AUDIT = FormAuditRow.__table__  # type: ignore[attr-defined]


@dataclasses.dataclass(frozen=True)
class StoredEntry:
    office: str
    form: str
    data: str  # sealed
    updated_at: datetime
    confirmed_at: datetime | None
    confirmed_by: str | None


class AuditRecord(TypedDict):
    ticket: str
    actor: str
    action: str
    counter: str | None
    at: datetime


def load(conn: Connection, ticket: str) -> StoredEntry | None:
    row = conn.execute(select(ENTRY).where(ENTRY.c.ticket == ticket)).mappings().first()
    if row is None:
        return None
    return StoredEntry(
        row["office"],
        row["form"],
        row["data"],
        utc(row["updated_at"]),  # type: ignore[arg-type]  # never null
        utc(row["confirmed_at"]),
        row["confirmed_by"],
    )


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


def audit_log(conn: Connection, office: str, ticket: str | None, limit: int) -> list[AuditRecord]:
    """The newest first."""
    query = select(AUDIT).where(AUDIT.c.office == office)
    if ticket is not None:
        query = query.where(AUDIT.c.ticket == ticket)
    rows = conn.execute(query.order_by(AUDIT.c.id.desc()).limit(limit)).mappings().all()
    return [
        AuditRecord(
            ticket=r["ticket"],
            actor=r["actor"],
            action=r["action"],
            counter=r["counter"],
            at=utc(r["at"]),  # type: ignore[typeddict-item]  # never null
        )
        for r in rows
    ]
