"""The public answers a surge of visitors asks for, `GET /`, `…/offices/{office}/status` and
`…/views/public:{office}`, answered by a middleware after the issuing one, before the rest of
Starlette's layers (as fast_path.py answers the kiosks' issuing).

The same handlers as the routes (so the same bytes and the same errors); what they skip is
the session refresh, the router's matching through some hundred routes (`/` is matched
last but a few) and the endpoint wrapper. On its own the handler answers from memory
(live/public.py): together, what a request costs is mostly the bare uvicorn stack's.
"""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Receive, Scope, Send

from server.web.visitor_pages import public_page

from .fast_path import answer_error
from .routes import public_response


class PublicFastPath:
    """Pure ASGI middleware, after IssuingFastPath (app.py)."""

    def __init__(self, app: ASGIApp, offices: list[str]) -> None:
        self.app = app
        api = "/api/v1"
        # Each answer's path, with the path parameters the routes would have given it.
        self.json: dict[str, dict[str, str]] = {}
        for office in offices:
            self.json[f"{api}/offices/{office}/status"] = {"office": office}
            self.json[f"{api}/views/public:{office}"] = {"channel": f"public:{office}"}

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] != "GET":
            await self.app(scope, receive, send)
            return
        path = scope["path"]
        if path == "/":
            handler = public_page
        elif path in self.json:
            handler = public_response
            scope["path_params"] = self.json[path]
        else:
            await self.app(scope, receive, send)
            return
        request = Request(scope, receive)
        try:
            response: Response = await handler(request)
        except Exception as exc:
            response = await answer_error(request, exc)
        await response(scope, receive, send)
