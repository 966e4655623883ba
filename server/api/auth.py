"""Who is asking: signed staff tokens (Bearer), browser sessions (cookie + CSRF header, see
``server.api.session``) and device tokens."""

from __future__ import annotations

import asyncio
import collections
import dataclasses
import math
import secrets
import threading
import time
from collections.abc import Callable

from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from starlette.requests import HTTPConnection

from server import accounts
from server.accounts import Role

from .errors import ApiError
from .state import sessions_of, signin_throttle_of, system_of

TOKEN_MAX_AGE_S = 12 * 3600  # one working day


@dataclasses.dataclass(frozen=True)
class Staff:
    username: str
    role: Role

    @property
    def supervises(self) -> bool:
        """A supervisor (or admin) may work any counter and its tickets (commands.may_work)."""
        return self.role.rank >= Role.SUPERVISOR.rank


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
        return claims[0]

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


def staff_of(conn: HTTPConnection, tokens: Tokens) -> Staff | None:
    """The staff member behind a Bearer token (or ``?token=`` on a websocket), else behind
    the session cookie; None when neither is valid."""
    token = bearer(conn)
    if token is not None:
        return tokens.verify(token)
    return _session_staff(conn)


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
    made of the answer): 429 while the app's SignInThrottle holds the name or the address,
    401 for a wrong user name or password."""
    throttle = signin_throttle_of(conn)
    address = conn.client.host if conn.client else "?"
    wait = throttle.retry_after(username, address)
    if wait is not None:
        raise too_many_attempts(wait)
    engines = system_of(conn).engines
    role = (
        await asyncio.to_thread(accounts.authenticate, engines, username, password)
        if username and password
        else None
    )
    if role is None:
        throttle.failed(username, address)
        raise ApiError(401, "unauthorized", "ユーザー名またはパスワードが違います。")
    throttle.succeeded(username)
    return Staff(username, role)


def require_staff(conn: HTTPConnection, tokens: Tokens, role: Role = Role.CLERK) -> Staff:
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
    if staff.role.rank < role.rank:
        raise ApiError(403, "forbidden", f"この操作には {role} 以上の権限が必要です。")
    return staff


class SignInThrottle:
    """Online password guessing is slowed to a crawl: after MAX_FAILURES wrong passwords for
    one user name (or MAX_FAILURES_PER_ADDRESS from one address) within WINDOW_S, sign-in
    for it is refused (429) until the oldest failure leaves the window. Per process."""

    MAX_FAILURES = 5
    MAX_FAILURES_PER_ADDRESS = 20
    WINDOW_S = 300.0

    def __init__(self, clock: Callable[[], float] = time.monotonic) -> None:
        self.clock = clock
        self._failures: dict[str, collections.deque[float]] = {}
        self._lock = threading.Lock()

    def _keys(self, username: str, address: str) -> list[tuple[str, int]]:
        return [
            (f"user:{username.casefold()}", self.MAX_FAILURES),
            (f"addr:{address}", self.MAX_FAILURES_PER_ADDRESS),
        ]

    def retry_after(self, username: str, address: str) -> int | None:
        """Seconds until sign-in may be tried again, or None when it may be tried now."""
        now = self.clock()
        with self._lock:
            waits = []
            for key, limit in self._keys(username, address):
                recent = self._recent(key, now)
                if len(recent) >= limit:
                    waits.append(recent[0] + self.WINDOW_S - now)
            return max(1, math.ceil(max(waits))) if waits else None

    def failed(self, username: str, address: str) -> None:
        now = self.clock()
        with self._lock:
            for key, _ in self._keys(username, address):
                self._recent(key, now).append(now)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"user:{username.casefold()}", None)

    def _recent(self, key: str, now: float) -> collections.deque[float]:
        times = self._failures.setdefault(key, collections.deque())
        while times and times[0] <= now - self.WINDOW_S:
            times.popleft()
        return times


def too_many_attempts(seconds: int) -> ApiError:
    return ApiError(
        429,
        "too_many_attempts",
        f"サインインの失敗が続いたため、{seconds}秒後にもう一度お試しください。",
        retry_after=seconds,
    )
