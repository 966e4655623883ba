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
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

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
_FOREVER = timedelta(days=1000)  # an answer that nothing but a new event changes


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
        # An answer stays right until something of its service is taken in or leaves the
        # window: service -> (changes taken in, valid up to, the answer).
        self.changes: dict[str, int] = defaultdict(int)
        self.kept: dict[str, tuple[int, datetime, ServiceHistory | None]] = {}
        # (list, service) -> (its length then, the answer, valid up to): holds and waits
        # change far less often than arrivals.
        self.latest: dict[tuple[int, str], tuple[int, tuple[float, ...], datetime]] = {}

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
            self.changes[service] += 1
        out = {}
        for service, changes in self.changes.items():
            kept = self.kept.get(service)
            if kept is None or kept[0] != changes or now > kept[1]:
                kept = (changes, *self._service(service, now))
                self.kept[service] = kept
            if kept[2] is not None:
                out[service] = kept[2]
        return out

    def _take(self, e: LogEvent, now: datetime) -> None:
        key = e.ticket or ""
        if e.service:
            self.changes[e.service] += 1
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
            self.changes[service] += 1
            if called >= now - _SINCE:  # else it never counts again: `now` only grows
                missed = e.type in _MISSED
                heapq.heappush(self.settled, (called, service, missed))
                self.calls[service] += 1
                self.missed[service] += missed
            if e.type in _FREED:
                self.holds[service].append((e.at, called, _minutes(e.at - called)))

    def _service(self, service: str, now: datetime) -> tuple[datetime, ServiceHistory | None]:
        """The service's past at `now`, and until when it holds if nothing is taken in."""
        times, first = self.arrivals[service], self.arrivals_from[service]
        while first < len(times) and times[first] < now - _ARRIVALS_SINCE:
            first += 1
        self.arrivals_from[service] = first
        made, since = self.call_times[service], self.calls_from[service]
        while since < len(made) and made[since] < now - _CALLS_SINCE:
            since += 1
        self.calls_from[service] = since
        holds, holds_until = self._kept(self.holds, _latest_holds, service, now)
        waits, waits_until = self._kept(self.waits, _latest_waits, service, now)
        until = min(holds_until, waits_until)
        if first < len(times):
            until = min(until, times[first] + _ARRIVALS_SINCE)
        if since < len(made):
            until = min(until, made[since] + _CALLS_SINCE)
        arrivals, calls = len(times) - first, self.calls[service]
        if not (holds or waits or arrivals or calls):
            return until, None
        return until, ServiceHistory(
            hold_min=holds,
            calls=calls,
            no_shows=self.missed[service],
            arrivals_per_min=arrivals / ARRIVAL_WINDOW_MIN,
            recent_waits_min=waits,
            calls_per_min=(len(made) - since) / CALL_WINDOW_MIN,
        )

    def _kept(
        self,
        lists: Mapping[str, list[Any]],
        latest: Callable[[list[Any], datetime], tuple[tuple[float, ...], datetime]],
        service: str,
        now: datetime,
    ) -> tuple[tuple[float, ...], datetime]:
        items = lists[service]
        key = (id(lists), service)
        kept = self.latest.get(key)
        if kept is None or kept[0] != len(items) or now > kept[2]:
            kept = (len(items), *latest(items, now))
            self.latest[key] = kept
        return kept[1], kept[2]


def _latest_holds(
    holds: list[tuple[datetime, datetime, float]], now: datetime
) -> tuple[tuple[float, ...], datetime]:
    """The last RECENT_HOLDS holds whose call is in the window (a call before it was not
    seen, so neither is its end), and until when they stay so."""
    since = now - _HOLDS_SINCE
    out: list[float] = []
    until = first = since + _FOREVER
    for i in range(len(holds) - 1, -1, -1):
        freed, called, hold = holds[i]
        if freed < since or len(out) == RECENT_HOLDS:
            break
        if called >= since:
            out.append(hold)
            first = min(first, called)
    return tuple(reversed(out)), min(until, first + _HOLDS_SINCE)


def _latest_waits(
    waits: list[tuple[datetime, datetime | None, float]], now: datetime
) -> tuple[tuple[float, ...], datetime]:
    """The waits of the last RECENT_WAITS calls since `since` that were their ticket's first
    call in the window (a ticket called again, after a no-show or a transfer, is not), and
    until when they stay so (a call leaves, or a ticket's earlier call does)."""
    since, window = now - _SINCE, now - _HOLDS_SINCE
    out: list[float] = []
    until = since + _FOREVER
    for i in range(len(waits) - 1, -1, -1):
        at, before, wait = waits[i]
        if at < since or len(out) == RECENT_WAITS:
            break
        if before is None or before < window:
            out.append(wait)
            until = min(until, at + _SINCE)
        else:
            until = min(until, before + _HOLDS_SINCE)
    return tuple(reversed(out)), until
