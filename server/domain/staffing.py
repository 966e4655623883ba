"""The staffing hint (人員配置の目安) of the supervisor's floor: which lines will keep the
people waiting in them past a target with the counters open now, and how many more
counters would bring them under it.

Asked of the wait estimator itself (estimate.py), not of a formula of its own: the line's
wait is the expected wait of the last ticket in it now (the people already waiting are the
ones a supervisor can still help), and each extra counter is played out as one more
counter that serves only that line and is free now, the way a clerk sent there would be.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Collection

from .estimate import Estimator
from .queue_state import CounterNow, QueueState

MAX_EXTRA = 10  # more than this is not a hint any more: the line needs another plan


@dataclasses.dataclass(frozen=True, slots=True)
class Need:
    service: str
    waiting: int
    open: int  # counters open for the service now (not those on a break)
    wait_min: float | None  # the last in line's expected wait; None: no counter will call it
    more: int | None  # counters to add for a wait within the target; None: more than MAX_EXTRA
    wait_after_min: float | None  # the last in line's expected wait with them


def open_now(state: QueueState, open_ids: Collection[str]) -> QueueState:
    """`state` with only the counters open now and those on a break. The estimator counts,
    for a line none of whose counters is open yet, every counter that could serve it (the
    screens' estimate before the morning's opening); the hint is about the floor as it is.
    Without the heads' waits so far: the estimate blends them in, but a counter added does
    not change how long someone has already waited, so the hint asks the look-ahead alone."""
    kept = tuple(c for c in state.counters if c.id in open_ids or c.paused_since is not None)
    return dataclasses.replace(state, counters=kept, head_waited_min={})


def last_in_line_wait(state: QueueState, service: str) -> float | None:
    """The expected wait of the last ticket waiting for `service`; None when no counter,
    open or on a break, serves it."""
    if not any(service in c.services for c in state.counters):
        return None
    ahead = max(state.lines.get(service, 0) - 1, 0)
    return Estimator(state).estimate(service, ahead).expected_min


def _with_extra(state: QueueState, service: str, extra: int) -> QueueState:
    added = tuple(CounterNow(f"+{service}-{i}", (service,)) for i in range(1, extra + 1))
    return dataclasses.replace(state, counters=state.counters + added)


def need(
    state: QueueState, service: str, target_min: float, max_extra: int = MAX_EXTRA
) -> Need | None:
    """`state`: the floor as it is (open_now). None when the line is within the target."""
    waiting = state.lines.get(service, 0)
    if waiting <= 0:
        return None
    wait = last_in_line_wait(state, service)
    if wait is not None and wait <= target_min:
        return None
    open_count = len(state.counters_for(service))

    def within(extra: int) -> float | None:
        after = last_in_line_wait(_with_extra(state, service, extra), service)
        return after if after is not None and after <= target_min else None

    # More counters never make the wait longer: test the most first (a hopeless line costs
    # one play-out), then halve the range (four more at most, not ten).
    best = within(max_extra)
    if best is None:
        return Need(service, waiting, open_count, wait, None, None)
    low, high = 0, max_extra  # within(low) fails (no extra: the line waits past it)
    while high - low > 1:
        middle = (low + high) // 2
        found = within(middle)
        if found is None:
            low = middle
        else:
            high, best = middle, found
    return Need(service, waiting, open_count, wait, high, best)


def staffing(
    state: QueueState,
    open_ids: Collection[str],
    target_min: float,
    services: Collection[str],
    max_extra: int = MAX_EXTRA,
) -> list[Need]:
    """The lines of `services` that wait past `target_min` with the counters open now
    (`open_ids`), the longest wait first (a line no counter serves comes first)."""
    floor = open_now(state, open_ids)
    found = [n for s in services if (n := need(floor, s, target_min, max_extra)) is not None]
    found.sort(key=lambda n: -(n.wait_min if n.wait_min is not None else float("inf")))
    return found
