"""A booking checked in on the visitor's phone (issue 16), on both databases: by the
booking's token, with the proofs of a ticket from home (the hall's network, the kiosk's
daily code, a kiosk's scan), answered as the kiosk's check-in is, and each refusal."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from server.domain import calendar
from server.remote_tickets import arrival_code
from tests.conftest import Clock, kiosk_headers
from tests.integration.test_api_appointments import OFFICE, at, book

HALL = ("10.20.3.4", 50000)  # the demo office's hall Wi-Fi is 10.20.0.0/16


def check_in(client: TestClient, token: str, **kwargs: Any) -> Any:
    return client.post(f"/api/v1/appointments/{token}/check-in", **kwargs)


def booked(client: TestClient, start: str | None = None) -> dict[str, Any]:
    answer = book(client, start or at("10:30"))
    assert answer.status_code == 201, answer.text
    found: dict[str, Any] = answer.json()
    return found


def refused(answer: Any, status: int, code: str, reason: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["code"] == code and body["message"]
    if reason is not None:
        assert body["reason"] == reason
    return body


def todays_code(client: TestClient, clock: Clock) -> str:
    system = client.app.state.system  # type: ignore[attr-defined]
    day = calendar.business_day(system.office, clock.now)
    return arrival_code(client.app.state.arrival_secret, "nakano", day)  # type: ignore[attr-defined]


def booking_status(client: TestClient, token: str) -> str:
    page = client.get(f"/book/{token}")
    assert page.status_code == 200
    return page.text.split('data-status="', 1)[1].split('"', 1)[0]


def test_from_the_halls_network_a_booking_becomes_its_ticket_once(client: TestClient) -> None:
    booking = booked(client)
    in_hall = TestClient(client.app, client=HALL)
    first = check_in(in_hall, booking["token"])
    assert first.status_code == 201, first.text
    ticket = first.json()
    assert ticket["channel"] == "appointment" and ticket["number"].startswith("C-")
    assert ticket["status"] == "waiting" and ticket["lang"] == "en" and ticket["token"]
    assert "id" not in ticket  # no staff handle on the visitor's phone
    assert first.headers["Cache-Control"] == "no-store"
    # Its ticket page is live, and the booking says it is checked in.
    view = client.get(f"/api/v1/views/ticket:{ticket['token']}")
    assert view.status_code == 200 and view.json()["ticket"]["number"] == ticket["number"]
    assert booking_status(client, booking["token"]) == "checked_in"
    # Again, even from home now: the same ticket, nothing new.
    again = check_in(client, booking["token"])
    assert again.status_code == 200 and again.json()["token"] == ticket["token"]
    kiosk = client.post(
        f"{OFFICE}/appointments/{booking['code']}/check-in", headers=kiosk_headers(client)
    )
    assert kiosk.status_code == 200 and kiosk.json()["token"] == ticket["token"]


def test_the_kiosks_daily_code_proves_the_hall_and_a_wrong_one_is_named(
    client: TestClient, clock: Clock
) -> None:
    booking = booked(client)
    code = todays_code(client, clock)
    wrong = "0000" if code != "0000" else "1111"
    assert (
        refused(check_in(client, booking["token"], json={"code": wrong}), 422, "invalid_request")[
            "field"
        ]
        == "code"
    )
    refused(check_in(client, booking["token"], json={"code": "12a4"}), 422, "invalid_request")
    assert booking_status(client, booking["token"]) == "booked"
    answer = check_in(client, booking["token"], json={"code": code})
    assert answer.status_code == 201, answer.text
    assert answer.json()["channel"] == "appointment"


def test_a_kiosks_scan_of_the_bookings_page_proves_the_hall(client: TestClient) -> None:
    booking = booked(client)
    answer = check_in(client, booking["token"], headers=kiosk_headers(client))
    assert answer.status_code == 201, answer.text
    # A phone check-in prints nothing, even with a kiosk's token.
    assert answer.json()["kiosk"] is None and answer.json()["print"]["status"] == "none"


def test_from_outside_the_hall_without_a_code_it_is_refused_and_nothing_changes(
    client: TestClient,
) -> None:
    booking = booked(client)
    before = int(client.get(f"{OFFICE}/status").headers["X-Version"])
    refused(check_in(client, booking["token"]), 403, "not_in_hall")
    refused(check_in(client, booking["token"], json={}), 403, "not_in_hall")
    assert int(client.get(f"{OFFICE}/status").headers["X-Version"]) == before
    assert booking_status(client, booking["token"]) == "booked"


def test_a_cancelled_or_another_days_booking_says_why_wherever_the_phone_is(
    client: TestClient,
) -> None:
    in_hall = TestClient(client.app, client=HALL)
    cancelled = booked(client)
    assert client.delete(f"/api/v1/appointments/{cancelled['token']}").status_code == 200
    refused(check_in(in_hall, cancelled["token"]), 409, "invalid_transition", "cancelled")
    refused(check_in(client, cancelled["token"]), 409, "invalid_transition", "cancelled")
    tomorrow = booked(client, at("10:30", "2026-11-26"))
    body = refused(check_in(in_hall, tomorrow["token"]), 409, "invalid_transition", "another_day")
    assert "11月26日" in body["message"]
    refused(check_in(client, tomorrow["token"]), 409, "invalid_transition", "another_day")


def test_an_unknown_token_is_not_found(client: TestClient) -> None:
    in_hall = TestClient(client.app, client=HALL)
    body = refused(check_in(in_hall, "no-such-booking-token"), 404, "not_found")
    assert body["kind"] == "appointment"


def test_the_bookings_page_offers_check_in_on_its_day_only(client: TestClient) -> None:
    today = booked(client)
    tomorrow = booked(client, at("10:30", "2026-11-26"))
    assert 'id="check-in-button"' in client.get(f"/book/{today['token']}").text
    assert 'id="check-in-button"' not in client.get(f"/book/{tomorrow['token']}").text
    in_hall = TestClient(client.app, client=HALL)
    assert check_in(in_hall, today["token"]).status_code == 201
    assert 'id="check-in-button"' not in client.get(f"/book/{today['token']}").text
