"""Tickets from home and the visitor's delay, as pure rules: the window and share of
issuing.remote_refusal, arrival.on_call's grace, arrival.delay_place."""

from __future__ import annotations

import dataclasses
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.domain import arrival, issuing
from server.domain.arrival import OnCall
from server.domain.errors import InvalidTransition
from server.domain.issuing import Refusal
from server.domain.ticket import Status, Ticket
from server.office_file import load_office

OFFICE = load_office()  # the demo: moving from home until 15:30 (cut-off 16:30), 30 % share
MOVING = OFFICE.services["moving"]
T0 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Tokyo


def never(_: date) -> bool:
    return False


def jst(hour: int, minute: int) -> datetime:
    return datetime(2026, 11, 25, hour, minute, tzinfo=ZoneInfo("Asia/Tokyo"))


def remote(**changes: object) -> Refusal | None:
    args: dict[str, object] = {
        "office": OFFICE,
        "service": MOVING,
        "now": T0,
        "issued_today": 0,
        "remote_today": 0,
        "is_holiday": never,
    }
    return issuing.remote_refusal(**(args | changes))  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("now", "expected"),
    [
        (jst(8, 29), Refusal.NOT_YET_OPEN),
        (jst(8, 30), None),
        (jst(15, 29), None),
        (jst(15, 30), Refusal.REMOTE_WINDOW_CLOSED),
        (jst(16, 29), Refusal.REMOTE_WINDOW_CLOSED),
        (jst(16, 30), Refusal.AFTER_CUTOFF),
    ],
)
def test_the_window_runs_from_opening_to_an_hour_before_the_cutoff(
    now: datetime, expected: Refusal | None
) -> None:
    assert remote(now=now) is expected


def test_always_open_lifts_the_window_but_not_the_share() -> None:
    capped = dataclasses.replace(MOVING, daily_cap=10)
    assert remote(now=jst(16, 0), always_open=True) is None
    assert remote(service=capped, remote_today=3, always_open=True) is Refusal.REMOTE_SHARE_REACHED


@pytest.mark.parametrize(
    ("cap", "share", "remote_today", "issued_today", "expected"),
    [
        (None, 30, 500, 500, None),  # no cap, no share
        (10, 30, 2, 2, None),
        (10, 30, 3, 3, Refusal.REMOTE_SHARE_REACHED),
        (10, 30, 0, 10, Refusal.DAILY_CAP_REACHED),  # the kiosks took it all
        (10, 0, 0, 0, Refusal.REMOTE_SHARE_REACHED),
        (10, 100, 9, 9, None),
    ],
)
def test_tickets_from_home_take_only_their_share_of_the_cap(
    cap: int | None, share: int, remote_today: int, issued_today: int, expected: Refusal | None
) -> None:
    service = dataclasses.replace(MOVING, daily_cap=cap, remote_share_pct=share)
    got = remote(service=service, remote_today=remote_today, issued_today=issued_today)
    assert got is expected


def test_a_stopped_or_not_remote_service_is_refused() -> None:
    assert remote(service=dataclasses.replace(MOVING, issuing_stopped=True)) is Refusal.STOPPED
    assert remote(service=OFFICE.services["koseki"]) is Refusal.NOT_REMOTE


@pytest.mark.parametrize(
    ("estimate", "travel", "ok"),
    [(None, 60, True), (30, 20, True), (20, 20, True), (10, 20, False)],
)
def test_from_home_only_while_the_wait_is_at_least_the_way(
    estimate: float | None, travel: int, ok: bool
) -> None:
    assert issuing.worth_coming_from_home(estimate, travel) is ok


def ticket(n: int, **changes: object) -> Ticket:
    base = Ticket(
        id=f"t{n:03d}",
        office="nakano",
        service="moving",
        prefix="A",
        seq=n,
        day=date(2026, 11, 25),
        token=f"tok{n}",
        lang="ja",
        priority=False,
        channel="kiosk",
        status=Status.WAITING,
        issued_at=T0 + timedelta(seconds=n),
        queued_at=T0 + timedelta(seconds=n),
    )
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("changes", "later_min", "expected"),
    [
        ({}, 0, OnCall.CALL),  # a kiosk's ticket
        ({"remote": True, "arrived_at": T0}, 0, OnCall.CALL),
        ({"remote": True}, 0, OnCall.KEEP),
        ({"remote": True, "kept_at": T0}, 4, OnCall.WAIT),
        ({"remote": True, "kept_at": T0}, 5, OnCall.NO_SHOW),
        ({"remote": True, "kept_at": T0, "arrived_at": T0}, 9, OnCall.CALL),
    ],
)
def test_a_call_before_arrival_keeps_the_place_once_for_the_grace(
    changes: dict[str, object], later_min: int, expected: OnCall
) -> None:
    now = T0 + timedelta(minutes=later_min)
    assert arrival.on_call(ticket(1, **changes), now, grace_min=5) is expected


def test_arrival_is_once_and_only_while_in_line() -> None:
    t = ticket(1, remote=True)
    arrived = arrival.arrive(t, T0)
    assert arrived.arrived_at == T0 and not arrived.awaits_arrival
    assert arrival.arrive(arrived, T0 + timedelta(minutes=1)).arrived_at == T0
    with pytest.raises(InvalidTransition):
        arrival.arrive(ticket(1, remote=True, status=Status.DONE), T0)


def test_a_delay_lets_n_ordinary_tickets_pass() -> None:
    line = [ticket(n) for n in range(1, 7)]
    place = arrival.delay_place(line[0], line, 3, T0)
    assert line[3].queued_at < place < line[4].queued_at
    # A priority ticket behind does not count among those passed.
    with_priority = [line[0], ticket(2, priority=True), *line[2:]]
    assert with_priority[4].queued_at < arrival.delay_place(line[0], with_priority, 3, T0)
    assert arrival.delay_place(line[4], line, 3, T0) > line[5].queued_at  # near the end: last
    assert arrival.delay_place(line[5], line, 3, T0) == line[5].queued_at  # last already


def test_a_delay_is_once_and_only_while_in_line() -> None:
    line = [ticket(n) for n in range(1, 4)]
    with pytest.raises(InvalidTransition):
        arrival.delay_place(dataclasses.replace(line[0], delays=1), line, 3, T0)
    with pytest.raises(InvalidTransition):
        arrival.delay_place(dataclasses.replace(line[0], status=Status.SERVING), line, 3, T0)


def test_a_called_ticket_goes_back_behind_the_head_instead_of_no_show() -> None:
    line = [ticket(n) for n in range(2, 8)]
    called = ticket(1, status=Status.CALLED, counter="1")
    place = arrival.delay_place(called, line, 3, T0 + timedelta(minutes=5))
    assert line[2].queued_at < place < line[3].queued_at
