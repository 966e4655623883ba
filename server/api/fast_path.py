"""The kiosks' hot path, `POST /api/v1/offices/{office}/tickets`, answered by the first
middleware, before the rest of Starlette's layers.

The same handler (routes.issue_ticket) and the same error answers (errors.HANDLERS); what
it skips is what a request otherwise walks before and after it: the other middleware,
the router's matching, the endpoint wrapper.
"""

from __future__ import annotations

import logging
import re

from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response
from starlette.types import ASGIApp, Receive, Scope, Send

from .errors import HANDLERS
from .routes import issue_ticket

log = logging.getLogger(__name__)

_ISSUING = re.compile(r"/api/v1/offices/([^/]+)/tickets")


class IssuingFastPath:
    """Pure ASGI middleware; the first of the app's (app.py)."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        match = (
            _ISSUING.fullmatch(scope["path"])
            if scope["type"] == "http" and scope["method"] == "POST"
            else None
        )
        if match is None:
            await self.app(scope, receive, send)
            return
        scope["path_params"] = {"office": match[1]}
        request = Request(scope, receive)
        try:
            response = await issue_ticket(request)
        except Exception as exc:
            response = await _error(request, exc)
        await response(scope, receive, send)


async def _error(request: Request, exc: Exception) -> Response:
    for kind in type(exc).__mro__:
        handler = HANDLERS.get(kind)
        if handler is not None:
            return await handler(request, exc)
    log.exception("issuing failed", exc_info=exc)
    return PlainTextResponse("Internal Server Error", status_code=500)
