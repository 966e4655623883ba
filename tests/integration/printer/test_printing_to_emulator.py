from __future__ import annotations

import socket
import time

import pytest
from PIL import Image

from printer.connections import PrinterUnavailable, send_job
from printer.emulator import PrinterEmulator, TextLine
from printer.layout import TicketLayout
from printer.profiles import get_profile
from printer.render import render


def uri(emulator: PrinterEmulator) -> str:
    return f"tcp:127.0.0.1:{emulator.port}"


def test_a_ticket_sent_over_tcp_comes_out_with_number_qr_and_cut(
    emulator: PrinterEmulator, ticket: TicketLayout
) -> None:
    status = send_job(uri(emulator), render(ticket))
    assert status is not None and status.blocking_reason is None
    (job,) = emulator.wait_for_jobs(1)
    transcript = job.text()
    assert "A-023" in transcript
    assert f"[qr {ticket.qr_url}]" in transcript
    assert transcript.endswith("[cut partial]\n")
    assert emulator.status_requests == 8  # four status bytes before the job, four after


def test_japanese_sent_in_kanji_mode_comes_back_as_the_same_japanese(
    emulator: PrinterEmulator, ticket: TicketLayout
) -> None:
    send_job(uri(emulator), render(ticket, get_profile("tm-t88-ja")))
    (job,) = emulator.wait_for_jobs(1)
    kanji = [i.text for i in job.items if isinstance(i, TextLine) and i.kanji]
    for text in (
        "中野区役所",
        "戸籍住民課 2F",
        "転入・転出・転居の届出",
        "お待ちの方 12人",
        "2026年11月25日(水) 9:05",
    ):
        assert text in kanji


def test_the_emulator_draws_each_job_to_a_png_and_a_transcript(
    emulator: PrinterEmulator, ticket: TicketLayout
) -> None:
    send_job(uri(emulator), render(ticket))
    emulator.wait_for_jobs(1)
    assert emulator.out_dir is not None
    with Image.open(emulator.out_dir / "job-0001.png") as png:
        assert png.width == 576 and png.height > 800
        assert png.convert("L").getextrema() == (0, 255)
    assert "A-023" in (emulator.out_dir / "job-0001.txt").read_text(encoding="utf-8")


def test_a_printer_that_is_off_is_unavailable_at_once() -> None:
    with socket.socket() as probe:  # a port nobody listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable) as caught:
        send_job(f"tcp:127.0.0.1:{port}", b"\x1b@hello\n")
    assert caught.value.reason == "refused" and not caught.value.sent
    assert time.monotonic() - started < 1.0


@pytest.mark.parametrize(
    ("state", "reason"),
    [
        ({"paper_out": True}, "paper_out"),
        ({"cover_open": True}, "cover_open"),
        ({"offline": True}, "offline"),
    ],
)
def test_a_blocked_printer_is_refused_before_anything_is_sent(
    emulator: PrinterEmulator, ticket: TicketLayout, state: dict[str, bool], reason: str
) -> None:
    emulator.set_state(**state)
    with pytest.raises(PrinterUnavailable) as caught:
        send_job(uri(emulator), render(ticket))
    assert caught.value.reason == reason and not caught.value.sent
    emulator.wait_idle()  # the connection is over: what it carried is printed or held
    assert emulator.jobs == [] and emulator.held == []


def test_paper_running_out_during_a_job_is_reported_as_sent_and_it_prints_on_refill(
    emulator: PrinterEmulator, ticket: TicketLayout
) -> None:
    job = render(ticket)
    with socket.create_connection(("127.0.0.1", emulator.port), timeout=3) as conn:
        conn.sendall(b"\x10\x04\x04")
        assert conn.recv(1) == b"\x12"  # paper present
        emulator.set_state(paper_out=True)  # runs out as the job arrives
        conn.sendall(job + b"\x10\x04\x04")
        assert conn.recv(1) == b"\x7e"  # paper end (the near-end sensor sees none either)
    emulator.wait_idle()
    assert emulator.jobs == [] and len(emulator.held) == 1
    emulator.refill()
    (printed,) = emulator.wait_for_jobs(1)
    assert "A-023" in printed.text()


def test_send_job_reports_a_job_kept_by_a_printer_that_ran_out_of_paper(
    emulator: PrinterEmulator, ticket: TicketLayout
) -> None:
    # The emulator runs out of paper as soon as it has answered the status before the job.
    real_answer = emulator._answer

    def answer_then_run_out(client: socket.socket, n: int) -> None:
        real_answer(client, n)
        if emulator.status_requests == 4:
            emulator.set_state(paper_out=True)

    emulator._answer = answer_then_run_out  # type: ignore[method-assign]
    with pytest.raises(PrinterUnavailable) as caught:
        send_job(uri(emulator), render(ticket))
    assert caught.value.reason == "paper_out" and caught.value.sent
    emulator.refill()
    assert len(emulator.wait_for_jobs(1)) == 1


def test_a_slow_printer_times_out_within_the_timeout(
    emulator: PrinterEmulator, ticket: TicketLayout
) -> None:
    emulator.set_state(slow_s=2.0)
    started = time.monotonic()
    with pytest.raises(PrinterUnavailable) as caught:
        send_job(uri(emulator), render(ticket), timeout=0.5)
    assert caught.value.reason == "timeout" and not caught.value.sent
    assert time.monotonic() - started < 1.5


def test_paper_near_end_prints_and_is_reported(
    emulator: PrinterEmulator, ticket: TicketLayout
) -> None:
    emulator.set_state(paper_near_end=True)
    status = send_job(uri(emulator), render(ticket))
    assert status is not None and status.paper_near_end
    assert len(emulator.wait_for_jobs(1)) == 1
