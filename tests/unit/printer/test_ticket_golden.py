"""Golden tests: the ticket's layout in each language, and the ESC/POS bytes each profile
renders (kanji mode byte for byte; raster profiles byte for byte outside the images' pixels,
which follow the installed font's version, with each image's size kept).

After an intended change, rewrite the golden files with
``MADOGUCHI_UPDATE_GOLDEN=1 pytest tests/unit/printer/test_ticket_golden.py`` and review the
diff."""

from __future__ import annotations

import dataclasses
import json
import os
from datetime import datetime
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from printer.languages import LANGUAGES
from printer.layout import TicketLayout, build_layout
from printer.profiles import get_profile
from printer.render import render

GOLDEN = Path(__file__).parent / "golden"
UPDATE = os.environ.get("MADOGUCHI_UPDATE_GOLDEN") == "1"
LOCAL_NAMES = {
    "ja-easy": "じゅうみんひょう などの しょうめいしょ",
    "en": "Certificates (residence, seal, family register)",
    "zh": "住民票・印章证明・户籍证明的发行",
    "ko": "주민표·인감증명·호적증명 발급",
    "vi": "Cấp giấy chứng nhận (cư trú, con dấu, hộ tịch)",
    "ne": "प्रमाणपत्र (बसोबास, छाप, पारिवारिक दर्ता)",
}


def layout(lang: str) -> TicketLayout:
    return build_layout(
        office="中野区役所",
        area="戸籍住民課",
        floor="2F",
        service="住民票・印鑑証明・戸籍証明の発行",
        service_local=LOCAL_NAMES.get(lang),
        number="B-012",
        people_ahead=7,
        estimate_min=(10, 20),
        issued_at=datetime(2026, 11, 25, 10, 5, tzinfo=ZoneInfo("Asia/Tokyo")),
        url="https://madoguchi.example/t/k3J9xQ",
        lang=lang,
    )


def check(name: str, text: str) -> None:
    path = GOLDEN / name
    if UPDATE or not path.exists():
        if not UPDATE:
            pytest.fail(f"no golden file {path}; run with MADOGUCHI_UPDATE_GOLDEN=1")
        path.write_text(text, encoding="utf-8")
    assert text == path.read_text(encoding="utf-8"), f"{name} differs from its golden file"


def masked(job: bytes) -> bytes:
    """The job with each raster image's pixels (GS v 0) replaced by its size."""
    out, i = bytearray(), 0
    while (at := job.find(b"\x1dv0", i)) >= 0:
        xl, xh, yl, yh = job[at + 4 : at + 8]
        width, height = xl + 256 * xh, yl + 256 * yh
        out += job[i : at + 8] + f"<{width * 8}x{height} pixels>".encode()
        i = at + 8 + width * height
    return bytes(out + job[i:])


def as_hex_lines(data: bytes, width: int = 32) -> str:
    return "".join(data[i : i + width].hex(" ") + "\n" for i in range(0, len(data), width))


def test_the_layout_in_each_language_matches_its_golden_file() -> None:
    layouts = {lang: dataclasses.asdict(layout(lang)) for lang in LANGUAGES}
    check("layouts.json", json.dumps(layouts, ensure_ascii=False, indent=1) + "\n")


@pytest.mark.parametrize("lang", ["ja", "en", "ne"])
@pytest.mark.parametrize("profile", ["default", "tm-t88-ja", "generic-80", "generic-58"])
def test_the_rendered_bytes_match_their_golden_file(profile: str, lang: str) -> None:
    job = render(layout(lang), get_profile(profile))
    check(f"{profile}-{lang}.hex", as_hex_lines(masked(job)))
    if profile == "tm-t88-ja" and lang != "ne":
        assert b"\x1dv0" not in job  # kanji mode: no images at all for Japanese and English
