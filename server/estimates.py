"""The wait estimator's inputs, read from the store; and a ticket's estimate from them.

The estimator itself is pure (server/domain/estimate.py); this reads, in the caller's
transaction, what it looks at: the day's active tickets, the counters' states, and the last
hours of the event log (service times, no-shows, the delay of recent calls, breaks).
"""

from __future__ import annotations

import bisect
import dataclasses
import logging
import threading
import time
from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from server.domain import appointment, calendar
from server.domain.estimate import Estimate, Estimator
from server.domain.office import CounterState, Office
from server.domain.queue_state import (
    HOLD_WINDOW_MIN,
    Lines,
    LogEvent,
    QueueState,
    state_of,
    summarise,
)
from server.domain.ticket import Ticket
from server.store import appointments, event_log, offices, tickets
from server.store.engine import Connection, Engine

EVENT_TYPES = [
    "ticket.issued",
    "ticket.called",
    "ticket.finished",
    "ticket.preparing",
    "ticket.transferred",
    "ticket.no_show",
    "ticket.cancelled",
    "counter.paused",
]
_KEPT = frozenset(EVENT_TYPES)
# The newest events read at most: a few busy hours of a large office. Walked backwards on the
# primary key, so the read stays short however long the log grows.
MAX_EVENTS = 4000
log = logging.getLogger(__name__)


def recent_events(conn: Connection, office: str, now: datetime) -> list[LogEvent]:
    since = now - timedelta(minutes=HOLD_WINDOW_MIN)
    events = []
    for wire in event_log.latest(conn, office, EVENT_TYPES, MAX_EVENTS):
        event = LogEvent.from_dict(wire)
        if event.at < since:
            break
        events.append(event)
    events.reverse()
    return events


def called_tickets(events: Iterable[LogEvent]) -> set[str]:
    return {e.ticket for e in events if e.type == "ticket.called" and e.ticket}


def issued_at(conn: Connection, events: Iterable[LogEvent]) -> dict[str, datetime]:
    """When the tickets called in `events` were issued (for the delay of recent calls)."""
    return issued_at_of(conn, called_tickets(events))


def issued_at_of(conn: Connection, ids: Iterable[str]) -> dict[str, datetime]:
    return tickets.issued_at_of(conn, ids)


def state_from(
    office: Office,
    now: datetime,
    tickets: list[Ticket],
    counters: dict[str, CounterState],
    events: list[LogEvent],
    issued: dict[str, datetime],
) -> QueueState:
    issued = {t.id: t.issued_at for t in tickets} | issued
    return state_from_lines(office, now, summarise(tickets), counters, events, issued)


def state_from_lines(
    office: Office,
    now: datetime,
    lines: Lines,
    counters: dict[str, CounterState],
    events: list[LogEvent],
    issued: dict[str, datetime],
) -> QueueState:
    return state_of(
        now,
        office.counters.values(),
        {c for c, s in counters.items() if s is CounterState.OPEN},
        lines,
        {s.id: s.mean_service_min for s in office.services.values()},
        events,
        issued,
        {c for c, s in counters.items() if s is CounterState.PAUSED},
    )


def read_state(conn: Connection, office: Office, now: datetime) -> QueueState:
    """The estimator's view of the office at `now`, read afresh."""
    events = recent_events(conn, office.id, now)
    active = tickets.day_tickets(conn, office.id, calendar.business_day(office, now))
    counters = offices.counter_states(conn, office.id)
    state = state_from(office, now, active, counters, events, issued_at(conn, events))
    return with_bookings(conn, office, now, state)


def with_bookings(conn: Connection, office: Office, now: datetime, state: QueueState) -> QueueState:
    """`state` with the day's bookings still expected (work ahead of walk-ins)."""
    day = calendar.business_day(office, now)
    booked = appointment.expected(
        office, appointments.waiting_to_check_in(conn, office.id, day), now
    )
    return dataclasses.replace(state, booked=booked) if booked else state


def describe_estimate(
    conn: Connection,
    office: Office,
    ticket: Ticket,
    now: datetime,
    position: int | None,
    history: History | None = None,
) -> Estimate | None:
    """The estimate of a ticket `position` places from the head of its line (None when it
    is not waiting): from the History's recent estimator when there is one (its place in
    line is exact, the rest at most History.STATE_MAX_AGE_S old), else read afresh."""
    if position is None:
        return None
    if history is not None:
        estimator = history.recent_estimator(conn, office, now)
    else:
        estimator = Estimator(read_state(conn, office, now))
    return estimator.estimate(ticket.service, position)


@dataclasses.dataclass
class _Log:
    seqs: list[int]
    events: list[LogEvent]
    issued: dict[str, datetime]
    upto: int  # the version read up to (its last events may be of types not kept)
    # Called tickets whose issue time is still to be read (events the writer handed over).
    unresolved: set[str] = dataclasses.field(default_factory=set)


class History:
    """The estimator's past, per office: the event log's last hours, kept in memory and
    read incrementally (only the events after the last one seen). Reading the whole
    window for every view cost a hundred milliseconds at a few thousand events.

    Shared by the writer thread and the readers' threads, hence the lock. A view asks for
    the log as of its own version, so a reader never sees events newer than its tickets.
    """

    STATE_MAX_AGE_S = 5.0  # how old the commands' estimator may be (positions stay exact)

    def __init__(self, reader: Engine | None = None) -> None:
        self._reader = reader  # refreshes the commands' estimator off the writer thread
        self._busy: set[str] = set()
        self._lock = threading.Lock()
        self._logs: dict[str, _Log] = {}
        # Per office: (when built, monotonic; the office version it is of; the estimator).
        self._recent: dict[str, tuple[float, int, Estimator]] = {}
        self.builds = 0  # estimators built here rather than taken from the screens

    def read(
        self, conn: Connection, office: str, version: int, now: datetime
    ) -> tuple[list[LogEvent], dict[str, datetime]]:
        with self._lock:
            log = self._logs.get(office)
            if log is None or version < log.upto - MAX_EVENTS:  # none yet, or a restore
                log = self._logs[office] = self._load(conn, office, version)
            elif log.upto < version:
                self._extend(conn, office, log, version)
            if log.unresolved:
                log.issued.update(issued_at_of(conn, log.unresolved))
                log.unresolved.clear()
            self._trim(log, now)
            upto = bisect.bisect_right(log.seqs, version)
            return log.events[:upto], log.issued

    def committed(self, office: str, events: list[dict[str, Any]]) -> None:
        """The writer's events, just committed: appended to the log when they follow on
        from what it holds, so that no reader reads them back. Reading them back cost the
        estimator's refresh a hundred milliseconds of one busy core every five seconds
        under load, which was the issuing latency's tail. Events that do not follow on
        (another process wrote between) are left for the next read."""
        if not events:
            return
        with self._lock:
            log = self._logs.get(office)
            if log is None or log.upto != events[0]["seq"] - 1:
                return
            kept = [e for e in events if e["type"] in _KEPT]
            fresh = [LogEvent.from_dict(e) for e in kept]
            log.seqs.extend(e["seq"] for e in kept)
            log.events.extend(fresh)
            log.unresolved |= called_tickets(fresh)
            log.upto = events[-1]["seq"]

    def publish(self, office: str, version: int, estimator: Estimator) -> None:
        """The screens' estimator of `version` (the live hub's snapshot): the commands
        answer from it while it is the newest, so that a ticket's answer and the screens
        take their estimates from the same estimator."""
        with self._lock:
            found = self._recent.get(office)
            if found is None or found[1] <= version:
                self._recent[office] = (time.monotonic(), version, estimator)

    def recent_estimator(self, conn: Connection, office: Office, now: datetime) -> Estimator:
        """The newest estimator: the screens' (publish), or one built here; at most about
        STATE_MAX_AGE_S old. Only the first is built on the caller's thread; after that a
        stale one is answered while a fresh one is built on a reader thread, so the writer
        never stops for the day's tickets (that cost issuing its p99)."""
        found = self._recent.get(office.id)
        if found is None or self._reader is None:
            if found is None or time.monotonic() - found[0] >= self.STATE_MAX_AGE_S:
                found = self._build(conn, office, now)
            return found[2]
        if time.monotonic() - found[0] >= self.STATE_MAX_AGE_S and office.id not in self._busy:
            self._busy.add(office.id)
            threading.Thread(
                target=self._refresh, args=(office, now), name="estimator", daemon=True
            ).start()
        return found[2]

    def _build(
        self, conn: Connection, office: Office, now: datetime
    ) -> tuple[float, int, Estimator]:
        self.builds += 1
        version = offices.office_version(conn, office.id) or 0
        events, issued = self.read(conn, office.id, version, now)
        # The lines counted in SQL: loading every ticket of a busy day took long enough
        # to show in the issuing latency.
        waiting, heads, held = tickets.line_summary(
            conn, office.id, calendar.business_day(office, now)
        )
        lines = Lines(waiting, heads, {t.counter: t for t in held if t.counter is not None})
        counters = offices.counter_states(conn, office.id)
        state = state_from_lines(office, now, lines, counters, events, issued)
        state = with_bookings(conn, office, now, state)
        built = (time.monotonic(), version, Estimator(state))
        self.publish(office.id, version, built[2])
        return built

    def _refresh(self, office: Office, now: datetime) -> None:
        assert self._reader is not None
        try:
            with self._reader.connect() as conn, conn.begin():
                self._build(conn, office, now)
        except Exception:  # the stale estimator serves on; the next command tries again
            log.exception("refreshing the estimator failed")
        finally:
            self._busy.discard(office.id)

    def _load(self, conn: Connection, office: str, version: int) -> _Log:
        found = event_log.latest(conn, office, EVENT_TYPES, MAX_EVENTS, upto=version)
        pairs = [(int(e["seq"]), LogEvent.from_dict(e)) for e in found]
        pairs.reverse()
        events = [e for _, e in pairs]
        return _Log([s for s, _ in pairs], events, issued_at(conn, events), version)

    def _extend(self, conn: Connection, office: str, log: _Log, version: int) -> None:
        found = event_log.between(conn, office, log.upto, version, EVENT_TYPES)
        new = [(int(e["seq"]), LogEvent.from_dict(e)) for e in found]
        fresh = [e for _, e in new]
        log.issued.update(issued_at(conn, fresh))
        for seq, event in new:
            log.seqs.append(seq)
            log.events.append(event)
        log.upto = version

    @staticmethod
    def _trim(log: _Log, now: datetime) -> None:
        since = now - timedelta(minutes=HOLD_WINDOW_MIN)
        drop = 0
        while drop < len(log.events) and (
            log.events[drop].at < since or drop < len(log.events) - MAX_EVENTS
        ):
            drop += 1
        if drop:
            del log.seqs[:drop], log.events[:drop]
            kept = {e.ticket for e in log.events}
            for ticket in [t for t in log.issued if t not in kept]:
                del log.issued[ticket]
