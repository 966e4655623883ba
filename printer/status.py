"""ESC/POS real-time status (DLE EOT n) and what it means for printing.

Each request ``DLE EOT n`` is answered at once with one byte, even while the printer is offline.
Bits 1 and 4 of every answer are fixed at 1 and bits 0 and 7 at 0, which tells a status byte
from stray data. Bit meanings are Epson's (TM-T88 and compatibles).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal, Protocol

DLE_EOT = b"\x10\x04"
PRINTER, OFFLINE_CAUSE, ERROR_CAUSE, PAPER_SENSOR = 1, 2, 3, 4
STATUS_REQUEST = b"".join(DLE_EOT + bytes([n]) for n in (1, 2, 3, 4))

Reason = Literal["offline", "cover_open", "paper_out", "error"]


@dataclass(frozen=True)
class PrinterStatus:
    online: bool = True
    cover_open: bool = False
    paper_near_end: bool = False
    paper_out: bool = False
    error: bool = False

    @property
    def blocking_reason(self) -> Reason | None:
        """Why a job sent now would not print, most specific first; None when it would."""
        if self.paper_out:
            return "paper_out"
        if self.cover_open:
            return "cover_open"
        if self.error:
            return "error"
        if not self.online:
            return "offline"
        return None


def is_status_byte(b: int) -> bool:
    return b & 0b1001_0011 == 0b0001_0010


def parse_status(answer: bytes) -> PrinterStatus:
    """The four answers to ``STATUS_REQUEST`` (n = 1, 2, 3, 4), one byte each."""
    if len(answer) != 4 or not all(is_status_byte(b) for b in answer):
        raise ValueError(f"not an ESC/POS status answer: {answer!r}")
    printer, offline, error, paper = answer
    return PrinterStatus(
        online=not printer & 0x08,
        cover_open=bool(offline & 0x04),
        # Offline cause bit 5 "stopped by paper end" and the roll sensor's end bits (5, 6).
        paper_out=bool(offline & 0x20) or bool(paper & 0x60),
        paper_near_end=bool(paper & 0x0C),
        # Offline cause bit 6, or error cause bits 3 (cutter), 5 (unrecoverable), 6 (auto).
        error=bool(offline & 0x40) or bool(error & 0x68),
    )


def encode_status(status: PrinterStatus) -> dict[int, int]:
    """The byte a printer in ``status`` answers to each DLE EOT n (used by the emulator)."""
    base = 0x12
    offline = not status.online or status.cover_open or status.paper_out or status.error
    return {
        PRINTER: base | (0x08 if offline else 0),
        OFFLINE_CAUSE: base
        | (0x04 if status.cover_open else 0)
        | (0x20 if status.paper_out else 0)
        | (0x40 if status.error else 0),
        ERROR_CAUSE: base | (0x20 if status.error else 0),
        PAPER_SENSOR: base
        | (0x0C if status.paper_near_end or status.paper_out else 0)
        | (0x60 if status.paper_out else 0),
    }


class StatusChannel(Protocol):
    def write(self, data: bytes) -> None: ...
    def read(self, n: int) -> bytes: ...


def read_status(channel: StatusChannel) -> PrinterStatus:
    """Ask the printer for its four status bytes and parse them.

    The channel's own timeout bounds the wait; its errors propagate.
    """
    channel.write(STATUS_REQUEST)
    return parse_status(channel.read(len(STATUS_REQUEST) // 3))
