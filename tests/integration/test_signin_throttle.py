"""Online password guessing is refused after a few failures, for a while, with 429."""

from __future__ import annotations

from starlette.testclient import TestClient

from server.api.auth import SignInThrottle
from tests.conftest import CLERK

TOKEN = "/api/v1/auth/token"


def test_too_many_wrong_passwords_lock_the_name_for_a_while_even_for_the_right_one(
    client: TestClient,
) -> None:
    for _ in range(SignInThrottle.MAX_FAILURES):
        wrong = client.post(TOKEN, json={"username": CLERK[0], "password": "guess-guess"})
        assert wrong.status_code == 401
    locked = client.post(TOKEN, json={"username": CLERK[0], "password": CLERK[1]})
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"
    assert 1 <= int(locked.headers["Retry-After"]) <= SignInThrottle.WINDOW_S
    # Another clerk is not locked out by the attempts on this name.
    other = client.post(TOKEN, json={"username": "someone-else", "password": "guess-guess"})
    assert other.status_code == 401


def test_the_lock_lifts_when_the_failures_leave_the_window(client: TestClient) -> None:
    throttle = client.app.state.signin_throttle  # type: ignore[attr-defined]
    now = [1000.0]
    throttle.clock = lambda: now[0]
    for _ in range(throttle.MAX_FAILURES):
        client.post(TOKEN, json={"username": CLERK[0], "password": "guess-guess"})
    assert client.post(TOKEN, json={"username": CLERK[0], "password": CLERK[1]}).status_code == 429
    now[0] += throttle.WINDOW_S + 1
    assert client.post(TOKEN, json={"username": CLERK[0], "password": CLERK[1]}).status_code == 200


def test_a_right_password_clears_the_count(client: TestClient) -> None:
    for _ in range(SignInThrottle.MAX_FAILURES - 1):
        client.post(TOKEN, json={"username": CLERK[0], "password": "guess-guess"})
    assert client.post(TOKEN, json={"username": CLERK[0], "password": CLERK[1]}).status_code == 200
    for _ in range(SignInThrottle.MAX_FAILURES - 1):
        client.post(TOKEN, json={"username": CLERK[0], "password": "guess-guess"})
    assert client.post(TOKEN, json={"username": CLERK[0], "password": CLERK[1]}).status_code == 200
