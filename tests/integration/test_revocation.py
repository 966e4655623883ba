"""Sessions and tokens end on the server (issue 14, item 3): a sign-out, a password or
role change and the account's removal end them at once, whether the old cookie or token is
sent again, and in every process on the database."""

from __future__ import annotations

import time
from collections.abc import Callable

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server import accounts
from server.api.session import SESSION_COOKIE
from server.live import endpoints
from server.live.protocol import Close
from tests.conftest import CLERK, SUPERVISOR, receive_json, sign_in
from tests.integration.test_cli import cli
from tests.integration.test_session import browser_sign_in

OFFICE = "/api/v1/offices/nakano"
ADMIN = ("admin1", "admin-password-1")
SESSION = "/api/v1/auth/session"


def _add(client: TestClient, user: tuple[str, str], role: accounts.Role) -> None:
    accounts.add_user(client.app.state.system.writer, *user, role)  # type: ignore[attr-defined]


def _cache_s(client: TestClient) -> float:
    standing: accounts.Standing = client.app.state.tokens.standing  # type: ignore[attr-defined]
    return standing.cache_s


def test_a_signed_out_cookie_sent_again_is_refused(client: TestClient) -> None:
    csrf = browser_sign_in(client)
    old = client.cookies[SESSION_COOKIE]
    assert client.post("/signout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
    client.cookies.set(SESSION_COOKIE, old)
    assert client.get(SESSION).status_code == 401
    refused = client.post(f"{OFFICE}/counters/1/open", headers={"X-CSRF-Token": csrf})
    assert refused.status_code == 401 and refused.json()["code"] == "unauthorized"
    assert client.get("/counter", follow_redirects=False).status_code == 303  # to sign-in
    # Signing in again makes a new session that works.
    browser_sign_in(client)
    assert client.get(SESSION).status_code == 200


def test_a_signed_out_bearer_token_is_refused(client: TestClient, clerk: dict[str, str]) -> None:
    other = sign_in(client)
    assert client.delete("/api/v1/auth/token", headers=clerk).status_code == 204
    answer = client.get("/api/v1/views/counter:1", headers=clerk)
    assert answer.status_code == 401 and answer.json()["code"] == "unauthorized"
    assert client.delete("/api/v1/auth/token", headers=clerk).status_code == 401
    # Only that token: the clerk's other sign-in stands.
    assert client.get("/api/v1/views/counter:1", headers=other).status_code == 200


def test_a_password_change_ends_every_session_and_token_of_that_user(
    client: TestClient, clerk: dict[str, str]
) -> None:
    browser_sign_in(client)
    _add(client, (CLERK[0], "a-new-password"), accounts.Role.CLERK)
    assert client.get(SESSION).status_code == 401
    assert client.post(f"{OFFICE}/counters/1/open", headers=clerk).status_code == 401
    fresh = sign_in(client, (CLERK[0], "a-new-password"))
    assert client.post(f"{OFFICE}/counters/1/open", headers=fresh).status_code == 200


def test_a_demoted_supervisors_token_no_longer_reads_the_log(
    client: TestClient, supervisor: dict[str, str], database_url: str
) -> None:
    log = f"{OFFICE}/log.csv"
    assert client.get(log, headers=supervisor).status_code == 200
    done = cli(
        "user",
        "add",
        SUPERVISOR[0],
        "--role",
        "clerk",
        stdin=f"{SUPERVISOR[1]}\n",
        database_url=database_url,
    )
    assert done.returncode == 0, done.stderr
    time.sleep(_cache_s(client) + 0.2)  # another process's change: within the cache's life
    assert client.get(log, headers=supervisor).status_code == 401
    again = sign_in(client, SUPERVISOR)  # signed in again: a clerk now
    assert client.get(log, headers=again).status_code == 403


def test_a_deleted_admins_token_and_session_no_longer_read_the_audit_log(
    client: TestClient, database_url: str
) -> None:
    _add(client, ADMIN, accounts.Role.ADMIN)
    admin = sign_in(client, ADMIN)
    browser_sign_in(client, ADMIN)
    audit = f"{OFFICE}/form-audit"
    assert client.get(audit, headers=admin).status_code == 200
    assert client.get(audit).status_code == 200  # the cookie
    done = cli("user", "remove", ADMIN[0], database_url=database_url)
    assert done.returncode == 0, done.stderr
    assert "removed" in done.stdout
    time.sleep(_cache_s(client) + 0.2)
    assert client.get(audit, headers=admin).status_code == 401
    assert client.get(audit).status_code == 401
    answer = client.post("/api/v1/auth/token", json={"username": ADMIN[0], "password": ADMIN[1]})
    assert answer.status_code == 401
    # Made again under the same name, the old token still does not stand.
    _add(client, ADMIN, accounts.Role.ADMIN)
    assert client.get(audit, headers=admin).status_code == 401
    missing = cli("user", "remove", "nobody-here", database_url=database_url)
    assert missing.returncode == 2 and "nobody-here" in missing.stderr


def test_a_sign_out_in_one_process_ends_the_token_in_another(
    make_client: Callable[..., TestClient], sqlite_url: str
) -> None:
    one, two = make_client(sqlite_url), make_client(sqlite_url)
    token = sign_in(one)
    view = "/api/v1/views/counter:1"
    assert two.get(view, headers=token).status_code == 200
    assert one.delete("/api/v1/auth/token", headers=token).status_code == 204
    assert one.get(view, headers=token).status_code == 401  # this process: at once
    time.sleep(_cache_s(two) + 0.2)
    assert two.get(view, headers=token).status_code == 401


def test_an_open_staff_websocket_ends_when_its_token_or_session_is_signed_out(
    client: TestClient, clerk: dict[str, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(endpoints, "STANDING_CHECK_S", 0.05)
    token = clerk["Authorization"].removeprefix("Bearer ")
    with client.websocket_connect(f"/ws/v1/counter:1?token={token}") as ws:
        receive_json(ws)
        assert client.delete("/api/v1/auth/token", headers=clerk).status_code == 204
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(20):
                receive_json(ws, timeout=2)
        assert closed.value.code == Close.UNAUTHORIZED
    csrf = browser_sign_in(client)
    with client.websocket_connect("/ws/v1/counter:1") as ws:
        receive_json(ws)
        time.sleep(0.2)  # checked a few times: still signed in, still open
        assert (
            client.post("/signout", data={"csrf": csrf}, follow_redirects=False).status_code == 303
        )
        with pytest.raises(WebSocketDisconnect) as closed:
            for _ in range(20):
                receive_json(ws, timeout=2)
        assert closed.value.code == Close.UNAUTHORIZED
