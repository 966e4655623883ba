"""What the wait estimator sees: the office's queues at one moment, and their recent past.

The present comes from the active tickets, the past from the event log, so the server (its
snapshot), the simulator (its own tickets and events) and a replayed log (tickets and events
rebuilt as they stood at each moment) all feed the estimator the same way. Pure: the moment
`now` is passed in, nothing is read.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Collection, Iterable, Mapping
from datetime import datetime, timedelta
from typing import Any

from .office import Counter
from .ticket import AT_COUNTER, Status, Ticket

# Calls, no-shows and the waits of recent calls are counted over the last hour: long enough
# to hold a few calls of a slow service, short enough to follow a morning rush into a lull.
HISTORY_WINDOW_MIN = 60.0
# Service times change slowly through a day; they are kept longer, the newest first.
HOLD_WINDOW_MIN = 180.0
RECENT_HOLDS = 30
# Arrivals change fastest (the 11:00 rush); they are counted over half an hour.
ARRIVAL_WINDOW_MIN = 30.0
RECENT_WAITS = 5  # the latest calls whose waits are kept (the delay of recent tickets)
# The pace of a line's calls is counted over the last half hour, as its arrivals are: what
# the estimator has when a log shows calls but not the counters or the ends of visits.
CALL_WINDOW_MIN = 30.0

_FREED = frozenset({"ticket.finished", "ticket.preparing", "ticket.transferred"})
_MISSED = frozenset({"ticket.no_show", "ticket.cancelled"})


@dataclasses.dataclass(frozen=True, slots=True)
class LogEvent:
    """One event of the office's log, as far as the estimator cares."""

    type: str  # the wire name: "ticket.called"
    at: datetime
    ticket: str | None = None
    service: str | None = None
    data: Mapping[str, Any] = dataclasses.field(default_factory=dict)
    counter: str | None = None

    @classmethod
    def from_dict(cls, event: Mapping[str, Any]) -> LogEvent:
        """From the store's event dict (`at` in ISO 8601)."""
        at = event["at"]
        return cls(
            type=event["type"],
            at=at if isinstance(at, datetime) else datetime.fromisoformat(at),
            ticket=event.get("ticket"),
            service=event.get("service"),
            data={k: event[k] for k in ("priority", "from", "to") if k in event},
            counter=event.get("counter"),
        )


@dataclasses.dataclass(frozen=True, slots=True)
class CounterNow:
    """A counter that is open: its services in order, and the visit it holds, if any."""

    id: str
    services: tuple[str, ...]
    busy_service: str | None = None
    busy_since: datetime | None = None  # when the ticket it holds was called
    paused_since: datetime | None = None  # a paused counter (a break): since when
    break_min: float | None = None  # how long its break is expected to last, if not the usual


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceHistory:
    """The recent past of one service."""

    hold_min: tuple[float, ...] = ()  # call -> counter free, of served visits, oldest first
    calls: int = 0  # calls settled in the window (came or did not)
    no_shows: int = 0  # ...of which the visitor did not come
    arrivals_per_min: float = 0.0  # tickets issued per minute, lately
    recent_waits_min: tuple[float, ...] = ()  # waits of the latest first calls, oldest first
    calls_per_min: float = 0.0  # calls made per minute, lately (CALL_WINDOW_MIN)


@dataclasses.dataclass(frozen=True, slots=True)
class QueueState:
    now: datetime
    lines: Mapping[str, int]  # service -> tickets waiting
    counters: tuple[CounterNow, ...]  # the counters open now (or about to), and paused
    prior_min: Mapping[str, float]  # service -> prior mean service time (the office file)
    history: Mapping[str, ServiceHistory] = dataclasses.field(default_factory=dict)
    head_waited_min: Mapping[str, float] = dataclasses.field(default_factory=dict)
    # service -> the slot starts of bookings (予約) still expected and not checked in:
    # work ahead of the walk-ins called after them (Estimator.estimate).
    booked: Mapping[str, tuple[datetime, ...]] = dataclasses.field(default_factory=dict)
    # False when the counters are guessed from calls alone (a log that names no counter and
    # no end of a visit, as most ticket systems export): the estimator then leans on the
    # line's own record of delays and pace, and says it is less sure.
    counters_seen: bool = True

    def history_of(self, service: str) -> ServiceHistory:
        return self.history.get(service, ServiceHistory())

    def counters_for(self, service: str) -> list[CounterNow]:
        """The counters open for `service` (not those on a break)."""
        return [c for c in self.counters if service in c.services and c.paused_since is None]


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60.0


def staffed(counters: Iterable[Counter], open_ids: Collection[str]) -> list[Counter]:
    """The counters that count as open: those open now and, for a service none of whose
    counters is open yet (before the morning's opening), all of its counters."""
    counters = list(counters)
    services = {s for c in counters for s in c.services}
    # One pass over the counters, not one per service (a replay asks at every ticket).
    unstaffed = services.difference(*(c.services for c in counters if c.id in open_ids))
    return [c for c in counters if c.id in open_ids or unstaffed.intersection(c.services)]


def history(
    events: Iterable[LogEvent], issued_at: Mapping[str, datetime], now: datetime
) -> dict[str, ServiceHistory]:
    """Each service's recent past from the log. `issued_at`: ticket id -> when issued, for
    the waits of recent calls (a ticket missing from it adds no wait)."""
    since = now - timedelta(minutes=HISTORY_WINDOW_MIN)
    holds_since = now - timedelta(minutes=HOLD_WINDOW_MIN)
    arrivals_since = now - timedelta(minutes=ARRIVAL_WINDOW_MIN)
    calls_since = now - timedelta(minutes=CALL_WINDOW_MIN)
    holds: dict[str, list[float]] = defaultdict(list)
    waits: dict[str, list[float]] = defaultdict(list)
    calls: dict[str, int] = defaultdict(int)
    missed: dict[str, int] = defaultdict(int)
    arrivals: dict[str, int] = defaultdict(int)
    made: dict[str, int] = defaultdict(int)  # calls in the last CALL_WINDOW_MIN
    open_calls: dict[str, tuple[str, datetime]] = {}
    detoured: set[str] = set()  # tickets called before (no-show, transfer): later waits mislead
    for e in sorted((e for e in events if e.at <= now), key=lambda e: e.at):
        key = e.ticket or ""
        if e.type == "ticket.issued" and e.service and e.at >= arrivals_since:
            arrivals[e.service] += 1
        elif e.type == "ticket.called" and e.service:
            open_calls[key] = (e.service, e.at)
            made[e.service] += e.at >= calls_since
            if key not in detoured and key in issued_at and e.at >= since:
                waits[e.service].append(_minutes(e.at - issued_at[key]))
            detoured.add(key)
        if (e.type in _FREED or e.type in _MISSED) and key in open_calls:
            service, called = open_calls.pop(key)
            if called >= since:
                calls[service] += 1
                missed[service] += e.type in _MISSED
            if e.type in _FREED and e.at >= holds_since:
                holds[service].append(_minutes(e.at - called))
    return {
        s: ServiceHistory(
            hold_min=tuple(holds[s][-RECENT_HOLDS:]),
            calls=calls[s],
            no_shows=missed[s],
            arrivals_per_min=arrivals[s] / ARRIVAL_WINDOW_MIN,
            recent_waits_min=tuple(waits[s][-RECENT_WAITS:]),
            calls_per_min=made[s] / CALL_WINDOW_MIN,
        )
        for s in set(holds) | set(calls) | set(arrivals) | set(waits)
    }


@dataclasses.dataclass(frozen=True, slots=True)
class Lines:
    """The present of the queues: what the estimator needs of the day's tickets."""

    waiting: Mapping[str, int]  # service -> tickets waiting
    heads: Mapping[str, datetime]  # service -> the first waiting ticket's place in time
    holding: Mapping[str, Ticket]  # counter -> the ticket it has called or is serving


def summarise(tickets: Iterable[Ticket]) -> Lines:
    waiting: dict[str, int] = defaultdict(int)
    heads: dict[str, datetime] = {}
    holding: dict[str, Ticket] = {}
    for t in tickets:
        if t.status is Status.WAITING:
            waiting[t.service] += 1
            heads[t.service] = min(t.queued_at, heads.get(t.service, t.queued_at))
        elif t.status in AT_COUNTER and t.counter is not None:
            holding[t.counter] = t
    return Lines(dict(waiting), heads, holding)


def build_state(
    now: datetime,
    counters: Iterable[Counter],
    open_ids: Collection[str],
    tickets: Iterable[Ticket],
    prior_min: Mapping[str, float],
    events: Iterable[LogEvent] = (),
    issued_at: Mapping[str, datetime] | None = None,
    paused_ids: Collection[str] = (),
) -> QueueState:
    """`tickets`: the day's active tickets as they stand at `now`; `events`: the log of the
    last hours (older events are not looked at); `issued_at` defaults to the tickets';
    `paused_ids`: counters on a break, expected back (when they paused is read from `events`)."""
    tickets = list(tickets)
    issued = {t.id: t.issued_at for t in tickets} | dict(issued_at or {})
    return state_of(
        now, counters, open_ids, summarise(tickets), prior_min, events, issued, paused_ids
    )


def state_of(
    now: datetime,
    counters: Iterable[Counter],
    open_ids: Collection[str],
    lines: Lines,
    prior_min: Mapping[str, float],
    events: Iterable[LogEvent] = (),
    issued_at: Mapping[str, datetime] | None = None,
    paused_ids: Collection[str] = (),
) -> QueueState:
    """As build_state, from the lines already summarised (the store can count them in SQL
    rather than load every ticket of the day)."""
    counters = list(counters)
    events = [e for e in events if e.at <= now]
    paused = {e.counter: e for e in events if e.type == "counter.paused" and e.counter is not None}
    holding = lines.holding
    issued = dict(issued_at or {})
    now_counters = []
    on_break = set(paused_ids) - set(open_ids)
    for counter in staffed(counters, set(open_ids) | on_break):
        if counter.id in on_break:
            continue
        held = holding.get(counter.id)
        now_counters.append(
            CounterNow(
                counter.id,
                tuple(counter.services),
                held.service if held else None,
                held.called_at if held else None,
            )
        )
    for counter in counters:
        if counter.id in on_break:
            pause = paused.get(counter.id)
            since = pause.at if pause else now
            length = pause.data.get("break_min") if pause else None
            now_counters.append(
                CounterNow(
                    counter.id, tuple(counter.services), paused_since=since, break_min=length
                )
            )
    return QueueState(
        now=now,
        lines=dict(lines.waiting),
        counters=tuple(now_counters),
        prior_min=dict(prior_min),
        history=history(events, issued, now),
        head_waited_min={s: max(0.0, _minutes(now - at)) for s, at in lines.heads.items()},
    )
