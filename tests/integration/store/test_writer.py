"""The single writer (server/store/unit_of_work.py) on both databases: one savepoint per
command inside a group commit, a gap-free `seq`, and refused or broken commands that leave
nothing behind and sink nothing else."""

from __future__ import annotations

import asyncio
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from server.bootstrap import prepare_database
from server.commands import IssueTicket, SetCounterState
from server.context import Context
from server.domain.errors import InvalidTransition, NotFound
from server.domain.events import Event, EventType
from server.domain.office import CounterState
from server.office_file import load_office
from server.store import event_log, offices, tickets
from server.store.engine import Engines, make_engines
from server.store.tables import TicketRow
from server.store.unit_of_work import Committed, Tx, Writer

T = TicketRow.__table__  # type: ignore[attr-defined]

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # Wednesday 10:00 in Tokyo
OFFICE = load_office()
CTX = Context(OFFICE, lambda day: False, always_open=True)
Command = Callable[[Tx], Any]


class Boom(Exception):
    """A bug in a command, not a refusal."""


@pytest.fixture
def engines(database_url: str) -> Iterator[Engines]:
    engines = make_engines(database_url)
    prepare_database(Writer(engines), OFFICE)
    yield engines
    engines.dispose()


def issue(service: str = "moving") -> Command:
    command = IssueTicket(
        service, "ja", False, None, "online", uuid.uuid4().hex[:16], uuid.uuid4().hex
    )
    return lambda tx: command(CTX, tx)


def set_counter(counter: str, state: CounterState) -> Command:
    command = SetCounterState(counter, state, f"clerk{counter}")
    return lambda tx: command(CTX, tx)


def refused_after_writing(tx: Tx) -> None:
    """Takes a number and appends an event, then the domain says no."""
    tickets.next_number(tx.conn, OFFICE.id, "moving", NOW.date())
    tx.append(Event(EventType.COUNTER_OPENED, counter="1"))
    raise InvalidTransition("refused after writing", status="x", action="y")


def broken_after_writing(tx: Tx) -> None:
    """Appends two events, then fails with an exception that is nobody's fault."""
    tx.append(Event(EventType.COUNTER_OPENED, counter="2"))
    tx.append(Event(EventType.COUNTER_CLOSED, counter="2"))
    raise Boom("a bug")


KINDS: dict[str, Callable[[], Command]] = {
    "issue": issue,
    "unknown service": lambda: issue("weddings"),
    "refused after writing": lambda: refused_after_writing,
    "broken after writing": lambda: broken_after_writing,
}


def in_one_batch(engines: Engines, commands: list[Command]) -> list[Committed[Any] | BaseException]:
    """Queue every command before the writer thread starts, so that it takes them as one
    group commit; answer each command's outcome in order."""
    writer = Writer(engines)

    async def main() -> list[Committed[Any] | BaseException]:
        tasks = [asyncio.create_task(writer.run(OFFICE.id, c, NOW, "test")) for c in commands]
        await asyncio.sleep(0)  # every task has queued its job
        writer.start()
        return await asyncio.gather(*tasks, return_exceptions=True)

    try:
        return asyncio.run(main())
    finally:
        writer.stop()


def log(engines: Engines) -> tuple[int, list[dict[str, Any]], list[str]]:
    """(office version, event log, ticket numbers) as committed."""
    with engines.reader.connect() as conn, conn.begin():
        numbers = [
            f"{r.prefix}-{r.seq:03d}"
            for r in conn.execute(select(T.c.prefix, T.c.seq).order_by(T.c.prefix, T.c.seq))
        ]
        return (
            offices.office_version(conn, OFFICE.id) or 0,
            event_log.between(conn, OFFICE.id, 0, 10**9),
            numbers,
        )


def test_seq_is_gap_free_across_a_batch_with_refused_and_broken_commands(
    engines: Engines,
) -> None:
    kinds = ["issue", "refused after writing", "issue", "unknown service", "issue"]
    kinds += ["broken after writing", "issue", "refused after writing", "issue"]
    outcomes = in_one_batch(engines, [KINDS[k]() for k in kinds])
    assert [type(o).__name__ for o in outcomes] == [
        "Committed",
        "InvalidTransition",
        "Committed",
        "NotFound",
        "Committed",
        "Boom",
        "Committed",
        "InvalidTransition",
        "Committed",
    ]
    committed = [o for o in outcomes if isinstance(o, Committed)]
    assert [c.version for c in committed] == [1, 2, 3, 4, 5]
    assert [[e["seq"] for e in c.events] for c in committed] == [[1], [2], [3], [4], [5]]
    assert [c.result.ticket.number for c in committed] == [f"A-{n:03d}" for n in range(1, 6)]
    version, events, numbers = log(engines)
    assert version == 5
    assert [(e["seq"], e["type"]) for e in events] == [(n, "ticket.issued") for n in range(1, 6)]
    assert numbers == [f"A-{n:03d}" for n in range(1, 6)]


def test_a_refusal_in_a_batch_rolls_back_only_its_own_writes(engines: Engines) -> None:
    outcomes = in_one_batch(
        engines,
        [
            set_counter("1", CounterState.OPEN),
            set_counter("1", CounterState.OPEN),  # already open: refused
            set_counter("99", CounterState.OPEN),  # no such counter
            set_counter("2", CounterState.OPEN),
        ],
    )
    assert isinstance(outcomes[1], InvalidTransition) and isinstance(outcomes[2], NotFound)
    assert [o.version for o in outcomes if isinstance(o, Committed)] == [1, 2]
    with engines.reader.connect() as conn:
        states = offices.counter_states(conn, OFFICE.id)
    assert states["1"] is CounterState.OPEN and states["2"] is CounterState.OPEN
    assert states["3"] is CounterState.CLOSED


def test_a_broken_command_alone_does_not_stop_the_writer(engines: Engines) -> None:
    outcomes = in_one_batch(engines, [broken_after_writing])
    assert isinstance(outcomes[0], Boom)
    writer = Writer(engines)
    first = writer.run_sync(OFFICE.id, issue(), NOW)
    with pytest.raises(Boom):
        writer.run_sync(OFFICE.id, broken_after_writing, NOW)
    second = writer.run_sync(OFFICE.id, issue(), NOW)
    writer.stop()
    assert (first.version, second.version) == (1, 2)
    assert log(engines)[2] == ["A-001", "A-002"]


def test_seq_goes_on_across_batches_and_writers(engines: Engines) -> None:
    in_one_batch(engines, [issue() for _ in range(40)])
    in_one_batch(engines, [issue("certificates") for _ in range(3)] + [broken_after_writing])
    writer = Writer(engines)
    assert writer.run_sync(OFFICE.id, issue(), NOW).version == 44
    writer.stop()
    version, events, numbers = log(engines)
    assert version == 44 and [e["seq"] for e in events] == list(range(1, 45))
    assert numbers == [f"A-{n:03d}" for n in range(1, 42)] + ["B-001", "B-002", "B-003"]


def test_on_commit_hears_each_committed_command_once_and_never_a_refused_one(
    engines: Engines,
) -> None:
    heard: list[tuple[str, int, list[str]]] = []
    seen_versions: list[int] = []

    def on_commit(office: str, version: int, events: list[dict[str, Any]]) -> None:
        heard.append((office, version, [e["type"] for e in events]))
        with engines.reader.connect() as conn:
            seen_versions.append(offices.office_version(conn, OFFICE.id) or 0)

    writer = Writer(engines, on_commit=on_commit)
    writer.run_sync(OFFICE.id, set_counter("5", CounterState.OPEN), NOW)
    with pytest.raises(InvalidTransition):
        writer.run_sync(OFFICE.id, refused_after_writing, NOW)
    writer.run_sync(OFFICE.id, issue(), NOW)
    writer.stop()
    assert heard == [("nakano", 1, ["counter.opened"]), ("nakano", 2, ["ticket.issued"])]
    assert seen_versions == [1, 2]  # told after the commit, never before


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(batches=st.lists(st.lists(st.sampled_from(sorted(KINDS)), max_size=12), max_size=3))
def test_seq_never_has_gaps_whatever_the_mix_of_commands(
    engines: Engines, batches: list[list[str]]
) -> None:
    for batch in batches:
        before = log(engines)[0]
        outcomes = in_one_batch(engines, [KINDS[k]() for k in batch])
        ok = [o for o in outcomes if isinstance(o, Committed)]
        assert len(ok) == batch.count("issue")
        assert [o.version for o in ok] == list(range(before + 1, before + 1 + len(ok)))
    version, events, _ = log(engines)
    assert [e["seq"] for e in events] == list(range(1, version + 1))
    with engines.reader.connect() as conn:
        stored = tickets.count(conn)
    assert stored == version


def test_an_unknown_office_is_refused_alone_and_the_office_version_is_written_once(
    engines: Engines,
) -> None:
    writer = Writer(engines)

    async def main() -> list[Committed[Any] | BaseException]:
        jobs = [
            writer.run(OFFICE.id, issue(), NOW, "test"),
            writer.run("shibuya", issue(), NOW, "test"),
            writer.run(OFFICE.id, issue(), NOW, "test"),
        ]
        tasks = [asyncio.create_task(j) for j in jobs]
        await asyncio.sleep(0)
        writer.start()
        return await asyncio.gather(*tasks, return_exceptions=True)

    try:
        outcomes = asyncio.run(main())
    finally:
        writer.stop()
    assert isinstance(outcomes[1], NotFound)
    assert [o.version for o in outcomes if isinstance(o, Committed)] == [1, 2]
    assert log(engines)[0] == 2  # the version stored at the end of the batch


def test_a_request_that_goes_away_does_not_stop_its_command_or_the_writer(
    engines: Engines,
) -> None:
    """A kiosk that disconnects while its ticket is being written: the ticket is committed
    (it may already be printing), the cancelled wait is not answered, and the writer goes
    on with the next command."""
    writer = Writer(engines)

    async def main() -> int:
        gone = asyncio.create_task(writer.run(OFFICE.id, issue(), NOW, "test"))
        await asyncio.sleep(0)
        gone.cancel()
        writer.start()
        with pytest.raises(asyncio.CancelledError):
            await gone
        return (await writer.run(OFFICE.id, issue(), NOW, "test")).version

    try:
        assert asyncio.run(main()) == 2
    finally:
        writer.stop()
    assert log(engines)[2] == ["A-001", "A-002"]


def test_sqlite_keeps_the_commands_savepoint_journals_in_memory(tmp_path: Path) -> None:
    """A SAVEPOINT's journal would otherwise go to a new file in /var/tmp for every group
    commit, written twice per page each command touches."""
    engines = make_engines(f"sqlite:///{tmp_path}/journal.db")
    try:
        for engine in (engines.writer, engines.reader):
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA temp_store").scalar() == 2  # MEMORY
    finally:
        engines.dispose()
