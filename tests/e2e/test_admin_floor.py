"""The console's live floor in Debian's Chromium on a real uvicorn, as the demo supervisor:
a called ticket shows at its counter, the supervisor's counter buttons work by keyboard, a
printer out of paper raises an alert (shown, sounded once) that stays gone once
acknowledged, and an action whose route is not there yet says the server's answer."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from websockets.sync.client import connect

from printer.emulator import PrinterEmulator
from server.cli import DEMO_SUPERVISOR
from tests.conftest import LiveServer, sign_in
from tests.e2e.conftest import submit_sign_in

from .floor_scene import counter, issue

KIOSK = "kiosk-2f"
TIMEOUT_MS = 10_000


@pytest.fixture
def server(
    live_server: Callable[..., LiveServer],
    sqlite_url: str,
    emulator: PrinterEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> LiveServer:
    monkeypatch.setenv("MADOGUCHI_PRINTER_PROBE_S", "0.3")  # the printer's state comes soon
    return live_server(sqlite_url, "--printer", f"{KIOSK}=tcp:127.0.0.1:{emulator.port}")


@pytest.fixture
def api(server: LiveServer) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=server.url, timeout=10) as client:
        client.headers.update(sign_in(client, DEMO_SUPERVISOR))
        yield client


@pytest.fixture
def floor(browser: Any, server: LiveServer) -> Iterator[Any]:
    """The floor at 1366×768, signed in as the demo supervisor, its first view shown; the
    page's clock is Playwright's, so a test may move it on."""
    context = browser.new_context(viewport={"width": 1366, "height": 768}, locale="ja-JP")
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    page.clock.install()
    page.goto(f"{server.url}/admin")
    page.wait_for_url("**/signin**")
    submit_sign_in(page, DEMO_SUPERVISOR)
    page.wait_for_url(f"{server.url}/admin")
    page.locator('.counter-card[data-counter="3"]').wait_for()
    yield page
    context.close()


def card(page: Any, number: str) -> Any:
    return page.locator(f'.counter-card[data-counter="{number}"]')


def test_the_floor_shows_a_ticket_called_to_a_counter_as_it_happens(
    floor: Any, api: httpx.Client
) -> None:
    ticket = issue(api, "moving")
    counter(api, "3", "open")
    called = counter(api, "3", "call-next")
    assert called["number"] == ticket["number"]

    three = card(floor, "3")
    three.filter(has_text=ticket["number"]).wait_for()
    assert "呼出中" in three.inner_text() and "開設中" in three.inner_text()
    assert DEMO_SUPERVISOR[0] in three.inner_text()  # the clerk holding it
    line = floor.locator('tr[data-service="moving"]')
    assert "0人" in line.inner_text()  # no longer waiting


def test_a_supervisor_opens_and_pauses_a_counter_from_the_floor_by_keyboard(
    floor: Any, api: httpx.Client
) -> None:
    five = card(floor, "5")
    assert "閉鎖" in five.locator(".badge").inner_text()
    five.get_by_role("button", name="5番窓口を開設").focus()
    floor.keyboard.press("Enter")
    five.locator(".badge", has_text="開設中").wait_for()
    # The buttons were drawn again; the focus is still on the counter's buttons.
    five.get_by_role("button", name="5番窓口を休止").click()
    five.locator(".badge", has_text="休止中").wait_for()
    state = api.get("/api/v1/views/admin:nakano").json()
    assert {c["id"]: c["state"] for c in state["counters"]}["5"] == "paused"


def test_a_printer_out_of_paper_raises_an_alert_that_sounds_once_and_stays_acknowledged(
    floor: Any, emulator: PrinterEmulator
) -> None:
    alerts = floor.locator("#alerts")
    assert alerts.locator(".alert").count() == 0

    emulator.set_state(paper_out=True)

    alert = alerts.locator(f'.alert[data-alert^="printer:{KIOSK}:paper_out:"]')
    alert.wait_for()
    assert "用紙切れ" in alert.inner_text()
    floor.wait_for_function("document.getElementById('alerts').dataset.sounded === '1'")
    sound = floor.locator("#alert-sound")
    assert sound.get_attribute("src") == "/audio/chime.wav"
    kiosk_row = floor.locator("#devices tr", has_text=KIOSK)
    assert "用紙切れ" in kiosk_row.inner_text()

    floor.wait_for_timeout(1500)  # the floor re-checks its alerts every second: no new sound
    assert alerts.get_attribute("data-sounded") == "1"
    alert.get_by_role("button").click()
    alert.wait_for(state="detached")
    floor.reload()
    card(floor, "3").wait_for()
    floor.wait_for_timeout(1500)
    assert alerts.locator(".alert").count() == 0  # remembered: not raised again
    assert alerts.get_attribute("data-sounded") == "0"


def test_a_new_fault_after_an_acknowledged_one_is_a_new_alert(
    floor: Any, emulator: PrinterEmulator
) -> None:
    emulator.set_state(paper_out=True)
    first = floor.locator(f'.alert[data-alert^="printer:{KIOSK}:paper_out:"]')
    first.wait_for()
    first.get_by_role("button").click()
    emulator.refill()
    floor.locator("#devices tr", has_text=KIOSK).locator(".badge", has_text="正常").wait_for()

    emulator.set_state(paper_out=True)

    floor.locator(f'.alert[data-alert^="printer:{KIOSK}:paper_out:"]').wait_for()
    assert floor.locator("#alerts").get_attribute("data-sounded") == "2"


def test_a_supervisor_stops_and_resumes_a_lines_issuing_from_the_floor(
    floor: Any, api: httpx.Client
) -> None:
    row = floor.locator('tr[data-service="koseki"]')
    name = "戸籍の届出（出生・婚姻・死亡など）"
    row.get_by_role("button", name=f"{name}の発券を停止").click()

    row.locator(".badge", has_text="停止中").wait_for()
    assert "発券を停止しました" in floor.locator("#message").inner_text()
    refused = api.post("/api/v1/offices/nakano/tickets", json={"service": "koseki"})
    assert refused.status_code == 409 and refused.json()["reason"] == "stopped"

    row.get_by_role("button", name=f"{name}の発券を再開").click()
    row.locator(".badge", has_text="発券中").wait_for()


def test_a_supervisor_calls_a_given_ticket_to_a_given_counter_from_the_lines_dialog(
    floor: Any, api: httpx.Client
) -> None:
    first, second = issue(api, "insurance"), issue(api, "insurance")
    counter(api, "10", "open")
    row = floor.locator('tr[data-service="insurance"]')
    row.filter(has_text="2人").wait_for()
    row.get_by_role("button", name="詳細").click()
    dialog = floor.locator("#line-dialog")
    dialog.get_by_label("番号（待っている順）").select_option(second["id"])
    dialog.get_by_label("呼び出す窓口").select_option("10")
    dialog.get_by_role("button", name="この窓口へ呼出").click()

    card(floor, "10").filter(has_text=second["number"]).wait_for()
    assert not dialog.is_visible()
    assert "1人" in row.inner_text()  # the first is still waiting
    assert api.get(f"/api/v1/tickets/{first['id']}").json()["status"] == "waiting"


def test_a_supervisor_puts_up_a_notice_and_takes_it_down(floor: Any, api: httpx.Client) -> None:
    floor.get_by_label("日本語").fill("本日は混み合っています")
    floor.get_by_label("English").fill("It is busy today")
    floor.get_by_role("button", name="掲示する").click()

    floor.locator("#notice-current", has_text="本日は混み合っています").wait_for()
    public = api.get("/api/v1/views/public:nakano").json()
    assert public["notice"]["en"] == "It is busy today"

    floor.get_by_role("button", name="お知らせを消す").click()
    floor.locator("#notice-current", has_text="なし").wait_for()


def test_a_display_gone_for_over_a_minute_raises_an_alert_by_the_browsers_clock(
    floor: Any, server: LiveServer, api: httpx.Client
) -> None:
    token = api.headers["Authorization"].split()[1]
    row = floor.locator("#devices tr", has_text="display-2f")
    with connect(f"{server.ws_url}/ws/v1/display:display-2f?token={token}") as display:
        display.recv(timeout=10)
        row.locator(".badge", has_text="接続中").wait_for()
    row.locator(".badge", has_text="切断").wait_for()  # told at once, no new version
    alert = floor.locator('.alert[data-alert^="display:display-2f:"]')

    floor.clock.run_for(30_000)
    assert alert.count() == 0  # half a minute: not yet
    floor.clock.run_for(35_000)

    alert.wait_for()
    assert "表示盤 display-2f" in alert.inner_text()


def test_an_alert_acknowledged_on_one_console_leaves_the_other_too(
    floor: Any, browser: Any, server: LiveServer, emulator: PrinterEmulator
) -> None:
    context = browser.new_context(viewport={"width": 1920, "height": 1080}, locale="ja-JP")
    other = context.new_page()
    other.set_default_timeout(TIMEOUT_MS)
    other.goto(f"{server.url}/admin")
    submit_sign_in(other, DEMO_SUPERVISOR)
    other.wait_for_url(f"{server.url}/admin")
    emulator.set_state(paper_out=True)
    selector = f'.alert[data-alert^="printer:{KIOSK}:paper_out:"]'
    other.locator(selector).wait_for()
    floor.locator(selector).wait_for()

    floor.locator(selector).get_by_role("button").click()

    other.locator(selector).wait_for(state="detached")
    context.close()
