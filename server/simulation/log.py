"""The day's log as CSV: written by the simulator and the open data, read back for the
history import, the forecast and the replay (server/simulation/replay.py).

One row per ticket and service it waited for: `ticket, service, issued_at, called_at,
finished_at, counter, outcome` (ISO 8601 with offset; `outcome` is served, no_show or left;
empty where it never happened). A number that appears again is a transfer: its second row
starts when it joined the new service's line, and keeps its first place in time there.
`called_at` is the call that was answered (for a no-show, the last call); `finished_at` is
when the counter let the visitor go, or, for `left`, when they gave up, if known.

`read_log_rows` holds a log to exactly that header (the history import stores what it
reads); `read_rows` takes any log whose header names at least `ticket`, `service` (or
`queue`) and `issued_at`, in any order, as real ticket systems export them, and reports each
row it cannot use instead of stopping (docs/estimator.md, "Replaying a log").
"""

from __future__ import annotations

import csv
import dataclasses
import io
from collections.abc import Iterable
from datetime import datetime, timedelta, tzinfo
from typing import Any

from .simulator import Visit

FIELDS = ["ticket", "service", "issued_at", "called_at", "finished_at", "counter", "outcome"]
REQUIRED = ("ticket", "service", "issued_at")
ALIASES = {"queue": "service"}  # ticket systems call a service's line its queue
OUTCOMES = frozenset({"served", "no_show", "left"})
# Clocks of a kiosk and a counter PC disagree by seconds, sometimes a minute: a call or a
# finish this much before the time it follows is taken as that time (a wait of zero);
# farther out of order, the row is reported and left out.
SKEW_TOLERANCE = timedelta(minutes=2)


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


def _time(
    value: str,
    line: int,
    field: str,
    required: bool = False,
    tz: tzinfo | None = None,
    zones: dict[timedelta | None, tzinfo] | None = None,
) -> datetime | None:
    if not value:
        if required:
            raise LogError(f"line {line}: {field} is empty", line)
        return None
    try:
        at = datetime.fromisoformat(value)
    except ValueError:
        raise LogError(f"line {line}: {field} {value!r} is not an ISO 8601 time", line) from None
    if at.tzinfo is None and tz is not None:
        return at.replace(tzinfo=tz)
    if at.tzinfo is None:
        raise LogError(f"line {line}: {field} {value!r} has no UTC offset", line)
    # One tzinfo object per offset (`zones`): times with the same one compare without asking
    # it for their offsets, which was a tenth of a replay.
    if zones is None:
        return at
    return at.replace(tzinfo=zones.setdefault(at.utcoffset(), at.tzinfo))


@dataclasses.dataclass(frozen=True, slots=True)
class Row:
    """One usable row of a log, its times in order (called_at and finished_at never before
    what they follow); None where the log is blank or has no such column."""

    line: int
    ticket: str
    service: str
    issued_at: datetime
    called_at: datetime | None = None
    finished_at: datetime | None = None
    counter: str | None = None
    outcome: str | None = None  # served, no_show, left; None: not said


def read_rows(text: str, tz: tzinfo | None = None) -> tuple[list[Row], list[LogError]]:
    """Every usable row, and one error per row that is not (or one for a header without the
    required columns). Times without an offset are read in `tz`, if given."""
    reader = csv.reader(io.StringIO(text.lstrip("\ufeff")))
    header = next(reader, None)
    names = [ALIASES.get(h.strip().lower(), h.strip().lower()) for h in header or []]
    missing = [f for f in REQUIRED if f not in names]
    if missing:
        return [], [
            LogError(f"the header must name {', '.join(REQUIRED)} (missing: {', '.join(missing)})")
        ]
    where = {f: names.index(f) for f in FIELDS if f in names}
    rows, errors = [], []
    zones: dict[timedelta | None, tzinfo] = {}
    for fields in reader:
        if not any(f.strip() for f in fields):
            continue  # a blank line is no row
        try:
            rows.append(_row(fields, where, len(names), reader.line_num, (tz, zones)))
        except LogError as e:
            errors.append(e)
    return rows, errors


def _row(
    fields: list[str],
    where: dict[str, int],
    width: int,
    line: int,
    zone: tuple[tzinfo | None, dict[timedelta | None, tzinfo]],
) -> Row:
    if len(fields) > width:
        raise LogError(f"line {line}: more than {width} fields", line)

    def cell(name: str) -> str:
        i = where.get(name)
        return fields[i].strip() if i is not None and i < len(fields) else ""

    ticket, service, outcome = cell("ticket"), cell("service"), cell("outcome").lower()
    for name, value in (("ticket", ticket), ("service", service)):
        if not value:
            raise LogError(f"line {line}: {name} is empty", line)
    if outcome and outcome not in OUTCOMES:
        raise LogError(f"line {line}: outcome {outcome!r} is not one of {sorted(OUTCOMES)}", line)
    tz, zones = zone
    issued = _time(cell("issued_at"), line, "issued_at", required=True, tz=tz, zones=zones)
    assert issued is not None
    called = _after(
        _time(cell("called_at"), line, "called_at", tz=tz, zones=zones),
        issued,
        line,
        "called_at",
        "issued_at",
    )
    finished = _time(cell("finished_at"), line, "finished_at", tz=tz, zones=zones)
    if called is not None:
        finished = _after(finished, called, line, "finished_at", "called_at")
    else:
        finished = _after(finished, issued, line, "finished_at", "issued_at")
    return Row(
        line, ticket, service, issued, called, finished, cell("counter") or None, outcome or None
    )


def _after(
    at: datetime | None, since: datetime, line: int, field: str, other: str
) -> datetime | None:
    """`at`, or `since` if `at` is before it by no more than the clocks' skew."""
    if at is None or at >= since:
        return at
    if since - at <= SKEW_TOLERANCE:
        return since
    gap = (since - at).total_seconds() / 60
    raise LogError(f"line {line}: {field} is {gap:.0f} min before {other}", line)
