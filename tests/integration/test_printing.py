"""Tickets issued through the API, printed on the TCP printer emulator (and previews)."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient

from printer.connections import PrinterUnavailable
from printer.emulator import PrinterEmulator
from printer.emulator.decode import Job, QRCode
from tests.conftest import free_port, kiosk_headers, sign_in

ISSUE = "/api/v1/offices/nakano/tickets"
KIOSK = "kiosk-2f"


def issue(client: TestClient, **extra: Any) -> dict[str, Any]:
    body = {"service": "certificates", "kiosk": KIOSK, **extra}
    answer = client.post(ISSUE, json=body, headers=kiosk_headers(client, body["kiosk"]))
    assert answer.status_code == 201, answer.text
    result: dict[str, Any] = answer.json()
    return result


def qr_payloads(job: Job) -> list[str]:
    return [item.data for item in job.items if isinstance(item, QRCode)]


def devices(client: TestClient) -> dict[str, dict[str, Any]]:
    answer = client.get("/api/v1/offices/nakano/devices", headers=sign_in(client))
    assert answer.status_code == 200, answer.text
    return {d["kiosk"]: d for d in answer.json()["kiosks"]}


def printed_up_to_a_marker(client: TestClient, emulator: PrinterEmulator, before: int) -> list[Job]:
    """Every job printed, once one more kiosk ticket (the marker) has printed after the
    `before` jobs the test expects: a job sent unasked before the marker (a reprint
    nobody asked for) is then among them, where a fixed wait could end before it came."""
    marker = issue(client)
    assert marker["print"]["status"] == "printed", marker
    emulator.wait_for_jobs(before + 1)
    emulator.wait_idle()
    jobs = list(emulator.jobs)
    assert len(jobs) == before + 1, [job.text() for job in jobs]
    assert marker["number"] in jobs[-1].text()
    return jobs


def test_a_kiosk_ticket_prints_its_number_qr_and_cut(
    printing_client: TestClient, emulator: PrinterEmulator
) -> None:
    ticket = issue(printing_client, lang="en")
    assert ticket["number"] == "B-001"
    assert ticket["print"] == {"status": "printed", "error": None}
    [job] = emulator.wait_for_jobs(1)
    text = job.text()
    assert "B-001" in text
    [qr] = qr_payloads(job)
    assert qr == f"http://testserver/t/{ticket['token']}"
    assert job.cut is not None
    # The answer and the ticket row agree.
    got = printing_client.get(f"/api/v1/tickets/{ticket['id']}", headers=sign_in(printing_client))
    assert got.json()["print"] == {"status": "printed", "error": None}
    assert devices(printing_client)[KIOSK]["state"] == "online"


def test_the_qr_code_uses_the_public_url_when_set(
    make_client: Callable[..., TestClient], sqlite_url: str, emulator: PrinterEmulator
) -> None:
    client = make_client(
        sqlite_url,
        printers={KIOSK: f"tcp:127.0.0.1:{emulator.port}"},
        always_open=True,
        public_url="https://madoguchi.example/",
    )
    ticket = issue(client)
    [job] = emulator.wait_for_jobs(1)
    assert qr_payloads(job) == [f"https://madoguchi.example/t/{ticket['token']}"]


def test_each_ticket_prints_exactly_once(
    printing_client: TestClient, emulator: PrinterEmulator
) -> None:
    numbers = [issue(printing_client)["number"] for _ in range(3)]
    jobs = emulator.wait_for_jobs(3)
    assert numbers == ["B-001", "B-002", "B-003"]
    assert [sum(n in job.text() for n in numbers) for job in jobs] == [1, 1, 1]
    assert [next(n for n in numbers if n in job.text()) for job in jobs] == numbers
    assert len(printed_up_to_a_marker(printing_client, emulator, 3)) == 4


def test_a_printer_that_is_off_fails_the_print_not_the_ticket(
    make_client: Callable[..., TestClient], sqlite_url: str, caplog: pytest.LogCaptureFixture
) -> None:
    client = make_client(
        sqlite_url, printers={KIOSK: f"tcp:127.0.0.1:{free_port()}"}, always_open=True
    )
    with caplog.at_level(logging.WARNING, logger="server.printing"):
        ticket = issue(client)
        assert ticket["print"] == {"status": "failed", "error": "refused"}
        assert issue(client)["print"]["status"] == "failed"
    downs = [r for r in caplog.records if "is down" in r.getMessage()]
    assert len(downs) == 1  # logged once, not per ticket
    clerk = sign_in(client)
    device = devices(client)[KIOSK]
    assert (device["state"], device["last_error"]) == ("offline", "refused")
    # The ticket exists and is called like any other.
    assert client.post("/api/v1/offices/nakano/counters/4/open", headers=clerk).status_code == 200
    called = client.post("/api/v1/offices/nakano/counters/4/call-next", headers=clerk).json()
    assert (called["id"], called["status"]) == (ticket["id"], "called")
    assert called["print"] == {"status": "failed", "error": "refused"}


def test_paper_out_sends_nothing_and_the_next_job_after_refill_prints(
    printing_client: TestClient, emulator: PrinterEmulator
) -> None:
    emulator.set_state(paper_out=True)
    out = issue(printing_client)
    assert out["print"] == {"status": "failed", "error": "paper_out"}
    assert devices(printing_client)[KIOSK]["state"] == "paper_out"
    assert issue(printing_client)["print"] == {"status": "failed", "error": "paper_out"}
    emulator.wait_idle()
    emulator.refill()
    assert emulator.held == [] and emulator.jobs == []  # nothing was sent while out of paper
    after = issue(printing_client)
    assert after["print"] == {"status": "printed", "error": None}
    [job] = emulator.wait_for_jobs(1)
    assert "B-003" in job.text() and "B-001" not in job.text()
    assert devices(printing_client)[KIOSK]["state"] == "online"
    # No automatic reprint of the tickets that failed.
    assert "B-003" in printed_up_to_a_marker(printing_client, emulator, 1)[0].text()
    got = printing_client.get(f"/api/v1/tickets/{out['id']}", headers=sign_in(printing_client))
    assert got.json()["print"] == {"status": "failed", "error": "paper_out"}


def test_a_ticket_without_a_kiosk_is_not_printed(
    printing_client: TestClient, emulator: PrinterEmulator
) -> None:
    answer = printing_client.post(ISSUE, json={"service": "certificates"})
    assert answer.status_code == 201, answer.text
    assert answer.json()["print"] == {"status": "none", "error": None}
    printed_up_to_a_marker(printing_client, emulator, 0)  # the marker is the only job


def test_a_kiosk_without_a_printer_writes_a_preview_png(
    make_client: Callable[..., TestClient], sqlite_url: str, tmp_path: Path
) -> None:
    client = make_client(sqlite_url, always_open=True, preview_dir=str(tmp_path / "tickets"))
    ticket = issue(client, lang="vi")
    assert ticket["print"] == {"status": "printed", "error": None}
    pngs = list((tmp_path / "tickets" / KIOSK).glob("*.png"))
    assert len(pngs) == 1
    transcript = pngs[0].with_suffix(".txt").read_text(encoding="utf-8")
    assert "B-001" in transcript and f"/t/{ticket['token']}" in transcript
    device = devices(client)[KIOSK]
    assert device["printer"] == f"preview:{tmp_path / 'tickets'}/{KIOSK}"
    assert device["reports_status"] is False


def test_a_reprint_is_explicit_and_prints_once_more(
    printing_client: TestClient, emulator: PrinterEmulator
) -> None:
    ticket = issue(printing_client)
    emulator.wait_for_jobs(1)
    reprint = f"/api/v1/tickets/{ticket['id']}/reprint"
    assert printing_client.post(reprint).status_code == 401  # staff only
    answer = printing_client.post(reprint, headers=sign_in(printing_client))
    assert answer.status_code == 200, answer.text
    assert answer.json()["print"] == {"status": "printed", "error": None}
    jobs = emulator.wait_for_jobs(2)
    assert "B-001" in jobs[1].text()
    printed_up_to_a_marker(printing_client, emulator, 2)  # the reprint printed once


def test_a_reprint_needs_a_kiosk_for_an_online_ticket(
    printing_client: TestClient, emulator: PrinterEmulator
) -> None:
    ticket = printing_client.post(ISSUE, json={"service": "certificates"}).json()
    clerk = sign_in(printing_client)
    reprint = f"/api/v1/tickets/{ticket['id']}/reprint"
    assert printing_client.post(reprint, headers=clerk).status_code == 422
    answer = printing_client.post(f"{reprint}?kiosk={KIOSK}", headers=clerk)
    assert answer.status_code == 200, answer.text
    assert answer.json()["print"]["status"] == "printed"
    assert "B-001" in emulator.wait_for_jobs(1)[0].text()


def test_devices_lists_every_kiosk_and_needs_staff(printing_client: TestClient) -> None:
    assert printing_client.get("/api/v1/offices/nakano/devices").status_code == 401
    listed = devices(printing_client)
    assert set(listed) == {"kiosk-2f", "kiosk-3f"}
    assert listed[KIOSK]["state"] == "unknown" and listed[KIOSK]["reports_status"] is True
    assert listed["kiosk-3f"]["printer"].startswith("preview:")


def test_a_slow_printer_answers_queued_and_the_row_follows_the_printer(
    printing_client: TestClient, emulator: PrinterEmulator
) -> None:
    printing_client.app.state.system.printing.answer_wait = 0.2  # type: ignore[attr-defined]
    emulator.set_state(slow_s=0.1)  # ~60 KB of raster in 4 KB reads: about 1.5 s
    ticket = issue(printing_client)
    assert ticket["print"] == {"status": "queued", "error": None}
    [job] = emulator.wait_for_jobs(1, timeout=10)
    assert "B-001" in job.text()
    clerk = sign_in(printing_client)
    url = f"/api/v1/tickets/{ticket['id']}"
    deadline = time.monotonic() + 5
    while printing_client.get(url, headers=clerk).json()["print"]["status"] == "queued":
        assert time.monotonic() < deadline, "the outcome was never recorded"
        time.sleep(0.05)  # the polling interval
    assert printing_client.get(url, headers=clerk).json()["print"] == {
        "status": "printed",
        "error": None,
    }
    assert len(emulator.jobs) == 1


def test_a_job_held_in_a_printer_out_of_paper_is_printed_once_it_is_back(
    printing_client: TestClient, emulator: PrinterEmulator, monkeypatch: pytest.MonkeyPatch
) -> None:
    import server.printing

    real_send = server.printing.send_job

    def runs_out_after_the_job(uri: str, job: bytes, *, timeout: float) -> Any:
        raise PrinterUnavailable("paper_out", "after the job was sent", sent=True)

    monkeypatch.setattr(server.printing, "send_job", runs_out_after_the_job)
    held = issue(printing_client)
    assert held["print"] == {"status": "failed", "error": "paper_out"}
    device = devices(printing_client)[KIOSK]
    assert (device["state"], device["held"]) == ("paper_out", 1)
    monkeypatch.setattr(server.printing, "send_job", real_send)
    # Paper back: the next job checks the status first, and the held ticket counts as printed.
    assert issue(printing_client)["print"]["status"] == "printed"
    got = printing_client.get(f"/api/v1/tickets/{held['id']}", headers=sign_in(printing_client))
    assert got.json()["print"] == {"status": "printed", "error": None}
    assert len(emulator.wait_for_jobs(1)) == 1  # never resent by the server
    assert devices(printing_client)[KIOSK]["held"] == 0


@pytest.mark.parametrize(
    ("fault", "reason"), [({"cover_open": True}, "cover_open"), ({"offline": True}, "offline")]
)
def test_a_printer_fault_sends_nothing_and_says_why(
    printing_client: TestClient,
    emulator: PrinterEmulator,
    fault: dict[str, bool],
    reason: str,
) -> None:
    emulator.set_state(**fault)
    assert issue(printing_client)["print"] == {"status": "failed", "error": reason}
    assert emulator.jobs == [] and emulator.held == []
    device = devices(printing_client)[KIOSK]
    assert (device["state"], device["last_error"]) == (reason, reason)
    emulator.set_state(cover_open=False, offline=False)
    assert issue(printing_client)["print"]["status"] == "printed"
    assert "B-002" in emulator.wait_for_jobs(1)[0].text()


def test_a_finished_ticket_is_not_reprinted(
    printing_client: TestClient, emulator: PrinterEmulator
) -> None:
    ticket = issue(printing_client)
    clerk = sign_in(printing_client)
    cancel = printing_client.post(f"/api/v1/tickets/{ticket['id']}/cancel", headers=clerk)
    assert cancel.status_code == 200, cancel.text
    answer = printing_client.post(f"/api/v1/tickets/{ticket['id']}/reprint", headers=clerk)
    assert answer.status_code == 409, answer.text
    assert "B-001" in printed_up_to_a_marker(printing_client, emulator, 1)[0].text()
