"""The live hub: rebuilds the views an office's change touches and pushes them.

One snapshot per change (coalesced when changes come faster than views are built), one
view and one serialisation per channel and version, handed to each subscriber's mailbox
(subscriber.py); a subscriber too far behind is dropped and resyncs with `since`.
"""

from __future__ import annotations

import asyncio
import bisect
import contextlib
import dataclasses
import logging
import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

import orjson

from server.context import Context
from server.domain.office import Office
from server.store.engine import Engines
from server.voice import voiced_languages

from . import floor, patch, protocol
from .channels import Channel, Kind, events_for
from .devices import Devices, Screen
from .direct import DirectWriter
from .snapshot import Snapshot
from .source import MAX_REPLAY_EVENTS, first_seq_of_day, read_snapshot
from .subscriber import Socket, Subscriber
from .views import build_view

log = logging.getLogger(__name__)
MAX_LANGS = 20_000  # tickets whose language a display may still need (a day has ~2,000)
# Channels whose subscribers may ask for delta frames (`?delta=1`): the phones' ones.
DELTA_KINDS = frozenset({Kind.PUBLIC, Kind.TICKET})
# A subscriber's first view is the channel's newest view when that one is of the same
# version and at most this old (its clock and estimates), else a view of its own snapshot.
REUSE_VIEW_S = 1.0
MAX_BASES = 64  # views of a channel that delta subscribers may hold, newest kept


@dataclasses.dataclass(slots=True)
class _Base:
    """A view of a channel that subscribers hold: deltas are computed from it."""

    version: int
    json: str
    built: float  # time.monotonic()
    full: protocol.Outgoing | None = None  # its full frame for a resync request


class _ChannelState:
    def __init__(self, channel: Channel) -> None:
        self.channel = channel
        self.subscribers: set[Subscriber] = set()
        self.version = -1
        self.ticket_id: str | None = None
        # Frames for subscribers that skipped versions, by the version they had sent: reset
        # at every new version (subscriber.take).
        self.merged: dict[int, protocol.Outgoing] = {}
        # The views subscribers hold, by number (Subscriber.basis): those of the newest
        # version pushed and of subscribers that started since. Only delta channels.
        self.bases: dict[int, _Base] = {}
        self.serial = 0

    def add_base(self, version: int, view_json: str) -> int:
        self.serial += 1
        self.bases[self.serial] = _Base(version, view_json, time.monotonic())
        while len(self.bases) > MAX_BASES:
            del self.bases[next(iter(self.bases))]
        return self.serial

    def fresh_base(self, version: int) -> int | None:
        """The newest view at `version` built in the last REUSE_VIEW_S, if any."""
        if not self.bases:
            return None
        serial = next(reversed(self.bases))
        base = self.bases[serial]
        fresh = base.version == version and time.monotonic() - base.built <= REUSE_VIEW_S
        return serial if fresh else None


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
        # Devices' screens (display:…, kiosk:…) and the floor's alerts acknowledged.
        self.devices = Devices(clock)
        self._langs: dict[str, str] = {}  # ticket id -> the visitor's language
        self._closing: set[asyncio.Task[None]] = set()  # disconnect()'s closes under way
        # The newest snapshot read for the subscribers: the public answers over HTTP take
        # it rather than reading their own (public.py).
        self.latest: Snapshot | None = None

    # -- called after each commit (on the event loop) ---------------------------------
    def notify(self, office: str, version: int) -> None:
        if office != self.ctx.office.id or version <= self.known_version:
            return
        self.known_version = version
        if not self._channels:
            return  # nobody watches: a subscriber reads a fresh snapshot when it comes
        self._schedule()

    def _schedule(self) -> None:
        self._dirty = True
        if self._task is None or self._task.done():
            self._task = asyncio.get_running_loop().create_task(self._rebuild_loop())

    async def idle(self) -> None:
        """Return once no rebuild is running or due (a bounded wait for tests)."""
        while self._task is not None and not self._task.done():
            await asyncio.shield(self._task)

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
        who: str | None = None,
        delta: bool = False,
    ) -> Subscriber | None:
        """Subscribe first, then take the snapshot, so no change falls between.
        Returns None (after closing the socket) when the channel's subject is unknown.

        The subscriber's first frame is its own snapshot's view at version S with the
        events in (since, S]; from then on the rebuilds send it exactly the events after
        the version it holds (see _rebuild), whatever the channel's other subscribers hold."""
        state = self._channels.get(channel.name)
        if state is None:
            state = self._channels[channel.name] = _ChannelState(channel)
        delta = delta and channel.kind in DELTA_KINDS
        sub = Subscriber(socket, channel, state, direct, delta)
        sub.who = who  # before the first await: a disconnect from now on finds it
        self._saw(channel.name, +1)
        state.subscribers.add(sub)
        tokens = (channel.key,) if channel.kind is Kind.TICKET else ()
        try:
            snap, replayable = await asyncio.to_thread(
                self._read_first, since, tokens, channel.kind is Kind.ADMIN
            )
        except BaseException:
            self.unsubscribe(sub)  # the store is down (or the server stopping): no ghost
            raise
        # No await from here on: the subscriber becomes ready at exactly snap.version.
        reuse = state.fresh_base(snap.version) if channel.kind in DELTA_KINDS else None
        view = (
            True if reuse is not None else build_view(channel, snap, self.printers, *self._known())
        )
        if view is None:
            self.unsubscribe(sub)
            await socket.close(protocol.Close.NOT_FOUND, "unknown ticket")
            return None
        if channel.kind is Kind.TICKET:
            ticket = snap.ticket_by_token(channel.key)
            state.ticket_id = ticket.id if ticket else None
        self._learn_langs(snap)
        self._publish_estimates(snap)
        self._keep(snap)
        resync = since is not None and not replayable
        events = (
            []
            if since is None or resync
            else self._events_for(channel, snap.events, state, snap.office)
        )
        if reuse is not None:  # the channel's view of this version, a moment old
            basis, view_json = reuse, state.bases[reuse].json
        else:
            view_json = protocol.dumps(view)
            basis = -1
            if channel.kind in DELTA_KINDS and snap.version >= state.version:
                basis = state.add_base(snap.version, view_json)
        sub.start(snap.version, view_json, events, resync, basis)
        if snap.version < self.known_version:
            # A rebuild pushed a newer version while the snapshot was read (offers to a
            # subscriber that is not ready are ignored): catch this one up now.
            self._schedule()
        return sub

    def _read_first(
        self, since: int | None, tokens: tuple[str, ...], staff: bool = False
    ) -> tuple[Snapshot, bool]:
        """A subscriber's first snapshot (in a worker thread), and whether the events after
        its `since` can all be replayed."""
        now = self.clock()
        snap = read_snapshot(self.engines, self.ctx, now, since, tokens, staff)
        if since is None:
            return snap, False  # nothing to replay
        if since > snap.version:
            return snap, False  # newer than us: a restore, or another installation
        if since == snap.version:
            return snap, True
        first = first_seq_of_day(self.engines, self.ctx, now)
        if first is None or since < first - 1:
            return snap, False  # older than the day: the screen starts afresh
        return snap, since >= snap.events_after

    def unsubscribe(self, sub: Subscriber) -> None:
        state = self._channels.get(sub.channel.name)
        if state is None or sub not in state.subscribers:
            return
        self._saw(sub.channel.name, -1)
        state.subscribers.discard(sub)
        if not state.subscribers:
            del self._channels[sub.channel.name]

    def _saw(self, channel: str, change: int) -> None:
        if self.devices.saw(channel, change):
            self._devices_changed()

    def screen(self, channel: str) -> Screen:
        return self.devices.screen(channel)

    def disconnect(self, who: str, code: int, reason: str) -> int:
        """Close every connection made as `who` ("staff:NAME", "device:NAME") with `code`:
        its user was disabled or its device token rotated or revoked. Answers how many."""
        ending = [
            sub for state in self._channels.values() for sub in state.subscribers if sub.who == who
        ]
        loop = asyncio.get_running_loop()
        for sub in ending:
            log.info("closing %s on %s: %s", who, sub.channel.name, reason)
            self.unsubscribe(sub)
            task = loop.create_task(sub.end(code, reason))
            self._closing.add(task)  # the loop keeps only a weak reference to a task
            task.add_done_callback(self._closing.discard)
        return len(ending)

    def subscriber_count(self) -> int:
        return sum(len(s.subscribers) for s in self._channels.values())

    def printer_changed(self, kiosk: str) -> None:
        """A kiosk's printer changed state (no office version for it): the kiosk's screen
        gets a ``printer`` frame now, ordered by the printer's own ``revision``, and the
        admin console a ``devices`` frame."""
        self._devices_changed()
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

    def acknowledge(self, alert: str, who: str) -> dict[str, str]:
        """An alert of the floor acknowledged: every console hears it in a devices frame."""
        done = self.devices.acknowledge(alert, who)
        self._devices_changed()
        return done

    def _devices_changed(self) -> None:
        """A device's screen came or went, or a printer changed: no office version for it,
        so the admin console gets a ``devices`` frame now (the newest replaces one not yet
        sent), with the hub's ``now`` for the browser to tell how long a screen is gone."""
        state = self._channels.get(f"{Kind.ADMIN}:{self.ctx.office.id}")
        ready = [sub for sub in state.subscribers if sub.ready] if state else []
        if state is None or not ready:
            return
        note = {
            "type": "devices",
            "channel": state.channel.name,
            "version": max(sub.queued_version for sub in ready),  # the newest view sent
            "now": self.clock().isoformat(),
            "devices": floor.devices(
                self.ctx.office, self.printers, self.devices.screen_of, self.devices.acked
            ),
        }
        frame = protocol.Outgoing(protocol.dumps(note))
        for sub in ready:
            sub.note = frame
            sub.kick()

    def _known(self) -> tuple[Callable[[str], dict[str, Any]], dict[str, dict[str, str]]]:
        """What the admin view is told of the devices: their screens, the alerts acknowledged."""
        return self.devices.screen_of, self.devices.acked

    def _events_for(
        self,
        channel: Channel,
        events: list[dict[str, Any]],
        state: _ChannelState,
        office: Office,
    ) -> list[dict[str, Any]]:
        return events_for(channel, office, events, state.ticket_id, self._langs, self.voiced)

    def _learn_langs(self, snap: Snapshot) -> None:
        """A display announces a call in the visitor's language too, and only the ticket
        knows it: remember each ticket's language as the snapshots show it, so that a call
        still reads right when its ticket was finished before the frame was built."""
        if len(self._langs) > MAX_LANGS:
            self._langs.clear()
        for t in snap.tickets:
            self._langs[t.id] = t.lang

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
        """Bring every ready subscriber to the newest version. Each gets the events after
        the version it holds (its own, not its channel's: a subscriber that arrived with a
        newer or older snapshot than its channel's last frame is served exactly), and
        subscribers that hold the same version share one frame."""
        held = [
            sub.queued_version
            for state in self._channels.values()
            for sub in state.subscribers
            if sub.ready
        ]
        if not held:
            return
        tokens = tuple(
            s.channel.key for s in self._channels.values() if s.channel.kind is Kind.TICKET
        )
        staff = any(s.channel.kind is Kind.ADMIN for s in self._channels.values())
        snap = await asyncio.to_thread(
            read_snapshot, self.engines, self.ctx, self.clock(), min(held), tokens, staff
        )
        self.rebuilds += 1
        self._learn_langs(snap)
        self._keep(snap)
        for state in list(self._channels.values()):
            self._push(state, snap)
        self._publish_estimates(snap)

    def _keep(self, snap: Snapshot) -> None:
        latest = self.latest
        if latest is None or (snap.version, snap.now) >= (latest.version, latest.now):
            self.latest = snap

    def _publish_estimates(self, snap: Snapshot) -> None:
        """The estimator the screens just used answers the commands too (estimates.History),
        so a ticket's answer and its screens give the same estimate for the same moment.
        Only when a view built it: a hub serving no estimates builds none for the commands."""
        if self.ctx.history is not None and snap.has_estimator:
            self.ctx.history.publish(snap.office.id, snap.version, snap.estimator)

    def _push(self, state: _ChannelState, snap: Snapshot) -> None:
        behind = [s for s in state.subscribers if s.ready and s.queued_version < snap.version]
        if not behind:
            return
        view = build_view(state.channel, snap, self.printers, *self._known())
        if view is None:
            if state.channel.kind is not Kind.TICKET:
                # Its display, kiosk or counter was taken out of the settings.
                for sub in list(state.subscribers):
                    self._drop(sub, "removed from the office", protocol.Close.NOT_FOUND)
            return
        view_json = protocol.dumps(view)
        seqs = [e["seq"] for e in snap.events]
        frames: dict[int, tuple[list[dict[str, Any]], protocol.Outgoing]] = {}
        state.version, state.merged = snap.version, {}
        bases = state.bases
        serial = -1
        deltas: dict[int, protocol.Outgoing | None] = {}  # by the basis they apply to
        new_view: Any = None
        if state.channel.kind in DELTA_KINDS:
            # The views held from now on: this one, and any of a newer version.
            state.bases = {k: b for k, b in bases.items() if b.version > snap.version}
            serial = state.add_base(snap.version, view_json)
        for sub in behind:
            held = sub.queued_version
            if held < snap.events_after:
                # It became ready with an older snapshot while this one was read: read
                # again from its version (or, past the replay bound, let it resync).
                if held < snap.version - MAX_REPLAY_EVENTS:
                    self._drop(sub, "too far behind to replay")
                else:
                    self._dirty = True
                continue
            found = frames.get(held)
            if found is None:
                new = snap.events[bisect.bisect_right(seqs, held) :]
                events = self._events_for(state.channel, new, state, snap.office)
                text = protocol.frame(state.channel.name, snap.version, view_json, events)
                found = frames[held] = (events, protocol.Outgoing(text))
            shared = found[1]
            if sub.delta and sub.view_json is None:
                # The client holds (or is being sent) view `basis`: the change from it.
                if sub.basis not in deltas:
                    base = bases.get(sub.basis)
                    out = None
                    if base is not None and base.version == held:
                        if new_view is None:
                            new_view = orjson.loads(view_json)
                        out = self._delta(state, snap.version, base, new_view, found)
                    deltas[sub.basis] = out  # a basis is of one version: one `held`
                shared = deltas[sub.basis] or shared
            if not sub.offer(snap.version, view_json, found[0], shared, serial):
                self._drop(sub, f"{len(sub.events)} events behind")

    @staticmethod
    def _delta(
        state: _ChannelState,
        version: int,
        base: _Base,
        new_view: Any,
        found: tuple[list[dict[str, Any]], protocol.Outgoing],
    ) -> protocol.Outgoing | None:
        """The delta frame from `base` to the view at `version`, or None when it would be
        no smaller than the view frame itself."""
        ops = patch.diff(orjson.loads(base.json), new_view)
        events, full = found
        text = protocol.delta_frame(
            state.channel.name, version, base.version, protocol.dumps(ops), events
        )
        return protocol.Outgoing(text) if len(text) < len(full.text) else None

    def refresh(self, sub: Subscriber) -> None:
        """A delta subscriber asked for the full view: see Subscriber.refresh. When the
        view it was sent is no longer known, it is closed (1013) and reconnects with
        `since`, losing nothing."""
        state = self._channels.get(sub.channel.name)
        base = state.bases.get(sub.basis) if state is not None else None
        full = None
        if base is not None and base.version == sub.queued_version:
            if base.full is None:
                text = protocol.frame(sub.channel.name, base.version, base.json, [], True)
                base.full = protocol.Outgoing(text)
            full = base.full
        if not sub.refresh(full):
            self._drop(sub, "asked for a view no longer kept")

    def _drop(
        self, sub: Subscriber, why: str, code: protocol.Close = protocol.Close.TRY_AGAIN
    ) -> None:
        log.info("dropping client on %s: %s", sub.channel.name, why)
        self.unsubscribe(sub)
        reason = "too slow" if code is protocol.Close.TRY_AGAIN else why
        asyncio.get_running_loop().create_task(sub.drop(code, reason))
