"""The wait estimator: a look-ahead over the counters, widened into a range of five-minute steps."""

from __future__ import annotations

import dataclasses

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.estimate import Estimate, estimate
from server.domain.queue_state import CounterNow, ServiceHistory

from .conftest import minutes_ago, state

ONE_FREE = [CounterNow("1", ("certificates",))]


def test_empty_queue_with_a_free_counter_is_zero_to_five_minutes():
    found = estimate(state(ONE_FREE), "certificates", 0)

    assert found == Estimate(0, 5, 0.0)
    assert found.as_dict() == {"low_min": 0, "high_min": 5}


def test_one_counter_serves_the_visit_it_holds_then_each_ticket_ahead():
    # Prior 10 min + 1 min from call to counter = 11; just called, so 11 min to go; then 3
    # tickets ahead at 0.95 x 11 + 0.05 x 2 (the prior no-show rate) = 10.55 each.
    counter = CounterNow("1", ("insurance",), "insurance", minutes_ago(0))
    found = estimate(state([counter], {"insurance": 4}, {"insurance": 10}), "insurance", 3)

    assert found.expected_min == pytest.approx(11 + 3 * 10.55, abs=0.1)
    assert found.low_min <= 42.65 <= found.high_min
    assert found.low_min % 5 == 0 and found.high_min % 5 == 0


def test_a_visit_running_past_its_mean_still_has_some_time_to_go():
    counter = CounterNow("1", ("insurance",), "insurance", minutes_ago(40))
    found = estimate(state([counter], {"insurance": 1}, {"insurance": 10}), "insurance", 0)

    assert found.expected_min == pytest.approx(0.3 * 11, abs=0.1)


def test_more_counters_shorten_the_wait():
    busy = [CounterNow(str(i), ("moving",), "moving", minutes_ago(5)) for i in range(1, 5)]
    one = estimate(state(busy[:1], {"moving": 9}), "moving", 8)
    four = estimate(state(busy, {"moving": 9}), "moving", 8)

    assert four.expected_min is not None and one.expected_min is not None
    assert four.expected_min < one.expected_min / 3
    assert four.high_min < one.high_min


def test_shared_counters_serve_their_first_service_before_lending_a_hand(nakano_2f):
    free = [CounterNow(c.id, c.services) for c in nakano_2f]
    busy = [CounterNow(c.id, c.services, c.services[0], minutes_ago(0)) for c in nakano_2f]
    quiet = estimate(state(busy, {"moving": 7}), "moving", 6)
    certificates_waiting = estimate(state(busy, {"moving": 7, "certificates": 90}), "moving", 6)
    only_moving_counters = estimate(state(busy[:3], {"moving": 7}), "moving", 6)

    # With no certificates, counters 4-6 help with moving; with ninety waiting, they do not,
    # and moving waits as if it had its own three counters only.
    assert quiet.expected_min < certificates_waiting.expected_min
    assert certificates_waiting.expected_min == pytest.approx(only_moving_counters.expected_min)
    # A certificate is not held up by the moving line: counters 4-6 take it first.
    short = estimate(state(free, {"moving": 40, "certificates": 1}), "certificates", 0)
    assert short == Estimate(0, 5, 0.0)


def test_certificates_arriving_meanwhile_keep_shared_counters_from_moving(nakano_2f):
    busy = [CounterNow(c.id, c.services, c.services[0], minutes_ago(0)) for c in nakano_2f]
    lines = {"moving": 10, "certificates": 0}
    calm = estimate(state(busy, lines), "moving", 9)
    rush = estimate(
        state(busy, lines, history={"certificates": ServiceHistory(arrivals_per_min=1.0)}),
        "moving",
        9,
    )

    assert rush.expected_min > calm.expected_min


def test_lunch_dip_a_paused_counter_is_expected_back_after_its_break():
    working = CounterNow("9", ("insurance",), "insurance", minutes_ago(0))
    just_left = CounterNow("10", ("insurance",), paused_since=minutes_ago(0))
    nearly_back = CounterNow("10", ("insurance",), paused_since=minutes_ago(55))
    both_open = CounterNow("10", ("insurance",), "insurance", minutes_ago(0))
    lines, prior = {"insurance": 8}, {"insurance": 15}

    at_lunch = estimate(state([working, just_left], lines, prior), "insurance", 7)
    end_of_lunch = estimate(state([working, nearly_back], lines, prior), "insurance", 7)
    no_lunch = estimate(state([working, both_open], lines, prior), "insurance", 7)
    alone = estimate(state([working], lines, prior), "insurance", 7)

    assert no_lunch.expected_min < end_of_lunch.expected_min < at_lunch.expected_min
    assert at_lunch.expected_min < alone.expected_min


def test_a_break_of_a_stated_length_ends_sooner_than_a_lunch():
    # A replay's guessed break (CounterNow.break_min) instead of a logged lunch's hour.
    lunch = CounterNow("10", ("insurance",), paused_since=minutes_ago(10))
    short = CounterNow("10", ("insurance",), paused_since=minutes_ago(10), break_min=30.0)
    lines, prior = {"insurance": 2}, {"insurance": 15}

    at_lunch = estimate(state([lunch], lines, prior), "insurance", 0)
    away = estimate(state([short], lines, prior), "insurance", 0)

    assert at_lunch.expected_min is not None and away.expected_min is not None
    assert away.expected_min < at_lunch.expected_min


def test_no_shows_shorten_the_wait_behind_them():
    counter = CounterNow("1", ("certificates",), "certificates", minutes_ago(0))
    lines = {"certificates": 11}
    everyone_comes = estimate(state([counter], lines), "certificates", 10)
    a_third_gone = estimate(
        state([counter], lines, history={"certificates": ServiceHistory(calls=60, no_shows=20)}),
        "certificates",
        10,
    )

    assert a_third_gone.expected_min < everyone_comes.expected_min - 5


def test_recent_service_times_replace_the_prior_as_they_come_in():
    counter = CounterNow("1", ("certificates",), "certificates", minutes_ago(0))
    slow = ServiceHistory(hold_min=(12.0,) * 30)
    prior_only = estimate(state([counter], {"certificates": 5}), "certificates", 4)
    learned = estimate(
        state([counter], {"certificates": 5}, history={"certificates": slow}), "certificates", 4
    )

    assert learned.expected_min > 1.6 * prior_only.expected_min


def test_no_counter_staffed_falls_back_on_the_delay_of_recent_calls():
    history = {"koseki": ServiceHistory(recent_waits_min=(20.0, 30.0, 40.0))}
    found = estimate(state([], {"koseki": 3}, {"koseki": 30}, history), "koseki", 2)

    assert found.expected_min == 30.0


aheads = st.integers(0, 60)
elapsed = st.floats(0, 90)


@given(ahead=aheads, since=elapsed, counters=st.integers(1, 6))
def test_range_is_in_steps_of_five_around_the_expected_wait(ahead, since, counters):
    desks = [CounterNow(str(i), ("moving",), "moving", minutes_ago(since)) for i in range(counters)]
    found = estimate(state(desks, {"moving": ahead + 1}), "moving", ahead)

    assert found.low_min % 5 == 0 and found.high_min % 5 == 0
    assert 0 <= found.low_min < found.high_min
    assert found.low_min <= found.expected_min <= found.high_min


@given(ahead=aheads, more=st.integers(1, 20), since=elapsed)
def test_more_people_ahead_never_shortens_the_wait(ahead, more, since):
    desks = [CounterNow(str(i), ("moving",), "moving", minutes_ago(since)) for i in range(3)]
    fewer = estimate(state(desks, {"moving": 99}), "moving", ahead)
    busier = estimate(state(desks, {"moving": 99}), "moving", ahead + more)

    assert busier.expected_min >= fewer.expected_min
    assert busier.high_min >= fewer.high_min


def test_a_line_kept_waiting_all_day_by_other_arrivals_stops_at_the_horizon(nakano_2f):
    """Counter 4 alone, certificates first, and certificates arriving faster than it
    serves them: a moving ticket is never reached. The play-out stops at MAX_AHEAD_MIN
    instead of running all MAX_STEPS (it did, on every view), and the estimate falls back
    on one counter's pace for the line."""
    import time

    from server.domain import estimate as module

    counter = nakano_2f[3]
    busy = [CounterNow(counter.id, counter.services, "certificates", minutes_ago(0))]
    flood = {"certificates": ServiceHistory(arrivals_per_min=7.0)}
    steps: list[int] = []
    original = module.heapq.heappop

    def counting(heap):  # type: ignore[no-untyped-def]
        steps.append(1)
        return original(heap)

    module.heapq.heappop = counting
    try:
        started = time.perf_counter()
        got = estimate(state(busy, {"certificates": 200}, history=flood), "moving", 0)
        took = time.perf_counter() - started
    finally:
        module.heapq.heappop = original
    assert len(steps) < module.MAX_STEPS / 10
    assert got.expected_min == pytest.approx(25 + module.CALL_OVERHEAD_MIN, rel=0.2)
    print(f"{len(steps)} steps, {took * 1000:.1f} ms")


def test_the_head_of_lines_wait_is_blended_in_at_a_small_weight():
    # The look-ahead says 11 + 3 x 10.55 = 42.65 for the last of four; the head has waited
    # 20 min (the line's delay, all four's): shorter, so (42.65 + 0.1 x 20) / 1.1; had it
    # waited 60, longer: (42.65 + 0.2 x 60) / 1.2.
    counter = CounterNow("1", ("insurance",), "insurance", minutes_ago(0))
    base = state([counter], {"insurance": 4}, {"insurance": 10})
    shorter = dataclasses.replace(base, head_waited_min={"insurance": 20.0})
    longer = dataclasses.replace(base, head_waited_min={"insurance": 60.0})

    assert estimate(shorter, "insurance", 3).expected_min == pytest.approx(
        (42.65 + 0.1 * 20) / 1.1, abs=0.1
    )
    assert estimate(longer, "insurance", 3).expected_min == pytest.approx(
        (42.65 + 0.2 * 60) / 1.2, abs=0.1
    )


def test_counters_guessed_from_calls_give_way_to_the_lines_own_record():
    # A log without counters or ends of visits: the look-ahead over the guessed counter
    # (42.65), the head's wait (20), the last call's wait (30) and the pace (3 ahead at 0.1
    # calls a minute: 30) count 1, 1, 0.5, 0.5; the range, for the wait it is around, is wider
    # than if the counter were seen.
    counter = CounterNow("1", ("insurance",), "insurance", minutes_ago(0))
    history = {"insurance": ServiceHistory(recent_waits_min=(30.0,), calls_per_min=0.1)}
    seen = dataclasses.replace(
        state([counter], {"insurance": 4}, {"insurance": 10}, history),
        head_waited_min={"insurance": 20.0},
    )
    guessed = dataclasses.replace(seen, counters_seen=False)

    found = estimate(guessed, "insurance", 3)
    assert found.expected_min == pytest.approx((42.65 + 20 + 0.5 * 30 + 0.5 * 30) / 3, abs=0.1)
    sure = estimate(seen, "insurance", 3)
    assert (found.high_min - found.low_min) / found.expected_min > (
        sure.high_min - sure.low_min
    ) / sure.expected_min
