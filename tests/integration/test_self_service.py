"""The visitor's self-service on the ticket page (issue 16, item 4), through the API on both
databases: cancel (もう行けません) and "少し遅れます" once (the ticket steps back the office's
`delay_places`), each on every screen at once."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from tests.conftest import Clock, receive_json

OFFICE = "/api/v1/offices/nakano"


def issue(client: TestClient, service: str = "moving") -> dict[str, Any]:
    # Each ticket a second after the last, as at a kiosk (the test clock stands still).
    clock: Clock = client.app.state.system.clock  # type: ignore[attr-defined]
    clock.now += timedelta(seconds=1)
    answer = client.post(f"{OFFICE}/tickets", json={"service": service})
    assert answer.status_code == 201, answer.text
    body: dict[str, Any] = answer.json()
    return body


def position(client: TestClient, token: str) -> int | None:
    value: int | None = client.get(f"/api/v1/visitor/{token}").json()["position"]
    return value


def test_a_delay_steps_back_three_places_once(client: TestClient) -> None:
    mine = issue(client)
    others = [issue(client) for _ in range(5)]
    assert position(client, mine["token"]) == 0
    answer = client.post(f"/api/v1/visitor/{mine['token']}/delay")
    assert answer.status_code == 200, answer.text
    assert answer.json()["position"] == 3 and answer.json()["delayed"] is True
    # The three it let pass moved up one each; the two behind stay behind it.
    assert [position(client, t["token"]) for t in others] == [0, 1, 2, 4, 5]
    again = client.post(f"/api/v1/visitor/{mine['token']}/delay")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert position(client, mine["token"]) == 3


def test_a_delay_near_the_end_goes_to_the_end(client: TestClient) -> None:
    mine = issue(client)
    other = issue(client)
    assert client.post(f"/api/v1/visitor/{mine['token']}/delay").json()["position"] == 1
    assert position(client, other["token"]) == 0


def test_a_late_visitor_already_called_goes_back_instead_of_no_show(
    client: TestClient, clerk: dict[str, str]
) -> None:
    mine = issue(client)
    others = [issue(client) for _ in range(5)]
    assert client.post(f"{OFFICE}/counters/1/open", headers=clerk).status_code == 200
    assert client.post(f"{OFFICE}/counters/1/call-next", headers=clerk).json()["id"] == mine["id"]
    answer = client.post(f"/api/v1/visitor/{mine['token']}/delay")
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "waiting" and answer.json()["position"] == 3
    assert [position(client, t["token"]) for t in others] == [0, 1, 2, 4, 5]
    # The counter is free: it calls the next one.
    assert (
        client.post(f"{OFFICE}/counters/1/call-next", headers=clerk).json()["id"] == others[0]["id"]
    )
    assert client.post(f"/api/v1/visitor/{mine['token']}/delay").status_code == 409


def test_a_delay_is_only_for_a_ticket_in_line(client: TestClient, clerk: dict[str, str]) -> None:
    mine = issue(client)
    assert client.post(f"{OFFICE}/counters/1/open", headers=clerk).status_code == 200
    assert client.post(f"{OFFICE}/counters/1/call-next", headers=clerk).status_code == 200
    assert client.post(f"/api/v1/tickets/{mine['id']}/start", headers=clerk).status_code == 200
    answer = client.post(f"/api/v1/visitor/{mine['token']}/delay")
    assert answer.status_code == 409


def test_the_visitor_cancels_and_every_screen_knows_at_once(client: TestClient) -> None:
    mine = issue(client)
    behind = issue(client)
    with (
        client.websocket_connect(f"/ws/v1/ticket:{mine['token']}") as own,
        client.websocket_connect(f"/ws/v1/ticket:{behind['token']}") as theirs,
        client.websocket_connect("/ws/v1/public:nakano") as public,
    ):
        for ws in (own, theirs, public):
            receive_json(ws)
        answer = client.post(f"/api/v1/visitor/{mine['token']}/cancel")
        assert answer.status_code == 200 and answer.json()["status"] == "cancelled"
        own_view = receive_json(own)
        assert own_view["view"]["ticket"]["status"] == "cancelled"
        assert [e["type"] for e in own_view["events"]] == ["ticket.cancelled"]
        assert receive_json(theirs)["view"]["ticket"]["position"] == 0
        moving = next(s for s in receive_json(public)["view"]["services"] if s["id"] == "moving")
        assert moving["waiting"] == 1
    again = client.post(f"/api/v1/visitor/{mine['token']}/cancel")
    assert again.status_code == 409


def test_a_delay_reaches_the_screens_at_once(client: TestClient) -> None:
    mine = issue(client)
    behind = issue(client)
    with (
        client.websocket_connect(f"/ws/v1/ticket:{mine['token']}") as own,
        client.websocket_connect(f"/ws/v1/ticket:{behind['token']}") as theirs,
    ):
        receive_json(own), receive_json(theirs)
        assert client.post(f"/api/v1/visitor/{mine['token']}/delay").status_code == 200
        message = receive_json(own)
        assert message["view"]["ticket"]["position"] == 1
        assert message["view"]["ticket"]["delayed"] is True
        assert [e["type"] for e in message["events"]] == ["ticket.delayed"]
        assert receive_json(theirs)["view"]["ticket"]["position"] == 0


def test_an_unknown_token_is_not_found(client: TestClient) -> None:
    for action in ("cancel", "delay", "arrived"):
        answer = client.post(f"/api/v1/visitor/no-such-token/{action}", json={"code": "1234"})
        assert answer.status_code in (404, 422), (action, answer.text)
        if action != "arrived":
            assert answer.json()["code"] == "not_found"
