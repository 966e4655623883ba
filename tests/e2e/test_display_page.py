"""The floor display in a real browser (Playwright on Debian's Chromium) against a real
server: calls shown within a second, announced in order and once each, across a server
restart; refused without a token."""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from server import accounts
from server.live.protocol import Close
from server.store.engine import make_engines
from server.store.unit_of_work import Writer
from tests.conftest import CLERK, ROOT, LiveServer, add_clerk

OFFICE = "/api/v1/offices/nakano"
DISPLAY = "display-2f"
# Records every <audio> playback of the page, in order (play events do not bubble).
WATCH_AUDIO = """
window.__plays = [];
document.addEventListener('play', (e) => window.__plays.push(
  new URL(e.target.currentSrc).pathname), true);
"""


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # bypass_csp: the tests wait on the page with evaluated expressions
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, bypass_csp=True)
    page = context.new_page()
    page.add_init_script(WATCH_AUDIO)
    yield page
    context.close()


class Office:
    """A clerk at the counters of a live server, through the HTTP API."""

    def __init__(self, server: LiveServer) -> None:
        self.http = httpx.Client(base_url=server.url, timeout=30)
        answer = self.http.post(
            "/api/v1/auth/token", json={"username": CLERK[0], "password": CLERK[1]}
        )
        assert answer.status_code == 200, answer.text
        self.headers = {"Authorization": f"Bearer {answer.json()['token']}"}

    def issue(self, service: str, lang: str = "ja") -> dict[str, Any]:
        answer = self.http.post(f"{OFFICE}/tickets", json={"service": service, "lang": lang})
        assert answer.status_code == 201, answer.text
        return dict(answer.json())

    def counter(self, counter: str, action: str) -> dict[str, Any]:
        answer = self.http.post(f"{OFFICE}/counters/{counter}/{action}", headers=self.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    def act(self, ticket: dict[str, Any], action: str) -> dict[str, Any]:
        answer = self.http.post(f"/api/v1/tickets/{ticket['id']}/{action}", headers=self.headers)
        assert answer.status_code == 200, answer.text
        return dict(answer.json())


@pytest.fixture
def setup(
    sqlite_url: str, live_server: Callable[..., LiveServer]
) -> Iterator[tuple[LiveServer, Office, str]]:
    add_clerk(sqlite_url, role="supervisor")  # works several counters
    server = live_server(sqlite_url)
    engines = make_engines(sqlite_url)
    try:
        token = accounts.device_token(Writer(engines), DISPLAY)
    finally:
        engines.dispose()
    office = Office(server)
    yield server, office, token
    office.http.close()


def open_display(page: Any, server: LiveServer, token: str | None) -> None:
    query = f"?token={token}" if token else ""
    page.goto(f"{server.url}/display/{DISPLAY}{query}")
    if token:
        page.wait_for_selector("body[data-state=online]", timeout=10_000)


def announced(page: Any) -> list[dict[str, Any]]:
    log: list[dict[str, Any]] = page.evaluate("window.madoguchiDisplay.log")
    return [entry for entry in log if "skipped" not in entry]


def wait_announced(page: Any, count: int, timeout_s: float = 90) -> list[dict[str, Any]]:
    page.wait_for_function(
        # A function, not a bare expression: Playwright evaluates an expression with
        # eval, which the page's Content-Security-Policy (script-src 'self') forbids.
        f"() => window.madoguchiDisplay.log.filter(e => e.done).length >= {count}"
        " && window.madoguchiDisplay.queue.length === 0",
        timeout=timeout_s * 1000,
    )
    return announced(page)


def test_pairing_keeps_the_token_and_clears_it_from_the_address(
    setup: tuple[LiveServer, Office, str], page: Any
) -> None:
    server, _, token = setup
    open_display(page, server, token)
    assert page.url == f"{server.url}/display/{DISPLAY}"
    stored = page.evaluate(f"localStorage.getItem('madoguchi.display.{DISPLAY}.token')")
    assert stored == token
    page.reload()
    page.wait_for_selector("body[data-state=online]", timeout=10_000)  # paired for good


def test_a_call_through_the_api_shows_on_the_display_within_a_second(
    setup: tuple[LiveServer, Office, str], page: Any
) -> None:
    server, office, token = setup
    ticket = office.issue("moving")
    office.counter("3", "open")
    open_display(page, server, token)
    began = time.monotonic()
    office.counter("3", "call-next")
    tile = page.wait_for_selector(f".tile[data-number='{ticket['number']}']", timeout=1000)
    shown_s = time.monotonic() - began
    assert shown_s < 1.0
    assert "3" in tile.inner_text()
    print(f"\ncall shown on the display {shown_s * 1000:.0f} ms after the API call began")


def test_three_quick_calls_are_announced_in_order_once_each(
    setup: tuple[LiveServer, Office, str], page: Any
) -> None:
    server, office, token = setup
    tickets = [office.issue("moving", lang) for lang in ("ja", "en", "vi")]
    for counter in ("1", "2", "3"):
        office.counter(counter, "open")
    open_display(page, server, token)
    called = [office.counter(c, "call-next")["number"] for c in ("1", "2", "3")]
    assert called == [t["number"] for t in tickets]

    log = wait_announced(page, 3)
    assert [e["number"] for e in log] == called
    assert [e["counter"] for e in log] == ["1", "2", "3"]
    seqs = [e["seq"] for e in log]
    assert seqs == sorted(set(seqs))
    for entry in log:  # never overlapping: each began after the one before ended
        assert entry["started"] <= entry["done"]
    assert all(a["done"] <= b["started"] for a, b in zip(log, log[1:], strict=False))
    # Japanese from the server's voice, English shown (headless Chromium has no voices),
    # and the third visitor's Vietnamese after them.
    assert [[p["lang"] for p in e["parts"]] for e in log] == [
        ["ja", "en"],
        ["ja", "en"],
        ["ja", "en", "vi"],
    ]
    assert all(e["parts"][0]["how"] == "audio" for e in log)
    plays = page.evaluate("window.__plays")
    expected = []
    for number, counter in zip(called, ("1", "2", "3"), strict=True):
        expected += ["/audio/chime.wav", f"/audio/ja/call/{number}/{counter}.wav"]
    assert plays == expected

    page.reload()  # a reload neither repeats them nor misses a new one
    page.wait_for_selector("body[data-state=online]", timeout=10_000)
    office.act(tickets[0], "recall")
    log = wait_announced(page, 1)
    assert [(e["number"], e["type"]) for e in log] == [(called[0], "ticket.recalled")]
    assert page.evaluate("window.__plays")[-1] == f"/audio/ja/recall/{called[0]}/1.wav"


def test_a_call_made_while_the_server_was_down_is_announced_once_after_reconnect(
    setup: tuple[LiveServer, Office, str], page: Any, sqlite_url: str, tmp_path: Path
) -> None:
    server, office, token = setup
    first, second = office.issue("moving"), office.issue("moving")
    office.counter("1", "open")
    office.counter("2", "open")
    open_display(page, server, token)
    office.counter("1", "call-next")
    assert [e["number"] for e in wait_announced(page, 1)] == [first["number"]]

    server.kill()
    page.wait_for_selector("#offline:not([hidden])", timeout=10_000)
    # While it is down, another server process on the same database takes the call.
    other = LiveServer(sqlite_url, tmp_path).start()
    try:
        Office(other).counter("2", "call-next")
    finally:
        other.stop()
    assert page.is_visible("#offline")
    assert page.locator(f".tile[data-number='{second['number']}']").count() == 0
    server.start()  # the same port: the page reconnects by itself, with `since`

    log = wait_announced(page, 2, timeout_s=120)
    assert [e["number"] for e in log] == [first["number"], second["number"]]
    page.wait_for_selector("#offline[hidden]", state="attached", timeout=5_000)
    page.wait_for_selector(f".tile[data-number='{second['number']}']", timeout=5_000)


def test_a_display_without_a_token_says_how_to_pair_and_is_refused(
    setup: tuple[LiveServer, Office, str], page: Any
) -> None:
    server, _, token = setup
    open_display(page, server, None)
    page.wait_for_selector("#pairing:not([hidden])", timeout=5_000)
    assert f"madoguchi device token {DISPLAY}" in page.inner_text("#pairing")

    def close_code(query: str) -> int:
        code: int = page.evaluate(
            """(url) => new Promise((resolve) => {
                 const ws = new WebSocket(url);
                 ws.onclose = (e) => resolve(e.code);
               })""",
            f"{server.ws_url}/ws/v1/display:{DISPLAY}{query}",
        )
        return code

    assert close_code("") == Close.POLICY
    assert close_code("?token=not-the-token") == Close.POLICY
    assert httpx.get(f"{server.url}/api/v1/views/display:{DISPLAY}").status_code == 401
    assert httpx.get(f"{server.url}/display/display-9f").status_code == 404
    bearer = {"Authorization": f"Bearer {token}"}
    assert httpx.get(f"{server.url}/api/v1/views/display:{DISPLAY}", headers=bearer).is_success

    page.goto(f"{server.url}/display/{DISPLAY}?token=a-rotated-token")  # told so, not retried
    page.wait_for_selector("body[data-state=refused]", timeout=10_000)
    assert page.is_visible("#pairing-refused")


def test_the_display_fits_a_1080p_screen_with_several_calls(
    setup: tuple[LiveServer, Office, str], page: Any
) -> None:
    """Also writes the README's screenshot when MADOGUCHI_SCREENSHOTS=1."""
    server, office, token = setup
    for service, n in (("moving", 4), ("certificates", 5), ("mynumber", 2), ("insurance", 3)):
        for _ in range(n):
            office.issue(service)
    for counter in ("1", "2", "4", "5", "7", "9"):
        office.counter(counter, "open")
    ready = office.counter("5", "call-next")  # a certificate: made, then ready at 11
    office.act(ready, "start")
    office.act(ready, "finish")
    office.act(ready, "ready")
    open_display(page, server, token)
    for counter in ("1", "2", "9", "4", "7"):
        office.counter(counter, "call-next")
    page.wait_for_function("() => window.madoguchiDisplay.log.length >= 5", timeout=60_000)
    page.wait_for_selector(".tile.newest", timeout=5_000)
    assert page.locator(".tile").count() == 5
    assert page.locator("#ready li").count() == 1
    fits = page.evaluate(
        "document.documentElement.scrollHeight <= innerHeight"
        " && document.documentElement.scrollWidth <= innerWidth"
    )
    assert fits
    target = (
        ROOT / "docs" / "display-2f.png"
        if os.environ.get("MADOGUCHI_SCREENSHOTS") == "1"
        else Path(server.log).parent / "display-2f.png"
    )
    page.wait_for_function("() => !document.body.classList.contains('switching')")
    page.screenshot(path=str(target))
    assert target.stat().st_size > 20_000


def test_the_display_sends_its_token_in_the_first_message_not_the_address(
    setup: tuple[LiveServer, Office, str], page: Any
) -> None:
    server, _, token = setup
    sockets: list[str] = []
    page.on("websocket", lambda ws: sockets.append(ws.url))
    open_display(page, server, token)
    assert sockets and all(token not in url and "token=" not in url for url in sockets)
    assert all("auth=message" in url for url in sockets)


def test_pairing_from_the_fragment_sends_the_token_in_no_request(
    setup: tuple[LiveServer, Office, str], page: Any
) -> None:
    # `make run` prints /display/…#token=…: a fragment never leaves the browser.
    server, _, token = setup
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    page.on("websocket", lambda ws: sent.append(ws.url))
    page.goto(f"{server.url}/display/{DISPLAY}#token={token}")
    page.wait_for_selector("body[data-state=online]", timeout=10_000)
    assert page.url == f"{server.url}/display/{DISPLAY}"
    assert sent and not [url for url in sent if token in url]
