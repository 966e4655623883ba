"""The counter app's next tickets with appointments: those the counter may call now, in
its call order (call_policy.is_callable and call_order: the one rule)."""

from __future__ import annotations

import dataclasses
from datetime import timedelta

from server.domain.ticket import Ticket
from server.live.views import counter_view
from tests.unit.live.test_views import NOW, snapshot, ticket


def booked(seq: int, slot_minutes_from_now: int) -> Ticket:
    return dataclasses.replace(
        ticket("mynumber", seq, minute=5),
        channel="appointment",
        booked=True,
        queued_at=NOW + timedelta(minutes=slot_minutes_from_now),
    )


def test_counter_7_sees_a_due_booking_first_and_one_not_yet_due_not_at_all() -> None:
    snap = snapshot(
        ticket("mynumber", 1, minute=0),
        booked(2, -5),  # its slot began five minutes ago
        booked(3, 30),  # its slot is in half an hour
        ticket("mynumber", 4, minute=10),
    )
    assert [t["number"] for t in counter_view(snap, "7")["next"]] == ["C-002", "C-001", "C-004"]
