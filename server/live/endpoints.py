"""The websocket endpoint /ws/v1/{channel}?since=N."""

from __future__ import annotations

import asyncio
import contextlib

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from server.domain.errors import NotFound

from . import protocol
from .channels import STAFF_KINDS, parse_channel


async def live(websocket: WebSocket) -> None:
    system = websocket.app.state.system
    hub = system.hub
    try:
        channel = parse_channel(websocket.path_params["channel"], system.office)
    except NotFound as e:
        await websocket.close(protocol.CLOSE_NOT_FOUND, e.message[:100])
        return
    since_raw = websocket.query_params.get("since")
    since = int(since_raw) if since_raw and since_raw.lstrip("-").isdigit() else None
    if channel.kind in STAFF_KINDS:
        from server.api.auth import bearer

        token = bearer(websocket)
        if token is None or websocket.app.state.tokens.verify(token) is None:
            await websocket.close(protocol.CLOSE_UNAUTHORIZED, "staff sign-in required")
            return
    await websocket.accept()
    sub = await hub.subscribe(websocket, channel, since)
    if sub is None:
        return
    pump = asyncio.create_task(sub.pump())
    try:
        while True:
            message = await websocket.receive()
            if message["type"] == "websocket.disconnect":
                break
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        hub.unsubscribe(sub)
        sub.dropped = True
        sub.wake.set()
        pump.cancel()
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await pump


def routes() -> list[WebSocketRoute]:
    return [WebSocketRoute("/ws/v1/{channel}", live)]
