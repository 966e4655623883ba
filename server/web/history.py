"""The office's own history read from its event log, for the forecast, the log export and
open data; and the forecast, kept for the day (it changes only as days are added)."""

from __future__ import annotations

import dataclasses
import threading
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

from server.domain.office import Office
from server.forecast import Forecast, build_forecast
from server.opendata import Stay, settle, stays_from_events
from server.simulation.log import read_log
from server.store import event_log, history
from server.store.engine import Engines
from server.store.history import PastVisit

OFFICES_DIR = Path(__file__).resolve().parent.parent / "offices"
FORECAST_WEEKS = 8  # the forecast reads this much of the office's own log
MIN_OWN_DAYS = 10  # fewer business days of its own than this: the shipped history is used


def day_bounds(office: Office, first: date, last: date) -> tuple[datetime, datetime]:
    """From the start of `first` to the end of `last`, local days, in UTC."""
    tz = ZoneInfo(office.timezone)
    start = datetime.combine(first, time(0), tz).astimezone(UTC)
    end = datetime.combine(last + timedelta(days=1), time(0), tz).astimezone(UTC)
    return start, end


def read_stays(
    engines: Engines,
    office: Office,
    first: date,
    last: date,
    today: date,
    keep_today: bool = False,
) -> list[Stay]:
    """The stays of tickets issued from `first` to `last` (local days), as the log says,
    and, for the days it has no ticket of, as the imported history says. Today's tickets
    still in line are left out (kept, as waiting, with `keep_today`); past days' are `left`."""
    start, end = day_bounds(office, first, last)
    with engines.reader.connect() as conn, conn.begin():
        # Events after `last` still finish the tickets issued by then.
        events = event_log.ticket_events(conn, office.id, start, end + timedelta(days=1))
        past = history.between(conn, office.id, first, last)
    stays = [s for s in stays_from_events(events) if s.issued_at < end]
    return with_imported(settle(stays, today, office.timezone, keep_today), past, office)


def with_imported(live: list[Stay], past: list[PastVisit], office: Office) -> list[Stay]:
    """The live stays, and the imported ones of the days without a live stay: a day is
    told once, by the event log if it has it (an office importing its own log.csv, or an
    overlap with its old system, counts nothing twice)."""
    tz = ZoneInfo(office.timezone)
    live_days = {s.issued_at.astimezone(tz).date() for s in live}
    seen: set[tuple[date, str]] = set()
    imported = []
    for v in past:  # in time order: a number seen again that day was transferred
        if v.day in live_days:
            continue
        imported.append(
            Stay(
                v.ticket,
                v.service,
                v.issued_at,
                transferred=(v.day, v.ticket) in seen,
                called_at=v.called_at,
                finished_at=v.finished_at,
                counter=v.counter,
                outcome=v.outcome,
                first_called_at=v.called_at,
            )
        )
        seen.add((v.day, v.ticket))
    return sorted(live + imported, key=lambda s: (s.issued_at, s.ticket))


@dataclasses.dataclass
class _Kept:
    day: date
    forecast: Forecast


class ForecastSource:
    """One forecast per business day: from the office's own log once it holds
    MIN_OWN_DAYS business days, else from the shipped simulated history."""

    def __init__(self, engines: Engines, office: Office) -> None:
        self.engines = engines
        self.office = office
        self._lock = threading.Lock()
        self._kept: _Kept | None = None

    def get(self, today: date) -> Forecast:
        with self._lock:
            if self._kept is None or self._kept.day != today:
                self._kept = _Kept(today, self._build(today))
            return self._kept.forecast

    def _build(self, today: date) -> Forecast:
        yesterday = today - timedelta(days=1)
        own = read_stays(
            self.engines, self.office, today - timedelta(weeks=FORECAST_WEEKS), yesterday, today
        )
        forecast = build_forecast((s.as_visit() for s in own), self.office, "own")
        shipped = OFFICES_DIR / f"{self.office.id}-history.csv"
        if forecast.days >= MIN_OWN_DAYS or not shipped.exists():
            return forecast
        visits = read_log(shipped.read_text(encoding="utf-8"))
        return build_forecast(visits, self.office, "simulated")
