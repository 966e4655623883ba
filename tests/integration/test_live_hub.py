"""The hub on a real store, with the interleavings of issue 12 played in a fixed order:
a subscriber that arrives with a newer snapshot than its channel's last frame must not
take the events in between from the subscribers already there, nor hide the commits it
has read from the rebuilds."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy.exc import OperationalError

from server.context import Context
from server.live.channels import Channel
from server.live.hub import Hub
from server.office_file import load_office
from server.store.engine import make_engines
from tests.conftest import Socket, Store, issue_with

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
PUBLIC = Channel("public", "nakano")


async def settle(hub: Hub) -> None:
    await asyncio.wait_for(hub.idle(), 5)


def test_a_late_subscriber_takes_no_events_from_those_already_on_its_channel(
    store: Store,
) -> None:
    def issue(n: int) -> int:
        return issue_with(store.writer, store.ctx, n, NOW).version

    async def scenario() -> tuple[Socket, Socket]:
        hub = Hub(store.engines, store.ctx, lambda: NOW + timedelta(minutes=1))
        early, late = Socket(), Socket()
        await hub.subscribe(early, PUBLIC, None)
        await settle(hub)
        # Three commits whose notices have not reached the hub yet...
        versions = [issue(n) for n in range(3)]
        # ...when a second screen subscribes and reads them in its snapshot.
        await hub.subscribe(late, PUBLIC, None)
        await settle(hub)
        for version in versions:  # the notices arrive
            hub.notify("nakano", version)
        await settle(hub)
        issue(3)
        hub.notify("nakano", 4)
        await settle(hub)
        await hub.stop()
        return early, late

    early, late = asyncio.run(scenario())
    assert early.seqs() == [1, 2, 3, 4]
    assert [f["version"] for f in late.frames] == [3, 4] and late.seqs() == [4]


def test_a_screen_whose_first_read_fails_is_not_left_subscribed(tmp_path: Path) -> None:
    office = load_office()
    ctx = Context(office, lambda day: False, always_open=True)
    engines = make_engines(f"sqlite:///{tmp_path / 'never-migrated.sqlite3'}")  # no tables
    hub = Hub(engines, ctx, lambda: NOW)
    display = Channel("display", "display-2f")
    try:
        with pytest.raises((OperationalError, sqlite3.OperationalError)):
            asyncio.run(hub.subscribe(Socket(), display, None))
    finally:
        engines.dispose()
    assert hub.subscriber_count() == 0
    assert hub.screen(display.name)["connections"] == 0  # not shown online for ever
