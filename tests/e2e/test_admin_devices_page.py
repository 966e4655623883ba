"""The console's 機器 and 職員 tabs in a real browser (Playwright on Debian's Chromium): an
admin pairs a display and sees its pairing address as a QR code once; rotating asks first,
then shows the new address and the display's old token is refused; both tabs and their
dialogs pass axe at 1920×1080 and 1366×768."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import httpx
import pytest

from tests.conftest import LiveServer, add_clerk
from tests.e2e.conftest import submit_sign_in
from tests.e2e.test_accessibility import assert_accessible

ADMIN = ("admin1", "admin-password-1")
TIMEOUT_MS = 10_000
SIZES = [{"width": 1920, "height": 1080}, {"width": 1366, "height": 768}]


@pytest.fixture
def server(live_server: Callable[..., LiveServer], sqlite_url: str) -> LiveServer:
    add_clerk(sqlite_url)
    add_clerk(sqlite_url, ADMIN, role="admin")
    return live_server(sqlite_url)


def _admin_page(browser: Any, server: LiveServer, path: str, viewport: dict[str, int]) -> Any:
    # bypass_csp: axe is injected with evaluate, which the page's CSP would refuse.
    context = browser.new_context(viewport=viewport, locale="ja-JP", bypass_csp=True)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server.url}/signin?next={path}")
    submit_sign_in(page, ADMIN)
    page.wait_for_url(f"{server.url}{path}")
    return page


def _display_view(server: LiveServer, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return httpx.get(f"{server.url}/api/v1/views/display:display-3f", headers=headers).status_code


def test_an_admin_pairs_and_rotates_a_display_from_the_page(
    browser: Any, server: LiveServer
) -> None:
    page = _admin_page(browser, server, "/admin/devices", SIZES[1])
    row = page.locator('tr[data-device="display-3f"]')
    # The demo pairs its devices when it starts: revoke first (asked), then pair anew.
    row.get_by_role("button", name="失効").click()
    page.locator("#confirm-dialog").get_by_role("button", name="失効させる").click()
    row.get_by_role("button", name="ペアリング").click()
    dialog = page.locator("#pairing-dialog")
    dialog.wait_for()
    address = page.locator("#pairing-address").inner_text()
    assert address.startswith(f"{server.url}/display/display-3f#token=")
    qr = page.locator("#pairing-qr")
    assert qr.get_attribute("src").startswith("data:image/svg+xml;base64,")
    assert page.evaluate("document.getElementById('pairing-qr').naturalWidth") > 0
    first = address.split("#token=", 1)[1]
    assert _display_view(server, first) == 200
    dialog.get_by_role("button", name="閉じる").click()
    # Forgotten once closed (the dialog's close event comes a moment after the click).
    page.wait_for_function("document.getElementById('pairing-address').textContent === ''")
    assert page.locator("#pairing-qr").get_attribute("src") is None

    row.get_by_role("button", name="トークン更新").click()
    confirm = page.locator("#confirm-dialog")
    assert "display-3f" in confirm.inner_text()
    confirm.get_by_role("button", name="やめる").click()  # nothing happens
    assert _display_view(server, first) == 200
    row.get_by_role("button", name="トークン更新").click()
    confirm.get_by_role("button", name="更新する").click()
    dialog.wait_for()
    second = page.locator("#pairing-address").inner_text().split("#token=", 1)[1]
    assert second != first
    assert _display_view(server, first) == 401
    assert _display_view(server, second) == 200
    page.context.close()


@pytest.mark.parametrize("viewport", SIZES, ids=lambda v: f"{v['width']}x{v['height']}")
def test_the_staff_and_devices_tabs_pass_axe(
    browser: Any, server: LiveServer, viewport: dict[str, int]
) -> None:
    name = f"{viewport['width']}"
    page = _admin_page(browser, server, "/admin/staff", viewport)
    page.locator("#staff-rows tr[data-user]").first.wait_for()
    assert_accessible(page, f"admin-staff-{name}")
    page.locator('tr[data-user="clerk1"]').get_by_role("button", name="担当の制限").click()
    page.locator("#limits-dialog").wait_for()
    assert_accessible(page, f"admin-staff-limits-{name}")
    page.keyboard.press("Escape")
    page.goto(f"{server.url}/admin/devices")
    page.locator("#device-rows tr[data-device]").first.wait_for()
    assert_accessible(page, f"admin-devices-{name}")
    page.locator('tr[data-device="kiosk-3f"]').get_by_role("button", name="トークン更新").click()
    page.locator("#confirm-dialog").get_by_role("button", name="更新する").click()
    page.locator("#pairing-dialog").wait_for()
    assert_accessible(page, f"admin-devices-pairing-{name}")
    # Every control at least 44 px high.
    small = page.evaluate(
        "[...document.querySelectorAll('main button, main select, main input:not([type=checkbox])')]"
        ".filter(e => e.offsetParent && e.getBoundingClientRect().height < 44).length"
    )
    assert small == 0
    page.context.close()
