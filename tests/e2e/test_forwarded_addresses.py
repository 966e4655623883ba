"""X-Forwarded-For is believed only from the proxies named in MADOGUCHI_TRUSTED_PROXIES
(issue 14, item 7): a local process cannot dodge the per-address sign-in limit by naming a
new address each time. Real uvicorn: it is uvicorn that reads the header."""

from __future__ import annotations

from collections.abc import Callable

import httpx
import pytest

from server.api.auth import SignInThrottle
from tests.conftest import LiveServer

TOKEN = "/api/v1/auth/token"


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
