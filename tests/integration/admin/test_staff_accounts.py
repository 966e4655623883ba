"""Staff accounts from the admin console (issue 15, item 5): only admins manage them; a
disabled user's tokens, sessions and open websockets end at once; the last admin stays;
a clerk limited to counters or areas works only those; every change is an audit row that
holds no password."""

from __future__ import annotations

import json

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server import accounts
from server.api.session import SESSION_COOKIE
from server.live.protocol import Close
from tests.conftest import CLERK, SUPERVISOR, receive_json, sign_in
from tests.integration.test_session import browser_sign_in

OFFICE = "/api/v1/offices/nakano"
ADMIN = ("admin1", "admin-password-1")
STAFF = "/api/v1/staff"


def _add(client: TestClient, user: tuple[str, str], role: accounts.Role) -> None:
    accounts.add_user(client.app.state.system.writer, *user, role)  # type: ignore[attr-defined]


@pytest.fixture
def admin(client: TestClient) -> dict[str, str]:
    _add(client, ADMIN, accounts.Role.ADMIN)
    return sign_in(client, ADMIN)


def _audit(client: TestClient, admin: dict[str, str]) -> list[dict[str, object]]:
    answer = client.get(f"{OFFICE}/audit", headers=admin)
    assert answer.status_code == 200, answer.text
    rows: list[dict[str, object]] = answer.json()["audit"]
    return rows


def test_only_an_admin_lists_and_adds_staff(client: TestClient, admin: dict[str, str]) -> None:
    _add(client, SUPERVISOR, accounts.Role.SUPERVISOR)
    body = {"username": "clerk9", "role": "clerk", "password": "clerk-password-9"}
    for who in (sign_in(client), sign_in(client, SUPERVISOR)):
        assert client.get(STAFF, headers=who).status_code == 403
        assert client.post(STAFF, json=body, headers=who).status_code == 403
        assert client.post(f"{STAFF}/clerk1/disable", headers=who).status_code == 403
    assert client.get(STAFF).status_code == 401
    listed = client.get(STAFF, headers=admin)
    assert listed.status_code == 200
    names = {u["username"]: u for u in listed.json()["staff"]}
    assert set(names) == {"admin1", "clerk1", "super1"}
    assert names["clerk1"]["role"] == "clerk" and names["clerk1"]["disabled"] is False
    assert names["admin1"]["last_signin"] is not None  # she signed in just now
    assert names["clerk1"]["counters"] is None and names["clerk1"]["areas"] is None
    assert "password" not in json.dumps(listed.json())
    added = client.post(STAFF, json=body, headers=admin)
    assert added.status_code == 201, added.text
    assert added.json()["username"] == "clerk9" and added.json()["role"] == "clerk"
    sign_in(client, ("clerk9", "clerk-password-9"))  # she can sign in
    again = client.post(STAFF, json=body, headers=admin)
    assert again.status_code == 409 and again.json()["code"] == "name_taken"


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"username": "clerk9", "role": "clerk", "password": "short"}, "password"),
        ({"username": "clerk 9", "role": "clerk", "password": "long-enough-1"}, "username"),
        ({"username": "clerk9", "role": "boss", "password": "long-enough-1"}, "role"),
        ({"username": "clerk9", "role": "clerk"}, "password"),
    ],
)
def test_bad_input_is_422_naming_the_field(
    client: TestClient, admin: dict[str, str], body: dict[str, str], field: str
) -> None:
    answer = client.post(STAFF, json=body, headers=admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field
    assert "clerk9" not in {u["username"] for u in client.get(STAFF, headers=admin).json()["staff"]}


def test_a_bad_change_is_422_naming_the_field(client: TestClient, admin: dict[str, str]) -> None:
    for body, field in (
        ({"password": "short"}, "password"),
        ({"counters": ["99"]}, "counters"),
        ({"areas": ["nowhere"]}, "areas"),
        ({"role": "boss"}, "role"),
        ({}, "body"),
    ):
        answer = client.patch(f"{STAFF}/clerk1", json=body, headers=admin)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["field"] == field, body
    missing = client.patch(f"{STAFF}/nobody", json={"role": "clerk"}, headers=admin)
    assert missing.status_code == 404


def test_disabling_ends_tokens_sessions_and_websockets_at_once(
    client: TestClient, admin: dict[str, str]
) -> None:
    bearer = sign_in(client)
    csrf = browser_sign_in(client)
    cookie = client.cookies[SESSION_COOKIE]
    client.cookies.clear()
    with client.websocket_connect(f"/ws/v1/counter:1?token={bearer['Authorization'][7:]}") as ws:
        assert receive_json(ws)["type"] == "view"
        # The cache has seen the clerk standing just now: disabling must not wait for it.
        assert client.get("/api/v1/views/counter:1", headers=bearer).status_code == 200
        answer = client.post(f"{STAFF}/clerk1/disable", headers=admin)
        assert answer.status_code == 200 and answer.json()["disabled"] is True
        with pytest.raises(WebSocketDisconnect) as closed:
            receive_json(ws)
        assert closed.value.code == Close.UNAUTHORIZED
    assert client.get("/api/v1/views/counter:1", headers=bearer).status_code == 401
    cookies = {SESSION_COOKIE: cookie}
    client.cookies.update(cookies)
    assert client.get("/api/v1/auth/session").status_code == 401
    refused = client.post(f"{OFFICE}/counters/1/open", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 401
    client.cookies.clear()
    # She cannot sign in again, by token or page.
    token = client.post("/api/v1/auth/token", json={"username": CLERK[0], "password": CLERK[1]})
    assert token.status_code == 401
    # Enabled again: she signs in anew; the old token stays ended.
    assert client.post(f"{STAFF}/clerk1/enable", headers=admin).json()["disabled"] is False
    fresh = sign_in(client)
    assert client.get("/api/v1/views/counter:1", headers=fresh).status_code == 200
    assert client.get("/api/v1/views/counter:1", headers=bearer).status_code == 401


def test_a_password_reset_and_a_role_change_end_the_old_sign_in(
    client: TestClient, admin: dict[str, str]
) -> None:
    old = sign_in(client)
    reset = client.patch(f"{STAFF}/clerk1", json={"password": "new-password-1"}, headers=admin)
    assert reset.status_code == 200, reset.text
    assert client.get("/api/v1/views/counter:1", headers=old).status_code == 401
    assert (
        client.post(
            "/api/v1/auth/token", json=dict(zip(("username", "password"), CLERK, strict=True))
        ).status_code
        == 401
    )
    again = sign_in(client, ("clerk1", "new-password-1"))
    promoted = client.patch(f"{STAFF}/clerk1", json={"role": "supervisor"}, headers=admin)
    assert promoted.json()["role"] == "supervisor"
    assert client.get("/api/v1/views/counter:1", headers=again).status_code == 401
    # Limits do not end a sign-in.
    now = sign_in(client, ("clerk1", "new-password-1"))
    client.patch(f"{STAFF}/clerk1", json={"counters": ["1"]}, headers=admin)
    assert client.get("/api/v1/views/counter:1", headers=now).status_code == 200


def test_the_last_enabled_admin_is_kept(client: TestClient, admin: dict[str, str]) -> None:
    for refused in (
        client.post(f"{STAFF}/admin1/disable", headers=admin),
        client.patch(f"{STAFF}/admin1", json={"role": "supervisor"}, headers=admin),
    ):
        assert refused.status_code == 409, refused.text
        assert (
            refused.json()["code"] == "last_admin" and "最後の管理者" in refused.json()["message"]
        )
    assert client.get(STAFF, headers=admin).status_code == 200  # still an admin
    second = {"username": "admin2", "role": "admin", "password": "admin-password-2"}
    assert client.post(STAFF, json=second, headers=admin).status_code == 201
    other = sign_in(client, ("admin2", "admin-password-2"))
    assert client.post(f"{STAFF}/admin1/disable", headers=other).status_code == 200
    # admin2 is now the last enabled one: a disabled admin does not count.
    refused = client.patch(f"{STAFF}/admin2", json={"role": "clerk"}, headers=other)
    assert refused.status_code == 409 and refused.json()["code"] == "last_admin"


def test_a_clerk_limited_to_counters_works_only_those(
    client: TestClient, admin: dict[str, str]
) -> None:
    limited = client.patch(f"{STAFF}/clerk1", json={"counters": ["1", "2", "3"]}, headers=admin)
    assert limited.status_code == 200 and limited.json()["counters"] == ["1", "2", "3"]
    clerk = sign_in(client)
    refused = client.post(f"{OFFICE}/counters/9/open", headers=clerk)
    assert refused.status_code == 403, refused.text
    assert refused.json()["code"] == "forbidden"
    assert "9番窓口" in refused.json()["message"] and "1, 2, 3番窓口" in refused.json()["message"]
    assert client.post(f"{OFFICE}/counters/2/open", headers=clerk).status_code == 200
    assert client.post(f"{OFFICE}/counters/2/close", headers=clerk).status_code == 200
    # By area: the insurance counters (9, 10), not the residents' ones.
    client.patch(f"{STAFF}/clerk1", json={"counters": [], "areas": ["insurance"]}, headers=admin)
    refused = client.post(f"{OFFICE}/counters/1/open", headers=clerk)
    assert refused.status_code == 403 and "保険" in refused.json()["message"]
    assert client.post(f"{OFFICE}/counters/9/open", headers=clerk).status_code == 200
    # A limit set while she holds a counter stops her calling there; she may still close it.
    client.patch(f"{STAFF}/clerk1", json={"areas": ["residents"]}, headers=admin)
    assert client.post(f"{OFFICE}/counters/9/call-next", headers=clerk).status_code == 403
    assert client.post(f"{OFFICE}/counters/9/close", headers=clerk).status_code == 200
    # No limit again (null): any counter. A supervisor is never limited.
    client.patch(f"{STAFF}/clerk1", json={"areas": None}, headers=admin)
    assert client.post(f"{OFFICE}/counters/10/open", headers=clerk).status_code == 200


def test_every_change_is_an_audit_row_without_a_secret(
    client: TestClient, admin: dict[str, str]
) -> None:
    body = {"username": "clerk9", "role": "clerk", "password": "secret-password-9"}
    client.post(STAFF, json=body, headers=admin)
    client.patch(f"{STAFF}/clerk9", json={"password": "secret-password-10"}, headers=admin)
    client.patch(f"{STAFF}/clerk9", json={"counters": ["4"], "role": "supervisor"}, headers=admin)
    client.post(f"{STAFF}/clerk9/disable", headers=admin)
    client.post(f"{STAFF}/clerk9/enable", headers=admin)
    rows = [r for r in _audit(client, admin) if r["target"] == "clerk9"]
    assert [r["action"] for r in rows] == [
        "staff.enable",
        "staff.disable",
        "staff.change",
        "staff.change",
        "staff.add",
    ]
    assert all(r["actor"] == "admin1" and r["office"] is None for r in rows)
    add = rows[-1]
    assert add["before"] is None
    assert add["after"] == {
        "role": "clerk",
        "disabled": False,
        "counters": None,
        "areas": None,
        "offices": None,
    }
    assert rows[-2]["after"]["password_reset"] is True  # type: ignore[index]
    assert rows[-3]["before"]["role"] == "clerk"  # type: ignore[index]
    assert rows[-3]["after"] == {
        "role": "supervisor",
        "disabled": False,
        "counters": ["4"],
        "areas": None,
        "offices": None,
    }
    text = json.dumps(rows)
    assert "secret-password" not in text and "argon2" not in text
