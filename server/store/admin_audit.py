"""The supervisors' audit log (admin_audit), on SQLAlchemy Core: written by the writer in the
same transaction as the change it records, read by the console."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, insert, select

from .convert import utc
from .tables import AdminAuditRow

AUDIT = AdminAuditRow.__table__  # type: ignore[attr-defined]


def write(
    conn: Connection,
    *,
    office: str | None,
    at: datetime,
    actor: str,
    action: str,
    target: str | None,
    before: Any,
    after: Any,
) -> None:
    conn.execute(
        insert(AUDIT).values(
            office=office,
            at=at,
            actor=actor,
            action=action,
            target=target,
            before=orjson.dumps(before).decode(),
            after=orjson.dumps(after).decode(),
        )
    )


def read(
    conn: Connection, office: str | None, limit: int = 200, installation: bool = True
) -> list[dict[str, Any]]:
    """The newest first: this office's rows and (`installation`) the installation's
    (office NULL: the staff accounts, which staff of some offices only do not see)."""
    query = select(AUDIT).order_by(AUDIT.c.id.desc()).limit(limit)
    if office is not None:
        mine = AUDIT.c.office == office
        query = query.where(mine | AUDIT.c.office.is_(None) if installation else mine)
    return [
        {
            "id": row.id,
            "office": row.office,
            "at": _iso(row.at),
            "actor": row.actor,
            "action": row.action,
            "target": row.target,
            "before": orjson.loads(row.before),
            "after": orjson.loads(row.after),
        }
        for row in conn.execute(query)
    ]


def _iso(value: datetime) -> str:
    at = utc(value)
    assert at is not None  # the column is NOT NULL
    return at.isoformat()
