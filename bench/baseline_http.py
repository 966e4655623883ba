"""The floor under the issuing benchmark: the same HTTP stack as our server (uvicorn with
httptools and uvloop, Starlette) answering `POST /api/v1/offices/nakano/tickets` with a
ticket-shaped `201`, but with nothing behind it: no database, no writer, no views.

    python -m bench.baseline_http --port P

What it reaches under the same 16 kiosks on the same core is what the stack itself
allows on this machine; the distance to our figures is what issuing a real ticket costs.
`GET /healthz` answers `{"version": N}` with N the tickets answered, as ours does.
"""

from __future__ import annotations

import argparse
import itertools
import json

import uvicorn
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route


def make_app() -> Starlette:
    numbers = itertools.count(1)
    answered = [0]

    async def issue(request: Request) -> Response:
        body = json.loads(await request.body())
        n = answered[0] = next(numbers)
        ticket = {
            "id": f"{n:016x}",
            "number": f"A-{n:03d}",
            "service": body["service"],
            "service_names": {"ja": "住民異動", "en": "Moving in or out"},
            "status": "waiting",
            "position": n % 40,
            "estimate": {"low_min": 5, "high_min": 15},
            "lang": body.get("lang", "ja"),
            "priority": False,
            "print": {"status": "none", "error": None},
            "token": "x" * 24,
            "url": "/t/" + "x" * 24,
        }
        return JSONResponse(ticket, status_code=201)

    async def healthz(request: Request) -> Response:
        return JSONResponse({"status": "ok", "version": answered[0]})

    return Starlette(
        routes=[
            Route("/api/v1/offices/nakano/tickets", issue, methods=["POST"]),
            Route("/healthz", healthz),
        ]
    )


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    args = p.parse_args()
    uvicorn.run(make_app(), host="127.0.0.1", port=args.port, log_level="warning")
