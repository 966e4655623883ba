"""Staff accounts, device tokens and the signing key (used by the CLI and the API): the
rules here, the rows in server/store/accounts.py, every write through the writer."""

from __future__ import annotations

import enum
import re
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime

import orjson
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


def parse_offices(text: str) -> dict[str, Role]:
    """A user's roles per office as stored (JSON {office: role}); a role this version does
    not know is no role there."""
    stored = orjson.loads(text)
    return {str(o): Role(r) for o, r in stored.items() if r in Role.__members__.values()}


def _now() -> datetime:
    return datetime.now(UTC)


def hash_password(password: str) -> str:
    """argon2id (slow on purpose: call it off the event loop)."""
    return _hasher.hash(password)


def add_user(
    writer: Writer,
    username: str,
    password: str,
    role: Role,
    offices: dict[str, Role] | None = None,
) -> None:
    """Add the user, or change an existing one's password and role (and `offices`, her
    role in each office, when given; a new user without them has `role` in every office,
    an existing one keeps hers): either way every token and session the user had ends."""
    if not re.fullmatch(r"[A-Za-z0-9._@-]{1,80}", username):
        raise AccountError(f"bad user name {username!r}: use letters, digits and . _ @ -")
    if len(password) < MIN_PASSWORD_CHARS:
        raise AccountError(f"the password needs at least {MIN_PASSWORD_CHARS} characters")
    hashed = _hasher.hash(password)

    stored = None if not offices else orjson.dumps({o: str(r) for o, r in offices.items()})

    def put(tx: Tx) -> None:
        rows.put_user(tx.conn, username, hashed, str(role), tx.now, time.time())
        if stored is not None:
            rows.set_offices(tx.conn, username, stored.decode())

    writer.run_sync(None, put, _now())
    writer.account_changes += 1


def remove_user(writer: Writer, username: str) -> bool:
    """Delete the account (its tokens and sessions end); False when there was none."""

    def delete(tx: Tx) -> bool:
        return rows.delete_user(tx.conn, username)

    removed = writer.run_sync(None, delete, _now()).result
    writer.account_changes += 1
    return removed


class Standing:
    """Whether a signed staff token or browser session still stands: its user exists, with
    the role it was signed with, it was signed after the user's last password or role
    change, and it was not signed out. Asked on every request; the answer comes from the
    database (shared by every process), remembered for at most `cache_s` seconds. A sign-out
    or account change made by this process takes effect in it at once; one made by another
    process (`madoguchi user add/remove`), within `cache_s`."""

    MAX_CACHED = 10_000

    def __init__(
        self,
        engines: Engines,
        writer: Writer,
        cache_s: float = 2.0,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.engines, self.writer, self.cache_s, self.clock = engines, writer, cache_s, clock
        self._users: dict[str, tuple[float, tuple[str, float, str | None] | None]] = {}
        self._revoked: dict[str, tuple[float, bool]] = {}
        self._signed_out: dict[str, float] = {}  # by this process: id -> expiry (unix time)
        self._seen_changes = writer.account_changes
        self._lock = threading.Lock()

    def stands(self, username: str, role: Role, signed_at: float, session_id: str) -> bool:
        user = self._user(username)
        if user is None or user[0] != str(role) or signed_at <= user[1]:
            return False
        return not self._is_revoked(session_id)

    def offices_of(self, username: str) -> dict[str, Role] | None:
        """The user's role in each office (None: their role in every office), as fresh as
        `stands`: a change reaches this process's screens within `cache_s`."""
        user = self._user(username)
        if user is None or user[2] is None:
            return None
        return parse_offices(user[2])

    def sign_out(self, session_id: str, expires_at: float) -> None:
        """End one session or token now (in every process: it is written down)."""
        with self._lock:
            now = time.time()
            self._signed_out = {k: v for k, v in self._signed_out.items() if v > now}
            self._signed_out[session_id] = expires_at

        def write(tx: Tx) -> None:
            rows.revoke_session(tx.conn, session_id, expires_at, now)

        self.writer.run_sync(None, write, _now())

    def _fresh(self, entry: tuple[float, object] | None, now: float) -> bool:
        return entry is not None and now - entry[0] < self.cache_s

    def _user(self, username: str) -> tuple[str, float, str | None] | None:
        now = self.clock()
        with self._lock:
            if self._seen_changes != self.writer.account_changes:
                self._users.clear()
                self._seen_changes = self.writer.account_changes
            cached = self._users.get(username)
            if cached is not None and self._fresh(cached, now):
                return cached[1]
        with self.engines.reader.connect() as conn:
            found = rows.standing(conn, username)
        with self._lock:
            if len(self._users) >= self.MAX_CACHED:
                self._users.clear()
            self._users[username] = (now, found)
        return found

    def _is_revoked(self, session_id: str) -> bool:
        now = self.clock()
        with self._lock:
            if session_id in self._signed_out:
                return True
            cached = self._revoked.get(session_id)
            if cached is not None and self._fresh(cached, now):
                return cached[1]
        with self.engines.reader.connect() as conn:
            revoked = rows.is_revoked(conn, session_id)
        with self._lock:
            if len(self._revoked) >= self.MAX_CACHED:
                self._revoked.clear()
            self._revoked[session_id] = (now, revoked)
        return revoked


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


def has_user(engines: Engines, username: str) -> bool:
    with engines.reader.connect() as conn:
        return rows.standing(conn, username) is not None
