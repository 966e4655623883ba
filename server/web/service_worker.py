"""The visitor's service worker (static/sw.js), served from the site's root so that its
scope covers the ticket pages (/t/…): it shows a Web Push notice with the page closed."""

from __future__ import annotations

from functools import cache

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from . import STATIC_DIR


@cache
def _script() -> bytes:
    return (STATIC_DIR / "sw.js").read_bytes()


async def service_worker(request: Request) -> Response:
    return Response(
        _script(),
        media_type="text/javascript",
        # A browser checks a worker for updates at most daily anyway; no-cache makes it look.
        headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
    )


def routes() -> list[Route]:
    return [Route("/sw.js", service_worker)]
