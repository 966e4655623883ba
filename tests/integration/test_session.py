"""Browser sign-in: the sign-in page, signed HttpOnly SameSite=Strict session cookies, CSRF on
every state-changing request made with the cookie, sign-out and the idle timeout. Bearer
tokens keep working as before."""

from __future__ import annotations

import re
from typing import Any

import itsdangerous.timed
import pytest
from starlette.testclient import TestClient

from server.api.session import IDLE_TIMEOUT_S, REFRESH_AFTER_S, SESSION_COOKIE, Sessions
from tests.conftest import CLERK, receive_json, sign_in

OFFICE = "/api/v1/offices/nakano"


def browser_sign_in(client: TestClient, user: tuple[str, str] = CLERK) -> str:
    """Sign in through the page as a browser does; answers the session's CSRF token."""
    page = client.get("/signin?next=/counter")
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    answer = client.post(
        "/signin",
        data={"csrf": csrf.group(1), "next": "/counter", "username": user[0], "password": user[1]},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    assert answer.headers["location"] == "/counter"
    info = client.get("/api/v1/auth/session")
    assert info.status_code == 200
    token: str = info.json()["csrf"]
    return token


def test_signing_in_sets_a_signed_httponly_strict_cookie(client: TestClient) -> None:
    page = client.get("/signin?next=/counter")
    assert "Content-Security-Policy" in page.headers
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    signed = client.post(
        "/signin",
        data={
            "csrf": csrf.group(1),
            "next": "/counter",
            "username": CLERK[0],
            "password": CLERK[1],
        },
        follow_redirects=False,
    )
    assert signed.status_code == 303 and signed.headers["location"] == "/counter"
    cookie = next(
        v for k, v in signed.headers.multi_items() if k == "set-cookie" and SESSION_COOKIE in v
    )
    assert "HttpOnly" in cookie and "SameSite=strict" in cookie and "Path=/" in cookie
    me = client.get("/api/v1/auth/session").json()
    assert (me["username"], me["role"]) == (CLERK[0], "clerk")
    assert me["idle_timeout_s"] == IDLE_TIMEOUT_S and me["csrf"]
    # Signed: a cookie changed by hand is no session.
    tampered = client.cookies[SESSION_COOKIE][:-2] + "xx"
    client.cookies.clear()
    client.cookies.set(SESSION_COOKIE, tampered)
    assert client.get("/api/v1/auth/session").status_code == 401


def test_a_wrong_password_or_a_missing_form_token_signs_nobody_in(client: TestClient) -> None:
    page = client.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf is not None
    wrong = client.post(
        "/signin",
        data={"csrf": csrf.group(1), "username": CLERK[0], "password": "not-the-password"},
        follow_redirects=False,
    )
    assert wrong.status_code == 401 and "パスワードが違います" in wrong.text
    forged = client.post(
        "/signin",
        data={"csrf": "made-up", "username": CLERK[0], "password": CLERK[1]},
        follow_redirects=False,
    )
    assert forged.status_code == 403
    assert SESSION_COOKIE not in client.cookies
    assert client.get("/api/v1/auth/session").status_code == 401


def test_cookie_posts_without_the_csrf_header_are_refused_and_change_nothing(
    client: TestClient,
) -> None:
    csrf = browser_sign_in(client)
    refused = client.post(f"{OFFICE}/counters/1/open")
    assert refused.status_code == 403 and refused.json()["code"] == "csrf_failed"
    wrong = client.post(f"{OFFICE}/counters/1/open", headers={"X-CSRF-Token": csrf + "x"})
    assert wrong.status_code == 403
    view = client.get("/api/v1/views/counter:1").json()  # reads need no CSRF token
    assert view["counter"]["state"] == "closed"
    opened = client.post(f"{OFFICE}/counters/1/open", headers={"X-CSRF-Token": csrf})
    assert opened.status_code == 200 and opened.json()["clerk"] == CLERK[0]


def test_bearer_tokens_still_work_and_need_no_csrf_token(client: TestClient) -> None:
    clerk = sign_in(client)
    assert client.post(f"{OFFICE}/counters/2/open", headers=clerk).status_code == 200


def test_signing_out_needs_the_csrf_token_and_ends_the_session(client: TestClient) -> None:
    csrf = browser_sign_in(client)
    assert client.post("/signout", follow_redirects=False).status_code == 403
    assert client.get("/api/v1/auth/session").status_code == 200
    out = client.post("/signout", data={"csrf": csrf}, follow_redirects=False)
    assert out.status_code == 303
    assert client.get("/api/v1/auth/session").status_code == 401
    assert (
        client.post(f"{OFFICE}/counters/1/open", headers={"X-CSRF-Token": csrf}).status_code == 401
    )


def _forged(client: TestClient, age_s: float, monkeypatch: pytest.MonkeyPatch) -> str:
    sessions: Sessions = client.app.state.sessions  # type: ignore[attr-defined]
    from server.accounts import Role
    from server.api.auth import Staff

    real = itsdangerous.timed.time.time
    with monkeypatch.context() as m:
        m.setattr(itsdangerous.timed.time, "time", lambda: real() - age_s)
        # Begun now (a session begun before its user was made would not stand), last
        # signed `age_s` ago.
        return sessions.issue(Staff(CLERK[0], Role.CLERK), "csrf-1", real())


def test_an_idle_session_ends_and_an_active_one_is_renewed(
    client: TestClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    client.cookies.set(SESSION_COOKIE, _forged(client, IDLE_TIMEOUT_S + 5, monkeypatch))
    assert client.get("/api/v1/auth/session").status_code == 401
    # Signed longer ago than a cookie is re-signed after: this request renews it.
    client.cookies.set(SESSION_COOKIE, _forged(client, REFRESH_AFTER_S * 2, monkeypatch))
    answer = client.get("/api/v1/auth/session")
    assert answer.status_code == 200
    renewed = answer.headers.get("set-cookie", "")
    assert renewed.startswith(f"{SESSION_COOKIE}=") and "HttpOnly" in renewed


def test_staff_pages_send_the_signed_out_to_the_sign_in_page(client: TestClient) -> None:
    answer = client.get("/counter", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"].startswith("/signin?next=/counter")


@pytest.mark.parametrize("next_path", ["https://evil.example/", "//evil.example/x", "/\\evil"])
def test_sign_in_never_redirects_off_site(client: TestClient, next_path: str) -> None:
    page = client.get("/signin", params={"next": next_path})
    assert 'name="next" value="/counter"' in page.text


def test_the_counter_channel_takes_the_session_cookie_from_this_site_only(
    client: TestClient,
) -> None:
    browser_sign_in(client)
    with client.websocket_connect("/ws/v1/counter:1") as ws:
        message: dict[str, Any] = receive_json(ws)
        assert message["view"]["counter"]["id"] == "1"
    from starlette.websockets import WebSocketDisconnect

    with (
        pytest.raises(WebSocketDisconnect),
        client.websocket_connect(
            "/ws/v1/counter:1", headers={"origin": "https://evil.example"}
        ) as ws,
    ):
        receive_json(ws)
