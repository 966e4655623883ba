"""The reference office as this generator knows it, written from OFFICE.md alone.

Services with their prefix and the prior mean service time the design gives; counters with
the services they serve, in their order of preference; the day's hours. Daily volumes and the
spread of each service's times are this generator's own guesses, not the office's.
"""

from __future__ import annotations

import dataclasses


@dataclasses.dataclass(frozen=True)
class Service:
    id: str
    prefix: str
    mean_min: float  # OFFICE.md's prior mean service time
    sigma: float  # spread of log(service time)
    daily: float  # walk-in tickets on an ordinary day (load 1.0), before transfers
    patience_median_min: float  # how long half the visitors will wait before giving up


SERVICES: tuple[Service, ...] = (
    Service("moving", "A", 25.0, 0.75, 48.0, 150.0),
    Service("certificates", "B", 5.0, 0.65, 200.0, 60.0),
    Service("mynumber", "C", 20.0, 0.80, 10.0, 120.0),
    Service("koseki", "D", 30.0, 0.70, 11.0, 150.0),
    Service("insurance", "E", 15.0, 0.85, 33.0, 100.0),
    Service("childcare", "K", 15.0, 0.70, 52.0, 90.0),
    Service("nursery", "H", 20.0, 0.90, 20.0, 100.0),
)
BY_ID = {s.id: s for s in SERVICES}

# Counter id -> the services it calls, preferred first (OFFICE.md, "Counters").
COUNTERS: dict[str, tuple[str, ...]] = {
    "1": ("moving",),
    "2": ("moving",),
    "3": ("moving",),
    "4": ("certificates", "moving"),
    "5": ("certificates", "moving"),
    "6": ("certificates", "moving"),
    "7": ("mynumber",),
    "8": ("koseki",),
    "9": ("insurance",),
    "10": ("insurance",),
    "21": ("childcare",),
    "22": ("childcare",),
    "23": ("nursery",),
    "24": ("childcare", "nursery"),
}

# One-stop transfers after a served `moving` visit, with the share of visits that make each.
TRANSFERS: dict[str, tuple[tuple[str, float], ...]] = {
    "moving": (("insurance", 0.22), ("childcare", 0.10), ("mynumber", 0.12)),
}

# Minutes after midnight, local time (Asia/Tokyo, +09:00).
KIOSK_OPENS = 8 * 60 + 15  # a few tickets are issued before the counters open
OPENS = 8 * 60 + 30
LAST_TICKET = 16 * 60 + 30  # 受付終了
CLOSES = 17 * 60
HARD_STOP = 19 * 60  # whoever is still waiting then is sent home (logged as left)
