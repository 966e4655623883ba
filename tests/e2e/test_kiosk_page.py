"""The kiosk in a real browser (Playwright on Debian's Chromium) against a real server whose
kiosk-2f prints on the TCP printer emulator: a tap gives a printed ticket whose QR code decodes
to the ticket page, in Japanese and in English; a printer out of paper is announced before the
visitor chooses and the ticket is shown on screen; an unpaired kiosk says how to pair it."""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest
import zxingcpp
from PIL import Image

from printer.emulator import PrinterEmulator
from printer.emulator.decode import QRCode
from tests.conftest import ROOT, LiveServer, cli_device_token

KIOSK = "kiosk-2f"
TIMEOUT_MS = 10_000


@pytest.fixture
def page(browser: Any) -> Iterator[Any]:
    context = browser.new_context(viewport={"width": 1280, "height": 800})
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    yield page
    context.close()


@pytest.fixture
def server(
    live_server: Callable[..., LiveServer],
    sqlite_url: str,
    emulator: PrinterEmulator,
    monkeypatch: pytest.MonkeyPatch,
) -> LiveServer:
    monkeypatch.setenv("MADOGUCHI_PRINTER_PROBE_S", "0.3")  # the kiosk hears of paper soon
    return live_server(sqlite_url, "--printer", f"{KIOSK}=tcp:127.0.0.1:{emulator.port}")


def decode_qr(png: bytes | Path) -> str:
    image = Image.open(io.BytesIO(png) if isinstance(png, bytes) else png).convert("L")
    found = [
        r.text for r in zxingcpp.read_barcodes(image) if r.format == zxingcpp.BarcodeFormat.QRCode
    ]
    assert len(found) == 1, found
    return found[0]


def tap_service(page: Any, service: str) -> None:
    page.locator(f'button.service[data-service="{service}"]').click()
    page.locator("#ticket-number").wait_for()


def assert_waiting(server: LiveServer, url: str, number: str, lang: str) -> None:
    token = url.rsplit("/t/", 1)[1]
    assert url == f"{server.url}/t/{token}"
    visitor = httpx.get(f"{server.url}/api/v1/visitor/{token}").json()
    assert (visitor["number"], visitor["status"], visitor["lang"]) == (number, "waiting", lang)
    assert visitor["print"]["status"] == "printed"


@pytest.mark.parametrize(
    ("lang", "heading", "printed"),
    [
        ("ja", "ご用件を選んでください", "受付票をお取りください"),
        ("en", "Touch what you came for", "Please take your ticket"),
    ],
)
def test_one_tap_prints_a_ticket_whose_qr_code_leads_to_the_waiting_ticket(
    server: LiveServer,
    emulator: PrinterEmulator,
    page: Any,
    tmp_path: Path,
    lang: str,
    heading: str,
    printed: str,
    sqlite_url: str,
) -> None:
    # Paired: printing at a kiosk needs its device token.
    page.goto(f"{server.url}/kiosk/{KIOSK}?token={cli_device_token(sqlite_url, KIOSK)}")
    if lang != "ja":
        page.locator(f'#languages button[data-lang="{lang}"]').click()
    assert page.locator("h1.heading").inner_text() == heading
    assert page.locator("html").get_attribute("lang") == lang
    # Waiting counts and estimates are shown before choosing; nothing scrolls.
    button = page.locator('button.service[data-service="certificates"]')
    assert "0" in button.locator(".waiting").inner_text()
    assert page.evaluate("document.documentElement.scrollHeight <= window.innerHeight")

    tap_service(page, "certificates")

    assert page.locator("#ticket-number").inner_text() == "B-001"
    status = page.locator("#print-status")
    assert status.get_attribute("data-print") == "printed"
    assert status.inner_text() == printed
    assert page.locator("#ticket-qr").count() == 0
    [job] = emulator.wait_for_jobs(1)
    assert "B-001" in job.text()
    [qr] = [item.data for item in job.items if isinstance(item, QRCode)]
    # The emulator's paper, read back with a real QR decoder.
    assert decode_qr(tmp_path / "printed" / "job-0001.png") == qr
    assert_waiting(server, qr, "B-001", lang)
    # The kiosk's own count follows the ticket it issued.
    page.locator("button.done").click()
    page.locator('button.service[data-service="certificates"] .waiting').filter(
        has_text="1"
    ).wait_for()


def test_a_printer_out_of_paper_is_announced_first_and_the_ticket_is_shown_on_screen(
    server: LiveServer, emulator: PrinterEmulator, page: Any, sqlite_url: str
) -> None:
    page.goto(f"{server.url}/kiosk/{KIOSK}?token={cli_device_token(sqlite_url, KIOSK)}")
    page.locator("button.service").first.wait_for()
    emulator.set_state(paper_out=True)
    banner = page.locator("#banner")
    banner.filter(has_text="用紙が切れています").wait_for()
    assert banner.get_attribute("data-printer") == "paper_out"

    tap_service(page, "moving")

    assert page.locator("#ticket-number").inner_text() == "A-001"
    assert page.locator("#print-status").get_attribute("data-print") == "failed"
    qr = page.locator("#ticket-qr")
    qr.wait_for()
    page.wait_for_function("() => document.querySelector('#ticket-qr').naturalWidth > 0")
    url = decode_qr(qr.screenshot())
    token = url.rsplit("/t/", 1)[1]
    visitor = httpx.get(f"{server.url}/api/v1/visitor/{token}").json()
    assert (visitor["number"], visitor["status"]) == ("A-001", "waiting")
    assert visitor["print"] == {"status": "failed", "error": "paper_out"}
    assert emulator.jobs == [] and emulator.held == []  # nothing was sent to it

    # Paper back: the banner goes by itself; the next ticket prints.
    emulator.refill()
    page.locator("button.done").click()
    banner.wait_for(state="hidden")
    tap_service(page, "moving")
    assert page.locator("#print-status").get_attribute("data-print") == "printed"
    assert "A-002" in emulator.wait_for_jobs(1)[0].text()


def test_an_unpaired_kiosk_says_how_to_pair_and_pairing_drops_the_token_from_the_address(
    live_server: Callable[..., LiveServer], sqlite_url: str, tmp_path: Path, page: Any
) -> None:
    office = kiosks_only_office(tmp_path)
    server = live_server(sqlite_url, "--office", str(office))
    page.goto(f"{server.url}/kiosk/{KIOSK}")
    notice = page.locator("#unpaired")
    notice.wait_for()
    assert f"madoguchi device token {KIOSK}" in notice.inner_text()
    assert page.locator("button.service").count() == 0

    token = cli_device_token(sqlite_url, KIOSK, str(office))
    page.goto(f"{server.url}/kiosk/{KIOSK}?token={token}")
    page.locator("button.service").first.wait_for()
    assert page.url == f"{server.url}/kiosk/{KIOSK}"
    assert page.evaluate(f"localStorage.getItem('madoguchi.kiosk.{KIOSK}.token')") == token
    tap_service(page, "insurance")
    assert page.locator("#ticket-number").inner_text() == "E-001"
    # Paired for good: a reload without the token still issues.
    page.reload()
    tap_service(page, "insurance")
    assert page.locator("#ticket-number").inner_text() == "E-002"


def test_pairing_from_the_fragment_sends_the_token_in_no_address(
    live_server: Callable[..., LiveServer], sqlite_url: str, tmp_path: Path, page: Any
) -> None:
    # `make run` prints /kiosk/…#token=…: a fragment never leaves the browser.
    office = kiosks_only_office(tmp_path)
    server = live_server(sqlite_url, "--office", str(office))
    token = cli_device_token(sqlite_url, KIOSK, str(office))
    sent: list[str] = []
    page.on("request", lambda request: sent.append(request.url))
    page.on("websocket", lambda ws: sent.append(ws.url))
    page.goto(f"{server.url}/kiosk/{KIOSK}#token={token}")
    page.locator("button.service").first.wait_for()
    assert page.url == f"{server.url}/kiosk/{KIOSK}"
    tap_service(page, "insurance")
    assert page.locator("#ticket-number").inner_text() == "E-001"  # issued with the token
    assert sent and not [url for url in sent if token in url]


def kiosks_only_office(tmp_path: Path) -> Path:
    """The demo office where only paired kiosks issue (open_issuing = false)."""
    office = tmp_path / "office.toml"
    demo = (ROOT / "server" / "offices" / "nakano.toml").read_text(encoding="utf-8")
    office.write_text(demo.replace("open_issuing = true", "open_issuing = false"), "utf-8")
    return office
