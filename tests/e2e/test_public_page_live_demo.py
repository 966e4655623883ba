"""`madoguchi simulate --live`: a real server's screens move (tickets issued, called and
served through the HTTP API)."""

from __future__ import annotations

from collections.abc import Callable

import httpx

from server.cli import DEMO_SUPERVISOR
from server.demo_driver import run
from tests.conftest import LiveServer


def test_simulate_live_issues_calls_and_serves_through_the_api(
    live_server: Callable[..., LiveServer], sqlite_url: str
) -> None:
    server = live_server(sqlite_url)
    issued = run(server.url, DEMO_SUPERVISOR, speed=600, duration_s=4, seed=3)
    status = httpx.get(f"{server.url}/api/v1/offices/nakano/status").json()
    assert issued > 0
    assert (
        status["done_today"] + sum(len(s["calling"]) + s["serving"] for s in status["services"]) > 0
    )
    assert status["waiting_total"] < issued
