from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from printer.status import PrinterStatus, encode_status, parse_status

READY = bytes([0x12, 0x12, 0x12, 0x12])


def test_a_ready_printer_reports_nothing_blocking() -> None:
    status = parse_status(READY)
    assert status == PrinterStatus()
    assert status.blocking_reason is None


def test_paper_end_from_the_roll_sensor_is_paper_out() -> None:
    status = parse_status(bytes([0x1A, 0x32, 0x12, 0x72]))
    assert status.paper_out and not status.online
    assert status.blocking_reason == "paper_out"


def test_paper_near_end_does_not_block_printing() -> None:
    status = parse_status(bytes([0x12, 0x12, 0x12, 0x1E]))
    assert status.paper_near_end and not status.paper_out
    assert status.blocking_reason is None


def test_open_cover_blocks_printing() -> None:
    status = parse_status(bytes([0x1A, 0x16, 0x12, 0x12]))
    assert status.cover_open
    assert status.blocking_reason == "cover_open"


def test_cutter_error_is_an_error() -> None:
    assert parse_status(bytes([0x1A, 0x52, 0x1A, 0x12])).blocking_reason == "error"


@pytest.mark.parametrize("answer", [b"", b"\x12\x12\x12", b"\x00\x12\x12\x12", b"abcd"])
def test_bytes_that_are_not_status_answers_are_refused(answer: bytes) -> None:
    with pytest.raises(ValueError, match="not an ESC/POS status"):
        parse_status(answer)


@given(
    st.builds(
        PrinterStatus, st.booleans(), st.booleans(), st.booleans(), st.booleans(), st.booleans()
    )
)
def test_status_survives_encoding_as_printer_bytes(status: PrinterStatus) -> None:
    answers = encode_status(status)
    decoded = parse_status(bytes(answers[n] for n in (1, 2, 3, 4)))
    assert decoded.blocking_reason == status.blocking_reason
    assert decoded.paper_near_end == (status.paper_near_end or status.paper_out)
