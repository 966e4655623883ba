"""Kiosks' and displays' tokens (admin): the office's devices with their pairing and their
screens, pair, rotate and revoke (server/device_tokens.py keeps the rules and the audit).
A rotated or revoked token is refused at once, and the screens and kiosk agent connected
with it are closed (1008: the device shows its pairing screen)."""

from __future__ import annotations

import asyncio
import base64
import contextlib

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import device_tokens
from server.bootstrap import System
from server.live.protocol import Close
from server.permissions import Action

from .auth import require
from .kiosk import qr_svg
from .responses import JSONResponse
from .state import office_system, tokens_of


async def device_tokens_list(request: Request) -> Response:
    """The office's kiosks and displays: paired or not, since when, connected now."""
    system = office_system(request)
    require(request, tokens_of(request), Action.MANAGE_DEVICES)
    devices = await asyncio.to_thread(device_tokens.listed, system.writer, system.office)
    hub = system.hub
    for device in devices:
        device["screen"] = hub.screen(f"{device['kind']}:{device['id']}") if hub else None
    return JSONResponse(
        {"office": system.office.id, "devices": devices}, headers={"Cache-Control": "no-store"}
    )


async def pair_device(request: Request) -> Response:
    """Pair a device: its token and pairing address (with a QR code), shown this once."""
    return await _issue(request, rotate=False)


async def rotate_device(request: Request) -> Response:
    """A new token for the device: the old one is refused at once, its screens closed."""
    return await _issue(request, rotate=True)


async def revoke_device(request: Request) -> Response:
    """End the device's token: refused at once, its screens closed (204)."""
    system = office_system(request)
    admin = require(request, tokens_of(request), Action.MANAGE_DEVICES)
    device = request.path_params["device"]
    await device_tokens.revoke(system.writer, system.office, admin.username, device, system.clock())
    _disconnect(system, device, "device token revoked")
    return Response(status_code=204)


async def _issue(request: Request, *, rotate: bool) -> Response:
    system = office_system(request)
    admin = require(request, tokens_of(request), Action.MANAGE_DEVICES)
    device = request.path_params["device"]
    kind = device_tokens.kind_of(system.office, device)
    token = await device_tokens.issue(
        system.writer, system.office, admin.username, device, system.clock(), rotate=rotate
    )
    if rotate:
        _disconnect(system, device, "device token rotated")
    base = system.settings.public_url or str(request.base_url)
    address = device_tokens.pairing_address(base, kind, device, token)
    svg = await asyncio.to_thread(qr_svg, address)
    qr = "data:image/svg+xml;base64," + base64.b64encode(svg).decode()
    answer = {"device": device, "kind": kind, "token": token, "address": address, "qr": qr}
    return JSONResponse(
        answer, status_code=200 if rotate else 201, headers={"Cache-Control": "no-store"}
    )


def _disconnect(system: System, device: str, reason: str) -> None:
    """Close what is connected with the device's old token: its display screens, and a
    kiosk's print agent."""
    if system.hub is not None:
        system.hub.disconnect(f"device:{device}", Close.POLICY, reason)
    agent = system.printing.agents.connections.get(device)
    if agent is not None:
        with contextlib.suppress(Exception):
            asyncio.get_running_loop().create_task(agent.websocket.close(Close.POLICY, reason))


def routes() -> list[Route]:
    one = "/api/v1/offices/{office}/devices/{device}"
    return [
        Route("/api/v1/offices/{office}/devices/tokens", device_tokens_list, methods=["GET"]),
        Route(f"{one}/pair", pair_device, methods=["POST"]),
        Route(f"{one}/rotate", rotate_device, methods=["POST"]),
        Route(f"{one}/revoke", revoke_device, methods=["POST"]),
    ]
