"""Staff accounts, device tokens and the signing key (used by the CLI and the API): the
rules here, the rows in server/store/accounts.py, every write through the writer."""

from __future__ import annotations

import enum
import re
import secrets
from collections.abc import Callable
from datetime import UTC, datetime

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError

from server.store import accounts as rows
from server.store.engine import Engines
from server.store.unit_of_work import Tx, Writer

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


def _now() -> datetime:
    return datetime.now(UTC)


def add_user(writer: Writer, username: str, password: str, role: Role) -> None:
    if not re.fullmatch(r"[A-Za-z0-9._@-]{1,80}", username):
        raise AccountError(f"bad user name {username!r}: use letters, digits and . _ @ -")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    hashed = _hasher.hash(password)

    def put(tx: Tx) -> None:
        rows.put_user(tx.conn, username, hashed, str(role), tx.now)

    writer.run_sync(None, put, _now())


def authenticate(engines: Engines, username: str, password: str) -> Role | None:
    with engines.reader.connect() as conn:
        found = rows.credentials(conn, username)
    if found is None:
        _hasher.hash(password)  # same time whether the name exists or not
        return None
    try:
        _hasher.verify(found[0], password)
    except (VerificationError, InvalidHashError):
        return None
    return Role(found[1])


def device_token(writer: Writer, name: str, rotate: bool = False) -> str:
    """The device's token, made when it has none (or replaced with --rotate)."""

    def token_of(tx: Tx) -> str:
        token = rows.device_token(tx.conn, name)
        if token is None or rotate:
            token = secrets.token_urlsafe(24)
            rows.put_device(tx.conn, name, token, tx.now)
        return token

    return writer.run_sync(None, token_of, _now()).result


def device_of_token(engines: Engines, token: str) -> str | None:
    with engines.reader.connect() as conn:
        return rows.device_of_token(conn, token)


def setting(writer: Writer, key: str, make: Callable[[], str]) -> str:
    """An installation-wide value kept in the database, made by `make` the first time."""

    def read_or_make(tx: Tx) -> str:
        value = rows.setting(tx.conn, key)
        if value is None:
            value = make()
            rows.put_setting(tx.conn, key, value)
        return value

    return writer.run_sync(None, read_or_make, _now()).result


def signing_key(writer: Writer) -> str:
    """Kept in the database so tokens survive restarts and are shared by all processes."""
    return setting(writer, "signing_key", lambda: secrets.token_urlsafe(48))


def has_users(engines: Engines) -> bool:
    with engines.reader.connect() as conn:
        return rows.has_users(conn)
