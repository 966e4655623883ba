"""The phones' websockets take the live fast path (endpoints.LiveFastPath) and behave as
through the router: the first view, delta frames on request, unknown tickets refused with
4404; a store that fails while subscribing closes the connection with 1013 (reconnect)."""

from __future__ import annotations

from typing import Any

import pytest
from sqlalchemy.exc import OperationalError
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.live import endpoints
from server.live.protocol import Close
from tests.conftest import receive_json


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The channels `live` was called for by the fast path."""
    seen: list[str] = []
    original = endpoints.live

    async def spy(websocket: Any) -> None:
        seen.append(websocket.path_params["channel"])
        await original(websocket)

    monkeypatch.setattr(endpoints, "live", spy)
    return seen


def test_the_public_channel_takes_the_fast_path(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _counting(monkeypatch)
    with client.websocket_connect("/ws/v1/public:nakano?delta=1") as ws:
        first = receive_json(ws)
        assert first["type"] == "view" and first["channel"] == "public:nakano"
        client.post("/api/v1/offices/nakano/tickets", json={"service": "moving", "lang": "ja"})
        second = receive_json(ws)
        assert second["type"] == "delta" and second["base"] == first["version"]
    assert seen == ["public:nakano"]


def test_an_unknown_ticket_is_refused_on_the_fast_path(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _counting(monkeypatch)
    with (
        client.websocket_connect("/ws/v1/ticket:no-such-token") as ws,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        receive_json(ws)
    assert closed.value.code == Close.NOT_FOUND
    assert seen == ["ticket:no-such-token"]


def test_other_channels_take_the_router(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    seen = _counting(monkeypatch)
    with (
        client.websocket_connect("/ws/v1/counter:4") as ws,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        receive_json(ws)
    assert closed.value.code == Close.UNAUTHORIZED
    assert seen == []  # the route holds the original `live`, not the spy


def test_a_store_failing_while_subscribing_closes_with_try_again(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    hub = client.app.state.system.hub  # type: ignore[attr-defined]

    async def failing(*args: Any, **kwargs: Any) -> None:
        raise OperationalError("SELECT", {}, Exception("database is locked"))

    monkeypatch.setattr(hub, "subscribe", failing)
    with (
        client.websocket_connect("/ws/v1/public:nakano") as ws,
        pytest.raises(WebSocketDisconnect) as closed,
    ):
        receive_json(ws)
    assert closed.value.code == Close.TRY_AGAIN
