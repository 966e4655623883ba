"""The official form as a PDF, filled in, for the visitor's signature (reportlab).

Japanese needs a TrueType font with Japanese glyphs that reportlab can embed: IPA Gothic
(``fonts-ipafont-gothic``, IPA Font License v1.0: free to embed and redistribute) is looked
for first, then other TrueType CJK fonts, or ``MADOGUCHI_PDF_FONT``. (Noto Sans CJK ships as
OpenType/CFF, which reportlab cannot embed.) Without any, reportlab's built-in
HeiseiKakuGo-W5 CID font is used: not embedded, the viewer supplies the glyphs.
"""

from __future__ import annotations

import functools
import io
import os
from collections.abc import Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from reportlab.lib import colors
from reportlab.lib.pagesizes import A4
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.cidfonts import UnicodeCIDFont
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas

from .definitions import Field, Form
from .japanese import to_era

FONT_CANDIDATES = (
    "/usr/share/fonts/opentype/ipafont-gothic/ipag.ttf",
    "/usr/share/fonts/truetype/fonts-japanese-gothic.ttf",
    "/usr/share/fonts/opentype/ipaexfont-gothic/ipaexg.ttf",
    "/usr/share/fonts/truetype/takao-gothic/TakaoGothic.ttf",
)
FALLBACK_FONT = "HeiseiKakuGo-W5"


@functools.cache
def font_name() -> str:
    for path in (os.environ.get("MADOGUCHI_PDF_FONT", ""), *FONT_CANDIDATES):
        if path and Path(path).exists():
            try:
                pdfmetrics.registerFont(TTFont("FormGothic", path))
                return "FormGothic"
            except Exception:  # not TrueType outlines: try the next one
                continue
    pdfmetrics.registerFont(UnicodeCIDFont(FALLBACK_FONT))
    return FALLBACK_FONT


def _shown(field: Field, value: Any) -> str:
    if value is None or value == "":
        return ""
    if field.type == "choice":
        option = next((o for o in field.options if o.value == value), None)
        return option.labels["ja"] if option else str(value)
    if field.type == "date":
        day = date.fromisoformat(str(value))
        return f"{to_era(day)}（{day.isoformat()}）"
    if field.type == "postal_code":
        return f"〒{value}"
    return str(value)


def _wrap(text: str, font: str, size: float, width: float) -> Iterator[str]:
    line = ""
    for ch in text:
        if pdfmetrics.stringWidth(line + ch, font, size) > width:
            yield line
            line = ""
        line += ch
    yield line


def render_pdf(
    form: Form,
    values: dict[str, Any],
    ticket: dict[str, Any],
    office_name: str,
    confirmed: tuple[str, datetime] | None,
    timezone: str,
) -> bytes:
    """``ticket``: number and service name; ``confirmed``: by whom and when."""
    font = font_name()
    out = io.BytesIO()
    pdf = Canvas(out, pagesize=A4, pageCompression=1)
    pdf.setTitle(f"{form.titles['ja']} {ticket['number']}")
    pdf.setAuthor(office_name)
    width, height = A4
    left, right = 18 * mm, width - 18 * mm
    y = height - 22 * mm
    pdf.setFont(font, 18)
    pdf.drawCentredString(width / 2, y, form.titles["ja"])
    pdf.setFont(font, 9)
    y -= 8 * mm
    pdf.drawString(left, y, f"{office_name}　受付番号 {ticket['number']}　{ticket['service']}")
    when = confirmed[1].astimezone(ZoneInfo(timezone)) if confirmed else None
    status = f"職員確認：{confirmed[0]}　{when:%Y-%m-%d %H:%M}" if confirmed and when else "未確認"
    pdf.drawRightString(right, y, status)
    y -= 4 * mm
    label_w = 48 * mm

    def row(label: str, text: str, size: float = 11) -> None:
        nonlocal y
        lines = list(_wrap(text, font, size, right - left - label_w - 4 * mm)) or [""]
        h = max(9 * mm, (len(lines) * (size + 3)) + 4 * mm)
        if y - h < 40 * mm:
            pdf.showPage()
            y = height - 20 * mm
        pdf.setStrokeColor(colors.black)
        pdf.setFillColor(colors.Color(0.93, 0.94, 0.96))
        pdf.rect(left, y - h, label_w, h, stroke=1, fill=1)
        pdf.setFillColor(colors.black)
        pdf.rect(left + label_w, y - h, right - left - label_w, h, stroke=1, fill=0)
        pdf.setFont(font, 9)
        pdf.drawString(left + 2 * mm, y - 6 * mm, label)
        pdf.setFont(font, size)
        for i, line in enumerate(lines):
            pdf.drawString(left + label_w + 3 * mm, y - 6.5 * mm - i * (size + 3), line)
        y -= h

    for field in form.fields:
        value = values.get(field.id)
        if field.type == "list":
            items = value or []
            if not items:
                row(field.labels["ja"], "なし")
            for n, item in enumerate(items, 1):
                text = "　".join(
                    _shown(sub, item.get(sub.id)) for sub in field.fields if item.get(sub.id)
                )
                row(f"{field.labels['ja']} {n}", text, 10)
            continue
        row(field.labels["ja"], _shown(field, value))
    # The signature box: the visitor signs the printed form at the counter.
    y -= 6 * mm
    pdf.setFont(font, 10)
    pdf.drawString(left, y, "上記のとおり届け出ます。")
    y -= 4 * mm
    pdf.rect(left, y - 18 * mm, right - left, 18 * mm)
    pdf.setFont(font, 9)
    pdf.drawString(left + 2 * mm, y - 5 * mm, "届出人署名")
    pdf.drawString(right - 60 * mm, y - 5 * mm, "届出日　　　　年　　月　　日")
    pdf.showPage()
    pdf.save()
    return out.getvalue()
