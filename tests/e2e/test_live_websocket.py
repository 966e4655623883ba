"""The live hub over real sockets (real uvicorn, the `websockets` client): a subscriber that
stops reading is dropped without slowing the others, versions only grow, and a subscriber
that reconnects with `since` loses no call."""

from __future__ import annotations

import asyncio
import contextlib
import json
import struct
import time
from collections.abc import Callable
from typing import Any

import httpx
import pytest
from websockets.asyncio.client import ClientConnection, connect

from server.live.protocol import Close
from server.live.subscriber import SEND_TIMEOUT_S
from tests.conftest import CLERK, LiveServer, add_clerk
from tests.e2e import raw_websocket

OFFICE = "/api/v1/offices/nakano"
PUBLIC = "public:nakano"
BIG = "counter:4"  # the channel with the big view
ABSENT = 120
# Past the hub's bound on a send, after which it drops the client (and a margin).
STALL_WAIT_S = SEND_TIMEOUT_S + 1.5
COMMANDS = 300
READERS = 5


class StalledSocket:
    """A websocket client that completes the handshake and then never reads, with a tiny
    receive buffer so that the server's writes back up after a few frames."""

    def __init__(self, port: int, channel: str) -> None:
        self.sock = raw_websocket.connect(port, f"/ws/v1/{channel}", timeout_s=5)

    def drain(self, timeout: float) -> tuple[list[dict[str, Any]], int | None, bool]:
        """Read whatever is there now: the view frames, the close code if a close frame
        came, and whether the server ended the connection."""
        self.sock.settimeout(timeout)
        data = b""
        ended = False
        with contextlib.suppress(TimeoutError):
            while True:
                try:
                    chunk = self.sock.recv(65536)
                except ConnectionResetError:
                    ended = True
                    break
                if not chunk:
                    ended = True
                    break
                data += chunk
        messages, code = [], None
        frames, _ = raw_websocket.split_frames(data)
        for opcode, payload in frames:
            if opcode == 1:
                messages.append(json.loads(payload))
            elif opcode == 8:
                code = struct.unpack("!H", payload[:2])[0] if len(payload) >= 2 else 1005
        return messages, code, ended

    def close(self) -> None:
        self.sock.close()


class Reader:
    """A subscriber that reads everything, noting when each message arrived."""

    def __init__(self, ws: ClientConnection) -> None:
        self.ws = ws
        self.messages: list[tuple[float, dict[str, Any]]] = []

    async def read(self) -> None:
        with contextlib.suppress(Exception):
            async for raw in self.ws:
                self.messages.append((time.monotonic(), json.loads(raw)))

    def versions(self) -> list[int]:
        return [m["version"] for _, m in self.messages]

    def events(self) -> list[dict[str, Any]]:
        return [e for _, m in self.messages for e in m["events"]]


async def issue_many(
    base: str, count: int, clients: int = 4, services: list[str] | None = None
) -> list[dict[str, Any]]:
    services = services or ["moving", "certificates", "insurance", "mynumber"]
    tickets: list[dict[str, Any]] = []

    async def kiosk(k: int) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30) as client:
            for i in range(k, count, clients):
                body = {"service": services[i % len(services)], "lang": "ja"}
                answer = await client.post(f"{OFFICE}/tickets", json=body)
                assert answer.status_code == 201, answer.text
                tickets.append(answer.json())

    await asyncio.gather(*(kiosk(k) for k in range(clients)))
    return tickets


async def sign_in(client: httpx.AsyncClient) -> dict[str, str]:
    answer = await client.post(
        "/api/v1/auth/token", json={"username": CLERK[0], "password": CLERK[1]}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def wait_for_version(readers: list[Reader], version: int, timeout: float) -> None:
    """Wait until every reader has a message at `version` or newer; fail after `timeout`."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if all(r.messages and r.messages[-1][1]["version"] >= version for r in readers):
            return
        await asyncio.sleep(0.01)  # the polling interval
    last = [r.messages[-1][1]["version"] if r.messages else None for r in readers]
    raise AssertionError(f"not at version {version} within {timeout} s: readers at {last}")


async def make_absent(base: str, clerk: dict[str, str], count: int) -> None:
    """`count` no-shows: counter 4's view lists every absent ticket, so its frames grow big
    (about 230 bytes a ticket), big enough to fill a stalled socket's kernel buffers."""
    await issue_many(base, count, services=["moving"])
    counters = ["1", "2", "3", "4", "5", "6"]

    async def counter(number: str) -> None:
        async with httpx.AsyncClient(base_url=base, timeout=30, headers=clerk) as client:
            answer = await client.post(f"{OFFICE}/counters/{number}/open")
            assert answer.status_code == 200, answer.text
            while True:
                answer = await client.post(f"{OFFICE}/counters/{number}/call-next")
                if answer.status_code == 204:
                    return
                assert answer.status_code == 200, answer.text
                gone = await client.post(f"/api/v1/tickets/{answer.json()['id']}/no-show")
                assert gone.status_code == 200, gone.text

    await asyncio.gather(*(counter(c) for c in counters))


async def stalled_and_readers(server: LiveServer) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=server.url) as client:
        clerk = await sign_in(client)
    await make_absent(server.url, clerk, ABSENT)
    query = "?token=" + clerk["Authorization"].split()[1]
    stalled = StalledSocket(server.port, BIG + query)
    readers = []
    for _ in range(READERS):
        ws = await connect(f"{server.ws_url}/ws/v1/{BIG}{query}", max_size=None)
        readers.append(Reader(ws))
    tasks = [asyncio.create_task(r.read()) for r in readers]
    await wait_for_version(readers, 0, 5)
    start_version = readers[0].messages[0][1]["version"]
    size = len(json.dumps(readers[0].messages[0][1]))

    began = time.monotonic()
    tickets = await issue_many(server.url, COMMANDS, services=["certificates", "moving"])
    last_command = time.monotonic()
    final = httpx.get(f"{server.url}/api/v1/views/{BIG}", headers=clerk).json()["version"]
    await wait_for_version(readers, final, 10)
    # The hub gives a send SEND_TIMEOUT_S before it drops the client: wait past that, then
    # the client reads again (a display whose network came back), and one more change
    # happens. This wait is the subject: the server runs in another process, and the
    # stalled client, reading nothing, cannot see the drop before it reads again.
    await asyncio.sleep(STALL_WAIT_S)
    frames, code, ended = await asyncio.to_thread(stalled.drain, 2.0)
    after = (await issue_many(server.url, 1))[0]
    more, code_after, ended_after = await asyncio.to_thread(stalled.drain, 2.0)
    stalled.close()
    for r in readers:
        await r.ws.close()
    await asyncio.gather(*tasks)
    return {
        "readers": readers,
        "tickets": tickets,
        "start": start_version,
        "final": final,
        "began": began,
        "last_command": last_command,
        "stalled": (frames, code, ended),
        "stalled_after": (more, code_after, ended_after),
        "after": after,
        "size": size,
    }


@pytest.mark.slow
def test_a_client_that_stops_reading_is_dropped_without_slowing_the_others(
    sqlite_url: str, live_server: Callable[..., LiveServer]
) -> None:
    add_clerk(sqlite_url, role="supervisor")  # works several counters
    server = live_server(sqlite_url)
    run = asyncio.run(stalled_and_readers(server))
    readers: list[Reader] = run["readers"]
    issued = {t["number"] for t in run["tickets"]}
    assert run["final"] == run["start"] + COMMANDS
    lags = []
    for reader in readers:
        versions = reader.versions()
        assert versions == sorted(set(versions)), "versions on a connection only grow"
        assert run["final"] in versions
        reader.messages = [(t, m) for t, m in reader.messages if m["version"] <= run["final"]]
        seqs = [e["seq"] for e in reader.events()]
        assert seqs == list(range(run["start"] + 1, run["final"] + 1)), "no event lost"
        assert {e["number"] for e in reader.events()} == issued
        lags.append(reader.messages[-1][0] - run["last_command"])
    frames, code, ended = run["stalled"]
    got = frames[-1]["version"] if frames else None
    print(
        f"\nframes of {run['size'] // 1000} KB; {COMMANDS} commands in "
        f"{run['last_command'] - run['began']:.2f} s; "
        f"readers got {[len(r.messages) for r in readers]} messages, last one "
        f"{max(lags) * 1000:.0f} ms after the last answer; the stalled client got "
        f"{len(frames)} frames up to version {got}, close code {code}, ended {ended}"
    )
    assert max(lags) < 2.0
    assert got is not None and got < run["final"], "the stalled client was never behind"
    # Once it reads again it must be told (1013, or the connection ended) and reconnect,
    # or else still be served: never left connected and silent, a frozen display.
    more, code_after, ended_after = run["stalled_after"]
    told = Close.TRY_AGAIN in (code, code_after) or ended or ended_after
    served = any(m["version"] > run["final"] for m in more)
    assert told or served, (
        f"the client that stopped reading was dropped but never told: after reading again "
        f"it got {len(more)} more frames, no close frame and no end of the connection"
    )


async def calls_across_a_reconnect(server: LiveServer) -> dict[str, Any]:
    channel = "display:display-2f"
    async with httpx.AsyncClient(base_url=server.url, timeout=30) as client:
        answer = await client.post(
            "/api/v1/auth/token", json={"username": CLERK[0], "password": CLERK[1]}
        )
        clerk = {"Authorization": f"Bearer {answer.json()['token']}"}
        await issue_many(server.url, 60, clients=2)
        for counter in ("1", "2", "3", "9"):
            opened = await client.post(f"{OFFICE}/counters/{counter}/open", headers=clerk)
            assert opened.status_code == 200, opened.text

        called: list[str] = []

        async def call_round() -> None:
            for counter in ("1", "2", "3", "9"):
                answer = await client.post(f"{OFFICE}/counters/{counter}/call-next", headers=clerk)
                if answer.status_code == 204:
                    continue
                assert answer.status_code == 200, answer.text
                ticket = answer.json()
                called.append(ticket["number"])
                for action in ("start", "finish"):
                    done = await client.post(
                        f"/api/v1/tickets/{ticket['id']}/{action}", headers=clerk
                    )
                    assert done.status_code == 200, done.text

        # Displays may be asked for a token (a device's or a clerk's); public ones ignore it.
        base = f"{server.ws_url}/ws/v1/{channel}?token={clerk['Authorization'].split()[1]}"
        connections: list[list[dict[str, Any]]] = []
        since: int | None = None
        for _ in range(3):
            url = base + (f"&since={since}" if since else "")
            async with connect(url, max_size=None) as ws:
                reader = Reader(ws)
                task = asyncio.create_task(reader.read())
                await wait_for_version([reader], 0, 5)  # subscribed: its first view is here
                await call_round()
                await call_round()
                view = await client.get(f"/api/v1/views/{channel}", headers=clerk)
                target = view.json()["version"]
                await wait_for_version([reader], target, 5)
                await ws.close()
                await task
            connections.append([m for _, m in reader.messages])
            since = reader.messages[-1][1]["version"]
            await call_round()  # while away: these calls must come with the reconnect
        async with connect(f"{base}&since={since}") as ws:
            connections.append([json.loads(await asyncio.wait_for(ws.recv(), 5))])
    return {"called": called, "connections": connections}


def test_a_subscriber_that_reconnects_with_since_misses_no_call(
    sqlite_url: str, live_server: Callable[..., LiveServer]
) -> None:
    add_clerk(sqlite_url, role="supervisor")  # works several counters
    server = live_server(sqlite_url)
    run = asyncio.run(calls_across_a_reconnect(server))
    announced = []
    last = -1
    for messages in run["connections"]:
        versions = [m["version"] for m in messages]
        assert versions == sorted(set(versions))
        assert versions[0] >= last
        assert not any(m.get("resync") for m in messages)
        last = versions[-1]
        announced += [
            e["number"] for m in messages for e in m["events"] if e["type"] == "ticket.called"
        ]
    assert len(run["called"]) >= 20
    assert announced == run["called"], "every call announced once, in order"


@pytest.mark.parametrize("since", [None, 0])
def test_versions_on_a_connection_only_grow_under_concurrent_commands(
    since: int | None, sqlite_url: str, live_server: Callable[..., LiveServer]
) -> None:
    server = live_server(sqlite_url)

    async def scenario() -> list[dict[str, Any]]:
        query = "" if since is None else f"?since={since}"
        async with connect(f"{server.ws_url}/ws/v1/{PUBLIC}{query}", max_size=None) as ws:
            reader = Reader(ws)
            task = asyncio.create_task(reader.read())
            if since is None:  # without `since`, only changes after the first view count
                await wait_for_version([reader], 0, 5)
            # With since=0 the commands race the subscription: replay and pushes must meet.
            await issue_many(server.url, 80, clients=8)
            final = httpx.get(f"{server.url}/api/v1/views/{PUBLIC}").json()["version"]
            await wait_for_version([reader], final, 5)
            await ws.close()
            await task
        return [m for _, m in reader.messages]

    messages = asyncio.run(scenario())
    versions = [m["version"] for m in messages]
    assert versions == sorted(set(versions)) and versions[-1] == 80
    seqs = [e["seq"] for m in messages for e in m["events"]]
    assert seqs == list(range(1, 81))
