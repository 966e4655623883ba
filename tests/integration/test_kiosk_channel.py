"""The kiosk's live channel kiosk:{kiosk}: its areas' services with waiting counts, estimates
and issuing status, and its printer's state, pushed when either changes; the kiosk's page and
the QR code of a ticket page."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from printer.emulator import PrinterEmulator
from tests.conftest import Clock, kiosk_headers, receive_json

ISSUE = "/api/v1/offices/nakano/tickets"
KIOSK = "kiosk-2f"


@pytest.fixture
def client(printing_client: TestClient) -> TestClient:
    return printing_client


def view(client: TestClient, kiosk: str = KIOSK) -> dict[str, Any]:
    answer = client.get(f"/api/v1/views/kiosk:{kiosk}")
    assert answer.status_code == 200, answer.text
    result: dict[str, Any] = answer.json()
    return result


def services(v: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for area in v["areas"] for s in area["services"]}


def test_the_kiosk_view_holds_its_areas_services_and_its_printer(client: TestClient) -> None:
    v = view(client)
    assert [(a["id"], a["floor"]) for a in v["areas"]] == [("residents", "2F"), ("insurance", "2F")]
    assert set(services(v)) == {"moving", "certificates", "mynumber", "koseki", "insurance"}
    certificates = services(v)["certificates"]
    assert certificates["names"]["ne"] and certificates["prefix"] == "B"
    assert (certificates["waiting"], certificates["issuing"]) == (0, True)
    assert set(certificates["estimate"]) == {"low_min", "high_min"}
    assert v["printer"]["state"] == "unknown" and v["printer"]["can_print"] is True
    assert v["kiosk"] == {"id": KIOSK, "open_issuing": True}
    assert {
        s for a in view(client, "kiosk-3f")["areas"] for s in (x["id"] for x in a["services"])
    } == {"childcare", "nursery"}
    assert client.get("/api/v1/views/kiosk:kiosk-9f").status_code == 404


def test_a_closed_service_is_shown_closed_with_its_reason(
    make_client: Callable[..., TestClient], sqlite_url: str, clock: Clock
) -> None:
    clock.now = datetime(2026, 11, 25, 8, 0, tzinfo=UTC)  # 17:00 in Tokyo: after the cut-off
    v = view(make_client(sqlite_url))
    assert {(s["issuing"], s["closed_reason"]) for s in services(v).values()} == {
        (False, "after_cutoff")
    }
    assert v["issuing"] is False


def test_issuing_pushes_a_view_equal_to_a_fresh_one(client: TestClient) -> None:
    with client.websocket_connect(f"/ws/v1/kiosk:{KIOSK}") as ws:
        first = receive_json(ws)
        assert first["type"] == "view" and first["events"] == []
        ticket = client.post(
            ISSUE, json={"service": "certificates", "kiosk": KIOSK}, headers=kiosk_headers(client)
        ).json()
        assert ticket["print"]["status"] == "printed"
        # The view follows the commit; the printer's state follows the print, in its own frame
        # when it changed after the view was built. The screen shows the newest of each.
        frames = receive_until(ws, lambda f: printer_of(f)["state"] == "online")
        frames += (
            receive_until(ws, lambda f: f["version"] > first["version"])
            if all(f["version"] == first["version"] for f in frames)
            else []
        )
    pushed = [f for f in frames if f["type"] == "view"][-1]
    assert pushed["events"] == []  # a kiosk announces nothing
    printer = max((printer_of(f) for f in frames), key=lambda p: p["revision"])
    fresh = view(client)
    assert {**pushed["view"], "printer": printer} == fresh
    assert services(fresh)["certificates"]["waiting"] == 1
    assert fresh["printer"]["state"] == "online"


def test_a_printer_running_out_of_paper_is_pushed_to_the_kiosk(
    client: TestClient, emulator: PrinterEmulator
) -> None:
    with client.websocket_connect(f"/ws/v1/kiosk:{KIOSK}") as ws:
        first = receive_json(ws)
        emulator.set_state(paper_out=True)
        ticket = client.post(
            ISSUE, json={"service": "moving", "kiosk": KIOSK}, headers=kiosk_headers(client)
        ).json()
        assert ticket["print"] == {"status": "failed", "error": "paper_out"}
        frames = receive_until(ws, lambda f: printer_of(f)["state"] == "paper_out")
        down = printer_of(frames[-1])
        assert down["can_print"] is False
        assert down["revision"] > first["view"]["printer"]["revision"]
        emulator.refill()
        client.post(
            ISSUE, json={"service": "moving", "kiosk": KIOSK}, headers=kiosk_headers(client)
        )
        frames = receive_until(ws, lambda f: printer_of(f)["state"] == "online")
        assert printer_of(frames[-1])["revision"] > down["revision"]
    assert view(client)["printer"]["state"] == "online"


def printer_of(frame: dict[str, Any]) -> dict[str, Any]:
    printer: dict[str, Any] = (
        frame["printer"] if frame["type"] == "printer" else frame["view"]["printer"]
    )
    return printer


def receive_until(
    ws: Any, done: Callable[[dict[str, Any]], bool], limit: int = 10
) -> list[dict[str, Any]]:
    frames: list[dict[str, Any]] = []
    while len(frames) < limit:
        frames.append(receive_json(ws))
        if done(frames[-1]):
            return frames
    raise AssertionError(f"not seen in {limit} frames: {frames}")


def test_the_kiosk_page_carries_every_language_and_a_strict_policy(client: TestClient) -> None:
    page = client.get(f"/kiosk/{KIOSK}")
    assert page.status_code == 200
    assert "script-src 'self'" in page.headers["content-security-policy"]
    for label in ("日本語", "やさしい日本語", "English", "中文", "한국어", "Tiếng Việt", "नेपाली"):
        assert label in page.text
    assert client.get("/kiosk/kiosk-9f").status_code == 404
    assert client.get("/static/kiosk/kiosk.js").status_code == 200


def test_the_qr_code_of_a_ticket_page_is_served_as_svg(client: TestClient) -> None:
    ticket = client.post(ISSUE, json={"service": "certificates"}).json()
    answer = client.get(f"/api/v1/visitor/{ticket['token']}/qr.svg")
    assert answer.status_code == 200 and answer.headers["content-type"] == "image/svg+xml"
    assert b"<svg" in answer.content  # decoded on screen by tests/e2e/test_kiosk_page.py
    assert client.get("/api/v1/visitor/not-a-token/qr.svg").status_code == 404
