"""Printer profiles: what a model can do that changes how a ticket is rendered."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

FontRom = Literal["none", "japanese"]


@dataclass(frozen=True)
class PrinterProfile:
    name: str
    width_dots: int  # printable width: 576 on 80 mm paper, 384 on 58 mm (203 dpi)
    font_rom: FontRom = "none"  # "japanese": kanji font ROM, Shift_JIS text in kanji mode
    native_qr: bool = True  # understands GS ( k (QR store and print)
    partial_cut: bool = True  # has a cutter that can leave a hinge

    def __post_init__(self) -> None:
        if self.width_dots <= 0 or self.width_dots % 8:
            raise ValueError(f"width_dots must be a positive multiple of 8, got {self.width_dots}")
        if self.font_rom not in ("none", "japanese"):
            raise ValueError(f"font_rom must be 'none' or 'japanese', got {self.font_rom!r}")


DEFAULT = PrinterProfile(name="default", width_dots=576)

PROFILES: dict[str, PrinterProfile] = {
    p.name: p
    for p in (
        DEFAULT,
        # Epson TM-T88 Japanese models (TM-T88VI-J etc.) carry a JIS X 0208 kanji ROM.
        PrinterProfile(name="tm-t88-ja", width_dots=576, font_rom="japanese"),
        PrinterProfile(name="generic-80", width_dots=576),
        # Cheap 58 mm printers often lack GS ( k and have no cutter worth a partial cut.
        PrinterProfile(name="generic-58", width_dots=384, native_qr=False, partial_cut=False),
    )
}


def get_profile(name: str | None) -> PrinterProfile:
    """The profile called ``name`` (``None`` or ``""`` gives the default)."""
    if not name:
        return DEFAULT
    try:
        return PROFILES[name]
    except KeyError:
        known = ", ".join(sorted(PROFILES))
        raise ValueError(f"unknown printer profile {name!r}; known profiles: {known}") from None
