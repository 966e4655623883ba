"""Printer addresses: the URI an office configures for a printer, parsed and checked.

``tcp:HOST[:PORT]``, ``usb:VID:PID`` (hex), ``serial:DEVICE[:BAUD]``, ``file:PATH``,
``cups:NAME``, ``preview:DIR``. Parsing is pure; a bad URI raises ValueError naming the fault.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

Scheme = Literal["tcp", "usb", "serial", "file", "cups", "preview"]
SCHEMES: tuple[Scheme, ...] = ("tcp", "usb", "serial", "file", "cups", "preview")
DEFAULT_TCP_PORT = 9100  # the raw printing port (JetDirect / AppSocket) of network printers
DEFAULT_BAUD = 9600
BAUDS = (1200, 2400, 4800, 9600, 19200, 38400, 57600, 115200)


@dataclass(frozen=True)
class PrinterAddress:
    scheme: Scheme
    target: str  # host, device, path, CUPS queue or directory
    port: int = 0  # tcp port, or serial baud rate
    vendor_id: int = 0
    product_id: int = 0

    @property
    def can_read(self) -> bool:
        """Whether the printer can answer status requests over this connection."""
        return self.scheme in ("tcp", "usb", "serial")


def parse_uri(uri: str) -> PrinterAddress:
    scheme, sep, rest = uri.strip().partition(":")
    if not sep:
        raise ValueError(f"printer URI {uri!r} has no scheme; expected one of {SCHEMES}")
    if scheme not in SCHEMES:
        raise ValueError(f"unknown printer URI scheme {scheme!r}; expected one of {SCHEMES}")
    rest = rest.removeprefix("//")
    if not rest:
        raise ValueError(f"printer URI {uri!r} names no {_WHAT[scheme]}")
    if scheme == "tcp":
        return _tcp(rest)
    if scheme == "usb":
        return _usb(rest)
    if scheme == "serial":
        return _serial(rest)
    return PrinterAddress(scheme, rest)


_WHAT = {
    "tcp": "host",
    "usb": "vendor and product id",
    "serial": "device",
    "file": "file path",
    "cups": "CUPS queue",
    "preview": "directory",
}


def _tcp(rest: str) -> PrinterAddress:
    if rest.startswith("["):  # [IPv6]:port
        host, _, tail = rest[1:].partition("]")
        port_text = tail.removeprefix(":")
    else:
        host, _, port_text = rest.partition(":")
    if not host:
        raise ValueError(f"tcp printer URI {rest!r} names no host")
    port = _int(port_text, "tcp port") if port_text else DEFAULT_TCP_PORT
    if not 1 <= port <= 65535:
        raise ValueError(f"tcp port must be 1-65535, got {port}")
    return PrinterAddress("tcp", host, port)


def _usb(rest: str) -> PrinterAddress:
    parts = rest.split(":")
    if len(parts) != 2:
        raise ValueError(f"usb printer URI needs VID:PID in hex (e.g. usb:04b8:0202), got {rest!r}")
    vid, pid = (_int(p.removeprefix("0x"), "usb id", base=16) for p in parts)
    for value in (vid, pid):
        if not 0 < value <= 0xFFFF:
            raise ValueError(f"usb ids are 4 hex digits, got {rest!r}")
    return PrinterAddress("usb", rest, vendor_id=vid, product_id=pid)


def _serial(rest: str) -> PrinterAddress:
    device, sep, baud_text = rest.rpartition(":")
    if not sep or not baud_text.isdigit():
        return PrinterAddress("serial", rest, DEFAULT_BAUD)
    baud = int(baud_text)
    if baud not in BAUDS:
        raise ValueError(f"serial baud rate must be one of {BAUDS}, got {baud}")
    if not device:
        raise ValueError(f"serial printer URI {rest!r} names no device")
    return PrinterAddress("serial", device, baud)


def _int(text: str, what: str, base: int = 10) -> int:
    try:
        return int(text, base)
    except ValueError:
        raise ValueError(f"{what} must be a number, got {text!r}") from None
