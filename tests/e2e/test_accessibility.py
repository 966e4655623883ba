"""Every screen passes axe-core (issue 14, item 11), at the size it is used at, in the state
people see it in: the kiosk (start, large text, a ticket), the floor display during a call,
the sign-in page, the counter app signed in with a visitor called, the pickup counter and the
reception desk, the admin page, the visitor's ticket page while called and its form page. axe-core is the copy bundled with
axe-playwright-python (the `test` extra), run in Debian's Chromium; the experimental rule
for WCAG 2.5.3 (label in name) is switched on, since the kiosk once broke it.

With MADOGUCHI_A11Y_SHOTS=dir each screen is also saved there, to be looked at."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python import sync_playwright as axe_playwright

from server import accounts
from server.cli import DEMO_SUPERVISOR
from server.store.engine import make_engines
from server.store.unit_of_work import Writer
from tests.conftest import LiveServer
from tests.e2e.conftest import submit_sign_in

from .floor_scene import busy_floor

OFFICE = "/api/v1/offices/nakano"
# The kiosk's screens: portrait (a 1080×1920 pillar) and landscape (1280×800, as in the docs).
KIOSK_SIZES = {
    "portrait": {"width": 1080, "height": 1920},
    "landscape": {"width": 1280, "height": 800},
}
DISPLAY_SIZE = {"width": 1920, "height": 1080}
COUNTER_SIZE = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
SHOTS = os.environ.get("MADOGUCHI_A11Y_SHOTS")
# Default rules plus the experimental one for WCAG 2.5.3 (visible label in accessible name).
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"label-content-name-mismatch": {"enabled": True}},
}


@pytest.fixture
def open_page(browser: Any) -> Iterator[Callable[..., Any]]:
    contexts: list[Any] = []

    def open_(viewport: dict[str, int], **options: Any) -> Any:
        # bypass_csp: axe is injected with evaluate, which the display's CSP would refuse.
        context = browser.new_context(viewport=viewport, locale="ja-JP", bypass_csp=True, **options)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(TIMEOUT_MS)
        return page

    yield open_
    for context in contexts:
        context.close()


def assert_accessible(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"a11y-{name}.png"))
    results = axe_playwright.Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def fits(page: Any, selector: str) -> bool:
    """No element matching `selector` has content spilling out of it."""
    return bool(
        page.eval_on_selector_all(
            selector,
            "els => els.every(e => e.scrollHeight <= e.clientHeight + 1"
            " && e.scrollWidth <= e.clientWidth + 1)",
        )
    )


def issue(api: httpx.Client, service: str) -> dict[str, Any]:
    answer = api.post(f"{OFFICE}/tickets", json={"service": service, "lang": "ja"})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def call(api: httpx.Client, counter: str) -> dict[str, Any]:
    api.post(f"{OFFICE}/counters/{counter}/open").raise_for_status()
    answer = api.post(f"{OFFICE}/counters/{counter}/call-next")
    answer.raise_for_status()
    return dict(answer.json())


@pytest.mark.parametrize("shape", KIOSK_SIZES)
def test_the_kiosk_lets_itself_be_zoomed_and_passes_axe_in_each_state(
    server: LiveServer, open_page: Callable[..., Any], shape: str
) -> None:
    page = open_page(KIOSK_SIZES[shape])
    page.goto(f"{server.url}/kiosk/kiosk-2f")
    page.locator("button.service").first.wait_for()
    viewport = page.locator('meta[name="viewport"]').get_attribute("content")
    assert "user-scalable" not in viewport and "maximum-scale" not in viewport, viewport
    assert fits(page, "button.service")
    assert_accessible(page, f"kiosk-start-{shape}")

    # The kiosk's own large text: a visible toggle, remembered until the screen resets.
    toggle = page.locator("#large-text")
    assert toggle.is_visible() and toggle.get_attribute("aria-pressed") == "false"
    size = page.locator("h1.heading").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    toggle.click()
    assert toggle.get_attribute("aria-pressed") == "true"
    larger = page.locator("h1.heading").evaluate("e => parseFloat(getComputedStyle(e).fontSize)")
    assert larger >= size * 1.2, (size, larger)
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")
    assert fits(page, "button.service"), "a procedure's text spills out of its button"
    assert_accessible(page, f"kiosk-large-{shape}")

    page.locator("#languages button[data-lang=en]").click()
    assert_accessible(page, f"kiosk-start-en-{shape}")
    assert fits(page, "button.service")
    page.locator('button.service[data-service="certificates"]').click()
    page.locator("#ticket-number").wait_for()
    assert_accessible(page, f"kiosk-ticket-{shape}")


def test_the_display_passes_axe_during_a_call(
    server: LiveServer, api: httpx.Client, sqlite_url: str, open_page: Callable[..., Any]
) -> None:
    engines = make_engines(sqlite_url)
    try:
        token = accounts.device_token(Writer(engines), "display-2f")
    finally:
        engines.dispose()
    page = open_page(DISPLAY_SIZE)
    page.goto(f"{server.url}/display/display-2f?token={token}")
    page.wait_for_selector("body[data-state=online]")
    issue(api, "certificates")
    ticket = call(api, "4")
    page.get_by_text(ticket["number"]).first.wait_for()
    assert_accessible(page, "display-call")


def test_sign_in_and_the_counter_app_with_a_visitor_called_pass_axe(
    server: LiveServer, api: httpx.Client, open_page: Callable[..., Any]
) -> None:
    page = open_page(COUNTER_SIZE)
    page.goto(f"{server.url}/counter/1")  # -> /counter?counter=1, after signing in
    page.wait_for_url("**/signin**")
    assert_accessible(page, "signin")
    page.locator("#password").fill("wrong password")
    page.locator("#username").fill(DEMO_SUPERVISOR[0])
    page.locator("#password").press("Enter")
    page.locator("#signin-error").wait_for()
    assert_accessible(page, "signin-refused")
    submit_sign_in(page, DEMO_SUPERVISOR)
    page.wait_for_url(f"{server.url}/counter?counter=1")
    assert_accessible(page, "counter-closed")

    ticket = issue(api, "moving")
    page.locator("#btn-open").click()
    page.locator("#counter-state").filter(has_text="開設中").wait_for()
    page.keyboard.press("F2")
    page.locator("#current-number").filter(has_text=ticket["number"]).wait_for()
    assert_accessible(page, "counter-called")

    page.goto(f"{server.url}/admin")
    page.wait_for_load_state("networkidle")
    assert_accessible(page, "admin")


def test_the_pickup_counter_and_the_reception_desk_pass_axe(
    server: LiveServer, api: httpx.Client, open_page: Callable[..., Any]
) -> None:
    # Two certificates served at counter 4: one document being made, one called for pickup.
    issue(api, "certificates")
    issue(api, "certificates")
    first = call(api, "4")
    for action in ("start", "finish", "ready"):
        api.post(f"/api/v1/tickets/{first['id']}/{action}").raise_for_status()
    second = api.post(f"{OFFICE}/counters/4/call-next").json()
    for action in ("start", "finish"):
        api.post(f"/api/v1/tickets/{second['id']}/{action}").raise_for_status()
    page = open_page(COUNTER_SIZE)
    page.goto(f"{server.url}/counter/11")
    page.wait_for_url("**/signin**")
    submit_sign_in(page, DEMO_SUPERVISOR)
    page.wait_for_url(f"{server.url}/counter?counter=11")
    page.locator("#preparing .pickup-row").wait_for()
    page.locator("#ready .pickup-row").wait_for()
    assert_accessible(page, "counter-pickup")

    # A stopped line is shown so on the desk: checked as it is seen.
    api.patch(f"{OFFICE}/services/nursery", json={"issuing": "stopped"}).raise_for_status()
    page.locator("#counter-select").select_option("reception")
    page.locator('.line-state[data-service="nursery"]').filter(has_text="発券停止中").wait_for()
    page.locator('input[name="reception-service"][value="moving"]').check()
    page.locator('input[name="reception-kiosk"][value="none"]').check()
    page.keyboard.press("F2")
    page.locator("#issued-number").wait_for()
    page.wait_for_function("() => document.getElementById('issued-qr').naturalWidth > 0")
    assert_accessible(page, "counter-reception")


def test_the_ticket_page_while_called_and_the_form_page_pass_axe(
    server: LiveServer, api: httpx.Client, open_page: Callable[..., Any]
) -> None:
    mine = issue(api, "moving")
    page = open_page(PHONE, is_mobile=True, has_touch=True)
    page.goto(f"{server.url}/t/{mine['token']}/form")
    page.locator('input[name="name"]').wait_for()
    assert_accessible(page, "form")

    page.goto(f"{server.url}/t/{mine['token']}")
    page.locator("#status").wait_for()
    call(api, "1")
    page.locator("#status").filter(has_text="1").first.wait_for()
    assert_accessible(page, "ticket-called")


@pytest.mark.parametrize("size", [{"width": 1920, "height": 1080}, COUNTER_SIZE])
def test_the_admin_floor_passes_axe_on_a_busy_morning_and_with_a_lines_dialog_open(
    server: LiveServer, api: httpx.Client, open_page: Callable[..., Any], size: dict[str, int]
) -> None:
    busy_floor(api)
    page = open_page(size)
    page.goto(f"{server.url}/admin")
    page.wait_for_url("**/signin**")
    submit_sign_in(page, DEMO_SUPERVISOR)
    page.wait_for_url(f"{server.url}/admin")
    page.locator("#staffing-lines tr").first.wait_for()  # the busy floor, live
    page.locator('.counter-card[data-counter="4"]').filter(has_text="B-").wait_for()
    # Nothing spills sideways at this size, and every control is at least 44 px high.
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    heights = page.eval_on_selector_all(
        "main button, main select, main input, main textarea",
        "els => els.filter(e => e.offsetParent).map(e => e.getBoundingClientRect().height)",
    )
    assert heights and min(heights) >= 44
    assert_accessible(page, f"floor-{size['width']}")

    page.locator('tr[data-service="certificates"]').get_by_role("button", name="詳細").click()
    page.locator("#line-dialog[open]").wait_for()
    assert_accessible(page, f"floor-dialog-{size['width']}")


@pytest.mark.parametrize("size", [{"width": 1920, "height": 1080}, COUNTER_SIZE])
def test_the_consoles_settings_and_audit_tabs_pass_axe(
    server: LiveServer, api: httpx.Client, open_page: Callable[..., Any], size: dict[str, int]
) -> None:
    from server.cli import DEMO_ADMIN

    # Something in the audit log to show: a notice put up and taken down.
    api.put(f"{OFFICE}/notice", json={"text": {"ja": "本日は混み合います"}}).raise_for_status()
    api.put(f"{OFFICE}/notice", json={"text": {}}).raise_for_status()
    page = open_page(size)
    page.goto(f"{server.url}/admin/settings")
    page.wait_for_url("**/signin**")
    submit_sign_in(page, DEMO_ADMIN)
    page.wait_for_url(f"{server.url}/admin/settings")
    page.locator('[data-path="services[0].prefix"]').wait_for()
    page.locator('[data-path="services[1].names.ja"]').evaluate(
        "input => input.closest('details').open = true"
    )
    assert page.evaluate("document.documentElement.scrollWidth") <= size["width"]
    assert_accessible(page, f"settings-{size['width']}")
    page.goto(f"{server.url}/admin/audit")
    page.locator("#audit-rows tr td", has_text="notice").first.wait_for()
    assert_accessible(page, f"audit-{size['width']}")
