"""`madoguchi history import FILE.csv`: a past log in the format of log.csv into the office's
history (server/store/history.py), so a ward moving from its old ticket system keeps its
reports and its forecast. A row that cannot be used is named with its line and the reason;
the rest is imported; a row already imported (same day, number, service and time of joining
the line) is left as it is, so importing a file twice changes nothing."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from zoneinfo import ZoneInfo

from server.domain.office import Office
from server.simulation.log import read_log_rows
from server.simulation.simulator import Visit
from server.store import history
from server.store.history import PastVisit
from server.store.unit_of_work import Tx, Writer


@dataclasses.dataclass(frozen=True)
class Imported:
    rows: int  # rows read that could be used
    added: int  # of them, not imported before
    problems: list[str]  # "line N: reason", in line order


def problem(visit: Visit, office: Office) -> str | None:
    """Why a row that parses still cannot be used, or None."""
    if visit.service not in office.services:
        known = ", ".join(office.services)
        return f"service {visit.service!r} is not one of the office's services ({known})"
    if visit.counter is not None and visit.counter not in office.counters:
        return f"counter {visit.counter!r} is not one of the office's counters"
    if visit.called_at is not None and visit.called_at < visit.issued_at:
        return "called_at is before issued_at"
    if visit.finished_at is not None and visit.finished_at < visit.issued_at:
        return "finished_at is before issued_at"
    if visit.called_at and visit.finished_at and visit.finished_at < visit.called_at:
        return "finished_at is before called_at"
    if visit.outcome == "served" and visit.called_at is None:
        return "a served row needs called_at"
    return None


def past_visits(text: str, office: Office) -> tuple[list[PastVisit], list[tuple[int, str]]]:
    """The usable rows as history, and (line, reason) for each of the others."""
    tz = ZoneInfo(office.timezone)
    rows, errors = read_log_rows(text)
    problems = [(e.line, str(e)) for e in errors]
    out = []
    for line, v in rows:
        reason = problem(v, office)
        if reason is not None:
            problems.append((line, f"line {line}: {reason}"))
            continue
        day = v.issued_at.astimezone(tz).date()
        out.append(
            PastVisit(
                day,
                v.ticket,
                v.service,
                v.issued_at,
                v.called_at,
                v.finished_at,
                v.counter,
                v.outcome,
            )
        )
    return out, sorted(problems)


def import_log(writer: Writer, office: Office, text: str, now: datetime) -> Imported:
    visits, problems = past_visits(text, office)

    def add(tx: Tx) -> int:
        return history.add(tx.conn, office.id, visits)

    added = writer.run_sync(None, add, now).result
    return Imported(len(visits), added, [message for _, message in problems])
