"""The admin console's channel, admin:{office}: for supervisors and admins only, pushed
after each command like every channel, and told at once when a device's screen comes or
goes (no office version for that)."""

from __future__ import annotations

from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server.live.protocol import Close
from tests.conftest import SUPERVISOR, receive_json

ADMIN = "admin:nakano"
OFFICE = "/api/v1/offices/nakano"


def token_of(headers: dict[str, str]) -> str:
    return headers["Authorization"].split()[1]


def counters(view: dict[str, Any]) -> dict[str, dict[str, Any]]:
    return {c["id"]: c for c in view["counters"]}


def test_a_clerk_may_not_watch_the_floor_neither_live_nor_over_http(
    client: TestClient, clerk: dict[str, str]
) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(f"/ws/v1/{ADMIN}?token={token_of(clerk)}") as ws,
    ):
        receive_json(ws)
    assert closed.value.code == Close.FORBIDDEN

    answer = client.get(f"/api/v1/views/{ADMIN}", headers=clerk)
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"


def test_nobody_signed_out_may_watch_the_floor(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(f"/ws/v1/{ADMIN}") as ws,
    ):
        receive_json(ws)
    assert closed.value.code == Close.UNAUTHORIZED


def test_the_floor_shows_a_counter_opened_by_its_clerk_with_the_clerks_name(
    client: TestClient, clerk: dict[str, str], supervisor: dict[str, str]
) -> None:
    fresh = client.get(f"/api/v1/views/{ADMIN}", headers=supervisor)
    assert fresh.status_code == 200
    with client.websocket_connect(f"/ws/v1/{ADMIN}?token={token_of(supervisor)}") as ws:
        first = receive_json(ws)
        assert first["view"] == fresh.json()
        assert counters(first["view"])["4"]["state"] == "closed"

        opened = client.post(f"{OFFICE}/counters/4/open", headers=clerk)
        assert opened.status_code == 200, opened.text
        pushed = receive_json(ws)

    assert pushed["version"] > first["version"]
    assert [e["type"] for e in pushed["events"]] == ["counter.opened"]
    four = counters(pushed["view"])["4"]
    assert (four["state"], four["clerk"], four["ticket"]) == ("open", "clerk1", None)
    again = client.get(f"/api/v1/views/{ADMIN}", headers=supervisor).json()
    assert pushed["view"] == again


def test_the_floor_hears_at_once_when_a_display_connects_and_leaves(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    with client.websocket_connect(f"/ws/v1/{ADMIN}?token={token_of(supervisor)}") as ws:
        first = receive_json(ws)
        displays = {d["id"]: d for d in first["view"]["devices"]["displays"]}
        assert displays["display-2f"]["screen"]["state"] == "never_seen"

        url = f"/ws/v1/display:display-2f?token={token_of(supervisor)}"
        with client.websocket_connect(url) as display:
            receive_json(display)
            came = receive_json(ws)
        left = receive_json(ws)

    for note in (came, left):
        assert note["type"] == "devices" and note["channel"] == ADMIN
        assert note["version"] == first["version"] and note["now"]
    screen = {d["id"]: d["screen"] for d in came["devices"]["displays"]}["display-2f"]
    assert (screen["state"], screen["connections"]) == ("online", 1)
    screen = {d["id"]: d["screen"] for d in left["devices"]["displays"]}["display-2f"]
    assert screen["state"] == "offline" and screen["last_seen"] == note["now"]


def test_an_admin_may_watch_the_floor_too(client: TestClient) -> None:
    from server import accounts
    from tests.conftest import sign_in

    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    accounts.add_user(writer, "admin1", "admin-password-1", accounts.Role.ADMIN)
    admin = sign_in(client, ("admin1", "admin-password-1"))
    assert SUPERVISOR[0] != "admin1"

    assert client.get(f"/api/v1/views/{ADMIN}", headers=admin).status_code == 200


def test_an_alert_acknowledged_on_one_console_is_acknowledged_on_every_one(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    key = "printer:kiosk-2f:paper_out:3"
    with client.websocket_connect(f"/ws/v1/{ADMIN}?token={token_of(supervisor)}") as ws:
        first = receive_json(ws)
        assert first["view"]["devices"]["acked"] == {}

        answer = client.post(f"{OFFICE}/alerts/ack", json={"alert": key}, headers=supervisor)
        note = receive_json(ws)

    assert answer.status_code == 200, answer.text
    assert answer.json() == {"alert": key, "by": SUPERVISOR[0], "at": note["now"]}
    assert note["type"] == "devices"
    assert note["devices"]["acked"] == {key: {"by": SUPERVISOR[0], "at": note["now"]}}
    fresh = client.get(f"/api/v1/views/{ADMIN}", headers=supervisor).json()
    assert fresh["devices"]["acked"] == note["devices"]["acked"]  # and a console that comes later


@pytest.mark.parametrize("body", [{}, {"alert": ""}, {"alert": "x" * 201}, {"alert": 3}])
def test_an_acknowledgement_must_name_its_alert(
    client: TestClient, supervisor: dict[str, str], body: dict[str, Any]
) -> None:
    answer = client.post(f"{OFFICE}/alerts/ack", json=body, headers=supervisor)

    assert answer.status_code == 422, answer.text
