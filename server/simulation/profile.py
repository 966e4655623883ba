"""What a simulated day looks like: who comes when, for what, and how long it takes.

Figures from the design's OFFICE.md (the demo office modelled on Nakano City Hall): prior
service times, the busiest hours (mornings and 11:00-14:00), the day's transfers; volumes
chosen so a normal day keeps the counters busy but not swamped, and a peak day (March and
April, Mondays, month ends) brings 1.6 times as many visitors, a quarter of whom are gone
when their number comes up.
"""

from __future__ import annotations

import dataclasses
from datetime import date, time

# Relative arrivals per half hour from 08:30 to 16:30 (受付終了): a morning rush, a lull
# before lunch, the 13:00 rush, then the afternoon emptying out.
ARRIVAL_SHAPE = (0.8, 1.2, 1.4, 1.4, 1.3, 1.2, 1.1, 1.0, 1.1, 1.3, 1.3, 1.1, 0.9, 0.8, 0.6, 0.4)
FIRST_ARRIVAL = time(8, 30)


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceTime:
    mean_min: float
    cv: float  # standard deviation / mean; a lognormal distribution


@dataclasses.dataclass(frozen=True, slots=True)
class DayProfile:
    name: str
    day: date
    arrivals: dict[str, float]  # service -> tickets issued over the day (direct, not transfers)
    service_times: dict[str, ServiceTime]
    no_show: float  # share of calls the visitor does not answer
    returns: float  # share of no-shows who come back later and are put back in line
    priority: float  # share of tickets for priority visitors (配慮が必要な方)
    transfers: dict[str, dict[str, float]]  # from -> to -> share of served visits
    # (counter, from, to): counters closed for lunch in two shifts, so the floor stays staffed.
    lunch: tuple[tuple[str, time, time], ...]
    walk_min: tuple[float, float] = (0.3, 1.5)  # from the call to sitting at the counter
    no_show_hold_min: tuple[float, float] = (1.5, 3.0)  # recall once, then move on
    pickup_min: tuple[float, float] = (6.0, 14.0)  # a certificate made in the back office
    return_after_min: tuple[float, float] = (5.0, 30.0)
    # service -> bookings (予約) over the day, in its slots; each visitor checks in this
    # many minutes after the slot's start (negative: early).
    bookings: dict[str, float] = dataclasses.field(default_factory=dict)
    check_in_min: tuple[float, float] = (-20.0, 15.0)


SERVICE_TIMES = {
    "moving": ServiceTime(25, 0.45),  # 15-45 min, up to 60 with linked procedures
    "certificates": ServiceTime(5, 0.5),  # about 4 min in a city's process study
    "mynumber": ServiceTime(20, 0.4),
    "koseki": ServiceTime(30, 0.35),  # about 30 min of checking
    "insurance": ServiceTime(15, 0.5),
    "childcare": ServiceTime(15, 0.5),
    "nursery": ServiceTime(20, 0.45),
}
NORMAL_ARRIVALS = {
    "moving": 40,
    "certificates": 130,
    "mynumber": 8,
    "koseki": 7,
    "insurance": 24,
    "childcare": 26,
    "nursery": 14,
}
TRANSFERS = {"moving": {"insurance": 0.15, "childcare": 0.08, "mynumber": 0.07}}
LUNCH = (
    *((c, time(11, 30), time(12, 30)) for c in ("1", "4", "9", "21")),
    *((c, time(12, 30), time(13, 30)) for c in ("2", "5", "10", "22")),
)
PEAK_FACTOR = 1.6

NORMAL = DayProfile(
    name="normal",
    day=date(2025, 6, 11),  # a Wednesday in June
    arrivals=dict(NORMAL_ARRIVALS),
    service_times=SERVICE_TIMES,
    no_show=0.05,
    returns=0.2,
    priority=0.03,
    transfers=TRANSFERS,
    lunch=LUNCH,
)
PEAK = dataclasses.replace(
    NORMAL,
    name="peak",
    day=date(2025, 3, 31),  # the Monday at the end of March
    arrivals={s: n * PEAK_FACTOR for s, n in NORMAL_ARRIVALS.items()},
    no_show=0.25,
)
# A normal day on which My Number cards are also booked: twenty bookings in its slots.
BOOKINGS = dataclasses.replace(NORMAL, name="bookings", bookings={"mynumber": 20})
PROFILES = {p.name: p for p in (NORMAL, PEAK, BOOKINGS)}
