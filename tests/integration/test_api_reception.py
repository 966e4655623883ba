"""Issuing at the reception desk (受付・案内): a clerk issues for a visitor who cannot use the
kiosk, with `"channel": "reception"`, printed at a chosen kiosk's printer or not at all
(the counter app shows the QR code). Only signed-in staff may claim the channel."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from typing import Any

import pytest
from sqlalchemy import text
from starlette.testclient import TestClient

from printer.emulator import PrinterEmulator
from printer.emulator.decode import QRCode
from server.accounts import device_token
from tests.conftest import CLERK, kiosk_headers, sign_in

TICKETS = "/api/v1/offices/nakano/tickets"
RECEPTION = {"service": "certificates", "channel": "reception"}


def waiting(client: TestClient) -> int:
    view = client.get("/api/v1/offices/nakano/status").json()
    return int(view["waiting_total"])


def issued_event(client: TestClient, ticket: str) -> tuple[str | None, dict[str, Any]]:
    """The actor and data of a ticket's `ticket.issued` row in the event log."""
    engines = client.app.state.system.engines  # type: ignore[attr-defined]
    with engines.reader.connect() as conn:
        [(actor, data)] = conn.execute(
            text("SELECT actor, data FROM event WHERE type = 'ticket.issued' AND ticket = :t"),
            {"t": ticket},
        ).all()
    return actor, data if isinstance(data, dict) else json.loads(data)


def test_a_clerk_issues_at_reception_with_priority_and_language_recorded_as_reception(
    client: TestClient, clerk: dict[str, str]
) -> None:
    body = {**RECEPTION, "lang": "vi", "priority": True}
    answer = client.post(TICKETS, json=body, headers=clerk)
    assert answer.status_code == 201, answer.text
    ticket = answer.json()
    assert (ticket["channel"], ticket["lang"], ticket["priority"]) == ("reception", "vi", True)
    assert ticket["kiosk"] is None and ticket["print"]["status"] == "none"
    assert ticket["url"] == f"/t/{ticket['token']}"  # the QR code the desk shows
    # The ticket's JSON says so later too, and the event log names the clerk.
    again = client.get(f"/api/v1/tickets/{ticket['id']}", headers=clerk).json()
    assert again["channel"] == "reception"
    actor, data = issued_event(client, ticket["id"])
    assert actor == "clerk1"
    assert data == {"priority": True, "lang": "vi", "channel": "reception"}
    # The visitor's page works with the token the QR code carries.
    assert client.get(f"/api/v1/visitor/{ticket['token']}").status_code == 200
    qr = client.get(f"/api/v1/visitor/{ticket['token']}/qr.svg")
    assert qr.status_code == 200 and qr.headers["content-type"].startswith("image/svg+xml")


@pytest.mark.parametrize("caller", ["anonymous", "visitor", "kiosk", "display"])
def test_nobody_but_staff_may_claim_the_reception_channel(client: TestClient, caller: str) -> None:
    headers: dict[str, str] = {}
    if caller == "visitor":
        token = client.post(TICKETS, json={"service": "moving"}).json()["token"]
        headers = {"Authorization": f"Bearer {token}"}
    elif caller in ("kiosk", "display"):
        writer = client.app.state.system.writer  # type: ignore[attr-defined]
        headers = {"Authorization": f"Bearer {device_token(writer, f'{caller}-2f')}"}
    before = waiting(client)
    for body in (RECEPTION, {**RECEPTION, "kiosk": "kiosk-2f"}):
        answer = client.post(TICKETS, json=body, headers=headers)
        expected = 403 if caller in ("kiosk", "display") else 401
        assert answer.status_code == expected, answer.text
        assert answer.json()["code"] == ("forbidden" if expected == 403 else "unauthorized")
    assert waiting(client) == before  # nothing was issued


def test_a_channel_other_than_reception_cannot_be_claimed(
    client: TestClient, clerk: dict[str, str]
) -> None:
    for channel in ("kiosk", "phone"):
        answer = client.post(TICKETS, json={**RECEPTION, "channel": channel}, headers=clerk)
        assert answer.status_code == 422 and answer.json()["field"] == "channel", answer.text
    # "online" is a ticket from home (the public page's): it needs the phone's key.
    online = client.post(TICKETS, json={**RECEPTION, "channel": "online"}, headers=clerk)
    assert online.status_code == 422 and online.json()["field"] == "device", online.text


def test_an_unknown_kiosk_is_404_and_issues_nothing(
    client: TestClient, clerk: dict[str, str]
) -> None:
    before = waiting(client)
    answer = client.post(TICKETS, json={**RECEPTION, "kiosk": "kiosk-9f"}, headers=clerk)
    assert answer.status_code == 404, answer.text
    assert waiting(client) == before


def test_a_reception_ticket_prints_at_the_chosen_kiosks_printer(
    printing_client: TestClient, emulator: PrinterEmulator
) -> None:
    clerk = sign_in(printing_client)
    body = {**RECEPTION, "kiosk": "kiosk-2f", "lang": "en"}
    answer = printing_client.post(TICKETS, json=body, headers=clerk)
    assert answer.status_code == 201, answer.text
    ticket = answer.json()
    assert ticket["channel"] == "reception" and ticket["kiosk"] == "kiosk-2f"
    assert ticket["print"] == {"status": "printed", "error": None}
    [job] = emulator.wait_for_jobs(1)
    assert ticket["number"] in job.text()
    assert [i.data for i in job.items if isinstance(i, QRCode)] == [
        f"http://testserver/t/{ticket['token']}"
    ]
    # Without `channel`, staff still do not print by issuing (that is a reprint).
    plain = printing_client.post(
        TICKETS, json={"service": "certificates", "kiosk": "kiosk-2f"}, headers=clerk
    )
    assert plain.status_code == 401 and plain.json()["field"] == "kiosk"


def test_reception_is_not_held_to_the_per_address_limits_of_anonymous_issuing(
    make_client: Callable[..., TestClient], sqlite_url: str
) -> None:
    client = make_client(sqlite_url, issue_per_minute=2, issue_per_day=0, always_open=True)
    clerk = sign_in(client)
    for _ in range(2):
        assert client.post(TICKETS, json={"service": "moving"}).status_code == 201
    assert client.post(TICKETS, json={"service": "moving"}).status_code == 429
    # The reception desk, at the same address, issues on.
    for _ in range(4):
        answer = client.post(TICKETS, json=RECEPTION, headers=clerk)
        assert answer.status_code == 201, answer.text
    # And the kiosk still prints its own tickets: kiosk tokens are not reception's.
    kiosk = client.post(
        TICKETS, json={"service": "moving", "kiosk": "kiosk-2f"}, headers=kiosk_headers(client)
    )
    assert kiosk.status_code == 201 and kiosk.json()["channel"] == "kiosk"


def test_the_counter_apps_session_issues_at_reception_with_its_csrf_token_only(
    client: TestClient,
) -> None:
    page = client.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text
    signed_in = client.post(
        "/signin",
        data={"csrf": csrf.group(1), "username": CLERK[0], "password": CLERK[1], "next": "/"},
        follow_redirects=False,
    )
    assert signed_in.status_code == 303, signed_in.text
    session = client.get("/api/v1/auth/session").json()
    # The cookie alone (a page elsewhere posting in the clerk's browser): refused.
    answer = client.post(TICKETS, json=RECEPTION)
    assert answer.status_code == 403 and answer.json()["code"] == "csrf_failed", answer.text
    answer = client.post(TICKETS, json=RECEPTION, headers={"X-CSRF-Token": session["csrf"]})
    assert answer.status_code == 201 and answer.json()["channel"] == "reception", answer.text
    assert issued_event(client, answer.json()["id"])[0] == CLERK[0]
