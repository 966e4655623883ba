"""What anyone may do with open issuing (issue 14, item 1): no printing at a kiosk without
that kiosk's token, no priority without a kiosk or staff, and a few tickets per address
(429 `rate_limited` with `Retry-After`). Kiosks and staff are not limited."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from starlette.testclient import TestClient

from server.settings import Settings
from tests.conftest import kiosk_headers, sign_in

ISSUE = "/api/v1/offices/nakano/tickets"
DEFAULTS = {"issue_per_minute": Settings.issue_per_minute, "issue_per_day": Settings.issue_per_day}


@pytest.fixture
def limited(make_client: Callable[..., TestClient], database_url: str) -> TestClient:
    """The demo office (open issuing) with the default limits."""
    return make_client(database_url, **DEFAULTS)


def waiting(client: TestClient) -> int:
    return int(client.get("/api/v1/offices/nakano/status").json()["waiting_total"])


def assert_refused(answer: Any, status: int, code: str) -> None:
    assert answer.status_code == status, answer.text
    assert answer.json()["code"] == code


def test_printing_at_a_kiosk_needs_that_kiosks_token(limited: TestClient) -> None:
    body = {"service": "moving", "kiosk": "kiosk-2f"}
    assert_refused(limited.post(ISSUE, json=body), 401, "unauthorized")
    other = kiosk_headers(limited, "kiosk-3f")
    assert_refused(limited.post(ISSUE, json=body, headers=other), 403, "forbidden")
    clerk = sign_in(limited)
    assert_refused(limited.post(ISSUE, json=body, headers=clerk), 401, "unauthorized")
    assert waiting(limited) == 0
    answer = limited.post(ISSUE, json=body, headers=kiosk_headers(limited))
    assert answer.status_code == 201 and answer.json()["kiosk"] == "kiosk-2f"


def test_priority_comes_only_from_a_kiosk_or_staff(limited: TestClient) -> None:
    body = {"service": "moving", "priority": True}
    refused = limited.post(ISSUE, json=body)
    assert_refused(refused, 403, "forbidden")
    assert refused.json()["field"] == "priority"
    assert waiting(limited) == 0
    for headers in (kiosk_headers(limited), sign_in(limited)):
        answer = limited.post(ISSUE, json=body, headers=headers)
        assert answer.status_code == 201 and answer.json()["priority"] is True


def test_anonymous_issuing_is_limited_per_minute_per_address(limited: TestClient) -> None:
    for _ in range(Settings.issue_per_minute):
        assert limited.post(ISSUE, json={"service": "moving"}).status_code == 201
    refused = limited.post(ISSUE, json={"service": "moving"})
    assert_refused(refused, 429, "rate_limited")
    assert 1 <= int(refused.headers["Retry-After"]) <= 60
    assert waiting(limited) == Settings.issue_per_minute
    # Another address, a kiosk and staff are not held by it.
    elsewhere = TestClient(limited.app, client=("192.0.2.7", 50000))
    assert elsewhere.post(ISSUE, json={"service": "moving"}).status_code == 201
    assert (
        limited.post(ISSUE, json={"service": "moving"}, headers=kiosk_headers(limited)).status_code
        == 201
    )
    assert (
        limited.post(ISSUE, json={"service": "moving"}, headers=sign_in(limited)).status_code == 201
    )


def test_anonymous_issuing_is_capped_per_address_per_day(
    make_client: Callable[..., TestClient], sqlite_url: str
) -> None:
    client = make_client(sqlite_url, issue_per_minute=0, issue_per_day=2)
    for _ in range(2):
        assert client.post(ISSUE, json={"service": "moving"}).status_code == 201
    refused = client.post(ISSUE, json={"service": "moving"})
    assert_refused(refused, 429, "rate_limited")
    # The clock fixture says 10:00 in Tokyo: the count starts again at midnight.
    assert int(refused.headers["Retry-After"]) == 14 * 3600


def test_the_limits_are_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MADOGUCHI_ISSUE_PER_MINUTE", "5")
    monkeypatch.setenv("MADOGUCHI_ISSUE_PER_DAY", "0")
    settings = Settings.from_env()
    assert (settings.issue_per_minute, settings.issue_per_day) == (5, 0)
    monkeypatch.delenv("MADOGUCHI_ISSUE_PER_MINUTE")
    monkeypatch.delenv("MADOGUCHI_ISSUE_PER_DAY")
    assert (Settings.from_env().issue_per_minute, Settings.from_env().issue_per_day) == (3, 10)


def test_a_refused_ticket_does_not_count_against_the_address(limited: TestClient) -> None:
    """A visitor who tries a service that does not exist (or a closed one) keeps her count:
    only tickets issued are counted."""
    for _ in range(Settings.issue_per_minute + 2):
        assert_refused(limited.post(ISSUE, json={"service": "no-such-service"}), 404, "not_found")
    assert limited.post(ISSUE, json={"service": "moving"}).status_code == 201


def test_a_staff_cookie_without_its_csrf_token_issues_as_anyone(
    limited: TestClient,
) -> None:
    """A clerk trying the visitor's page in the browser she is signed in with gets a
    ticket, as anyone would (not a 403 for the missing CSRF token)."""
    page = limited.get("/signin")
    csrf = page.text.split('name="csrf" value="', 1)[1].split('"', 1)[0]
    signed = limited.post(
        "/signin",
        data={"csrf": csrf, "username": "clerk1", "password": "clerk-password-1", "next": "/"},
        follow_redirects=False,
    )
    assert signed.status_code == 303, signed.text
    assert "madoguchi_session" in limited.cookies
    answer = limited.post(ISSUE, json={"service": "moving"})
    assert answer.status_code == 201, answer.text
