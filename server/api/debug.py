"""GET /debug/queries: how often the database was touched since start (store/query_count.py),
and how many public views were read rather than kept (live/public.py). Mounted only with
MADOGUCHI_COUNT_QUERIES outside production, for bench/public_surge.py."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from server.store.query_count import QueryCount

from .responses import JSONResponse


def routes(count: QueryCount) -> list[Route]:
    async def queries(request: Request) -> Response:
        return JSONResponse(
            {
                **count.total(),
                "public_reads": sum(p.reads for p in request.app.state.public.values()),
            }
        )

    return [Route("/debug/queries", queries)]
