"""The reports (集計) over HTTP, for supervisors and admins: ``GET …/reports?from=&to=&by=``
as JSON, CSV or Excel (``&format=``). The figures' definitions are in docs/admin.md."""

from __future__ import annotations

import asyncio
from datetime import date
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.domain import calendar
from server.domain.office import Office
from server.domain.reports import WAIT_TARGET_MIN, Grouping, Report
from server.permissions import Action
from server.reports import GROUPING_NAMES, as_csv, as_xlsx, read_report

from .auth import require
from .errors import ApiError
from .exports import date_range
from .responses import JSONResponse
from .state import office_system, tokens_of

MAX_DAYS = 400
MAX_TARGET_MIN = 480
FORMATS = ("json", "csv", "xlsx")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
WEEKDAYS = "月火水木金土日"


def choice(request: Request, name: str, choices: tuple[str, ...], default: str) -> str:
    value = request.query_params.get(name) or default
    if value not in choices:
        raise ApiError(
            422, "invalid_request", f"{name} は {', '.join(choices)} のどれかです。", field=name
        )
    return value


def target_of(request: Request) -> float:
    raw = request.query_params.get("target")
    if raw is None or raw == "":
        return WAIT_TARGET_MIN
    try:
        value = float(raw)
    except ValueError:
        value = -1.0
    if not 1 <= value <= MAX_TARGET_MIN:
        raise ApiError(
            422,
            "invalid_request",
            f"target は 1〜{MAX_TARGET_MIN} の分数です。",
            field="target",
        )
    return value


def label(office: Office, by: Grouping, key: str) -> str:
    """How the console and the files name a row's key, in Japanese."""
    if key == "":
        return "（呼出なし）" if by is Grouping.COUNTER else "（不明・呼出なし）"
    if by is Grouping.DAY:
        day = date.fromisoformat(key)
        return f"{day.month}/{day.day}（{WEEKDAYS[day.weekday()]}）"
    if by is Grouping.HOUR:
        return f"{int(key)}時台"
    if by is Grouping.SERVICE:
        service = office.services.get(key)
        return service.names.get("ja", key) if service is not None else key
    if by is Grouping.COUNTER:
        return f"{key}番窓口"
    return key


def body(office: Office, first: date, last: date, result: Report, target: float) -> dict[str, Any]:
    return {
        "office": office.id,
        "from": first.isoformat(),
        "to": last.isoformat(),
        "by": str(result.by),
        "target_min": target,
        "rows": result.rows,
        "total": result.total,
        "labels": {str(r["key"]): label(office, result.by, str(r["key"])) for r in result.rows},
    }


async def reports(request: Request) -> Response:
    system = office_system(request)
    require(request, tokens_of(request), Action.VIEW_REPORTS)
    office = system.office
    today = calendar.business_day(office, system.clock())
    first, last = date_range(request, today, MAX_DAYS)
    by = Grouping(choice(request, "by", tuple(g.value for g in Grouping), "day"))
    kind = choice(request, "format", FORMATS, "json")
    target = target_of(request)
    result = await asyncio.to_thread(
        read_report, system.engines, office, first, last, today, by, target
    )
    if kind == "json":
        return JSONResponse(
            body(office, first, last, result, target), headers={"Cache-Control": "no-store"}
        )
    name = f"{office.id}-report-{by}-{first}-{last}.{kind}"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    if kind == "csv":
        return Response(as_csv(result), media_type="text/csv; charset=utf-8", headers=headers)
    title = f"{office.names.get('ja', office.id)} 集計 {first}〜{last} {GROUPING_NAMES[by]}"
    content = await asyncio.to_thread(as_xlsx, result, title)
    return Response(content, media_type=XLSX, headers=headers)


def routes() -> list[Route]:
    return [Route("/api/v1/offices/{office}/reports", reports)]
