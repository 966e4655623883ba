"""The reports' pages beside the console's 集計 tab: its charts as SVG, drawn on the server
(``/admin/reports/chart.svg``), and the end-of-day summary, printable
(``/admin/reports/day?date=``): the day's numbers and waits per service, its charts, and the
audit log's rows of the day. For whoever may see the 集計 tab."""

from __future__ import annotations

import asyncio
from datetime import date, datetime
from html import escape
from typing import Any
from zoneinfo import ZoneInfo

from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from starlette.routing import BaseRoute, Route

from server.api.errors import ApiError
from server.api.exports import date_range
from server.api.reports import MAX_DAYS, WEEKDAYS, choice, label, target_of
from server.api.session import Session, page_headers
from server.api.state import several_offices, system_for
from server.bootstrap import System
from server.domain import calendar
from server.domain.reports import FIELDS, Grouping, Report
from server.reports import GROUPING_NAMES, HEADINGS, read_report
from server.store import admin_audit

from . import HERE, STATIC_URL
from .admin_pages import section_session
from .report_chart import counts_chart, waits_chart

CHARTS = ("counts", "waits")
MAX_AUDIT_ROWS = 1000
# The day page's columns (the key is the row's header).
DAY_FIELDS = [f for f in FIELDS if f not in ("key", "transferred_in")]


def _report(
    system: System, first: date, last: date, by: Grouping, target: float
) -> tuple[Report, dict[str, str]]:
    today = calendar.business_day(system.office, system.clock())
    result = read_report(system.engines, system.office, first, last, today, by, target)
    labels = {str(r["key"]): label(system.office, by, str(r["key"])) for r in result.rows}
    return result, labels


async def chart(request: Request) -> Response:
    """``?from=&to=&by=&target=&chart=counts|waits``: one chart of the report, as SVG."""
    session = section_session(request, "reports")
    if not isinstance(session, Session):
        return session
    system = system_for(request, session.office)
    today = calendar.business_day(system.office, system.clock())
    first, last = date_range(request, today, MAX_DAYS)
    by = Grouping(choice(request, "by", tuple(g.value for g in Grouping), "day"))
    which = choice(request, "chart", CHARTS, "counts")
    target = target_of(request)
    result, labels = await asyncio.to_thread(_report, system, first, last, by, target)
    span = f"{first}〜{last}" if first != last else str(first)
    if which == "counts":
        svg = counts_chart(result.rows, labels, f"{GROUPING_NAMES[by]}の件数（{span}）")
    else:
        svg = waits_chart(result.rows, labels, f"{GROUPING_NAMES[by]}の待ち時間（{span}）", target)
    return Response(svg, media_type="image/svg+xml", headers=page_headers())


def _value(value: Any, field: str) -> str:
    if value is None:
        return "—"
    if field == "within_target_share":
        return f"{value * 100:.1f}%"
    return str(value)


def _cells(row: dict[str, Any], name: str) -> str:
    return (
        f'<tr><th scope="row">{escape(name)}</th>'
        + "".join(f'<td class="num">{escape(_value(row[f], f))}</td>' for f in DAY_FIELDS)
        + "</tr>"
    )


def _table(caption: str, result: Report, labels: dict[str, str]) -> str:
    head = "".join(f'<th scope="col" class="num">{escape(HEADINGS[f])}</th>' for f in DAY_FIELDS)
    body = "".join(_cells(r, labels.get(str(r["key"]), str(r["key"]))) for r in result.rows)
    return (
        f'<table class="grid"><caption>{escape(caption)}</caption>'
        f'<thead><tr><th scope="col">{escape(HEADINGS["key"])}</th>{head}</tr></thead>'
        f"<tbody>{body}</tbody><tfoot>{_cells(result.total, '合計')}</tfoot></table>"
    )


def _alerts(system: System, day: date, installation: bool) -> list[dict[str, Any]]:
    """The audit log's rows of the day (the office's time), oldest first (the accounts'
    rows, `installation`, for staff of every office only)."""
    tz = ZoneInfo(system.office.timezone)
    with system.engines.reader.connect() as conn:
        rows = admin_audit.read(conn, system.office.id, MAX_AUDIT_ROWS, installation)
    return [r for r in reversed(rows) if _local(r["at"], tz).date() == day]


def _local(at: str, tz: ZoneInfo) -> datetime:
    return datetime.fromisoformat(at).astimezone(tz)


def _alerts_html(alerts: list[dict[str, Any]], tz: ZoneInfo) -> str:
    if not alerts:
        return "<p>この日の警報・操作の記録はありません。</p>"
    items = "".join(
        "<tr>"
        f'<th scope="row">{escape(_local(a["at"], tz).strftime("%H:%M"))}</th>'
        f"<td>{escape(a['actor'])}</td><td>{escape(a['action'])}</td>"
        f"<td>{escape(a['target'] or '')}</td></tr>"
        for a in alerts
    )
    return (
        '<table class="grid"><caption>この日の操作記録</caption><thead><tr>'
        '<th scope="col">時刻</th><th scope="col">職員</th><th scope="col">操作</th>'
        f'<th scope="col">対象</th></tr></thead><tbody>{items}</tbody></table>'
    )


async def day_page(request: Request) -> Response:
    """``?date=YYYY-MM-DD`` (today by default): the end-of-day summary, to print."""
    session = section_session(request, "reports")
    if not isinstance(session, Session):
        return session
    system = system_for(request, session.office)
    office = system.office
    today = calendar.business_day(office, system.clock())
    raw = request.query_params.get("date") or today.isoformat()
    try:
        day = date.fromisoformat(raw)
    except ValueError:
        raise ApiError(
            422, "invalid_request", "date は YYYY-MM-DD で指定してください。", field="date"
        ) from None
    target = target_of(request)
    by_service, labels = await asyncio.to_thread(
        _report, system, day, day, Grouping.SERVICE, target
    )
    alerts = await asyncio.to_thread(_alerts, system, day, session.staff.of_every_office)
    name = office.names.get("ja", office.id)
    title = f"日報 {day.year}年{day.month}月{day.day}日（{WEEKDAYS[day.weekday()]}）"
    total = by_service.total
    summary = (
        f"発券 {total['tickets']} 件、対応済 {total['served']} 件、不在 {total['no_show']} 件、"
        f"取消・離脱 {total['left']} 件。待ち時間 平均 {_value(total['wait_mean_min'], '')} 分、"
        f"90% {_value(total['wait_p90_min'], '')} 分、目標 {target:g} 分以内に呼出 "
        f"{_value(total['within_target_share'], 'within_target_share')}。"
    )
    main = "".join(
        [
            f'<p class="summary">{escape(summary)}</p>',
            _table("業務別の件数と待ち時間", by_service, labels),
            '<div class="charts">',
            counts_chart(by_service.rows, labels, "業務別の件数", prefix="c-"),
            waits_chart(by_service.rows, labels, "業務別の待ち時間", target, prefix="w-"),
            "</div>",
            "<h2>警報・操作</h2>",
            _alerts_html(alerts, ZoneInfo(office.timezone)),
        ]
    )
    page = (HERE / "templates" / "admin" / "day.html").read_text(encoding="utf-8")
    several = len(several_offices(request)) > 1
    page = (
        page.replace("__MAIN__", main)
        .replace("__TITLE__", escape(title))
        .replace("__OFFICE__", escape(name))
        .replace("__DATE__", day.isoformat())
        # An installation of several offices names the office in the links (offices.md).
        .replace("__OFFICE_QUERY__", f"?office={escape(office.id)}" if several else "")
        .replace(
            "__OFFICE_INPUT__",
            f'<input type="hidden" name="office" value="{escape(office.id)}">' if several else "",
        )
        .replace("__STATIC__", STATIC_URL)
    )
    return HTMLResponse(page, headers=page_headers())


def routes() -> list[BaseRoute]:
    return [
        Route("/admin/reports/chart.svg", chart, name="admin-reports-chart"),
        Route("/admin/reports/day", day_page, name="admin-reports-day"),
    ]
