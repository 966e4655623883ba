"""One live connection: its one-slot mailbox and its writer.

Each connection has its own mailbox (the newest view plus the events it has not sent yet),
so one client that stops reading never slows the others: a naive broadcast loop was
stalled for seconds by one such client here. Frames are written at once while the socket
takes them; past MAX_PENDING_EVENTS or a send slower than SEND_TIMEOUT_S the client is
closed with 1013, and it reconnects with `since` and loses nothing.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from typing import Any, Protocol

from . import protocol
from .channels import Channel
from .direct import DirectWriter
from .protocol import Outgoing

log = logging.getLogger(__name__)
SEND_TIMEOUT_S = 5.0
MAX_PENDING_EVENTS = 2000


class SharedFrames(Protocol):
    """What a subscriber reads of its channel: its version and the merged frames."""

    version: int
    merged: dict[int, Outgoing]


class Socket(Protocol):
    async def send_text(self, data: str) -> None: ...
    async def close(self, code: int = 1000, reason: str | None = None) -> None: ...


class Subscriber:
    """One connection's mailbox and its writer. Frames are written at once when the socket
    takes them; a task exists only while a send waits, so an idle subscriber costs a few
    small objects."""

    __slots__ = (
        "socket",
        "channel",
        "state",
        "queued_version",
        "sent_version",
        "frame",
        "view_json",
        "events",
        "resync",
        "dropped",
        "ready",
        "note",
        "owner",
        "who",
        "direct",
        "delta",
        "basis",
        "_pump",
    )

    def __init__(
        self,
        socket: Socket,
        channel: Channel,
        state: SharedFrames | None = None,
        direct: DirectWriter | None = None,
        delta: bool = False,
    ) -> None:
        self.socket = socket
        self.channel = channel
        self.state = state
        self.queued_version = -1  # the version of the newest frame queued or sent
        self.sent_version = -1  # the version of the newest frame taken for sending
        self.frame: Outgoing | None = None  # a ready frame shared with the channel
        self.view_json: str | None = None
        self.events: list[dict[str, Any]] = []
        self.resync = False
        self.dropped = False
        self.ready = False  # offers before the first view is queued are ignored
        self.note: Outgoing | None = None  # a kiosk's newest printer frame, after the view
        self.owner: asyncio.Task[Any] | None = None  # the endpoint's task, ended on a drop
        # Who connected: "staff:NAME" or "device:NAME" (Hub.disconnect), None for the public.
        self.who: str | None = None
        self.direct = direct  # writes frames past ASGI while the connection takes them
        # Asked for delta frames (`?delta=1`): after the first view, what changed.
        self.delta = delta
        # Which of its channel's views (hub._ChannelState.bases) the client holds once
        # what is queued is sent: a delta from it can be shared; -1: none known.
        self.basis = -1
        self._pump: asyncio.Task[None] | None = None

    def start(
        self,
        version: int,
        view_json: str,
        events: list[dict[str, Any]],
        resync: bool,
        basis: int = -1,
    ) -> None:
        """Queue the first frame (the subscriber's own snapshot) and become ready: from now
        on the hub offers it every version after `version`."""
        self.queued_version, self.basis = version, basis
        self.view_json, self.events, self.resync = view_json, events, resync
        self.frame = Outgoing(protocol.frame(self.channel.name, version, view_json, events, resync))
        self.ready = True
        self.kick()

    def offer(
        self,
        version: int,
        view_json: str,
        events: list[dict[str, Any]],
        shared: Outgoing,
        basis: int = -1,
    ) -> bool:
        """Queue the channel's view at `version` (its view number `basis`). `events` are
        exactly the channel's events after the version this subscriber holds
        (`queued_version`), and `shared` is the frame of that view with those events, or
        for a delta subscriber the delta from the view it holds. False when the client is
        too far behind."""
        if not self.ready or version <= self.queued_version:
            return True
        self.basis = basis
        if (
            self.view_json is None
            and self.note is None
            and self._pump is None
            and not self.dropped
            and self.direct is not None
            and self.direct.write(shared.wire)
        ):
            # The usual case, taken first because it is the whole fan-out's inner loop:
            # nothing queued, and the socket takes the shared frame now.
            self.queued_version = self.sent_version = version
            return True
        if self.view_json is None:
            self.frame, self.events = shared, events
        else:  # a frame still waits: merge, keeping the events of both (a full view)
            self.frame, self.events = None, self.events + events
        self.view_json = view_json
        self.queued_version = version
        self.kick()
        return len(self.events) <= MAX_PENDING_EVENTS

    def take(self) -> Outgoing | None:
        if self.view_json is None:
            return None
        out = self.frame
        if out is None:
            state = self.state
            # Subscribers that sent the same version and skipped the same ones since share
            # one merged frame (not a first frame: its events depend on the client's since).
            shareable = (
                state is not None
                and not self.resync
                and self.sent_version >= 0
                and state.version == self.queued_version
            )
            if shareable:
                assert state is not None
                out = state.merged.get(self.sent_version)
            if out is None:
                out = Outgoing(
                    protocol.frame(
                        self.channel.name,
                        self.queued_version,
                        self.view_json,
                        self.events,
                        self.resync,
                    )
                )
                if shareable:
                    assert state is not None
                    state.merged[self.sent_version] = out
        self.sent_version = self.queued_version
        self.frame, self.view_json, self.events, self.resync = None, None, [], False
        return out

    def refresh(self, full: Outgoing | None) -> bool:
        """The client asked for the full view (a delta did not fit the version it holds).
        A frame still queued goes out as a full view with its events; else `full`, the
        view at the version the client was sent, marked `resync` with no events (it has
        them all). False when there is nothing to send it (the hub then closes it)."""
        if not self.ready or self.dropped:
            return True
        if self.view_json is not None:
            self.frame = None  # take() builds the full view with the events queued
        elif full is None:
            return False
        else:
            self.note = full
        self.kick()
        return True

    def kick(self) -> None:
        """Send what is queued. While the socket takes frames at once (the usual case)
        they are written right here, as websockets.broadcast does, with no task per
        subscriber: as bytes framed once for all (direct.py). Any other send (a full
        socket, a server without direct writes, the test client) goes through ASGI in a
        task of its own, bounded by SEND_TIMEOUT_S."""
        if self._pump is not None or self.dropped:
            return
        while True:
            out = self.take()
            note, self.note = self.note, None
            frames = [f for f in (out, note) if f is not None]
            if not frames:
                return
            for i, frame in enumerate(frames):
                if self.direct is not None and self.direct.write(frame.wire):
                    continue
                self._pump = asyncio.get_running_loop().create_task(self._send(frames[i:]))
                return

    async def _send(self, frames: list[Outgoing]) -> None:
        """Send frames through ASGI, then anything queued meanwhile."""
        try:
            async with asyncio.timeout(SEND_TIMEOUT_S):
                for frame in frames:
                    await self.socket.send_text(frame.text)
        except TimeoutError:
            log.info("dropping slow client on %s", self.channel.name)
            self._pump = None
            await self.drop()
            return
        except Exception:  # the connection is gone: its endpoint ends it
            self.dropped = True
            return
        finally:
            if self._pump is asyncio.current_task():
                self._pump = None
        self.kick()

    async def drop(
        self, code: protocol.Close = protocol.Close.TRY_AGAIN, reason: str = "too slow"
    ) -> None:
        """Close a client that fell behind (or whose subject is gone: `code`). Its socket
        may be full, so the close frame may never go out: the endpoint is ended all the
        same, and the server closes the connection once the client reads what was buffered."""
        self.dropped = True
        with contextlib.suppress(Exception):
            async with asyncio.timeout(1):
                await self.socket.close(code, reason)
        if self.owner is not None and self.owner is not asyncio.current_task():
            self.owner.cancel()

    async def end(self, code: int, reason: str) -> None:
        """Close the connection now, with `code`: its sign-in or device token has ended.
        The endpoint then ends on the client's answer to the close; when the close cannot
        be sent (a full socket), the endpoint is ended as for a drop."""
        self.dropped = True
        try:
            async with asyncio.timeout(1):
                await self.socket.close(code, protocol.close_reason(reason))
        except Exception:
            if self.owner is not None and self.owner is not asyncio.current_task():
                self.owner.cancel()

    def stop(self) -> None:
        self.dropped = True
        if self._pump is not None and self._pump is not asyncio.current_task():
            self._pump.cancel()
