"""Tickets from home (issue 16, item 2), through the API on both databases: the window, the
limits (per address, per phone, the share of the cap), a stopped or capped service, arrival
(the hall's network, the kiosk's code, the kiosk's scan) and a call before arrival (kept
once, then no-show)."""

from __future__ import annotations

import itertools
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.domain import calendar
from server.remote_tickets import arrival_code
from tests.conftest import Clock, kiosk_headers, sign_in

OFFICE = "/api/v1/offices/nakano"
ISSUE = f"{OFFICE}/tickets"
_phones = itertools.count(1)


def phone() -> str:
    """A phone's key as the public page makes it (random, kept in the browser)."""
    return f"phone-key-{next(_phones):08d}-abcdef"


def from_home(
    client: TestClient, service: str = "moving", device: str | None = None, travel: int = 0
) -> Any:
    body = {"service": service, "channel": "online", "device": device or phone()}
    return client.post(ISSUE, json=body | {"travel_min": travel})


def refused(answer: Any, status: int, code: str, reason: str | None = None) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["code"] == code
    if reason is not None:
        assert body["reason"] == reason
    return body


def test_a_ticket_from_home_waits_to_be_confirmed(client: TestClient) -> None:
    answer = from_home(client)
    assert answer.status_code == 201, answer.text
    ticket = answer.json()
    assert ticket["channel"] == "online" and ticket["remote"] is True
    assert ticket["arrived"] is False and ticket["token"]
    view = client.get(f"/api/v1/views/ticket:{ticket['token']}").json()["ticket"]
    assert view["remote"] is True and view["arrived"] is False
    public = client.get(f"{OFFICE}/status").json()
    services = {s["id"]: s for s in public["services"]}
    assert services["moving"]["remote"] is True and services["koseki"]["remote"] is False


def test_a_service_not_offered_from_home_is_refused(client: TestClient) -> None:
    refused(from_home(client, "koseki"), 409, "issuing_closed", "not_remote")


def test_from_home_needs_the_phones_key_and_the_way(client: TestClient) -> None:
    body = {"service": "moving", "channel": "online"}
    assert refused(client.post(ISSUE, json=body), 422, "invalid_request")["field"] == "device"
    answer = client.post(ISSUE, json=body | {"device": phone()})
    assert refused(answer, 422, "invalid_request")["field"] == "travel_min"
    answer = client.post(ISSUE, json=body | {"device": phone(), "travel_min": 10, "priority": True})
    refused(answer, 422, "invalid_request")


def test_the_window_closes_before_the_cutoff(client: TestClient, clock: Clock) -> None:
    # The demo's moving: cut-off 16:30, from home until an hour before (15:30 JST).
    clock.now = clock.now.replace(hour=6, minute=29)  # 15:29 JST
    assert from_home(client).status_code == 201
    clock.now = clock.now.replace(hour=6, minute=30)  # 15:30 JST
    refused(from_home(client), 409, "issuing_closed", "remote_window_closed")
    public = client.get(f"{OFFICE}/status").json()
    moving = next(s for s in public["services"] if s["id"] == "moving")
    assert moving["remote"] is False and moving["remote_reason"] == "remote_window_closed"
    assert client.post(ISSUE, json={"service": "moving"}).status_code == 201  # the kiosk: open
    clock.now = clock.now.replace(hour=0, minute=0)  # 09:00 JST, before opening: 08:30
    clock.now = clock.now - timedelta(minutes=31)
    refused(from_home(client), 409, "issuing_closed", "not_yet_open")


def test_a_stopped_or_capped_service_is_refused(client: TestClient) -> None:
    supervisor = sign_in(client, ("super1", "super-password-1"))
    patch = f"{OFFICE}/services/moving"
    assert client.patch(patch, json={"issuing": "stopped"}, headers=supervisor).status_code == 200
    refused(from_home(client), 409, "issuing_closed", "stopped")
    assert client.patch(
        patch, json={"issuing": "open", "daily_cap": 1}, headers=supervisor
    ).is_success
    assert client.post(ISSUE, json={"service": "moving"}).status_code == 201
    refused(from_home(client), 409, "daily_cap_reached")


def test_tickets_from_home_never_take_the_kiosks_share_of_the_cap(client: TestClient) -> None:
    supervisor = sign_in(client, ("super1", "super-password-1"))
    answer = client.patch(f"{OFFICE}/services/moving", json={"daily_cap": 10}, headers=supervisor)
    assert answer.status_code == 200, answer.text
    for _ in range(3):  # 30 % of 10
        assert from_home(client).status_code == 201
    refused(from_home(client), 409, "issuing_closed", "remote_share_reached")
    for _ in range(7):  # the kiosk's seven are all still there
        assert client.post(ISSUE, json={"service": "moving"}).status_code == 201
    refused(client.post(ISSUE, json={"service": "moving"}), 409, "daily_cap_reached")


def test_one_ticket_from_home_per_phone_per_service(client: TestClient) -> None:
    mine = phone()
    first = from_home(client, device=mine).json()
    again = refused(from_home(client, device=mine), 429, "rate_limited")
    assert again["retry_after"] == 300
    assert from_home(client, device=mine).headers["Retry-After"] == "300"
    assert from_home(client, "certificates", device=mine).status_code == 201  # another service
    assert client.post(f"/api/v1/visitor/{first['token']}/cancel").status_code == 200
    assert from_home(client, device=mine).status_code == 201  # the first one is gone


def test_tickets_from_home_are_limited_per_address(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    limited = make_client(database_url, issue_per_minute=3, issue_per_day=10)
    for _ in range(3):
        assert from_home(limited).status_code == 201
    answer = from_home(limited)
    refused(answer, 429, "rate_limited")
    assert 1 <= int(answer.headers["Retry-After"]) <= 60


def test_no_ticket_from_home_when_the_wait_is_shorter_than_the_way(
    client: TestClient, clerk: dict[str, str]
) -> None:
    assert client.post(f"{OFFICE}/counters/1/open", headers=clerk).status_code == 200
    # An open counter and nobody waiting: called at once, long before 30 minutes' way.
    refused(from_home(client, travel=30), 409, "issuing_closed", "wait_shorter_than_travel")
    for _ in range(8):
        client.post(ISSUE, json={"service": "moving"})
    assert from_home(client, travel=30).status_code == 201


def arrived(client: TestClient, token: str, **kwargs: Any) -> Any:
    return client.post(f"/api/v1/visitor/{token}/arrived", **kwargs)


def test_arrival_needs_the_hall_network_the_kiosks_code_or_its_scan(
    client: TestClient, clock: Clock
) -> None:
    tickets = [from_home(client).json() for _ in range(3)]
    refused(arrived(client, tickets[0]["token"]), 403, "not_in_hall")
    answer = arrived(client, tickets[0]["token"], json={"code": "0000"})
    code = today(client, clock)
    if code != "0000":
        assert refused(answer, 422, "invalid_request")["field"] == "code"
    # The kiosk shows its code; the visitor types it.
    shown = client.get(f"{OFFICE}/arrival-code", headers=kiosk_headers(client)).json()
    assert shown["code"] == code
    answer = arrived(client, tickets[0]["token"], json={"code": code})
    assert answer.status_code == 200 and answer.json()["arrived"] is True
    # The kiosk scans the ticket's QR code: its device token.
    answer = arrived(client, tickets[1]["token"], headers=kiosk_headers(client))
    assert answer.status_code == 200 and answer.json()["arrived"] is True
    # From the hall's Wi-Fi (the demo: 10.20.0.0/16).
    in_hall = TestClient(client.app, client=("10.20.3.4", 50000))
    answer = arrived(in_hall, tickets[2]["token"])
    assert answer.status_code == 200 and answer.json()["arrived"] is True
    before = version(client)
    assert arrived(in_hall, tickets[2]["token"]).status_code == 200  # again: nothing new
    assert version(client) == before


def test_what_a_kiosks_scan_is_answered_for_each_ticket(client: TestClient, clock: Clock) -> None:
    """What the kiosk's screen tells apart (kiosk/static/kiosk.js): a ticket from home now
    arrived, or arrived already (the same answer, nothing new); a kiosk's ticket, which has
    nothing to confirm (200 with `remote` false, nothing written); one that has ended (409);
    an unknown token or yesterday's ticket (404)."""
    kiosk = kiosk_headers(client)
    remote = from_home(client).json()
    first = arrived(client, remote["token"], headers=kiosk)
    assert first.status_code == 200
    assert (first.json()["remote"], first.json()["arrived"]) == (True, True)
    before = version(client)
    again = arrived(client, remote["token"], headers=kiosk)
    assert again.status_code == 200 and again.json() == first.json()
    walk_in = client.post(ISSUE, json={"service": "certificates"}).json()
    answer = arrived(client, walk_in["token"], headers=kiosk)
    assert answer.status_code == 200
    assert (answer.json()["remote"], answer.json()["arrived"]) == (False, None)
    assert answer.json()["number"] == walk_in["number"]
    assert version(client) == before + 1  # the walk-in's issuing; no arrival written
    cancelled = from_home(client).json()
    assert client.post(f"/api/v1/visitor/{cancelled['token']}/cancel").status_code == 200
    body = refused(arrived(client, cancelled["token"], headers=kiosk), 409, "invalid_transition")
    assert body["status"] == "cancelled"
    refused(arrived(client, "no-such-ticket-token", headers=kiosk), 404, "not_found")
    waiting = from_home(client).json()
    clock.now += timedelta(days=1)
    refused(arrived(client, waiting["token"], headers=kiosk), 404, "not_found")


def test_the_kiosks_code_holds_until_the_business_day_ends(
    client: TestClient, clock: Clock
) -> None:
    kiosk = kiosk_headers(client)
    shown = client.get(f"{OFFICE}/arrival-code", headers=kiosk).json()
    # 10:00 in Tokyo: fourteen hours to midnight.
    assert (shown["day"], shown["expires_in"]) == ("2026-11-25", 14 * 3600)
    clock.now = clock.now.replace(hour=14, minute=59, second=30)  # 23:59:30 in Tokyo
    late = client.get(f"{OFFICE}/arrival-code", headers=kiosk).json()
    assert (late["code"], late["day"], late["expires_in"]) == (shown["code"], "2026-11-25", 30)
    clock.now += timedelta(seconds=30)
    nxt = client.get(f"{OFFICE}/arrival-code", headers=kiosk).json()
    assert (nxt["day"], nxt["expires_in"]) == ("2026-11-26", 24 * 3600)
    assert nxt["code"] == today(client, clock)
    assert client.get(f"{OFFICE}/arrival-code").status_code == 401


def version(client: TestClient) -> int:
    return int(client.get(f"{OFFICE}/status").headers["X-Version"])


SUPER = ("super1", "super-password-1")


def today(client: TestClient, clock: Clock) -> str:
    system = client.app.state.system  # type: ignore[attr-defined]
    day = calendar.business_day(system.office, clock.now)
    return arrival_code(client.app.state.arrival_secret, "nakano", day)  # type: ignore[attr-defined]


def test_a_call_before_arrival_keeps_the_place_once_then_marks_no_show(
    client: TestClient, clerk: dict[str, str], clock: Clock
) -> None:
    remote = from_home(client).json()
    walk_in = client.post(ISSUE, json={"service": "moving"}).json()
    assert client.post(f"{OFFICE}/counters/1/open", headers=clerk).status_code == 200
    call = client.post(f"{OFFICE}/counters/1/call-next", headers=clerk)
    assert call.json()["number"] == walk_in["number"]  # the visitor from home is not here yet
    view = client.get(f"/api/v1/views/ticket:{remote['token']}").json()["ticket"]
    assert view["status"] == "waiting" and view["kept"] is True and view["position"] == 0
    for action in ("start", "finish"):
        assert client.post(f"/api/v1/tickets/{walk_in['id']}/{action}", headers=clerk).is_success
    # Within the grace (5 minutes): passed over again, still waiting.
    clock.now += timedelta(minutes=4)
    assert client.post(f"{OFFICE}/counters/1/call-next", headers=clerk).status_code == 204
    assert client.get(f"/api/v1/visitor/{remote['token']}").json()["status"] == "waiting"
    # After it: no-show (a clerk may return it when the visitor comes).
    clock.now += timedelta(minutes=2)
    assert client.post(f"{OFFICE}/counters/1/call-next", headers=clerk).status_code == 204
    assert client.get(f"/api/v1/visitor/{remote['token']}").json()["status"] == "absent"


def test_a_visitor_who_arrives_within_the_grace_is_called(
    client: TestClient, clerk: dict[str, str], clock: Clock
) -> None:
    remote = from_home(client).json()
    assert client.post(f"{OFFICE}/counters/1/open", headers=clerk).status_code == 200
    assert client.post(f"{OFFICE}/counters/1/call-next", headers=clerk).status_code == 204
    clock.now += timedelta(minutes=3)
    assert arrived(client, remote["token"], headers=kiosk_headers(client)).status_code == 200
    call = client.post(f"{OFFICE}/counters/1/call-next", headers=clerk)
    assert call.status_code == 200 and call.json()["number"] == remote["number"]


@pytest.fixture
def client(make_client: Callable[..., TestClient], database_url: str) -> TestClient:
    from server import accounts

    made = make_client(database_url)
    accounts.add_user(made.app.state.system.writer, *SUPER, accounts.Role.SUPERVISOR)  # type: ignore[attr-defined]
    return made
