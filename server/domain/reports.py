"""The reports' arithmetic (集計), pure: records in, rows out (docs/admin.md, "Reports").

A *record* is one ticket's stay in one service's line (a row of log.csv): a ticket sent on
to another service has one record per service. It counts on the office day, and in the
hour, it joined the line (its issue; for a ticket transferred in, the transfer). Per group:

- ``tickets``: tickets issued (records that did not come by transfer); ``transferred_in``
  the others; ``tickets + transferred_in = served + no_show + left + waiting``.
- ``served``, ``no_show``, ``left``: how the records ended (a record ended by a transfer
  was served); ``waiting``: still in line or at a counter (today only).
- ``transfers``: records ended by sending the ticket on to another service.
- ``wait``: first call − joining the line; ``service``: finish − first call; both over
  served records only, in minutes rounded to 0.01; percentiles by nearest rank.
- ``called_within_target``: served records whose wait was at most the target;
  ``within_target_share`` = that / served, rounded to 0.001.
"""

from __future__ import annotations

import dataclasses
import enum
import math
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

WAIT_TARGET_MIN = 30.0  # the default target wait: called within half an hour
OUTCOMES = ("served", "no_show", "left", "waiting")

FIELDS = [
    "key",
    "tickets",
    "served",
    "no_show",
    "left",
    "transfers",
    "wait_mean_min",
    "wait_p50_min",
    "wait_p90_min",
    "service_mean_min",
    "transferred_in",
    "waiting",
    "called_within_target",
    "within_target_share",
]
TOTAL_KEY = "total"


class Grouping(enum.StrEnum):
    DAY = "day"
    HOUR = "hour"
    SERVICE = "service"
    COUNTER = "counter"
    CLERK = "clerk"


@dataclasses.dataclass(frozen=True)
class Record:
    """One ticket's stay in one service's line."""

    ticket: str  # the number, "A-023" (numbers restart every day)
    service: str
    joined_at: datetime  # issued, or transferred into this service
    outcome: str  # one of OUTCOMES
    called_at: datetime | None = None  # the first call
    finished_at: datetime | None = None  # finished, or sent on by a transfer
    counter: str | None = None  # of the last call
    clerk: str | None = None  # who served it (None: unknown, e.g. imported)
    transferred_in: bool = False
    transferred_out: bool = False

    @property
    def wait_min(self) -> float | None:
        if self.outcome != "served" or self.called_at is None:
            return None
        return (self.called_at - self.joined_at).total_seconds() / 60

    @property
    def service_min(self) -> float | None:
        if self.outcome != "served" or self.called_at is None or self.finished_at is None:
            return None
        return (self.finished_at - self.called_at).total_seconds() / 60


@dataclasses.dataclass(frozen=True)
class Report:
    by: Grouping
    rows: list[dict[str, Any]]
    total: dict[str, Any]


def nearest_rank(values: list[float], share: float) -> float:
    """The smallest value with at least `share` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(math.ceil(share * len(ordered)) - 1, 0)]


def _minutes(value: float | None) -> float | None:
    return None if value is None else round(value, 2)


def figures(key: str, records: list[Record], target_min: float) -> dict[str, Any]:
    """One row: the figures of these records."""
    waits = [w for r in records if (w := r.wait_min) is not None]
    times = [m for r in records if (m := r.service_min) is not None]
    served = sum(1 for r in records if r.outcome == "served")
    within = sum(1 for w in waits if w <= target_min)
    row: dict[str, Any] = {
        "key": key,
        "tickets": sum(1 for r in records if not r.transferred_in),
        "served": served,
        "no_show": sum(1 for r in records if r.outcome == "no_show"),
        "left": sum(1 for r in records if r.outcome == "left"),
        "transfers": sum(1 for r in records if r.transferred_out),
        "wait_mean_min": _minutes(sum(waits) / len(waits) if waits else None),
        "wait_p50_min": _minutes(nearest_rank(waits, 0.5) if waits else None),
        "wait_p90_min": _minutes(nearest_rank(waits, 0.9) if waits else None),
        "service_mean_min": _minutes(sum(times) / len(times) if times else None),
        "transferred_in": sum(1 for r in records if r.transferred_in),
        "waiting": sum(1 for r in records if r.outcome == "waiting"),
        "called_within_target": within,
        "within_target_share": round(within / len(waits), 3) if waits else None,
    }
    return row


def key_of(record: Record, by: Grouping, tz: ZoneInfo) -> str:
    """The group a record falls in; "" where it has none (never called, clerk unknown)."""
    local = record.joined_at.astimezone(tz)
    if by is Grouping.DAY:
        return local.date().isoformat()
    if by is Grouping.HOUR:
        return f"{local.hour:02d}"
    if by is Grouping.SERVICE:
        return record.service
    if by is Grouping.COUNTER:
        return record.counter or ""
    return record.clerk or ""


def report(
    records: Iterable[Record],
    by: Grouping,
    timezone: str,
    target_min: float = WAIT_TARGET_MIN,
    order: list[str] | None = None,
) -> Report:
    """Rows by `by`, in `order` where a key is in it, then by key; "" last."""
    tz = ZoneInfo(timezone)
    every = list(records)
    groups: dict[str, list[Record]] = defaultdict(list)
    for r in every:
        groups[key_of(r, by, tz)].append(r)
    rank = {key: i for i, key in enumerate(order or [])}

    def sort_key(key: str) -> tuple[int, int, str]:
        return (key == "", rank.get(key, len(rank)), key)

    rows = [figures(k, groups[k], target_min) for k in sorted(groups, key=sort_key)]
    return Report(by, rows, figures(TOTAL_KEY, every, target_min))


def mark_transfers(records: Iterable[Record], timezone: str) -> list[Record]:
    """Which records came by transfer and which were sent on, from the records alone: a
    number seen again on the same office day is the same ticket, sent on (log.csv's rule)."""
    tz = ZoneInfo(timezone)
    tickets: dict[tuple[date, str], list[Record]] = defaultdict(list)
    for r in sorted(records, key=lambda r: r.joined_at):
        tickets[(r.joined_at.astimezone(tz).date(), r.ticket)].append(r)
    out = []
    for stays in tickets.values():
        last = len(stays) - 1
        out += [
            dataclasses.replace(r, transferred_in=i > 0, transferred_out=i < last)
            for i, r in enumerate(stays)
        ]
    out.sort(key=lambda r: (r.joined_at, r.ticket))
    return out
