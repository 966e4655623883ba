"""`queue_state.history` kept up to date as a day is replayed, instead of recomputed.

The replay asks for the recent past at every ticket's issue; `history()` walks the last three
hours of the log each time, which over a busy office's year was most of the replay's time.
`RollingHistory` reads each event once, in time order, and answers for any later moment the
same `ServiceHistory` as `history(events in [now - HOLD_WINDOW_MIN, now), issued_at, now)`
(tests/unit/simulation/test_window.py holds it to that, event stream by event stream).
"""

from __future__ import annotations

import heapq
from collections import defaultdict
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from server.domain.queue_state import (
    ARRIVAL_WINDOW_MIN,
    CALL_WINDOW_MIN,
    HISTORY_WINDOW_MIN,
    HOLD_WINDOW_MIN,
    RECENT_HOLDS,
    RECENT_WAITS,
    LogEvent,
    ServiceHistory,
)

_FREED = frozenset({"ticket.finished", "ticket.preparing", "ticket.transferred"})
_MISSED = frozenset({"ticket.no_show", "ticket.cancelled"})
_SINCE = timedelta(minutes=HISTORY_WINDOW_MIN)
_HOLDS_SINCE = timedelta(minutes=HOLD_WINDOW_MIN)
_ARRIVALS_SINCE = timedelta(minutes=ARRIVAL_WINDOW_MIN)
_CALLS_SINCE = timedelta(minutes=CALL_WINDOW_MIN)


def _minutes(delta: timedelta) -> float:
    return delta.total_seconds() / 60.0


class RollingHistory:
    """`events`: the day's log sorted by time (stably); `at(now)` for non-decreasing `now`."""

    def __init__(self, events: Sequence[LogEvent], issued_at: Mapping[str, datetime]) -> None:
        self.events, self.issued_at = events, issued_at
        self.read = 0  # events before this index have been taken in
        self.arrivals: dict[str, list[datetime]] = defaultdict(list)
        self.arrivals_from: dict[str, int] = defaultdict(int)
        self.call_times: dict[str, list[datetime]] = defaultdict(list)
        self.calls_from: dict[str, int] = defaultdict(int)
        self.open_calls: dict[str, tuple[str, datetime]] = {}
        self.last_call: dict[str, datetime] = {}
        # (at, the ticket's call before it, wait), in call order, per service
        self.waits: dict[str, list[tuple[datetime, datetime | None, float]]] = defaultdict(list)
        # (freed at, called at, hold), in the order they were freed, per service
        self.holds: dict[str, list[tuple[datetime, datetime, float]]] = defaultdict(list)
        self.settled: list[tuple[datetime, str, bool]] = []  # heap: (called, service, missed)
        self.calls: dict[str, int] = defaultdict(int)
        self.missed: dict[str, int] = defaultdict(int)

    def at(self, now: datetime) -> dict[str, ServiceHistory]:
        events = self.events
        while self.read < len(events) and events[self.read].at < now:
            self._take(events[self.read], now)
            self.read += 1
        since = now - _SINCE
        while self.settled and self.settled[0][0] < since:
            _, service, missed = heapq.heappop(self.settled)
            self.calls[service] -= 1
            self.missed[service] -= missed
        out = {}
        for service in set(self.arrivals) | set(self.holds) | set(self.waits) | set(self.calls):
            past = self._service(service, now)
            if past is not None:
                out[service] = past
        return out

    def _take(self, e: LogEvent, now: datetime) -> None:
        key = e.ticket or ""
        if e.type == "ticket.issued" and e.service:
            self.arrivals[e.service].append(e.at)
        elif e.type == "ticket.called" and e.service:
            self.open_calls[key] = (e.service, e.at)
            self.call_times[e.service].append(e.at)
            if key in self.issued_at:
                wait = _minutes(e.at - self.issued_at[key])
                self.waits[e.service].append((e.at, self.last_call.get(key), wait))
            self.last_call[key] = e.at
        if (e.type in _FREED or e.type in _MISSED) and key in self.open_calls:
            service, called = self.open_calls.pop(key)
            if called >= now - _SINCE:  # else it never counts again: `now` only grows
                missed = e.type in _MISSED
                heapq.heappush(self.settled, (called, service, missed))
                self.calls[service] += 1
                self.missed[service] += missed
            if e.type in _FREED:
                self.holds[service].append((e.at, called, _minutes(e.at - called)))

    def _service(self, service: str, now: datetime) -> ServiceHistory | None:
        times, first = self.arrivals[service], self.arrivals_from[service]
        while first < len(times) and times[first] < now - _ARRIVALS_SINCE:
            first += 1
        self.arrivals_from[service] = first
        made, since = self.call_times[service], self.calls_from[service]
        while since < len(made) and made[since] < now - _CALLS_SINCE:
            since += 1
        self.calls_from[service] = since
        holds = _latest_holds(self.holds[service], now - _HOLDS_SINCE)
        waits = _latest_waits(self.waits[service], now - _SINCE, now - _HOLDS_SINCE)
        arrivals, calls = len(times) - first, self.calls[service]
        if not (holds or waits or arrivals or calls):
            return None
        return ServiceHistory(
            hold_min=holds,
            calls=calls,
            no_shows=self.missed[service],
            arrivals_per_min=arrivals / ARRIVAL_WINDOW_MIN,
            recent_waits_min=waits,
            calls_per_min=(len(made) - since) / CALL_WINDOW_MIN,
        )


def _latest_holds(
    holds: list[tuple[datetime, datetime, float]], since: datetime
) -> tuple[float, ...]:
    """The last RECENT_HOLDS holds whose call is in the window (a call before it was not
    seen, so neither is its end)."""
    out: list[float] = []
    for i in range(len(holds) - 1, -1, -1):
        freed, called, hold = holds[i]
        if freed < since or len(out) == RECENT_HOLDS:
            break
        if called >= since:
            out.append(hold)
    return tuple(reversed(out))


def _latest_waits(
    waits: list[tuple[datetime, datetime | None, float]], since: datetime, window: datetime
) -> tuple[float, ...]:
    """The waits of the last RECENT_WAITS calls since `since` that were their ticket's first
    call in the window (a ticket called again, after a no-show or a transfer, is not)."""
    out: list[float] = []
    for i in range(len(waits) - 1, -1, -1):
        at, before, wait = waits[i]
        if at < since or len(out) == RECENT_WAITS:
            break
        if before is None or before < window:
            out.append(wait)
    return tuple(reversed(out))
