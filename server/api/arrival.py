"""Is the visitor in the hall? The proofs a page's "到着しました" may bring, for a ticket
from home (visitor_routes.arrived) and for a booking checked in on the phone
(appointment_routes.check_in_by_token): a kiosk's device token (it scanned the QR code),
a request from the hall's networks (office.hall_networks), or the kiosk's daily code."""

from __future__ import annotations

import asyncio
import ipaddress

from starlette.requests import Request

from server import accounts
from server.bootstrap import System
from server.domain import calendar
from server.remote_tickets import arrival_code
from server.visitor_commands import ArrivalProof

from .auth import bearer
from .errors import ApiError


async def arrival_proof(request: Request, system: System, code: str | None) -> ArrivalProof:
    """How the caller shows they are in the hall; else 422 for a wrong code, 403
    `not_in_hall` naming what to do. (The client address is uvicorn's, which believes
    X-Forwarded-For only from MADOGUCHI_TRUSTED_PROXIES.)"""
    token = bearer(request)
    if token is not None:
        device = await asyncio.to_thread(accounts.device_of_token, system.engines, token)
        if device is not None and device in system.office.kiosks:
            return ArrivalProof.KIOSK
    if in_hall(request, system.office.hall_networks):
        return ArrivalProof.HALL
    if code is not None:
        if code == today_code(request, system):
            return ArrivalProof.CODE
        raise ApiError(
            422,
            "invalid_request",
            "番号が違います。発券機の画面の4桁の番号を入力してください。",
            field="code",
        )
    raise ApiError(
        403,
        "not_in_hall",
        "庁舎内のWi-Fiから押すか、発券機の画面の4桁の番号を入力してください。",
    )


def in_hall(request: Request, networks: tuple[str, ...]) -> bool:
    host = request.client.host if request.client else None
    if host is None or not networks:
        return False
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return any(address in ipaddress.ip_network(n, strict=False) for n in networks)


def today_code(request: Request, system: System) -> str:
    """The kiosks' code of the office's business day (the same on every kiosk)."""
    day = calendar.business_day(system.office, system.clock())
    secret: bytes = request.app.state.arrival_secret
    return arrival_code(secret, system.office.id, day)
