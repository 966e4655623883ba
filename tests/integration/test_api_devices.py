"""GET …/devices: kiosks with their printers and screens, displays with their screens."""

from __future__ import annotations

from starlette.testclient import TestClient

from server.accounts import device_token
from tests.conftest import receive_json, sign_in

DEVICES = "/api/v1/offices/nakano/devices"


def test_devices_list_displays_online_while_their_page_is_connected(client: TestClient) -> None:
    staff = sign_in(client)
    assert client.get(DEVICES).status_code == 401
    before = client.get(DEVICES, headers=staff).json()
    display = {d["id"]: d for d in before["displays"]}["display-2f"]
    assert (display["state"], display["last_seen"]) == ("never_seen", None)
    token = device_token(client.app.state.system.writer, "display-2f")  # type: ignore[attr-defined]
    with client.websocket_connect(f"/ws/v1/display:display-2f?token={token}") as ws:
        receive_json(ws)
        during = {d["id"]: d for d in client.get(DEVICES, headers=staff).json()["displays"]}
        assert during["display-2f"]["state"] == "online"
        assert during["display-2f"]["connections"] == 1
        assert during["display-3f"]["state"] == "never_seen"
    after = {d["id"]: d for d in client.get(DEVICES, headers=staff).json()["displays"]}
    assert after["display-2f"]["state"] == "offline" and after["display-2f"]["last_seen"]
    kiosks = {k["kiosk"]: k for k in client.get(DEVICES, headers=staff).json()["kiosks"]}
    assert kiosks["kiosk-2f"]["screen"]["state"] == "never_seen"
    assert "printer" in kiosks["kiosk-2f"]
