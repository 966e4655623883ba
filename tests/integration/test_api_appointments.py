"""Appointments (予約) over HTTP on both databases: slots, booking and its refusals, a
double tap, cancel, move, check-in at the kiosk, and the call order the rule gives."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import Clock, kiosk_headers, sign_in

OFFICE = "/api/v1/offices/nakano"
TODAY = "2026-11-25"  # the clock fixture's day: a Wednesday, 10:00 in Tokyo


def at(hhmm: str, day: str = TODAY) -> str:
    """A local time (Asia/Tokyo) as the API's ISO string in UTC."""
    local = datetime.fromisoformat(f"{day}T{hhmm}:00+09:00")
    return local.astimezone(UTC).isoformat()


def book(client: TestClient, start: str, **headers: str) -> Any:
    body = {"service": "mynumber", "start": start, "lang": "en"}
    return client.post(f"{OFFICE}/appointments", json=body, headers=headers)


def slots(client: TestClient, day: str = TODAY) -> list[dict[str, Any]]:
    answer = client.get(f"{OFFICE}/slots", params={"service": "mynumber", "date": day})
    assert answer.status_code == 200, answer.text
    found: list[dict[str, Any]] = answer.json()
    return found


def left(client: TestClient, start: str) -> int:
    return next(s["left"] for s in slots(client) if s["start"] == start)


def test_slots_of_today_start_with_the_slot_not_yet_over(client: TestClient) -> None:
    found = slots(client)
    assert found[0] == {"start": at("10:00"), "capacity": 2, "left": 2}
    assert [s["start"] for s in found[:3]] == [at("10:00"), at("10:30"), at("11:00")]


def test_a_service_without_appointments_has_no_slots(client: TestClient) -> None:
    answer = client.get(f"{OFFICE}/slots", params={"service": "moving", "date": TODAY})
    assert answer.status_code == 422
    assert answer.json()["reason"] == "no_appointments"


def test_booking_takes_a_place_until_the_slot_is_full(client: TestClient) -> None:
    first = book(client, at("10:30"))
    assert first.status_code == 201, first.text
    booking = first.json()
    assert booking["status"] == "booked" and booking["service"] == "mynumber"
    assert len(booking["code"]) == 6 and booking["code"].isdigit() and booking["token"]
    assert booking["start"] == at("10:30")
    assert left(client, at("10:30")) == 1
    assert book(client, at("10:30")).status_code == 201
    full = book(client, at("10:30"))
    assert full.status_code == 409 and full.json()["code"] == "slot_full"
    assert left(client, at("10:30")) == 0


def test_a_double_tap_with_one_idempotency_key_books_once(client: TestClient) -> None:
    first = book(client, at("11:00"), **{"Idempotency-Key": "tap-1"})
    again = book(client, at("11:00"), **{"Idempotency-Key": "tap-1"})
    assert (first.status_code, again.status_code) == (201, 200)
    assert again.json()["code"] == first.json()["code"]
    assert left(client, at("11:00")) == 1


def test_bookings_that_cannot_be_are_refused_naming_why(client: TestClient) -> None:
    cases = {
        at("09:00"): (409, "slot_past"),
        at("10:00", "2026-12-20"): (409, "beyond_horizon"),
        at("10:05"): (422, "not_a_slot"),
        at("10:00", "2026-11-29"): (422, "closed_day"),  # a Sunday
    }
    for start, (status, reason) in cases.items():
        answer = book(client, start)
        assert (answer.status_code, answer.json().get("reason")) == (status, reason), start
    other = client.post(
        f"{OFFICE}/appointments", json={"service": "moving", "start": at("10:30"), "lang": "ja"}
    )
    assert other.status_code == 422 and other.json()["reason"] == "no_appointments"


def test_cancel_gives_the_place_back_and_check_in_then_says_cancelled(client: TestClient) -> None:
    booking = book(client, at("10:30")).json()
    cancelled = client.delete(f"/api/v1/appointments/{booking['token']}")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == "cancelled"
    assert left(client, at("10:30")) == 2
    checked = client.post(
        f"{OFFICE}/appointments/{booking['code']}/check-in", headers=kiosk_headers(client)
    )
    assert checked.status_code == 409 and checked.json()["reason"] == "cancelled"


def test_moving_a_booking_frees_its_old_slot(client: TestClient) -> None:
    booking = book(client, at("10:30")).json()
    moved = client.patch(f"/api/v1/appointments/{booking['token']}", json={"start": at("14:00")})
    assert moved.status_code == 200 and moved.json()["start"] == at("14:00")
    assert moved.json()["code"] == booking["code"]
    assert (left(client, at("10:30")), left(client, at("14:00"))) == (2, 1)


def test_check_in_makes_one_appointment_ticket(client: TestClient) -> None:
    booking = book(client, at("10:30")).json()
    kiosk = kiosk_headers(client)
    assert client.post(f"{OFFICE}/appointments/999999/check-in", headers=kiosk).status_code == 404
    first = client.post(f"{OFFICE}/appointments/{booking['code']}/check-in", headers=kiosk)
    assert first.status_code == 201, first.text
    ticket = first.json()
    assert ticket["channel"] == "appointment" and ticket["number"].startswith("C-")
    assert ticket["lang"] == "en" and ticket["token"] and ticket["status"] == "waiting"
    again = client.post(f"{OFFICE}/appointments/{booking['code']}/check-in", headers=kiosk)
    assert again.status_code == 200 and again.json()["id"] == ticket["id"]


def test_another_days_booking_is_not_checked_in_today(client: TestClient) -> None:
    booking = book(client, at("10:30", "2026-11-26")).json()
    checked = client.post(
        f"{OFFICE}/appointments/{booking['code']}/check-in", headers=kiosk_headers(client)
    )
    assert checked.status_code == 409 and checked.json()["reason"] == "another_day"


def _walk_in(client: TestClient) -> str:
    answer = client.post(f"{OFFICE}/tickets", json={"service": "mynumber", "lang": "ja"})
    assert answer.status_code == 201, answer.text
    number: str = answer.json()["number"]
    return number


def _call(client: TestClient, clerk: dict[str, str]) -> str:
    called = client.post(f"{OFFICE}/counters/7/call-next", headers=clerk)
    assert called.status_code == 200, called.text
    number: str = called.json()["number"]
    for action in ("start", "finish"):
        done = client.post(f"/api/v1/tickets/{called.json()['id']}/{action}", headers=clerk)
        assert done.status_code == 200, done.text
    return number


def test_an_early_booking_is_called_at_its_slot_ahead_of_walk_ins(
    client: TestClient, clerk: dict[str, str], clock: Clock
) -> None:
    booking = book(client, at("10:30")).json()
    first_walk_in = _walk_in(client)
    clock.now += timedelta(minutes=5)  # 10:05: checked in early
    checked = client.post(
        f"{OFFICE}/appointments/{booking['code']}/check-in", headers=kiosk_headers(client)
    ).json()
    second_walk_in = _walk_in(client)
    assert client.post(f"{OFFICE}/counters/7/open", headers=clerk).status_code == 200
    assert _call(client, clerk) == first_walk_in  # 10:05: not its slot yet
    clock.now += timedelta(minutes=25)  # 10:30: its slot
    assert _call(client, clerk) == checked["number"]
    assert _call(client, clerk) == second_walk_in


def test_a_booking_checked_in_after_the_grace_waits_as_a_walk_in(
    client: TestClient, clerk: dict[str, str], clock: Clock
) -> None:
    clock.now = datetime.fromisoformat(at("10:20"))
    booking = book(client, at("10:30")).json()
    clock.now = datetime.fromisoformat(at("10:41"))  # the grace is 10 minutes
    walk_in = _walk_in(client)
    clock.now += timedelta(minutes=1)
    late = client.post(
        f"{OFFICE}/appointments/{booking['code']}/check-in", headers=kiosk_headers(client)
    ).json()
    assert client.post(f"{OFFICE}/counters/7/open", headers=clerk).status_code == 200
    assert [_call(client, clerk), _call(client, clerk)] == [walk_in, late["number"]]


def _mynumber_estimate(client: TestClient) -> dict[str, int]:
    view = client.get(f"{OFFICE}/status").json()
    estimate: dict[str, int] = next(s for s in view["services"] if s["id"] == "mynumber")[
        "estimate"
    ]
    return estimate


def test_bookings_not_yet_checked_in_are_work_ahead_of_walk_ins(
    client: TestClient, clerk: dict[str, str]
) -> None:
    assert client.post(f"{OFFICE}/counters/7/open", headers=clerk).status_code == 200
    for _ in range(3):
        _walk_in(client)
    before = _mynumber_estimate(client)
    for start in (at("10:00"), at("10:00"), at("10:30"), at("10:30")):
        assert book(client, start).status_code == 201
    after = _mynumber_estimate(client)
    # Four visits of about 20 minutes at one counter, all due before the walk-in's call.
    assert after["low_min"] >= before["low_min"] + 45, (before, after)
    assert after["high_min"] > before["high_min"]


def test_always_open_opens_todays_slots_at_night_to_book_check_in_and_call(
    make_client: Any, database_url: str, clock: Clock
) -> None:
    clock.now = datetime.fromisoformat("2026-11-29T23:10:00+09:00").astimezone(UTC)  # Sunday
    client = make_client(database_url, always_open=True)
    found = slots(client, "2026-11-29")
    assert found and found[0]["start"] == at("23:00", "2026-11-29")
    booking = book(client, at("23:00", "2026-11-29"))
    assert booking.status_code == 201, booking.text
    checked = client.post(
        f"{OFFICE}/appointments/{booking.json()['code']}/check-in", headers=kiosk_headers(client)
    )
    assert checked.status_code == 201, checked.text
    clerk = sign_in(client)
    assert client.post(f"{OFFICE}/counters/7/open", headers=clerk).status_code == 200
    assert _call(client, clerk) == checked.json()["number"]


def test_dates_no_slot_can_have_are_refused_not_failed(client: TestClient) -> None:
    for start in ("0001-01-01T00:00:00+09:00", "9999-12-31T23:59:00-09:00"):
        answer = book(client, start)
        assert answer.status_code in (409, 422), answer.text
    far = client.get(f"{OFFICE}/slots", params={"service": "mynumber", "date": "9999-12-31"})
    assert far.status_code == 200 and far.json() == []
