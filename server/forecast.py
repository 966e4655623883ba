"""The congestion forecast (混雑予想), pure: from an office's history, per service, a weekday ×
half-hour table of how many visitors join the line (per day, on average) and the median wait
of those served; and the best and worst half hours. The history is the office's own log
(``opendata.stays_from_events``) or, while that is thin, the simulated weeks the demo ships
(``server/offices/{office}-history.csv``, made by ``python -m server.forecast``).
"""

from __future__ import annotations

import argparse
import dataclasses
import statistics
import sys
from collections import defaultdict
from collections.abc import Iterable
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from server.domain.office import Office
from server.simulation.simulator import Visit

SLOT_MIN = 30
MIN_SAMPLES = 3  # served visits in a cell before its median wait is shown
# Heatmap levels by median wait: < 10, < 20, < 40, 40 minutes and more.
LEVEL_BOUNDS_MIN = (10.0, 20.0, 40.0)
# The demo's simulated weeks: Mondays and Fridays busier, midweek quieter (as ward offices
# report); on top of the simulator's normal day.
WEEKDAY_FACTOR = {0: 1.35, 1: 1.0, 2: 0.9, 3: 0.95, 4: 1.15}
DEMO_START = date(2025, 6, 2)  # a Monday; June has no national holidays


@dataclasses.dataclass(frozen=True, slots=True)
class Cell:
    arrivals: float  # visitors joining the line in this half hour, per day on average
    wait_min: float | None  # median wait of the served; None below MIN_SAMPLES
    served: int

    @property
    def level(self) -> int | None:
        if self.wait_min is None:
            return None
        return sum(1 for bound in LEVEL_BOUNDS_MIN if self.wait_min >= bound)


@dataclasses.dataclass(frozen=True, slots=True)
class Moment:
    weekday: int  # Monday = 0
    slot: time
    wait_min: float


@dataclasses.dataclass(frozen=True)
class ServiceForecast:
    service: str
    cells: dict[tuple[int, time], Cell]
    best: Moment | None
    worst: Moment | None


@dataclasses.dataclass(frozen=True)
class Forecast:
    source: str  # "own" (the office's log) or "simulated" (the shipped history)
    days: int  # business days of history
    first: date | None
    last: date | None
    weekdays: tuple[int, ...]
    slots: tuple[time, ...]
    services: dict[str, ServiceForecast]


def slots_of(office: Office) -> tuple[time, ...]:
    """Half hours from opening to the last cut-off (no ticket joins a line after it)."""
    last = max((s.cutoff for s in office.services.values()), default=office.closes)
    start = datetime.combine(date(2000, 1, 3), office.opens)
    end = datetime.combine(date(2000, 1, 3), last)
    out = []
    while start < end:
        out.append(start.time())
        start += timedelta(minutes=SLOT_MIN)
    return tuple(out)


def _slot(local: datetime) -> time:
    minute = local.minute - local.minute % SLOT_MIN
    return time(local.hour, minute)


def build_forecast(visits: Iterable[Visit], office: Office, source: str) -> Forecast:
    tz = ZoneInfo(office.timezone)
    weekdays = tuple(sorted(office.weekdays))
    slots = slots_of(office)
    joined: dict[tuple[str, int, time], int] = defaultdict(int)
    waits: dict[tuple[str, int, time], list[float]] = defaultdict(list)
    days: set[date] = set()
    for v in visits:
        local = v.issued_at.astimezone(tz)
        days.add(local.date())
        key = (v.service, local.weekday(), _slot(local))
        joined[key] += 1
        if v.outcome == "served" and v.called_at is not None:
            waits[key].append((v.called_at - v.issued_at).total_seconds() / 60)
    per_weekday = {w: sum(1 for d in days if d.weekday() == w) for w in weekdays}
    services = {}
    for service in office.services:
        cells = {}
        for w in weekdays:
            for slot in slots:
                key = (service, w, slot)
                seen = waits.get(key, [])
                cells[(w, slot)] = Cell(
                    arrivals=joined.get(key, 0) / per_weekday[w] if per_weekday[w] else 0.0,
                    wait_min=statistics.median(seen) if len(seen) >= MIN_SAMPLES else None,
                    served=len(seen),
                )
        services[service] = ServiceForecast(service, cells, *_extremes(cells))
    ordered = sorted(days)
    return Forecast(
        source,
        len(days),
        ordered[0] if ordered else None,
        ordered[-1] if ordered else None,
        weekdays,
        slots,
        services,
    )


def _extremes(cells: dict[tuple[int, time], Cell]) -> tuple[Moment | None, Moment | None]:
    """The half hours with the shortest and the longest median wait."""
    known = [(Moment(w, s, c.wait_min), c) for (w, s), c in cells.items() if c.wait_min is not None]
    if not known:
        return None, None
    # Many half hours have no wait at all: of those, the quietest is the best.
    best = min(known, key=lambda mc: (mc[0].wait_min, mc[1].arrivals, mc[0].weekday, mc[0].slot))
    worst = max(known, key=lambda mc: (mc[0].wait_min, -mc[0].weekday, _neg(mc[0].slot)))
    return best[0], worst[0]


def _neg(t: time) -> int:
    return -(t.hour * 60 + t.minute)


def simulated_history(office: Office, start: date, weeks: int, seed: int) -> list[Visit]:
    """`weeks` of simulated business days from `start` (weekdays only; no holiday
    calendar: pick weeks without holidays), each day its own seed."""
    from server.simulation.profile import NORMAL
    from server.simulation.simulator import simulate

    visits: list[Visit] = []
    for offset in range(weeks * 7):
        day = start + timedelta(days=offset)
        if day.weekday() not in office.weekdays:
            continue
        factor = WEEKDAY_FACTOR.get(day.weekday(), 1.0)
        profile = dataclasses.replace(
            NORMAL,
            name=f"history-{day}",
            day=day,
            arrivals={s: n * factor for s, n in NORMAL.arrivals.items()},
        )
        visits += simulate(office, profile, seed * 1000 + offset).visits
    return visits


def main(argv: list[str] | None = None) -> int:
    """python -m server.forecast --weeks 4 --out server/offices/nakano-history.csv"""
    from server.office_file import load_office
    from server.simulation.log import write_log

    p = argparse.ArgumentParser(prog="python -m server.forecast", description=main.__doc__)
    p.add_argument("--office", metavar="FILE", help="office TOML file (default: the demo)")
    p.add_argument("--weeks", type=int, default=4)
    p.add_argument("--seed", type=int, default=1)
    p.add_argument("--start", type=date.fromisoformat, default=DEMO_START)
    p.add_argument("--out", required=True)
    args = p.parse_args(argv)
    office = load_office(args.office)
    visits = simulated_history(office, args.start, args.weeks, args.seed)
    with open(args.out, "w", encoding="utf-8", newline="") as out:
        write_log(visits, out)
    print(f"{len(visits)} rows, {args.weeks} weeks from {args.start}: {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
