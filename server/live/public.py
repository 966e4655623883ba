"""The newest public view of the office, kept in memory per version, for the HTTP answers
a surge of visitors asks for (`/`, `…/status`, `…/views/public:…`): a request reads no
database while nothing changed.

An answer is kept while both hold:
- its version is the newest the hub knows (`Hub.known_version`, advanced on the event loop
  by every commit before the command's own answer is sent, and by the PostgreSQL relay for
  other processes' commits): a change is seen by the next request, with no query to learn
  it;
- it is under FRESH_S old by the server's clock: the view also moves with time alone (the
  estimates count down, a service's cut-off passes, the page says when it was updated), so
  a quiet office is read again every FRESH_S, not per request.

It is taken from the hub's own newest snapshot when that one is fresh (the hub read it for
its subscribers anyway), else read once for all the requests waiting on it.
"""

from __future__ import annotations

import asyncio
import dataclasses
import hashlib
from collections.abc import Callable, Hashable
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any

from server.context import Context
from server.store.engine import Engines

from . import protocol
from .snapshot import Snapshot
from .source import read_snapshot
from .views import public_view

if TYPE_CHECKING:
    from .hub import Hub

# How long a view stands for "now" with no change: the page shows seconds, the estimates
# minutes. Through a proxy caching for the same max-age, an answer is at most about twice
# this old, under the page's own reload (30 s) and far under an estimate's minute.
FRESH_S = 2
# What the public answers tell browsers and proxies: anyone may keep them FRESH_S.
PUBLIC_CACHE_CONTROL = f"public, max-age={FRESH_S}"
MAX_PAGES = 32  # renders kept per view (language × query string); past it, rendered anew


@dataclasses.dataclass(eq=False)
class Public:
    version: int
    now: datetime  # the snapshot's
    view: dict[str, Any]
    body: bytes  # the view's JSON, as the API answers it
    etag: str
    # The web layer's renders of this view (server/web/visitor_pages.py), by its own key.
    pages: dict[Hashable, Any] = dataclasses.field(default_factory=dict)

    @classmethod
    def of(cls, snap: Snapshot) -> Public:
        view = public_view(snap)
        body = protocol.dumps(view).encode()
        return cls(snap.version, snap.now, view, body, etag_of(snap.version, body))

    def keep_page(self, key: Hashable, page: Any) -> None:
        if len(self.pages) < MAX_PAGES:
            self.pages[key] = page


def etag_of(version: int, body: bytes) -> str:
    """A strong ETag: the version, and a hash of the bytes (two answers of one version
    differ when time alone moved the view)."""
    return f'"{version}-{hashlib.sha256(body).hexdigest()[:16]}"'


class LatestPublic:
    def __init__(
        self,
        engines: Engines,
        ctx: Context,
        clock: Callable[[], datetime],
        hub: Callable[[], Hub | None],
    ) -> None:
        self.engines, self.ctx, self.clock, self.hub = engines, ctx, clock, hub
        self.reads = 0  # snapshots read here (not taken from the hub)
        self._kept: Public | None = None
        self._lock = asyncio.Lock()

    def fresh(self) -> Public | None:
        """The kept view if it still stands (no await, no I/O), else None."""
        kept, hub = self._kept, self.hub()
        if kept is None or hub is None:
            return None
        return kept if self._stands(kept.version, kept.now, hub) else None

    async def get(self) -> Public:
        kept = self.fresh()
        if kept is not None:
            return kept
        async with self._lock:  # the requests of one moment wait for one read
            kept = self.fresh()
            if kept is not None:
                return kept
            hub = self.hub()
            snap = hub.latest if hub is not None else None
            if snap is None or hub is None or not self._stands(snap.version, snap.now, hub):
                self.reads += 1
                snap = await asyncio.to_thread(
                    read_snapshot, self.engines, self.ctx, self.clock(), None, ()
                )
            public = Public.of(snap)
            if hub is not None:  # without a hub no change is heard of: keep nothing
                self._kept = public
            return public

    def _stands(self, version: int, at: datetime, hub: Hub) -> bool:
        return version >= hub.known_version and at <= self.clock() < at + timedelta(seconds=FRESH_S)
