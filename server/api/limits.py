"""Limits on what one request may make the server hold (the size of its body), and on
how many tickets one address may take without a kiosk (IssueLimiter).

BodyLimit is a pure ASGI middleware, the app's first (app.py), so that it also stands in
front of the issuing fast path: a body is refused by its `Content-Length` before a byte of
it is read, and one without (chunked) is counted while it streams in and refused as soon
as it passes the limit, before anything parses it.
"""

from __future__ import annotations

import collections
import dataclasses
import math
from datetime import date

from starlette.types import ASGIApp, Message, Receive, Scope, Send

from .errors import ApiError, error_response


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


class IssueLimiter:
    """Anonymous issuing (an office with open issuing, no kiosk or staff token) per client
    address: at most `per_minute` tickets in any 60 seconds and `per_day` in a business
    day; 0 turns either off. `check` is a dictionary lookup and a short deque: the kiosks'
    fast path does not feel it.

    In memory, per process. The per-minute rate needs no more. The per-day cap is counted
    by each process alone: with one `madoguchi serve` (the usual) it is exact; behind a
    balancer that spreads one address over N processes it allows up to N × per_day, and a
    restart starts the count again. At most MAX_ADDRESSES are remembered (the least
    recently seen are forgotten first, and every address of an earlier day)."""

    MAX_ADDRESSES = 50_000
    WINDOW_S = 60.0

    def __init__(self, per_minute: int, per_day: int) -> None:
        self.per_minute, self.per_day = per_minute, per_day
        self._seen: collections.OrderedDict[str, _Issued] = collections.OrderedDict()
        self._day: date | None = None

    def check(self, address: str, now: float, day: date, day_ends_in: float) -> None:
        """Count one ticket for the address, or raise 429 `rate_limited` with the seconds
        it must wait (nothing counted). `now` is a monotonic time; `day` the office's
        business day, ending in `day_ends_in` seconds."""
        if not (self.per_minute or self.per_day):
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
        if self.per_day and issued.today >= self.per_day:
            raise ApiError(
                429,
                "rate_limited",
                f"この端末からの発券は1日{self.per_day}枚までです。発券機をご利用ください。",
                retry_after=max(1, math.ceil(day_ends_in)),
            )
        recent = issued.recent
        while recent and recent[0] <= now - self.WINDOW_S:
            recent.popleft()
        if self.per_minute and len(recent) >= self.per_minute:
            wait = max(1, math.ceil(recent[0] + self.WINDOW_S - now))
            raise ApiError(
                429,
                "rate_limited",
                f"この端末からの発券は1分間に{self.per_minute}枚までです。"
                f"{wait}秒後にもう一度お試しください。",
                retry_after=wait,
            )
        recent.append(now)
        issued.today += 1

    def refund(self, address: str) -> None:
        """Give back the last ticket counted for the address: it was not issued (a closed
        service, a full day, a database error)."""
        issued = self._seen.get(address)
        if issued is not None and issued.today > 0:
            issued.today -= 1
            if issued.recent:
                issued.recent.pop()


@dataclasses.dataclass
class _Issued:
    today: int = 0
    recent: collections.deque[float] = dataclasses.field(default_factory=collections.deque)
