"""Changes made by other server processes, over PostgreSQL LISTEN/NOTIFY.

Several processes behind a reverse proxy share one PostgreSQL database; each holds its own
websocket clients. Every command's transaction notifies `madoguchi` with `office:version`
(server/store/unit_of_work.py), delivered when it commits; each process listens and tells
its hub, which reads the events itself (a NOTIFY payload stops at 8,000 bytes, so it
carries only the version). The hub ignores versions it already knows, its own included.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable

import psycopg
from sqlalchemy.engine import make_url

log = logging.getLogger(__name__)
CHANNEL = "madoguchi"
RECONNECT_S = 2.0
POLL_S = 1.0  # how often the listener looks up to see whether it should stop


class Relay:
    def __init__(self, database_url: str, on_version: Callable[[str, int], None]) -> None:
        url = make_url(database_url).set(drivername="postgresql")
        self._dsn = url.render_as_string(hide_password=False)
        self._on_version = on_version
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.listening = threading.Event()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="madoguchi-relay", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=POLL_S + 3)

    def _run(self) -> None:
        down = False
        while not self._stop.is_set():
            try:
                with psycopg.connect(self._dsn, autocommit=True, connect_timeout=5) as conn:
                    conn.execute(f"LISTEN {CHANNEL}")
                    self.listening.set()
                    if down:
                        log.warning("relay: listening again")
                        down = False
                    while not self._stop.is_set():
                        for notify in conn.notifies(timeout=POLL_S):
                            self._deliver(notify.payload)
            except psycopg.Error as e:
                self.listening.clear()
                if not down:
                    log.warning("relay: lost the database (%s); retrying", e)
                    down = True
                self._stop.wait(RECONNECT_S)

    def _deliver(self, payload: str) -> None:
        office, _, version = payload.rpartition(":")
        if office and version.isdigit():
            self._on_version(office, int(version))
