"""Delta frames on a real store (`?delta=1`, public and ticket channels): after the first
view, a delta subscriber gets what changed from the view it holds, with the same events
as a full-view subscriber; a delta it cannot apply is answered by the full view on
request; and one whose view the hub does not know gets full views until it does."""

from __future__ import annotations

import asyncio
import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import jsonpatch

from server.live import hub as hub_module
from server.live.channels import Channel, Kind
from server.live.hub import Hub
from tests.conftest import Socket, Store, issue_with

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
PUBLIC = Channel(Kind.PUBLIC, "nakano")


async def settle(hub: Hub) -> None:
    await asyncio.wait_for(hub.idle(), 5)
    for _ in range(20):  # sends through the test socket run in tasks of their own
        await asyncio.sleep(0)


class Client:
    """What a delta client does: keep the view, apply each delta whose base it holds."""

    def __init__(self, socket: Socket) -> None:
        self.socket = socket
        self.view: Any = None
        self.version = -1
        self.seen = 0
        self.mismatches = 0

    def read(self) -> None:
        for frame in self.socket.frames[self.seen :]:
            if frame["type"] == "view":
                self.view, self.version = copy.deepcopy(frame["view"]), frame["version"]
            elif frame["type"] == "delta":
                if frame["base"] != self.version:
                    self.mismatches += 1
                    continue
                self.view = jsonpatch.apply_patch(self.view, frame["patch"])
                self.version = frame["version"]
        self.seen = len(self.socket.frames)


def test_a_delta_subscriber_ends_with_the_full_view_and_every_event(store: Store) -> None:
    async def scenario() -> tuple[Socket, Socket, Client]:
        hub = Hub(store.engines, store.ctx, lambda: NOW + timedelta(minutes=1))
        full, small = Socket(), Socket()
        await hub.subscribe(full, PUBLIC, None)
        await hub.subscribe(small, PUBLIC, None, delta=True)
        await settle(hub)
        client = Client(small)
        for n in range(5):
            version = issue_with(store.writer, store.ctx, n, NOW).version
            hub.notify("nakano", version)
            await settle(hub)
            client.read()
            assert client.version == full.frames[-1]["version"]
            assert client.view == full.frames[-1]["view"]
        await hub.stop()
        return full, small, client

    full, small, client = asyncio.run(scenario())
    assert [f["type"] for f in small.frames] == ["view"] + ["delta"] * 5
    assert client.mismatches == 0
    assert small.seqs() == full.seqs() == [1, 2, 3, 4, 5]
    for d, f in zip(small.frames[1:], full.frames[1:], strict=True):
        assert d["base"] == f["version"] - 1 and d["version"] == f["version"]
        assert len(str(d["patch"])) < len(str(f["view"])) / 4  # what changed, not the view


def test_a_client_asking_for_the_full_view_gets_it_without_events(store: Store) -> None:
    async def scenario() -> Socket:
        hub = Hub(store.engines, store.ctx, lambda: NOW)
        socket = Socket()
        sub = await hub.subscribe(socket, PUBLIC, None, delta=True)
        await settle(hub)
        hub.notify("nakano", issue_with(store.writer, store.ctx, 0, NOW).version)
        await settle(hub)
        assert sub is not None
        hub.refresh(sub)  # as for {"type": "resync"} on the socket
        await settle(hub)
        await hub.stop()
        return socket

    socket = asyncio.run(scenario())
    first, delta, again = socket.frames
    assert delta["type"] == "delta" and delta["events"][0]["seq"] == 1
    assert again["type"] == "view" and again["resync"] is True and again["events"] == []
    assert again["version"] == delta["version"]
    assert again["view"] == jsonpatch.apply_patch(first["view"], delta["patch"])


def test_a_view_the_hub_does_not_know_is_followed_by_a_full_view(store: Store) -> None:
    async def scenario() -> Socket:
        hub = Hub(store.engines, store.ctx, lambda: NOW)
        socket = Socket()
        sub = await hub.subscribe(socket, PUBLIC, None, delta=True)
        await settle(hub)
        assert sub is not None
        sub.basis = -1  # as for a view evicted from the channel's bases
        for n in range(2):
            hub.notify("nakano", issue_with(store.writer, store.ctx, n, NOW).version)
            await settle(hub)
        await hub.stop()
        return socket

    socket = asyncio.run(scenario())
    assert [f["type"] for f in socket.frames] == ["view", "view", "delta"]
    assert socket.seqs() == [1, 2]


def test_subscribers_arriving_together_share_one_view_and_one_delta(store: Store) -> None:
    async def scenario() -> list[Socket]:
        hub = Hub(store.engines, store.ctx, lambda: NOW)
        sockets = [Socket() for _ in range(3)]
        for s in sockets:
            await hub.subscribe(s, PUBLIC, None, delta=True)
        await settle(hub)
        hub.notify("nakano", issue_with(store.writer, store.ctx, 0, NOW).version)
        await settle(hub)
        state = hub._channels[PUBLIC.name]
        assert len(state.bases) == 1  # the views held: only the newest
        await hub.stop()
        return sockets

    sockets = asyncio.run(scenario())
    assert all(s.frames[1]["type"] == "delta" for s in sockets)
    assert len({str(s.frames[1]) for s in sockets}) == 1


def test_a_view_too_old_to_reuse_is_built_afresh(store: Store, monkeypatch: Any) -> None:
    monkeypatch.setattr(hub_module, "REUSE_VIEW_S", -1.0)  # never reuse

    async def scenario() -> tuple[Socket, Socket, int]:
        hub = Hub(store.engines, store.ctx, lambda: NOW)
        a, b = Socket(), Socket()
        await hub.subscribe(a, PUBLIC, None, delta=True)
        await hub.subscribe(b, PUBLIC, None, delta=True)
        bases = len(hub._channels[PUBLIC.name].bases)
        await settle(hub)
        hub.notify("nakano", issue_with(store.writer, store.ctx, 0, NOW).version)
        await settle(hub)
        await hub.stop()
        return a, b, bases

    a, b, bases = asyncio.run(scenario())
    assert bases == 2  # one view each, both known: both get a delta from their own
    assert a.frames[1]["type"] == b.frames[1]["type"] == "delta"
    assert jsonpatch.apply_patch(
        a.frames[0]["view"], a.frames[1]["patch"]
    ) == jsonpatch.apply_patch(b.frames[0]["view"], b.frames[1]["patch"])


def test_channels_other_than_the_phones_ignore_delta(store: Store) -> None:
    async def scenario() -> Socket:
        hub = Hub(store.engines, store.ctx, lambda: NOW)
        socket = Socket()
        await hub.subscribe(socket, Channel(Kind.DISPLAY, "display-2f"), None, delta=True)
        await settle(hub)
        hub.notify("nakano", issue_with(store.writer, store.ctx, 0, NOW).version)
        await settle(hub)
        await hub.stop()
        return socket

    socket = asyncio.run(scenario())
    assert [f["type"] for f in socket.frames] == ["view", "view"]
