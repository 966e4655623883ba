"""The console's 集計 tab in Debian's Chromium (issue 15, item 8): at 1920×1080 and 1366×768
a supervisor sees the week's report (this week by default), changes the grouping by
keyboard, gets the same CSV as the API, and the end-of-day page prints without its
controls; every screen passes axe. The office's past is the shipped simulated history,
imported with `madoguchi history import`.

With MADOGUCHI_REPORT_SHOTS=dir the screens are saved there (docs/admin-reports.png is one)."""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Callable
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from axe_playwright_python import sync_playwright as axe_playwright

from server.cli import DEMO_SUPERVISOR, main
from tests.conftest import ROOT, LiveServer
from tests.e2e.conftest import submit_sign_in

OFFICE = "/api/v1/offices/nakano"
WEEK = "from=2025-06-02&to=2025-06-06"  # a week of the shipped history
SIZES = {"1920": {"width": 1920, "height": 1080}, "1366": {"width": 1366, "height": 768}}
SHOTS = os.environ.get("MADOGUCHI_REPORT_SHOTS")
AXE_OPTIONS = {
    "resultTypes": ["violations"],
    "rules": {"label-content-name-mismatch": {"enabled": True}},
}


@pytest.fixture
def history_server(
    live_server: Callable[..., LiveServer], sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> LiveServer:
    shipped = ROOT / "server" / "offices" / "nakano-history.csv"
    assert main(["history", "import", str(shipped), "--database-url", sqlite_url]) == 0
    capsys.readouterr()
    return live_server(sqlite_url)


def signed_in_page(browser: Any, server: LiveServer, size: str) -> Any:
    context = browser.new_context(
        viewport=SIZES[size], locale="ja-JP", bypass_csp=True, accept_downloads=True
    )
    page = context.new_page()
    page.set_default_timeout(15_000)
    page.goto(f"{server.url}/admin/reports")
    page.wait_for_url("**/signin**")
    submit_sign_in(page, DEMO_SUPERVISOR)
    page.wait_for_url("**/admin/reports**")
    return page


def shot(page: Any, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def assert_accessible(page: Any, name: str) -> None:
    results = axe_playwright.Axe().run(page, options=AXE_OPTIONS)
    assert results.violations_count == 0, f"{name}: {results.generate_report()}"


def charts_drawn(page: Any) -> bool:
    return bool(
        page.evaluate(
            "['chart-counts', 'chart-waits'].every(id => {"
            " const img = document.getElementById(id);"
            " return img.complete && img.naturalWidth > 0 && img.alt.length > 0; })"
        )
    )


@pytest.mark.parametrize("size", list(SIZES))
def test_a_supervisor_reads_a_week_by_service_and_by_counter(
    browser: Any, history_server: LiveServer, size: str
) -> None:
    page = signed_in_page(browser, history_server, size)
    # This week, in the office's time, by default.
    today = datetime.now(ZoneInfo("Asia/Tokyo")).date()
    monday = today - timedelta(days=today.weekday())
    assert page.locator("#report-from").input_value() == monday.isoformat()
    assert page.locator("#report-to").input_value() == today.isoformat()
    page.locator("#report-status").filter(has_text="記録はありません").wait_for()
    assert_accessible(page, f"reports-empty-{size}")

    page.goto(f"{history_server.url}/admin/reports?{WEEK}&by=service")
    page.locator("#report-rows tr").nth(6).wait_for()
    with httpx.Client(base_url=history_server.url) as api:
        token = api.post(
            "/api/v1/auth/token",
            json={"username": DEMO_SUPERVISOR[0], "password": DEMO_SUPERVISOR[1]},
        ).json()["token"]
        api.headers["Authorization"] = f"Bearer {token}"
        data = api.get(f"{OFFICE}/reports?{WEEK}&by=service").json()
    assert page.locator("#report-rows tr").count() == len(data["rows"]) == 7
    first = page.locator("#report-rows tr").first
    assert first.locator("th[scope=row]").inner_text() == data["labels"][data["rows"][0]["key"]]
    total = page.locator("#report-total tr")
    assert total.locator("td").first.inner_text() == str(data["total"]["tickets"])
    page.wait_for_function(
        "['chart-counts', 'chart-waits'].every(id => document.getElementById(id).naturalWidth > 0)"
    )
    assert charts_drawn(page)
    # Nothing wider than the screen: the page does not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= SIZES[size]["width"]
    assert_accessible(page, f"reports-service-{size}")
    shot(page, f"admin-reports-{size}")

    # By keyboard: the grouping's select, arrow down to 窓口別 (day, hour, service, counter).
    page.locator("#report-by").focus()
    page.keyboard.press("ArrowDown")
    page.locator("#report-caption").filter(has_text="窓口別").wait_for()
    page.locator("#report-rows tr").first.wait_for()
    counters = [
        page.locator("#report-rows tr th").nth(i).inner_text()
        for i in range(page.locator("#report-rows tr").count())
    ]
    assert counters[0] == "1番窓口"

    # The CSV download is the API's CSV.
    with page.expect_download() as download:
        page.locator("#download-csv").click()
    text = Path(download.value.path()).read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert [r["key"] for r in rows][:1] == ["1"] and rows[-1]["key"] == "total"
    assert rows[-1]["tickets"] == str(data["total"]["tickets"])
    page.context.close()


def test_the_end_of_day_summary_prints_without_its_controls(
    browser: Any, history_server: LiveServer
) -> None:
    page = signed_in_page(browser, history_server, "1920")
    page.locator("#day-date").fill("2025-06-03")
    page.locator("#day-date").press("Enter")
    page.wait_for_url("**/admin/reports/day?date=2025-06-03")
    assert page.locator("h1").inner_text() == "日報 2025年6月3日（火）"
    assert page.locator("table.grid tbody tr").count() == 7  # one per service
    assert page.locator("table.grid tfoot th").inner_text() == "合計"
    assert page.locator("svg[role=img]").count() == 2
    assert page.locator("text=この日の警報・操作の記録はありません。").count() == 1
    assert_accessible(page, "reports-day")
    shot(page, "admin-reports-day")
    assert page.locator("#print").is_visible()
    page.emulate_media(media="print")
    assert not page.locator("#print").is_visible()
    assert not page.locator(".day-bar").is_visible()
    assert page.locator("table.grid").first.is_visible()
    page.context.close()


def test_a_clerk_is_shown_the_403_page(server: LiveServer, browser: Any) -> None:
    context = browser.new_context(viewport=SIZES["1366"], locale="ja-JP")
    page = context.new_page()
    page.goto(f"{server.url}/admin/reports/day")
    page.wait_for_url("**/signin**")
    submit_sign_in(page, ("demo-clerk", "madoguchi-demo"))
    page.locator("h1").filter(has_text="権限がありません").wait_for()
    assert "集計" in page.locator("main").inner_text()
    context.close()
