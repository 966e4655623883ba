"""Wait estimates: when will the ticket with `ahead` people before it be called?

A look-ahead over the counters that serve the ticket's service: each open counter becomes
free when the visit it holds ends (its expected rest), then takes, by the call policy's own
rule, the first of its services that has someone waiting. Shared counters are so counted
fairly: counters 4-6 take the certificates line first, and serve moving only while no
certificate is waiting, including certificates that will arrive meanwhile (at the recent
arrival rate). Each call costs the counter the recent mean service time, or, for a visitor
who does not come (the recent no-show rate), the short wait before the clerk moves on. A
counter on a break is expected back after about an hour. The answer is widened into a
calibrated 80% range, shown in steps of five minutes. The line's own record (its head's wait)
is blended in at a small weight; when the counters are only guessed from calls (a log with
no counters and no ends of visits), it counts as much as the look-ahead, with the last
call's wait and the pace of calls, and the range is wider. When no counter for the service
is staffed, the answer is the delay of its latest calls.
See docs/estimator.md for the method and its measured error.
"""

from __future__ import annotations

import dataclasses
import heapq
import math
import statistics
from collections import defaultdict
from datetime import timedelta

from .queue_state import CounterNow, QueueState

ROUND_MIN = 5
CALL_OVERHEAD_MIN = 1.0  # from the call to the visitor sitting down, on top of service time
NO_SHOW_HOLD_MIN = 2.0  # a clerk recalls once and moves on after about two minutes
# The office file's mean service time counts as this many visits: service times have a long
# tail, and the mean of the last thirty swings with one or two long visits (3 -> 10: 0.3 min
# less error on bench/altsim's tuning logs, 0.1 on the simulator's peak days). The cost: an
# office whose file is wrong is followed more slowly.
PRIOR_WEIGHT = 10.0
PRIOR_CV = 0.5  # spread of service times before history says otherwise
PRIOR_NO_SHOW = 0.05
NO_SHOW_PRIOR_WEIGHT = 5.0
# A counter paused for a break (昼休み) is back after about an hour, unless the state says
# otherwise (CounterNow.break_min: a replay's guessed break, docs/estimator.md).
BREAK_MIN = 60.0
RESIDUAL_FLOOR = 0.3  # a visit past its mean still has about a third of a mean to go
MODEL_SPREAD = 0.27  # the look-ahead's own error grows with the horizon (calibrated)
BASE_SPREAD_MIN = 1.0
Z_80 = 1.2816  # the 10th and 90th percentiles of a normal distribution
MAX_STEPS = 20_000
# Farther than an office's day: a line whose counters are kept busy by other services'
# arrivals for longer will not be called today. Without this bound such a line (a burst
# of certificates ahead of "moving" at a shared counter) played out all MAX_STEPS, 4 ms
# a service on every view, which was most of a call's way to the screens.
MAX_AHEAD_MIN = 10 * 60.0
# The line's own delay (Ibrahim & Whitt's delay-history estimators): how long its head has
# waited, shared out per person. Blended into the look-ahead (whose weight is 1), it sees
# what the look-ahead cannot (breaks not logged, a counter slow today), which only ever
# makes waits longer: at 0.2 when it says longer than the look-ahead, at 0.1 when shorter,
# where it is mostly a line that grew faster than its head has waited (a sudden crowd).
# Against one weight of 0.3 both ways: the simulator's peak days 7.18 -> 6.90 min, normal
# days and bench/altsim's tuning logs within 0.01 (docs/estimator.md).
HEAD_WEIGHT_LONGER = 0.2
HEAD_WEIGHT_SHORTER = 0.1
# Counters guessed from calls alone (a log with neither counters nor ends of visits): the
# look-ahead over the guessed counters, the head's wait, the last call's wait and the line's
# pace (people ahead / calls per minute lately) count 1, 1, 0.5 and 0.5.
GUESSED_WEIGHTS = (1.0, 1.0, 0.5, 0.5)
# ...and the answer is less sure: a wider range, the wider the more they disagree (their
# weighted spread counts in full). Not when the counters are seen: there the head's wait,
# which lags a sudden crowd, would open a range of ten people down to zero.
GUESSED_SPREAD = 0.5
DISAGREE_SPREAD = 1.0


@dataclasses.dataclass(frozen=True, slots=True)
class Estimate:
    low_min: int
    high_min: int
    expected_min: float | None = None  # the point the range is built around (not shown)

    def as_dict(self) -> dict[str, int]:
        return {"low_min": self.low_min, "high_min": self.high_min}


@dataclasses.dataclass(frozen=True, slots=True)
class ServiceRate:
    """What one call of a service costs a counter, in minutes."""

    served_mean: float
    served_sd: float
    no_show: float

    @property
    def hold_mean(self) -> float:
        return (1 - self.no_show) * self.served_mean + self.no_show * NO_SHOW_HOLD_MIN

    @property
    def hold_var(self) -> float:
        p, m = self.no_show, self.served_mean
        second = (1 - p) * (self.served_sd**2 + m**2) + p * NO_SHOW_HOLD_MIN**2
        return max(second - self.hold_mean**2, 0.0)


def service_rate(state: QueueState, service: str) -> ServiceRate:
    """The prior mean service time, pulled towards the recent ones as they come in."""
    past = state.history_of(service)
    prior = state.prior_min.get(service, 10.0) + CALL_OVERHEAD_MIN
    holds = past.hold_min
    mean = (PRIOR_WEIGHT * prior + sum(holds)) / (PRIOR_WEIGHT + len(holds))
    prior_var = (PRIOR_CV * mean) ** 2
    var = prior_var
    if len(holds) >= 2:
        centre = sum(holds) / len(holds)
        # What statistics.pvariance gives, without its exact fractions (a tenth of a view).
        seen = sum((h - centre) ** 2 for h in holds) / len(holds)
        var = (PRIOR_WEIGHT * prior_var + len(holds) * seen) / (PRIOR_WEIGHT + len(holds))
    no_show = (NO_SHOW_PRIOR_WEIGHT * PRIOR_NO_SHOW + past.no_shows) / (
        NO_SHOW_PRIOR_WEIGHT + past.calls
    )
    return ServiceRate(mean, math.sqrt(var), no_show)


def blocking(state: QueueState, service: str) -> set[str]:
    """Services that some counter of `service` takes before it."""
    out: set[str] = set()
    for counter in state.counters_for(service):
        out.update(counter.services[: counter.services.index(service)])
    return out


@dataclasses.dataclass
class _LookAhead:
    state: QueueState
    service: str
    ahead: int
    rates: dict[str, ServiceRate]
    blockers: set[str]
    taken: dict[str, float] = dataclasses.field(default_factory=lambda: defaultdict(float))
    var: float = 0.0
    # (minutes, variance) at which the k-th ticket of the service would be called; the
    # play-out does not depend on `ahead` until it stops, so one run answers every
    # position up to `ahead` (Estimator keeps them).
    calls: list[tuple[float, float]] = dataclasses.field(default_factory=list)

    def first_free(self, counter: CounterNow) -> float:
        """Minutes from now until `counter` is free."""
        if counter.paused_since is not None:
            away = (self.state.now - counter.paused_since).total_seconds() / 60.0
            length = counter.break_min or BREAK_MIN
            return max(length - away, RESIDUAL_FLOOR * length)
        if counter.busy_since is None or counter.busy_service is None:
            return 0.0
        rate = self.rates.get(counter.busy_service) or service_rate(
            self.state, counter.busy_service
        )
        elapsed = (self.state.now - counter.busy_since).total_seconds() / 60.0
        self.var += rate.served_sd**2 / 2
        return max(rate.served_mean - elapsed, RESIDUAL_FLOOR * rate.served_mean)

    def waiting(self, service: str, at_min: float) -> float:
        arrivals = self.state.history_of(service).arrivals_per_min * at_min
        return self.state.lines.get(service, 0) + arrivals - self.taken[service]

    def next_arrival(self, counter: CounterNow, at_min: float) -> float:
        """When a counter with nothing to do will next find a blocking ticket."""
        best = math.inf
        for s in counter.services:
            rate = self.state.history_of(s).arrivals_per_min
            if s in self.blockers and rate > 0:
                best = min(best, at_min + max(0.5 - self.waiting(s, at_min), 0.0) / rate + 0.01)
        return best

    def run(self) -> float | None:
        """Minutes until the ticket is called; None when no counter will call it.

        The hot loop of every view (a play-out per line, up to thousands of steps): the
        rates and arrival rates it needs are looked up once, into locals."""
        service, blockers, taken, calls = self.service, self.blockers, self.taken, self.calls
        counters = [
            c
            for c in self.state.counters
            if service in c.services or blockers.intersection(c.services)
        ]
        lines = self.state.lines
        arrivals = {
            s: self.state.history_of(s).arrivals_per_min for c in counters for s in c.services
        }
        hold_mean = {s: r.hold_mean for s, r in self.rates.items()}
        hold_var = {s: r.hold_var for s, r in self.rates.items()}
        heap = [(self.first_free(c), i) for i, c in enumerate(counters)]
        heapq.heapify(heap)
        for _ in range(MAX_STEPS):
            if not heap or heap[0][0] == math.inf:
                return None
            at, i = heapq.heappop(heap)
            if at > MAX_AHEAD_MIN:
                return None
            counter = counters[i]
            for s in counter.services:
                if s == service:
                    calls.append((at, self.var))
                    if taken[s] >= self.ahead:
                        return at
                elif s not in blockers or (lines.get(s, 0) + arrivals[s] * at - taken[s]) < 0.5:
                    continue
                taken[s] += 1
                self.var += hold_var[s]
                heapq.heappush(heap, (at + hold_mean[s], i))
                break
            else:
                heapq.heappush(heap, (self.next_arrival(counter, at), i))
        return None


def _rounded(low: float, high: float, expected: float) -> Estimate:
    """To the nearest five minutes (outward would cover more than the 80% it claims), but
    always around the expected wait and at least five minutes wide."""
    lo = min(round(low / ROUND_MIN), math.floor(expected / ROUND_MIN)) * ROUND_MIN
    hi = max(round(high / ROUND_MIN), math.ceil(expected / ROUND_MIN)) * ROUND_MIN
    lo = max(lo, 0)
    return Estimate(lo, max(hi, lo + ROUND_MIN), round(expected, 1))


def _without_counters(
    state: QueueState, service: str, ahead: int, rates: dict[str, ServiceRate]
) -> float:
    """No counter open or on a break for the service: the delay of its latest calls, if
    it had any today, else what the line alone would take one counter."""
    recent = state.history_of(service).recent_waits_min
    if recent:
        return statistics.median(recent)
    return (ahead + 1) * rates[service].hold_mean


def _delays(
    state: QueueState, service: str, ahead: int
) -> tuple[float | None, float | None, float | None]:
    """What the line's own record says of the wait of the ticket `ahead` people from the
    front, each None when unknown: the head's wait so far and the last call's wait (both
    the delay of the whole line, shared out per person), and the people ahead at the pace
    of the service's recent calls."""
    share = (ahead + 1) / max(state.lines.get(service, 0), ahead + 1)
    past = state.history_of(service)
    waited = state.head_waited_min.get(service)
    head = waited * share if waited is not None else None
    last = past.recent_waits_min[-1] * share if past.recent_waits_min else None
    pace = ahead / past.calls_per_min if past.calls_per_min > 0 else None
    return head, last, pace


def estimate(state: QueueState, service: str, ahead: int) -> Estimate:
    """The wait of a ticket of `service` with `ahead` tickets before it in its line."""
    return Estimator(state).estimate(service, ahead)


class Estimator:
    """Estimates for every position of every line of one QueueState, each line played
    out once: a view shows many estimates (every ticket page, every service) of the same
    moment, and a play-out costs as many steps as there are people ahead."""

    def __init__(self, state: QueueState) -> None:
        self.state = state
        self._runs: dict[str, _LookAhead] = {}
        self._ends: dict[str, float | None] = {}

    def estimate(self, service: str, ahead: int) -> Estimate:
        """The wait of the ticket with `ahead` people before it. Bookings not yet checked
        in whose slots begin before that call are people ahead too: counted until the
        answer no longer moves (each round can only add bookings, so it ends)."""
        slots = self.state.booked.get(service, ())
        extra = 0
        while True:
            answer = self._estimate(service, max(ahead, 0), extra)
            until = self.state.now + timedelta(minutes=answer.expected_min or 0.0)
            due = sum(1 for start in slots if start <= until)
            if due <= extra:
                return answer
            extra = due

    def _estimate(self, service: str, line_ahead: int, booked: int = 0) -> Estimate:
        """`line_ahead` people of the line and `booked` bookings before the ticket: the
        line's own record knows of the former only, so the bookings' work (from the
        look-ahead) is added to it, not blended."""
        ahead = line_ahead + booked
        look = self._runs.get(service)
        if look is None or (len(look.calls) <= ahead and self._ends[service] is not None):
            blockers = blocking(self.state, service)
            rates = {s: service_rate(self.state, s) for s in blockers | {service}}
            # Play out at least twice as far as asked, so a growing line is not replayed
            # for every new ticket.
            horizon = max(ahead, 2 * len(look.calls) if look else 0, 16)
            look = _LookAhead(self.state, service, horizon, rates, blockers)
            self._ends[service] = look.run()
            self._runs[service] = look
        n = max(len(self.state.counters_for(service)), 1)
        if ahead >= len(look.calls):  # no counter will call it: the line's recent delay
            centre = _without_counters(self.state, service, ahead, look.rates)
            var = (ahead + 1) * look.rates[service].hold_var
            spread = math.sqrt(var / n**2 + (MODEL_SPREAD * centre) ** 2 + BASE_SPREAD_MIN**2)
            return _rounded(centre - Z_80 * spread, centre + Z_80 * spread, centre)
        ahead_min, var = look.calls[ahead]
        booked_min = ahead_min - look.calls[line_ahead][0]
        head, last, pace = (
            None if x is None else x + booked_min for x in _delays(self.state, service, line_ahead)
        )
        if self.state.counters_seen:
            longer = head is not None and head > ahead_min
            weight = HEAD_WEIGHT_LONGER if longer else HEAD_WEIGHT_SHORTER
            weights, model, disagree = (1.0, weight, 0.0, 0.0), MODEL_SPREAD, 0.0
        else:  # the one place where guessed counters give way to the line's own record
            weights, model, disagree = GUESSED_WEIGHTS, GUESSED_SPREAD, DISAGREE_SPREAD
            var = 0.0
        votes = [
            (w, x)
            for w, x in zip(weights, (ahead_min, head, last, pace), strict=True)
            if w and x is not None
        ]
        total = sum(w for w, _ in votes)
        centre = sum(w * x for w, x in votes) / total
        gap = math.sqrt(sum(w * (x - centre) ** 2 for w, x in votes) / total)
        spread = math.sqrt(
            var / n**2 + (model * centre) ** 2 + (disagree * gap) ** 2 + BASE_SPREAD_MIN**2
        )
        return _rounded(centre - Z_80 * spread, centre + Z_80 * spread, centre)
