"""The HTTP API under /api/v1: thin handlers that turn requests into commands."""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server import accounts, commands, permissions
from server.bootstrap import System, new_token
from server.commands import (
    ActOnTicket,
    CallNext,
    IssueTicket,
    PrintOutcome,
    PrintStatus,
    SetCounterState,
    TicketInfo,
)
from server.domain.errors import InvalidTransition, NotFound
from server.domain.office import CounterState
from server.domain.ticket import ACTIVE, SYSTEM_ACTIONS, Action
from server.live.channels import STAFF_KINDS, Kind, parse_channel
from server.live.endpoints import may_watch_display
from server.live.protocol import dumps
from server.live.public import PUBLIC_CACHE_CONTROL, etag_of
from server.live.source import read_snapshot
from server.live.views import build_view
from server.permissions import Action as Permission
from server.remote_tickets import RemoteRequest, device_hash
from server.store import admin_audit, offices
from server.store.unit_of_work import Tx

from . import admin_routes, exports
from .auth import bearer, require, require_staff, sign_in, staff_of
from .errors import ApiError
from .limits import charge_address
from .reception import check_reception
from .responses import JSONResponse
from .schemas import IssueTicketBody, ReadyBody, TokenBody, TransferBody, parse
from .state import (
    channel_system,
    find_ticket,
    issue_limiter_of,
    office_system,
    public_of,
    system_for,
    system_of,
    ticket_system,
    tokens_of,
)


def _ticket_answer(
    system: System,
    info: TicketInfo | None,
    status: int = 200,
    token: bool = False,
    printed: PrintOutcome | None = None,
) -> Response:
    """`printed`: what the printer answered, for a ticket just printed."""
    if info is None:
        return Response(status_code=204)
    answer = commands.ticket_json(info, system.office, printed or info.stored_print, token=token)
    return JSONResponse(answer, status_code=status)


async def healthz(request: Request) -> Response:
    system = system_of(request)
    try:
        version = await asyncio.to_thread(_version, system)
    except Exception as e:  # health says what is wrong rather than failing
        return JSONResponse(
            {"status": "unavailable", "database": str(e).splitlines()[0]}, status_code=503
        )
    return JSONResponse({"status": "ok", "office": system.office.id, "version": version})


def _version(system: System) -> int:
    with system.engines.reader.connect() as conn:
        return offices.office_version(conn, system.office.id) or 0


async def office_status(request: Request) -> Response:
    system = office_system(request)
    return await public_response(request, system)


async def views(request: Request) -> Response:
    name = request.path_params["channel"]
    system = await channel_system(request, name)
    return await _view_response(request, system, name)


async def _view_response(request: Request, system: System, name: str) -> Response:
    channel = parse_channel(name, system.office)
    office = system.office.id
    if channel.kind is Kind.PUBLIC:
        return await public_response(request, system)
    if channel.kind is Kind.ADMIN:
        require(request, tokens_of(request), permissions.Action.VIEW_FLOOR, office)
    elif channel.kind in STAFF_KINDS:
        require_staff(request, tokens_of(request), office=office)
    if channel.kind is Kind.DISPLAY and not await may_watch_display(request, channel, office):
        raise ApiError(
            401, "unauthorized", "表示盤のトークン（madoguchi device token）が必要です。"
        )
    tokens = (channel.key,) if channel.kind is Kind.TICKET else ()
    staff = channel.kind is Kind.ADMIN
    snap = await asyncio.to_thread(
        read_snapshot, system.engines, system.ctx, system.clock(), None, tokens, staff
    )
    hub = system.hub
    known = hub.devices if hub else None
    view = build_view(
        channel,
        snap,
        system.printing.kiosk_printer,
        known.screen_of if known else None,
        known.acked if known else None,
    )
    if view is None:
        raise NotFound("受付票が見つかりません。", kind="ticket")
    body = dumps(view).encode()
    headers = {"ETag": etag_of(snap.version, body), "Cache-Control": "no-cache"}
    return _maybe_unchanged(request, body, headers, snap.version)


async def public_response(request: Request, system: System | None = None) -> Response:
    """The public view (…/status, …/views/public:…): from memory while nothing changed
    (live/public.py), and cacheable by a proxy for as long (docs/deploy.md)."""
    if system is None:  # from the fast path (public_path.py), with the path's parameters
        params = request.path_params
        system = system_for(request, params.get("office") or params["channel"].partition(":")[2])
    public = await public_of(request, system).get()
    headers = {"ETag": public.etag, "Cache-Control": PUBLIC_CACHE_CONTROL}
    return _maybe_unchanged(request, public.body, headers, public.version)


def _maybe_unchanged(
    request: Request, body: bytes, headers: dict[str, str], version: int
) -> Response:
    headers["X-Version"] = str(version)
    if request.headers.get("if-none-match") == headers["ETag"]:
        return Response(status_code=304, headers=headers)
    return Response(body, media_type="application/json", headers=headers)


async def issue_ticket(request: Request) -> Response:
    system = office_system(request)
    body = await parse(request, IssueTicketBody)
    remote = None
    if body.channel == "reception":  # a clerk for a visitor: printed at `kiosk`, if given
        actor: str | None = (await check_reception(request, system, body)).username
        charged, channel = None, "reception"
    elif body.channel == "online":  # a ticket from home, from the public page
        remote = _remote_request(body)
        charged, actor, channel = (
            charge_address(request, system, issue_limiter_of(request)),
            None,
            "online",
        )
    else:
        charged = await _check_issuer(request, system, body)
        actor, channel = body.kiosk, "kiosk" if body.kiosk else "online"
    command = IssueTicket(
        service=body.service,
        lang=body.lang,
        priority=body.priority,
        kiosk=body.kiosk,
        channel=channel,
        ticket_id=system.new_ticket_id(),
        token=new_token(),
        print_status=PrintStatus.QUEUED if body.kiosk else PrintStatus.NONE,
        remote=remote,
    )
    try:
        committed = await system.run(command.__call__, actor=actor)
    except Exception:
        if charged is not None:  # no ticket: the visitor's count is given back
            issue_limiter_of(request).refund(charged)
        raise
    info = committed.result
    printed = None
    if body.kiosk is not None:
        # The ticket exists now. Wait (briefly) for its printer so that the kiosk knows
        # whether to show the number and QR code on screen; a printer fault never fails
        # the issuing.
        printed = await system.printing.print_ticket(info, str(request.base_url))
    return _ticket_answer(system, info, 201, token=True, printed=printed)


async def reprint_ticket(request: Request) -> Response:
    """An explicit reprint by staff, at the ticket's kiosk or at ``?kiosk=ID``."""
    system = await ticket_system(request, request.path_params["id"], by_token=False)
    staff = require_staff(request, tokens_of(request), office=system.office.id)
    info = await asyncio.to_thread(_describe, system, request.path_params["id"], by_token=False)
    kiosk = request.query_params.get("kiosk") or info.ticket.kiosk
    if kiosk is None:
        raise ApiError(
            422,
            "invalid_request",
            "この受付票は発券機で発券されていません。発券機を指定してください。",
            field="kiosk",
        )
    if kiosk not in system.office.kiosks:
        raise NotFound(f"発券機 {kiosk!r} はありません。", kind="kiosk", id=kiosk)
    if info.ticket.status not in ACTIVE:
        raise InvalidTransition(
            f"{info.ticket.number} は「{info.ticket.status}」です。再発行できません。",
            status=str(info.ticket.status),
            action="reprint",
        )
    printed = await system.printing.print_ticket(
        info, str(request.base_url), kiosk=kiosk, reprint=True
    )
    await _audit_reprint(system, staff.username, info, kiosk, printed)
    return _ticket_answer(system, info, printed=printed)


async def _audit_reprint(
    system: System, actor: str, info: TicketInfo, kiosk: str, printed: PrintOutcome
) -> None:
    def write(tx: Tx) -> None:
        admin_audit.write(
            tx.conn,
            office=system.office.id,
            at=tx.now,
            actor=actor,
            action="reprint",
            target=info.ticket.number,
            before=None,
            after={"kiosk": kiosk, "print": printed.as_dict()},
        )

    await system.writer.run(None, write, system.clock(), actor)


async def devices(request: Request) -> Response:
    system = office_system(request)
    require_staff(request, tokens_of(request))
    hub = system.hub
    kiosks = system.printing.device_list()
    for kiosk in kiosks:
        kiosk["screen"] = hub.screen(f"kiosk:{kiosk['kiosk']}") if hub else None
    displays = [
        {"id": d.id, "areas": list(d.areas), **(hub.screen(f"display:{d.id}") if hub else {})}
        for d in system.office.displays.values()
    ]
    return JSONResponse({"office": system.office.id, "kiosks": kiosks, "displays": displays})


async def _check_issuer(request: Request, system: System, body: IssueTicketBody) -> str | None:
    """Who may issue what. A kiosk's device token: issuing at that kiosk (printing there),
    priority included. A staff member: issuing, priority included, not printing (that
    is a reprint at a kiosk). Anyone else, only where the office issues openly: no
    kiosk, no priority (the visitor's own button is on the kiosk), and a few tickets per
    address (limits.AddressLimiter): the address counted is answered (None: nobody's count)."""
    token = bearer(request)
    device = (
        await asyncio.to_thread(accounts.device_of_token, system.engines, token)
        if token is not None
        else None
    )
    if device is not None:
        if device not in system.office.kiosks:
            raise ApiError(403, "forbidden", "このトークンは発券機のものではありません。")
        if body.kiosk is not None and body.kiosk != device:
            raise ApiError(
                403,
                "forbidden",
                f"このトークンは {device} のものです（{body.kiosk} ではありません）。",
            )
        return None
    try:
        staff = staff_of(request, tokens_of(request), system.office.id)
    except ApiError as e:
        if e.code != "csrf_failed":
            raise
        # A staff session's cookie without its CSRF token (a clerk trying the visitor's
        # page in the same browser): issued as to anyone.
        staff = None
    if staff is None and not system.office.open_issuing:
        if token is None:
            raise ApiError(401, "unauthorized", "発券には発券機のデバイストークンが必要です。")
        raise ApiError(
            401,
            "unauthorized",
            "デバイストークンが正しくありません。発券機をペアリングし直してください。",
        )
    # An office that issues openly takes a stale kiosk token (rotated since the kiosk was
    # paired) like none at all: the visitor gets a ticket, shown on the screen.
    if body.kiosk is not None:
        if body.kiosk not in system.office.kiosks:
            raise NotFound(f"発券機 {body.kiosk!r} はありません。", kind="kiosk", id=body.kiosk)
        raise ApiError(
            401,
            "unauthorized",
            f"発券機 {body.kiosk} で印刷するには、その発券機のデバイストークンが必要です。",
            field="kiosk",
        )
    if staff is not None:
        return None
    if body.priority:
        raise ApiError(
            403,
            "forbidden",
            "配慮が必要な方の発券は、発券機のボタンか職員が行います。",
            field="priority",
        )
    return charge_address(request, system, issue_limiter_of(request))


def _remote_request(body: IssueTicketBody) -> RemoteRequest:
    """A ticket from home: anyone may ask (the rules are issuing.remote_refusal's), never
    printed at a kiosk nor priority, and only with the phone's key and the way's minutes."""
    if body.kiosk is not None or body.priority:
        field = "kiosk" if body.kiosk is not None else "priority"
        raise ApiError(
            422,
            "invalid_request",
            "ご自宅からの受付票は発券機での印刷・優先受付ができません。",
            field=field,
        )
    for field in ("device", "travel_min"):
        if getattr(body, field) is None:
            raise ApiError(
                422, "invalid_request", f"ご自宅からの受付票には {field} が必要です。", field=field
            )
    assert body.device is not None and body.travel_min is not None
    return RemoteRequest(device_hash(body.device), body.travel_min)


_COUNTER_STATES = {
    "open": CounterState.OPEN,
    "pause": CounterState.PAUSED,
    "close": CounterState.CLOSED,
}


async def counter_state(request: Request) -> Response:
    system = office_system(request)
    staff = require_staff(request, tokens_of(request))
    state = _COUNTER_STATES[request.path_params["action"]]
    command = SetCounterState(
        request.path_params["counter"], state, staff.username, staff.supervises
    )
    committed = await system.run(command.__call__, actor=staff.username)
    return JSONResponse(committed.result)


async def call_next(request: Request) -> Response:
    system = office_system(request)
    staff = require_staff(request, tokens_of(request))
    committed = await system.run(
        CallNext(request.path_params["counter"], staff.username, staff.supervises).__call__,
        actor=staff.username,
    )
    return _ticket_answer(system, committed.result)


_ACTIONS = {a.value: a for a in Action if a not in SYSTEM_ACTIONS}
# 交付 (mark ready, hand over) is the pickup counter's work; the rest, a counter's own.
_PERMISSION = {Action.READY: Permission.PICKUP, Action.HAND_OVER: Permission.PICKUP}


async def ticket_action(request: Request) -> Response:
    system = await ticket_system(request, request.path_params["id"], by_token=False)
    action = _ACTIONS[request.path_params["action"]]
    permission = _PERMISSION.get(action, Permission.WORK_COUNTER)
    staff = require(request, tokens_of(request), permission, system.office.id)
    to_service = counter = note = None
    if action is Action.TRANSFER:
        body = await parse(request, TransferBody)
        to_service = body.service
        # Sealed like the form's entries (the form desk's cipher), for the receiving counter.
        if body.note:
            note = system.forms.entries.seal_note(request.path_params["id"], body.note)
    elif action is Action.READY:
        counter = (await parse(request, ReadyBody, optional=True)).counter
    command = ActOnTicket(
        request.path_params["id"],
        action,
        to_service,
        counter,
        note,
        clerk=staff.username,
        supervisor=staff.supervises,
    )
    committed = await system.run(command.__call__, actor=staff.username)
    return _ticket_answer(system, committed.result)


async def get_ticket(request: Request) -> Response:
    system = await ticket_system(request, request.path_params["id"], by_token=False)
    require_staff(request, tokens_of(request), office=system.office.id)
    info = await asyncio.to_thread(_describe, system, request.path_params["id"], by_token=False)
    return _ticket_answer(system, info)


async def visitor(request: Request) -> Response:
    system = await ticket_system(request, request.path_params["token"], by_token=True)
    info = await asyncio.to_thread(_describe, system, request.path_params["token"], by_token=True)
    answer: dict[str, Any] = commands.ticket_json(info, system.office, info.stored_print)
    del answer["id"]  # the visitor's page needs no staff handle
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


def _describe(system: System, key: str, by_token: bool) -> TicketInfo:
    with system.engines.reader.connect() as conn, conn.begin():
        ticket = find_ticket(conn, system, key, by_token=by_token)
        return commands.describe_at(system.ctx, conn, ticket, system.clock())


async def auth_token(request: Request) -> Response:
    body = await parse(request, TokenBody)
    role = (await sign_in(request, body.username, body.password)).role
    token = tokens_of(request).issue(body.username, role)
    return JSONResponse(
        {"token": token, "username": body.username, "role": str(role), "expires_in": 12 * 3600}
    )


async def revoke_token(request: Request) -> Response:
    """Sign a Bearer token out: it ends now, in every process (204)."""
    require_staff(request, tokens_of(request))
    token = bearer(request)
    if token is None:  # a browser session signs out at POST /signout
        raise ApiError(
            401, "unauthorized", "取り消すトークン（Authorization: Bearer）がありません。"
        )
    await asyncio.to_thread(tokens_of(request).revoke, token)
    return Response(status_code=204)


def routes() -> list[Route]:
    api = "/api/v1"
    office = f"{api}/offices/{{office}}"
    return [
        Route("/healthz", healthz),
        Route(f"{api}/auth/token", auth_token, methods=["POST"]),
        Route(f"{api}/auth/token", revoke_token, methods=["DELETE"]),
        Route(f"{office}/status", office_status),
        Route(f"{office}/tickets", issue_ticket, methods=["POST"]),
        Route(f"{office}/counters/{{counter}}/{{action:str}}", counter_route, methods=["POST"]),
        Route(f"{office}/devices", devices),
        Route(f"{office}/log.csv", exports.log_export),
        Route(f"{office}/opendata/daily.csv", exports.opendata_csv),
        Route(f"{office}/opendata/daily.json", exports.opendata_json),
        Route(f"{api}/tickets/{{id}}", get_ticket),
        Route(f"{api}/tickets/{{id}}/reprint", reprint_ticket, methods=["POST"]),
        admin_routes.CALL_TO_COUNTER,
        Route(f"{api}/tickets/{{id}}/{{action}}", ticket_route, methods=["POST"]),
        Route(f"{api}/visitor/{{token}}", visitor),
        Route(f"{api}/views/{{channel}}", views),
    ]


async def counter_route(request: Request) -> Response:
    action = request.path_params["action"]
    if action == "call-next":
        return await call_next(request)
    if action in _COUNTER_STATES:
        return await counter_state(request)
    raise NotFound(
        f"窓口の操作 {action!r} はありません（open, pause, close, call-next）。", kind="action"
    )


async def ticket_route(request: Request) -> Response:
    if request.path_params["action"] not in _ACTIONS:
        raise NotFound(
            f"受付票の操作 {request.path_params['action']!r} はありません（{', '.join(_ACTIONS)}）。",
            kind="action",
        )
    return await ticket_action(request)
