"""The public congestion page (混雑状況) and the forecast in a real browser (Playwright on
Debian's Chromium) against a real server: a call shows within a second and is said in the
live region; without JavaScript the page is complete and refreshes itself; axe-core finds no
accessibility violations."""

from __future__ import annotations

import os
import time
from pathlib import Path
from typing import Any

import httpx
import pytest
from axe_playwright_python import sync_playwright as axe_playwright

from server.web.visitor_pages import REFRESH_S
from tests.conftest import LiveServer

PHONE = {"width": 390, "height": 844}
TIMEOUT_MS = 10_000
OFFICE = "/api/v1/offices/nakano"
# Screenshots for the docs, when asked: MADOGUCHI_SCREENSHOTS=docs
SHOTS = os.environ.get("MADOGUCHI_SCREENSHOTS")


def new_page(browser: Any, **options: Any) -> Any:
    options.setdefault("locale", "ja-JP")  # the browser's language: Japanese unless told
    context = browser.new_context(viewport=PHONE, **options)
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def issue(api: httpx.Client, service: str, lang: str = "ja") -> dict[str, Any]:
    answer = api.post(f"{OFFICE}/tickets", json={"service": service, "lang": lang})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def card(page: Any, service: str) -> Any:
    return page.locator(f'article.service[data-service="{service}"]')


def assert_accessible(page: Any) -> None:
    results = axe_playwright.Axe().run(page)
    assert results.violations_count == 0, results.generate_report()


def test_a_call_shows_on_the_public_page_within_a_second(
    browser: Any, api: httpx.Client, server: LiveServer
) -> None:
    for _ in range(3):
        issue(api, "certificates")
    page = new_page(browser)
    page.goto(f"{server.url}/")
    page.locator('#live[data-live="true"]').wait_for()
    certificates = card(page, "certificates")
    assert certificates.locator(".waiting").inner_text() == "3人"
    assert certificates.locator(".calling").inner_text() == "なし"
    assert certificates.locator(".issuing").get_attribute("data-state") == "issuing_open"
    api.post(f"{OFFICE}/counters/4/open").raise_for_status()

    started = time.monotonic()
    api.post(f"{OFFICE}/counters/4/call-next").raise_for_status()
    certificates.locator(".calling").filter(has_text="B-001（4番窓口）").wait_for(timeout=1000)
    elapsed = time.monotonic() - started

    assert elapsed < 1.0, elapsed
    assert certificates.locator(".waiting").inner_text() == "2人"
    assert page.locator("#announce").inner_text() == "B-001番の方、4番窓口へお越しください"
    assert "更新" in page.locator("#updated").inner_text()
    assert_accessible(page)
    if SHOTS:
        api.post(f"{OFFICE}/counters/5/open").raise_for_status()
        api.post(f"{OFFICE}/counters/5/call-next").raise_for_status()
        for service in ("moving", "moving", "insurance", "childcare"):
            issue(api, service)
        certificates.locator(".calling").filter(has_text="B-002").wait_for()
        page.locator("#updated").scroll_into_view_if_needed()
        page.screenshot(path=str(Path(SHOTS) / "public-ja.png"))


def test_the_public_page_renders_without_javascript_and_refreshes_itself(
    browser: Any, api: httpx.Client, server: LiveServer
) -> None:
    issue(api, "moving")
    issue(api, "moving")
    page = new_page(browser, java_script_enabled=False)
    page.goto(f"{server.url}/")
    moving = card(page, "moving")
    assert moving.locator(".waiting").inner_text() == "2人"
    assert moving.locator(".estimate").inner_text().startswith("約")
    assert moving.locator(".issuing-text").inner_text() == "受付中"
    # Without scripts, <noscript> in the head holds a live refresh.
    refresh = page.locator('head noscript meta[http-equiv="refresh"]')
    assert refresh.get_attribute("content") == str(REFRESH_S)
    assert page.locator("h1").inner_text() == "混雑状況"
    assert page.locator("h2").count() == 3  # one per area
    # What the refresh will show: a reload reads the new state.
    issue(api, "moving")
    page.reload()
    assert card(page, "moving").locator(".waiting").inner_text() == "3人"


@pytest.mark.parametrize(
    ("accept", "lang", "heading"),
    [
        ("en-US,en;q=0.9", "en", "How busy is it now"),
        ("zh-CN,zh;q=0.9", "zh", "拥挤状况"),
        ("vi", "vi", "Tình trạng đông đúc"),
    ],
)
def test_the_language_follows_the_browser_and_the_switch_is_remembered(
    browser: Any, server: LiveServer, accept: str, lang: str, heading: str
) -> None:
    page = new_page(browser, locale=accept.split(",")[0])
    page.goto(f"{server.url}/")
    assert page.locator("html").get_attribute("lang") == lang
    assert page.locator("h1").inner_text() == heading
    assert "Nakano" in page.locator(".office").inner_text() or lang != "en"
    page.locator('nav.languages a[hreflang="ne"]').click()
    assert page.locator("h1").inner_text() == "भीडको अवस्था"
    page.goto(f"{server.url}/")  # remembered over the browser's languages
    assert page.locator("html").get_attribute("lang") == "ne"
    page.goto(f"{server.url}/?lang=ja-easy")
    assert page.locator("h1").inner_text() == "いま こんでいますか"
    assert page.locator("html").get_attribute("lang") == "ja"


def test_the_forecast_shows_a_heatmap_and_its_best_and_worst_times(
    browser: Any, server: LiveServer
) -> None:
    page = new_page(browser)
    page.goto(f"{server.url}/")
    page.locator("a[href='/forecast']").click()
    assert page.locator("h1").inner_text() == "混雑予想"
    assert "模擬データ" in page.locator(".notice").inner_text()  # the shipped history
    summary = page.locator(".summary li")
    assert summary.count() == 2
    assert "いちばん空いているのは" in summary.nth(0).inner_text()
    assert "いちばん混むのは" in summary.nth(1).inner_text()
    table = page.locator("table.heatmap")
    assert table.locator("thead th").all_inner_texts() == ["時間帯", "月", "火", "水", "木", "金"]
    assert table.locator("tbody tr").count() == 16
    page.locator("nav.choose a[href='?service=certificates']").click()
    assert page.locator("#chosen-heading").inner_text().startswith("住民票")
    assert_accessible(page)
    if SHOTS:
        page.goto(f"{server.url}/forecast?service=moving")
        page.locator("#chosen-heading").scroll_into_view_if_needed()
        page.screenshot(path=str(Path(SHOTS) / "public-forecast.png"), full_page=True)
