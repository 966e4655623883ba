"""The kiosk's part in tickets from home (issue 16), in a real browser (Playwright on
Debian's Chromium, the kiosk at 1280×800) against a real server: a paired kiosk shows the
day's arrival code (the API's), hides it when the server does not give it and shows it again
at the next try; its scanner (a keyboard: the ticket page's address, then Enter) confirms a
ticket from home with the kiosk's token and says so in the ticket's language, and says
clearly what else a scan finds (a kiosk's ticket, an ended or unknown one, no network); a
booking code still checks in.

With MADOGUCHI_SCREENSHOTS=folder the start screen with its code and the confirmation are
kept there (docs/kiosk-arrival-code.png, docs/kiosk-arrival-done.png)."""

from __future__ import annotations

import itertools
import os
import re
import shutil
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.conftest import ROOT, LiveServer, cli_device_token
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_kiosk_page import decode_qr

KIOSK = "kiosk-2f"
OFFICE = "/api/v1/offices/nakano"
TIMEOUT_MS = 10_000
SHOTS = os.environ.get("MADOGUCHI_SCREENSHOTS")
TOKYO = ZoneInfo("Asia/Tokyo")
_phones = itertools.count(1)


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    # A kiosk in the office's timezone (its clock shows local time).
    context = browser.new_context(
        viewport={"width": 1280, "height": 800}, locale="ja-JP", timezone_id="Asia/Tokyo"
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def paired(page: Any, server: LiveServer, sqlite_url: str) -> Any:
    page.goto(f"{server.url}/kiosk/{KIOSK}?token={cli_device_token(sqlite_url, KIOSK)}")
    page.locator("button.service").first.wait_for()
    return page


def from_home(server: LiveServer, service: str = "moving", lang: str = "ja") -> dict[str, Any]:
    body = {
        "service": service,
        "channel": "online",
        "device": f"kiosk-arrival-phone-{next(_phones):04d}",
        "travel_min": 0,
        "lang": lang,
    }
    answer = httpx.post(f"{server.url}{OFFICE}/tickets", json=body)
    assert answer.status_code == 201, answer.text
    ticket: dict[str, Any] = answer.json()
    assert ticket["remote"] is True and ticket["arrived"] is False
    return ticket


# The keys a US-layout scanner presses with Shift for the characters of an address.
SHIFTED = {":": "Shift+Semicolon", "_": "Shift+Minus", "?": "Shift+Slash"}


def scan(page: Any, text: str) -> None:
    """As a keyboard-wedge QR reader types what it read: key after key, Shift pressed for
    capitals and symbols, then Enter."""
    run = ""
    for char in text:
        shifted = f"Shift+Key{char}" if "A" <= char <= "Z" else SHIFTED.get(char)
        if shifted is None:
            run += char
            continue
        page.keyboard.type(run)
        page.keyboard.press(shifted)
        run = ""
    page.keyboard.type(run)
    page.keyboard.press("Enter")


def walk_ins(server: LiveServer, **counts: int) -> None:
    """Tickets taken at the kiosk meanwhile, so many per service."""
    for service, n in counts.items():
        for _ in range(n):
            answer = httpx.post(f"{server.url}{OFFICE}/tickets", json={"service": service})
            assert answer.status_code == 201, answer.text


def visitor(server: LiveServer, token: str) -> dict[str, Any]:
    answer: dict[str, Any] = httpx.get(f"{server.url}/api/v1/visitor/{token}").json()
    return answer


def shot(page: Any, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path))
    if SHOTS:
        shutil.copy(path, Path(SHOTS) / name)


def test_a_paired_kiosk_shows_the_days_arrival_code_and_only_while_the_server_gives_it(
    server: LiveServer, api: httpx.Client, page: Any, sqlite_url: str, tmp_path: Path
) -> None:
    # Unpaired (the demo issues openly): no token, no code.
    page.goto(f"{server.url}/kiosk/{KIOSK}")
    page.locator("button.service").first.wait_for()
    page.wait_for_timeout(500)  # time enough for a code to come, were it asked for
    assert page.locator("#arrival-code").count() == 0

    walk_ins(server, moving=4, certificates=7, insurance=3)
    # The kiosk's timers are moved on, not waited for; its clock shows a morning.
    morning = datetime.now(TOKYO).replace(hour=10, minute=15)
    page.clock.install(time=morning)
    paired(page, server, sqlite_url)
    shown = api.get(f"{OFFICE}/arrival-code").json()
    digits = page.locator("#arrival-digits")
    digits.wait_for()
    assert digits.inner_text() == shown["code"]
    panel = page.locator("#arrival-code")
    assert "受付票をスマートフォンでお取りの方" in panel.inner_text()
    assert "到着確認コード" in panel.inner_text()
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    shot(page, tmp_path, "kiosk-arrival-code.png")
    assert_accessible(page, "kiosk-arrival-code")
    page.locator('#languages button[data-lang="en"]').click()
    assert "Arrival code" in panel.inner_text()
    assert digits.inner_text() == shown["code"]

    # The server does not answer at the next refresh (every 5 minutes): the code goes, and
    # comes back at the next try.
    page.route("**/arrival-code", lambda route: route.abort())
    page.clock.run_for(5 * 60 * 1000)
    panel.wait_for(state="detached")
    page.unroute("**/arrival-code")
    page.clock.run_for(30 * 1000)
    assert digits.inner_text() == shown["code"]

    # The business day ends: the day's code goes at once, before the next day's comes.
    asked: list[Any] = []
    page.route("**/arrival-code", lambda route: asked.append(route))  # held, unanswered
    page.clock.fast_forward((shown["expires_in"] + 5) * 1000)
    panel.wait_for(state="detached")
    assert len(asked) == 1
    asked[0].fulfill(json={"code": "4321", "day": "2099-01-01", "expires_in": 86400})
    page.locator("#arrival-digits", has_text="4321").wait_for()


def test_no_code_where_no_ticket_is_taken_from_home(
    live_server: Callable[..., LiveServer], sqlite_url: str, tmp_path: Path, page: Any
) -> None:
    demo = (ROOT / "server" / "offices" / "nakano.toml").read_text(encoding="utf-8")
    office = tmp_path / "office.toml"
    office.write_text(re.sub(r"(?m)^remote = true", "remote = false", demo), "utf-8")
    server = live_server(sqlite_url, "--office", str(office))
    token = cli_device_token(sqlite_url, KIOSK, str(office))
    with page.expect_response("**/arrival-code"):  # asked, and given: the kiosk is paired
        page.goto(f"{server.url}/kiosk/{KIOSK}?token={token}")
    page.locator("button.service").first.wait_for()
    page.wait_for_timeout(300)  # the answer read and the screen drawn
    assert page.locator("#arrival-code").count() == 0


def test_a_scanned_ticket_from_home_is_confirmed_in_its_language_and_again_the_same(
    server: LiveServer, page: Any, sqlite_url: str, tmp_path: Path
) -> None:
    paired(page, server, sqlite_url)
    walk_ins(server, moving=5)
    ticket = from_home(server)
    page.keyboard.type("12ab")  # stray keys before the scan do not spoil it
    scan(page, f"{server.url}{ticket['url']}")

    screen = page.locator('#arrival[data-arrival="arrived"]')
    screen.wait_for()
    assert page.locator("#arrival-message").inner_text() == "到着を確認しました"
    assert page.locator("#ticket-number").inner_text() == ticket["number"]
    assert "転入・転出・転居の届出" in screen.inner_text()
    assert "番号が呼ばれるまでお待ちください" in screen.inner_text()
    assert "秒後に最初の画面に戻ります" in page.locator("#countdown").inner_text()
    assert visitor(server, ticket["token"])["arrived"] is True
    shot(page, tmp_path, "kiosk-arrival-done.png")
    assert_accessible(page, "kiosk-arrival-done")

    page.locator("button.done").click()
    page.locator("#arrival-digits").wait_for()
    scan(page, f"https://madoguchi.example.jp{ticket['url']}")  # its public_url: any host
    screen.wait_for()
    assert page.locator("#ticket-number").inner_text() == ticket["number"]

    # A visitor who took the ticket in English is told in English.
    english = from_home(server, "certificates", lang="en")
    page.locator("button.done").click()
    scan(page, f"{server.url}{english['url']}")
    page.locator("#arrival-message", has_text="Your arrival is confirmed").wait_for()
    assert page.locator("html").get_attribute("lang") == "en"
    assert visitor(server, english["token"])["arrived"] is True


def test_the_qr_code_on_the_visitors_phone_held_to_the_kiosk_confirms_arrival(
    server: LiveServer, browser: Any, page: Any, sqlite_url: str
) -> None:
    phone = browser.new_context(viewport={"width": 390, "height": 844}).new_page()
    ticket = from_home(server)
    phone.goto(f"{server.url}{ticket['url']}")
    phone.locator('#live[data-live="true"]').wait_for()
    qr = phone.locator("#arrival-qr")
    qr.scroll_into_view_if_needed()
    phone.wait_for_function("() => document.querySelector('#arrival-qr').naturalWidth > 0")
    address = decode_qr(qr.screenshot())  # what the kiosk's reader sees
    assert address == f"{server.url}/t/{ticket['token']}"

    paired(page, server, sqlite_url)
    scan(page, address)
    page.locator('#arrival[data-arrival="arrived"]').wait_for()
    phone.locator("#arrival").wait_for(state="hidden")  # the page follows, live
    assert visitor(server, ticket["token"])["arrived"] is True
    phone.context.close()


@pytest.mark.parametrize(
    ("case", "kind", "message"),
    [
        ("unknown", "not_found", "本日の受付票が見つかりません。職員にお声がけください"),
        ("cancelled", "ended", "この受付票は終了しています。職員にお声がけください"),
        ("kiosk", "not_needed", "この受付票は到着の確認がいりません"),
        ("offline", "failed", "到着を確認できませんでした。職員にお声がけください"),
    ],
)
def test_a_scan_that_confirms_nothing_says_why(
    server: LiveServer, page: Any, sqlite_url: str, case: str, kind: str, message: str
) -> None:
    paired(page, server, sqlite_url)
    token = "NoSuchTicket_0123456789ab"
    if case == "cancelled":
        token = from_home(server)["token"]
        assert httpx.post(f"{server.url}/api/v1/visitor/{token}/cancel").status_code == 200
    elif case == "kiosk":
        answer = httpx.post(f"{server.url}{OFFICE}/tickets", json={"service": "certificates"})
        token = answer.json()["token"]
    elif case == "offline":
        token = from_home(server)["token"]
        page.route("**/arrived", lambda route: route.abort())
    scan(page, f"{server.url}/t/{token}")
    screen = page.locator(f'#arrival[data-arrival="{kind}"]')
    screen.wait_for()
    assert page.locator("#arrival-message").inner_text() == message
    assert (screen.get_attribute("role") == "alert") is (kind != "not_needed")
    if case == "kiosk":  # its number, and nothing written
        assert page.locator("#ticket-number").inner_text() == visitor(server, token)["number"]
        assert visitor(server, token)["arrived"] is None
    if case == "offline":
        assert visitor(server, token)["arrived"] is False
    page.locator("button.done").click()
    page.locator("button.service").first.wait_for()


def test_the_scanner_still_reads_a_booking_code(
    server: LiveServer, page: Any, sqlite_url: str
) -> None:
    paired(page, server, sqlite_url)
    page.keyboard.type("12")  # stray keys, then a pause: the scan is a burst of its own
    page.wait_for_timeout(800)
    scan(page, "123456")
    error = page.locator(".check-in-error")
    error.wait_for()
    assert error.inner_text() == "予約番号が見つかりません。もう一度お確かめください。"
