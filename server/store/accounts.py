"""Staff accounts, device tokens and installation settings, on SQLAlchemy Core (read
rarely, written by the writer: server/accounts.py says what the rules are)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Connection, delete, insert, select, update

from .tables import DeviceRow, RevokedSessionRow, SettingRow, UserRow

USER = UserRow.__table__  # type: ignore[attr-defined]
REVOKED = RevokedSessionRow.__table__  # type: ignore[attr-defined]
DEVICE = DeviceRow.__table__  # type: ignore[attr-defined]
SETTING = SettingRow.__table__  # type: ignore[attr-defined]


def put_user(
    conn: Connection,
    username: str,
    password_hash: str,
    role: str,
    now: datetime,
    sessions_after: float,
) -> None:
    """Add the user, or give an existing one this password and role; tokens and sessions
    signed before `sessions_after` (unix time) end."""
    if conn.execute(select(USER.c.username).where(USER.c.username == username)).first():
        conn.execute(
            update(USER)
            .where(USER.c.username == username)
            .values(password_hash=password_hash, role=role, sessions_after=sessions_after)
        )
    else:
        insert_user(conn, username, password_hash, role, now, sessions_after)


def insert_user(
    conn: Connection,
    username: str,
    password_hash: str,
    role: str,
    now: datetime,
    sessions_after: float,
) -> None:
    """A new user, enabled and limited to nothing (the caller knows the name is free)."""
    conn.execute(
        insert(USER).values(
            username=username,
            password_hash=password_hash,
            role=role,
            created_at=now,
            sessions_after=sessions_after,
            disabled=False,
        )
    )


def set_offices(conn: Connection, username: str, offices: str | None) -> None:
    """The user's roles per office as JSON text (None: her role in every office)."""
    conn.execute(update(USER).where(USER.c.username == username).values(offices=offices))


def delete_user(conn: Connection, username: str) -> bool:
    """Remove the user; False when there was none."""
    return conn.execute(delete(USER).where(USER.c.username == username)).rowcount > 0


def standing(conn: Connection, username: str) -> tuple[str, float, str | None] | None:
    """(role, sessions_after, offices as stored) of a user; None for none, or a disabled
    one."""
    row = conn.execute(
        select(USER.c.role, USER.c.sessions_after, USER.c.offices).where(
            (USER.c.username == username) & USER.c.disabled.is_(False)
        )
    ).first()
    return None if row is None else (str(row[0]), float(row[1]), row[2])


def revoke_session(conn: Connection, session_id: str, expires_at: float, now: float) -> None:
    """List a signed-out session until it would have expired (and forget expired ones)."""
    conn.execute(delete(REVOKED).where(REVOKED.c.expires_at < now))
    if conn.execute(select(REVOKED.c.id).where(REVOKED.c.id == session_id)).first() is None:
        conn.execute(insert(REVOKED).values(id=session_id, expires_at=expires_at))


def is_revoked(conn: Connection, session_id: str) -> bool:
    return conn.execute(select(REVOKED.c.id).where(REVOKED.c.id == session_id)).first() is not None


def credentials(conn: Connection, username: str) -> tuple[str, str] | None:
    """(password hash, role) of a user who may sign in (None for a disabled one)."""
    row = conn.execute(
        select(USER.c.password_hash, USER.c.role).where(
            (USER.c.username == username) & USER.c.disabled.is_(False)
        )
    ).first()
    return None if row is None else (str(row[0]), str(row[1]))


def has_users(conn: Connection) -> bool:
    return conn.execute(select(USER.c.username).limit(1)).first() is not None


def device_token(conn: Connection, name: str) -> str | None:
    row = conn.execute(select(DEVICE.c.token).where(DEVICE.c.name == name)).first()
    return None if row is None else str(row[0])


def put_device(conn: Connection, name: str, token: str, now: datetime) -> None:
    """The device with this token from now on (its old token ends)."""
    conn.execute(delete(DEVICE).where(DEVICE.c.name == name))
    conn.execute(insert(DEVICE).values(name=name, token=token, created_at=now))


def device_of_token(conn: Connection, token: str) -> str | None:
    row = conn.execute(select(DEVICE.c.name).where(DEVICE.c.token == token)).first()
    return None if row is None else str(row[0])


def setting(conn: Connection, key: str) -> str | None:
    row = conn.execute(select(SETTING.c.value).where(SETTING.c.key == key)).first()
    return None if row is None else str(row[0])


def put_setting(conn: Connection, key: str, value: str) -> None:
    conn.execute(insert(SETTING).values(key=key, value=value))
