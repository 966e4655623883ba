"""One command, one transaction, serialised per office, with its events and gap-free seq.

A single writer thread runs the commands. It takes every command that is queued when it
gets to run (group commit): one database transaction, each command inside its own
SAVEPOINT so that a refused command changes nothing, and one COMMIT (one fsync) for the
lot. Nobody is answered before that COMMIT returns. On SQLite the ORM path topped out
near 640 tickets/s here; batching the fsync is what reaches the throughput goal.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import json
import logging
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from server.domain.errors import DomainError, NotFound
from server.domain.events import Event

from .engine import Engines
from .lines import lines
from .raw import DRIVER_ERRORS, raw
from .tables import EventRow, OfficeRow

log = logging.getLogger(__name__)
R = TypeVar("R")
MAX_BATCH = 128
OFFICE = OfficeRow.__table__  # type: ignore[attr-defined]
EVENT = EventRow.__table__  # type: ignore[attr-defined]


class StoreUnavailable(Exception):
    """The database is busy or gone; nothing of the command was written."""


@dataclasses.dataclass
class Committed(Generic[R]):
    result: R
    version: int
    events: list[dict[str, Any]]


def event_dict(seq: int, at: datetime, event: Event) -> dict[str, Any]:
    out: dict[str, Any] = {"seq": seq, "type": str(event.type), "at": at.isoformat()}
    for key in ("ticket", "number", "service", "counter"):
        value = getattr(event, key)
        if value is not None:
            out[key] = value
    out.update(event.data)
    return out


class Tx:
    """What a command sees: the connection, inside the office's lock, and the event log."""

    def __init__(self, conn: Connection, office: str, now: datetime, actor: str | None) -> None:
        self.conn, self.office, self.now, self.actor = conn, office, now, actor
        self.raw = raw(conn)
        # The office's row is its lock on PostgreSQL; SQLite's BEGIN IMMEDIATE already
        # serialises every writer.
        lock = "" if self.raw.is_sqlite else " FOR UPDATE"
        row = self.raw.one(f"SELECT seq FROM office WHERE id = :id{lock}", {"id": office})
        if row is None:
            raise NotFound(f"庁舎 {office!r} はありません。", kind="office", id=office)
        self.version: int = int(row[0])
        self.start_version = self.version
        lines(conn).check(office, self.version)
        self.events: list[dict[str, Any]] = []

    def append(self, event: Event) -> int:
        self.version += 1
        at = self.now.astimezone(UTC)
        r = self.raw
        r.run(
            "INSERT INTO event (office, seq, at, type, ticket, number, service, counter, actor, data)"
            " VALUES (:office, :seq, :at, :type, :ticket, :number, :service, :counter, :actor, :data)",
            {
                "office": self.office,
                "seq": self.version,
                "at": r.ts(at),
                "type": str(event.type),
                "ticket": event.ticket,
                "number": event.number,
                "service": event.service,
                "counter": event.counter,
                "actor": self.actor,
                "data": json.dumps(event.data, ensure_ascii=False),
            },
        )
        self.events.append(event_dict(self.version, at, event))
        return self.version

    def flush(self) -> None:
        if self.version != self.start_version:
            self.raw.run(
                "UPDATE office SET seq = :seq WHERE id = :id",
                {"seq": self.version, "id": self.office},
            )
        lines(self.conn).stamp(self.office, self.version)
        if self.version != self.start_version and not self.raw.is_sqlite:
            # Delivered at commit to every server process on this database (live/relay.py).
            self.raw.run(
                "SELECT pg_notify('madoguchi', :payload)",
                {"payload": f"{self.office}:{self.version}"},
            )


Command = Callable[[Tx], R]
OnCommit = Callable[[str, int, list[dict[str, Any]]], None]


@dataclasses.dataclass
class _Job:
    office: str
    command: Callable[[Tx], Any]
    now: datetime
    actor: str | None
    future: concurrent.futures.Future[Committed[Any]]


class Writer:
    """The single writer thread of this process."""

    def __init__(self, engines: Engines, on_commit: OnCommit | None = None) -> None:
        self.engines = engines
        self.on_commit = on_commit
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._conn: Connection | None = None

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="madoguchi-writer", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        if self._thread is not None:
            self._queue.put(None)
            self._thread.join(timeout=10)
            self._thread = None
        if self._conn is not None:
            self._conn.close()
            self._conn = None

    async def run(
        self, office: str, command: Callable[[Tx], R], now: datetime, actor: str | None = None
    ) -> Committed[R]:
        future: concurrent.futures.Future[Committed[R]] = concurrent.futures.Future()
        self._queue.put(_Job(office, command, now, actor, future))
        return await asyncio.wrap_future(future)

    def run_sync(
        self, office: str, command: Callable[[Tx], R], now: datetime, actor: str | None = None
    ) -> Committed[R]:
        """For the CLI and tests without an event loop; the thread need not be running."""
        future: concurrent.futures.Future[Committed[R]] = concurrent.futures.Future()
        self._run_batch([_Job(office, command, now, actor, future)])
        return future.result()

    def _loop(self) -> None:
        while True:
            job = self._queue.get()
            if job is None:
                return
            batch = [job]
            while len(batch) < MAX_BATCH:
                try:
                    more = self._queue.get_nowait()
                except queue.Empty:
                    break
                if more is None:
                    self._queue.put(None)
                    break
                batch.append(more)
            self._run_batch(batch)

    def _connection(self) -> Connection:
        if self._conn is None or self._conn.invalidated or self._conn.closed:
            self._conn = self.engines.writer.connect()
        return self._conn

    def _run_batch(self, batch: list[_Job]) -> None:
        outcomes: list[tuple[_Job, Committed[Any] | BaseException]] = []
        try:
            conn = self._connection()
            with conn.begin():
                for job in batch:
                    outcomes.append((job, self._run_one(conn, job)))
        except (SQLAlchemyError, *DRIVER_ERRORS) as e:
            log.warning("database unavailable, %d command(s) refused: %s", len(batch), e)
            if self._conn is not None and isinstance(e, DBAPIError) and e.connection_invalidated:
                self._conn = None
            elif self._conn is not None and isinstance(e, DRIVER_ERRORS):
                # An error from the driver itself: the connection may be half-dead.
                with contextlib.suppress(Exception):
                    self._conn.invalidate()
            error = StoreUnavailable(_unavailable_message(e))
            for job in batch:
                job.future.set_exception(error)
            if self._conn is not None:
                try:
                    self._conn.close()
                finally:
                    self._conn = None
            return
        for job, outcome in outcomes:
            if isinstance(outcome, BaseException):
                job.future.set_exception(outcome)
            else:
                if outcome.events and self.on_commit is not None:
                    try:
                        self.on_commit(job.office, outcome.version, outcome.events)
                    except Exception:  # the hub must never undo a commit
                        log.exception("on_commit failed")
                job.future.set_result(outcome)

    def _run_one(self, conn: Connection, job: _Job) -> Committed[Any] | BaseException:
        # Plain SAVEPOINT statements: SQLAlchemy's nested transactions cost a tenth of a
        # ticket's time here.
        r = raw(conn)
        r.run("SAVEPOINT command")
        try:
            tx = Tx(conn, job.office, job.now, job.actor)
            result = job.command(tx)
            tx.flush()
        except DomainError as e:
            self._undo(conn, job.office)
            return e
        except (SQLAlchemyError, *DRIVER_ERRORS):
            with contextlib.suppress(SQLAlchemyError, *DRIVER_ERRORS):
                self._undo(conn, job.office)
            raise
        except Exception as e:  # a bug in one command must not sink the batch
            log.exception("command failed")
            self._undo(conn, job.office)
            return e
        r.run("RELEASE SAVEPOINT command")
        return Committed(result, tx.version, tx.events)

    @staticmethod
    def _undo(conn: Connection, office: str) -> None:
        lines(conn).drop(office)
        r = raw(conn)
        r.run("ROLLBACK TO SAVEPOINT command")
        r.run("RELEASE SAVEPOINT command")


def _unavailable_message(error: Exception) -> str:
    text = (
        str(getattr(error, "orig", error)).splitlines()[0] if str(error) else type(error).__name__
    )
    if "locked" in text or "busy" in text:
        return f"データベースが混み合っています。少し待ってからもう一度お試しください。({text})"
    return f"データベースに接続できません。({text})"
