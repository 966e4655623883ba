"""The admin console's own API: the audit log of supervisors' and admins' changes (each
change's route writes its audit row in the change's own transaction), and acknowledging
the floor's alerts."""

from __future__ import annotations

import asyncio

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.permissions import Action
from server.store import admin_audit

from .auth import require
from .errors import ApiError
from .responses import JSONResponse
from .schemas import AckBody, parse
from .state import office_system, tokens_of

MAX_AUDIT_ROWS = 1000


async def audit_log(request: Request) -> Response:
    """The newest changes first: `?limit=` (1–1000, 200 by default)."""
    system = office_system(request)
    require(request, tokens_of(request), Action.VIEW_AUDIT)
    raw = request.query_params.get("limit", "200")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_AUDIT_ROWS:
        raise ApiError(
            422, "invalid_request", f"limit は 1〜{MAX_AUDIT_ROWS} の整数です。", field="limit"
        )

    def read() -> list[dict[str, object]]:
        with system.engines.reader.connect() as db:
            return admin_audit.read(db, system.office.id, int(raw))

    return JSONResponse({"office": system.office.id, "audit": await asyncio.to_thread(read)})


async def acknowledge(request: Request) -> Response:
    """An alert of the floor acknowledged, for every console watching it (the hub keeps
    it, in memory like the device states the alerts come from; each browser keeps its own
    too, so a restart forgets nothing a console still shows)."""
    system = office_system(request)
    staff = require(request, tokens_of(request), Action.VIEW_FLOOR)
    body = await parse(request, AckBody)
    if system.hub is None:
        raise ApiError(503, "unavailable", "サーバーの起動中です。しばらくしてからもう一度。")
    return JSONResponse(system.hub.acknowledge(body.alert, staff.username))


def routes() -> list[Route]:
    office = "/api/v1/offices/{office}"
    return [
        Route(f"{office}/audit", audit_log),
        Route(f"{office}/alerts/ack", acknowledge, methods=["POST"]),
    ]
