"""The estimator's past kept in memory equals the log read afresh, at every version."""

from __future__ import annotations

import asyncio
import dataclasses
import functools
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server import commands, estimates
from server.bootstrap import prepare_database
from server.commands import ActOnTicket, CallNext, IssueTicket, SetCounterState
from server.context import Context
from server.domain.office import CounterState
from server.domain.ticket import Action
from server.live.channels import Channel
from server.live.hub import Hub
from server.office_file import load_office
from server.store import offices, tickets
from server.store.engine import make_engines
from server.store.unit_of_work import Writer
from tests.conftest import Socket

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


class Office:
    """The demo office on a real database, with its writer: `run(command, minute)` runs a
    command `minute` minutes after NOW."""

    def __init__(self, database_url: str) -> None:
        self.office = load_office()
        self.ctx = Context(self.office, lambda day: False, always_open=True)
        self.engines = make_engines(database_url)
        self.writer = Writer(self.engines)
        prepare_database(self.writer, self.office)

    def run(self, command: object, minute: int) -> Any:
        now = NOW + timedelta(minutes=minute)
        bound = functools.partial(command, self.ctx)  # type: ignore[call-overload]
        return self.writer.run_sync("nakano", bound, now).result

    def close(self) -> None:
        self.writer.stop()
        self.engines.dispose()


@pytest.fixture
def demo(database_url: str) -> Iterator[Office]:
    office = Office(database_url)
    yield office
    office.close()


def test_incremental_history_matches_a_fresh_read_at_each_version(demo: Office) -> None:
    engines, run = demo.engines, demo.run
    history = estimates.History()

    def check(minute: int) -> None:
        now = NOW + timedelta(minutes=minute)
        with engines.reader.connect() as conn, conn.begin():
            version = offices.office_version(conn, "nakano") or 0
            kept, issued = history.read(conn, "nakano", version, now)
            fresh = estimates.recent_events(conn, "nakano", now)
            assert kept == fresh
            for ticket, at in estimates.issued_at(conn, fresh).items():
                assert issued[ticket] == at

    check(0)
    run(SetCounterState("1", CounterState.OPEN, "clerk"), 0)
    for n in range(6):
        run(IssueTicket("moving", "ja", False, None, "online", f"id{n}", f"tok{n}"), n)
    check(6)
    called = run(CallNext("1"), 7)
    run(ActOnTicket(called.ticket.id, Action.START), 8)
    run(ActOnTicket(called.ticket.id, Action.FINISH), 20)
    check(21)
    run(CallNext("1"), 22)
    check(23)


def test_a_stale_estimator_is_answered_while_a_fresh_one_is_built_aside(demo: Office) -> None:
    office, engines = demo.office, demo.engines
    history = estimates.History(engines.reader)
    history.STATE_MAX_AGE_S = 0.0  # every call finds it stale
    with engines.reader.connect() as conn, conn.begin():
        first = history.recent_estimator(conn, office, NOW)  # built here, once
        again = history.recent_estimator(conn, office, NOW)  # stale: answered at once
        assert again is first
        for _ in range(200):  # the refresh runs on a thread of its own
            if history.recent_estimator(conn, office, NOW) is not first:
                break
            threading.Event().wait(0.01)
        assert history.recent_estimator(conn, office, NOW) is not first


def test_the_lines_counted_in_sql_give_the_same_state_as_the_days_tickets(demo: Office) -> None:
    office, engines, run = demo.office, demo.engines, demo.run
    history = estimates.History()
    for counter in ("1", "4", "9"):
        run(SetCounterState(counter, CounterState.OPEN, f"clerk-{counter}"), 0)
    for n, service in enumerate(["moving", "certificates", "moving", "insurance"] * 3):
        run(IssueTicket(service, "ja", n % 5 == 0, None, "online", f"id{n}", f"tok{n}"), n)
    run(CallNext("1"), 13)
    run(CallNext("4"), 14)
    now = NOW + timedelta(minutes=15)
    with engines.reader.connect() as conn, conn.begin():
        version = offices.office_version(conn, "nakano") or 0
        events, issued = history.read(conn, "nakano", version, now)
        active = tickets.day_tickets(conn, "nakano", NOW.date())
        counters = offices.counter_states(conn, "nakano")
        _, _, from_sql = history._build(conn, office, now)
    from_tickets = estimates.state_from(office, now, active, counters, events, issued)
    assert from_sql.state.lines == from_tickets.lines
    assert from_sql.state.counters == from_tickets.counters
    assert from_sql.state.head_waited_min == from_tickets.head_waited_min
    assert from_sql.state.history == from_tickets.history


def test_the_writers_events_handed_over_equal_the_log_read_afresh(demo: Office) -> None:
    """History.committed: events the writer hands over after each commit are the log's,
    not read back; a hand-over that does not follow on (another process wrote between)
    is left to the next read, and the called tickets' issue times are still found."""
    engines, run = demo.engines, demo.run
    history = estimates.History()
    handed: list[int] = []

    def on_commit(office: str, version: int, events: list[dict[str, Any]]) -> None:
        handed.append(version)
        history.committed(office, events)

    def read(minute: int) -> tuple[list[Any], dict[str, Any], list[Any], int]:
        now = NOW + timedelta(minutes=minute)
        with engines.reader.connect() as conn, conn.begin():
            version = offices.office_version(conn, "nakano") or 0
            kept, issued = history.read(conn, "nakano", version, now)
            fresh = estimates.recent_events(conn, "nakano", now)
            return kept, dict(issued), fresh, version

    run(SetCounterState("1", CounterState.OPEN, "clerk"), 0)
    read(0)  # the log exists from here on
    demo.writer.on_commit = on_commit
    for n in range(4):
        run(IssueTicket("moving", "ja", False, None, "online", f"id{n}", f"tok{n}"), n + 1)
    called = run(CallNext("1"), 6)
    log = history._logs["nakano"]
    assert log.upto == handed[-1]  # handed over: nothing left to read
    kept, issued, fresh, _ = read(7)
    assert kept == fresh
    assert issued[called.ticket.id] == called.ticket.issued_at  # resolved on the read

    demo.writer.on_commit = None  # "another process" writes two events unseen
    run(ActOnTicket(called.ticket.id, Action.START), 8)
    run(ActOnTicket(called.ticket.id, Action.FINISH), 9)
    demo.writer.on_commit = on_commit
    upto = log.upto
    run(IssueTicket("moving", "ja", False, None, "online", "id9", "tok9"), 10)
    assert log.upto == upto  # did not follow on: not appended
    kept, _, fresh, version = read(11)
    assert kept == fresh and log.upto == version  # read from the database instead


def test_a_tickets_answer_takes_its_estimate_from_the_screens_estimator(demo: Office) -> None:
    """One estimator per version, the live hub's: the commands answer from it instead of
    building their own, so the ticket's answer and its page cannot disagree."""
    moving = next(c for c in demo.office.counters.values() if "moving" in c.services)
    demo.run(SetCounterState(moving.id, CounterState.OPEN, "sato"), 0)
    for n in range(6):
        demo.run(IssueTicket("moving", "ja", False, None, "online", f"t{n}", f"token-{n}"), 1)
    now = NOW + timedelta(minutes=2)
    channel = Channel("ticket", "token-4")
    history = estimates.History(demo.engines.reader)
    ctx = dataclasses.replace(demo.ctx, history=history)

    async def watch() -> dict[str, Any]:
        hub = Hub(demo.engines, ctx, lambda: now)
        socket = Socket()
        await hub.subscribe(socket, channel, None)
        await asyncio.wait_for(hub.idle(), 5)
        await hub.stop()
        return socket.frames[-1]

    frame = asyncio.run(watch())
    with demo.engines.reader.connect() as conn, conn.begin():
        ticket = tickets.get_ticket_by_token(conn, "token-4")
        assert ticket is not None
        info = commands.describe_at(ctx, conn, ticket, now)
    shown = frame["view"]["ticket"]
    assert info.position == shown["position"] == 4
    assert info.estimate is not None
    assert info.estimate.as_dict() == shown["estimate"]
    assert history.builds == 0  # taken from the screens, not built again
