"""Appointments end to end (Playwright on Debian's Chromium, a real server with
--always-open): a resident books on the phone (390×844) and gets a code and its QR; a
walk-in takes a ticket; the resident checks in at the kiosk (1080×1920) with the code, as
a scanner types it; the counter calls the booking first, then the walk-in.

The real clock decides which slot is the first bookable one: the one under way. The
office here gives a grace as long as a slot, so a check-in during it is always in time
(with the demo's 10 minutes it would be late, and rightly wait as a walk-in)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from server.office_file import demo_office_path
from tests.conftest import LiveServer, add_supervisor, cli_device_token, sign_in
from tests.e2e.test_accessibility import assert_accessible
from tests.e2e.test_kiosk_page import decode_qr

TIMEOUT_MS = 10_000
OFFICE = "/api/v1/offices/nakano"


@pytest.fixture
def office_file(tmp_path: Path) -> str:
    text = demo_office_path().read_text(encoding="utf-8")
    assert "grace_min = 10" in text
    path = tmp_path / "office.toml"
    path.write_text(text.replace("grace_min = 10", "grace_min = 30"), encoding="utf-8")
    return str(path)


@pytest.fixture
def server(live_server: Callable[..., LiveServer], sqlite_url: str, office_file: str) -> LiveServer:
    return live_server(sqlite_url, "--office", office_file)


@pytest.fixture
def api(server: LiveServer, sqlite_url: str) -> Iterator[httpx.Client]:
    """A supervisor (an office file of its own has no demo accounts)."""
    user = add_supervisor(sqlite_url)
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.headers.update(sign_in(client, user))
        yield client


def kiosk_token(sqlite_url: str, office_file: str) -> str:
    return cli_device_token(sqlite_url, "kiosk-2f", office_file)


@pytest.fixture
def phone(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 390, "height": 844})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture
def kiosk(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1080, "height": 1920})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def test_book_on_the_phone_check_in_at_the_kiosk_and_be_called_first(
    server: LiveServer,
    api: httpx.Client,
    phone: Any,
    kiosk: Any,
    sqlite_url: str,
    office_file: str,
) -> None:
    phone.goto(f"{server.url}/book?lang=en")
    first = phone.locator("#slots button:not([disabled])").first
    first.click()
    assert first.get_attribute("aria-pressed") == "true"
    assert_accessible(phone, "book-en")
    phone.locator("#confirm").click()
    phone.wait_for_url("**/book/*")
    assert_accessible(phone, "booking-en")
    code = phone.locator("#code").text_content().strip()
    assert len(code) == 6 and code.isdigit()
    assert decode_qr(phone.locator("img.qr").screenshot()) == code
    token = phone.url.split("/book/")[1].split("?")[0]

    walk_in = api.post(f"{OFFICE}/tickets", json={"service": "mynumber", "lang": "ja"}).json()

    kiosk.goto(f"{server.url}/kiosk/kiosk-2f#token={kiosk_token(sqlite_url, office_file)}")
    kiosk.locator("#appointment").wait_for()
    kiosk.keyboard.type(code)  # a camera-less scanner: the code, then Enter
    kiosk.keyboard.press("Enter")
    number = kiosk.locator("#ticket-number").text_content().strip()
    assert number.startswith("C-") and number != walk_in["number"]

    assert api.post(f"{OFFICE}/counters/7/open").status_code == 200
    called = api.post(f"{OFFICE}/counters/7/call-next").json()
    assert called["number"] == number and called["channel"] == "appointment"
    for action in ("start", "finish"):
        assert api.post(f"/api/v1/tickets/{called['id']}/{action}").status_code == 200
    assert api.post(f"{OFFICE}/counters/7/call-next").json()["number"] == walk_in["number"]

    phone.reload()
    assert phone.locator("#status").get_attribute("data-status") == "checked_in"
    phone.locator("#ticket-link").click()  # the ticket page of the check-in's ticket
    phone.wait_for_url("**/t/*")
    assert number in phone.locator("body").text_content()
    assert api.delete(f"/api/v1/appointments/{token}").status_code == 409


def test_a_wrong_code_at_the_kiosk_says_so_and_cancel_on_the_phone_frees_the_slot(
    server: LiveServer, phone: Any, kiosk: Any, sqlite_url: str, office_file: str
) -> None:
    phone.goto(f"{server.url}/book?lang=ja")
    phone.locator("#slots button:not([disabled])").first.click()
    phone.locator("#confirm").click()
    phone.wait_for_url("**/book/*")
    code = phone.locator("#code").text_content().strip()
    phone.locator("#cancel").click()
    phone.locator('#status[data-status="cancelled"]').wait_for()

    kiosk.goto(f"{server.url}/kiosk/kiosk-2f#token={kiosk_token(sqlite_url, office_file)}")
    kiosk.locator("#appointment").click()
    assert_accessible(kiosk, "kiosk-appointment")
    for digit in code:
        kiosk.locator(f".keypad .key:text-is('{digit}')").click()
    kiosk.locator(".keypad .key.ok").click()
    assert kiosk.locator(".check-in-error").text_content() == "この予約は取り消されています。"


def _todays_first_booking(api: httpx.Client) -> dict[str, Any]:
    """A booking of today's first bookable slot (the real clock's, --always-open)."""
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date().isoformat()
    slots = api.get(f"{OFFICE}/slots", params={"service": "mynumber", "date": today}).json()
    start = next(s["start"] for s in slots if s["left"])
    answer = httpx.post(
        f"{api.base_url}{OFFICE}/appointments",
        json={"service": "mynumber", "start": start, "lang": "en"},
    )
    assert answer.status_code == 201, answer.text
    booking: dict[str, Any] = answer.json()
    return booking


def test_on_its_day_the_booking_checks_in_on_the_phone_with_the_kiosks_code(
    server: LiveServer, api: httpx.Client, phone: Any
) -> None:
    """From outside the hall's Wi-Fi (the demo's is 10.20.0.0/16, the phone here is
    127.0.0.1), the first press asks for the kiosk's code; with it, the phone lands on
    the ticket page of the booking's new ticket."""
    booking = _todays_first_booking(api)
    phone.goto(f"{server.url}/book/{booking['token']}?lang=en")
    button = phone.locator("#check-in-button")
    assert button.text_content() == "I have arrived (check in)"
    assert phone.locator("#check-in-code-row").is_hidden()
    assert_accessible(phone, "booking-check-in-en")
    button.click()
    phone.locator("#check-in-code-row").wait_for()
    hint = phone.locator("#check-in-state")
    assert hint.get_attribute("role") == "status" and "4-digit" in hint.text_content()
    assert phone.evaluate("document.activeElement.id") == "check-in-code"
    code = api.get(f"{OFFICE}/arrival-code").json()["code"]
    phone.locator("#check-in-code").fill("0000" if code != "0000" else "1111")
    button.click()
    # A locator's wait, not wait_for_function: the page's CSP (script-src 'self') refuses a
    # string evaluated as script, which Playwright's polling does when the first look fails.
    hint.filter(has_text="not right").wait_for()
    assert_accessible(phone, "booking-check-in-code-en")
    phone.locator("#check-in-code").fill(code)
    phone.locator("#check-in-code").press("Enter")
    phone.wait_for_url("**/t/*")
    token = phone.url.split("/t/")[1].split("?")[0]
    ticket = api.get(f"/api/v1/views/ticket:{token}").json()["ticket"]
    assert ticket["number"].startswith("C-") and ticket["status"] == "waiting"
    assert phone.locator("#number").text_content().strip() == ticket["number"]
    assert_accessible(phone, "booking-ticket-en")
    # The booking's page now says it is checked in, and offers no check-in any more.
    phone.goto(f"{server.url}/book/{booking['token']}?lang=en")
    assert phone.locator("#status").get_attribute("data-status") == "checked_in"
    assert phone.locator("#check-in-button").count() == 0


def test_a_phone_past_the_bookings_it_may_hold_is_told_so_in_its_language(
    sqlite_url: str, office_file: str, tmp_path: Path, phone: Any
) -> None:
    server = LiveServer(sqlite_url, tmp_path, "--office", office_file)
    server.env = {"MADOGUCHI_BOOK_HELD_PER_SERVICE": "1"}
    server.start()
    try:
        for attempt in range(2):
            phone.goto(f"{server.url}/book?lang=en")
            phone.locator("#slots button:not([disabled])").first.click()
            phone.locator("#confirm").click()
            if attempt == 0:
                phone.wait_for_url("**/book/*")
        error = phone.locator("#error")
        error.wait_for()
        assert "One device may hold 1 bookings" in error.text_content()
        assert phone.url.endswith("/book?lang=en") and error.is_visible()
        assert phone.evaluate("document.getElementById('error').getBoundingClientRect().top") < 780
        assert_accessible(phone, "book-too-many-en")
    finally:
        server.stop()
