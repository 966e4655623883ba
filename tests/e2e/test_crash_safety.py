"""Crash safety: SIGKILL the server in the middle of issuing, and of issuing and calling at
once. After a restart on the same database every ticket whose 201 reached a kiosk exists
with its number, numbering goes on without reusing one, every clerk action that was answered
is kept, the event log's `seq` has no gap, and a screen resumes with `since=` where it was."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import httpx
from websockets.asyncio.client import connect

from tests.conftest import LiveServer, add_supervisor, sign_in

OFFICE = "/api/v1/offices/nakano"
CLIENTS = 6
SERVICES = ["moving", "certificates", "insurance"]
KILL_AFTER = 150  # answers received before the kill; requests are still in flight then


def number_of(ticket: dict[str, Any]) -> int:
    return int(ticket["number"].partition("-")[2])


async def issue_until_the_server_dies(server: LiveServer) -> tuple[list[dict[str, Any]], int]:
    """Issue from several clients at once; kill the server with SIGKILL mid-stream.
    Returns every ticket whose 201 reached a client, and how many requests failed."""
    received: list[dict[str, Any]] = []
    failed = 0
    killed = asyncio.Event()

    async def kiosk(k: int) -> None:
        nonlocal failed
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            i = 0
            while not killed.is_set():
                body = {"service": SERVICES[(k + i) % len(SERVICES)], "lang": "ja"}
                i += 1
                try:
                    answer = await client.post(f"{OFFICE}/tickets", json=body)
                except httpx.TransportError:
                    failed += 1
                    if killed.is_set():
                        return
                    continue
                assert answer.status_code == 201, answer.text
                received.append(answer.json())

    async def killer() -> None:
        deadline = time.monotonic() + 120
        while len(received) < KILL_AFTER:
            assert time.monotonic() < deadline, f"only {len(received)} answers in 120 s"
            await asyncio.sleep(0.001)  # the polling interval
        # Blocking the loop for the kill itself keeps the clients mid-request.
        server.kill()
        killed.set()

    await asyncio.gather(killer(), *(kiosk(k) for k in range(CLIENTS)))
    return received, failed


def test_after_sigkill_every_answered_ticket_exists_and_numbers_are_not_reused(
    database_url: str, live_server: Callable[..., LiveServer]
) -> None:
    first = live_server(database_url)
    received, failed = asyncio.run(issue_until_the_server_dies(first))
    assert first.process is not None and first.process.returncode == -9
    assert len(received) >= KILL_AFTER
    numbers = [t["number"] for t in received]
    assert len(set(numbers)) == len(numbers)
    print(f"\n{len(received)} answers reached clients; {failed} requests cut by SIGKILL")

    second = live_server(database_url)
    with httpx.Client(base_url=second.url, timeout=10) as client:
        for ticket in received:
            found = client.get(f"/api/v1/visitor/{ticket['token']}")
            assert found.status_code == 200, (ticket["number"], found.text)
            assert found.json()["number"] == ticket["number"]
            assert found.json()["service"] == ticket["service"]
        highest: dict[str, int] = defaultdict(int)
        for ticket in received:
            highest[ticket["service"]] = max(highest[ticket["service"]], number_of(ticket))
        after: dict[str, int] = {}
        for service in SERVICES:
            answer = client.post(f"{OFFICE}/tickets", json={"service": service, "lang": "en"})
            assert answer.status_code == 201, answer.text
            assert answer.json()["service"] == service
            after[service] = number_of(answer.json())
            assert after[service] > highest[service], (service, answer.json())
        status = client.get(f"{OFFICE}/status").json()
    # Tickets committed whose answer the kill cut exist too, none half-written: each line
    # holds exactly the numbers 1..n.
    waiting = {s["id"]: s["waiting"] for s in status["services"]}
    assert {s: waiting[s] for s in SERVICES} == after


# -- issuing and calling together, then SIGKILL: actions, seq and since= ----------------------

COUNTERS = ["1", "2", "4", "5"]  # moving at all four, certificates at 4 and 5
# How far a ticket has gone (a finished certificate goes on to be prepared for pickup).
RANK = {"waiting": 0, "called": 1, "serving": 2, "done": 3, "preparing": 3}
KILL_AFTER_ACTIONS = 60


async def issue_and_call_until_the_server_dies(
    server: LiveServer, auth: dict[str, str]
) -> tuple[list[dict[str, Any]], dict[str, str], int]:
    """Kiosks issue while clerks call, start and finish at four counters, and a screen
    follows the public channel; SIGKILL once KILL_AFTER_ACTIONS clerk actions were answered.
    Returns the tickets whose 201 arrived, each ticket's furthest answered status, and the
    last version the screen saw."""
    issued: list[dict[str, Any]] = []
    reached: dict[str, str] = {}  # ticket id -> the status an answered action put it in
    actions = 0
    seen = 0
    killed = asyncio.Event()

    async def kiosk(k: int) -> None:
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as client:
            i = 0
            while not killed.is_set():
                body = {"service": SERVICES[(k + i) % 2], "lang": "ja"}
                i += 1
                try:
                    answer = await client.post(f"{OFFICE}/tickets", json=body)
                except httpx.TransportError:
                    return
                assert answer.status_code == 201, answer.text
                issued.append(answer.json())
                await asyncio.sleep(0.005)

    async def clerk(counter: str) -> None:
        nonlocal actions
        async with httpx.AsyncClient(base_url=server.url, timeout=10, headers=auth) as client:
            while not killed.is_set():
                try:
                    called = await client.post(f"{OFFICE}/counters/{counter}/call-next")
                    if called.status_code == 204:
                        await asyncio.sleep(0.01)
                        continue
                    assert called.status_code == 200, called.text
                    ticket = called.json()["id"]
                    reached[ticket] = called.json()["status"]
                    actions += 1
                    for action in ("start", "finish"):
                        answer = await client.post(f"/api/v1/tickets/{ticket}/{action}")
                        assert answer.status_code == 200, answer.text
                        reached[ticket] = answer.json()["status"]
                        actions += 1
                except httpx.TransportError:
                    return

    async def screen() -> None:
        nonlocal seen
        with contextlib.suppress(Exception):
            async with connect(f"{server.ws_url}/ws/v1/public:nakano") as ws:
                async for raw in ws:
                    seen = max(seen, json.loads(raw)["version"])

    async def killer() -> None:
        deadline = time.monotonic() + 120
        while actions < KILL_AFTER_ACTIONS:
            assert time.monotonic() < deadline, f"only {actions} actions in 120 s"
            await asyncio.sleep(0.001)  # the polling interval
        server.kill()
        killed.set()

    async with httpx.AsyncClient(base_url=server.url, timeout=10, headers=auth) as client:
        for counter in COUNTERS:
            (await client.post(f"{OFFICE}/counters/{counter}/open")).raise_for_status()
    watcher = asyncio.create_task(screen())
    await asyncio.gather(killer(), *(kiosk(k) for k in range(3)), *map(clerk, COUNTERS))
    watcher.cancel()
    with contextlib.suppress(asyncio.CancelledError):
        await watcher
    return issued, reached, seen


async def events_since(server: LiveServer, since: int, final: int) -> list[dict[str, Any]]:
    """Every message of the public channel from `since` until version `final`."""
    messages: list[dict[str, Any]] = []
    async with connect(f"{server.ws_url}/ws/v1/public:nakano?since={since}") as ws:
        while not messages or messages[-1]["version"] < final:
            messages.append(json.loads(await asyncio.wait_for(ws.recv(), 10)))
    return messages


def test_after_sigkill_every_answered_call_and_action_is_kept_and_seq_resumes(
    database_url: str, live_server: Callable[..., LiveServer]
) -> None:
    supervisor = add_supervisor(database_url)  # one account at four counters
    first = live_server(database_url)
    with httpx.Client(base_url=first.url, timeout=10) as client:
        auth = sign_in(client, supervisor)
    issued, reached, seen = asyncio.run(issue_and_call_until_the_server_dies(first, auth))
    assert first.process is not None and first.process.returncode == -9
    assert len(reached) >= KILL_AFTER_ACTIONS // 3 and seen > 0
    numbers = [t["number"] for t in issued]
    assert len(set(numbers)) == len(numbers)

    second = live_server(database_url)
    with httpx.Client(base_url=second.url, timeout=10) as client:
        client.headers.update(sign_in(client, supervisor))
        for ticket in issued:
            found = client.get(f"/api/v1/visitor/{ticket['token']}")
            assert found.status_code == 200, (ticket["number"], found.text)
            assert found.json()["number"] == ticket["number"]
        # Each answered action is kept; at most the one in flight at the kill went further.
        for ticket, status in reached.items():
            now = client.get(f"/api/v1/tickets/{ticket}").json()["status"]
            assert RANK[now] >= RANK[status], (ticket, status, now)
        final = client.get("/api/v1/views/public:nakano").json()["version"]
    assert final >= seen

    # The event log has no gap, and a screen that saw `seen` before the kill resumes there.
    everything = asyncio.run(events_since(second, 0, final))
    seqs = [e["seq"] for m in everything for e in m["events"]]
    assert not any(m.get("resync") for m in everything)
    assert seqs == list(range(1, final + 1))
    resumed = asyncio.run(events_since(second, seen, final))
    assert not any(m.get("resync") for m in resumed)
    assert [e["seq"] for m in resumed for e in m["events"]] == list(range(seen + 1, final + 1))
    print(f"\n{len(issued)} tickets and {len(reached)} calls answered; log 1..{final}")
