"""Staff accounts (admin): list, add, change (role, password, counters, areas, offices), disable and
enable. The rules and the audit rows are server/staff.py's; here a disabled or changed
user's open websockets are closed at once (4401: their pages go to the sign-in page)."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import staff
from server.accounts import Role
from server.live.protocol import Close
from server.permissions import Action

from .auth import Staff, require
from .errors import ApiError
from .responses import JSONResponse
from .schemas import StaffBody, StaffChangeBody, parse
from .state import several_offices, system_of, tokens_of


async def list_staff(request: Request) -> Response:
    """Every staff account: name, role, disabled, made, last sign-in, counters and areas."""
    system = system_of(request)
    require_installation_admin(request)
    users = await asyncio.to_thread(staff.listed, system.writer)
    return JSONResponse({"staff": users}, headers={"Cache-Control": "no-store"})


async def add_staff(request: Request) -> Response:
    """Add a staff account (201; 409 when the name exists)."""
    system = system_of(request)
    admin = require_installation_admin(request)
    body = await parse(request, StaffBody)
    staff.check_offices(office_ids(request), body.offices)
    offices = {o: Role(r) for o, r in body.offices.items()} if body.offices else None
    added = await staff.add(
        system.writer,
        admin.username,
        body.username,
        Role(body.role),
        body.password,
        system.clock(),
        offices,
    )
    return JSONResponse(added, status_code=201)


async def change_staff(request: Request) -> Response:
    """Set a staff member's role, password, counters, areas or offices."""
    admin = require_installation_admin(request)
    body = await parse(request, StaffChangeBody)
    given = body.model_fields_set
    if not given:
        raise ApiError(
            422,
            "invalid_request",
            "変更する項目（role, password, counters, areas, offices）がありません。",
            field="body",
        )
    fields: dict[str, Any] = {k: getattr(body, k) for k in given}
    if "role" in fields:
        if fields["role"] is None:
            raise ApiError(422, "invalid_request", "role を選んでください。", field="role")
        fields["role"] = Role(fields["role"])
    if "password" in fields and fields["password"] is None:
        raise ApiError(422, "invalid_request", "password を入力してください。", field="password")
    if fields.get("offices") is not None:
        staff.check_offices(office_ids(request), fields["offices"])
        fields["offices"] = {o: Role(r) for o, r in fields["offices"].items()}
    offices = [s.office for s in several_offices(request)]
    staff.check_limits(offices, fields.get("counters"), fields.get("areas"))
    return await _change(request, admin.username, staff.Change(**fields))


async def disable_staff(request: Request) -> Response:
    """Disable an account: from now on every token and session of it is refused (401)."""
    admin = require_installation_admin(request)
    return await _change(request, admin.username, staff.Change(disabled=True))


async def enable_staff(request: Request) -> Response:
    """Enable a disabled account again (it signs in anew: old sessions stay ended)."""
    admin = require_installation_admin(request)
    return await _change(request, admin.username, staff.Change(disabled=False))


async def _change(request: Request, actor: str, what: staff.Change) -> Response:
    system = system_of(request)
    username = request.path_params["username"]
    changed = await staff.change(system.writer, actor, username, what, system.clock())
    if what.ends_sessions:
        reason = "account disabled" if what.disabled is True else "account changed"
        for office in several_offices(request):  # her screens in every office end
            if office.hub is not None:
                office.hub.disconnect(f"staff:{username}", Close.UNAUTHORIZED, reason)
    return JSONResponse(changed)


def office_ids(request: Request) -> list[str]:
    return [s.office.id for s in several_offices(request)]


def require_installation_admin(request: Request) -> Staff:
    """Accounts are the installation's: managed by an admin of every office (one limited
    to some offices would otherwise grant herself the rest)."""
    admin = require(request, tokens_of(request), Action.MANAGE_STAFF)
    if not admin.of_every_office:
        raise ApiError(
            403,
            "forbidden",
            "職員の管理は、すべての庁舎の管理者（庁舎を限らない admin）が行います。",
        )
    return admin


def routes() -> list[Route]:
    staff_path = "/api/v1/staff"
    one = f"{staff_path}/{{username}}"
    return [
        Route(staff_path, list_staff, methods=["GET"]),
        Route(staff_path, add_staff, methods=["POST"]),
        Route(one, change_staff, methods=["PATCH"]),
        Route(f"{one}/disable", disable_staff, methods=["POST"]),
        Route(f"{one}/enable", enable_staff, methods=["POST"]),
    ]
