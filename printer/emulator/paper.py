"""A decoded job drawn as the paper that would come out of the printer."""

from __future__ import annotations

import qrcode
from PIL import Image, ImageDraw

from printer.emulator.decode import Item, Job, QRCode, Raster, TextLine
from printer.fonts import load_font

FONT_A_W, FONT_A_H = 12, 24  # dots per character of ESC/POS font A (kanji: 24x24)
MARGIN = 16


def draw_job(job: Job, width: int = 576) -> Image.Image:
    """The job as a grayscale image ``width`` dots wide, with a dashed line for the cut."""
    blocks = [b for item in job.items for b in _blocks(item, width)]
    height = sum(img.height for img, _ in blocks) + 2 * MARGIN
    paper = Image.new("L", (width, height), 255)
    y = MARGIN
    for img, align in blocks:
        x = {0: 0, 1: (width - img.width) // 2, 2: width - img.width}.get(align, 0)
        paper.paste(img.convert("L"), (max(0, x), y))
        y += img.height
    if job.cut:
        draw = ImageDraw.Draw(paper)
        for x in range(0, width, 16):
            draw.line([(x, height - 2), (x + 8, height - 2)], fill=0, width=2)
    return paper


def _blocks(item: Item, width: int) -> list[tuple[Image.Image, int]]:
    if isinstance(item, Raster):
        return [(item.image, item.align)]
    if isinstance(item, QRCode):
        return [(_qr_image(item), item.align)]
    return [(_text_image(piece, item), item.align) for piece in _wrap(item, width)]


def _qr_image(item: QRCode) -> Image.Image:
    ec = {
        "L": qrcode.constants.ERROR_CORRECT_L,
        "M": qrcode.constants.ERROR_CORRECT_M,
        "Q": qrcode.constants.ERROR_CORRECT_Q,
        "H": qrcode.constants.ERROR_CORRECT_H,
    }[item.ec]
    code = qrcode.QRCode(box_size=max(1, item.module_size), border=2, error_correction=ec)
    code.add_data(item.data)
    code.make(fit=True)
    image: Image.Image = code.make_image().get_image().convert("L")
    return image


def _char_width(ch: str) -> int:
    return FONT_A_W if ord(ch) < 0x80 or 0xFF61 <= ord(ch) <= 0xFF9F else 2 * FONT_A_W


def _wrap(line: TextLine, width: int) -> list[str]:
    """Split where the printer would: it wraps at the paper edge, character by character."""
    pieces, current, used = [], "", 0
    for ch in line.text:
        w = _char_width(ch) * line.width
        if current and used + w > width:
            pieces.append(current)
            current, used = "", 0
        current += ch
        used += w
    pieces.append(current)
    return pieces


def _text_image(text: str, line: TextLine) -> Image.Image:
    """Each character in its own cell, as a printer's bitmap font draws it."""
    k = line.height  # draw at the height multiplier, then stretch to the width multiplier
    cell_h = (FONT_A_H + 6) * k
    img = Image.new("L", (sum(_char_width(ch) for ch in text) * k or 1, cell_h), 255)
    if text.strip():
        draw = ImageDraw.Draw(img)
        font = load_font("ja", (FONT_A_H - 2) * k, bold=line.bold)
        x = 0
        for ch in text:
            w = _char_width(ch) * k
            draw.text((x + w / 2, cell_h / 2), ch, font=font, fill=0, anchor="mm")
            x += w
    if line.width == k:
        return img
    size = (img.width * line.width // k, img.height)
    return img.resize(size, Image.Resampling.BICUBIC)
