"""The preview printer: each job becomes a PNG (and a text transcript) in a directory.

The default when a kiosk has no printer configured. The job's bytes go through the emulator's
decoder, so the picture shows what a real printer would make of exactly those bytes.
"""

from __future__ import annotations

import uuid
from datetime import datetime
from pathlib import Path

from printer.connections import Connection, PrinterUnavailable
from printer.emulator.decode import Raster, decode
from printer.emulator.paper import draw_job


class PreviewConnection(Connection):
    def __init__(self, directory: Path) -> None:
        self.directory = directory
        self.written: list[Path] = []  # the PNG files, in order

    def write(self, data: bytes) -> None:
        try:
            self.directory.mkdir(parents=True, exist_ok=True)
            for job in decode(data):
                stem = f"ticket-{datetime.now():%Y%m%d-%H%M%S}-{uuid.uuid4().hex[:6]}"
                widths = [item.image.width for item in job.items if isinstance(item, Raster)]
                draw_job(job, max(widths, default=576)).save(self.directory / f"{stem}.png")
                (self.directory / f"{stem}.txt").write_text(job.text(), encoding="utf-8")
                self.written.append(self.directory / f"{stem}.png")
        except OSError as e:
            raise PrinterUnavailable("io_error", f"preview {self.directory}: {e}") from e
