"""The NATS relay (server/live/nats_relay.py) against a real nats-server of the test's own:
what one relay publishes the other hears, never its own; PostgreSQL's NOTIFY is held back
while NATS is up and passed on at once while it is down; a relay whose NATS is down neither
blocks nor fails, and stops promptly."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

from server.live.nats_relay import NatsRelay
from tests.conftest import NatsServer, free_port

Heard = list[tuple[str, int]]


async def until(ready: Callable[[], bool], what: str, timeout: float = 10.0) -> None:
    deadline = time.monotonic() + timeout
    while not ready():
        assert time.monotonic() < deadline, f"not {what} within {timeout} s"
        await asyncio.sleep(0.02)  # the polling interval


def relay(url: str, grace_s: float = 60.0) -> tuple[NatsRelay, Heard]:
    heard: Heard = []
    return NatsRelay(url, lambda office, version: heard.append((office, version)), grace_s), heard


def test_a_notice_published_by_one_relay_is_heard_by_the_other_and_not_by_itself(
    nats_server: NatsServer,
) -> None:
    nats_server.start()

    async def scenario() -> None:
        (a, heard_a), (b, heard_b) = relay(nats_server.url), relay(nats_server.url)
        a.start()
        b.start()
        await asyncio.to_thread(nats_server.wait_for_relays, 2)
        for version in (7, 8, 9):
            b.publish("nakano", version)
        await until(lambda: len(heard_a) == 3, "heard")
        assert heard_a == [("nakano", 7), ("nakano", 8), ("nakano", 9)]
        await asyncio.sleep(0.2)
        assert heard_b == [] and b.published == 3 and b.skipped == 0
        await a.stop()
        await b.stop()

    asyncio.run(scenario())


def test_notify_is_held_back_while_nats_is_up_and_passed_on_at_once_when_it_is_down(
    nats_server: NatsServer,
) -> None:
    nats_server.start()

    async def scenario() -> None:
        a, heard = relay(nats_server.url, grace_s=0.3)
        a.start()
        await asyncio.to_thread(nats_server.wait_for_relays, 1)
        a.heard_from_postgres("nakano", 5)
        assert heard == []  # NATS is up: it normally brings this one first
        await until(lambda: heard == [("nakano", 5)], "passed on after the grace")
        await asyncio.to_thread(nats_server.kill)
        await until(lambda: not a.is_connected, "disconnected")
        a.heard_from_postgres("nakano", 6)
        assert heard[-1] == ("nakano", 6)  # at once: NATS cannot bring it now
        a.publish("nakano", 6)  # skipped, not queued: the others hear NOTIFY
        assert a.skipped == 1
        await asyncio.to_thread(nats_server.start)  # back on the same port
        await until(lambda: a.is_connected, "reconnected", timeout=15)
        await asyncio.to_thread(nats_server.wait_for_relays, 1)
        await a.stop()

    asyncio.run(scenario())


def test_a_relay_whose_nats_never_answers_blocks_nothing_and_stops_promptly() -> None:
    async def scenario() -> None:
        a, heard = relay(f"nats://127.0.0.1:{free_port()}")  # nobody listens there
        a.start()
        await asyncio.sleep(1.5)  # a few attempts
        assert not a.is_connected
        t0 = time.monotonic()
        a.publish("nakano", 3)
        a.heard_from_postgres("nakano", 3)
        assert heard == [("nakano", 3)] and a.skipped == 1
        await a.stop()
        assert time.monotonic() - t0 < 2.0

    asyncio.run(scenario())
