"""Issuing at the reception desk (受付・案内): a clerk issues a ticket for a visitor who cannot
use the kiosk, with the service, priority and language the clerk chose, printed at a chosen
kiosk's printer or handed over as the QR code of the visitor's page. The ticket says
``"channel": "reception"``; its ``ticket.issued`` event names the clerk as its actor.

Only signed-in staff may claim the reception channel (permissions.Action.ISSUE_AT_RECEPTION):
a kiosk's or display's device token is refused (403), anyone else must sign in (401). Staff
are not counted by the per-address limits of open issuing: one desk issues all day."""

from __future__ import annotations

import asyncio

from starlette.requests import Request

from server import accounts
from server.bootstrap import System
from server.domain.errors import NotFound
from server.permissions import Action

from .auth import Staff, bearer, require
from .errors import ApiError
from .schemas import IssueTicketBody
from .state import tokens_of


async def check_reception(request: Request, system: System, body: IssueTicketBody) -> Staff:
    """The staff member issuing at reception, once allowed; `kiosk`, when given, must be
    one of the office's kiosks (its printer prints the ticket)."""
    token = bearer(request)
    device = (
        await asyncio.to_thread(accounts.device_of_token, system.engines, token)
        if token is not None
        else None
    )
    if device is not None:
        raise ApiError(
            403,
            "forbidden",
            "受付・案内での発券（channel: reception）は職員だけができます。"
            "発券機・表示盤のトークンではできません。",
            field="channel",
        )
    staff = require(request, tokens_of(request), Action.ISSUE_AT_RECEPTION)
    if body.kiosk is not None and body.kiosk not in system.office.kiosks:
        raise NotFound(f"発券機 {body.kiosk!r} はありません。", kind="kiosk", id=body.kiosk)
    return staff
