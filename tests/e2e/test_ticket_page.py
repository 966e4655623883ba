"""The visitor's ticket page (/t/{token}) in a real browser (Playwright on Debian's
Chromium) against a real server: it moves from waiting to called live and alerts (a
notification, vibration); the pickup stage and the end are said in words; the form link is
there only for services with a form; an unknown token gets a friendly 404; axe-core finds no
accessibility violations."""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python import sync_playwright as axe_playwright

from tests.conftest import LiveServer

PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
OFFICE = "/api/v1/offices/nakano"
SHOTS = os.environ.get("MADOGUCHI_SCREENSHOTS")
# What the page's alerts reach, recorded: vibration and notifications (granted).
RECORD_ALERTS = """
window.__vibrations = [];
navigator.vibrate = (pattern) => { window.__vibrations.push(pattern); return true; };
window.__notifications = [];
class FakeNotification {
  constructor(title, options) { window.__notifications.push(title); }
  static get permission() { return "granted"; }
  static requestPermission() { return Promise.resolve("granted"); }
}
window.Notification = FakeNotification;
"""


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, locale="ja-JP")
    context.add_init_script(RECORD_ALERTS)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def issue(api: httpx.Client, service: str, lang: str = "ja") -> dict[str, Any]:
    answer = api.post(f"{OFFICE}/tickets", json={"service": service, "lang": lang})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def call_next(api: httpx.Client, counter: str) -> dict[str, Any]:
    answer = api.post(f"{OFFICE}/counters/{counter}/call-next")
    answer.raise_for_status()
    return dict(answer.json())


def act(api: httpx.Client, ticket: dict[str, Any], action: str) -> None:
    api.post(f"/api/v1/tickets/{ticket['id']}/{action}").raise_for_status()


def assert_accessible(page: Any) -> None:
    results = axe_playwright.Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def status(page: Any) -> Any:
    return page.locator("#status")


def test_the_ticket_page_moves_from_waiting_to_called_and_alerts(
    page: Any, api: httpx.Client, server: LiveServer
) -> None:
    first = issue(api, "certificates")
    mine = issue(api, "certificates")
    page.goto(f"{server.url}/t/{mine['token']}")
    page.locator('#live[data-live="true"]').wait_for()
    assert page.locator("#number").inner_text() == "B-002"
    assert status(page).inner_text() == "待っています"
    assert page.locator("#ahead").inner_text() == "1人"
    assert page.locator("#estimate").inner_text().startswith("約")
    assert page.locator("#form-link").get_attribute("href") == f"/t/{mine['token']}/form"
    assert_accessible(page)
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "ticket-page-waiting.png"))
    page.locator("#alerts").click()
    page.locator("#alerts-state").filter(has_text="お知らせします").wait_for()

    api.post(f"{OFFICE}/counters/4/open").raise_for_status()
    assert call_next(api, "4")["number"] == first["number"]
    page.locator("#ahead").filter(has_text="0人").wait_for()
    api.post(f"{OFFICE}/counters/5/open").raise_for_status()
    assert call_next(api, "5")["number"] == "B-002"

    status(page).filter(has_text="5番窓口へお越しください").wait_for()
    assert status(page).get_attribute("data-status") == "called"
    assert page.locator("#figures").is_hidden()
    page.wait_for_function("() => window.__notifications.length > 1")
    # A few left (the one ahead was called), then the call itself: each once.
    assert page.evaluate("window.__notifications") == [
        "B-002番：まもなく順番です（あと0人）",
        "B-002番：5番窓口へお越しください",
    ]
    assert page.evaluate("window.__vibrations.length") == 2
    assert_accessible(page)
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / "ticket-page-called.png"))


def test_a_certificate_is_prepared_then_called_to_pickup_and_the_end_is_said(
    page: Any, api: httpx.Client, server: LiveServer
) -> None:
    mine = issue(api, "certificates", lang="en")
    page.goto(f"{server.url}/t/{mine['token']}")
    assert page.locator("html").get_attribute("lang") == "en"  # the ticket's language
    assert status(page).inner_text() == "Waiting"
    api.post(f"{OFFICE}/counters/4/open").raise_for_status()
    ticket = call_next(api, "4")
    act(api, ticket, "start")
    act(api, ticket, "finish")
    status(page).filter(has_text="being prepared").wait_for()
    act(api, ticket, "ready")
    status(page).filter(has_text="Your certificate is ready · counter 11").wait_for()
    page.wait_for_function(
        "() => window.__notifications.at(-1) === 'B-001: your certificate is ready at counter 11'"
    )
    act(api, ticket, "hand-over")
    status(page).filter(has_text="Completed").wait_for()
    assert page.locator("#actions").is_hidden()
    # A reload of a finished ticket says the same.
    page.reload()
    assert status(page).get_attribute("data-status") == "done"


def test_a_cancelled_ticket_says_so_and_a_service_without_a_form_has_no_link(
    page: Any, api: httpx.Client, server: LiveServer
) -> None:
    mine = issue(api, "insurance")
    page.goto(f"{server.url}/t/{mine['token']}")
    assert page.locator("#form-link").count() == 0
    api.post(f"{OFFICE}/counters/9/open").raise_for_status()
    ticket = call_next(api, "9")
    act(api, ticket, "cancel")
    status(page).filter(has_text="取り消されました").wait_for()
    assert status(page).get_attribute("data-status") == "cancelled"


def test_an_unknown_token_gets_a_friendly_404(page: Any, server: LiveServer) -> None:
    response = page.goto(f"{server.url}/t/no-such-ticket")
    assert response.status == 404
    assert page.locator("h1").inner_text() == "受付票が見つかりません"
    assert page.locator("main a[href='/']").count() == 1
    assert_accessible(page)


def test_the_form_page_of_a_finished_visit_says_it_is_closed(
    page: Any, api: httpx.Client, server: LiveServer
) -> None:
    mine = issue(api, "moving")
    saved = api.put(f"/api/v1/visitor/{mine['token']}/form", json={"values": {"name": "中野"}})
    assert saved.status_code == 200, saved.text
    api.post(f"{OFFICE}/counters/1/open").raise_for_status()
    ticket = call_next(api, "1")
    act(api, ticket, "start")
    act(api, ticket, "finish")
    page.goto(f"{server.url}/t/{mine['token']}/form")
    page.locator("#status").filter(has_text="終了しています").wait_for()
    assert "中野" not in page.content()  # the entries no longer open with the token
