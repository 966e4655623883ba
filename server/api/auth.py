"""Who is asking: signed staff tokens (Bearer), browser sessions (cookie + CSRF header, see
``server.api.session``) and device tokens."""

from __future__ import annotations

import asyncio
import dataclasses
import math
import secrets
import time
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import HTTPConnection

from server import accounts, staff
from server.accounts import Role
from server.permissions import LOWEST_ROLE, Action
from server.store import signin
from server.store.engine import Engines
from server.store.unit_of_work import Tx, Writer

from .errors import ApiError
from .state import sessions_of, signin_throttle_of, system_of

TOKEN_MAX_AGE_S = 12 * 3600  # one working day


@dataclasses.dataclass(frozen=True)
class Staff:
    """A signed-in staff member. `role` is the role in the office a request is for once
    `require` has checked it (else the account's own); `offices` the role in each office
    when the account names them (None: `role` in every office of the installation)."""

    username: str
    role: Role
    offices: Mapping[str, Role] | None = None

    @property
    def supervises(self) -> bool:
        """A supervisor (or admin) may work any counter and its tickets (commands.may_work)."""
        return self.role.rank >= Role.SUPERVISOR.rank

    @property
    def of_every_office(self) -> bool:
        return self.offices is None

    def role_in(self, office: str) -> Role | None:
        """The role in `office`; None: not staff of it."""
        return self.role if self.offices is None else self.offices.get(office)

    def in_office(self, office: str) -> Staff | None:
        """This member as staff of `office` (`role` the role there), or None."""
        role = self.role_in(office)
        return None if role is None else dataclasses.replace(self, role=role)


class Tokens:
    """Signed Bearer tokens; each also stands on the server (accounts.Standing): it ends
    with a sign-out, its user's password or role change, or the user's removal."""

    def __init__(self, key: str, standing: accounts.Standing) -> None:
        self._serializer = URLSafeTimedSerializer(key, salt="staff-token")
        self.standing = standing

    def issue(self, username: str, role: Role) -> str:
        return self._serializer.dumps(
            {"u": username, "r": str(role), "t": time.time(), "j": secrets.token_urlsafe(12)}
        )

    def _claims(self, token: str) -> tuple[Staff, float, str] | None:
        try:
            data = self._serializer.loads(token, max_age=TOKEN_MAX_AGE_S)
            return Staff(str(data["u"]), Role(data["r"])), float(data["t"]), str(data["j"])
        except (BadSignature, SignatureExpired, KeyError, TypeError, ValueError):
            return None

    def verify(self, token: str) -> Staff | None:
        claims = self._claims(token)
        if claims is None or not self.standing.stands(
            claims[0].username, claims[0].role, *claims[1:]
        ):
            return None
        staff = claims[0]
        return dataclasses.replace(staff, offices=self.standing.offices_of(staff.username))

    def revoke(self, token: str) -> bool:
        """End this token now; False when it was no good anyway."""
        claims = self._claims(token)
        if claims is None:
            return False
        self.standing.sign_out(claims[2], claims[1] + TOKEN_MAX_AGE_S)
        return True


def bearer(conn: HTTPConnection) -> str | None:
    header = conn.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return conn.query_params.get("token") if conn.scope["type"] == "websocket" else None


def _session_staff(conn: HTTPConnection) -> Staff | None:
    return sessions_of(conn).staff_of(conn)


def staff_of(conn: HTTPConnection, tokens: Tokens, office: str | None = None) -> Staff | None:
    """The staff member behind a Bearer token (or ``?token=`` on a websocket), else behind
    the session cookie; None when neither is valid, or (`office` given) when they are not
    staff of that office (their role there, when they are)."""
    token = bearer(conn)
    staff = tokens.verify(token) if token is not None else _session_staff(conn)
    if staff is None or office is None:
        return staff
    return staff.in_office(office)


def still_stands(conn: HTTPConnection, tokens: Tokens) -> bool:
    """Whether the token (or session cookie) a connection signed in with still stands on
    the server: a long-lived websocket asks this now and then (blocking: call it in a
    thread)."""
    token = bearer(conn)
    if token is not None:
        return tokens.verify(token) is not None
    from .session import SESSION_COOKIE  # the session module imports this one

    return sessions_of(conn).stands(conn.cookies.get(SESSION_COOKIE))


async def sign_in(conn: HTTPConnection, username: str, password: str) -> Staff:
    """A staff member signing in with a password (a Bearer token or a browser session is
    made of the answer): 429 while the app's SignInThrottle holds the pair, name or address,
    401 for a wrong user name or password."""
    throttle = signin_throttle_of(conn)
    # The peer, or the client a trusted proxy names (uvicorn's proxy headers, cli.py serve).
    address = conn.client.host if conn.client else "?"
    wait, pair_failed = await asyncio.to_thread(throttle.check, username, address)
    if wait is not None:
        raise too_many_attempts(wait)
    engines = system_of(conn).engines
    role = (
        await asyncio.to_thread(accounts.authenticate, engines, username, password)
        if username and password
        else None
    )
    if role is None:
        await throttle.failed(username, address)
        raise ApiError(401, "unauthorized", "ユーザー名またはパスワードが違います。")
    if pair_failed:
        await throttle.succeeded(username, address)
    await staff.signed_in(system_of(conn).writer, username, throttle.clock())  # the console's list
    return Staff(username, role)


def require_staff(
    conn: HTTPConnection, tokens: Tokens, role: Role = Role.CLERK, office: str | None = None
) -> Staff:
    """The signed-in staff member with at least `role` in `office` (the path's `{office}`
    when not given): 401 without a sign-in, 403 for a lower role or another office's staff.
    Without an office (routes of the whole installation), the account's own role."""
    token = bearer(conn)
    if token is None:
        staff = _session_staff(conn)  # a cookie-borne state change needs the CSRF header
        if staff is None:
            raise ApiError(401, "unauthorized", "職員のサインインが必要です。")
    else:
        staff = tokens.verify(token)
    if staff is None:
        raise ApiError(
            401, "unauthorized", "サインインの有効期限が切れたか、トークンが正しくありません。"
        )
    office = office or conn.path_params.get("office")
    if office is not None:
        there = staff.in_office(office)
        if there is None:
            raise ApiError(403, "forbidden", f"庁舎 {office} の職員ではありません。")
        staff = there
    if staff.role.rank < role.rank:
        raise ApiError(403, "forbidden", f"この操作には {role} 以上の権限が必要です。")
    return staff


def require(
    conn: HTTPConnection, tokens: Tokens, action: Action, office: str | None = None
) -> Staff:
    """The signed-in staff member allowed `action` (server/permissions.py's table) in
    `office` (as require_staff): 401 without a sign-in, 403 naming the role it takes."""
    return require_staff(conn, tokens, LOWEST_ROLE[action], office)


class SignInThrottle:
    """Online password guessing is slowed to a crawl, without handing an attacker the power
    to lock a clerk out. Counted over the last WINDOW_S, sign-in is refused (429) for

    - a (name, address) pair after MAX_FAILURES wrong passwords from that address;
    - an address after MAX_FAILURES_PER_ADDRESS wrong passwords for any names;
    - a name under attack from many addresses (MAX_FAILURES_PER_NAME from anywhere): then
      every address that has failed for it is held after one failure. An address that
      has not failed for the name is never held by it: the real clerk at her own counter
      still signs in with her password.

    A right password forgets its pair's failures. The failures are rows in the database
    (store/signin.py, written by the writer), so every process counts the same ones; each
    new failure deletes those older than the window, and at most MAX_ROWS are kept (the
    oldest go first), so neither memory nor the table grows without bound."""

    MAX_FAILURES = 5
    MAX_FAILURES_PER_ADDRESS = 20
    MAX_FAILURES_PER_NAME = 10
    WINDOW_S = 300.0
    MAX_ROWS = 100_000

    def __init__(self, engines: Engines, writer: Writer, clock: Callable[[], datetime]) -> None:
        self.engines, self.writer, self.clock = engines, writer, clock

    @staticmethod
    def _keys(username: str, address: str) -> tuple[str, str]:
        return username.casefold()[:80], address[:64]

    def check(self, username: str, address: str) -> tuple[int | None, bool]:
        """(seconds until sign-in may be tried again or None when it may be tried now,
        whether this pair has failed lately). Blocking: call it in a thread."""
        name, where = self._keys(username, address)
        now = self.clock()
        window = timedelta(seconds=self.WINDOW_S)
        with self.engines.reader.connect() as conn:
            pair, by_name, by_address = signin.recent_failures(conn, name, where, now - window)
        lifts = []
        if len(pair) >= self.MAX_FAILURES:
            lifts.append(pair[-self.MAX_FAILURES] + window)
        if len(by_address) >= self.MAX_FAILURES_PER_ADDRESS:
            lifts.append(by_address[-self.MAX_FAILURES_PER_ADDRESS] + window)
        if pair and len(by_name) >= self.MAX_FAILURES_PER_NAME:
            lifts.append(min(pair[-1], by_name[-self.MAX_FAILURES_PER_NAME]) + window)
        if not lifts:
            return None, bool(pair)
        return max(1, math.ceil((max(lifts) - now).total_seconds())), bool(pair)

    async def failed(self, username: str, address: str) -> None:
        name, where = self._keys(username, address)
        now = self.clock()
        before = now - timedelta(seconds=self.WINDOW_S)

        def add(tx: Tx) -> None:
            signin.add_failure(tx.conn, name, where, tx.now, before, self.MAX_ROWS)

        await self.writer.run(None, add, now)

    async def succeeded(self, username: str, address: str) -> None:
        name, where = self._keys(username, address)

        def clear(tx: Tx) -> None:
            signin.clear_pair(tx.conn, name, where)

        await self.writer.run(None, clear, self.clock())


def too_many_attempts(seconds: int) -> ApiError:
    return ApiError(
        429,
        "too_many_attempts",
        f"サインインの失敗が続いたため、{seconds}秒後にもう一度お試しください。",
        retry_after=seconds,
    )
