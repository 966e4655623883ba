"""The call policy: who a counter gets next, and where a returned no-show goes back."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from server.domain.call_policy import (
    QUEUE_ORDER,
    call_order,
    line,
    pick_next,
    position,
    queue_key,
    return_place,
)
from server.domain.lifecycle import apply
from server.domain.office import Counter, ReturnRule
from server.domain.ticket import Action, Status, Ticket
from server.office_file import load_office

OFFICE = load_office()
T0 = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)  # 09:00 in Tokyo
NOW = T0 + timedelta(hours=1)
SERVICE_IDS = list(OFFICE.services)
COUNTER_IDS = list(OFFICE.counters)


def make_ticket(
    seq: int,
    service: str = "moving",
    *,
    minute: float | None = None,
    priority: bool = False,
    status: Status = Status.WAITING,
) -> Ticket:
    """Ticket number `seq` of `service`, in line since T0 + `minute` (default: `seq`)."""
    queued = T0 + timedelta(minutes=seq if minute is None else minute)
    return Ticket(
        id=f"{service}-{seq}",
        office="nakano",
        service=service,
        prefix=OFFICE.services[service].prefix,
        seq=seq,
        day=date(2026, 11, 25),
        token=f"token-{service}-{seq}",
        lang="ja",
        priority=priority,
        channel="kiosk",
        status=status,
        issued_at=queued,
        queued_at=queued,
    )


def mark_called(tickets: list[Ticket], picked: Ticket, counter: str) -> list[Ticket]:
    called, _ = apply(picked, Action.CALL, NOW, OFFICE.services[picked.service], counter=counter)
    return [called if t.id == picked.id else t for t in tickets]


# --- pick_next --------------------------------------------------------------------------


def test_call_next_takes_the_oldest_ticket_first():
    tickets = [make_ticket(3), make_ticket(1), make_ticket(2)]

    assert pick_next(OFFICE.counters["1"], tickets).seq == 1


def test_call_next_takes_priority_ticket_first():
    tickets = [make_ticket(1), make_ticket(2), make_ticket(3, priority=True)]

    assert pick_next(OFFICE.counters["1"], tickets).seq == 3


def test_call_next_takes_the_oldest_priority_ticket_among_several():
    tickets = [
        make_ticket(1),
        make_ticket(5, priority=True),
        make_ticket(4, priority=True),
    ]

    assert pick_next(OFFICE.counters["1"], tickets).seq == 4


def test_demo_counter_4_serves_certificates_then_moving():
    assert OFFICE.counters["4"].services == ("certificates", "moving")


def test_counter_takes_its_first_service_before_its_second_even_if_younger():
    tickets = [make_ticket(1, "moving"), make_ticket(7, "certificates", minute=30)]

    picked = pick_next(OFFICE.counters["4"], tickets)

    assert (picked.service, picked.seq) == ("certificates", 7)


def test_counter_takes_its_second_service_when_the_first_has_no_one_waiting():
    tickets = [
        make_ticket(1, "moving"),
        make_ticket(2, "certificates", status=Status.CALLED),
    ]

    assert pick_next(OFFICE.counters["4"], tickets).service == "moving"


def test_priority_ticket_of_the_second_service_beats_ordinary_ticket_of_the_first():
    tickets = [
        make_ticket(1, "certificates"),
        make_ticket(9, "moving", minute=50, priority=True),
    ]

    picked = pick_next(OFFICE.counters["4"], tickets)

    assert (picked.service, picked.priority) == ("moving", True)


def test_counter_never_picks_a_ticket_of_a_service_it_does_not_serve():
    tickets = [
        make_ticket(1, "mynumber", priority=True),
        make_ticket(2, "insurance"),
        make_ticket(3, "moving", minute=60),
    ]

    assert pick_next(OFFICE.counters["4"], tickets).service == "moving"
    assert pick_next(OFFICE.counters["8"], tickets) is None


def test_pickup_counter_with_no_services_picks_nothing():
    assert pick_next(OFFICE.counters["11"], [make_ticket(1, "certificates")]) is None


@pytest.mark.parametrize("status", [s for s in Status if s is not Status.WAITING])
def test_call_next_skips_tickets_that_are_not_waiting(status):
    tickets = [make_ticket(1, status=status, priority=True), make_ticket(2)]

    assert pick_next(OFFICE.counters["1"], tickets).seq == 2


def test_call_next_with_nobody_waiting_is_none():
    assert pick_next(OFFICE.counters["1"], []) is None


# --- line and position ------------------------------------------------------------------


def test_line_is_priority_first_then_by_place_in_time_and_only_waiting_tickets():
    tickets = [
        make_ticket(1),
        make_ticket(2, status=Status.CALLED),
        make_ticket(3, priority=True),
        make_ticket(4, "certificates"),
        make_ticket(5, minute=0),
    ]

    assert [t.seq for t in line("moving", tickets)] == [3, 5, 1]


def test_position_counts_people_ahead_and_is_none_when_not_waiting():
    tickets = [make_ticket(1), make_ticket(2), make_ticket(3, status=Status.CALLED)]

    assert position(tickets[0], tickets) == 0
    assert position(tickets[1], tickets) == 1
    assert position(tickets[2], tickets) is None


def test_queue_key_puts_priority_before_time():
    assert queue_key(make_ticket(9, priority=True)) < queue_key(make_ticket(1))


# --- return_place -----------------------------------------------------------------------


def returned_index(rule: ReturnRule, after: int, ticket: Ticket, others: list[Ticket]) -> int:
    """The index in its line that `ticket` takes when returned by `rule`."""
    place = return_place(rule, after, ticket, line(ticket.service, others), NOW)
    back = dataclasses.replace(ticket, status=Status.WAITING, queued_at=place)
    return line(ticket.service, [*others, back]).index(back)


ABSENT = make_ticket(1, minute=0, status=Status.ABSENT)


def five_waiting() -> list[Ticket]:
    return [make_ticket(seq) for seq in range(2, 7)]


def test_return_rule_end_goes_behind_everyone_waiting_now():
    others = five_waiting()

    place = return_place(ReturnRule.END, 3, ABSENT, line("moving", others), NOW)

    assert place >= NOW
    assert returned_index(ReturnRule.END, 3, ABSENT, others) == len(others)


def test_return_rule_end_goes_behind_tickets_placed_after_now():
    others = [*five_waiting(), make_ticket(7, minute=120)]

    assert returned_index(ReturnRule.END, 3, ABSENT, others) == len(others)


def test_return_rule_original_keeps_the_first_place_in_time():
    others = five_waiting()

    place = return_place(ReturnRule.ORIGINAL, 3, ABSENT, line("moving", others), NOW)

    assert place == ABSENT.queued_at
    assert returned_index(ReturnRule.ORIGINAL, 3, ABSENT, others) == 0


@pytest.mark.parametrize("after", [1, 2, 3, 4])
def test_return_rule_after_goes_behind_the_next_n_waiting(after):
    assert returned_index(ReturnRule.AFTER, after, ABSENT, five_waiting()) == after


def test_return_rule_after_counts_only_ordinary_tickets_priority_stay_ahead():
    others = [*five_waiting(), make_ticket(8, priority=True), make_ticket(9, priority=True)]

    assert returned_index(ReturnRule.AFTER, 3, ABSENT, others) == 2 + 3


@pytest.mark.parametrize("after", [5, 6, 10])
def test_return_rule_after_with_fewer_than_n_waiting_goes_to_the_end(after):
    others = five_waiting()

    assert returned_index(ReturnRule.AFTER, after, ABSENT, others) == len(others)


def test_return_rule_after_with_nobody_waiting_takes_now():
    assert return_place(ReturnRule.AFTER, 3, ABSENT, [], NOW) == NOW


def test_return_rule_after_zero_goes_to_the_front_of_the_ordinary_line():
    late = make_ticket(1, minute=30, status=Status.ABSENT)
    others = [*five_waiting(), make_ticket(8, priority=True)]

    assert returned_index(ReturnRule.AFTER, 0, late, others) == 1


def test_return_rule_after_place_does_not_depend_on_the_ticket_number():
    """Two no-shows returned one after the other: where the second lands must not depend
    on whether its number is lower or higher than the first one's."""
    first = make_ticket(50, minute=0, status=Status.ABSENT)
    index_by_seq = {}
    for seq in (40, 60):
        waiting = five_waiting()
        place = return_place(ReturnRule.AFTER, 3, first, line("moving", waiting), NOW)
        first_back = dataclasses.replace(first, status=Status.WAITING, queued_at=place)
        second = make_ticket(seq, minute=1, status=Status.ABSENT)
        index_by_seq[seq] = returned_index(ReturnRule.AFTER, 3, second, [*waiting, first_back])

    assert index_by_seq[40] == index_by_seq[60]


# --- properties -------------------------------------------------------------------------


ALL_STATUSES = st.sampled_from(Status)


@st.composite
def ticket_sets(draw, statuses=ALL_STATUSES) -> list[Ticket]:
    """Tickets of the demo services with distinct numbers (so keys never tie)."""
    seqs = draw(st.lists(st.integers(1, 999), unique=True, max_size=25))
    return [
        make_ticket(
            seq,
            draw(st.sampled_from(SERVICE_IDS)),
            minute=draw(st.integers(0, 240)) / 4,
            priority=draw(st.booleans()),
            status=draw(statuses),
        )
        for seq in seqs
    ]


def documented_order(counter: Counter, ticket: Ticket) -> tuple[bool, int, datetime, int]:
    """Priority first; then the counter's services in its order; then the oldest."""
    return (
        not ticket.priority,
        counter.services.index(ticket.service),
        ticket.queued_at,
        ticket.seq,
    )


@given(tickets=ticket_sets(), counter_id=st.sampled_from(COUNTER_IDS))
def test_pick_next_returns_the_minimum_of_the_documented_order(tickets, counter_id):
    counter = OFFICE.counters[counter_id]
    candidates = [
        t for t in tickets if t.status is Status.WAITING and t.service in counter.services
    ]

    picked = pick_next(counter, tickets)

    if not candidates:
        assert picked is None
    else:
        assert picked == min(candidates, key=lambda t: documented_order(counter, t))


@given(
    tickets=ticket_sets(statuses=st.just(Status.WAITING)),
    pair=st.lists(st.sampled_from(COUNTER_IDS), min_size=2, max_size=2, unique=True),
    turns=st.lists(st.booleans(), max_size=60),
)
def test_two_counters_never_get_the_same_ticket_and_drain_what_they_serve(tickets, pair, turns):
    counters = [OFFICE.counters[c] for c in pair]
    served = {s for c in counters for s in c.services}
    picked_ids: list[str] = []

    def take(counter: Counter) -> bool:
        nonlocal tickets
        ticket = pick_next(counter, tickets)
        if ticket is None:
            return False
        assert ticket.service in counter.services
        assert ticket.status is Status.WAITING
        picked_ids.append(ticket.id)
        tickets = mark_called(tickets, ticket, counter.id)
        return True

    # The counters take turns in the drawn order, then alternate until both are empty.
    for second in turns:
        take(counters[int(second)])
    while take(counters[0]) | take(counters[1]):
        pass

    assert len(picked_ids) == len(set(picked_ids))
    assert set(picked_ids) == {t.id for t in tickets if t.service in served}
    assert all(t.status is Status.WAITING for t in tickets if t.service not in served)


@given(tickets=ticket_sets())
def test_position_equals_the_index_in_the_line(tickets):
    for ticket in tickets:
        if ticket.status is Status.WAITING:
            assert position(ticket, tickets) == line(ticket.service, tickets).index(ticket)
        else:
            assert position(ticket, tickets) is None


@given(
    waiting=st.lists(st.integers(1, 600), unique=True, max_size=15),
    priority=st.integers(0, 3),
    after=st.integers(0, 20),
)
def test_returned_ticket_lands_behind_exactly_n_ordinary_tickets(waiting, priority, after):
    ordinary = [make_ticket(100 + i, minute=m) for i, m in enumerate(waiting)]
    urgent = [make_ticket(900 + i, minute=i, priority=True) for i in range(priority)]

    index = returned_index(ReturnRule.AFTER, after, ABSENT, [*ordinary, *urgent])

    assert index == priority + min(after, len(ordinary))


# --- the queue order: one definition ----------------------------------------------------


@given(
    st.lists(
        st.tuples(
            st.booleans(), st.booleans(), st.integers(0, 5), st.integers(1, 4), st.integers(0, 999)
        ),
        min_size=2,
        max_size=12,
    )
)
def test_queue_key_sorts_as_the_declared_queue_order(
    rows: list[tuple[bool, bool, int, int, int]],
) -> None:
    """queue_key is QUEUE_ORDER spelled out for speed: both sort any line alike (ties in
    time and number included, broken by id)."""
    tickets = [
        dataclasses.replace(
            make_ticket(seq, minute=minute), priority=priority, booked=booked, id=f"{ident:04d}"
        )
        for priority, booked, minute, seq, ident in rows
    ]

    def declared(ticket: Ticket) -> tuple[object, ...]:
        # A descending step is a flag here (asserted below): True sorts first as `not`.
        return tuple(
            (not getattr(ticket, o.attribute)) if o.descending else getattr(ticket, o.attribute)
            for o in QUEUE_ORDER
        )

    assert [o.attribute for o in QUEUE_ORDER if o.descending] == ["priority", "booked"]
    assert sorted(tickets, key=queue_key) == sorted(tickets, key=declared)


def test_a_counters_call_order_puts_its_service_preference_between_priority_and_time() -> None:
    counter = OFFICE.counters["4"]  # certificates, then moving
    young_first = make_ticket(9, "certificates", minute=30)
    old_second = make_ticket(1, "moving", minute=1)
    urgent_second = make_ticket(5, "moving", minute=20, priority=True)
    tickets = [old_second, young_first, urgent_second]
    assert sorted(tickets, key=call_order(counter)) == [urgent_second, young_first, old_second]
    assert pick_next(counter, tickets) == urgent_second
