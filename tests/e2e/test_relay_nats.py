"""Two `madoguchi serve` processes on one PostgreSQL database with MADOGUCHI_RELAY pointing
at a nats-server of the test's own (docs/scale.md): a screen on one process sees, in order
and without a gap, what commands sent to the other commit, over NATS; and with NATS down at
start, up later, killed mid-run and back, no command waits on it and nothing is lost."""

from __future__ import annotations

import asyncio
import json
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import websockets

from tests.conftest import LiveServer, NatsServer, postgres_database

pytestmark = pytest.mark.postgres
FRAME_TIMEOUT_S = 10.0
COMMAND_BOUND_S = 2.0  # a command never waits on NATS: it answers well within this


@pytest.fixture
def pg_url() -> Iterator[str]:
    with postgres_database() as url:
        yield url


@pytest.fixture
def two_servers(tmp_path: Path) -> Iterator[list[LiveServer]]:
    servers: list[LiveServer] = []
    yield servers
    for server in servers:
        server.stop()


def start_two(
    servers: list[LiveServer], pg_url: str, tmp: Path, relay: str, grace_s: float
) -> None:
    for _ in range(2):
        server = LiveServer(pg_url, tmp)
        server.env.update({"MADOGUCHI_RELAY": relay, "MADOGUCHI_RELAY_GRACE_S": str(grace_s)})
        servers.append(server)
        server.start()


async def issue(client: httpx.AsyncClient, n: int) -> int:
    """`n` tickets issued one after the other; answers the office's version after them.
    Each command answers within COMMAND_BOUND_S whatever NATS is doing."""
    for _ in range(n):
        t0 = time.monotonic()
        answer = await client.post("/api/v1/offices/nakano/tickets", json={"service": "moving"})
        assert answer.status_code == 201, answer.text
        assert time.monotonic() - t0 < COMMAND_BOUND_S
    version: int = (await client.get("/healthz")).json()["version"]
    return version


async def frames_until(ws: Any, target: int) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while not frames or frames[-1]["version"] < target:
        message = json.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT_S))
        if message["type"] == "view":
            frames.append(message)
    return frames


def assert_in_order(frames: list[dict[str, Any]], since: int, target: int) -> None:
    """Versions strictly increasing, ending at `target`, and the events every version
    after `since` exactly once, in order: nothing skipped, nothing repeated."""
    versions = [f["version"] for f in frames]
    assert versions == sorted(set(versions)) and versions[0] > since and versions[-1] == target
    seqs = [e["seq"] for f in frames for e in f["events"]]
    assert seqs == list(range(since + 1, target + 1))


def test_versions_committed_on_one_process_reach_a_screen_on_another_over_nats(
    pg_url: str, nats_server: NatsServer, two_servers: list[LiveServer], tmp_path: Path
) -> None:
    nats_server.start()
    # LISTEN/NOTIFY held back a minute: only NATS can bring the frames in time.
    start_two(two_servers, pg_url, tmp_path, nats_server.url, grace_s=60)
    a, b = two_servers
    nats_server.wait_for_relays(2)

    async def scenario() -> None:
        async with websockets.connect(f"{a.ws_url}/ws/v1/public:nakano") as ws:
            first = json.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT_S))
            async with httpx.AsyncClient(base_url=b.url, timeout=10) as client:
                target = await issue(client, 30)
            assert_in_order(await frames_until(ws, target), first["version"], target)

    asyncio.run(scenario())


def test_nats_down_at_start_killed_and_restarted_loses_nothing_and_blocks_no_command(
    pg_url: str, nats_server: NatsServer, two_servers: list[LiveServer], tmp_path: Path
) -> None:
    # No nats-server yet: both processes start all the same, on LISTEN/NOTIFY.
    start_two(two_servers, pg_url, tmp_path, nats_server.url, grace_s=1)
    a, b = two_servers

    async def scenario() -> None:
        async with httpx.AsyncClient(base_url=b.url, timeout=10) as client:
            ws = await websockets.connect(f"{a.ws_url}/ws/v1/public:nakano")
            held = json.loads(await asyncio.wait_for(ws.recv(), FRAME_TIMEOUT_S))["version"]

            async def phase(n: int) -> None:
                nonlocal held
                target = await issue(client, n)
                assert_in_order(await frames_until(ws, target), held, target)
                held = target

            await phase(5)  # NATS never seen yet
            await asyncio.to_thread(nats_server.start)
            await asyncio.to_thread(nats_server.wait_for_relays, 2)
            await phase(5)  # over NATS
            await asyncio.to_thread(nats_server.kill)
            await phase(5)  # NATS gone mid-run
            # A screen that lost its connection meanwhile catches up from its version.
            await ws.close()
            missed = await issue(client, 5)
            ws = await websockets.connect(f"{a.ws_url}/ws/v1/public:nakano?since={held}")
            assert_in_order(await frames_until(ws, missed), held, missed)
            held = missed
            await asyncio.to_thread(nats_server.start)  # back, on the same port
            await asyncio.to_thread(nats_server.wait_for_relays, 2)
            await phase(5)
            await ws.close()
        # Each outage logged once, and each return.
        said = [line.split(" (")[0] for line in a.log.read_text().splitlines() if "relay:" in line]
        down = f"relay: NATS at {nats_server.url} unavailable"
        lost = {down, "relay: NATS disconnected; LISTEN/NOTIFY carries the notices meanwhile"}
        assert len(said) == 4 and said[0] == down and said[2] in lost, said
        assert said[1] == f"relay: NATS connected at {nats_server.url}"
        assert said[3] == f"relay: NATS reconnected at {nats_server.url}"

    asyncio.run(scenario())
