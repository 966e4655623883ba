"""Concurrency over real HTTP against a real uvicorn (`madoguchi serve`), on SQLite and on
PostgreSQL: kiosks issuing at once never share or skip a number, and counters calling at
once never get the same ticket."""

from __future__ import annotations

import asyncio
import time
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import httpx

from tests.conftest import CLERK, LiveServer, add_clerk, cli_device_token

OFFICE = "/api/v1/offices/nakano"
KIOSKS = 4
TICKETS = 500
# Services with their counters in nakano.toml: 1-3 moving; 4-6 certificates then moving
# (they share the moving line with 1-3); 7 mynumber; 8 koseki; 9-10 insurance.
SERVICES = ["moving", "certificates", "moving", "insurance", "mynumber", "koseki"]
COUNTERS = [str(n) for n in range(1, 11)]


def number_of(ticket: dict[str, Any]) -> int:
    prefix, _, digits = ticket["number"].partition("-")
    return int(digits)


# The bodies name no kiosk: a named kiosk also prints (a PNG preview in the demo office),
# which is the printer's business, not numbering's, and would take most of the time here.
# Each sends its kiosk's device token: the priority button is a kiosk's (issue 14).
async def kiosk(
    base: str, token: str, jobs: list[dict[str, Any]], answers: list[httpx.Response]
) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:
        for body in jobs:
            answers.append(await client.post(f"{OFFICE}/tickets", json=body))


async def issue_all(base: str, tokens: list[str]) -> tuple[list[dict[str, Any]], float]:
    bodies = []
    for i in range(TICKETS):
        service = SERVICES[i % len(SERVICES)]
        body: dict[str, Any] = {"service": service, "lang": ["ja", "en", "vi", "ne"][i % 4]}
        body["priority"] = i % 37 == 0
        bodies.append(body)
    answers: list[httpx.Response] = []
    started = time.perf_counter()
    await asyncio.gather(
        *(kiosk(base, tokens[k % len(tokens)], bodies[k::KIOSKS], answers) for k in range(KIOSKS)),
    )
    elapsed = time.perf_counter() - started
    assert [a.status_code for a in answers] == [201] * TICKETS, {
        a.status_code: a.text for a in answers if a.status_code != 201
    }
    return [a.json() for a in answers], elapsed


async def sign_in(client: httpx.AsyncClient) -> dict[str, str]:
    answer = await client.post(
        "/api/v1/auth/token", json={"username": CLERK[0], "password": CLERK[1]}
    )
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


async def work_counter(
    base: str, counter: str, clerk: dict[str, str], called: list[tuple[str, str]]
) -> None:
    """Call, start, finish until the counter's lines are empty (204)."""
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=clerk) as client:
        while True:
            answer = await client.post(f"{OFFICE}/counters/{counter}/call-next")
            if answer.status_code == 204:
                return
            assert answer.status_code == 200, answer.text
            ticket = answer.json()
            assert ticket["status"] == "called" and ticket["counter"] == counter
            called.append((counter, ticket["id"]))
            for action in ("start", "finish"):
                done = await client.post(f"/api/v1/tickets/{ticket['id']}/{action}")
                assert done.status_code == 200, done.text


async def call_all(base: str) -> tuple[list[tuple[str, str]], float]:
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        clerk = await sign_in(client)
        for counter in COUNTERS:
            opened = await client.post(f"{OFFICE}/counters/{counter}/open", headers=clerk)
            assert opened.status_code == 200, opened.text
    called: list[tuple[str, str]] = []
    started = time.perf_counter()
    await asyncio.gather(*(work_counter(base, c, clerk, called) for c in COUNTERS))
    return called, time.perf_counter() - started


def test_four_kiosks_and_ten_counters_at_once_share_no_number_and_no_ticket(
    database_url: str, live_server: Callable[..., LiveServer]
) -> None:
    add_clerk(database_url, role="supervisor")  # works several counters
    server = live_server(database_url)

    tokens = [cli_device_token(database_url, k) for k in ("kiosk-2f", "kiosk-3f")]
    tickets, issue_s = asyncio.run(issue_all(server.url, tokens))
    print(
        f"\nissued {TICKETS} tickets from {KIOSKS} kiosks in {issue_s:.2f} s: "
        f"{TICKETS / issue_s:.0f} tickets/s"
    )
    numbers = [t["number"] for t in tickets]
    assert len(set(numbers)) == TICKETS, [n for n, k in Counter(numbers).items() if k > 1]
    assert len({t["id"] for t in tickets}) == TICKETS
    assert len({t["token"] for t in tickets}) == TICKETS
    by_service: dict[str, list[int]] = defaultdict(list)
    for t in tickets:
        by_service[t["service"]].append(number_of(t))
    for service, seen in by_service.items():
        assert sorted(seen) == list(range(1, len(seen) + 1)), service

    called, call_s = asyncio.run(call_all(server.url))
    print(
        f"called, started and finished {len(called)} tickets at 10 counters in "
        f"{call_s:.2f} s: {len(called) / call_s:.0f} calls/s"
    )
    ids = [ticket for _, ticket in called]
    twice = [i for i, k in Counter(ids).items() if k > 1]
    assert not twice, f"called more than once: {twice}"
    assert set(ids) == {t["id"] for t in tickets}
    per_counter = Counter(c for c, _ in called)
    assert set(per_counter) == set(COUNTERS), per_counter  # every counter got work

    status = httpx.get(f"{server.url}{OFFICE}/status").json()
    assert status["waiting_total"] == 0
    assert all(s["waiting"] == 0 and s["calling"] == [] for s in status["services"])
