"""The call order with appointments (予約), call_policy's one rule: table-driven cases
(early, on time, late; with priority visitors, transfers and booking-only counters) and
a property test over random days (nobody is called twice, nobody is skipped for ever)."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.call_policy import booking_place, is_callable, pick_next
from server.domain.lifecycle import apply
from server.domain.office import Counter
from server.domain.ticket import Action, Status, Ticket
from server.office_file import load_office

OFFICE = load_office()
T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo
GRACE = timedelta(minutes=10)
BOTH = Counter("7", "residents", ("mynumber",), booked=("mynumber",))
BOOKINGS_ONLY = Counter("A", "residents", (), booked=("mynumber",))
WALK_INS_ONLY = Counter("W", "residents", ("mynumber",))
COUNTERS = {"both": BOTH, "bookings": BOOKINGS_ONLY, "walk-ins": WALK_INS_ONLY}


def minute(m: float) -> datetime:
    return T0 + timedelta(minutes=m)


def walk_in(
    name: str, at: float, *, priority: bool = False, service: str = "mynumber", seq: int = 0
) -> Ticket:
    return Ticket(
        id=name,
        office="nakano",
        service=service,
        prefix=OFFICE.services[service].prefix,
        seq=seq or int(at) + 1,
        day=date(2026, 11, 25),
        token=f"token-{name}",
        lang="ja",
        priority=priority,
        channel="kiosk",
        status=Status.WAITING,
        issued_at=minute(at),
        queued_at=minute(at),
    )


def booking(
    name: str, slot: float, checked_in: float, seq: int = 500, booked_at: float | None = None
) -> Ticket:
    """The ticket of a booking for the slot at `slot`, checked in at `checked_in` (booked
    at `booked_at`, or days before)."""
    made = minute(booked_at) if booked_at is not None else None
    booked, queued_at = booking_place(minute(slot), GRACE, minute(checked_in), made)
    return dataclasses.replace(
        walk_in(name, checked_in, seq=seq),
        channel="appointment",
        booked=booked,
        queued_at=queued_at,
    )


def transferred(ticket: Ticket, to: str, at: float) -> Ticket:
    """`ticket` called, served and transferred to `to` (it keeps its place in time)."""
    service = OFFICE.services[ticket.service]
    for action, kw in ((Action.CALL, {"counter": "7"}), (Action.START, {})):
        ticket, _ = apply(ticket, action, minute(at), service, **kw)  # type: ignore[arg-type]
    ticket, _ = apply(ticket, Action.TRANSFER, minute(at), service, to_service=OFFICE.services[to])
    return ticket


def calls(counter: Counter, tickets: list[Ticket], now: float) -> list[str]:
    """The tickets `counter` calls one after the other at `now`, until none is left."""
    waiting = list(tickets)
    out = []
    while (chosen := pick_next(counter, waiting, minute(now))) is not None:
        out.append(chosen.id)
        waiting.remove(chosen)
    return out


CASES = {
    # name: (tickets, counter, now in minutes after 10:00, the calls in order)
    "early, before its slot: walk-ins only": (
        [walk_in("w1", 0), booking("b", 30, 5), walk_in("w2", 10)],
        "both",
        20,
        ["w1", "w2"],
    ),
    "early, at its slot: ahead of walk-ins who came before it": (
        [walk_in("w1", 0), booking("b", 30, 5), walk_in("w2", 10)],
        "both",
        30,
        ["b", "w1", "w2"],
    ),
    "on time, within the grace: ahead of walk-ins": (
        [walk_in("w1", 0), walk_in("w2", 20), booking("b", 30, 39)],
        "both",
        40,
        ["b", "w1", "w2"],
    ),
    "late, after the grace: a walk-in from its check-in": (
        [walk_in("w1", 0), booking("late", 30, 41), walk_in("w2", 45)],
        "both",
        50,
        ["w1", "late", "w2"],
    ),
    "booked once its slot was under way: the grace runs from the booking": (
        [walk_in("w1", 0), booking("b", 30, 48, booked_at=45), walk_in("w2", 46)],
        "both",
        50,
        ["b", "w1", "w2"],
    ),
    "booked once under way and still late: a walk-in": (
        [walk_in("w1", 0), booking("late", 30, 56, booked_at=45), walk_in("w2", 50)],
        "both",
        60,
        ["w1", "w2", "late"],
    ),
    "a priority visitor still comes first": (
        [walk_in("w1", 0), booking("b", 30, 5), walk_in("p", 25, priority=True)],
        "both",
        30,
        ["p", "b", "w1"],
    ),
    "two bookings of a slot: by their numbers": (
        [booking("b2", 30, 2, seq=502), booking("b1", 30, 8, seq=501), walk_in("w1", 0)],
        "both",
        30,
        ["b1", "b2", "w1"],
    ),
    "an earlier slot first, even checked in later": (
        [booking("b60", 60, 1, seq=501), booking("b30", 30, 20, seq=502)],
        "both",
        60,
        ["b30", "b60"],
    ),
    "a transfer in keeps its place in time, behind a due booking": (
        [
            transferred(walk_in("t", 1, service="moving"), "mynumber", 15),
            booking("b", 30, 5),
            walk_in("w1", 5),
        ],
        "both",
        30,
        ["b", "t", "w1"],
    ),
    "a booking transferred out is a walk-in of its new service": (
        [transferred(booking("b", 30, 5), "moving", 35)],
        "both",
        40,
        [],
    ),
    "a booking-only counter never calls walk-ins": (
        [walk_in("w1", 0), booking("b", 30, 5), walk_in("p", 1, priority=True)],
        "bookings",
        30,
        ["b"],
    ),
    "a walk-in-only counter never calls bookings": (
        [walk_in("w1", 0), booking("b", 30, 5), walk_in("w2", 10)],
        "walk-ins",
        30,
        ["w1", "w2"],
    ),
}


@pytest.mark.parametrize(("tickets", "counter", "now", "expected"), CASES.values(), ids=CASES)
def test_the_call_order_with_appointments(
    tickets: list[Ticket], counter: str, now: float, expected: list[str]
) -> None:
    assert calls(COUNTERS[counter], tickets, now) == expected


def test_a_booking_transferred_out_is_called_by_the_new_services_counters() -> None:
    moved = transferred(booking("b", 30, 5), "moving", 35)
    assert not moved.booked and moved.service == "moving"
    assert pick_next(OFFICE.counters["1"], [moved], minute(40)) == moved


# --- every day: nobody twice, nobody for ever -------------------------------------------


@st.composite
def days(draw: st.DrawFn) -> list[Ticket]:
    tickets = []
    for n in range(draw(st.integers(0, 12))):
        tickets.append(
            walk_in(
                f"w{n}",
                draw(st.integers(0, 240)),
                priority=draw(st.booleans()),
                seq=n + 1,
            )
        )
    for n in range(draw(st.integers(0, 8))):
        slot = draw(st.sampled_from(range(0, 240, 30)))
        tickets.append(booking(f"b{n}", slot, slot + draw(st.integers(-40, 40)), seq=100 + n))
    return tickets


@settings(max_examples=200, deadline=None)
@given(
    tickets=days(),
    turns=st.lists(st.tuples(st.sampled_from(sorted(COUNTERS)), st.integers(0, 15)), max_size=60),
)
def test_nobody_is_called_twice_nor_skipped_for_ever(
    tickets: list[Ticket], turns: list[tuple[str, int]]
) -> None:
    """Counters call in a drawn order as the day goes on (a ticket exists from its
    check-in or issuing); then the counter that serves both drains the line. Every call
    is one the rule allows, no ticket is called twice, and everyone is called."""
    waiting: list[Ticket] = []
    called: list[str] = []
    now = -60.0

    def present(t: Ticket) -> bool:
        return t.issued_at <= minute(now)

    def call(counter: Counter) -> bool:
        here = [t for t in waiting if present(t)]
        chosen = pick_next(counter, here, minute(now))
        if chosen is None:
            return False
        assert is_callable(counter, chosen, minute(now))
        assert chosen.id not in called
        if chosen.booked:
            assert chosen.queued_at <= minute(now)  # never before its slot
        elif not chosen.priority and counter.booked:
            # A walk-in is never called ahead of a due booking it could have been.
            assert not [t for t in here if t.booked and t.queued_at <= minute(now)]
        called.append(chosen.id)
        waiting.remove(chosen)
        return True

    waiting = list(tickets)
    for name, step in turns:
        now += step
        call(COUNTERS[name])
    now = max(now, 400.0)  # every slot has begun and everyone has come
    while call(BOTH):
        pass
    assert len(called) == len(set(called))
    assert sorted(called) == sorted(t.id for t in tickets)
