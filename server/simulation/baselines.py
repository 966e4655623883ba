"""The estimators ours is measured against: two as wards run them today, and the delay of
the last visitor to enter service (LES), the simplest of the delay-history estimators
(Ibrahim & Whitt, "Real-time delay estimation based on delay history", 2009).

Each gives a point; their range is the old placeholder's (0.7 to 1.4 times the point, in
steps of five minutes), so coverage can be compared too.
"""

from __future__ import annotations

import math

from server.domain.estimate import ROUND_MIN, Estimate
from server.domain.queue_state import QueueState

LOW_FACTOR = 0.7
HIGH_FACTOR = 1.4


def _ranged(point: float) -> Estimate:
    low = int(math.floor(point * LOW_FACTOR / ROUND_MIN) * ROUND_MIN)
    high = int(math.ceil(point * HIGH_FACTOR / ROUND_MIN) * ROUND_MIN)
    return Estimate(low, max(high, low + ROUND_MIN), round(point, 1))


def queue_length(state: QueueState, service: str, ahead: int, mean_service_min: float) -> Estimate:
    """People ahead times the mean service time, shared by the counters open for it."""
    counters = max(len(state.counters_for(service)), 1)
    return _ranged(ahead * mean_service_min / counters)


def head_of_line(state: QueueState, service: str) -> Estimate:
    """How long the ticket at the head of the line has waited so far."""
    return _ranged(state.head_waited_min.get(service, 0.0))


def last_to_enter_service(state: QueueState, service: str) -> Estimate:
    """How long the last ticket called from the line had waited (its first call, within
    the state's history window of an hour; none: zero)."""
    waits = state.history_of(service).recent_waits_min
    return _ranged(waits[-1] if waits else 0.0)
