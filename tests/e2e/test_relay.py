"""Two server processes on one PostgreSQL database: a call made through one reaches a
display connected to the other (LISTEN/NOTIFY relay)."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable, Iterator

import httpx
import pytest
import websockets

from tests.conftest import CLERK, LiveServer, add_clerk, postgres_database

pytestmark = pytest.mark.postgres


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


def test_a_call_made_on_one_process_reaches_a_screen_on_another(
    pg_url: str, live_server: Callable[..., LiveServer]
) -> None:
    add_clerk(pg_url)
    a, b = live_server(pg_url), live_server(pg_url)

    async def scenario() -> list[dict[str, object]]:
        async with websockets.connect(f"{b.ws_url}/ws/v1/public:nakano") as ws:
            first = json.loads(await asyncio.wait_for(ws.recv(), 10))
            async with httpx.AsyncClient(base_url=a.url, timeout=10) as client:
                token = (
                    await client.post(
                        "/api/v1/auth/token", json={"username": CLERK[0], "password": CLERK[1]}
                    )
                ).json()["token"]
                clerk = {"Authorization": f"Bearer {token}"}
                issued = await client.post(
                    "/api/v1/offices/nakano/tickets", json={"service": "moving"}
                )
                assert issued.status_code == 201
                await client.post("/api/v1/offices/nakano/counters/1/open", headers=clerk)
                called = await client.post(
                    "/api/v1/offices/nakano/counters/1/call-next", headers=clerk
                )
                assert called.status_code == 200
            events: list[dict[str, object]] = []
            while not any(e["type"] == "ticket.called" for e in events):
                message = json.loads(await asyncio.wait_for(ws.recv(), 5))
                assert message["version"] > first["version"]
                events += message["events"]
            return events

    events = asyncio.run(scenario())
    called = next(e for e in events if e["type"] == "ticket.called")
    assert (called["number"], called["counter"]) == ("A-001", "1")
