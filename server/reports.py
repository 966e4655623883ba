"""The reports (集計) read from the office's history, and written as CSV and Excel: the
records are the stays of server/web/history.py (the event log, and imported history for the
days it does not cover); the arithmetic is server/domain/reports.py."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable
from datetime import date
from typing import Any

from openpyxl import Workbook

from server.domain.office import Office
from server.domain.reports import FIELDS, Grouping, Record, Report, mark_transfers, report
from server.opendata import Stay
from server.store.engine import Engines
from server.web.history import read_stays

# Column headings of the files and the console's table (the JSON keeps FIELDS).
HEADINGS = {
    "key": "区分",
    "tickets": "発券",
    "served": "対応済",
    "no_show": "不在",
    "left": "取消・離脱",
    "transfers": "転送",
    "wait_mean_min": "待ち時間 平均（分）",
    "wait_p50_min": "待ち時間 中央値（分）",
    "wait_p90_min": "待ち時間 90%（分）",
    "service_mean_min": "対応時間 平均（分）",
    "transferred_in": "転送で受付",
    "waiting": "待ち・対応中",
    "called_within_target": "目標内に呼出",
    "within_target_share": "目標内の割合",
}
GROUPING_NAMES = {
    Grouping.DAY: "日別",
    Grouping.HOUR: "時間帯別（発券時刻）",
    Grouping.SERVICE: "業務別",
    Grouping.COUNTER: "窓口別",
    Grouping.CLERK: "職員別",
}


def record_of(stay: Stay) -> Record:
    return Record(
        stay.ticket,
        stay.service,
        stay.issued_at,
        stay.outcome,
        stay.first_called_at or stay.called_at,
        stay.finished_at,
        stay.counter,
        stay.clerk,
    )


def records_of(stays: Iterable[Stay], office: Office) -> list[Record]:
    return mark_transfers((record_of(s) for s in stays), office.timezone)


def read_report(
    engines: Engines,
    office: Office,
    first: date,
    last: date,
    today: date,
    by: Grouping,
    target_min: float,
) -> Report:
    """The report of the tickets issued from `first` to `last` (office days, both in);
    today's still in line or at a counter count as waiting."""
    stays = read_stays(engines, office, first, last, today, keep_today=True)
    # Services and counters in the office's order; the rest by their keys.
    order = {Grouping.SERVICE: list(office.services), Grouping.COUNTER: list(office.counters)}
    return report(records_of(stays, office), by, office.timezone, target_min, order.get(by))


def _cell(value: Any) -> Any:
    return "" if value is None else value


def as_csv(result: Report) -> str:
    """The rows, then the total (key "total"); the JSON's field names as the header."""
    out = io.StringIO()
    writer = csv.DictWriter(out, FIELDS, lineterminator="\r\n")
    writer.writeheader()
    for row in [*result.rows, result.total]:
        writer.writerow({k: _cell(row[k]) for k in FIELDS})
    return out.getvalue()


def as_xlsx(result: Report, title: str) -> bytes:
    """One sheet: a title line, the header (the JSON's field names, then the Japanese
    headings as a second line), the rows, the total."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None  # a new workbook has its sheet
    sheet.title = "集計"
    sheet.append([title])
    sheet.append(FIELDS)
    sheet.append([HEADINGS[f] for f in FIELDS])
    for row in [*result.rows, result.total]:
        sheet.append([row[f] for f in FIELDS])
    sheet.freeze_panes = "B4"
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
