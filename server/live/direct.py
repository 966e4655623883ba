"""Frames written straight to a connection's transport, past the ASGI send path.

In the public fan-out benchmark (2,000 subscribers) two thirds of the server's time went
to sending one frame to each socket through ASGI: Starlette's send_text, uvicorn's send,
the sans-I/O protocol encoding and framing the same text again for every socket. A frame
from server to client is not masked, and with per-message deflate off (``madoguchi
serve``) it is the same bytes on every connection: so it is framed once, by websockets'
own ``Frame.serialize``, and those bytes are written to each transport, as
``websockets.broadcast`` does.

Only for a connection served by uvicorn's ``websockets-sansio`` protocol that is open,
has no extension and whose transport is taking writes; otherwise ``write`` answers False
and the caller sends through ASGI as usual (which waits for a full socket, closes, and
works under any other server or the test client).
"""

from __future__ import annotations

from typing import Any

from starlette.types import ASGIApp, Receive, Scope, Send
from websockets.frames import Frame, Opcode
from websockets.protocol import State

try:
    from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol
except ImportError:  # pragma: no cover  (uvicorn without websockets: ASGI sends only)
    WebSocketsSansIOProtocol = None  # type: ignore[assignment,misc]

SCOPE_KEY = "madoguchi.direct"


def wire(text: str) -> bytes:
    """A server's text frame (FIN, unmasked, no extension) holding `text`."""
    return Frame(Opcode.TEXT, text.encode()).serialize(mask=False)


class DirectWriter:
    __slots__ = ("_proto",)

    def __init__(self, proto: Any) -> None:
        self._proto = proto

    @classmethod
    def of(cls, send: Send) -> DirectWriter | None:
        """The writer for the connection behind uvicorn's own `send`, or None."""
        proto = getattr(send, "__self__", None)
        if WebSocketsSansIOProtocol is None or not isinstance(proto, WebSocketsSansIOProtocol):
            return None
        return cls(proto)

    def write(self, frame: bytes) -> bool:
        """Write a whole frame now, or answer False when it must go through ASGI."""
        p = self._proto
        if (
            p.close_sent
            or p.disconnected
            or not p.writable.is_set()  # the transport's buffer is full: ASGI send waits
            or p.conn.state is not State.OPEN
            or p.conn.extensions
            or p.transport.is_closing()
        ):
            return False
        p.transport.write(frame)
        return True


class DirectWrites:
    """Pure ASGI middleware: puts a websocket connection's DirectWriter (or None) in its
    scope, from the `send` the server gave, before Starlette wraps it."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "websocket":
            scope[SCOPE_KEY] = DirectWriter.of(send)
        await self.app(scope, receive, send)
