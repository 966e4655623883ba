"""X-Forwarded-For is believed only from the proxies named in MADOGUCHI_TRUSTED_PROXIES
(issue 14, item 7): a local process cannot dodge the per-address sign-in limit by naming a
new address each time. The same for booking's per-address limits and the hall's network (issue 16). Real uvicorn:
it is uvicorn that reads the header."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import pytest

from server.api.auth import SignInThrottle
from tests.conftest import LiveServer

TOKEN = "/api/v1/auth/token"
OFFICE = "/api/v1/offices/nakano"


def guesses(server: LiveServer) -> list[int]:
    """One more wrong password than an address may send, each for another name and each
    claiming to come from another address."""
    with httpx.Client(base_url=server.url) as http:
        return [
            http.post(
                TOKEN,
                json={"username": f"name-{i}", "password": "guess-guess"},
                headers={"X-Forwarded-For": f"203.0.113.{i}"},
            ).status_code
            for i in range(SignInThrottle.MAX_FAILURES_PER_ADDRESS + 1)
        ]


def test_a_forwarded_address_from_an_untrusted_peer_is_ignored(
    live_server: Callable[..., LiveServer], sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("MADOGUCHI_TRUSTED_PROXIES", raising=False)
    monkeypatch.delenv("FORWARDED_ALLOW_IPS", raising=False)
    statuses = guesses(live_server(sqlite_url))
    assert statuses[-1] == 429  # all counted against 127.0.0.1


def test_a_forwarded_address_from_a_trusted_proxy_is_the_client(
    live_server: Callable[..., LiveServer], sqlite_url: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("MADOGUCHI_TRUSTED_PROXIES", "127.0.0.1")
    statuses = guesses(live_server(sqlite_url))
    assert set(statuses) == {401}  # each counted against the address the proxy named


def test_booking_limits_and_the_halls_network_see_the_client_a_trusted_proxy_names(
    sqlite_url: str, tmp_path: Path
) -> None:
    """Behind a trusted proxy, each resident's own address is counted for booking (one an
    hour here), and a phone on the hall's Wi-Fi (the demo's 10.20.0.0/16) checks in."""
    server = LiveServer(sqlite_url, tmp_path)
    server.env = {"MADOGUCHI_TRUSTED_PROXIES": "127.0.0.1", "MADOGUCHI_BOOK_PER_HOUR": "1"}
    server.start()
    try:
        with httpx.Client(base_url=server.url) as http:
            today = datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
            slots = http.get(f"{OFFICE}/slots", params={"service": "mynumber", "date": today})
            start = next(s["start"] for s in slots.json() if s["left"] == 2)
            body = {"service": "mynumber", "start": start, "lang": "ja"}

            def book(address: str) -> httpx.Response:
                return http.post(
                    f"{OFFICE}/appointments", json=body, headers={"X-Forwarded-For": address}
                )

            first, second = book("203.0.113.1"), book("10.20.3.4")
            assert (first.status_code, second.status_code) == (201, 201), second.text
            again = book("203.0.113.1")
            assert again.status_code == 429 and int(again.headers["Retry-After"]) > 0
            token = first.json()["token"]
            away = http.post(
                f"/api/v1/appointments/{token}/check-in",
                headers={"X-Forwarded-For": "203.0.113.1"},
            )
            assert away.status_code == 403 and away.json()["code"] == "not_in_hall"
            hall = http.post(
                f"/api/v1/appointments/{token}/check-in",
                headers={"X-Forwarded-For": "10.20.3.4"},
            )
            assert hall.status_code == 201 and hall.json()["channel"] == "appointment"
    finally:
        server.stop()
