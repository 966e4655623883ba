"""The supervisors' and admins' API: the notice, a service's issuing, cap and cut-off, the
office's whole settings (read, replace, export), calling a given ticket to a given counter,
the audit log, and acknowledging the floor's alerts. Each change's command writes its audit row in its own transaction
(server/admin_commands.py).

Settings are versioned: answers carry `ETag: "<revision>"`; a change sent with
`If-Match: "<revision>"` is refused (409 edit_conflict, with the current value) when
someone else changed the settings since that revision."""

from __future__ import annotations

import asyncio
from datetime import time
from typing import Any

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.routing import Route

from server import admin_commands, commands, office_settings
from server.admin_commands import notice_settings
from server.bootstrap import System
from server.domain.errors import NotFound
from server.office_file import document_toml
from server.permissions import Action
from server.store import admin_audit
from server.store import office_settings as settings_rows
from server.store.unit_of_work import StoreUnavailable

from .auth import require
from .errors import ApiError
from .responses import JSONResponse
from .schemas import (
    AckBody,
    CallToCounterBody,
    NoticeBody,
    ServiceSettingsBody,
    SettingsBody,
    parse,
)
from .state import office_system, ticket_system, tokens_of

MAX_AUDIT_ROWS = 1000


async def audit_log(request: Request) -> Response:
    """The newest changes first: `?limit=` (1–1000, 200 by default)."""
    system = office_system(request)
    staff = require(request, tokens_of(request), Action.VIEW_AUDIT)
    raw = request.query_params.get("limit", "200")
    if not raw.isdigit() or not 1 <= int(raw) <= MAX_AUDIT_ROWS:
        raise ApiError(
            422, "invalid_request", f"limit は 1〜{MAX_AUDIT_ROWS} の整数です。", field="limit"
        )

    def read() -> list[dict[str, object]]:
        with system.engines.reader.connect() as db:
            # The accounts' rows (office NULL) for staff of every office only.
            return admin_audit.read(db, system.office.id, int(raw), staff.of_every_office)

    return JSONResponse({"office": system.office.id, "audit": await asyncio.to_thread(read)})


async def _change(
    system: System, command: admin_commands.ChangeSettings, actor: str
) -> admin_commands.SettingsChange:
    """Run a settings change; if its transaction fails, the database's settings stay in
    force in this process too (the command put its own in force before the COMMIT)."""
    try:
        return (await system.run(command.__call__, actor=actor)).result
    except StoreUnavailable:
        await asyncio.to_thread(office_settings.restore, system.engines, system.ctx)
        raise


def _if_match(request: Request) -> int | None:
    """The revision a change was made on (If-Match: "12"), or None (no precondition)."""
    value = request.headers.get("if-match")
    if value is None or value.strip() == "*":
        return None
    digits = value.strip().removeprefix("W/").strip('"')
    if not digits.isdigit():
        raise ApiError(
            422, "invalid_request", 'If-Match は "版番号" です（例: "12"）。', field="If-Match"
        )
    return int(digits)


def _tagged(body: dict[str, Any], revision: int, status: int = 200) -> Response:
    return JSONResponse(body, status_code=status, headers={"ETag": f'"{revision}"'})


async def get_notice(request: Request) -> Response:
    system = office_system(request)
    require(request, tokens_of(request), Action.VIEW_FLOOR)
    office = system.office
    return _tagged({**notice_settings(office), "revision": office.revision}, office.revision)


async def put_notice(request: Request) -> Response:
    """The notice on every screen: `{"text": {"ja": …, "en": …}, "until": ISO | null}`;
    `{"text": {}}` clears it."""
    system = office_system(request)
    staff = require(request, tokens_of(request), Action.SET_NOTICE)
    body = await parse(request, NoticeBody)
    text = {lang: t for lang, t in body.text.items() if t.strip()}
    if text and "ja" not in text:
        raise ApiError(
            422, "invalid_request", "日本語（ja）のお知らせが必要です。", field="text.ja"
        )
    if body.until is not None and body.until <= system.clock():
        raise ApiError(422, "invalid_request", "終了時刻が過去です。", field="until")
    command = admin_commands.set_notice(text, body.until if text else None, _if_match(request))
    change = await _change(system, command, staff.username)
    return _tagged({**change["after"], "revision": change["revision"]}, change["revision"])


async def patch_service(request: Request) -> Response:
    """Stop or resume a service's issuing, set its daily cap or cut-off: any of
    `{"issuing": "stopped" | "open", "daily_cap": N | null, "cutoff": "HH:MM"}`."""
    system = office_system(request)
    staff = require(request, tokens_of(request), Action.SET_SERVICE_ISSUING)
    service = request.path_params["service"]
    if service not in system.office.services:
        raise NotFound(f"業務 {service!r} はありません。", kind="service", id=service)
    body = await parse(request, ServiceSettingsBody)
    given = body.model_fields_set
    if not given:
        raise ApiError(
            422,
            "invalid_request",
            "issuing、daily_cap、cutoff のどれかを指定してください。",
            field="body",
        )
    changes: dict[str, Any] = {}
    if "issuing" in given:
        if body.issuing is None:
            raise ApiError(
                422, "invalid_request", 'issuing は "open" か "stopped" です。', field="issuing"
            )
        changes["issuing"] = body.issuing
    if "daily_cap" in given:
        changes["daily_cap"] = body.daily_cap
    if "cutoff" in given:
        if body.cutoff is None:
            raise ApiError(422, "invalid_request", "cutoff は HH:MM です。", field="cutoff")
        hours, minutes = (int(x) for x in body.cutoff.split(":"))
        changes["cutoff"] = time(hours, minutes)
    command = admin_commands.set_service(service, changes, _if_match(request))
    change = await _change(system, command, staff.username)
    answer = {"service": service, **change["after"], "revision": change["revision"]}
    return _tagged(answer, change["revision"])


async def get_settings(request: Request) -> Response:
    """The settings in force: `{"revision", "document"}` (the office file as JSON), and
    the last revisions (when, by whom)."""
    system = office_system(request)
    require(request, tokens_of(request), Action.EDIT_SETTINGS)
    office = system.office

    def read() -> tuple[dict[str, Any] | None, list[dict[str, Any]]]:
        with system.engines.reader.connect() as db:
            return (
                settings_rows.document(db, office.id, office.revision),
                settings_rows.history(db, office.id),
            )

    document, history = await asyncio.to_thread(read)
    if document is None:
        raise NotFound("この庁舎の設定はデータベースにありません。", kind="settings")
    body = {"revision": office.revision, "document": document, "revisions": history}
    return _tagged(body, office.revision)


async def put_settings(request: Request) -> Response:
    """Replace the settings: `{"document": {…}}`, the office file's content as JSON. 422
    names the key that is wrong (services[2].prefix), and nothing changes."""
    system = office_system(request)
    staff = require(request, tokens_of(request), Action.EDIT_SETTINGS)
    body = await parse(request, SettingsBody)
    command = admin_commands.replace_settings(body.document, _if_match(request))
    change = await _change(system, command, staff.username)
    return _tagged({"revision": change["revision"]}, change["revision"])


async def export_settings(request: Request) -> Response:
    """The settings in force as an office file (TOML), as `madoguchi office export`."""
    system = office_system(request)
    require(request, tokens_of(request), Action.EDIT_SETTINGS)
    office = system.office

    def read() -> dict[str, Any] | None:
        with system.engines.reader.connect() as db:
            return settings_rows.document(db, office.id, office.revision)

    document = await asyncio.to_thread(read)
    if document is None:
        raise NotFound("この庁舎の設定はデータベースにありません。", kind="settings")
    return PlainTextResponse(
        document_toml(document),
        media_type="application/toml",
        headers={
            "ETag": f'"{office.revision}"',
            "Content-Disposition": f'attachment; filename="{office.id}.toml"',
        },
    )


async def call_to_counter(request: Request) -> Response:
    """A supervisor calls a given waiting ticket to a given counter: `{"counter": "4"}`."""
    system = await ticket_system(request, request.path_params["id"], by_token=False)
    staff = require(request, tokens_of(request), Action.CALL_TO_COUNTER, system.office.id)
    body = await parse(request, CallToCounterBody)
    command = admin_commands.CallToCounter(request.path_params["id"], body.counter)
    info = (await system.run(command.__call__, actor=staff.username)).result
    return JSONResponse(commands.ticket_json(info, system.office, info.stored_print))


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
        Route(f"{office}/notice", get_notice, methods=["GET"]),
        Route(f"{office}/notice", put_notice, methods=["PUT"]),
        Route(f"{office}/services/{{service}}", patch_service, methods=["PATCH"]),
        Route(f"{office}/settings", get_settings, methods=["GET"]),
        Route(f"{office}/settings", put_settings, methods=["PUT"]),
        Route(f"{office}/settings.toml", export_settings, methods=["GET"]),
    ]


# Before the generic /tickets/{id}/{action} route (server/api/routes.py puts it there).
CALL_TO_COUNTER = Route("/api/v1/tickets/{id}/call", call_to_counter, methods=["POST"])
