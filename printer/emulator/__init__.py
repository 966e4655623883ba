"""An ESC/POS network printer emulator and the decoder behind it."""

from __future__ import annotations

from printer.emulator.decode import Decoder, Job, QRCode, Raster, TextLine, decode
from printer.emulator.server import PrinterEmulator

__all__ = ["Decoder", "Job", "PrinterEmulator", "QRCode", "Raster", "TextLine", "decode"]
