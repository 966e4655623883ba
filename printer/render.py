"""A ticket layout rendered to ESC/POS bytes for one printer profile.

Japanese is printed either as raster images drawn with a CJK font (any printer), or, on
printers with a Japanese font ROM, as Shift_JIS text in kanji mode. python-escpos's ``text()``
cannot encode Japanese, so kanji-mode bytes are built here. The whole job is built in memory
and sent in one write by a connection.
"""

from __future__ import annotations

import logging
import os
import sys
import tempfile
import threading
from dataclasses import dataclass
from types import ModuleType
from typing import TYPE_CHECKING, Any

from PIL import Image, ImageDraw

from printer.fonts import load_font
from printer.layout import TicketLayout
from printer.profiles import DEFAULT, PrinterProfile

if TYPE_CHECKING:
    from escpos.printer import Dummy

FS = b"\x1c"
KANJI_ON = FS + b"&"
KANJI_SJIS = FS + b"C\x01"
KANJI_OFF = FS + b"."
GS_SIZE = b"\x1d!"
BASE_PX = 24  # ESC/POS font A is 12x24 dots; raster text at scale 1 matches its height
NUMBER_MAX_SCALE = 6
# Characters with no CP932 code that Japanese text often contains: print their look-alikes.
CP932_FIXES = str.maketrans({"\u301c": "\uff5e", "\u2212": "\uff0d", "\u2013": "-", "\u00a0": " "})
CJK_LANGS = ("ja", "ja-easy", "zh", "ko")


@dataclass(frozen=True)
class Line:
    text: str
    scale: int = 1  # text size multiplier, as GS ! (1-8)
    lang: str = "ja"
    big: bool = False  # the ticket number: as large as the paper allows


def ticket_lines(layout: TicketLayout) -> tuple[list[Line], list[Line]]:
    """The ticket's lines above and below the QR code."""
    local = layout.lang
    top = [Line(layout.office), Line(layout.area), Line(layout.service, 2)]
    if layout.service_local:
        top.append(Line(layout.service_local, 1, local))
    top += [Line(""), Line("受付番号"), Line(layout.number, big=True), Line("")]
    top += [Line(t) for t in layout.lines]
    top += [Line(t, 1, local) for t in layout.lines_local]
    top.append(Line(layout.issued))
    bottom = [Line(layout.qr_hint, 1, local), Line(""), Line(layout.instruction, 1, local)]
    return top, bottom


def render(layout: TicketLayout, profile: PrinterProfile = DEFAULT) -> bytes:
    """The complete ESC/POS job for one ticket, ending with one cut."""
    p = _dummy(profile.width_dots)
    p.hw("INIT")
    p.set(align="center")
    top, bottom = ticket_lines(layout)
    _print_lines(p, top, profile)
    p.ln()
    qr_size = 8 if profile.width_dots >= 576 else 6
    if profile.native_qr:
        p.qr(layout.qr_url, native=True, size=qr_size, ec=_QR_EC_M)
        p.ln()
    else:
        p.qr(layout.qr_url, native=False, size=qr_size, ec=_QR_EC_M, center=True)
    _print_lines(p, bottom, profile)
    p.cut(mode="PART" if profile.partial_cut else "FULL")
    job: bytes = p.output
    p.close()
    return job


_QR_EC_M = 1  # escpos.constants.QR_ECLEVEL_M, kept here so that escpos is imported lazily


def _print_lines(p: Dummy, lines: list[Line], profile: PrinterProfile) -> None:
    """Print lines natively where the printer can, else gather them into raster images."""
    pending: list[Line] = []
    for line in lines:
        native = _native_bytes(line, profile)
        if native is None:
            pending.append(line)
            continue
        _flush_raster(p, pending, profile.width_dots)
        pending = []
        p._raw(native)
    _flush_raster(p, pending, profile.width_dots)


def _native_bytes(line: Line, profile: PrinterProfile) -> bytes | None:
    """Text-mode bytes for a line the printer can print from its own fonts, else None."""
    if line.big and line.text.isascii():
        # The number: every printer has an ASCII ROM font (12x24 dots), crisp at 6x and fast.
        scale = max(1, min(NUMBER_MAX_SCALE, profile.width_dots // (12 * len(line.text) or 1)))
        big = bytes([((scale - 1) << 4) | (scale - 1)])
        return (
            GS_SIZE
            + big
            + b"\x1bE\x01"
            + line.text.encode("ascii")
            + b"\n\x1bE\x00"
            + GS_SIZE
            + b"\x00"
        )
    size = bytes([((line.scale - 1) << 4) | (line.scale - 1)])
    if profile.font_rom != "japanese" or line.lang not in ("ja", "ja-easy", "en"):
        return None
    try:
        sjis = line.text.translate(CP932_FIXES).encode("cp932")
    except UnicodeEncodeError:
        return None
    return GS_SIZE + size + KANJI_ON + KANJI_SJIS + sjis + KANJI_OFF + b"\n" + GS_SIZE + b"\x00"


def _flush_raster(p: Dummy, lines: list[Line], width: int) -> None:
    if lines:
        p.image(draw_lines(lines, width), impl="bitImageRaster")


def draw_lines(lines: list[Line], width: int) -> Image.Image:
    """Lines drawn centred, wrapped to ``width`` dots, as a 1-bit image."""
    ratio = width / 576
    rows: list[tuple[str, int, str]] = []  # (text, pixel size, lang)
    for line in lines:
        scale = NUMBER_MAX_SCALE if line.big else line.scale
        px = max(16, round(BASE_PX * scale * (1.25 if scale == 1 else 1.0) * ratio))
        for piece in wrap(line.text, line.lang, px, width - 16):
            rows.append((piece, px, line.lang))
    gap = 6
    height = sum(round(px * 1.3) + gap for _, px, _ in rows) + gap
    img = Image.new("1", (width, height), 1)
    draw = ImageDraw.Draw(img)
    y = gap
    for text, px, lang in rows:
        if text:
            font = load_font(lang, px)
            draw.text((width // 2, y), text, font=font, fill=0, anchor="ma")
        y += round(px * 1.3) + gap
    return img


def wrap(text: str, lang: str, px: int, width: int) -> list[str]:
    """``text`` split into pieces no wider than ``width`` pixels at ``px``."""
    if not text:
        return [""]
    font = load_font(lang, px)
    by_char = lang in CJK_LANGS and " " not in text.strip()
    units = list(text) if by_char else text.split(" ")
    joiner = "" if by_char else " "
    out: list[str] = []
    current = ""
    for unit in units:
        candidate = f"{current}{joiner}{unit}" if current else unit
        if current and font.getlength(candidate) > width:
            out.append(current)
            current = unit
        else:
            current = candidate
    out.append(current)
    return out


def _dummy(width_dots: int) -> Dummy:
    p = import_escpos().Dummy()
    # Tell escpos the paper width (the generic profile says "Unknown" and prints a warning
    # to stdout on every image); copy its data rather than change the shared profile.
    data = {**p.profile.profile_data}
    data["media"] = {"dpi": 203, "width": {"mm": "Unknown", "pixels": width_dots}}
    p.profile.profile_data = data
    return p


def import_escpos() -> ModuleType:
    """``escpos.printer``, imported without its import-time side effects leaking into the app.

    ``escpos.capabilities`` calls ``logging.basicConfig()``, which would install a root handler
    in the server's process: we remove any root handler the import adds. It also evaluates
    ``environ.get("ESCPOS_CAPABILITIES_PICKLE_DIR", mkdtemp())``, whose default makes a
    temporary directory (never removed) even when the variable is set: we point the variable
    at a stable cache dir and, for that one call, make ``mkdtemp`` return it.
    """
    loaded: ModuleType | None = sys.modules.get("escpos.printer")
    if loaded is not None:
        return loaded
    cache = os.path.join(tempfile.gettempdir(), "madoguchi-escpos")
    os.makedirs(cache, exist_ok=True)
    os.environ.setdefault("ESCPOS_CAPABILITIES_PICKLE_DIR", cache)
    real_mkdtemp = tempfile.mkdtemp

    def mkdtemp(*args: Any, **kwargs: Any) -> Any:
        if sys._getframe(1).f_globals.get("__name__") == "escpos.capabilities":
            return cache
        return real_mkdtemp(*args, **kwargs)

    root = logging.getLogger()
    before = list(root.handlers)
    with _IMPORT_LOCK:
        tempfile.mkdtemp = mkdtemp
        try:
            import escpos.printer  # noqa: F401
        finally:
            tempfile.mkdtemp = real_mkdtemp
    for handler in root.handlers[:]:
        if handler not in before:
            root.removeHandler(handler)
    return sys.modules["escpos.printer"]


_IMPORT_LOCK = threading.Lock()
