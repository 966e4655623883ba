"""The visitor's own actions on their ticket (the token in the path is their secret):
cancel, step back once, confirm arrival; and the kiosk's arrival code."""

from __future__ import annotations

import asyncio
import math
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import accounts, commands
from server.bootstrap import System
from server.domain import calendar
from server.visitor_commands import (
    ArriveByVisitor,
    CancelByVisitor,
    DelayByVisitor,
)

from .arrival import arrival_proof, today_code
from .auth import bearer, staff_of
from .errors import ApiError
from .responses import JSONResponse
from .schemas import ArrivedBody, parse
from .state import office_system, ticket_system, tokens_of

VISITOR_ACTOR = "visitor"


def _answer(system: System, info: commands.TicketInfo) -> Response:
    answer: dict[str, Any] = commands.ticket_json(info, system.office, info.stored_print)
    del answer["id"]  # the visitor's page needs no staff handle
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


async def cancel(request: Request) -> Response:
    system = await ticket_system(request, request.path_params["token"], by_token=True)
    command = CancelByVisitor(request.path_params["token"])
    committed = await system.run(command.__call__, actor=VISITOR_ACTOR)
    return _answer(system, committed.result)


async def delay(request: Request) -> Response:
    system = await ticket_system(request, request.path_params["token"], by_token=True)
    command = DelayByVisitor(request.path_params["token"])
    committed = await system.run(command.__call__, actor=VISITOR_ACTOR)
    return _answer(system, committed.result)


async def arrived(request: Request) -> Response:
    """A kiosk that scanned the ticket's QR (its device token), the page from the hall's
    network, or the kiosk's short code typed on the page; else 403 naming what to do."""
    system = await ticket_system(request, request.path_params["token"], by_token=True)
    body = await parse(request, ArrivedBody, optional=True)
    proof = await arrival_proof(request, system, body.code)
    command = ArriveByVisitor(request.path_params["token"], proof)
    committed = await system.run(command.__call__, actor=VISITOR_ACTOR)
    return _answer(system, committed.result)


async def kiosk_arrival_code(request: Request) -> Response:
    """The code a kiosk shows for "到着しました" (a kiosk's device token, or staff), its
    business day, and `expires_in`: the seconds until that day ends and a new code holds."""
    system = office_system(request)
    token = bearer(request)
    device = (
        await asyncio.to_thread(accounts.device_of_token, system.engines, token)
        if token is not None
        else None
    )
    if (device is None or device not in system.office.kiosks) and staff_of(
        request, tokens_of(request), system.office.id
    ) is None:
        raise ApiError(401, "unauthorized", "発券機のデバイストークンが必要です。")
    now = system.clock()
    day = calendar.business_day(system.office, now)
    # The kiosk asks again when the day ends, counted on its own clock from the answer.
    expires_in = math.ceil((calendar.day_end(system.office, now) - now).total_seconds())
    return JSONResponse(
        {"code": today_code(request, system), "day": day.isoformat(), "expires_in": expires_in},
        headers={"Cache-Control": "no-store"},
    )


def routes() -> list[Route]:
    api = "/api/v1"
    return [
        Route(f"{api}/visitor/{{token}}/cancel", cancel, methods=["POST"]),
        Route(f"{api}/visitor/{{token}}/delay", delay, methods=["POST"]),
        Route(f"{api}/visitor/{{token}}/arrived", arrived, methods=["POST"]),
        Route(f"{api}/offices/{{office}}/arrival-code", kiosk_arrival_code),
    ]
