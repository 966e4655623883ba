"""Wait estimates, shown as a range (約20〜30分), never as false precision.

A simple estimator for now: people ahead times the mean service time, shared by the
counters open for the service. The real estimator (recent service times, no-show rate,
delay of recent tickets) replaces this one behind the same signature.
"""

from __future__ import annotations

import dataclasses
import math

ROUND_MIN = 5
LOW_FACTOR = 0.7
HIGH_FACTOR = 1.4


@dataclasses.dataclass(frozen=True, slots=True)
class Estimate:
    low_min: int
    high_min: int

    def as_dict(self) -> dict[str, int]:
        return {"low_min": self.low_min, "high_min": self.high_min}


def estimate_wait(ahead: int, mean_service_min: float, open_counters: int) -> Estimate:
    """Minutes until a ticket with `ahead` people before it is called."""
    if ahead <= 0:
        return Estimate(0, ROUND_MIN)
    counters = max(open_counters, 1)
    centre = ahead * mean_service_min / counters
    low = int(math.floor(centre * LOW_FACTOR / ROUND_MIN) * ROUND_MIN)
    high = int(math.ceil(centre * HIGH_FACTOR / ROUND_MIN) * ROUND_MIN)
    return Estimate(low, max(high, low + ROUND_MIN))
