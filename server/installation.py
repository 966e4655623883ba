"""One process's offices (`serve --office` repeated, or a folder) and what they share: the
writer's commits told to each office's hub, and the relays that carry them between
processes (PostgreSQL LISTEN/NOTIFY, NATS). Wiring only."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import threading
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from server.store.relay import Relay

if TYPE_CHECKING:
    from server.bootstrap import System
    from server.live.nats_relay import NatsRelay

log = logging.getLogger(__name__)


class Installation:
    """Every office one process serves (`serve --office` repeated, or a folder), and what
    they share: one database and writer, the push queue, the relays that tell other
    processes of commits. Each commit's notice goes to its own office's hub only."""

    def __init__(self, offices: dict[str, System]) -> None:
        self.offices = offices
        self.default = next(iter(offices.values()))  # the first office named
        first = self.default
        self.settings, self.engines, self.writer = first.settings, first.engines, first.writer
        self.push, self.clock = first.push, first.clock
        self.relay: Relay | None = None
        self.nats_relay: NatsRelay | None = None
        for system in offices.values():
            system.installation = self

    def office_of_device(self, device: str) -> System | None:
        """The office whose settings in force list the kiosk or display (they change live:
        looked up each time, over a few offices)."""
        for system in self.offices.values():
            office = system.office
            if device in office.kiosks or device in office.displays:
                return system
        return None

    def _hub_notify(self, office: str, version: int) -> None:
        system = self.offices.get(office)
        if system is not None and system.hub is not None:
            system.hub.notify(office, version)

    async def start(self) -> None:
        loop = asyncio.get_running_loop()
        for system in self.offices.values():
            await system.start_office(loop)
        self.attach_relays(loop)
        self.writer.start()
        self.push.start()

    async def stop(self) -> None:
        for system in self.offices.values():
            await system.stop_office()
        await asyncio.to_thread(self.push.stop)
        if self.nats_relay is not None:
            await self.nats_relay.stop()
        if self.relay is not None:
            await asyncio.to_thread(self.relay.stop)
        self.default.voice.close()
        self.writer.stop()
        self.engines.dispose()

    def attach_relays(self, loop: asyncio.AbstractEventLoop) -> None:
        """The writer's commits to their office's hub (and to other processes by NATS when
        MADOGUCHI_RELAY names it); other processes' commits from PostgreSQL."""
        notify_hub = self._hub_notify
        nats_relay = self._nats_relay()

        def told(office: str, version: int) -> None:  # this process's commits, on the loop
            notify_hub(office, version)
            if nats_relay is not None:
                nats_relay.publish(office, version)

        notices = _CommitNotices(loop, told)
        histories = {
            office: system.ctx.history
            for office, system in self.offices.items()
            if system.ctx.history is not None
        }
        push = self.push

        def on_commit(office: str, version: int, events: list[dict[str, Any]]) -> None:
            history = histories.get(office)
            if history is not None:
                history.committed(office, events)
            push.committed(office, events)  # hands them over; never waits
            notices(office, version)

        self.writer.on_commit = on_commit
        if not self.engines.is_sqlite:
            heard = nats_relay.heard_from_postgres if nats_relay is not None else notify_hub

            def notify(office: str, version: int) -> None:  # from the relay's thread
                loop.call_soon_threadsafe(heard, office, version)

            # Changes committed by other processes on the same database.
            self.relay = Relay(self.settings.database_url, notify)
            self.relay.start()

    def _nats_relay(self) -> NatsRelay | None:
        """NATS carries other processes' notices when MADOGUCHI_RELAY names it (on the
        event loop: attach_relays runs there)."""
        url = self.settings.relay
        if not url:
            return None
        if not url.startswith(("nats://", "tls://")):
            raise ValueError(f"MADOGUCHI_RELAY: {url!r} is not a nats:// address")
        if self.engines.is_sqlite:
            log.warning("MADOGUCHI_RELAY is ignored on SQLite: one process holds the database")
            return None
        # Imported here: nats-py is an extra (pip install 'madoguchi[nats]').
        from server.live.nats_relay import NatsRelay

        self.nats_relay = NatsRelay(url, self._hub_notify, self.settings.relay_grace_s)
        self.nats_relay.start()
        return self.nats_relay


class _CommitNotices:
    """Tells the hub (on its event loop) of the writer's commits: one hand-over to the loop
    for all the commits made before it runs, not one per command, each office with its
    newest version."""

    def __init__(self, loop: asyncio.AbstractEventLoop, notify: Callable[[str, int], None]) -> None:
        self.loop, self.notify = loop, notify
        self._lock = threading.Lock()
        self._newest: dict[str, int] = {}

    def __call__(self, office: str, version: int) -> None:
        with self._lock:
            scheduled = bool(self._newest)
            self._newest[office] = max(version, self._newest.get(office, 0))
        if not scheduled:
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody listens
                self.loop.call_soon_threadsafe(self._tell)

    def _tell(self) -> None:
        with self._lock:
            newest, self._newest = self._newest, {}
        for office, version in newest.items():
            self.notify(office, version)
