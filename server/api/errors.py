"""Every exception the API can meet, mapped to HTTP in one place: {code, message}."""

from __future__ import annotations

import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import Request

from server.domain import errors as de
from server.store.engine import UNAVAILABLE_ERRORS
from server.store.unit_of_work import StoreUnavailable

from .responses import JSONResponse

log = logging.getLogger(__name__)

_STATUS: dict[type[de.DomainError], int] = {
    de.NotFound: 404,
    de.InvalidTransition: 409,
    de.IssuingClosed: 409,
    de.DailyCapReached: 409,
    de.RateLimited: 429,
    de.SlotFull: 409,
    de.CounterNotOpen: 409,
    de.CounterBusy: 409,
    de.NotYours: 403,
    de.HoldsAnotherCounter: 409,
    de.InvalidRequest: 422,
    de.NameTaken: 409,
    de.LastAdmin: 409,
    de.EditConflict: 409,
}


class ApiError(Exception):
    """An error raised by the API layer itself (auth, validation)."""

    def __init__(self, status: int, code: str, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status, self.code, self.message, self.details = status, code, message, details


def error_response(
    http_status: int, code: str, message: str, details: dict[str, Any] | None = None
) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if http_status == 401 else {}
    if details and "retry_after" in details:
        headers["Retry-After"] = str(details["retry_after"])
    body = {**(details or {}), "code": code, "message": message}
    return JSONResponse(body, status_code=http_status, headers=headers)


async def on_domain_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, de.DomainError)
    return error_response(_STATUS.get(type(exc), 409), exc.code, exc.message, exc.details)


async def on_api_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status, exc.code, exc.message, exc.details)


async def on_unavailable(_: Request, exc: Exception) -> JSONResponse:
    message = str(exc) if isinstance(exc, StoreUnavailable) else "データベースに接続できません。"
    if not isinstance(exc, StoreUnavailable):
        log.warning("database unavailable on read: %s", exc)
    return JSONResponse(
        {"code": "database_unavailable", "message": message},
        status_code=503,
        headers={"Retry-After": "2"},
    )


async def on_http_error(_: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, HTTPException)
    code = {404: "not_found", 405: "method_not_allowed"}.get(exc.status_code, "http_error")
    message = {
        404: "そのアドレスはありません。",
        405: "その操作はこのアドレスでは使えません。",
    }.get(exc.status_code, str(exc.detail))
    return error_response(exc.status_code, code, message)


HANDLERS = {
    de.DomainError: on_domain_error,
    ApiError: on_api_error,
    StoreUnavailable: on_unavailable,
    **dict.fromkeys(UNAVAILABLE_ERRORS, on_unavailable),
    HTTPException: on_http_error,
}
