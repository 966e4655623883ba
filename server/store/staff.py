"""Staff accounts as the admin console manages them (list, add, change, disable) and the
devices' tokens as it lists them, on SQLAlchemy Core; the rules are server/staff.py's."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import orjson
from sqlalchemy import Connection, delete, select, update

from .accounts import DEVICE, USER
from .convert import utc


def _iso(value: datetime | None) -> str | None:
    at = utc(value)
    return None if at is None else at.isoformat()


def _list(text: str | None) -> list[str] | None:
    return None if text is None else [str(v) for v in orjson.loads(text)]


def _text(values: list[str] | None) -> str | None:
    return None if values is None else orjson.dumps(values).decode()


_COLUMNS = (
    USER.c.username,
    USER.c.role,
    USER.c.disabled,
    USER.c.created_at,
    USER.c.last_signin_at,
    USER.c.counters,
    USER.c.areas,
    USER.c.offices,
)


def _row(row: Any) -> dict[str, Any]:
    return {
        "username": row.username,
        "role": row.role,
        "disabled": bool(row.disabled),
        "created": _iso(row.created_at),
        "last_signin": _iso(row.last_signin_at),
        "counters": _list(row.counters),
        "areas": _list(row.areas),
        "offices": None if row.offices is None else orjson.loads(row.offices),
    }


def users(conn: Connection) -> list[dict[str, Any]]:
    """Every account (never its password hash), by name."""
    return [_row(r) for r in conn.execute(select(*_COLUMNS).order_by(USER.c.username))]


def user(conn: Connection, username: str) -> dict[str, Any] | None:
    found = conn.execute(select(*_COLUMNS).where(USER.c.username == username)).first()
    return None if found is None else _row(found)


def change(conn: Connection, username: str, **values: Any) -> None:
    """Set some of role, password_hash, sessions_after, disabled, counters, areas and
    offices (counters and areas as lists, offices as {office: role}; None for any)."""
    for key in ("counters", "areas"):
        if key in values:
            values[key] = _text(values[key])
    if values.get("offices") is not None:
        values["offices"] = orjson.dumps(values["offices"]).decode()
    conn.execute(update(USER).where(USER.c.username == username).values(**values))


def enabled_admins(conn: Connection) -> int:
    """How many enabled admins of every office there are. Their rows are locked for the transaction (on
    PostgreSQL; SQLite's writer is alone): two processes disabling the last two admins at
    once count one after the other, not both two."""
    query = (
        select(USER.c.username)
        .where((USER.c.role == "admin") & USER.c.disabled.is_(False) & USER.c.offices.is_(None))
        .with_for_update()
    )
    return len(conn.execute(query).all())


def signed_in(conn: Connection, username: str, now: datetime) -> None:
    conn.execute(update(USER).where(USER.c.username == username).values(last_signin_at=now))


def limits(conn: Connection, username: str) -> tuple[list[str] | None, list[str] | None]:
    """(counters, areas) a clerk may work: None for any."""
    row = conn.execute(
        select(USER.c.counters, USER.c.areas).where(USER.c.username == username)
    ).first()
    return (None, None) if row is None else (_list(row.counters), _list(row.areas))


def devices(conn: Connection, names: list[str]) -> dict[str, str | None]:
    """When each named device's token was made (ISO), for those that have one."""
    rows = conn.execute(select(DEVICE.c.name, DEVICE.c.created_at).where(DEVICE.c.name.in_(names)))
    return {r.name: _iso(r.created_at) for r in rows}


def drop_device(conn: Connection, name: str) -> bool:
    """The device's token ends; False when it had none."""
    return conn.execute(delete(DEVICE).where(DEVICE.c.name == name)).rowcount > 0
