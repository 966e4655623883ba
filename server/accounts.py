"""Staff accounts, device tokens and the signing key (used by the CLI and the API)."""

from __future__ import annotations

import enum
import re
import secrets
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import Connection, delete, insert, select, update

from server.store.engine import Engines
from server.store.tables import DeviceRow, SettingRow, UserRow

USER = UserRow.__table__  # type: ignore[attr-defined]
DEVICE = DeviceRow.__table__  # type: ignore[attr-defined]
SETTING = SettingRow.__table__  # type: ignore[attr-defined]
_hasher = PasswordHasher()
MIN_PASSWORD_CHARS = 8


class Role(enum.StrEnum):
    CLERK = "clerk"
    SUPERVISOR = "supervisor"
    ADMIN = "admin"

    @property
    def rank(self) -> int:
        return list(Role).index(self)


class AccountError(ValueError):
    pass


def add_user(engines: Engines, username: str, password: str, role: Role) -> None:
    if not re.fullmatch(r"[A-Za-z0-9._@-]{1,80}", username):
        raise AccountError(f"bad user name {username!r}: use letters, digits and . _ @ -")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    hashed = _hasher.hash(password)
    with engines.writer.begin() as conn:
        if conn.execute(select(USER.c.username).where(USER.c.username == username)).first():
            conn.execute(
                update(USER)
                .where(USER.c.username == username)
                .values(password_hash=hashed, role=str(role))
            )
        else:
            conn.execute(
                insert(USER).values(
                    username=username,
                    password_hash=hashed,
                    role=str(role),
                    created_at=datetime.now(UTC),
                )
            )


def authenticate(engines: Engines, username: str, password: str) -> Role | None:
    with engines.reader.connect() as conn:
        row = conn.execute(
            select(USER.c.password_hash, USER.c.role).where(USER.c.username == username)
        ).first()
    if row is None:
        _hasher.hash(password)  # same time whether the name exists or not
        return None
    try:
        _hasher.verify(row[0], password)
    except (VerificationError, InvalidHashError):
        return None
    return Role(row[1])


def device_token(engines: Engines, name: str, rotate: bool = False) -> str:
    """The device's token, made when it has none (or replaced with --rotate)."""
    with engines.writer.begin() as conn:
        row = conn.execute(select(DEVICE.c.token).where(DEVICE.c.name == name)).first()
        if row is not None and not rotate:
            return str(row[0])
        token = secrets.token_urlsafe(24)
        if row is not None:
            conn.execute(delete(DEVICE).where(DEVICE.c.name == name))
        conn.execute(insert(DEVICE).values(name=name, token=token, created_at=datetime.now(UTC)))
        return token


def device_of_token(engines: Engines, token: str) -> str | None:
    with engines.reader.connect() as conn:
        row = conn.execute(select(DEVICE.c.name).where(DEVICE.c.token == token)).first()
    return None if row is None else str(row[0])


def signing_key(engines: Engines) -> str:
    """Kept in the database so tokens survive restarts and are shared by all processes."""
    with engines.writer.begin() as conn:
        return _setting(conn, "signing_key") or _put(conn, "signing_key", secrets.token_urlsafe(48))


def _setting(conn: Connection, key: str) -> str | None:
    row = conn.execute(select(SETTING.c.value).where(SETTING.c.key == key)).first()
    return None if row is None else str(row[0])


def _put(conn: Connection, key: str, value: str) -> str:
    conn.execute(insert(SETTING).values(key=key, value=value))
    return value


def has_users(engines: Engines) -> bool:
    with engines.reader.connect() as conn:
        return conn.execute(select(USER.c.username).limit(1)).first() is not None
