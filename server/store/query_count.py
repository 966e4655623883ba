"""How often the database was touched: statements through SQLAlchemy and connections taken
from the pools, on both engines.

Connections are counted too because the hot paths' plain SQL (raw.py) goes to the driver
under SQLAlchemy, past its statement events; every read or write, raw or not, first takes
a connection from a pool. For tests and the benchmarks (MADOGUCHI_COUNT_QUERIES), not for
production: each count is a Python call on the database's path.
"""

from __future__ import annotations

import threading
from typing import Any

from sqlalchemy import event

from .engine import Engines


class QueryCount:
    """Counts from `attach()` on; `detach()` stops counting."""

    def __init__(self, engines: Engines) -> None:
        self.engines = engines
        self.statements = 0
        self.checkouts = 0
        self._lock = threading.Lock()  # readers run in worker threads

    def attach(self) -> QueryCount:
        for engine in (self.engines.writer, self.engines.reader):
            event.listen(engine, "before_cursor_execute", self._statement)
            event.listen(engine.pool, "checkout", self._checkout)
        return self

    def detach(self) -> None:
        for engine in (self.engines.writer, self.engines.reader):
            event.remove(engine, "before_cursor_execute", self._statement)
            event.remove(engine.pool, "checkout", self._checkout)

    def total(self) -> dict[str, int]:
        with self._lock:
            return {"statements": self.statements, "checkouts": self.checkouts}

    def _statement(self, *_args: Any) -> None:
        with self._lock:
            self.statements += 1

    def _checkout(self, *_args: Any) -> None:
        with self._lock:
            self.checkouts += 1
