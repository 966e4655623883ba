"""The log as CSV, in the project's format (`ward`) or as most ticket systems export it
(`bare`: ticket, service, issued_at and called_at only; counter, finished_at and outcome
blank, so a visitor who left is a number never called)."""

from __future__ import annotations

import csv
from collections.abc import Iterable
from datetime import datetime
from typing import TextIO

from .model import Record

FIELDS = ("ticket", "service", "issued_at", "called_at", "finished_at", "counter", "outcome")
STYLES = ("ward", "bare")


def _iso(at: datetime | None) -> str:
    return at.isoformat(timespec="seconds") if at else ""


def row(r: Record, style: str) -> list[str]:
    if style == "bare":
        return [r.ticket, r.service, _iso(r.issued_at), _iso(r.called_at), "", "", ""]
    return [
        r.ticket,
        r.service,
        _iso(r.issued_at),
        _iso(r.called_at),
        _iso(r.finished_at),
        r.counter or "",
        r.outcome,
    ]


def write(records: Iterable[Record], out: TextIO, style: str = "ward") -> None:
    if style not in STYLES:
        raise ValueError(f"style {style!r} is not one of {', '.join(STYLES)}")
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(FIELDS)
    for r in records:
        writer.writerow(row(r, style))


def text(records: Iterable[Record], style: str = "ward") -> str:
    import io

    buf = io.StringIO()
    write(records, buf, style)
    return buf.getvalue()
