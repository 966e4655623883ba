from __future__ import annotations

import pytest

from printer.address import PrinterAddress, parse_uri


@pytest.mark.parametrize(
    ("uri", "expected"),
    [
        ("tcp:192.168.0.50:9100", PrinterAddress("tcp", "192.168.0.50", 9100)),
        ("tcp:printer-2f", PrinterAddress("tcp", "printer-2f", 9100)),
        ("tcp://printer-2f:9101", PrinterAddress("tcp", "printer-2f", 9101)),
        ("tcp:[fe80::1]:9100", PrinterAddress("tcp", "fe80::1", 9100)),
        ("usb:04b8:0e15", PrinterAddress("usb", "04b8:0e15", 0, 0x04B8, 0x0E15)),
        ("serial:/dev/ttyUSB0", PrinterAddress("serial", "/dev/ttyUSB0", 9600)),
        ("serial:/dev/ttyUSB0:38400", PrinterAddress("serial", "/dev/ttyUSB0", 38400)),
        ("file:/dev/usb/lp0", PrinterAddress("file", "/dev/usb/lp0")),
        ("cups:TM-T88VI", PrinterAddress("cups", "TM-T88VI")),
        (
            "preview:/var/lib/madoguchi/preview",
            PrinterAddress("preview", "/var/lib/madoguchi/preview"),
        ),
    ],
)
def test_printer_uris_parse_to_their_address(uri: str, expected: PrinterAddress) -> None:
    assert parse_uri(uri) == expected


@pytest.mark.parametrize(
    ("uri", "message"),
    [
        ("192.168.0.50", "no scheme"),
        ("lpt:1", "unknown printer URI scheme 'lpt'"),
        ("tcp:", "names no host"),
        ("tcp::9100", "names no host"),
        ("tcp:host:http", "tcp port must be a number"),
        ("tcp:host:70000", "1-65535"),
        ("usb:04b8", "VID:PID"),
        ("usb:zz:0202", "usb id must be a number"),
        ("serial:/dev/ttyS0:12345", "baud rate"),
        ("preview:", "names no directory"),
    ],
)
def test_bad_printer_uris_say_what_is_wrong(uri: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        parse_uri(uri)


def test_only_tcp_usb_and_serial_can_read_status() -> None:
    readable = {
        s
        for s in ("tcp:h", "usb:1:2", "serial:/dev/x", "file:/x", "cups:q", "preview:d")
        if parse_uri(s).can_read
    }
    assert readable == {"tcp:h", "usb:1:2", "serial:/dev/x"}
