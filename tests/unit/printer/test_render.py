from __future__ import annotations

import os
import subprocess
import sys
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from printer.emulator.decode import QRCode, Raster, TextLine, decode
from printer.layout import TicketLayout, build_layout
from printer.profiles import get_profile
from printer.render import render

URL = "https://madoguchi.example/t/k3J9x"


@pytest.fixture
def ticket() -> TicketLayout:
    return build_layout(
        office="中野区役所",
        area="子ども総合窓口",
        floor="3F",
        service="児童手当・子ども医療証",
        service_local=None,
        number="K-007",
        people_ahead=3,
        estimate_min=(10, 20),
        issued_at=datetime(2026, 11, 25, 9, 5, tzinfo=ZoneInfo("Asia/Tokyo")),
        url=URL,
        lang="ja",
    )


def test_default_profile_prints_number_as_large_text_japanese_as_images(
    ticket: TicketLayout,
) -> None:
    (job,) = decode(render(ticket))
    texts = [i for i in job.items if isinstance(i, TextLine) and i.text]
    assert [(t.text, t.width, t.height) for t in texts] == [("K-007", 6, 6)]
    assert all(not t.kanji for t in texts)
    assert any(isinstance(i, Raster) and i.image.width == 576 for i in job.items)
    assert QRCode(URL, module_size=8, ec="M", align=1) in job.items
    assert job.cut == "partial"


def test_japanese_model_prints_japanese_in_kanji_mode(ticket: TicketLayout) -> None:
    (job,) = decode(render(ticket, get_profile("tm-t88-ja")))
    kanji_lines = [i.text for i in job.items if isinstance(i, TextLine) and i.kanji]
    assert kanji_lines[:3] == ["中野区役所", "子ども総合窓口 3F", "児童手当・子ども医療証"]
    # The wave dash has no Shift_JIS code; the full-width tilde stands in for it.
    assert "待ち時間の目安 約10～20分" in kanji_lines
    assert not any(isinstance(i, Raster) for i in job.items)


def test_58mm_printer_without_native_qr_gets_a_qr_image_that_fits(ticket: TicketLayout) -> None:
    (job,) = decode(render(ticket, get_profile("generic-58")))
    assert not any(isinstance(i, QRCode) for i in job.items)
    images = [i.image for i in job.items if isinstance(i, Raster)]
    assert len(images) >= 3 and all(img.width <= 384 for img in images)
    assert job.cut == "full"


def test_importing_escpos_leaves_no_root_logging_handler_and_no_temp_dir(tmp_path: Path) -> None:
    # In a fresh interpreter, since escpos does its import-time work only once.
    code = (
        "import logging, os\n"
        "from printer.render import import_escpos\n"
        "import_escpos()\n"
        "print(len(logging.getLogger().handlers), os.environ['ESCPOS_CAPABILITIES_PICKLE_DIR'])\n"
    )
    env = {**os.environ, "TMPDIR": str(tmp_path)}
    env.pop("ESCPOS_CAPABILITIES_PICKLE_DIR", None)
    out = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        check=True,
        env=env,
        cwd=Path(__file__).resolve().parents[3],
    ).stdout.split()
    assert out == ["0", str(tmp_path / "madoguchi-escpos")]
    assert [p.name for p in tmp_path.iterdir()] == ["madoguchi-escpos"]
