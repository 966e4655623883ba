"""The OpenAPI document of /api/v1, built from the request models and a table of paths."""

from __future__ import annotations

import re
from typing import Any

from starlette.requests import Request
from starlette.routing import Route

from .responses import JSONResponse
from .schemas import IssueTicketBody, ReadyBody, TokenBody, TransferBody

_ERROR = {"$ref": "#/components/schemas/Error"}
_TICKET = {"$ref": "#/components/schemas/Ticket"}


def _op(
    summary: str, ok: int = 200, body: str | None = None, staff: bool = False, **codes: str
) -> dict[str, Any]:
    op: dict[str, Any] = {"summary": summary, "responses": {str(ok): {"description": "OK"}}}
    if ok in (200, 201):
        op["responses"][str(ok)]["content"] = {"application/json": {"schema": {"type": "object"}}}
    if body:
        op["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{body}"}}},
        }
    for code, text in {
        "404": "not_found",
        "422": "invalid_request",
        "503": "database_unavailable",
        **codes,
    }.items():
        op["responses"][code.lstrip("_")] = {
            "description": text,
            "content": {"application/json": {"schema": _ERROR}},
        }
    if staff:
        op["security"] = [{"bearer": []}]
        op["responses"]["401"] = {
            "description": "unauthorized",
            "content": {"application/json": {"schema": _ERROR}},
        }
    return op


def _ticket_op(summary: str, body: str | None = None) -> dict[str, Any]:
    op = _op(summary, body=body, staff=True, _409="invalid_transition")
    op["responses"]["200"]["content"]["application/json"]["schema"] = _TICKET
    op["parameters"] = [
        {"name": "id", "in": "path", "required": True, "schema": {"type": "string"}}
    ]
    return op


def document() -> dict[str, Any]:
    office = [{"name": "office", "in": "path", "required": True, "schema": {"type": "string"}}]
    counter = [
        *office,
        {"name": "counter", "in": "path", "required": True, "schema": {"type": "string"}},
    ]
    paths: dict[str, Any] = {
        "/healthz": {"get": _op("Liveness and database check")},
        "/api/v1/auth/token": {
            "post": _op("Sign in a clerk; answers {token}", body="TokenBody"),
            "delete": _op("Sign this Bearer token out (it ends at once)", ok=204, staff=True),
        },
        "/api/v1/offices/{office}/status": {
            "get": {**_op("The public view of an office"), "parameters": office}
        },
        "/api/v1/offices/{office}/tickets": {
            "post": {
                **_op(
                    "Issue a ticket (needs a kiosk device token unless the office allows open issuing)",
                    ok=201,
                    body="IssueTicketBody",
                    _409="issuing_closed / daily_cap_reached",
                ),
                "parameters": office,
            }
        },
        "/api/v1/visitor/{token}": {
            "get": {
                **_op("What the visitor's ticket page shows"),
                "parameters": [
                    {"name": "token", "in": "path", "required": True, "schema": {"type": "string"}}
                ],
            }
        },
        "/api/v1/views/{channel}": {
            "get": {
                **_op("A live view over HTTP, with ETag", _304="not modified"),
                "parameters": [
                    {
                        "name": "channel",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string"},
                    }
                ],
            }
        },
        "/api/v1/tickets/{id}": {"get": _ticket_op("A ticket (staff)")},
    }
    for action in ("open", "pause", "close"):
        paths[f"/api/v1/offices/{{office}}/counters/{{counter}}/{action}"] = {
            "post": {
                **_op(f"{action.capitalize()} a counter", staff=True, _409="invalid_transition"),
                "parameters": counter,
            }
        }
    paths["/api/v1/offices/{office}/counters/{counter}/call-next"] = {
        "post": {
            **_op(
                "Call the next ticket (204 when nothing waits)",
                staff=True,
                _409="counter_not_open / counter_busy",
            ),
            "parameters": counter,
        }
    }
    for action in ("recall", "start", "finish", "no-show", "return", "cancel", "hand-over"):
        paths[f"/api/v1/tickets/{{id}}/{action}"] = {"post": _ticket_op(f"{action} a ticket")}
    paths["/api/v1/tickets/{id}/transfer"] = {
        "post": _ticket_op("Transfer to another service", "TransferBody")
    }
    paths["/api/v1/tickets/{id}/ready"] = {
        "post": _ticket_op("Call a prepared ticket to pickup", "ReadyBody")
    }
    schemas = {
        m.__name__: m.model_json_schema()
        for m in (IssueTicketBody, TransferBody, ReadyBody, TokenBody)
    }
    schemas["Error"] = {
        "type": "object",
        "required": ["code", "message"],
        "properties": {"code": {"type": "string"}, "message": {"type": "string"}},
    }
    schemas["Ticket"] = {
        "type": "object",
        "required": ["id", "number", "service", "status", "position", "estimate"],
        "properties": {
            "id": {"type": "string"},
            "number": {"type": "string", "example": "B-001"},
            "service": {"type": "string"},
            "status": {"type": "string"},
            "position": {"type": ["integer", "null"]},
            "estimate": {"type": ["object", "null"]},
            "token": {"type": "string", "description": "only in the issuing answer"},
        },
    }
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "madoguchi",
            "version": "1",
            "description": "Counter and queue management (窓口)",
        },
        "paths": paths,
        "components": {
            "schemas": schemas,
            "securitySchemes": {"bearer": {"type": "http", "scheme": "bearer"}},
        },
    }


def with_routes(doc: dict[str, Any], app_routes: list[Any]) -> dict[str, Any]:
    """Add every /api/v1 route of the app that the table above does not describe, with its
    handler's first docstring line as summary, so the document never misses a route."""
    for route in app_routes:
        path = getattr(route, "path", "")
        if not path.startswith("/api/v1/") or path == "/api/v1/openapi.json":
            continue
        if "{action" in path:  # the dispatchers of the actions listed one by one above
            continue
        # Starlette's {name:type} converters are plain {name} parameters in OpenAPI.
        path = re.sub(r"\{(\w+):\w+\}", r"{\1}", path)
        for method in sorted(getattr(route, "methods", None) or {"GET"}):
            method = method.lower()
            if method == "head" or method in doc["paths"].get(path, {}):
                continue
            handler = getattr(route, "endpoint", None)
            summary = (
                ((handler.__doc__ or "").strip().splitlines() or [path])[0] if handler else path
            )
            params = [
                {"name": name, "in": "path", "required": True, "schema": {"type": "string"}}
                for name in re.findall(r"\{(\w+)\}", path)
            ]
            doc["paths"].setdefault(path, {})[method] = {
                **_op(summary or path),
                **({"parameters": params} if params else {}),
            }
    return doc


async def openapi_json(request: Request) -> JSONResponse:
    return JSONResponse(with_routes(document(), request.app.routes))


def routes() -> list[Route]:
    return [Route("/api/v1/openapi.json", openapi_json)]
