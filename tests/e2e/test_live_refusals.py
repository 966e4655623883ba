"""Refused websockets on a real uvicorn, seen by a client other than the server's own
library (aiohttp): the handshake succeeds and the close code says why (docs/api.md), so a
page can tell "sign in again" or "not paired" from "server down"; a garbled `since` gets
a resync, never a server error."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Iterator
from typing import Any

import aiohttp
import httpx
import pytest

from server.live import protocol
from tests.conftest import CLERK, LiveServer, add_clerk


async def close_code(url: str) -> tuple[int, int | None]:
    """The handshake's HTTP status and the close code that follows it."""
    async with aiohttp.ClientSession() as session:
        try:
            ws = await session.ws_connect(url)
        except aiohttp.WSServerHandshakeError as e:
            return e.status, None
        async with ws:
            message = await ws.receive(timeout=10)
            assert message.type is aiohttp.WSMsgType.CLOSE, message
            return 101, ws.close_code


@pytest.fixture(scope="module")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """One server for the module: every test here only reads, or issues a ticket."""
    tmp = tmp_path_factory.mktemp("refusals")
    url = f"sqlite:///{tmp / 'madoguchi.sqlite3'}"
    add_clerk(url)
    server = LiveServer(url, tmp).start()
    yield server
    server.stop()


@pytest.mark.parametrize(
    ("path", "code"),
    [
        ("counter:4", protocol.Close.UNAUTHORIZED),
        ("counter:4?token=forged.token.value", protocol.Close.UNAUTHORIZED),
        ("admin:nakano", protocol.Close.UNAUTHORIZED),
        ("display:display-2f", protocol.Close.POLICY),
        ("display:display-2f?token=not-a-device", protocol.Close.POLICY),
        ("nowhere:nakano", protocol.Close.NOT_FOUND),
        ("counter:99", protocol.Close.NOT_FOUND),
        ("ticket:no-such-token", protocol.Close.NOT_FOUND),
    ],
)
def test_a_refused_channel_is_accepted_then_closed_with_its_code(
    path: str, code: int, server: LiveServer
) -> None:
    assert asyncio.run(close_code(f"{server.ws_url}/ws/v1/{path}")) == (101, code)


async def first_frame(url: str) -> dict[str, Any]:
    async with aiohttp.ClientSession() as session, session.ws_connect(url) as ws:
        message = await ws.receive(timeout=10)
        assert message.type is aiohttp.WSMsgType.TEXT, message
        return dict(json.loads(message.data))


@pytest.mark.parametrize(
    "since", ["9" * 5000, "%C2%B2", "%EF%BC%91", "-3", "1e5", "abc", "0x10", "12%00"]
)
def test_a_garbled_since_gets_the_current_view_with_resync(since: str, server: LiveServer) -> None:
    answer = httpx.post(
        f"{server.url}/api/v1/offices/nakano/tickets", json={"service": "moving"}, timeout=10
    )
    assert answer.status_code == 201, answer.text
    frame = asyncio.run(first_frame(f"{server.ws_url}/ws/v1/public:nakano?since={since}"))
    view = httpx.get(f"{server.url}/api/v1/views/public:nakano", timeout=10).json()
    assert frame["resync"] is True and frame["events"] == []
    assert frame["version"] == view["version"]
    assert frame["view"]["waiting_total"] == view["waiting_total"] > 0


def test_a_plain_since_still_replays(server: LiveServer) -> None:
    before = httpx.get(f"{server.url}/api/v1/views/public:nakano", timeout=10).json()["version"]
    for _ in range(3):
        answer = httpx.post(
            f"{server.url}/api/v1/offices/nakano/tickets", json={"service": "moving"}, timeout=10
        )
        assert answer.status_code == 201, answer.text
    token = httpx.post(
        f"{server.url}/api/v1/auth/token",
        json={"username": CLERK[0], "password": CLERK[1]},
        timeout=10,
    ).json()["token"]
    frame = asyncio.run(
        first_frame(f"{server.ws_url}/ws/v1/counter:1?since={before + 1}&token={token}")
    )
    assert "resync" not in frame
    assert [e["seq"] for e in frame["events"]] == [before + 2, before + 3]
