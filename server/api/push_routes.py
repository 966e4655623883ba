"""Web Push for the visitor (server/push/): the server's VAPID key, and a ticket's
subscription, made and ended by whoever holds the ticket's token."""

from __future__ import annotations

import asyncio
import base64
import binascii
from typing import TYPE_CHECKING

from cryptography.hazmat.primitives.asymmetric import ec
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from server.api.state import read_ticket, system_of, ticket_system
from server.push.hosts import endpoint_problem
from server.store import push as rows
from server.store.unit_of_work import Tx

from .errors import ApiError
from .schemas import PushBody, parse

if TYPE_CHECKING:
    from server.bootstrap import System

SUBSCRIPTIONS_PER_TICKET = 3  # the newest kept: a visitor's phone, tablet, a new browser


async def push_key(request: Request) -> Response:
    key = system_of(request).vapid.public
    return JSONResponse({"key": key}, headers={"Cache-Control": "public, max-age=3600"})


def _decoded(text: str) -> bytes:
    try:
        return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
    except (binascii.Error, ValueError):
        return b""


def _is_p256_point(raw: bytes) -> bool:
    try:
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), raw)
    except ValueError:
        return False
    return True


async def _subscription(request: Request, system: System) -> rows.Subscription:
    """The subscription in the body, for the ticket of the path's token (of `system`'s
    office)."""
    body = (await parse(request, PushBody)).subscription
    problem = endpoint_problem(body.endpoint, system.settings.push_hosts)
    if problem is not None:
        field = "subscription.endpoint"
        raise ApiError(422, "invalid_request", f"{field}: {problem}", field=field)
    # Checked here, not when the first notice fails: a key that cannot encrypt is refused.
    p256dh, auth = _decoded(body.keys.p256dh), _decoded(body.keys.auth)
    problem = None
    if len(p256dh) != 65 or not _is_p256_point(p256dh):
        field, problem = "p256dh", "P-256 の公開鍵（65 バイトの base64url）ではありません。"
    elif len(auth) != 16:
        field, problem = "auth", "16 バイトの base64url ではありません。"
    if problem is not None:
        field = f"subscription.keys.{field}"
        raise ApiError(422, "invalid_request", f"{field}: {problem}", field=field)
    ticket = await asyncio.to_thread(
        read_ticket, system, request.path_params["token"], by_token=True
    )
    return rows.Subscription(ticket.id, body.endpoint, body.keys.p256dh, body.keys.auth)


async def subscribe(request: Request) -> Response:
    system = await ticket_system(request, request.path_params["token"], by_token=True)
    sub = await _subscription(request, system)
    office = system.office.id

    def store(tx: Tx) -> None:
        rows.subscribe(tx.conn, office, sub, tx.now, keep=SUBSCRIPTIONS_PER_TICKET)

    await system.writer.run(None, store, system.clock())
    return Response(status_code=201)


async def unsubscribe(request: Request) -> Response:
    system = await ticket_system(request, request.path_params["token"], by_token=True)
    sub = await _subscription(request, system)

    def forget(tx: Tx) -> bool:
        return rows.unsubscribe(tx.conn, sub.ticket, sub.endpoint)

    await system.writer.run(None, forget, system.clock())
    return Response(status_code=204)


def routes() -> list[Route]:
    return [
        Route("/api/v1/push/key", push_key),
        Route("/api/v1/visitor/{token}/push", subscribe, methods=["POST"]),
        Route("/api/v1/visitor/{token}/push", unsubscribe, methods=["DELETE"]),
    ]
