"""The pre-entry form API (書かない窓口). The visitor's form page, /t/{token}/form, that
uses it is in ``server.web.form_pages``.

Who sees what: a form's definition and the postal lookup are public; a visitor's entries
only with the ticket's token (the visitor) or as the clerk at the counter that is serving the
ticket (each such view audited). Answers and errors never carry the entries anywhere else.
"""

from __future__ import annotations

import asyncio
from typing import Any

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import BaseRoute, Route

from server.accounts import Role
from server.bootstrap import System
from server.commands import may_work
from server.domain import calendar
from server.domain.errors import NotFound
from server.domain.ticket import ACTIVE, AT_COUNTER, Ticket
from server.forms.definitions import Form
from server.forms.desk import FormDesk
from server.forms.entries import Entry, Transfer, end_of_day
from server.forms.japanese import Problem
from server.forms.pdf import render_pdf
from server.forms.postal import lookup
from server.forms.validation import Outcome, validate, word

from . import json_body
from .auth import Staff, require_staff
from .errors import ApiError
from .responses import JSONResponse
from .state import office_system, read_ticket, ticket_system, tokens_of

MAX_BODY_BYTES = 64 * 1024


def _form_of(desk: FormDesk, ticket: Ticket, entry: Entry | None) -> Form | None:
    if entry is not None:
        return desk.by_id(entry.form)
    return desk.forms.get(ticket.service)


async def _body(request: Request) -> dict[str, Any]:
    raw = await request.body()
    if len(raw) > MAX_BODY_BYTES:
        raise ApiError(413, "payload_too_large", "入力が大きすぎます。", limit=MAX_BODY_BYTES)
    if not raw.strip():
        return {}
    data = json_body.loads(raw)
    if not isinstance(data, dict):
        raise ApiError(422, "invalid_request", "本文は JSON のオブジェクトです。", field="body")
    return data


def _values(body: dict[str, Any]) -> dict[str, Any] | None:
    values = body.get("values")
    if values is None:
        return None
    if not isinstance(values, dict):
        raise ApiError(422, "invalid_request", "values はオブジェクトです。", field="values")
    return values


def _invalid(outcome: Outcome, lang: str) -> JSONResponse:
    return JSONResponse(
        {
            "code": "invalid_form",
            "message": word(lang, "invalid_form", n=len(outcome.errors)),
            "errors": outcome.errors,
            "values": outcome.values,
            "missing": outcome.missing,
        },
        status_code=422,
    )


# -- public -----------------------------------------------------------------------------------


async def service_form(request: Request) -> Response:
    system = office_system(request)
    service = request.path_params["service"]
    if service not in system.office.services:
        raise NotFound(f"手続き {service!r} はありません。", kind="service", id=service)
    form = system.forms.forms.get(service)
    if form is None:
        raise NotFound("この手続きには事前入力の用紙がありません。", kind="form")
    return JSONResponse(form.as_json())


async def postal(request: Request) -> Response:
    lang = request.query_params.get("lang", "ja")
    label = word(lang, "postal_code")
    try:
        found = await asyncio.to_thread(lookup, request.path_params["code"])
    except Problem as problem:
        raise ApiError(422, "invalid_request", word(lang, problem.key, label=label)) from None
    if found is None:
        raise NotFound(word(lang, "postal_unknown", label=label), kind="postal_code")
    return JSONResponse(found, headers={"Cache-Control": "public, max-age=86400"})


# -- the visitor ------------------------------------------------------------------------------


def _visitor_answer(ticket: Ticket, form: Form, entry: Entry | None) -> dict[str, Any]:
    return {
        "ticket": {
            "number": ticket.number,
            "service": ticket.service,
            "status": str(ticket.status),
            "lang": ticket.lang,
        },
        "form": form.as_json(),
        "values": entry.values if entry else {},
        "saved_at": entry.updated_at.isoformat() if entry else None,
        "confirmed": bool(entry and entry.confirmed_at),
    }


async def visitor_form(request: Request) -> Response:
    token = request.path_params["token"]
    system = await ticket_system(request, token, by_token=True)
    desk = system.forms
    ticket = await asyncio.to_thread(read_ticket, system, token, by_token=True)
    if ticket.status not in ACTIVE:
        # The visit is over (done, cancelled, no-show): the entries stay for the clerks
        # until the night's purge, but the ticket's token no longer opens them.
        raise ApiError(
            409,
            "form_closed",
            "この受付票は終了しています。事前入力は閉じられました。",
            ticket_status=str(ticket.status),
        )
    entry = await asyncio.to_thread(desk.entries.load, ticket.id)
    form = _form_of(desk, ticket, entry)
    if form is None:
        raise NotFound("この手続きには事前入力の用紙がありません。", kind="form")
    if request.method == "GET":
        return JSONResponse(
            _visitor_answer(ticket, form, entry), headers={"Cache-Control": "no-store"}
        )
    if entry is not None and entry.confirmed_at is not None:
        raise ApiError(409, "form_confirmed", word(ticket.lang, "form_confirmed"))
    body = await _body(request)
    values = _values(body) or {}
    now = system.clock()
    today = calendar.business_day(system.office, now)
    complete = body.get("complete", False)
    if not isinstance(complete, bool):
        raise ApiError(422, "invalid_request", "complete は true か false です。", field="complete")
    outcome = validate(form, values, ticket.lang, today, complete=complete)
    saved = await asyncio.to_thread(
        desk.entries.save,
        ticket.id,
        form.id,
        outcome.values,
        now,
        end_of_day(system.office, ticket.day, now),
    )
    if not outcome.ok:
        return _invalid(outcome, ticket.lang)
    return JSONResponse(
        {"values": saved.values, "missing": outcome.missing, "saved_at": now.isoformat()},
        headers={"Cache-Control": "no-store"},
    )


# -- staff at the serving counter ---------------------------------------------------------------


async def _serving(request: Request) -> tuple[System, FormDesk, Staff, Ticket]:
    """The ticket, when it is called or being served and the signed-in staff member may
    work its counter (commands.may_work: its clerk, or a supervisor); 401 without sign-in,
    403 otherwise."""
    system = await ticket_system(request, request.path_params["id"], by_token=False)
    desk = system.forms
    staff = require_staff(request, tokens_of(request), office=system.office.id)
    ticket = await asyncio.to_thread(read_ticket, system, request.path_params["id"], by_token=False)
    at_counter = ticket.counter is not None and ticket.status in AT_COUNTER
    clerk = (
        await asyncio.to_thread(desk.entries.counter_clerk, ticket.counter)
        if ticket.counter is not None and at_counter
        else None
    )
    if not at_counter or not may_work(clerk, staff.username, staff.supervises):
        raise ApiError(
            403,
            "forbidden",
            "事前入力は、この受付票を呼び出している窓口の職員か監督者（supervisor）だけが見られます。",
        )
    return system, desk, staff, ticket


def _staff_answer(
    system: System,
    ticket: Ticket,
    form: Form | None,
    entry: Entry | None,
    transfers: list[Transfer],
) -> dict[str, Any]:
    service = system.office.services.get(ticket.service)
    return {
        "ticket": {
            "id": ticket.id,
            "number": ticket.number,
            "service": ticket.service,
            "service_names": service.names if service else {},
            "status": str(ticket.status),
            "counter": ticket.counter,
            "lang": ticket.lang,
            "priority": ticket.priority,
            "transfers": ticket.transfers,
        },
        "transfers": transfers,
        "form": form.as_json() if form else None,
        "values": entry.values if entry else None,
        "saved_at": entry.updated_at.isoformat() if entry else None,
        "confirmed_at": entry.confirmed_at.isoformat() if entry and entry.confirmed_at else None,
        "confirmed_by": entry.confirmed_by if entry else None,
    }


async def _audit(desk: FormDesk, system: System, ticket: Ticket, staff: Staff, action: str) -> None:
    await asyncio.to_thread(
        desk.entries.audit, ticket.id, staff.username, action, ticket.counter, system.clock()
    )


async def _transfers(
    desk: FormDesk, system: System, ticket: Ticket, staff: Staff
) -> list[Transfer]:
    """The ticket's transfers, their notes opened for the counter that holds it when it
    serves the service a note was sent to (the receiving counter); each such read audited."""
    counter = system.office.counters.get(ticket.counter or "")
    receiving = counter.services if counter else ()
    transfers = await asyncio.to_thread(desk.entries.transfers, ticket.id, receiving)
    if any(t["note"] for t in transfers):
        await _audit(desk, system, ticket, staff, "note")
    return transfers


async def ticket_form(request: Request) -> Response:
    system, desk, staff, ticket = await _serving(request)
    entry = await asyncio.to_thread(desk.entries.load, ticket.id)
    if entry is not None:
        await _audit(desk, system, ticket, staff, "view")
    transfers = await _transfers(desk, system, ticket, staff)
    answer = _staff_answer(system, ticket, _form_of(desk, ticket, entry), entry, transfers)
    return JSONResponse(answer, headers={"Cache-Control": "no-store"})


async def confirm_form(request: Request) -> Response:
    system, desk, staff, ticket = await _serving(request)
    entry = await asyncio.to_thread(desk.entries.load, ticket.id)
    form = _form_of(desk, ticket, entry)
    if form is None:
        raise NotFound("この手続きには事前入力の用紙がありません。", kind="form")
    values = _values(await _body(request))
    if values is None:
        values = entry.values if entry else {}
    outcome = validate(
        form, values, "ja", calendar.business_day(system.office, system.clock()), complete=True
    )
    if not outcome.ok:
        return _invalid(outcome, "ja")  # the clerk's corrections: nothing is saved
    now = system.clock()
    saved = await asyncio.to_thread(
        desk.entries.save,
        ticket.id,
        form.id,
        outcome.values,
        now,
        end_of_day(system.office, ticket.day, now),
        staff.username,
    )
    await _audit(desk, system, ticket, staff, "confirm")
    transfers = await _transfers(desk, system, ticket, staff)
    return JSONResponse(_staff_answer(system, ticket, form, saved, transfers))


async def _entry_for_output(
    request: Request,
) -> tuple[System, Ticket, Form, Entry, Staff, FormDesk]:
    system, desk, staff, ticket = await _serving(request)
    entry = await asyncio.to_thread(desk.entries.load, ticket.id)
    form = _form_of(desk, ticket, entry)
    if entry is None or form is None:
        raise NotFound("この受付票には事前入力がありません。", kind="form")
    return system, ticket, form, entry, staff, desk


async def form_pdf(request: Request) -> Response:
    system, ticket, form, entry, staff, desk = await _entry_for_output(request)
    service = system.office.services[ticket.service]
    confirmed = (
        (entry.confirmed_by or "", entry.confirmed_at) if entry.confirmed_at is not None else None
    )
    pdf = await asyncio.to_thread(
        render_pdf,
        form,
        entry.values,
        {"number": ticket.number, "service": service.names["ja"]},
        system.office.names["ja"],
        confirmed,
        system.office.timezone,
    )
    await _audit(desk, system, ticket, staff, "pdf")
    return Response(
        pdf,
        media_type="application/pdf",
        headers={
            "Content-Disposition": f'inline; filename="{form.id}-{ticket.number}.pdf"',
            "Cache-Control": "no-store",
        },
    )


async def form_export(request: Request) -> Response:
    """The entries as JSON for the ward's core systems (住民記録システム)."""
    system, ticket, form, entry, staff, desk = await _entry_for_output(request)
    await _audit(desk, system, ticket, staff, "export")
    body = {
        "office": system.office.id,
        "form": form.id,
        "ticket": {"number": ticket.number, "service": ticket.service, "day": str(ticket.day)},
        "values": entry.values,
        "confirmed_at": entry.confirmed_at.isoformat() if entry.confirmed_at else None,
        "confirmed_by": entry.confirmed_by,
        "exported_at": system.clock().isoformat(),
        "exported_by": staff.username,
    }
    return JSONResponse(
        body,
        headers={
            "Content-Disposition": f'attachment; filename="{form.id}-{ticket.number}.json"',
            "Cache-Control": "no-store",
        },
    )


async def audit_log(request: Request) -> Response:
    """Who viewed which pre-entry when: for supervisors and admins."""
    system = office_system(request)
    desk = system.forms
    require_staff(request, tokens_of(request), Role.SUPERVISOR)
    rows = await asyncio.to_thread(
        desk.entries.audit_log, request.query_params.get("ticket") or None
    )
    return JSONResponse({"office": system.office.id, "audit": rows})


def routes() -> list[BaseRoute]:
    api = "/api/v1"
    return [
        Route(f"{api}/offices/{{office}}/services/{{service}}/form", service_form),
        Route(f"{api}/offices/{{office}}/form-audit", audit_log),
        Route(f"{api}/visitor/{{token}}/form", visitor_form, methods=["GET", "PUT"]),
        Route(f"{api}/tickets/{{id}}/form", ticket_form),
        Route(f"{api}/tickets/{{id}}/form/confirm", confirm_form, methods=["POST"]),
        Route(f"{api}/tickets/{{id}}/form.pdf", form_pdf),
        Route(f"{api}/tickets/{{id}}/form.json", form_export),
        Route(f"{api}/postal/{{code}}", postal),
    ]
