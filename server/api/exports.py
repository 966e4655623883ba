"""The office's history over HTTP: the log export for supervisors (the CSV that
`madoguchi estimator-eval --log` replays) and open data for everyone (docs/opendata.md)."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta
from typing import Any

from starlette.requests import Request
from starlette.responses import Response

from server.accounts import Role
from server.bootstrap import System
from server.domain import calendar
from server.opendata import DAILY_FIELDS, daily_csv, daily_rows, log_csv
from server.web.history import read_stays

from .auth import require_staff
from .errors import ApiError
from .responses import JSONResponse
from .state import office_system, tokens_of

DEFAULT_DAYS = 31
MAX_DAYS = 366


def _date(request: Request, name: str) -> date | None:
    value = request.query_params.get(name)
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ApiError(
            422, "invalid_request", f"{name} は YYYY-MM-DD で指定してください。", field=name
        ) from None


def date_range(request: Request, today: date, max_days: int = MAX_DAYS) -> tuple[date, date]:
    """``?from=&to=`` (local business days, both included); by default the last month."""
    last = _date(request, "to") or today
    first = _date(request, "from") or last - timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise ApiError(
            422, "invalid_request", "from は to 以前の日付にしてください。", field="from"
        )
    if (last - first).days >= max_days:
        raise ApiError(
            422, "invalid_request", f"期間は {max_days} 日以内にしてください。", field="from"
        )
    return first, last


async def _stays(request: Request, system: System) -> tuple[date, date, list[Any]]:
    today = calendar.business_day(system.office, system.clock())
    first, last = date_range(request, today)
    stays = await asyncio.to_thread(read_stays, system.engines, system.office, first, last, today)
    return first, last, stays


async def log_export(request: Request) -> Response:
    system = office_system(request)
    require_staff(request, tokens_of(request), Role.SUPERVISOR)
    first, last, stays = await _stays(request, system)
    name = f"{system.office.id}-log-{first}-{last}.csv"
    return Response(
        log_csv(stays, system.office.timezone),
        media_type="text/csv; charset=utf-8",
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "Cache-Control": "no-store",
        },
    )


async def opendata_csv(request: Request) -> Response:
    system = office_system(request)
    _, _, stays = await _stays(request, system)
    return Response(
        daily_csv(daily_rows(stays, system.office.timezone)),
        media_type="text/csv; charset=utf-8",
        headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"},
    )


async def opendata_json(request: Request) -> Response:
    system = office_system(request)
    first, last, stays = await _stays(request, system)
    office = system.office
    body = {
        "office": {"id": office.id, "names": office.names, "timezone": office.timezone},
        "from": first.isoformat(),
        "to": last.isoformat(),
        "fields": DAILY_FIELDS,
        "services": {s.id: s.names for s in office.services.values()},
        "rows": daily_rows(stays, office.timezone),
    }
    return JSONResponse(
        body, headers={"Cache-Control": "public, max-age=300", "Access-Control-Allow-Origin": "*"}
    )
