"""The staffing hint: lines that wait past the target, and how many more counters would do."""

from __future__ import annotations

import pytest

from server.domain.queue_state import CounterNow
from server.domain.staffing import Need, last_in_line_wait, need, open_now, staffing

from .conftest import minutes_ago, state

CERTS = {"certificates": 5.0}


def test_twelve_waiting_at_five_minutes_with_one_counter_needs_one_more_for_thirty():
    # Each call costs 0.95 x (5 + 1) + 0.05 x 2 = 5.8 min: the twelfth waits 11 x 5.8 = 63.8
    # with one counter, and 5 x 5.8 = 29 with two.
    floor = state([CounterNow("4", ("certificates",))], {"certificates": 12}, CERTS)

    found = need(floor, "certificates", 30)

    assert found is not None
    assert (found.waiting, found.open, found.more) == (12, 1, 1)
    assert found.wait_min == pytest.approx(63.8, abs=0.1)
    assert found.wait_after_min == pytest.approx(29.0, abs=0.1)


def test_a_line_within_the_target_needs_nothing():
    floor = state([CounterNow("4", ("certificates",))], {"certificates": 5}, CERTS)

    assert need(floor, "certificates", 30) is None


def test_an_empty_line_needs_nothing_even_with_no_counter_open():
    assert need(state([], {}, CERTS), "certificates", 30) is None


def test_a_longer_line_needs_more_counters():
    floor = state([CounterNow("4", ("certificates",))], {"certificates": 30}, CERTS)

    found = need(floor, "certificates", 30)

    # 29 x 5.8 = 168 min with one; k counters: ceil(30 / k) - 1 calls each, at most 30 min
    # when that is at most 5 calls: k = 5, four more.
    assert found is not None and found.more == 4
    assert found.wait_after_min is not None and found.wait_after_min <= 30


def test_a_line_no_open_counter_serves_waits_for_ever_and_needs_one():
    found = need(state([], {"certificates": 3}, CERTS), "certificates", 30)

    assert found == Need("certificates", 3, 0, None, 1, pytest.approx(11.6, abs=0.1))


def test_a_hopeless_line_says_more_than_the_hint_can_count():
    floor = state([], {"moving": 500}, {"moving": 25.0})

    found = need(floor, "moving", 30, max_extra=3)

    assert found is not None and found.more is None and found.wait_after_min is None


def test_only_the_counters_open_now_count_not_those_the_estimator_assumes_before_opening():
    # The snapshot's estimator counts every counter of a line none of whose counters is open
    # (the screens' estimate before the day starts); the hint does not.
    assumed = state(
        [CounterNow("4", ("certificates",)), CounterNow("5", ("certificates",))],
        {"certificates": 12},
        CERTS,
    )

    assert open_now(assumed, {"4"}).counters == (CounterNow("4", ("certificates",)),)
    assert last_in_line_wait(open_now(assumed, set()), "certificates") is None
    assert staffing(assumed, {"4", "5"}, 30, ["certificates"]) == []
    assert [n.more for n in staffing(assumed, {"4"}, 30, ["certificates"])] == [1]


def test_a_counter_on_a_break_still_counts_as_coming_back():
    on_break = CounterNow("4", ("certificates",), paused_since=minutes_ago(10))

    floor = open_now(state([on_break], {"certificates": 2}, CERTS), set())

    assert floor.counters == (on_break,)
    found = need(floor, "certificates", 30)
    # Back in about 50 minutes: past the target, and one counter open now would do.
    assert found is not None and found.open == 0 and found.more == 1


def test_staffing_lists_the_lines_past_the_target_the_longest_wait_first():
    counters = [CounterNow("1", ("moving",)), CounterNow("4", ("certificates",))]
    floor = state(
        counters, {"moving": 4, "certificates": 12, "insurance": 2}, {**CERTS, "moving": 25.0}
    )

    found = staffing(floor, {"1", "4"}, 30, ["moving", "certificates", "insurance"])

    # moving: 3 x 24.8 = 74.4; certificates 63.8; insurance has no counter at all.
    assert [n.service for n in found] == ["insurance", "moving", "certificates"]


@pytest.mark.parametrize("waiting", [6, 13, 25, 40, 61, 90])
def test_the_hint_names_the_fewest_counters_that_will_do(waiting: int) -> None:
    from server.domain.staffing import _with_extra

    floor = state([CounterNow("4", ("certificates",))], {"certificates": waiting}, CERTS)

    found = need(floor, "certificates", 30)

    def enough(extra: int) -> bool:
        wait = last_in_line_wait(_with_extra(floor, "certificates", extra), "certificates")
        return wait is not None and wait <= 30

    fewest = next((k for k in range(11) if enough(k)), None)
    if fewest == 0:
        assert found is None
    else:
        assert found is not None and found.more == fewest
