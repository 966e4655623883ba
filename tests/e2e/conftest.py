"""One Debian Chromium for every browser test (never a downloaded browser)."""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright import sync_api as playwright_api

from server.cli import DEMO_SUPERVISOR
from tests.conftest import LiveServer, sign_in
from tests.integration.test_web_push import PushEndpoint

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
# As the machine's own probe starts it: without the background-networking flags Chromium's
# connections are refused by this machine's closed network.
ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--autoplay-policy=no-user-gesture-required",  # the display plays its chime unprompted
]


@pytest.fixture(scope="module")
def browser() -> Iterator[Any]:
    # Per module, not per session: Playwright's sync API keeps an event loop running in
    # this thread while it is open, and other tests call asyncio.run().
    # A missing browser fails the tests, loudly: a skipped browser test is not a pass.
    assert Path(CHROMIUM).exists(), "browser tests need Debian's chromium (.ci/run installs it)"
    with playwright_api.sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def server(live_server: Callable[..., LiveServer], sqlite_url: str) -> LiveServer:
    """The demo office on a real uvicorn (it has the demo clerk)."""
    return live_server(sqlite_url)


@pytest.fixture
def api(server: LiveServer) -> Iterator[httpx.Client]:
    """The server's API, signed in as the demo supervisor (it works several counters)."""
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.headers.update(sign_in(client, DEMO_SUPERVISOR))
        yield client


def submit_sign_in(page: Any, user: tuple[str, str]) -> None:
    """Fill the sign-in form (/signin, where a staff page sends a stranger) and send it
    with Enter, as a clerk at a keyboard does."""
    page.locator("#username").fill(user[0])
    page.locator("#password").fill(user[1])
    page.locator("#password").press("Enter")


@pytest.fixture
def endpoint() -> Iterator[PushEndpoint]:
    """A push service on 127.0.0.1 that keeps what the server posts to it."""
    service = PushEndpoint()
    yield service
    service.close()


@pytest.fixture
def push_server(tmp_path: Path, sqlite_url: str) -> Iterator[LiveServer]:
    """The demo office (its demo clerk) on a real uvicorn, posting its Web Push notices to
    127.0.0.1 (the `endpoint`)."""
    server = LiveServer(sqlite_url, tmp_path)
    server.env["MADOGUCHI_PUSH_HOSTS"] = "127.0.0.1"
    yield server.start()
    server.stop()
