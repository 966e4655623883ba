"""Changes made by other server processes, over NATS (MADOGUCHI_RELAY=nats://HOST:PORT).

The process that commits publishes `office:version` on NATS after the commit (the same
notice PostgreSQL's NOTIFY carries); every other process hears it and tells its hub, which
reads the events itself, as with LISTEN/NOTIFY. The envelope's promises (ordered, no event
missed) stay the hub's: it reads every event after the version each subscriber holds from
the database, so a notice only has to arrive, not to arrive in order or once.

NATS core delivers at most once, so a notice can be lost (a process's connection down while
it publishes, a reconnect). PostgreSQL's NOTIFY is still sent by every commit and still
heard (store/relay.py); this class holds it back for `grace_s` while its own NATS connection
is up (by then NATS has normally told the hub, and the late notice is a no-op) and passes it
on at once while the connection is down. Nothing here ever waits on NATS in a command's
path: a publish that cannot go out now is skipped, and the net catches it.
See docs/scale.md.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable

import nats
from nats.aio.client import Client
from nats.aio.msg import Msg

log = logging.getLogger(__name__)
SUBJECT = "madoguchi.version"
RECONNECT_S = 1.0  # nats-py's wait between attempts, at start and after a loss
CONNECT_TIMEOUT_S = 2.0


class NatsRelay:
    """Lives on the server's event loop: start(), publish() and heard_from_postgres() are
    called there."""

    def __init__(self, url: str, on_version: Callable[[str, int], None], grace_s: float) -> None:
        self.url = url
        self._on_version = on_version
        self.grace_s = grace_s
        self._nc: Client | None = None
        self._task: asyncio.Task[None] | None = None
        self._sending: set[asyncio.Task[None]] = set()
        self._down_logged = False
        self._stopping = False
        self.published = self.skipped = self.heard = 0  # for the logs and the benchmark

    @property
    def is_connected(self) -> bool:
        return self._nc is not None and self._nc.is_connected

    def start(self) -> None:
        self._task = asyncio.get_running_loop().create_task(self._connect(), name="nats-relay")

    async def stop(self) -> None:
        self._stopping = True  # closing is no outage to log
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._task
        if self._nc is not None:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(self._nc.close(), 2)

    async def _connect(self) -> None:
        """Connect, retrying for ever (a NATS that is down at start comes up later), then
        subscribe; nats-py reconnects and resubscribes by itself after that."""
        self._nc = await nats.connect(
            self.url,
            name="madoguchi",
            no_echo=True,  # this process's own notices: its hub has them already
            connect_timeout=CONNECT_TIMEOUT_S,
            allow_reconnect=True,
            max_reconnect_attempts=-1,
            reconnect_time_wait=RECONNECT_S,
            error_cb=self._error,
            disconnected_cb=self._disconnected,
            reconnected_cb=self._reconnected,
        )
        await self._nc.subscribe(SUBJECT, cb=self._message)
        self._down_logged = False
        log.warning("relay: NATS connected at %s", self.url)

    async def _error(self, e: Exception) -> None:
        if not self._down_logged:
            log.warning(
                "relay: NATS at %s unavailable (%s: %s); retrying, LISTEN/NOTIFY meanwhile",
                self.url,
                type(e).__name__,
                e,
            )
            self._down_logged = True

    async def _disconnected(self) -> None:
        if not self._down_logged and not self._stopping:
            log.warning("relay: NATS disconnected; LISTEN/NOTIFY carries the notices meanwhile")
            self._down_logged = True

    async def _reconnected(self) -> None:
        self._down_logged = False
        log.warning("relay: NATS reconnected at %s", self.url)

    async def _message(self, msg: Msg) -> None:
        office, _, version = msg.data.decode(errors="replace").rpartition(":")
        if office and version.isdigit():
            self.heard += 1
            self._on_version(office, int(version))

    # -- this process's commits ---------------------------------------------------------
    def publish(self, office: str, version: int) -> None:
        """Tell the other processes of a commit; never waits (the write goes to nats-py's
        buffer, flushed by its own task)."""
        nc = self._nc
        if nc is None or not nc.is_connected:
            self.skipped += 1
            return
        task = asyncio.get_running_loop().create_task(self._send(nc, f"{office}:{version}"))
        self._sending.add(task)  # the loop keeps only a weak reference to a task
        task.add_done_callback(self._sending.discard)

    async def _send(self, nc: Client, payload: str) -> None:
        try:
            await nc.publish(SUBJECT, payload.encode())
            self.published += 1
        except Exception as e:  # closed or reconnecting meanwhile: the net catches it
            self.skipped += 1
            log.debug("relay: notice not published (%s)", type(e).__name__)

    # -- the net: PostgreSQL's NOTIFY, heard by store/relay.py ---------------------------
    def heard_from_postgres(self, office: str, version: int) -> None:
        if self.is_connected and self.grace_s > 0:
            asyncio.get_running_loop().call_later(self.grace_s, self._on_version, office, version)
        else:
            self._on_version(office, version)
