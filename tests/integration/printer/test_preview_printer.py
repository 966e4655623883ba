from __future__ import annotations

from pathlib import Path

from PIL import Image

from printer.connections import send_job
from printer.layout import TicketLayout
from printer.profiles import get_profile
from printer.render import render


def test_preview_printer_writes_a_png_and_transcript_per_ticket(
    tmp_path: Path, ticket: TicketLayout
) -> None:
    out = tmp_path / "preview"
    assert send_job(f"preview:{out}", render(ticket)) is None
    assert send_job(f"preview:{out}", render(ticket, get_profile("generic-58"))) is None
    pngs = sorted(out.glob("*.png"))
    assert len(pngs) == 2
    widths = set()
    for png in pngs:
        with Image.open(png) as img:
            img.load()
            widths.add(img.width)
            assert img.height > 600
        transcript = png.with_suffix(".txt").read_text(encoding="utf-8")
        assert "A-023" in transcript and "[cut" in transcript
    assert widths == {576, 384}
    assert any(ticket.qr_url in p.with_suffix(".txt").read_text(encoding="utf-8") for p in pngs)


def test_file_printer_receives_the_job_bytes_unchanged(
    tmp_path: Path, ticket: TicketLayout
) -> None:
    job = render(ticket)
    target = tmp_path / "lp0"
    assert send_job(f"file:{target}", job) is None
    assert target.read_bytes() == job
