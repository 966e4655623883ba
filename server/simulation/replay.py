"""A log replayed through the wait estimator and the baselines, ticket by ticket in time order.

Each day is rebuilt (reconstruct.py), then swept once in time order: the office's tickets
and counters are kept as they stood, changed only by what happened since the last ticket,
and at each ticket's issue the same estimator and baselines as the simulator's are asked,
from a `QueueState` of that moment. What the state holds at that moment: tickets issued by
then, calls before it (a call at the very moment of the issue answers it), visits ended by
then, the log's events before it. A counter idle for a few minutes while a ticket of its
services waited is taken to be on a break since its last visitor (a ward's lunch rota is not
in the log), which is what the live server knows from `counter.paused`.
"""

from __future__ import annotations

import dataclasses
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime, timedelta, tzinfo

from server.domain import call_policy
from server.domain.office import Counter
from server.domain.queue_state import Lines, LogEvent, QueueState, state_of
from server.domain.ticket import Status, Ticket

from .evaluation import Report, Scored, report
from .log import LogError, Row, read_rows
from .reconstruct import DEFAULT_PRIOR_MIN, Day, Stay, rebuild
from .simulator import predict
from .window import RollingHistory

IDLE_GRACE = timedelta(minutes=3)  # a counter idle this long while someone waits is on a break
# ...of unknown kind: a lunch (45-60 min), a clerk away ten minutes, a system down. Expected
# back after half an hour, not the hour of a lunch break the office logs (60 -> 30: 0.24 min
# less error on bench/altsim's ward tuning logs, 0.04 more on bare ones; the simulator's
# own days log their breaks and do not change).
GUESSED_BREAK_MIN = 30.0


@dataclasses.dataclass(frozen=True)
class Replayed:
    report: Report
    skipped: list[LogError]  # the rows left out, in line order


def replay_text(text: str, prior_min: Mapping[str, float], tz: tzinfo | None = None) -> Replayed:
    rows, errors = read_rows(text, tz)
    replayed = replay(rows, prior_min, tz)
    skipped = sorted([*errors, *replayed.skipped], key=lambda e: e.line)
    return Replayed(replayed.report, skipped)


def replay(
    rows: Iterable[Row], prior_min: Mapping[str, float], tz: tzinfo | None = None
) -> Replayed:
    """Each day of the log on its own (numbers restart every day), scored together."""
    kept, skipped = _unique(rows)
    days: dict[date, list[Row]] = defaultdict(list)
    for row in kept:
        days[(row.issued_at.astimezone(tz) if tz else row.issued_at).date()].append(row)
    scored = [s for d in sorted(days) for s in replay_day(days[d], prior_min)]
    names = sorted(days)
    label = f"{names[0]}..{names[-1]}" if len(names) > 1 else "log"
    label = names[0].isoformat() if len(names) == 1 else label
    return Replayed(report(label, None, scored), skipped)


def _unique(rows: Iterable[Row]) -> tuple[list[Row], list[LogError]]:
    """The rows but for repeats of a ticket's row in a service with the same issue: the
    first in the file is kept."""
    seen: dict[tuple[str, str, datetime], Row] = {}
    kept, skipped = [], []
    for row in sorted(rows, key=lambda r: r.line):
        key = (row.ticket, row.service, row.issued_at)
        first = seen.setdefault(key, row)
        if first is row:
            kept.append(row)
        elif dataclasses.replace(first, line=row.line) == row:
            skipped.append(LogError(f"line {row.line}: repeats line {first.line}", row.line))
        else:
            skipped.append(
                LogError(
                    f"line {row.line}: the ticket, service and issued_at of line {first.line} "
                    "with other values",
                    row.line,
                )
            )
    return kept, skipped


def replay_day(rows: Sequence[Row], prior_min: Mapping[str, float]) -> list[Scored]:
    day = rebuild(rows, prior_min)
    priors = {s.row.service: prior_min.get(s.row.service, DEFAULT_PRIOR_MIN) for s in day.stays}
    sweep = _Sweep(day, priors)
    out = []
    for i, stay in enumerate(day.stays):
        row = stay.row
        if not stay.scored or row.called_at is None:
            continue
        state, ahead = sweep.at(row.issued_at, i)
        wait = (row.called_at - row.issued_at).total_seconds() / 60
        estimates = predict(state, row.service, ahead, priors[row.service])
        out.append(Scored(row.ticket, row.issued_at, wait, estimates))
    return out


def _ticket(stay: Stay, index: int, called: bool) -> Ticket:
    row = stay.row
    return Ticket(
        id=stay.key,
        office="log",
        service=row.service,
        prefix=row.ticket,
        seq=index,
        day=row.issued_at.date(),
        token=stay.key,
        lang="ja",
        priority=False,
        channel="log",
        status=Status.CALLED if called else Status.WAITING,
        issued_at=stay.queued_at,
        queued_at=stay.queued_at,
        counter=stay.counter if called else None,
        called_at=row.called_at if called else None,
        transfers=0 if stay.first else 1,
    )


class _Sweep:
    """The day's tickets and counters as they stood, moved forward to each moment asked
    (moments in time order): each join, call and end is taken in once."""

    def __init__(self, day: Day, priors: Mapping[str, float]) -> None:
        self.day, self.priors = day, priors
        stays = day.stays  # in order of joining their line
        self.calls = sorted(
            (at, i) for i, s in enumerate(stays) if (at := s.row.called_at) is not None
        )
        self.ends = sorted((at, i) for i, s in enumerate(stays) if (at := s.ends) is not None)
        self.taken = [0, 0, 0]  # joins, calls, ends taken in so far
        self.gone: set[int] = set()
        self.waiting: dict[str, dict[int, Ticket]] = defaultdict(dict)  # service -> line
        self.holding: dict[str, tuple[int, Ticket]] = {}  # counter -> the visit it holds
        self.last_end: dict[str, datetime] = {}  # counter -> its latest visit's end so far
        issued = {s.key: s.queued_at for s in stays if s.first}
        self.history = RollingHistory(day.events, issued)
        self.relevant = _relevant(day.counters)
        # a log with counters or ends of visits shows the counters; without both, guessed
        self.day_counters_seen = any(s.row.counter or s.row.finished_at for s in stays)

    def at(self, now: datetime, index: int) -> tuple[QueueState, int]:
        """The state at `now`, and how many wait ahead of the stay `index` (joined at `now`)."""
        self._advance(now)
        stay = self.day.stays[index]
        line = self.waiting[stay.row.service]
        mine = line.get(index) or _ticket(stay, index, called=False)
        ahead = call_policy.position(mine, line.values()) or 0
        return self._state(now, stay.row.service), ahead

    def _advance(self, now: datetime) -> None:
        stays, (joins, calls, ends) = self.day.stays, self.taken
        while joins < len(stays) and stays[joins].row.issued_at <= now:
            self.waiting[stays[joins].row.service][joins] = _ticket(stays[joins], joins, False)
            joins += 1
        while calls < len(self.calls) and self.calls[calls][0] < now:
            i = self.calls[calls][1]
            calls += 1
            if i in self.gone:
                continue
            stay = stays[i]
            self.waiting[stay.row.service].pop(i, None)
            if stay.counter is not None:
                self.holding[stay.counter] = (i, _ticket(stay, i, called=True))
        while ends < len(self.ends) and self.ends[ends][0] <= now:
            at, i = self.ends[ends]
            ends += 1
            stay = stays[i]
            self.gone.add(i)
            self.waiting[stay.row.service].pop(i, None)
            counter = stay.counter
            if counter is not None and stay.row.called_at is not None:
                if self.holding.get(counter, (None,))[0] == i:
                    del self.holding[counter]
                self.last_end[counter] = max(at, self.last_end.get(counter, at))
        self.taken = [joins, calls, ends]

    def _state(self, now: datetime, service: str) -> QueueState:
        heads = {
            s: min(t.queued_at for t in line.values()) for s, line in self.waiting.items() if line
        }
        lines = Lines(
            {s: len(line) for s, line in self.waiting.items() if line},
            heads,
            {c: t for c, (_, t) in self.holding.items()},
        )
        counters = self.relevant.get(service, [])
        hours = self.day.hours
        open_ids = {c.id for c in counters if hours[c.id][0] <= now <= hours[c.id][1]}
        breaks = self._on_break(counters, open_ids, heads, now)
        paused = {e.counter for e in breaks if e.counter}
        state = state_of(now, counters, open_ids - paused, lines, self.priors, breaks, {}, paused)
        return dataclasses.replace(
            state, history=self.history.at(now), counters_seen=self.day_counters_seen
        )

    def _on_break(
        self,
        counters: list[Counter],
        open_ids: set[str],
        heads: Mapping[str, datetime],
        now: datetime,
    ) -> list[LogEvent]:
        """`counter.paused` for open counters idle since their last visitor while a ticket of
        their services has waited IDLE_GRACE or longer."""
        grace = now - IDLE_GRACE
        waited = {s for s, at in heads.items() if at <= grace}
        out = []
        for c in counters:
            if c.id not in open_ids or c.id in self.holding or not waited.intersection(c.services):
                continue
            last = self.last_end.get(c.id)
            if last is not None and last <= grace:
                out.append(
                    LogEvent(
                        "counter.paused", last, data={"break_min": GUESSED_BREAK_MIN}, counter=c.id
                    )
                )
        return out


def _relevant(counters: list[Counter]) -> dict[str, list[Counter]]:
    """Service -> the counters linked to it through the services they share. Its estimate
    depends on no other counter (nor does which of these count as staffed), so the state is
    built with these alone: a busy office has dozens of counters, and building each one's
    state at every ticket was a fifth of the replay."""
    group: dict[str, set[str]] = {}
    for c in counters:
        merged = set(c.services).union(*(group.get(s, set()) for s in c.services))
        for s in merged:
            group[s] = merged
    return {
        s: [c for c in counters if linked.intersection(c.services)] for s, linked in group.items()
    }
