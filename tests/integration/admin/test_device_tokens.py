"""Devices' tokens from the admin console (issue 15, item 6): the office's kiosks and
displays with their pairing and screens; pair (the pairing address and its QR code, shown
once), rotate (the old token refused at once, a display connected with it closed with
1008) and revoke; admins only; audit rows that hold no token."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server import accounts
from server.live.protocol import Close
from tests.conftest import SUPERVISOR, receive_json, sign_in

OFFICE = "/api/v1/offices/nakano"
DEVICES = f"{OFFICE}/devices"
ADMIN = ("admin1", "admin-password-1")


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    accounts.add_user(client.app.state.system.writer, *ADMIN, accounts.Role.ADMIN)  # type: ignore[attr-defined]
    return sign_in(client, ADMIN)


def _listed(client: TestClient, admin: dict[str, str]) -> dict[str, dict[str, object]]:
    answer = client.get(f"{DEVICES}/tokens", headers=admin)
    assert answer.status_code == 200, answer.text
    return {d["id"]: d for d in answer.json()["devices"]}


def _display_view(client: TestClient, token: str) -> int:
    headers = {"Authorization": f"Bearer {token}"}
    return client.get("/api/v1/views/display:display-2f", headers=headers).status_code


def test_only_an_admin_manages_devices(client: TestClient, admin: dict[str, str]) -> None:
    accounts.add_user(client.app.state.system.writer, *SUPERVISOR, accounts.Role.SUPERVISOR)  # type: ignore[attr-defined]
    for who in (sign_in(client), sign_in(client, SUPERVISOR)):
        assert client.get(f"{DEVICES}/tokens", headers=who).status_code == 403
        assert client.post(f"{DEVICES}/display-2f/pair", headers=who).status_code == 403
        assert client.post(f"{DEVICES}/display-2f/rotate", headers=who).status_code == 403
        assert client.post(f"{DEVICES}/display-2f/revoke", headers=who).status_code == 403
        # The staff's own device list stays as it was.
        assert client.get(DEVICES, headers=who).status_code == 200
    assert client.get(f"{DEVICES}/tokens").status_code == 401
    assert _listed(client, admin)["display-2f"]["paired"] is False


def test_pairing_answers_the_address_and_its_qr_once(
    client: TestClient, admin: dict[str, str]
) -> None:
    before = _listed(client, admin)
    assert [d["kind"] for d in before.values()] == ["kiosk", "kiosk", "display", "display"]
    assert before["kiosk-2f"]["screen"] == {
        "state": "never_seen",
        "connections": 0,
        "last_seen": None,
    }
    paired = client.post(f"{DEVICES}/display-2f/pair", headers=admin)
    assert paired.status_code == 201, paired.text
    answer = paired.json()
    token = answer["token"]
    assert answer["address"] == f"http://testserver/display/display-2f#token={token}"
    assert answer["qr"].startswith("data:image/svg+xml;base64,")
    assert b"<svg" in base64.b64decode(answer["qr"].split(",", 1)[1])
    assert _display_view(client, token) == 200
    after = _listed(client, admin)["display-2f"]
    assert after["paired"] is True and after["paired_at"]
    assert token not in json.dumps(_listed(client, admin))  # listed, never shown again
    again = client.post(f"{DEVICES}/display-2f/pair", headers=admin)
    assert again.status_code == 409  # rotate it instead
    kiosk = client.post(f"{DEVICES}/kiosk-3f/pair", headers=admin).json()
    assert kiosk["kind"] == "kiosk" and "/kiosk/kiosk-3f#token=" in kiosk["address"]
    assert client.post(f"{DEVICES}/nowhere/pair", headers=admin).status_code == 404


def test_rotating_refuses_the_old_token_and_closes_its_screen(
    client: TestClient, admin: dict[str, str]
) -> None:
    old = client.post(f"{DEVICES}/display-2f/pair", headers=admin).json()["token"]
    with client.websocket_connect("/ws/v1/display:display-2f?auth=message") as ws:
        ws.send_text(json.dumps({"type": "auth", "token": old}))
        assert receive_json(ws)["type"] == "view"
        assert _listed(client, admin)["display-2f"]["screen"]["state"] == "online"  # type: ignore[index]
        rotated = client.post(f"{DEVICES}/display-2f/rotate", headers=admin)
        assert rotated.status_code == 200, rotated.text
        with pytest.raises(WebSocketDisconnect) as closed:
            receive_json(ws)
        assert closed.value.code == Close.POLICY
    new = rotated.json()["token"]
    assert new != old
    assert _display_view(client, old) == 401
    assert _display_view(client, new) == 200
    with client.websocket_connect(f"/ws/v1/display:display-2f?token={new}") as ws:
        assert receive_json(ws)["type"] == "view"
    with client.websocket_connect(f"/ws/v1/display:display-2f?token={old}") as ws:
        with pytest.raises(WebSocketDisconnect) as refused:
            receive_json(ws)
        assert refused.value.code == Close.POLICY


def test_revoking_ends_the_token_and_its_screen(client: TestClient, admin: dict[str, str]) -> None:
    token = client.post(f"{DEVICES}/display-2f/pair", headers=admin).json()["token"]
    with client.websocket_connect(f"/ws/v1/display:display-2f?token={token}") as ws:
        receive_json(ws)
        assert client.post(f"{DEVICES}/display-2f/revoke", headers=admin).status_code == 204
        with pytest.raises(WebSocketDisconnect) as closed:
            receive_json(ws)
        assert closed.value.code == Close.POLICY
    assert _display_view(client, token) == 401
    assert _listed(client, admin)["display-2f"]["paired"] is False
    # Paired anew afterwards.
    assert client.post(f"{DEVICES}/display-2f/pair", headers=admin).status_code == 201


def test_a_rotated_kiosk_token_no_longer_prints(client: TestClient, admin: dict[str, str]) -> None:
    old = client.post(f"{DEVICES}/kiosk-2f/pair", headers=admin).json()["token"]
    client.post(f"{DEVICES}/kiosk-2f/rotate", headers=admin)
    issued = client.post(
        f"{OFFICE}/tickets",
        json={"service": "certificates", "lang": "ja", "kiosk": "kiosk-2f"},
        headers={"Authorization": f"Bearer {old}"},
    )
    assert issued.status_code == 401


def test_every_device_change_is_an_audit_row_without_the_token(
    client: TestClient, admin: dict[str, str]
) -> None:
    tokens = [client.post(f"{DEVICES}/display-3f/pair", headers=admin).json()["token"]]
    tokens.append(client.post(f"{DEVICES}/display-3f/rotate", headers=admin).json()["token"])
    client.post(f"{DEVICES}/display-3f/revoke", headers=admin)
    rows = client.get(f"{OFFICE}/audit", headers=admin).json()["audit"]
    mine = [r for r in rows if r["target"] == "display-3f"]
    assert [r["action"] for r in mine] == ["device.revoke", "device.rotate", "device.pair"]
    assert all(r["actor"] == "admin1" and r["office"] == "nakano" for r in mine)
    assert mine[2]["before"] == {"paired": False, "paired_at": None}
    assert mine[2]["after"]["paired"] is True
    assert mine[0]["after"] == {"paired": False, "paired_at": None}
    text = json.dumps(rows)
    assert all(token not in text for token in tokens)


def test_rotating_a_kiosk_token_closes_its_print_agent(
    make_client: Callable[..., TestClient], sqlite_url: str
) -> None:
    client = make_client(sqlite_url, printers={"kiosk-2f": "agent:"})
    accounts.add_user(client.app.state.system.writer, *ADMIN, accounts.Role.ADMIN)  # type: ignore[attr-defined]
    admin = sign_in(client, ADMIN)
    old = client.post(f"{DEVICES}/kiosk-2f/pair", headers=admin).json()["token"]
    link = client.app.state.system.printing.agents  # type: ignore[attr-defined]
    with client.websocket_connect(f"/ws/v1/agent/kiosk-2f?token={old}") as agent:
        agent.send_text(json.dumps({"type": "status", "state": "online"}))
        assert client.get(f"{DEVICES}/tokens", headers=admin).status_code == 200
        assert link.is_connected("kiosk-2f")
        assert client.post(f"{DEVICES}/kiosk-2f/rotate", headers=admin).status_code == 200
        with pytest.raises(WebSocketDisconnect) as closed:
            receive_json(agent)  # within its timeout: a close, not a job
        assert closed.value.code == Close.POLICY
