"""The websocket endpoint /ws/v1/{channel}?since=N[&delta=1].

``delta=1`` (public and ticket channels): after the first view, frames of type ``delta``
carry what changed (protocol.delta_frame); the client sends ``{"type": "resync"}`` when a
delta's ``base`` is not the version it holds, and gets the full view.

A token for a staff or display channel may come in the first message instead of the
address (``?auth=message``, then ``{"type": "auth", "token": "…"}``): what is in an address
ends up in logs and browser histories; the display page sends its device token this way.
``?token=`` and the ``Authorization`` header still work for API clients."""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging

from starlette.requests import HTTPConnection
from starlette.routing import WebSocketRoute
from starlette.types import ASGIApp, Receive, Scope, Send
from starlette.websockets import WebSocket, WebSocketDisconnect, WebSocketState

from server.api.state import channel_system, system_of, tokens_of
from server.domain.errors import NotFound
from server.permissions import Action, may

from . import protocol
from .channels import STAFF_KINDS, Channel, Kind, parse_channel
from .direct import SCOPE_KEY, DirectWriter

log = logging.getLogger(__name__)

MAX_SINCE_DIGITS = 18  # a version fits in 64 bits
AUTH_MESSAGE_WAIT_S = 10  # how long a connection may take to send its first message's token
MAX_AUTH_MESSAGE_CHARS = 4096
STANDING_CHECK_S = 5.0  # how often a staff websocket's sign-in is checked (sign-out ends it)
UNSERVABLE_SINCE = -1  # below every day's first version: answered with a resync


async def may_watch_display(conn: HTTPConnection, channel: Channel, office: str) -> bool:
    """A display channel is for the display itself (its device token, paired once) and for
    its office's staff (a signed-in token, e.g. to preview it)."""
    return await display_watcher(conn, channel, office) is not None


async def display_watcher(conn: HTTPConnection, channel: Channel, office: str) -> str | None:
    """Who watches a display channel: "staff:NAME" (a signed-in token of the display's
    office's staff), "device:NAME" (the display's own device token), or None (refused)."""
    from server.accounts import device_of_token
    from server.api.auth import bearer

    token = bearer(conn)
    if not token:
        return None
    staff = tokens_of(conn).verify(token)
    if staff is not None:
        return f"staff:{staff.username}" if staff.role_in(office) is not None else None
    engines = system_of(conn).engines
    device = await asyncio.to_thread(device_of_token, engines, token)
    return f"device:{device}" if device is not None and device == channel.key else None


def parse_since(raw: str | None) -> int | None:
    """The version a reconnecting client saw. Anything but a plain non-negative integer of
    sane length (a garbled or hostile query) counts as a version the server cannot serve:
    the client gets the current view with `resync`, as after a restore."""
    if raw is None or raw == "":
        return None
    if len(raw) <= MAX_SINCE_DIGITS and raw.isascii() and raw.isdigit():
        return int(raw)
    return UNSERVABLE_SINCE


RESYNC_MESSAGE = {"type": "resync"}


def wants_full_view(text: str | None) -> bool:
    """`{"type": "resync"}`: a delta client whose version does not match a delta's `base`
    asks for the full view. Anything else a client sends is ignored, as before."""
    if not text or len(text) > 64:
        return False
    try:
        return bool(json.loads(text) == RESYNC_MESSAGE)
    except (ValueError, RecursionError):
        return False


async def refuse(websocket: WebSocket, code: int, reason: str) -> None:
    """Accept, then close with `code`: a browser sees a refused handshake only as 1006,
    and the page must tell "sign in again" or "not paired" from "server down"."""
    if websocket.application_state is WebSocketState.CONNECTING:
        await websocket.accept()
    with contextlib.suppress(RuntimeError):  # a client that left while we read its token
        await websocket.close(code, protocol.close_reason(reason))


async def token_from_first_message(websocket: WebSocket) -> bool:
    """Accept, read ``{"type": "auth", "token": "…"}`` and hand the token on as the
    connection's ``Authorization`` header, where every check already looks for it; False
    when no such message comes in time."""
    await websocket.accept()
    try:
        message = await asyncio.wait_for(websocket.receive(), AUTH_MESSAGE_WAIT_S)
    except TimeoutError:
        return False
    text = message.get("text") if message["type"] == "websocket.receive" else None
    if not text or len(text) > MAX_AUTH_MESSAGE_CHARS:
        return False
    try:
        data = json.loads(text)
    except (ValueError, RecursionError):  # not JSON, or nested past the parser's depth
        return False
    token = data.get("token") if isinstance(data, dict) and data.get("type") == "auth" else None
    if not isinstance(token, str) or not token.isascii() or not token.strip():
        return False
    headers = [(k, v) for k, v in websocket.scope["headers"] if k != b"authorization"]
    websocket.scope["headers"] = [*headers, (b"authorization", f"Bearer {token}".encode())]
    websocket.__dict__.pop("_headers", None)  # starlette's cached Headers, if read before
    return True


async def live(websocket: WebSocket) -> None:
    name = websocket.path_params["channel"]
    try:
        # The office the channel is of (each office has its own hub): named, or found.
        system = await channel_system(websocket, name)
        channel = parse_channel(name, system.office)
    except NotFound as e:
        await refuse(websocket, protocol.Close.NOT_FOUND, e.message)
        return
    hub = system.hub
    if hub is None:  # the app has not started (or has stopped): come back shortly
        await refuse(websocket, protocol.Close.TRY_AGAIN, "starting")
        return
    since = parse_since(websocket.query_params.get("since"))
    if (
        websocket.query_params.get("auth") == "message"
        and (channel.kind in STAFF_KINDS or channel.kind is Kind.DISPLAY)
        and not await token_from_first_message(websocket)
    ):
        close = (
            protocol.Close.POLICY if channel.kind is Kind.DISPLAY else protocol.Close.UNAUTHORIZED
        )
        await refuse(websocket, close, "no token in the first message")
        return
    who: str | None = None
    if channel.kind in STAFF_KINDS:
        from server.api.auth import staff_of

        # A Bearer token (header, ?token= or the first message), or a browser's session.
        signed_in = staff_of(websocket, tokens_of(websocket))
        if signed_in is None:
            await refuse(websocket, protocol.Close.UNAUTHORIZED, "staff sign-in required")
            return
        staff = signed_in.in_office(system.office.id)
        if staff is None:
            await refuse(websocket, protocol.Close.FORBIDDEN, "not staff of this office")
            return
        if channel.kind is Kind.ADMIN and not may(staff.role, Action.VIEW_FLOOR):
            await refuse(websocket, protocol.Close.FORBIDDEN, "supervisors only")
            return
        who = f"staff:{staff.username}"
    if channel.kind is Kind.DISPLAY:
        who = await display_watcher(websocket, channel, system.office.id)
        if who is None:
            await refuse(websocket, protocol.Close.POLICY, "display token required")
            return
    if websocket.application_state is WebSocketState.CONNECTING:
        await websocket.accept()
    delta = websocket.query_params.get("delta") == "1"
    direct = websocket.scope.get(SCOPE_KEY)
    sub = await hub.subscribe(websocket, channel, since, direct, who, delta)
    if sub is None:
        return
    sub.owner = asyncio.current_task()
    watch = (
        asyncio.create_task(_close_when_signed_out(websocket))
        if channel.kind in STAFF_KINDS
        else None
    )
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
            if sub.delta and wants_full_view(message.get("text")):
                hub.refresh(sub)
    except (WebSocketDisconnect, RuntimeError):
        pass
    except asyncio.CancelledError:
        if not sub.dropped:
            raise
        # Dropped for being too slow (hub.Subscriber.drop): end quietly; the server
        # closes the connection once the client has read what is buffered.
    finally:
        if watch is not None:
            watch.cancel()
        hub.unsubscribe(sub)
        sub.stop()


async def _close_when_signed_out(websocket: WebSocket) -> None:
    """A staff websocket ends (4401: the counter app goes to sign-in) once its token or
    session no longer stands: signed out, the user's password or role changed, removed."""
    from server.api.auth import still_stands

    tokens = tokens_of(websocket)
    while True:
        await asyncio.sleep(STANDING_CHECK_S)
        if not await asyncio.to_thread(still_stands, websocket, tokens):
            with contextlib.suppress(RuntimeError, WebSocketDisconnect):
                reason = protocol.close_reason("signed out")
                await websocket.close(protocol.Close.UNAUTHORIZED, reason)
            return


def routes() -> list[WebSocketRoute]:
    return [WebSocketRoute("/ws/v1/{channel}", live)]


class LiveFastPath:
    """Pure ASGI middleware, the app's first (app.py): the phones' channels,
    ``/ws/v1/public:…`` and ``/ws/v1/ticket:…``, go straight to `live`.

    Each layer an idle websocket passes through keeps a suspended coroutine frame for as
    long as the connection lasts: through the app's other middlewares (which let websockets
    pass untouched), Starlette's exception middleware, router and endpoint wrapper, about
    5 KB a connection, a fifth of an idle subscriber (docs/scale.md). The same endpoint runs,
    with the same path parameter and direct writer; an error Starlette's handlers would
    have taken (the store unavailable while subscribing) closes the connection with 1013,
    so that the page reconnects with `since`. Other channels take the usual route."""

    PREFIXES = ("/ws/v1/public:", "/ws/v1/ticket:")

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"] if scope["type"] == "websocket" else ""
        if not path.startswith(self.PREFIXES) or "/" in path[7:]:
            await self.app(scope, receive, send)
            return
        scope["path_params"] = {"channel": path[7:]}
        scope[SCOPE_KEY] = DirectWriter.of(send)
        websocket = WebSocket(scope, receive, send)
        try:
            await live(websocket)
        except Exception as exc:
            if not _handled(exc):
                raise
            log.warning("live connection on %s ended: %s", path, exc)
            await refuse(websocket, protocol.Close.TRY_AGAIN, "try again")


def _handled(exc: Exception) -> bool:
    """Whether the app's exception handlers (api/errors.py) would have taken `exc`."""
    from server.api.errors import HANDLERS

    return any(cls in HANDLERS for cls in type(exc).__mro__)
