"""The live hub: rebuilds the views an office's change touches and pushes them.

One snapshot per change (coalesced when changes come faster than views are built), one
view and one serialisation per channel and version, handed to each subscriber's mailbox
(subscriber.py); a subscriber too far behind is dropped and resyncs with `since`.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime
from typing import Any

from server.commands import Context
from server.store.engine import Engines
from server.voice import voiced_languages

from . import protocol
from .channels import Channel, events_for
from .direct import DirectWriter
from .snapshot import Snapshot
from .source import first_seq_of_day, read_snapshot
from .subscriber import Socket, Subscriber
from .views import build_view

log = logging.getLogger(__name__)


class _ChannelState:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.subscribers: set[Subscriber] = set()
        self.version = -1
        self.ticket_id: str | None = None
        # Frames for subscribers that skipped versions, by the version they had: reset at
        # every new version.
        self.merged: dict[int, protocol.Outgoing] = {}


class Hub:
    def __init__(self, engines: Engines, ctx: Context, clock: Callable[[], datetime]) -> None:
        self.engines, self.ctx, self.clock = engines, ctx, clock
        self._channels: dict[str, _ChannelState] = {}
        self._dirty = False
        self._task: asyncio.Task[None] | None = None
        self.known_version = 0
        self.rebuilds = 0
        # A kiosk's id -> its printer's state (the print service's), for kiosk channels.
        self.printers: Callable[[str], dict[str, Any]] | None = None
        self.voiced = voiced_languages()  # displays' call events name these languages' clips
        # Devices' screens (display:…, kiosk:…): connections now, and when last seen.
        self._seen: dict[str, tuple[int, datetime]] = {}

    # -- called after each commit (on the event loop) ---------------------------------
    def notify(self, office: str, version: int) -> None:
        if office != self.ctx.office.id or version <= self.known_version:
            return
        self.known_version = version
        if not self._channels:
            return  # nobody watches: a subscriber reads a fresh snapshot when it comes
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._rebuild_loop())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        for state in list(self._channels.values()):
            for sub in list(state.subscribers):
                sub.stop()

    # -- connections --------------------------------------------------------------------
    async def subscribe(
        self,
        socket: Socket,
        channel: Channel,
        since: int | None,
        direct: DirectWriter | None = None,
    ) -> Subscriber | None:
        """Subscribe first, then take the snapshot, so no change falls between.
        Returns None (after closing the socket) when the channel's subject is unknown."""
        state = self._channels.get(channel.name)
        if state is None:
            state = self._channels[channel.name] = _ChannelState(channel)
        sub = Subscriber(socket, channel, state, direct)
        self._saw(channel.name, +1)
        state.subscribers.add(sub)
        tokens = (channel.key,) if channel.kind == "ticket" else ()
        now = self.clock()
        while True:
            snap = await asyncio.to_thread(
                read_snapshot, self.engines, self.ctx, now, since, tokens
            )
            # A rebuild may have pushed a newer version to the channel while we read;
            # offers to this subscriber are ignored until it is ready, so read again.
            if snap.version >= state.version:
                break
        view = build_view(channel, snap, self.printers)
        if view is None:
            self.unsubscribe(sub)
            await socket.close(protocol.CLOSE_NOT_FOUND, "unknown ticket")
            return None
        if channel.kind == "ticket":
            ticket = snap.ticket_by_token(channel.key)
            state.ticket_id = ticket.id if ticket else None
        resync = since is not None and not await self._can_replay(since, snap, now)
        events = (
            []
            if since is None or resync
            else self._events_for(channel, snap, snap.events, state.ticket_id)
        )
        # No await from here on: the subscriber becomes ready at exactly snap.version.
        if state.version < snap.version:
            state.version = snap.version
        sub.queued_version = snap.version
        sub.view_json = protocol.dumps(view)
        sub.events, sub.resync = events, resync
        sub.ready = True
        sub.kick()
        self.known_version = max(self.known_version, snap.version)
        return sub

    async def _can_replay(self, since: int, snap: Snapshot, now: datetime) -> bool:
        if since > snap.version:
            return False  # newer than us: a restore, or another installation
        if since == snap.version:
            return True
        first = await asyncio.to_thread(first_seq_of_day, self.engines, self.ctx, now)
        if first is None or since < first - 1:
            return False  # older than the day: the screen starts afresh
        return snap.version - since <= len(snap.events)

    def unsubscribe(self, sub: Subscriber) -> None:
        state = self._channels.get(sub.channel.name)
        if state is None or sub not in state.subscribers:
            return
        self._saw(sub.channel.name, -1)
        state.subscribers.discard(sub)
        if not state.subscribers:
            del self._channels[sub.channel.name]

    def _saw(self, channel: str, change: int) -> None:
        if channel.startswith(("display:", "kiosk:")):
            count = self._seen.get(channel, (0, self.clock()))[0]
            self._seen[channel] = (max(count + change, 0), self.clock())

    def screen(self, channel: str) -> dict[str, Any]:
        """A device's screen: online while its page is connected, and when it was last seen
        (now, for one that is connected)."""
        count, seen = self._seen.get(channel, (0, None))
        return {
            "state": "online" if count else ("offline" if seen else "never_seen"),
            "connections": count,
            "last_seen": (self.clock() if count else seen).isoformat() if seen else None,
        }

    def subscriber_count(self) -> int:
        return sum(len(s.subscribers) for s in self._channels.values())

    def printer_changed(self, kiosk: str) -> None:
        """A kiosk's printer changed state (no office version for it): the kiosk's screen
        gets a ``printer`` frame now, ordered by the printer's own ``revision``."""
        state = self._channels.get(f"kiosk:{kiosk}")
        if state is None or self.printers is None:
            return
        note = {
            "type": "printer",
            "channel": state.channel.name,
            "version": state.version,
            "printer": self.printers(kiosk),
        }
        frame = protocol.Outgoing(protocol.dumps(note))
        for sub in state.subscribers:
            if sub.ready:
                sub.note = frame
                sub.kick()

    def _events_for(
        self,
        channel: Channel,
        snap: Snapshot,
        events: list[dict[str, Any]],
        ticket_id: str | None,
    ) -> list[dict[str, Any]]:
        # A display announces a call in the visitor's language too; only the ticket knows it.
        langs = {t.id: t.lang for t in snap.tickets} if channel.kind == "display" else None
        return events_for(channel, self.ctx.office, events, ticket_id, langs, self.voiced)

    # -- rebuilding -------------------------------------------------------------------
    async def _rebuild_loop(self) -> None:
        while self._dirty:
            self._dirty = False
            try:
                await self._rebuild()
            except Exception:
                log.exception("rebuilding views failed; retrying shortly")
                await asyncio.sleep(0.5)
                self._dirty = True

    async def _rebuild(self) -> None:
        states = [s for s in self._channels.values() if s.subscribers]
        if not states:
            return
        base = min(s.version for s in states)
        tokens = tuple(s.channel.key for s in states if s.channel.kind == "ticket")
        snap = await asyncio.to_thread(
            read_snapshot, self.engines, self.ctx, self.clock(), base, tokens
        )
        self.rebuilds += 1
        for state in states:
            if snap.version <= state.version or not state.subscribers:
                continue
            view = build_view(state.channel, snap, self.printers)
            if view is None:
                continue
            new = [e for e in snap.events if e["seq"] > state.version]
            events = self._events_for(state.channel, snap, new, state.ticket_id)
            view_json = protocol.dumps(view)
            shared = protocol.Outgoing(
                protocol.frame(state.channel.name, snap.version, view_json, events)
            )
            prev, state.version = state.version, snap.version
            state.merged = {}
            for sub in list(state.subscribers):
                if not sub.offer(prev, snap.version, view_json, events, shared):
                    log.info(
                        "dropping client on %s: %d events behind",
                        state.channel.name,
                        len(sub.events),
                    )
                    self.unsubscribe(sub)
                    asyncio.get_running_loop().create_task(sub.drop())
