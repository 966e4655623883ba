"""Every counter's own work in the counter app, in real browsers (issue 15, item 7): the pickup
counter (交付窓口) marks documents ready by keyboard and the floor display calls the number,
then hands them over; a counter with services and pickup shows both; the reception desk
(受付・案内) issues a ticket for a visitor, printed at the chosen kiosk's printer (the TCP
emulator) or shown as the QR code of the visitor's page. At the counter PC's 1366×768.

With MADOGUCHI_SCREENSHOTS=1 the pickup counter and the reception desk are saved in docs/."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
from playwright import sync_api as playwright_api

from printer.emulator import PrinterEmulator
from server import accounts
from server.office_file import demo_office_path
from server.store.engine import make_engines
from server.store.unit_of_work import Writer
from tests.conftest import CLERK, ROOT, LiveServer, add_clerk, add_supervisor, sign_in
from tests.e2e.conftest import submit_sign_in

OFFICE = "/api/v1/offices/nakano"
COUNTER_SIZE = {"width": 1366, "height": 768}
TIMEOUT_MS = 10_000
SHOTS = os.environ.get("MADOGUCHI_SCREENSHOTS") == "1"
expect = playwright_api.expect


def office_file(tmp_path: Path, *changes: tuple[str, str]) -> str:
    """The demo office with `changes` (old, new) made to its TOML."""
    text = demo_office_path().read_text(encoding="utf-8")
    for old, new in changes:
        assert old in text, old
        text = text.replace(old, new, 1)
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    return str(path)


@pytest.fixture
def start(
    sqlite_url: str, live_server: Callable[..., LiveServer], monkeypatch: pytest.MonkeyPatch
) -> Iterator[Callable[..., tuple[LiveServer, httpx.Client]]]:
    """A live server (of the office in `office`, a TOML file, if given), its clerk for the
    browser and a supervisor's API client (one person working several counters)."""
    clients: list[httpx.Client] = []

    def start_(office: str | None = None) -> tuple[LiveServer, httpx.Client]:
        if office is not None:
            # For every command, the first included: the database takes its settings from
            # the office file of whichever command prepares it (`user add` here).
            monkeypatch.setenv("MADOGUCHI_OFFICE", office)
        add_clerk(sqlite_url)
        supervisor = add_supervisor(sqlite_url)
        server = live_server(sqlite_url)
        api = httpx.Client(base_url=server.url, timeout=30)
        api.headers.update(sign_in(api, supervisor))
        clients.append(api)
        return server, api

    yield start_
    for client in clients:
        client.close()


def new_page(browser: Any, viewport: dict[str, int] = COUNTER_SIZE, **options: Any) -> Any:
    page = browser.new_context(viewport=viewport, **options).new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


def counter_app(browser: Any, server: LiveServer, counter: str) -> Any:
    """The counter app at `counter`, signed in as the clerk."""
    page = new_page(browser)
    page.goto(f"{server.url}/counter/{counter}")
    page.wait_for_url("**/signin**")
    submit_sign_in(page, CLERK)
    page.wait_for_url(f"{server.url}/counter?counter={counter}")
    return page


def fits_the_screen(page: Any) -> bool:
    return bool(
        page.evaluate(
            "() => document.documentElement.scrollHeight <= window.innerHeight"
            " && document.documentElement.scrollWidth <= window.innerWidth"
        )
    )


def prepared(api: httpx.Client, n: int) -> list[dict[str, Any]]:
    """`n` certificates served at counter 4: their documents now being made (preparing)."""
    api.post(f"{OFFICE}/counters/4/open").raise_for_status()
    tickets = []
    for _ in range(n):
        issued = api.post(f"{OFFICE}/tickets", json={"service": "certificates"})
        assert issued.status_code == 201, issued.text
        called = api.post(f"{OFFICE}/counters/4/call-next").json()
        for action in ("start", "finish"):
            api.post(f"/api/v1/tickets/{called['id']}/{action}").raise_for_status()
        assert api.get(f"/api/v1/tickets/{called['id']}").json()["status"] == "preparing"
        tickets.append(called)
    return tickets


def open_display(browser: Any, server: LiveServer, database_url: str) -> Any:
    engines = make_engines(database_url)
    try:
        token = accounts.device_token(Writer(engines), "display-2f")
    finally:
        engines.dispose()
    display = new_page(browser, {"width": 1920, "height": 1080}, bypass_csp=True)
    display.goto(f"{server.url}/display/display-2f?token={token}")
    display.wait_for_selector("body[data-state=online]")
    return display


def numbers(page: Any, selector: str) -> list[str]:
    found: list[str] = page.locator(selector).evaluate_all("rs => rs.map(r => r.dataset.number)")
    return found


def focused_ticket(page: Any) -> str | None:
    found: str | None = page.evaluate("() => document.activeElement.dataset.ticket || null")
    return found


def test_the_pickup_counter_marks_ready_by_keyboard_and_the_display_calls_the_number(
    browser: Any, start: Callable[..., tuple[LiveServer, httpx.Client]], sqlite_url: str
) -> None:
    server, api = start()
    first, second, third = prepared(api, 3)
    display = open_display(browser, server, sqlite_url)
    page = counter_app(browser, server, "11")

    # Counter 11 has no services of its own: no call button, the pickup lists instead; it
    # opens and closes like any counter.
    expect(page.locator("#pickup")).to_be_visible()
    expect(page.locator("#call-next")).to_be_hidden()
    page.locator("#btn-open").click()
    page.locator("#counter-state").filter(has_text="開設中").wait_for()
    expect(page.locator("#preparing .pickup-row")).to_have_count(3)
    assert numbers(page, "#preparing .pickup-row") == [t["number"] for t in (first, second, third)]
    ready_button = page.locator("#preparing [data-pickup-action=ready]").first
    assert ready_button.get_attribute("aria-keyshortcuts") == "P"
    assert first["number"] in (ready_button.get_attribute("aria-label") or "")

    # P, the focus nowhere in a list: the oldest document is ready, called to counter 11.
    page.keyboard.press("p")
    page.locator(f"#ready [data-number='{first['number']}']").wait_for()
    display.wait_for_function(
        "n => window.madoguchiDisplay.log.some(e => e.number === n"
        " && e.type === 'ticket.ready' && e.counter === '11' && e.done)",
        arg=first["number"],
        timeout=60_000,
    )
    expect(display.locator("#ready")).to_contain_text(first["number"])
    assert api.get(f"/api/v1/tickets/{first['id']}").json()["status"] == "ready"

    # Tab order and arrows: ↓ from the first document to the next, Enter marks that one;
    # the focus stays in the list, on the row that took its place.
    page.locator("#preparing [data-pickup-action=ready]").first.focus()
    page.keyboard.press("ArrowDown")
    assert focused_ticket(page) == third["id"]
    page.keyboard.press("Enter")
    page.locator(f"#ready [data-number='{third['number']}']").wait_for()
    expect(page.locator("#preparing .pickup-row")).to_have_count(1)
    assert focused_ticket(page) == second["id"]
    assert numbers(page, "#ready .pickup-row") == [first["number"], third["number"]]
    assert fits_the_screen(page)
    page.screenshot(path=str(ROOT / "docs" / "counter-pickup.png") if SHOTS else None)

    # H hands over the first ticket called for pickup (the focus is not in that list).
    page.keyboard.press("h")
    expect(page.locator(f"#ready [data-number='{first['number']}']")).to_have_count(0)
    assert api.get(f"/api/v1/tickets/{first['id']}").json()["status"] == "done"
    expect(display.locator("#ready")).not_to_contain_text(first["number"])
    # R on a row that is ready calls it again; the mouse does what the keys do.
    page.locator(f"#ready [data-ticket='{third['id']}'][data-pickup-action=recall]").focus()
    page.keyboard.press("r")
    page.locator("#message").filter(has_text=f"{third['number']}: 再呼出").wait_for()
    page.locator(f"#ready [data-ticket='{third['id']}'][data-pickup-action=hand-over]").click()
    expect(page.locator("#ready .pickup-row")).to_have_count(0)
    assert api.get(f"/api/v1/tickets/{third['id']}").json()["status"] == "done"
    # F2 calls nobody at a counter without services.
    page.keyboard.press("F2")
    assert api.get("/api/v1/views/counter:11").json()["current"] is None
    page.context.close()
    display.context.close()


def test_a_counter_with_services_and_pickup_shows_both_and_one_without_pickup_only_its_own(
    browser: Any, start: Callable[..., tuple[LiveServer, httpx.Client]], tmp_path: Path
) -> None:
    pickup_only = 'for certificates\narea = "residents"\nservices = []'
    both = office_file(tmp_path, (pickup_only, pickup_only.replace("[]", '["mynumber"]')))
    server, api = start(both)
    [ticket] = prepared(api, 1)
    page = counter_app(browser, server, "11")
    expect(page.locator("#call-next")).to_be_visible()
    expect(page.locator("#pickup")).to_be_visible()
    page.locator(f"#preparing [data-number='{ticket['number']}']").wait_for()
    assert fits_the_screen(page)
    page.locator("#counter-select").select_option("4")
    expect(page.locator("#call-next")).to_be_visible()
    expect(page.locator("#pickup")).to_be_hidden()
    page.keyboard.press("p")  # no pickup here: P does nothing
    expect(page.locator("#message")).to_be_hidden()
    assert api.get(f"/api/v1/tickets/{ticket['id']}").json()["status"] == "preparing"
    page.context.close()


def test_the_reception_desk_issues_for_a_visitor_printed_at_a_kiosk_or_shown_as_a_qr_code(
    browser: Any,
    start: Callable[..., tuple[LiveServer, httpx.Client]],
    tmp_path: Path,
    emulator: PrinterEmulator,
) -> None:
    printing = office_file(
        tmp_path,
        (
            'id = "kiosk-2f"\nareas = ["residents", "insurance"]',
            f'id = "kiosk-2f"\nareas = ["residents", "insurance"]\nprinter = "tcp:127.0.0.1:{emulator.port}"',  # fmt: skip
        ),
    )
    server, api = start(printing)
    page = counter_app(browser, server, "reception")
    expect(page.locator("#reception")).to_be_visible()
    expect(page.locator("#call-next")).to_be_hidden()
    expect(page.locator("#btn-open")).to_be_hidden()
    # The first kiosk's printer is chosen until the desk chooses otherwise.
    expect(page.locator('input[name="reception-kiosk"][value="kiosk-2f"]')).to_be_checked()
    # Each line's wait now, beside its service, to tell the visitor.
    line = page.locator('.line-state[data-service="certificates"]')
    expect(line).to_contain_text("待ち0人")

    # A visitor in English who needs priority, printed at the 2F kiosk: F2 issues.
    page.locator('input[name="reception-service"][value="certificates"]').check()
    page.locator("#reception-lang").select_option("en")
    page.locator("#reception-priority").check()
    page.keyboard.press("F2")
    number = page.locator("#issued-number")
    number.wait_for()
    ticket = api.get(f"/api/v1/tickets/{number.get_attribute('data-ticket')}").json()
    assert (ticket["channel"], ticket["lang"], ticket["priority"]) == ("reception", "en", True)
    assert ticket["kiosk"] == "kiosk-2f" and ticket["print"]["status"] == "printed"
    expect(page.locator("#issued-print")).to_contain_text("kiosk-2f の発券機で印刷しました")
    [job] = emulator.wait_for_jobs(1)
    assert ticket["number"] in job.text()
    # The form is ready for the next visitor; the printer stays chosen.
    expect(page.locator('input[name="reception-service"]:checked')).to_have_count(0)
    expect(page.locator("#reception-priority")).not_to_be_checked()
    expect(line).to_contain_text("待ち1人")
    # A supervisor stops a line: at the desk's next look it cannot be chosen, and says why.
    stopped = api.patch(f"{OFFICE}/services/nursery", json={"issuing": "stopped"})
    assert stopped.status_code == 200, stopped.text

    # Nothing printed: the visitor scans the QR code of their page from the screen.
    page.locator('input[name="reception-service"][value="moving"]').check()
    page.locator('input[name="reception-kiosk"][value="none"]').check()
    page.locator("#reception-issue").click()
    expect(number).not_to_have_text(ticket["number"])
    second = api.get(f"/api/v1/tickets/{number.get_attribute('data-ticket')}").json()
    assert (second["channel"], second["kiosk"], second["print"]["status"]) == ("reception", None, "none")  # fmt: skip
    expect(page.locator("#issued-print")).to_contain_text("印刷なし")
    expect(page.locator('.line-state[data-service="nursery"]')).to_have_text("（発券停止中）")
    expect(page.locator('input[name="reception-service"][value="nursery"]')).to_be_disabled()
    # The QR code is the visitor's page of this ticket (its token is the visitor's key).
    src = page.locator("#issued-qr").get_attribute("src") or ""
    token = src.removeprefix("/api/v1/visitor/").removesuffix("/qr.svg")
    assert api.get(f"/api/v1/visitor/{token}").json()["number"] == second["number"]
    page.wait_for_function("() => document.getElementById('issued-qr').naturalWidth > 0")
    assert numbers(page, "#issued-list li") == [second["number"], ticket["number"]]
    assert fits_the_screen(page)
    page.screenshot(path=str(ROOT / "docs" / "counter-reception.png") if SHOTS else None)
    assert len(emulator.jobs) == 1  # the second ticket was not printed
    assert page.evaluate("() => localStorage.getItem('madoguchi.reception.kiosk')") == "none"

    # The printer runs out of paper: the ticket is issued all the same, the desk is told
    # why it did not print (the QR code is there), and the kiosk's choice says so.
    emulator.set_state(paper_out=True)
    page.locator('input[name="reception-service"][value="koseki"]').check()
    page.locator('input[name="reception-kiosk"][value="kiosk-2f"]').check()
    page.keyboard.press("F2")
    outcome = page.locator("#issued-print")
    expect(outcome).to_contain_text("kiosk-2f で印刷できませんでした（用紙切れ）")
    expect(outcome).to_have_class("print-outcome error")
    expect(page.locator('.printer-state[data-kiosk="kiosk-2f"]')).to_have_text("（用紙切れ）")
    page.locator("#issued-qr").wait_for()
    page.context.close()
