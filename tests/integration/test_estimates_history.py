"""The estimator's past kept in memory equals the log read afresh, at every version."""

from __future__ import annotations

import functools
import threading
from datetime import UTC, datetime, timedelta

from server import estimates
from server.bootstrap import prepare_database
from server.commands import ActOnTicket, CallNext, Context, IssueTicket, SetCounterState
from server.domain.office import CounterState
from server.domain.ticket import Action
from server.office_file import load_office
from server.store import queries as q
from server.store.engine import make_engines
from server.store.unit_of_work import Writer

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def test_incremental_history_matches_a_fresh_read_at_each_version(database_url: str) -> None:
    office = load_office()
    ctx = Context(office, lambda day: False, always_open=True)
    engines = make_engines(database_url)
    prepare_database(engines, office)
    writer = Writer(engines)
    history = estimates.History()

    def run(command: object, minute: int) -> object:
        now = NOW + timedelta(minutes=minute)
        return writer.run_sync("nakano", functools.partial(command, ctx), now).result  # type: ignore[call-overload]

    def check(minute: int) -> None:
        now = NOW + timedelta(minutes=minute)
        with engines.reader.connect() as conn, conn.begin():
            version = q.office_version(conn, "nakano") or 0
            kept, issued = history.read(conn, "nakano", version, now)
            fresh = estimates.recent_events(conn, "nakano", now)
            assert kept == fresh
            for ticket, at in estimates.issued_at(conn, fresh).items():
                assert issued[ticket] == at

    try:
        check(0)
        run(SetCounterState("1", CounterState.OPEN, "clerk"), 0)
        for n in range(6):
            run(IssueTicket("moving", "ja", False, None, "online", f"id{n}", f"tok{n}"), n)
        check(6)
        called = run(CallNext("1"), 7)
        run(ActOnTicket(called.ticket.id, Action.START), 8)  # type: ignore[attr-defined]
        run(ActOnTicket(called.ticket.id, Action.FINISH), 20)  # type: ignore[attr-defined]
        check(21)
        run(CallNext("1"), 22)
        check(23)
    finally:
        writer.stop()
        engines.dispose()


def test_a_stale_estimator_is_answered_while_a_fresh_one_is_built_aside(
    database_url: str,
) -> None:
    office = load_office()
    engines = make_engines(database_url)
    prepare_database(engines, office)
    history = estimates.History(engines.reader)
    history.STATE_MAX_AGE_S = 0.0  # every call finds it stale
    try:
        with engines.reader.connect() as conn, conn.begin():
            first = history.recent_estimator(conn, office, NOW)  # built here, once
            again = history.recent_estimator(conn, office, NOW)  # stale: answered at once
        assert again is first
        for _ in range(200):  # the refresh runs on a thread of its own
            if history.recent_estimator(conn, office, NOW) is not first:
                break
            threading.Event().wait(0.01)
        assert history.recent_estimator(conn, office, NOW) is not first
    finally:
        engines.dispose()


def test_the_lines_counted_in_sql_give_the_same_state_as_the_days_tickets(
    database_url: str,
) -> None:
    office = load_office()
    ctx = Context(office, lambda day: False, always_open=True)
    engines = make_engines(database_url)
    prepare_database(engines, office)
    writer = Writer(engines)
    history = estimates.History()

    def run(command: object, minute: int) -> object:
        now = NOW + timedelta(minutes=minute)
        return writer.run_sync("nakano", functools.partial(command, ctx), now).result  # type: ignore[call-overload]

    try:
        for counter in ("1", "4", "9"):
            run(SetCounterState(counter, CounterState.OPEN, "clerk"), 0)
        for n, service in enumerate(["moving", "certificates", "moving", "insurance"] * 3):
            run(IssueTicket(service, "ja", n % 5 == 0, None, "online", f"id{n}", f"tok{n}"), n)
        run(CallNext("1"), 13)
        run(CallNext("4"), 14)
        now = NOW + timedelta(minutes=15)
        with engines.reader.connect() as conn, conn.begin():
            version = q.office_version(conn, "nakano") or 0
            events, issued = history.read(conn, "nakano", version, now)
            tickets = q.day_tickets(conn, "nakano", NOW.date())
            counters = q.counter_states(conn, "nakano")
            _, from_sql = history._build(conn, office, now)
        from_tickets = estimates.state_from(office, now, tickets, counters, events, issued)
        assert from_sql.state.lines == from_tickets.lines
        assert from_sql.state.counters == from_tickets.counters
        assert from_sql.state.head_waited_min == from_tickets.head_waited_min
        assert from_sql.state.history == from_tickets.history
    finally:
        writer.stop()
        engines.dispose()
