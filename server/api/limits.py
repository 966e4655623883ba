"""Limits on what one request may make the server hold (the size of its body), and on
how many tickets or bookings one address may make without a kiosk (AddressLimiter).

BodyLimit is a pure ASGI middleware, the app's first (app.py), so that it also stands in
front of the issuing fast path: a body is refused by its `Content-Length` before a byte of
it is read, and one without (chunked) is counted while it streams in and refused as soon
as it passes the limit, before anything parses it.
"""

from __future__ import annotations

import collections
import dataclasses
import hashlib
import hmac
import math
from datetime import date, datetime, time, timedelta
from time import monotonic
from typing import TYPE_CHECKING

from starlette.requests import Request
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from server.domain.calendar import local_time

from .errors import ApiError, error_response

if TYPE_CHECKING:
    from server.bootstrap import System


class PayloadTooLarge(ApiError):
    def __init__(self, limit: int) -> None:
        super().__init__(
            413,
            "payload_too_large",
            f"本文が大きすぎます（上限 {limit} バイト）。",
            limit=limit,
        )


class BodyLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        limit = self.max_bytes
        for name, value in scope["headers"]:
            if name == b"content-length" and (not value.isdigit() or int(value) > limit):
                await _refuse(PayloadTooLarge(limit), scope, receive, send)
                return
        received = 0
        started = False

        async def counted() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > limit:
                    # Raised to whoever reads the body: a route's error handler answers
                    # 413 with it, and so does the `except` below when none did.
                    raise PayloadTooLarge(limit)
            return message

        async def watched(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counted, watched)
        except PayloadTooLarge as exc:
            if started:
                raise
            await _refuse(exc, scope, receive, send)


async def _refuse(exc: ApiError, scope: Scope, receive: Receive, send: Send) -> None:
    response = error_response(exc.status, exc.code, exc.message, exc.details)
    # The rest of the body is not read: the server closes the connection after answering.
    response.headers["Connection"] = "close"
    await response(scope, receive, send)


@dataclasses.dataclass(frozen=True)
class Wording:
    """What an AddressLimiter's refusals say: what is counted (発券, 予約), its counter word
    (枚, 件), the window's name (1分間, 1時間) and what to do instead of another."""

    what: str
    unit: str
    window: str
    instead: str


class AddressLimiter:
    """What one client address may make without a kiosk's or staff token: at most
    `per_window` in any `window_s` seconds and `per_day` in a business day; 0 turns either
    off. `check` is a dictionary lookup and a short deque: the kiosks' fast path does not
    feel it.

    In memory, per process. The rate in the window needs no more. The per-day cap is
    counted by each process alone: with one `madoguchi serve` (the usual) it is exact;
    behind a balancer that spreads one address over N processes it allows up to
    N × per_day, and a restart starts the count again. At most MAX_ADDRESSES are
    remembered (the least recently seen are forgotten first, and every address of an
    earlier day)."""

    MAX_ADDRESSES = 50_000

    def __init__(self, per_window: int, per_day: int, window_s: float, wording: Wording) -> None:
        self.per_window, self.per_day = per_window, per_day
        self.window_s, self.wording = window_s, wording
        self._seen: collections.OrderedDict[str, _Issued] = collections.OrderedDict()
        self._day: date | None = None

    def check(self, address: str, now: float, day: date, day_ends_in: float) -> None:
        """Count one for the address, or raise 429 `rate_limited` with the seconds it must
        wait (nothing counted). `now` is a monotonic time; `day` the office's business day,
        ending in `day_ends_in` seconds."""
        if not (self.per_window or self.per_day):
            return
        if day != self._day:
            self._seen.clear()
            self._day = day
        issued = self._seen.get(address)
        if issued is None:
            issued = self._seen[address] = _Issued()
            if len(self._seen) > self.MAX_ADDRESSES:
                self._seen.popitem(last=False)
        else:
            self._seen.move_to_end(address)
        w = self.wording
        if self.per_day and issued.today >= self.per_day:
            raise ApiError(
                429,
                "rate_limited",
                f"この端末からの{w.what}は1日{self.per_day}{w.unit}までです。{w.instead}",
                retry_after=max(1, math.ceil(day_ends_in)),
            )
        recent = issued.recent
        while recent and recent[0] <= now - self.window_s:
            recent.popleft()
        if self.per_window and len(recent) >= self.per_window:
            wait = max(1, math.ceil(recent[0] + self.window_s - now))
            after = f"{wait}秒" if wait < 120 else f"{math.ceil(wait / 60)}分"
            raise ApiError(
                429,
                "rate_limited",
                f"この端末からの{w.what}は{w.window}に{self.per_window}{w.unit}までです。"
                f"{after}後にもう一度お試しください。",
                retry_after=wait,
            )
        recent.append(now)
        issued.today += 1

    def refund(self, address: str) -> None:
        """Give back the last one counted for the address: it was not made (a closed
        service, a full slot, a database error, a double tap answered again)."""
        issued = self._seen.get(address)
        if issued is not None and issued.today > 0:
            issued.today -= 1
            if issued.recent:
                issued.recent.pop()


def issue_limiter(per_minute: int, per_day: int) -> AddressLimiter:
    """Anonymous issuing (an office with open issuing; tickets from home)."""
    wording = Wording("発券", "枚", "1分間", "発券機をご利用ください。")
    return AddressLimiter(per_minute, per_day, 60.0, wording)


def booking_limiter(per_hour: int, per_day: int) -> AddressLimiter:
    """Booking appointments (予約), which anyone may do."""
    wording = Wording("予約", "件", "1時間", "窓口か電話でご相談ください。")
    return AddressLimiter(per_hour, per_day, 3600.0, wording)


def charge_address(request: Request, system: System, limiter: AddressLimiter) -> str:
    """Count one for the caller's address (429 with Retry-After past the limiter's limits;
    the address is uvicorn's, which believes X-Forwarded-For only from
    MADOGUCHI_TRUSTED_PROXIES): the address, to refund if nothing is made."""
    now = system.clock()
    local = local_time(system.office, now)
    midnight = datetime.combine(local.date() + timedelta(days=1), time(0), local.tzinfo)
    address = request.client.host if request.client else "?"
    limiter.check(address, monotonic(), local.date(), (midnight - local).total_seconds())
    return address


def address_hash(request: Request) -> str:
    """The caller's address as a booking keeps it: keyed with the app's secret, so that
    the stored value cannot be turned back into an address by trying them all."""
    address = request.client.host if request.client else "?"
    secret: bytes = request.app.state.arrival_secret
    return hmac.new(secret, b"booked-from:" + address.encode(), hashlib.sha256).hexdigest()[:32]


@dataclasses.dataclass
class _Issued:
    today: int = 0
    recent: collections.deque[float] = dataclasses.field(default_factory=collections.deque)
