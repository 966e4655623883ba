"""The office's settings, one row per revision (office_setting), in plain SQL; the office's
row names the revision in force (office.settings_revision), read with its lock."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection

from .convert import utc
from .raw import raw


def revision_in_force(conn: Connection, office: str) -> int:
    row = raw(conn).one("SELECT settings_revision FROM office WHERE id = :id", {"id": office})
    return 0 if row is None else int(row[0])


def document(conn: Connection, office: str, revision: int) -> dict[str, Any] | None:
    row = raw(conn).one(
        "SELECT document FROM office_setting WHERE office = :office AND revision = :revision",
        {"office": office, "revision": revision},
    )
    return None if row is None else dict(orjson.loads(row[0]))


def store(
    conn: Connection,
    office: str,
    document: dict[str, Any],
    at: datetime,
    actor: str | None,
) -> int:
    """Write `document` as the office's next revision and put it in force: the revision."""
    r = raw(conn)
    row = r.one(
        "SELECT COALESCE(MAX(revision), 0) FROM office_setting WHERE office = :office",
        {"office": office},
    )
    revision = (int(row[0]) if row else 0) + 1
    r.run(
        "INSERT INTO office_setting (office, revision, document, at, actor)"
        " VALUES (:office, :revision, :document, :at, :actor)",
        {
            "office": office,
            "revision": revision,
            "document": orjson.dumps(document).decode(),
            "at": r.ts(at),
            "actor": actor,
        },
    )
    r.run(
        "UPDATE office SET settings_revision = :revision WHERE id = :id",
        {"revision": revision, "id": office},
    )
    return revision


def history(conn: Connection, office: str, limit: int = 50) -> list[dict[str, Any]]:
    """The newest revisions first: revision, when, by whom."""
    cursor = raw(conn).execute(
        "SELECT revision, at, actor FROM office_setting WHERE office = :office"
        " ORDER BY revision DESC LIMIT :limit",
        {"office": office, "limit": limit},
    )
    rows = [{"revision": int(r[0]), "at": _iso(r[1]), "actor": r[2]} for r in cursor.fetchall()]
    cursor.close()
    return rows


def _iso(value: Any) -> str:
    at = utc(value)
    assert at is not None  # NOT NULL
    return at.isoformat()
