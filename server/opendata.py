"""The office's own history, read back from its event log (pure): one *stay* per ticket and
service it waited for, the log export (`ticket,service,issued_at,...`, the same CSV that
`madoguchi simulate --log-out` writes and `madoguchi estimator-eval` reads), and the open
data: per day, hour and service, tickets issued, served and no-shows, the median and 90th
percentile wait and the median service time. No personal data: numbers and times only.

Events come as the store gives them (``store.event_log``: ``type``, ``at``,
``ticket`` id, ``number``, ``service``, ``counter`` and the event's data flattened in).
See docs/opendata.md for the columns.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import statistics
from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from server.domain.reports import nearest_rank
from server.simulation.log import write_log
from server.simulation.simulator import Visit

DAILY_FIELDS = [
    "date",
    "hour",
    "service",
    "issued",
    "transferred_in",
    "served",
    "no_show",
    "left",
    "wait_median_min",
    "wait_p90_min",
    "service_median_min",
]


@dataclasses.dataclass
class Stay:
    """One ticket's stay in one service's line (a row of the log), with when its service
    started, which the log's columns leave out but open data's service time needs."""

    ticket: str  # the number, "A-023"
    service: str
    issued_at: datetime  # issued, or transferred into this service
    transferred: bool = False
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    counter: str | None = None
    outcome: str = "waiting"  # served, no_show, left; waiting while not known
    first_called_at: datetime | None = None  # the reports' wait runs to the first call
    clerk: str | None = None  # who finished it (or sent it on), else who last called it

    def as_visit(self) -> Visit:
        return Visit(
            self.ticket,
            self.service,
            self.issued_at,
            self.called_at,
            self.finished_at,
            self.counter,
            self.outcome,
        )

    @property
    def wait_min(self) -> float | None:
        if self.outcome != "served" or self.called_at is None:
            return None
        return (self.called_at - self.issued_at).total_seconds() / 60

    @property
    def service_min(self) -> float | None:
        if self.outcome != "served" or self.started_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.started_at).total_seconds() / 60


def _at(value: Any) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(value)


def stays_from_events(events: Iterable[Mapping[str, Any]]) -> list[Stay]:
    """Replay the log, oldest first, into stays. A transfer ends the stay at the first
    service (served there) and starts one at the next; a returned no-show waits again and
    its stay takes its last call. Pickup (ready, handed over) is after the stay and not in it."""
    current: dict[str, Stay] = {}
    out: list[Stay] = []
    for e in events:
        kind, key = e["type"], e.get("ticket")
        if key is None or not kind.startswith("ticket."):
            continue
        at = _at(e["at"])
        if kind == "ticket.issued":
            stay = Stay(e.get("number") or key, e["service"], at)
            current[key] = stay
            out.append(stay)
            continue
        stay_or_none = current.get(key)
        if stay_or_none is None:
            continue  # the ticket was issued before the range read
        stay = stay_or_none
        if kind == "ticket.called":
            stay.called_at, stay.counter = at, e.get("counter")
            stay.first_called_at = stay.first_called_at or at
            stay.clerk = e.get("actor") or stay.clerk
        elif kind == "ticket.started":
            stay.started_at = at
        elif kind in ("ticket.finished", "ticket.preparing"):
            stay.finished_at, stay.outcome = at, "served"
            stay.clerk = e.get("actor") or stay.clerk
        elif kind == "ticket.no_show":
            stay.outcome = "no_show"
        elif kind == "ticket.returned":
            stay.outcome = "waiting"
        elif kind == "ticket.cancelled":
            stay.finished_at, stay.outcome = at, "left"
        elif kind == "ticket.transferred":
            stay.finished_at, stay.outcome = at, "served"
            stay.clerk = e.get("actor") or stay.clerk
            nxt = Stay(stay.ticket, e.get("to") or e["service"], at, transferred=True)
            current[key] = nxt
            out.append(nxt)
    out.sort(key=lambda s: (s.issued_at, s.ticket))
    return out


def settle(
    stays: Iterable[Stay], today: date, timezone: str, keep_today: bool = False
) -> list[Stay]:
    """Stays whose end the log does not know: of a past day, the visitor left (the day
    closed with them in line); of today, they are still in line and left out (kept as
    waiting with `keep_today`)."""
    tz = ZoneInfo(timezone)
    out = []
    for s in stays:
        if s.outcome == "waiting":
            if s.issued_at.astimezone(tz).date() >= today:
                if keep_today:
                    out.append(s)
                continue
            s = dataclasses.replace(s, outcome="left")
        out.append(s)
    return out


def log_csv(stays: Iterable[Stay], timezone: str) -> str:
    """The log export, its times in the office's own time with the offset."""
    tz = ZoneInfo(timezone)

    def local(at: datetime | None) -> datetime | None:
        return at.astimezone(tz) if at is not None else None

    visits = (
        dataclasses.replace(
            s.as_visit(),
            issued_at=s.issued_at.astimezone(tz),
            called_at=local(s.called_at),
            finished_at=local(s.finished_at),
        )
        for s in stays
    )
    out = io.StringIO()
    write_log(visits, out)
    return out.getvalue()


def percentile(values: list[float], share: float) -> float:
    """Nearest rank: the smallest value with at least `share` of the values at or below it."""
    return nearest_rank(values, share)


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def daily_rows(stays: Iterable[Stay], timezone: str) -> list[dict[str, Any]]:
    """Per day, hour (local, of joining the line) and service. Waits and service times are of
    the served stays that joined in that hour; empty (None) where there are none."""
    tz = ZoneInfo(timezone)
    groups: dict[tuple[date, int, str], list[Stay]] = defaultdict(list)
    for s in stays:
        local = s.issued_at.astimezone(tz)
        groups[(local.date(), local.hour, s.service)].append(s)
    rows = []
    for (day, hour, service), group in sorted(groups.items()):
        waits = [w for s in group if (w := s.wait_min) is not None]
        times = [m for s in group if (m := s.service_min) is not None]
        rows.append(
            {
                "date": day.isoformat(),
                "hour": hour,
                "service": service,
                "issued": sum(1 for s in group if not s.transferred),
                "transferred_in": sum(1 for s in group if s.transferred),
                "served": sum(1 for s in group if s.outcome == "served"),
                "no_show": sum(1 for s in group if s.outcome == "no_show"),
                "left": sum(1 for s in group if s.outcome == "left"),
                "wait_median_min": _minutes(statistics.median(waits) if waits else None),
                "wait_p90_min": _minutes(percentile(waits, 0.9) if waits else None),
                "service_median_min": _minutes(statistics.median(times) if times else None),
            }
        )
    return rows


def daily_csv(rows: Iterable[Mapping[str, Any]]) -> str:
    out = io.StringIO()
    writer = csv.DictWriter(out, DAILY_FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if row[k] is None else row[k] for k in DAILY_FIELDS})
    return out.getvalue()
