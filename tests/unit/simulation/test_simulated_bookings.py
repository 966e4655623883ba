"""A simulated day with bookings (予約): every booking checks in and is called, none
before its slot, and the estimator counts the bookings still to come as work ahead."""

from __future__ import annotations

from server.office_file import load_office
from server.simulation.profile import BOOKINGS
from server.simulation.simulator import Simulation

OFFICE = load_office()


def test_a_day_with_bookings_calls_every_booking_and_none_before_its_slot() -> None:
    sim = Simulation(OFFICE, BOOKINGS, seed=3)
    result = sim.run()
    booked = [t for t in sim.tickets.values() if t.channel == "appointment"]
    assert len(booked) == 20 and not sim.booked
    calls = {e.ticket: e.at for e in result.events if e.type == "ticket.called"}
    for ticket in booked:
        assert ticket.id in calls
        if ticket.booked:
            assert calls[ticket.id] >= ticket.queued_at


def test_bookings_still_to_come_are_in_the_estimators_state() -> None:
    sim = Simulation(OFFICE, BOOKINGS, seed=3)
    sim.schedule_bookings()
    first = min(start for _, start in sim.booked)
    state = sim.state_now(first)
    assert sum(len(s) for s in state.booked.values()) == 20
