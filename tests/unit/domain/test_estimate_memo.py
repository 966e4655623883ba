"""One play-out per line answers every position exactly as a play-out per position would."""

from __future__ import annotations

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.estimate import Estimator, _LookAhead, blocking, service_rate
from server.domain.queue_state import CounterNow, QueueState, ServiceHistory

from .conftest import minutes_ago, state


def _alone(s: QueueState, service: str, ahead: int) -> float | None:
    """The answer of a play-out that stops at `ahead`, as the estimator once did."""
    blockers = blocking(s, service)
    rates = {x: service_rate(s, x) for x in blockers | {service}}
    return _LookAhead(s, service, ahead, rates, blockers).run()


@settings(max_examples=40, deadline=None)
@given(
    busy=st.lists(st.integers(min_value=0, max_value=30), min_size=1, max_size=6),
    moving=st.integers(min_value=0, max_value=40),
    certificates=st.integers(min_value=0, max_value=40),
    arrivals=st.floats(min_value=0, max_value=2),
)
def test_every_position_matches_its_own_play_out(
    busy: list[int], moving: int, certificates: int, arrivals: float
) -> None:
    services = [("moving",), ("certificates", "moving")]
    counters = [
        CounterNow(str(i), services[i % 2], services[i % 2][0], minutes_ago(m))
        for i, m in enumerate(busy)
    ]
    s = state(counters, {"moving": moving, "certificates": certificates})
    s = QueueState(
        s.now,
        s.lines,
        s.counters,
        s.prior_min,
        {"certificates": ServiceHistory(arrivals_per_min=arrivals)},
    )
    estimator = Estimator(s)
    for ahead in [0, 1, 5, moving, moving + 7, 3, 60]:
        expected = _alone(s, "moving", ahead)
        found = estimator.estimate("moving", ahead)
        if expected is not None:
            assert found.expected_min == round(expected, 1)
