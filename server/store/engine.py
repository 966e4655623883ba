"""Engines for SQLite (the embedded default) and PostgreSQL (production, scale-out)."""

from __future__ import annotations

import dataclasses
import logging
import sqlite3
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import Connection, Engine, create_engine, event
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from .convert import TicketRows

__all__ = ["Connection", "Engine", "Engines", "UNAVAILABLE_ERRORS", "checkpoint", "make_engines"]
log = logging.getLogger(__name__)
# What a read raises when the database is busy or gone: through SQLAlchemy, or from the
# driver itself for the plain SQL of server/store/raw.py.
UNAVAILABLE_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    sqlite3.OperationalError,
    psycopg.OperationalError,
)
BUSY_TIMEOUT_MS = 5000
PG_CONNECT_TIMEOUT_S = 5
PG_LOCK_TIMEOUT_MS = 5000


def normalise_url(url: str) -> str:
    """Accept the usual `sqlite:///PATH` and `postgresql://USER@HOST:PORT/DB` forms;
    the project picks its own drivers (the stdlib sqlite3, psycopg 3)."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        if parsed.database and parsed.database != ":memory:":
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return parsed.set(drivername="sqlite+pysqlite").render_as_string(hide_password=False)
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+psycopg").render_as_string(hide_password=False)
    raise ValueError(
        f"unsupported database URL {url!r}: use sqlite:///PATH or postgresql://USER@HOST/DB"
    )


@dataclasses.dataclass(frozen=True)
class Engines:
    """Writes go through `writer` (one connection, serialised); reads through `reader`."""

    url: str
    writer: Engine
    reader: Engine
    # Ticket rows already converted, shared by every read of this installation.
    ticket_rows: TicketRows = dataclasses.field(default_factory=TicketRows, compare=False)

    @property
    def is_sqlite(self) -> bool:
        return self.writer.dialect.name == "sqlite"

    def dispose(self) -> None:
        self.writer.dispose()
        self.reader.dispose()


def _sqlite_engine(url: str, begin: str) -> Engine:
    # The driver's own transaction handling is off (isolation_level=None) so that we
    # emit BEGIN ourselves: BEGIN IMMEDIATE for writers, or two writers deadlock into
    # "database is locked"; and so that SAVEPOINTs work.
    engine = create_engine(
        url,
        connect_args={"isolation_level": None, "check_same_thread": False, "timeout": 5},
        pool_size=8,
        max_overflow=8,
    )

    @event.listens_for(engine, "connect")
    def _pragmas(dbapi_conn: Any, _record: Any) -> None:
        cur = dbapi_conn.cursor()
        cur.execute("PRAGMA journal_mode=WAL")
        cur.execute("PRAGMA synchronous=FULL")  # the event log must survive power loss
        cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
        cur.execute("PRAGMA foreign_keys=ON")
        # Each command runs in a SAVEPOINT, whose journal SQLite otherwise spills to a new
        # file in /var/tmp: two writes per page a command touches, more than the WAL's own.
        cur.execute("PRAGMA temp_store=MEMORY")
        cur.close()

    @event.listens_for(engine, "begin")
    def _begin(conn: Any) -> None:
        conn.exec_driver_sql(begin)

    return engine


def checkpoint(engines: Engines) -> None:
    """SQLite: copy the WAL into the database and truncate it to nothing, so that what a
    purge erased is not still readable in the WAL file (PostgreSQL: nothing to do here;
    its dead rows go at the next VACUUM)."""
    if not engines.is_sqlite:
        return
    with engines.writer.connect() as conn:
        # The raw connection: no BEGIN (a checkpoint cannot run inside a transaction).
        dbapi = conn.connection.dbapi_connection
        assert dbapi is not None
        busy, _, _ = dbapi.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
    if busy:
        log.warning("WAL checkpoint after the purge was blocked by a reader; it runs later")


def make_engines(url: str) -> Engines:
    url = normalise_url(url)
    if url.startswith("sqlite"):
        return Engines(url, _sqlite_engine(url, "BEGIN IMMEDIATE"), _sqlite_engine(url, "BEGIN"))
    options = f"-c lock_timeout={PG_LOCK_TIMEOUT_MS} -c statement_timeout=15000"
    args = {"connect_timeout": PG_CONNECT_TIMEOUT_S, "options": options}
    writer = create_engine(url, connect_args=args, pool_size=2, pool_pre_ping=True)
    reader = create_engine(
        url,
        connect_args=args,
        pool_size=8,
        max_overflow=8,
        pool_pre_ping=True,
        isolation_level="REPEATABLE READ",  # a view is read from one snapshot
    )
    return Engines(url, writer, reader)
