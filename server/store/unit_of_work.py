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
import logging
import queue
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any, Generic, TypeVar

import orjson
from sqlalchemy import Connection
from sqlalchemy.exc import DBAPIError, SQLAlchemyError

from server.domain.errors import DomainError, NotFound
from server.domain.events import Event, wire_form

from .engine import Engines
from .lines import lines
from .raw import DRIVER_ERRORS, raw
from .tables import EventRow, OfficeRow

log = logging.getLogger(__name__)
# What a database that is busy or gone raises, through SQLAlchemy or from the driver.
DATABASE_ERRORS: tuple[type[Exception], ...] = (SQLAlchemyError, *DRIVER_ERRORS)
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


def lock_office(conn: Connection, office: str) -> tuple[int, int]:
    """Take the office's lock for this transaction and read its version and the revision
    of its settings in force. The office's row is its lock on PostgreSQL; SQLite's BEGIN
    IMMEDIATE already serialises every writer."""
    r = raw(conn)
    lock = "" if r.is_sqlite else " FOR UPDATE"
    row = r.one(f"SELECT seq, settings_revision FROM office WHERE id = :id{lock}", {"id": office})
    if row is None:
        raise NotFound(f"庁舎 {office!r} はありません。", kind="office", id=office)
    version = int(row[0])
    lines(conn).check(office, version)
    return version, int(row[1])


def store_version(conn: Connection, office: str, version: int) -> None:
    """Write the office's version, once per transaction, just before its COMMIT."""
    r = raw(conn)
    r.run("UPDATE office SET seq = :seq WHERE id = :id", {"seq": version, "id": office})
    if not r.is_sqlite:
        # Delivered at commit to every server process on this database (store/relay.py).
        r.run("SELECT pg_notify('madoguchi', :payload)", {"payload": f"{office}:{version}"})


class Tx:
    """What a command sees: the connection, inside the office's lock, and the event log.
    `version` is the office's version when the command starts (lock_office). A write of
    no office (`office` None: accounts, devices, settings, form entries) takes no lock
    and appends no event. `settings_revision` is the revision of the office's settings in
    force in this transaction (a command that stores a new one moves it on)."""

    def __init__(
        self,
        conn: Connection,
        office: str | None,
        now: datetime,
        actor: str | None,
        version: int,
        settings_revision: int = 0,
    ) -> None:
        self.conn, self.office, self.now, self.actor = conn, office, now, actor
        self.raw = raw(conn)
        self.version = version
        self.settings_revision = settings_revision
        self.events: list[dict[str, Any]] = []

    def append(self, event: Event) -> int:
        if self.office is None:
            raise RuntimeError("a write of no office has no event log to append to")
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
                "data": orjson.dumps(event.data).decode(),
            },
        )
        self.events.append(wire_form(self.version, at, event))
        return self.version

    def flush(self) -> None:
        if self.office is not None:
            lines(self.conn).stamp(self.office, self.version)


Command = Callable[[Tx], R]
OnCommit = Callable[[str, int, list[dict[str, Any]]], None]


Outcome = Committed[Any] | BaseException


@dataclasses.dataclass
class _Job:
    office: str | None
    command: Callable[[Tx], Any]
    now: datetime
    actor: str | None
    # An asyncio future on `loop` (Writer.run), or a plain one without a loop (run_sync).
    future: asyncio.Future[Any] | concurrent.futures.Future[Any]
    loop: asyncio.AbstractEventLoop | None = None


def _settle(future: asyncio.Future[Any] | concurrent.futures.Future[Any], outcome: Outcome) -> None:
    if future.done():  # the request was cancelled (its client went away): nothing to tell
        return
    if isinstance(outcome, BaseException):
        future.set_exception(outcome)
    else:
        future.set_result(outcome)


def _settle_all(settled: list[tuple[asyncio.Future[Any], Outcome]]) -> None:
    for future, outcome in settled:
        _settle(future, outcome)


class Writer:
    """The single writer thread of this process."""

    def __init__(self, engines: Engines, on_commit: OnCommit | None = None) -> None:
        self.engines = engines
        self.on_commit = on_commit
        self._queue: queue.SimpleQueue[_Job | None] = queue.SimpleQueue()
        self._thread: threading.Thread | None = None
        self._alone = threading.Lock()  # run_sync without the thread: one batch at a time
        # Staff accounts changed through this writer (server/accounts.py): what this
        # process remembers of them is forgotten when it moves.
        self.account_changes = 0
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
        self,
        office: str | None,
        command: Callable[[Tx], R],
        now: datetime,
        actor: str | None = None,
    ) -> Committed[R]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future[Committed[R]] = loop.create_future()
        self._queue.put(_Job(office, command, now, actor, future, loop))
        return await future

    def run_sync(
        self,
        office: str | None,
        command: Callable[[Tx], R],
        now: datetime,
        actor: str | None = None,
    ) -> Committed[R]:
        """From a thread that is not the event loop's (a printer's worker, the CLI, a
        test): through the writer thread when it runs, else right here, one at a time."""
        future: concurrent.futures.Future[Committed[R]] = concurrent.futures.Future()
        job = _Job(office, command, now, actor, future)
        if self._thread is not None and self._thread.is_alive():
            self._queue.put(job)
        else:
            with self._alone:
                self._run_batch([job])
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
        outcomes: list[tuple[_Job, Outcome]] = []
        try:
            conn = self._connection()
            with conn.begin():
                # Each office's version: read (and locked) at its first command, carried
                # from command to command, written once before the COMMIT.
                versions: dict[str, int] = {}
                revisions: dict[str, int] = {}  # each office's settings revision in force
                changed: set[str] = set()
                for job in batch:
                    outcome = self._run_one(conn, job, versions, revisions)
                    outcomes.append((job, outcome))
                    if isinstance(outcome, Committed) and job.office is not None:
                        versions[job.office] = outcome.version
                        changed.add(job.office)
                for office in changed:
                    store_version(conn, office, versions[office])
        except DATABASE_ERRORS as e:
            log.warning("database unavailable, %d command(s) refused: %s", len(batch), e)
            if self._conn is not None and isinstance(e, DBAPIError) and e.connection_invalidated:
                self._conn = None
            elif self._conn is not None and isinstance(e, DRIVER_ERRORS):
                # An error from the driver itself: the connection may be half-dead.
                with contextlib.suppress(Exception):
                    self._conn.invalidate()
            error = StoreUnavailable(_unavailable_message(e))
            self._answer([(job, error) for job in batch])
            if self._conn is not None:
                try:
                    self._conn.close()
                finally:
                    self._conn = None
            return
        for job, outcome in outcomes:
            if (
                isinstance(outcome, Committed)
                and outcome.events
                and job.office is not None
                and self.on_commit is not None
            ):
                try:
                    self.on_commit(job.office, outcome.version, outcome.events)
                except Exception:  # the hub must never undo a commit
                    log.exception("on_commit failed")
        self._answer(outcomes)

    @staticmethod
    def _answer(outcomes: list[tuple[_Job, Outcome]]) -> None:
        """Tell every waiting request its outcome: one wake-up of each event loop per
        batch, not one per command (a thread hand-off per future cost a few percent of a
        ticket)."""
        by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future[Any], Outcome]]] = {}
        for job, outcome in outcomes:
            if job.loop is None:
                _settle(job.future, outcome)
            else:
                assert isinstance(job.future, asyncio.Future)
                by_loop.setdefault(job.loop, []).append((job.future, outcome))
        for loop, settled in by_loop.items():
            with contextlib.suppress(RuntimeError):  # the loop is closed: nobody waits
                loop.call_soon_threadsafe(_settle_all, settled)

    def _run_one(
        self, conn: Connection, job: _Job, versions: dict[str, int], revisions: dict[str, int]
    ) -> Outcome:
        # Plain SAVEPOINT statements: SQLAlchemy's nested transactions cost a tenth of a
        # ticket's time here.
        version = 0 if job.office is None else versions.get(job.office)
        if version is None:
            assert job.office is not None
            # Outside the command's SAVEPOINT: the lock must outlive a refused command.
            try:
                version, revisions[job.office] = lock_office(conn, job.office)
                versions[job.office] = version
            except DomainError as e:
                return e
        revision = 0 if job.office is None else revisions[job.office]
        r = raw(conn)
        r.run("SAVEPOINT command")
        try:
            tx = Tx(conn, job.office, job.now, job.actor, version, revision)
            result = job.command(tx)
            tx.flush()
        except DomainError as e:
            self._undo(conn, job.office)
            return e
        except DATABASE_ERRORS:
            with contextlib.suppress(*DATABASE_ERRORS):
                self._undo(conn, job.office)
            raise
        except Exception as e:  # a bug in one command must not sink the batch
            log.exception("command failed")
            self._undo(conn, job.office)
            return e
        r.run("RELEASE SAVEPOINT command")
        if job.office is not None:
            revisions[job.office] = tx.settings_revision
        return Committed(result, tx.version, tx.events)

    @staticmethod
    def _undo(conn: Connection, office: str | None) -> None:
        if office is not None:
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
