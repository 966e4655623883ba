"""Every event reaches every subscriber exactly once, in order, while other screens connect,
drop and reconnect with `since` and three counters call at the same time (issue 12).

Real uvicorn on both databases; the clients are aiohttp's websocket client and a raw
socket, not the `websockets` library the server is built on, and what they receive is
compared with the event table itself.
"""

from __future__ import annotations

import asyncio
import json
import os
import random
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import aiohttp
import httpx
import pytest
import sqlalchemy as sa

from server.domain.events import CALL_EVENT_TYPES
from tests.conftest import CLERK, LiveServer, add_clerk
from tests.e2e import raw_websocket

OFFICE = "/api/v1/offices/nakano"
CHANNELS = ("display:display-2f", "public:nakano")
CLIENTS_PER_CHANNEL = 6
TICKETS = 150
COUNTERS = ("1", "2", "3")
# How long a churning client stays connected before it closes and comes back (seconds).
STAY_S = (0.0, 0.25)


@dataclass
class Received:
    """What one client saw over all its connections."""

    channel: str
    first_version: int = -1  # the version of its very first view: events after it count
    last_version: int = -1
    events: list[dict[str, Any]] = field(default_factory=list)
    connections: int = 0
    coalesced: int = 0  # frames that skipped versions and carried their events
    problems: list[str] = field(default_factory=list)

    def take(self, frame: dict[str, Any], first_of_connection: bool) -> None:
        version = frame["version"]
        if frame.get("resync"):
            self.problems.append(f"resync at {version} after {self.last_version}")
        if self.first_version < 0:
            self.first_version = version
        elif version < self.last_version or (
            version == self.last_version and not first_of_connection
        ):
            self.problems.append(f"version {version} after {self.last_version}")
        if version > self.last_version + 1 and not first_of_connection and frame["events"]:
            self.coalesced += 1
        self.last_version = max(self.last_version, version)
        self.events += frame["events"]


async def sign_in(base: str) -> str:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        answer = await client.post(
            "/api/v1/auth/token", json={"username": CLERK[0], "password": CLERK[1]}
        )
        assert answer.status_code == 200, answer.text
        return str(answer.json()["token"])


async def issue(base: str, count: int, service: str = "moving") -> None:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for _ in range(count):
            answer = await client.post(f"{OFFICE}/tickets", json={"service": service})
            assert answer.status_code == 201, answer.text


async def open_counters(base: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:
        for counter in COUNTERS:
            opened = await client.post(f"{OFFICE}/counters/{counter}/open")
            assert opened.status_code == 200, opened.text


async def serve_all(base: str, token: str, counter: str) -> int:
    """A clerk at `counter` calls, starts and finishes tickets until none waits."""
    served = 0
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:
        while True:
            answer = await client.post(f"{OFFICE}/counters/{counter}/call-next")
            if answer.status_code == 204:
                return served
            assert answer.status_code == 200, answer.text
            ticket = answer.json()["id"]
            for action in ("start", "finish"):
                done = await client.post(f"/api/v1/tickets/{ticket}/{action}")
                assert done.status_code == 200, done.text
            served += 1


def url_of(server: LiveServer, channel: str, token: str, since: int | None) -> str:
    url = f"{server.ws_url}/ws/v1/{channel}?token={token}"
    return url + (f"&since={since}" if since is not None else "")


async def churn(
    server: LiveServer,
    session: aiohttp.ClientSession,
    seen: Received,
    token: str,
    stop: asyncio.Event,
    rng: random.Random,
) -> None:
    """Connect, read for a moment, close, and come back with `since`, until told to stop."""
    while not stop.is_set():
        since = seen.last_version if seen.last_version >= 0 else None
        async with session.ws_connect(url_of(server, seen.channel, token, since)) as ws:
            seen.connections += 1
            first = True
            deadline = time.monotonic() + rng.uniform(*STAY_S)
            while True:
                left = deadline - time.monotonic()
                if left <= 0 and not first:
                    break
                try:
                    message = await ws.receive(timeout=max(left, 0.001) if not first else 10)
                except TimeoutError:
                    break
                if message.type is not aiohttp.WSMsgType.TEXT:
                    seen.problems.append(f"closed by the server: {message.type} {message.data}")
                    break
                seen.take(json.loads(message.data), first)
                first = False


async def catch_up(
    server: LiveServer, session: aiohttp.ClientSession, seen: Received, token: str, final: int
) -> None:
    """The last reconnection, held until the final version has arrived."""
    async with session.ws_connect(url_of(server, seen.channel, token, seen.last_version)) as ws:
        first = True
        while seen.last_version < final:
            message = await ws.receive(timeout=10)
            assert message.type is aiohttp.WSMsgType.TEXT, message
            seen.take(json.loads(message.data), first)
            first = False


def event_table(database_url: str) -> list[dict[str, Any]]:
    engine = sa.create_engine(database_url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(
                sa.text(
                    "SELECT seq, type, number, counter FROM event "
                    "WHERE office = 'nakano' ORDER BY seq"
                )
            ).all()
    finally:
        engine.dispose()
    return [dict(row._mapping) for row in rows]


async def reconnecting_floor(server: LiveServer, seed: int) -> dict[str, Any]:
    rng = random.Random(seed)
    token = await sign_in(server.url)
    await issue(server.url, TICKETS)
    await open_counters(server.url, token)
    clients = [Received(channel) for channel in CHANNELS for _ in range(CLIENTS_PER_CHANNEL)]
    stop = asyncio.Event()
    async with aiohttp.ClientSession() as session:
        churning = [
            asyncio.create_task(
                churn(server, session, seen, token, stop, random.Random(rng.random()))
            )
            for seen in clients
        ]
        served = await asyncio.gather(*(serve_all(server.url, token, c) for c in COUNTERS))
        stop.set()
        await asyncio.gather(*churning)
        async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
            final = (await client.get(f"/api/v1/views/{CHANNELS[1]}")).json()["version"]
        await asyncio.gather(*(catch_up(server, session, seen, token, final) for seen in clients))
    return {"clients": clients, "final": final, "served": served}


def check_delivery(clients: list[Received], table: list[dict[str, Any]], final: int) -> None:
    by_seq = {row["seq"]: row for row in table}
    for seen in clients:
        assert not seen.problems, (seen.channel, seen.problems[:5])
        seqs = [e["seq"] for e in seen.events]
        expected = [s for s in by_seq if seen.first_version < s <= final]
        missing = sorted(set(expected) - set(seqs))
        repeated = sorted({s for s in seqs if seqs.count(s) > 1})
        assert not missing and not repeated, (
            f"{seen.channel}: missing {missing[:20]}, repeated {repeated[:20]}"
        )
        assert seqs == expected, f"{seen.channel}: events out of order"
        calls = [
            (e["seq"], e["type"], e["number"], e["counter"])
            for e in seen.events
            if e["type"] in CALL_EVENT_TYPES
        ]
        assert calls == [
            (r["seq"], r["type"], r["number"], r["counter"])
            for r in table
            if r["type"] in CALL_EVENT_TYPES and seen.first_version < r["seq"] <= final
        ]


@pytest.fixture
def server(database_url: str, live_server: Callable[..., LiveServer]) -> LiveServer:
    """The demo office on a real uvicorn, on each database, with a clerk."""
    add_clerk(database_url, role="supervisor")  # works several counters
    return live_server(database_url)


@pytest.mark.slow
def test_every_call_reaches_every_reconnecting_screen_exactly_once(
    database_url: str, server: LiveServer
) -> None:
    seed = int(os.environ.get("MADOGUCHI_TEST_SEED", random.randrange(1 << 30)))
    run = asyncio.run(reconnecting_floor(server, seed))
    clients: list[Received] = run["clients"]
    table = event_table(database_url)
    calls = [r for r in table if r["type"] == "ticket.called"]
    print(
        f"\nseed {seed}: {len(calls)} calls, final version {run['final']}, "
        f"{sum(c.connections for c in clients)} connections by {len(clients)} clients"
    )
    assert sum(run["served"]) == TICKETS and len(calls) == TICKETS
    # The churn must really overlap the calls: each client came and went several times.
    assert min(c.connections for c in clients) >= 3
    check_delivery(clients, table, run["final"])


class SlowSocket:
    """A websocket client on a raw socket with a tiny receive buffer that reads a little at
    a time: the server's writes back up and it must coalesce frames for it."""

    def __init__(self, port: int, path: str) -> None:
        self.sock = raw_websocket.connect(port, path)
        self.buffer = b""

    def frames(self) -> list[dict[str, Any]]:
        """The whole text frames now in the buffer."""
        frames, self.buffer = raw_websocket.split_frames(self.buffer)
        for opcode, payload in frames:
            assert opcode == 1, f"opcode {opcode}: {payload[:40]!r}"
        return [json.loads(payload) for _, payload in frames]

    def read_until(
        self, target: list[int], pause_s: float, deadline_s: float
    ) -> list[dict[str, Any]]:
        """Read slowly until a frame reaches the version put in `target` (by the caller,
        once it knows the final one)."""
        frames: list[dict[str, Any]] = []
        end = time.monotonic() + deadline_s
        while not (target and frames and frames[-1]["version"] >= target[0]):
            assert time.monotonic() < end, f"stuck at {frames[-1]['version'] if frames else None}"
            time.sleep(pause_s)  # the subject: a client that reads slowly
            chunk = self.sock.recv(512)
            assert chunk, "the server ended the connection"
            self.buffer += chunk
            frames += self.frames()
        return frames


@pytest.mark.slow
def test_a_slow_screen_gets_coalesced_frames_with_every_event(
    database_url: str, server: LiveServer
) -> None:

    async def scenario() -> tuple[list[dict[str, Any]], int]:
        token = await sign_in(server.url)
        await issue(server.url, 60)
        slow = SlowSocket(server.port, f"/ws/v1/display:display-2f?token={token}")
        target: list[int] = []
        reading = asyncio.create_task(asyncio.to_thread(slow.read_until, target, 0.003, 60))
        await open_counters(server.url, token)
        await asyncio.gather(*(serve_all(server.url, token, c) for c in COUNTERS))
        headers = {"Authorization": f"Bearer {token}"}
        async with httpx.AsyncClient(base_url=server.url, timeout=30, headers=headers) as client:
            view = await client.get("/api/v1/views/display:display-2f")
        final = view.json()["version"]
        target.append(final)
        frames = await reading
        slow.sock.close()
        return frames, final

    frames, final = asyncio.run(scenario())
    seen = Received("display:display-2f")
    for i, frame in enumerate(frames):
        seen.take(frame, i == 0)
    print(
        f"\n{len(frames)} frames for {final - frames[0]['version']} versions, {seen.coalesced} coalesced"
    )
    assert seen.coalesced > 0, "the client was never slow enough to be sent merged frames"
    check_delivery([seen], event_table(database_url), final)
