"""The day's log as CSV, and the estimator replayed over it, ticket by ticket in time order.

One row per ticket and service it waited for: `ticket, service, issued_at, called_at,
finished_at, counter, outcome` (ISO 8601 with offset; `outcome` is served, no_show or left;
empty where it never happened). A number that appears again is a transfer: its second row
starts when it joined the new service's line, and keeps its first place in time there.
`called_at` is the call that was answered (for a no-show, the last call); `finished_at` is
when the counter let the visitor go, or, for `left`, when they gave up, if known.

The replay rebuilds, at each ticket's issue, the tickets and the events as they stood at that
moment, and asks the same estimator and baselines as the simulator does. Counters are
inferred: each serves the services seen at it, the most frequent first, and is open from its
first call to its last finish of the day; one that has sat idle for a few minutes while a
ticket of its services waited is taken to be on a break since its last visitor (as a ward's
lunch rota is not in the log), which is what the live server knows from `counter.paused`.
"""

from __future__ import annotations

import bisect
import csv
import dataclasses
import io
from collections import Counter as Tally
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime, timedelta
from typing import Any

from server.domain import call_policy
from server.domain.estimate import NO_SHOW_HOLD_MIN
from server.domain.office import Counter
from server.domain.queue_state import HOLD_WINDOW_MIN, LogEvent, build_state
from server.domain.ticket import Status, Ticket

from .evaluation import Report, Scored, report
from .simulator import Visit, predict

FIELDS = ["ticket", "service", "issued_at", "called_at", "finished_at", "counter", "outcome"]
OUTCOMES = frozenset({"served", "no_show", "left"})
DEFAULT_PRIOR_MIN = 10.0
IDLE_GRACE_MIN = 3.0  # a counter idle this long while someone waits for it is on a break


class LogError(ValueError):
    """A row the replay cannot read: the message names the line and the field."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.line = line  # 0: not one row's (the header)


def write_log(visits: Iterable[Visit], out: io.TextIOBase | io.StringIO) -> None:
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for v in visits:
        writer.writerow(
            [
                v.ticket,
                v.service,
                _iso(v.issued_at),
                _iso(v.called_at),
                _iso(v.finished_at),
                v.counter or "",
                v.outcome if v.outcome in OUTCOMES else "left",
            ]
        )


def _iso(at: datetime | None) -> str:
    return at.isoformat(timespec="seconds") if at else ""


def read_log(text: str) -> list[Visit]:
    """Every row, or a LogError naming the first line that cannot be read."""
    visits, errors = read_log_rows(text)
    if errors:
        raise errors[0]
    return [v for _, v in visits]


def read_log_rows(text: str) -> tuple[list[tuple[int, Visit]], list[LogError]]:
    """The rows that can be read, each with its line number, and one error per row that
    cannot (a wrong header is the one error there is)."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or [f.strip() for f in reader.fieldnames] != FIELDS:
        return [], [LogError(f"the header must be: {','.join(FIELDS)}")]
    rows, errors = [], []
    for raw in reader:
        line = reader.line_num
        try:
            rows.append((line, _visit(raw, line)))
        except LogError as e:
            errors.append(e)
    return rows, errors


def _visit(raw: dict[str | Any, str | Any], line: int) -> Visit:
    if None in raw:
        raise LogError(f"line {line}: more than {len(FIELDS)} fields", line)
    row = {k.strip(): (v or "").strip() for k, v in raw.items() if k}
    if row["outcome"] not in OUTCOMES:
        raise LogError(
            f"line {line}: outcome {row['outcome']!r} is not one of {sorted(OUTCOMES)}", line
        )
    if not row["ticket"] or not row["service"]:
        raise LogError(
            f"line {line}: {'ticket' if not row['ticket'] else 'service'} is empty", line
        )
    return Visit(
        ticket=row["ticket"],
        service=row["service"],
        issued_at=_time(row["issued_at"], line, "issued_at", required=True),  # type: ignore[arg-type]
        called_at=_time(row["called_at"], line, "called_at"),
        finished_at=_time(row["finished_at"], line, "finished_at"),
        counter=row["counter"] or None,
        outcome=row["outcome"],
    )


def _time(value: str, line: int, field: str, required: bool = False) -> datetime | None:
    if not value:
        if required:
            raise LogError(f"line {line}: {field} is empty", line)
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise LogError(f"line {line}: {field} {value!r} is not an ISO 8601 time", line) from None
    if at.tzinfo is None:
        raise LogError(f"line {line}: {field} {value!r} has no UTC offset", line)
    return at


@dataclasses.dataclass(frozen=True)
class _Row:
    index: int
    visit: Visit
    first: bool  # the ticket's issue, not a transfer
    queued_at: datetime  # its place in time: the ticket's issue

    @property
    def ends(self) -> datetime | None:
        """When the visit stops being active (None: never, as far as the log says)."""
        v = self.visit
        if v.outcome == "no_show" and v.called_at is not None:
            return v.called_at + timedelta(minutes=NO_SHOW_HOLD_MIN)
        return v.finished_at or v.called_at


def _rows(visits: list[Visit]) -> list[_Row]:
    visits = sorted(visits, key=lambda v: v.issued_at)
    first_issue: dict[str, datetime] = {}
    out = []
    for i, v in enumerate(visits):
        first = v.ticket not in first_issue
        first_issue.setdefault(v.ticket, v.issued_at)
        out.append(_Row(i, v, first, first_issue[v.ticket]))
    return out


def _counters(rows: list[_Row]) -> tuple[list[Counter], dict[str, tuple[datetime, datetime]]]:
    seen: dict[str, Tally[str]] = defaultdict(Tally)
    hours: dict[str, list[datetime]] = defaultdict(list)
    for r in rows:
        v = r.visit
        if v.counter is None or v.called_at is None:
            continue
        seen[v.counter][v.service] += 1
        hours[v.counter] += [t for t in (v.called_at, v.finished_at) if t is not None]
    counters = [
        Counter(cid, "", tuple(s for s, _ in tally.most_common())) for cid, tally in seen.items()
    ]
    return counters, {cid: (min(ts), max(ts)) for cid, ts in hours.items()}


def _events(rows: list[_Row]) -> list[LogEvent]:
    events = []
    for r in rows:
        v, key = r.visit, r.visit.ticket
        kind = "ticket.issued" if r.first else "ticket.transferred"
        events.append(LogEvent(kind, v.issued_at, key, v.service, {"to": v.service}))
        if v.called_at is not None:
            events.append(LogEvent("ticket.called", v.called_at, key, v.service, {}, v.counter))
            end = r.ends
            if v.outcome == "served" and v.finished_at is not None:
                events.append(LogEvent("ticket.finished", v.finished_at, key, v.service))
            elif v.outcome == "no_show" and end is not None:
                events.append(LogEvent("ticket.no_show", end, key, v.service))
        if v.outcome == "left" and v.finished_at is not None:
            events.append(LogEvent("ticket.cancelled", v.finished_at, key, v.service))
    return sorted(events, key=lambda e: e.at)


def _as_ticket(row: _Row, at: datetime) -> Ticket | None:
    """The row's ticket as it stood at `at`, if it was active then."""
    v = row.visit
    if v.issued_at > at or (v.called_at is not None and row.ends is not None and row.ends <= at):
        return None
    if v.outcome == "left" and (v.finished_at is None or v.finished_at <= at):
        return None  # gone; when, if the log does not say, is not known: not counted
    # A call at the very moment of the issue is the answer to it, not yet part of the state.
    called = v.called_at is not None and v.called_at < at
    prefix, _, number = v.ticket.rpartition("-")
    return Ticket(
        id=v.ticket,
        office="log",
        service=v.service,
        prefix=prefix or v.ticket,
        seq=row.index,
        day=v.issued_at.date(),
        token=v.ticket,
        lang="ja",
        priority=False,
        channel="log",
        status=Status.CALLED if called else Status.WAITING,
        issued_at=row.queued_at,
        queued_at=row.queued_at,
        counter=v.counter if called else None,
        called_at=v.called_at if called else None,
        transfers=0 if row.first else 1,
    )


def _on_break(
    rows: list[_Row],
    counters: list[Counter],
    open_ids: set[str],
    tickets: list[Ticket],
    now: datetime,
) -> list[LogEvent]:
    """`counter.paused` events for open counters idle while their line waits (see above)."""
    grace = now - timedelta(minutes=IDLE_GRACE_MIN)
    waited = {t.service for t in tickets if t.status is Status.WAITING and t.queued_at <= grace}
    busy = {t.counter for t in tickets if t.status is Status.CALLED}
    out = []
    for c in counters:
        if c.id not in open_ids or c.id in busy or not waited.intersection(c.services):
            continue
        ends = [
            e for r in rows if r.visit.counter == c.id and (e := r.ends) is not None and e <= now
        ]
        if ends and max(ends) <= grace:
            out.append(LogEvent("counter.paused", max(ends), counter=c.id))
    return out


def replay_day(visits: list[Visit], prior_min: Mapping[str, float]) -> list[Scored]:
    rows = _rows(visits)
    counters, hours = _counters(rows)
    events = _events(rows)
    times = [e.at for e in events]
    priors = {v.service: prior_min.get(v.service, DEFAULT_PRIOR_MIN) for v in visits}
    out = []
    for row in rows:
        v, now = row.visit, row.visit.issued_at
        if not row.first:
            continue
        tickets = [t for r in rows[: row.index + 1] if (t := _as_ticket(r, now)) is not None]
        mine = next(t for t in tickets if t.id == v.ticket and t.service == v.service)
        ahead = call_policy.position(mine, tickets) or 0
        window = events[
            bisect.bisect_left(
                times, now - timedelta(minutes=HOLD_WINDOW_MIN)
            ) : bisect.bisect_left(times, now)
        ]
        open_ids = {c for c, (a, b) in hours.items() if a <= now <= b}
        breaks = _on_break(rows, counters, open_ids, tickets, now)
        paused = {e.counter for e in breaks if e.counter}
        state = build_state(
            now, counters, open_ids - paused, tickets, priors, window + breaks, None, paused
        )
        if v.outcome != "served" or v.called_at is None:
            continue
        wait = (v.called_at - v.issued_at).total_seconds() / 60
        estimates = predict(state, v.service, ahead, priors[v.service])
        out.append(Scored(v.ticket, now, wait, estimates))
    return out


def replay(visits: list[Visit], prior_min: Mapping[str, float]) -> Report:
    """Each day of the log on its own (numbers restart every day), scored together."""
    days: dict[date, list[Visit]] = defaultdict(list)
    for v in visits:
        days[v.issued_at.date()].append(v)
    scored = [s for d in sorted(days) for s in replay_day(days[d], prior_min)]
    names = sorted(days)
    label = names[0].isoformat() if len(names) == 1 else f"{names[0]}..{names[-1]}"
    return report(label if names else "log", None, scored)
