"""Crash safety: SIGKILL the server in the middle of issuing. After a restart on the same
database every ticket whose 201 reached a kiosk exists with its number, and numbering goes
on without reusing one."""

from __future__ import annotations

import asyncio
import time
from collections import defaultdict
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import LiveServer

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
