"""SQLite WAL checkpoints on a thread of their own.

By default SQLite copies the WAL back into the database inside whichever commit pushes the
WAL past 1,000 pages: that commit (and every command batched in it) then waits for the
copy and its fsync, the tail of the issuing latency here. The writer's connections turn
the automatic checkpoint off (engine.py) and this thread runs a PASSIVE checkpoint every
CHECKPOINT_EVERY_S instead, which never blocks the writer.
"""

from __future__ import annotations

import logging
import threading

from sqlalchemy import Engine

log = logging.getLogger(__name__)
CHECKPOINT_EVERY_S = 1.0


class Checkpointer:
    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self.checkpoints = 0

    def start(self) -> None:
        self._thread = threading.Thread(target=self._run, name="sqlite-checkpoint", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout=10)
            self._thread = None
        self.checkpoint()  # leave a short WAL behind

    def checkpoint(self) -> None:
        try:
            raw = self.engine.raw_connection()
            try:
                raw.driver_connection.execute("PRAGMA wal_checkpoint(PASSIVE)")  # type: ignore[union-attr]
                self.checkpoints += 1
            finally:
                raw.close()
        except Exception as e:  # a busy database: the next round tries again
            log.debug("checkpoint skipped: %s", e)

    def _run(self) -> None:
        while not self._stop.wait(CHECKPOINT_EVERY_S):
            self.checkpoint()
