"""One office-day rebuilt from its log rows: who stood in which line from when to when, which
counter held whom, and the events the office would have logged. What the log leaves out is
inferred, each rule stated in docs/estimator.md ("Replaying a log"):

- a number seen again, in another service, after its earlier visit was called, is a
  transfer (it keeps its first place in time); otherwise it is a ticket of its own;
- no outcome: served if called, else gone without being called;
- a visitor gone without a call (or without a time for it) left when a ticket of the same
  service that came after them was called: they had been passed over; if none was, they
  waited to the end of the day;
- a visit without a finish ended when its counter called again, or after the service's
  prior mean time (plus the walk to the counter), whichever came first; a transfer's
  visit ended when it joined the next line;
- a call without a counter was taken by one of the service's own unnamed counters: the
  first of them free by the rule above, or a new one when all were busy, so there are as
  many as the calls show were serving at once;
- a counter is open from its first call to the end of its last visit.
"""

from __future__ import annotations

import bisect
import dataclasses
import heapq
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from server.domain.estimate import CALL_OVERHEAD_MIN, NO_SHOW_HOLD_MIN
from server.domain.office import Counter
from server.domain.queue_state import LogEvent

from .log import Row

DEFAULT_PRIOR_MIN = 10.0


@dataclasses.dataclass(slots=True)
class Stay:
    """One ticket's time in one service's line (a row), as rebuilt."""

    row: Row
    key: str  # the ticket, unique within the day (a number reused is told apart)
    first: bool  # its issue, not a transfer
    queued_at: datetime  # its place in time: the ticket's issue
    outcome: str  # served, no_show, left (inferred where the log is silent)
    counter: str | None = None  # the counter that called it (one of the unnamed, if none)
    finished_at: datetime | None = None  # when the counter let it go, if the log says
    ends: datetime | None = None  # when it stopped being in the office's lines or counters

    @property
    def scored(self) -> bool:
        """A ticket's own wait, answered at a counter: what the replay scores."""
        return self.first and self.outcome == "served" and self.row.called_at is not None


@dataclasses.dataclass(frozen=True)
class Day:
    stays: list[Stay]  # in order of joining their line
    counters: list[Counter]
    hours: dict[str, tuple[datetime, datetime]]  # counter -> (first call, last visit's end)
    events: list[LogEvent]  # sorted by time


def rebuild(rows: Sequence[Row], prior_min: Mapping[str, float]) -> Day:
    stays = _stays(sorted(rows, key=lambda r: (r.issued_at, r.line)))
    hold = {
        s.row.service: timedelta(
            minutes=prior_min.get(s.row.service, DEFAULT_PRIOR_MIN) + CALL_OVERHEAD_MIN
        )
        for s in stays
    }
    called = sorted((s for s in stays if s.row.called_at is not None), key=_call_time)
    _seat(called, hold)
    _passed_over(stays, called)
    counters, hours = _counters(called)
    return Day(stays, counters, hours, _events(stays))


def _call_time(stay: Stay) -> tuple[datetime, int]:
    assert stay.row.called_at is not None
    return stay.row.called_at, stay.row.line


def _stays(rows: list[Row]) -> list[Stay]:
    """Rows into tickets: a number's later row in another service, joined after its
    previous visit was called, continues that ticket; anything else is a ticket of its own."""
    chains: dict[str, list[list[Stay]]] = defaultdict(list)
    stays = []
    for row in rows:
        outcome = row.outcome or ("served" if row.called_at is not None else "left")
        chain = next(
            (
                c
                for c in reversed(chains[row.ticket])
                if c[-1].row.service != row.service
                and c[-1].row.called_at is not None
                and c[-1].row.called_at <= row.issued_at
            ),
            None,
        )
        if chain is None:
            n = len(chains[row.ticket])
            key = row.ticket if n == 0 else f"{row.ticket}~{n + 1}"
            stay = Stay(row, key, True, row.issued_at, outcome, finished_at=row.finished_at)
            chains[row.ticket].append([stay])
        else:
            before = chain[-1]
            if before.finished_at is None and before.outcome == "served":
                before.finished_at = row.issued_at  # transferred: the counter let it go then
            stay = Stay(row, before.key, False, chain[0].queued_at, outcome)
            stay.finished_at = row.finished_at
            chain.append(stay)
        stays.append(stay)
    return stays


def _seat(called: list[Stay], hold: Mapping[str, timedelta]) -> None:
    """Each call's counter and the end of its visit (see the module's rules)."""
    pools: dict[str, list[tuple[datetime, int]]] = defaultdict(list)  # service -> (free at, n)
    by_counter: dict[str, list[Stay]] = defaultdict(list)
    for stay in called:
        row = stay.row
        assert row.called_at is not None
        if stay.outcome == "no_show":
            guess = row.called_at + timedelta(minutes=NO_SHOW_HOLD_MIN)
        elif stay.outcome == "left":
            guess = stay.finished_at or row.called_at
        else:
            guess = stay.finished_at or row.called_at + hold[row.service]
        stay.ends = guess
        if row.counter is not None:
            stay.counter = row.counter
            by_counter[row.counter].append(stay)
            continue
        pool = pools[row.service]
        if pool and pool[0][0] <= row.called_at:
            _, n = heapq.heappop(pool)
        else:
            n = len(pool) + 1
        stay.counter = f"{row.service}#{n}"
        heapq.heappush(pool, (guess, n))
    for visits in by_counter.values():
        for stay, after in zip(visits, visits[1:], strict=False):
            if stay.outcome == "served" and stay.finished_at is None:
                assert stay.ends is not None and after.row.called_at is not None
                stay.ends = max(min(stay.ends, after.row.called_at), _call_time(stay)[0])


def _passed_over(stays: list[Stay], called: list[Stay]) -> None:
    """When each visitor who was never called (or left at a time not logged) was gone."""
    calls: dict[str, list[tuple[datetime, datetime]]] = defaultdict(list)
    for stay in called:
        calls[stay.row.service].append((_call_time(stay)[0], stay.queued_at))
    times = {s: [at for at, _ in c] for s, c in calls.items()}
    for stay in stays:
        if stay.row.called_at is not None:
            continue
        if stay.finished_at is not None:
            stay.ends = stay.finished_at
            continue
        line = calls.get(stay.row.service, [])
        i = bisect.bisect_left(times.get(stay.row.service, []), stay.row.issued_at)
        while i < len(line) and line[i][1] <= stay.queued_at:
            i += 1
        stay.ends = line[i][0] if i < len(line) else None


def _counters(called: list[Stay]) -> tuple[list[Counter], dict[str, tuple[datetime, datetime]]]:
    """Each counter serves the services seen at it, the most frequent first."""
    seen: dict[str, Tally[str]] = defaultdict(Tally)
    hours: dict[str, tuple[datetime, datetime]] = {}
    for stay in called:
        assert stay.counter is not None and stay.ends is not None
        seen[stay.counter][stay.row.service] += 1
        at = _call_time(stay)[0]
        first, last = hours.get(stay.counter, (at, stay.ends))
        hours[stay.counter] = (min(first, at), max(last, stay.ends))
    counters = [
        Counter(cid, "", tuple(s for s, _ in tally.most_common())) for cid, tally in seen.items()
    ]
    return counters, hours


def _events(stays: list[Stay]) -> list[LogEvent]:
    """What the office's log would hold. Ends that are inferred are not events: they would
    only echo the prior service time back into the estimator's history."""
    events = []
    for stay in stays:
        row, key = stay.row, stay.key
        kind = "ticket.issued" if stay.first else "ticket.transferred"
        events.append(LogEvent(kind, row.issued_at, key, row.service, {"to": row.service}))
        if row.called_at is not None:
            events.append(
                LogEvent("ticket.called", row.called_at, key, row.service, {}, stay.counter)
            )
            if stay.outcome == "served" and stay.finished_at is not None:
                events.append(LogEvent("ticket.finished", stay.finished_at, key, row.service))
            elif stay.outcome == "no_show" and stay.ends is not None:
                events.append(LogEvent("ticket.no_show", stay.ends, key, row.service))
        if stay.outcome == "left" and row.finished_at is not None:
            events.append(LogEvent("ticket.cancelled", row.finished_at, key, row.service))
    return sorted(events, key=lambda e: e.at)
