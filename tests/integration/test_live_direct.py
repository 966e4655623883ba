"""Frames framed once and written straight to the transport (server/live/direct.py): the
bytes are exactly the library's own framing, real uvicorn serves them to a real client,
and every case the fast path cannot take falls back to the ASGI send."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

import pytest
import uvicorn
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket
from websockets.asyncio.client import connect
from websockets.server import ServerProtocol

from server.live.direct import SCOPE_KEY, DirectWrites, wire
from server.settings import Settings
from tests.conftest import free_port


@pytest.mark.parametrize("size", [0, 125, 126, 65535, 65536, 200_000])
def test_a_frame_is_the_bytes_the_sans_io_protocol_itself_would_send(size: int) -> None:
    text = ("窓口A-001 " * (size // 10 + 1))[:size]
    protocol = ServerProtocol()
    protocol.state = protocol.state.OPEN  # as after the handshake
    protocol.send_text(text.encode())
    assert wire(text) == b"".join(protocol.data_to_send())


def test_the_app_puts_the_writer_in_a_websocket_scope(sqlite_url: str) -> None:
    from server.app import create_app

    app = create_app(Settings(database_url=sqlite_url, always_open=True))
    assert any(m.cls is DirectWrites for m in app.user_middleware)


@contextlib.asynccontextmanager
async def _uvicorn(per_message_deflate: bool) -> AsyncIterator[tuple[int, dict[str, Any]]]:
    """A real uvicorn with the options `madoguchi serve` uses, serving one endpoint that
    writes two frames directly (if it can) and then one through ASGI."""
    seen: dict[str, Any] = {"ended": asyncio.Event()}

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        writer = websocket.scope[SCOPE_KEY]
        seen["writer"] = writer
        seen["direct"] = [writer is not None and writer.write(wire(t)) for t in ("一", "二")]
        if not all(seen["direct"]):
            for t in ("一", "二"):
                await websocket.send_text(t)
        await websocket.send_text("三")  # the ASGI path, after the direct writes, in order
        await websocket.receive()  # the client's close
        seen["after_close"] = writer is not None and writer.write(wire("四"))
        seen["ended"].set()

    app = Starlette(routes=[WebSocketRoute("/ws", endpoint)], middleware=[Middleware(DirectWrites)])
    port = free_port()
    config = uvicorn.Config(
        app,
        host="127.0.0.1",
        port=port,
        ws="websockets-sansio",
        ws_per_message_deflate=per_message_deflate,
        log_level="warning",
    )
    server = uvicorn.Server(config)
    task = asyncio.create_task(server.serve())
    async with asyncio.timeout(10):  # fails the test if uvicorn never starts
        while not server.started:
            assert not task.done(), "uvicorn stopped before it started"
            await asyncio.sleep(0.01)  # the polling interval
    try:
        yield port, seen
    finally:
        server.should_exit = True
        await task


async def _receive_three(port: int, seen: dict[str, Any], compression: str | None) -> list[str]:
    async with connect(f"ws://127.0.0.1:{port}/ws", compression=compression) as ws:
        got = [str(await asyncio.wait_for(ws.recv(), 5)) for _ in range(3)]
    # The endpoint sees the close and tries once more: wait until it has.
    await asyncio.wait_for(seen["ended"].wait(), 5)
    return got


def test_real_uvicorn_serves_the_frames_written_directly_in_order() -> None:
    async def run() -> tuple[list[str], dict[str, Any]]:
        async with _uvicorn(per_message_deflate=False) as (port, seen):
            return await _receive_three(port, seen, None), seen

    got, seen = asyncio.run(run())
    assert got == ["一", "二", "三"]
    assert seen["writer"] is not None and seen["direct"] == [True, True]
    assert seen["after_close"] is False  # a closing connection goes back to ASGI


def test_a_connection_with_deflate_is_sent_through_asgi() -> None:
    async def run() -> tuple[list[str], dict[str, Any]]:
        async with _uvicorn(per_message_deflate=True) as (port, seen):
            return await _receive_three(port, seen, "deflate"), seen

    got, seen = asyncio.run(run())
    assert got == ["一", "二", "三"]
    assert seen["direct"] == [False, False]  # framed bytes would lack the compression


def test_under_the_test_client_there_is_no_direct_writer() -> None:
    from starlette.testclient import TestClient

    seen: dict[str, Any] = {}

    async def endpoint(websocket: WebSocket) -> None:
        await websocket.accept()
        seen["writer"] = websocket.scope[SCOPE_KEY]
        await websocket.send_text("ok")
        await websocket.close()

    app = Starlette(routes=[WebSocketRoute("/ws", endpoint)], middleware=[Middleware(DirectWrites)])
    with TestClient(app) as client, client.websocket_connect("/ws") as ws:
        assert ws.receive_text() == "ok"
    assert seen["writer"] is None
