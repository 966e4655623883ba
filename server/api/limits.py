"""Limits on what one request may make the server hold: the size of its body.

BodyLimit is a pure ASGI middleware, the app's first (app.py), so that it also stands in
front of the issuing fast path: a body is refused by its `Content-Length` before a byte of
it is read, and one without (chunked) is counted while it streams in and refused as soon
as it passes the limit, before anything parses it.
"""

from __future__ import annotations

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
