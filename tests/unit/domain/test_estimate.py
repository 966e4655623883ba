"""Wait estimates: a range in steps of five minutes, never false precision."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from server.domain.estimate import Estimate, estimate_wait

aheads = st.integers(0, 500)
means = st.floats(0.5, 120, allow_nan=False, allow_infinity=False)
counter_counts = st.integers(1, 20)


def test_nobody_ahead_is_zero_to_five_minutes():
    assert estimate_wait(0, 25, 3) == Estimate(0, 5)
    assert estimate_wait(0, 25, 3).as_dict() == {"low_min": 0, "high_min": 5}


def test_a_typical_queue_gives_a_rounded_range_around_the_expected_wait():
    # 6 people × 10 minutes over 2 counters = 30 minutes: 21 → 20, 42 → 45.
    assert estimate_wait(6, 10, 2) == Estimate(20, 45)


def test_no_open_counter_is_estimated_as_one_counter():
    assert estimate_wait(4, 10, 0) == estimate_wait(4, 10, 1)


@given(ahead=aheads, mean=means, counters=counter_counts)
def test_range_is_in_multiples_of_five_and_low_is_below_high(ahead, mean, counters):
    estimate = estimate_wait(ahead, mean, counters)

    assert estimate.low_min % 5 == 0
    assert estimate.high_min % 5 == 0
    assert 0 <= estimate.low_min < estimate.high_min


@given(ahead=st.integers(1, 500), mean=means, counters=counter_counts)
def test_range_contains_the_plain_expected_wait(ahead, mean, counters):
    estimate = estimate_wait(ahead, mean, counters)
    expected = ahead * mean / counters

    assert estimate.low_min <= expected <= estimate.high_min


@given(ahead=aheads, more=st.integers(1, 100), mean=means, counters=counter_counts)
def test_range_grows_with_people_ahead(ahead, more, mean, counters):
    fewer = estimate_wait(ahead, mean, counters)
    busier = estimate_wait(ahead + more, mean, counters)

    assert busier.low_min >= fewer.low_min
    assert busier.high_min >= fewer.high_min


def test_range_grows_strictly_over_a_long_enough_queue():
    assert estimate_wait(20, 10, 1).high_min > estimate_wait(5, 10, 1).high_min
    assert estimate_wait(20, 10, 1).low_min > estimate_wait(5, 10, 1).low_min


@given(ahead=aheads, mean=means, counters=counter_counts, more=st.integers(1, 10))
def test_range_shrinks_with_more_open_counters(ahead, mean, counters, more):
    fewer_counters = estimate_wait(ahead, mean, counters)
    more_counters = estimate_wait(ahead, mean, counters + more)

    assert more_counters.low_min <= fewer_counters.low_min
    assert more_counters.high_min <= fewer_counters.high_min


def test_range_shrinks_strictly_when_counters_double_on_a_long_queue():
    one, two = estimate_wait(30, 10, 1), estimate_wait(30, 10, 2)

    assert two.high_min < one.high_min
    assert two.low_min < one.low_min
