"""What one address may book (issue 16): a few bookings an hour and a day (429
`rate_limited` with `Retry-After`), not counting a double tap answered again nor a booking
refused; and a few bookings of a service held at once (409 `too_many_bookings`), so that
one phone cannot take every slot of a day. Staff are not limited. Both databases."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.settings import Settings
from tests.conftest import kiosk_headers, sign_in
from tests.integration.test_api_appointments import OFFICE, at, book

DEFAULTS = {
    "book_per_hour": Settings.book_per_hour,
    "book_per_day": Settings.book_per_day,
    "book_held_per_service": Settings.book_held_per_service,
}
# The demo's 10:00–11:30 slots (2 places each): five bookings in distinct places.
FIVE = [at("10:00"), at("10:00"), at("10:30"), at("10:30"), at("11:00")]


def assert_booked(answer: Any, status: int = 201) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    found: dict[str, Any] = answer.json()
    return found


def assert_refused(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["code"] == code and body["message"]
    return body


@pytest.fixture
def hourly(make_client: Callable[..., TestClient], database_url: str) -> TestClient:
    """The default rates, with no cap on bookings held (to reach the rate)."""
    return make_client(database_url, **DEFAULTS | {"book_held_per_service": 0})


def test_booking_is_limited_per_hour_per_address(hourly: TestClient) -> None:
    for start in FIVE:
        assert_booked(book(hourly, start))
    refused = book(hourly, at("11:00"))
    body = assert_refused(refused, 429, "rate_limited")
    assert "1時間に5件" in body["message"]
    assert 3540 <= int(refused.headers["Retry-After"]) <= 3600
    assert body["retry_after"] == int(refused.headers["Retry-After"])
    # Nothing was booked by the refusal; another address is not held by it.
    slots = hourly.get(f"{OFFICE}/slots", params={"service": "mynumber", "date": "2026-11-25"})
    assert next(s["left"] for s in slots.json() if s["start"] == at("11:00")) == 1
    elsewhere = TestClient(hourly.app, client=("192.0.2.7", 50000))
    assert_booked(book(elsewhere, at("11:30")))


def test_booking_is_capped_per_address_per_day(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client = make_client(database_url, book_per_hour=0, book_per_day=2)
    for start in FIVE[:2]:
        assert_booked(book(client, start))
    refused = book(client, at("10:30"))
    assert "1日2件" in assert_refused(refused, 429, "rate_limited")["message"]
    # The clock fixture says 10:00 in Tokyo: the count starts again at midnight.
    assert int(refused.headers["Retry-After"]) == 14 * 3600


def test_a_refused_booking_is_not_counted(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client = make_client(database_url, book_per_hour=2, book_per_day=0)
    elsewhere = TestClient(client.app, client=("192.0.2.7", 50000))
    for _ in range(2):  # someone else fills 10:00
        assert_booked(book(elsewhere, at("10:00")))
    for _ in range(3):
        assert_refused(book(client, at("10:00")), 409, "slot_full")
        assert_refused(book(client, at("10:05")), 422, "invalid_request")
    for start in (at("10:30"), at("11:00")):
        assert_booked(book(client, start))
    assert_refused(book(client, at("11:30")), 429, "rate_limited")


def test_a_double_tap_is_counted_once(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client = make_client(database_url, book_per_hour=1, book_per_day=0)
    tap = {"Idempotency-Key": "tap-1"}
    first = assert_booked(book(client, at("10:30"), **tap))
    for _ in range(3):
        again = assert_booked(book(client, at("10:30"), **tap), 200)
        assert again["code"] == first["code"]
    assert_refused(book(client, at("11:00"), **{"Idempotency-Key": "tap-2"}), 429, "rate_limited")


def test_staff_booking_for_residents_is_not_limited(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client = make_client(database_url, book_per_hour=1, book_per_day=1, book_held_per_service=1)
    clerk = sign_in(client)
    for start in FIVE:
        assert_booked(book(client, start, **clerk))
    assert_booked(book(client, at("11:30")))  # the address's own first one
    assert_refused(book(client, at("11:30")), 429, "rate_limited")


def test_one_address_holds_two_bookings_of_a_service_at_most(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    client = make_client(database_url, **DEFAULTS)
    first = assert_booked(book(client, at("10:30")))
    assert_booked(book(client, at("10:30", "2026-11-26")))
    refused = book(client, at("11:00", "2026-11-27"))
    body = assert_refused(refused, 409, "invalid_transition")
    assert body["reason"] == "too_many_bookings" and body["limit"] == 2
    assert "2件まで" in body["message"]
    # A booking cancelled, or used (checked in), is no longer held.
    assert client.delete(f"/api/v1/appointments/{first['token']}").status_code == 200
    third = assert_booked(book(client, at("11:00")))
    assert_refused(book(client, at("11:30")), 409, "invalid_transition")
    checked = client.post(
        f"{OFFICE}/appointments/{third['code']}/check-in", headers=kiosk_headers(client)
    )
    assert checked.status_code == 201, checked.text
    assert_booked(book(client, at("11:30")))
    # Another address holds its own.
    elsewhere = TestClient(client.app, client=("192.0.2.7", 50000))
    assert_booked(book(elsewhere, at("12:00")))


def test_the_booking_limits_are_settings_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    assert (Settings.from_env().book_per_hour, Settings.from_env().book_per_day) == (5, 10)
    assert Settings.from_env().book_held_per_service == 2
    monkeypatch.setenv("MADOGUCHI_BOOK_PER_HOUR", "0")
    monkeypatch.setenv("MADOGUCHI_BOOK_PER_DAY", "3")
    monkeypatch.setenv("MADOGUCHI_BOOK_HELD_PER_SERVICE", "1")
    settings = Settings.from_env()
    assert (settings.book_per_hour, settings.book_per_day) == (0, 3)
    assert settings.book_held_per_service == 1
