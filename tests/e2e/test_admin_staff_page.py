"""The console's 職員 tab in a real browser (Playwright on Debian's Chromium): an admin
disables a clerk through the page (a confirmation first), and the clerk's counter app, open
in another browser, goes to the sign-in page at once; the page's errors name the field."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from tests.conftest import CLERK, LiveServer, add_clerk
from tests.e2e.conftest import submit_sign_in

ADMIN = ("admin1", "admin-password-1")
TIMEOUT_MS = 10_000


@pytest.fixture
def server(live_server: Callable[..., LiveServer], sqlite_url: str) -> LiveServer:
    add_clerk(sqlite_url)
    add_clerk(sqlite_url, ADMIN, role="admin")
    return live_server(sqlite_url)


def _signed_in(browser: Any, server: LiveServer, user: tuple[str, str], path: str) -> Any:
    page = browser.new_context(viewport={"width": 1366, "height": 768}).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.goto(f"{server.url}{path}")
    assert "/signin" in page.url
    submit_sign_in(page, user)
    page.wait_for_url(f"{server.url}{path}")
    return page


def test_an_admin_disables_a_clerk_and_her_counter_app_goes_to_sign_in(
    browser: Any, server: LiveServer
) -> None:
    counter = _signed_in(browser, server, CLERK, "/counter")
    counter.locator("#counter-select").select_option("1")
    counter.locator("#btn-open").click()
    counter.locator("#counter-state").filter(has_text="開設中").wait_for()

    admin = _signed_in(browser, server, ADMIN, "/admin/staff")
    row = admin.locator(f'tr[data-user="{CLERK[0]}"]')
    row.get_by_role("button", name="停止する").click()
    dialog = admin.locator("#confirm-dialog")
    dialog.wait_for()
    assert CLERK[0] in dialog.inner_text()
    # The safe answer has the focus: Enter now would cancel. Confirm with the button.
    assert admin.evaluate("document.activeElement.textContent") == "やめる"
    dialog.get_by_role("button", name="停止する").click()
    row.locator(".badge").filter(has_text="停止中").wait_for()

    # No reload, no click: the closed websocket (4401) sends her page to sign in.
    counter.wait_for_url("**/signin**", timeout=5_000)
    assert counter.locator("#username").is_visible()
    counter.context.close()

    # Enabled again from the same row, she may sign in anew.
    row.get_by_role("button", name="再開する").click()
    row.locator(".badge").filter(has_text="有効").wait_for()
    again = _signed_in(browser, server, CLERK, "/counter")
    again.context.close()
    admin.context.close()


def test_adding_staff_names_the_field_at_fault(browser: Any, server: LiveServer) -> None:
    admin = _signed_in(browser, server, ADMIN, "/admin/staff")
    admin.get_by_label("ユーザー名", exact=True).fill("yamada.t")
    admin.get_by_label("初期パスワード").fill("short")
    admin.get_by_role("button", name="追加する").click()
    error = admin.locator("#add-password-error")
    error.wait_for()
    assert "初期パスワード" in error.inner_text()
    assert admin.get_by_label("初期パスワード").get_attribute("aria-invalid") == "true"
    admin.get_by_label("初期パスワード").fill("long-enough-password")
    admin.get_by_label("権限", exact=True).select_option("supervisor")
    admin.get_by_role("button", name="追加する").click()
    admin.locator('tr[data-user="yamada.t"]').wait_for()
    assert admin.locator("#add-password-error").is_hidden()
    # The same name again: the server's 409, under the name.
    admin.get_by_label("ユーザー名", exact=True).fill("yamada.t")
    admin.get_by_label("初期パスワード").fill("long-enough-password")
    admin.get_by_role("button", name="追加する").click()
    admin.locator("#add-username-error").filter(has_text="すでにいます").wait_for()
    admin.context.close()
