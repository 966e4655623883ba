"""uvicorn's ``websockets-sansio`` protocol, keeping less per connection.

A hall of 10,000 phones on one process keeps 10,000 idle connections (issue 17). Measured
with tracemalloc (docs/scale.md), an idle subscriber held 27 KB of Python objects, and
uvicorn's protocol object a good part of them for what an idle connection never uses:

- its inbox, an ``asyncio.Queue``: three deques and an ``asyncio.Event`` with a fourth,
  3.3 KB (a deque allocates a 64-slot block up front, 760 bytes empty), to hold the one or
  two messages a client sends;
- ``writable``, an ``asyncio.Event``, 860 bytes with its deque;
- the handshake's request and response (headers parsed twice over), about 4 KB, never
  read again once the connection is accepted.

This subclass replaces the first two by small equivalents (same methods, lists made only
when a waiter or a message comes) and lets the handshake go once it is answered. Nothing
else changes: the frames, backpressure, keepalive and close handling are uvicorn's. It is
used by ``madoguchi serve`` (cli.py); DirectWriter (direct.py) recognises it as the
protocol it is.
"""

from __future__ import annotations

import asyncio
from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class Flag:
    """What uvicorn uses of ``asyncio.Event`` (set, clear, is_set, wait), with no deque."""

    __slots__ = ("_on", "_waiters")

    def __init__(self) -> None:
        self._on = False
        self._waiters: list[asyncio.Future[None]] | None = None

    def is_set(self) -> bool:
        return self._on

    def set(self) -> None:
        if self._on:
            return
        self._on = True
        waiters, self._waiters = self._waiters, None
        for fut in waiters or ():
            if not fut.done():
                fut.set_result(None)

    def clear(self) -> None:
        self._on = False

    async def wait(self) -> bool:
        if self._on:
            return True
        fut = asyncio.get_running_loop().create_future()
        if self._waiters is None:
            self._waiters = []
        self._waiters.append(fut)
        try:
            await fut
        finally:
            if self._waiters is not None and fut in self._waiters:
                self._waiters.remove(fut)
        return True


class Inbox:
    """What uvicorn uses of ``asyncio.Queue`` (put_nowait, get, empty, qsize), unbounded
    as uvicorn's is, with no deque: messages in arrival order, each to one getter."""

    __slots__ = ("_items", "_getters")

    def __init__(self) -> None:
        self._items: list[Any] | None = None
        self._getters: list[asyncio.Future[None]] | None = None

    def empty(self) -> bool:
        return not self._items

    def qsize(self) -> int:
        return len(self._items) if self._items else 0

    def put_nowait(self, item: Any) -> None:
        if self._items is None:
            self._items = []
        self._items.append(item)
        if self._getters:
            for fut in self._getters:
                if not fut.done():
                    fut.set_result(None)
                    break

    async def get(self) -> Any:
        while not self._items:
            fut = asyncio.get_running_loop().create_future()
            if self._getters is None:
                self._getters = []
            self._getters.append(fut)
            try:
                await fut
            except BaseException:
                # Cancelled after being woken: hand the wake-up on to another getter.
                if fut.done() and not fut.cancelled() and self._items:
                    self._wake_next(fut)
                raise
            finally:
                if self._getters is not None and fut in self._getters:
                    self._getters.remove(fut)
        items = self._items
        assert items is not None
        item = items.pop(0)
        if not items:
            self._items = None
        elif self._getters:
            self._wake_next(None)
        return item

    def _wake_next(self, skip: asyncio.Future[None] | None) -> None:
        for other in self._getters or ():
            if other is not skip and not other.done():
                other.set_result(None)
                return


class LeanWebSocketsProtocol(WebSocketsSansIOProtocol):
    """uvicorn's websockets-sansio protocol with a smaller idle connection (see above)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.queue = Inbox()  # type: ignore[assignment]
        self.writable = Flag()  # type: ignore[assignment]
        self.writable.set()

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "response", None) is not None:
            # Answered: the handshake's request and response are never read again. The
            # request stays referenced by websockets' parser (a local of its generator):
            # its headers are emptied (Headers.clear, public) so that they go all the same.
            self.request.headers.clear()
            self.response.headers.clear()
            self.request = None  # type: ignore[assignment]
            self.response = None  # type: ignore[assignment]
