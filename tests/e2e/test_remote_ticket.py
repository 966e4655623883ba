"""A ticket from home and the visitor's self-service in a real browser (Playwright on
Debian's Chromium, a phone's 390×844) against a real server: the public page takes a
ticket from home, the ticket page asks to confirm arrival, "到着しました" (with the kiosk's
code, the browser not being on the hall's network) confirms it, and "少し遅れます" moves it
back; axe-core finds no accessibility violations."""

from __future__ import annotations

import os
import shutil
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
SHOTS = os.environ.get("MADOGUCHI_SCREENSHOTS")  # a folder: the screenshots are kept there


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport=PHONE, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


def walk_ins(api: httpx.Client, n: int) -> None:
    for _ in range(n):
        answer = api.post(f"{OFFICE}/tickets", json={"service": "moving"})
        assert answer.status_code == 201, answer.text


def shot(page: Any, tmp_path: Path, name: str) -> None:
    path = tmp_path / name
    page.screenshot(path=str(path), full_page=False)
    if SHOTS:
        shutil.copy(path, Path(SHOTS) / name)


def assert_accessible(page: Any) -> None:
    results = axe_playwright.Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_ticket_from_home_is_taken_confirmed_on_arrival_and_delayed(
    page: Any, api: httpx.Client, server: LiveServer, tmp_path: Path
) -> None:
    walk_ins(api, 6)  # a line long enough to come from home
    page.goto(f"{server.url}/")
    form = page.locator('form.remote[data-service="moving"]')
    form.wait_for()
    assert page.locator('form.remote[data-service="koseki"]').is_hidden()
    form.scroll_into_view_if_needed()
    assert "あと何分で着きますか" in form.inner_text()
    form.locator("input[name=travel]").fill("15")
    shot(page, tmp_path, "visitors-remote-public.png")
    assert_accessible(page)
    form.get_by_role("button", name="受付票を取る").click()
    page.wait_for_url("**/t/*")
    token = page.url.rsplit("/", 1)[1]
    arrival = page.locator("#arrival")
    arrival.wait_for()
    assert "到着の確認" in arrival.inner_text()
    assert page.locator("#number").inner_text() == "A-007"
    walk_ins(api, 4)  # people behind: a delay has places to give
    # Not on the hall's network: the page asks for the kiosk's code.
    page.get_by_role("button", name="到着しました").click()
    page.locator("#arrival-code").wait_for()
    code = api.get(f"{OFFICE}/arrival-code").json()["code"]
    page.locator("#arrival-code").fill(code)
    shot(page, tmp_path, "visitors-remote-arrival.png")
    assert_accessible(page)
    page.get_by_role("button", name="到着しました").click()
    arrival.wait_for(state="hidden")
    assert api.get(f"/api/v1/visitor/{token}").json()["arrived"] is True
    assert page.locator("#ahead").inner_text() == "6人"
    page.get_by_role("button", name="少し遅れます").click()
    page.locator("#ahead", has_text="9人").wait_for()
    assert page.locator("#delay").is_hidden()
    assert "3人分あとにしました" in page.locator("#self-state").inner_text()
    shot(page, tmp_path, "visitors-self-service.png")
    assert_accessible(page)


def test_the_visitor_cancels_with_a_confirmation(
    page: Any, api: httpx.Client, server: LiveServer
) -> None:
    answer = api.post(f"{OFFICE}/tickets", json={"service": "certificates"})
    token = answer.json()["token"]
    page.goto(f"{server.url}/t/{token}")
    page.locator('#live[data-live="true"]').wait_for()
    assert page.locator("#arrival").is_hidden()  # a kiosk's ticket: nothing to confirm
    page.get_by_role("button", name="もう行けません").click()
    page.get_by_role("button", name="戻る").click()
    assert api.get(f"/api/v1/visitor/{token}").json()["status"] == "waiting"
    page.get_by_role("button", name="もう行けません").click()
    page.get_by_role("button", name="取り消す").click()
    page.locator('#status[data-status="cancelled"]').wait_for()
    assert page.locator("#self-service").is_hidden()
