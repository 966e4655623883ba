"""Imported history (history_visit), on SQLAlchemy Core: rows of a past log in the format of
log.csv, written by `madoguchi history import` through the writer, read with the event log
by the reports, the log export, open data and the forecast (server/web/history.py)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime

from sqlalchemy import Connection, insert, select

from .convert import utc
from .tables import HistoryVisitRow

HISTORY = HistoryVisitRow.__table__  # type: ignore[attr-defined]


@dataclasses.dataclass(frozen=True)
class PastVisit:
    """One row of an imported log: one ticket's stay in one service's line."""

    day: date  # the office day the ticket was issued
    ticket: str
    service: str
    issued_at: datetime  # issued, or transferred into this service
    called_at: datetime | None
    finished_at: datetime | None
    counter: str | None
    outcome: str

    @property
    def key(self) -> tuple[date, str, str, datetime]:
        return (self.day, self.ticket, self.service, self.issued_at.astimezone(UTC))


def _utc(at: datetime | None) -> datetime | None:
    # SQLite keeps a datetime's wall time and drops its offset: always write UTC.
    return None if at is None else at.astimezone(UTC)


def add(conn: Connection, office: str, visits: list[PastVisit]) -> int:
    """Store the visits not stored yet (by office, day, number, service and time of joining
    the line); returns how many were new."""
    if not visits:
        return 0
    days = [v.day for v in visits]
    have = {v.key for v in between(conn, office, min(days), max(days))}
    new: dict[tuple[date, str, str, datetime], PastVisit] = {}
    for v in visits:
        if v.key not in have:
            new.setdefault(v.key, v)
    if new:
        conn.execute(
            insert(HISTORY),
            [
                {
                    "office": office,
                    "day": v.day,
                    "ticket": v.ticket,
                    "service": v.service,
                    "issued_at": _utc(v.issued_at),
                    "called_at": _utc(v.called_at),
                    "finished_at": _utc(v.finished_at),
                    "counter": v.counter,
                    "outcome": v.outcome,
                }
                for v in new.values()
            ],
        )
    return len(new)


def between(conn: Connection, office: str, first: date, last: date) -> list[PastVisit]:
    """The office's imported visits of the days `first` to `last`, in time order."""
    query = (
        select(HISTORY)
        .where(HISTORY.c.office == office, HISTORY.c.day >= first, HISTORY.c.day <= last)
        .order_by(HISTORY.c.issued_at, HISTORY.c.ticket)
    )
    out = []
    for row in conn.execute(query):
        issued_at = utc(row.issued_at)
        assert issued_at is not None  # the column is NOT NULL
        out.append(
            PastVisit(
                row.day,
                row.ticket,
                row.service,
                issued_at,
                utc(row.called_at),
                utc(row.finished_at),
                row.counter,
                row.outcome,
            )
        )
    return out
