"""Online password guessing is refused after a few failures, for a while, with 429; but a
stranger's guesses never lock a clerk out of her own counter (issue 14, items 5 and 7).
The failures are rows in the database, shared by every process, deleted after the window."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from starlette.testclient import TestClient

from server.api.auth import SignInThrottle
from server.store import signin
from tests.conftest import CLERK, Clock

TOKEN = "/api/v1/auth/token"
WRONG = {"username": CLERK[0], "password": "guess-guess"}
RIGHT = {"username": CLERK[0], "password": CLERK[1]}


def from_address(client: TestClient, address: str) -> TestClient:
    """The same app (and server), asked from another address."""
    return TestClient(client.app, client=(address, 50000))


def rows(client: TestClient) -> int:
    with client.app.state.system.engines.reader.connect() as conn:  # type: ignore[attr-defined]
        return signin.count(conn)


def test_too_many_wrong_passwords_hold_that_address_for_the_name_even_for_the_right_one(
    client: TestClient,
) -> None:
    for _ in range(SignInThrottle.MAX_FAILURES):
        wrong = client.post(TOKEN, json=WRONG)
        assert wrong.status_code == 401
    locked = client.post(TOKEN, json=RIGHT)
    assert locked.status_code == 429 and locked.json()["code"] == "too_many_attempts"
    assert 1 <= int(locked.headers["Retry-After"]) <= SignInThrottle.WINDOW_S
    # Another clerk is not locked out by the attempts on this name.
    other = client.post(TOKEN, json={"username": "someone-else", "password": "guess-guess"})
    assert other.status_code == 401


def test_wrong_passwords_from_one_address_do_not_lock_the_clerk_out_at_her_own(
    client: TestClient,
) -> None:
    stranger = from_address(client, "192.0.2.66")
    for _ in range(SignInThrottle.MAX_FAILURES + 2):
        stranger.post(TOKEN, json=WRONG)
    assert stranger.post(TOKEN, json=RIGHT).status_code == 429
    counter = from_address(client, "192.0.2.10")
    assert counter.post(TOKEN, json=RIGHT).status_code == 200


def test_a_name_guessed_from_many_addresses_holds_each_after_one_failure_never_a_clean_one(
    client: TestClient,
) -> None:
    attackers = [from_address(client, f"198.51.100.{i}") for i in range(1, 30)]
    for attacker in attackers[: SignInThrottle.MAX_FAILURES_PER_NAME]:
        assert attacker.post(TOKEN, json=WRONG).status_code == 401
    # The name is under attack: an address that has failed for it is held...
    assert attackers[0].post(TOKEN, json=RIGHT).status_code == 429
    # ...a new one gets its one try, and is held after it...
    fresh = attackers[SignInThrottle.MAX_FAILURES_PER_NAME]
    assert fresh.post(TOKEN, json=WRONG).status_code == 401
    assert fresh.post(TOKEN, json=WRONG).status_code == 429
    # ...and the clerk, from an address that has not failed, signs in.
    assert from_address(client, "192.0.2.10").post(TOKEN, json=RIGHT).status_code == 200


def test_failures_are_shared_by_every_process_on_the_database(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    one, other = make_client(database_url), make_client(database_url)
    for i in range(SignInThrottle.MAX_FAILURES):
        (one if i % 2 else other).post(TOKEN, json=WRONG)
    assert one.post(TOKEN, json=RIGHT).status_code == 429
    assert other.post(TOKEN, json=RIGHT).status_code == 429


def test_the_lock_lifts_when_the_failures_leave_the_window_and_they_are_deleted(
    client: TestClient, clock: Clock
) -> None:
    for _ in range(SignInThrottle.MAX_FAILURES):
        client.post(TOKEN, json=WRONG)
    assert client.post(TOKEN, json=RIGHT).status_code == 429
    assert rows(client) == SignInThrottle.MAX_FAILURES
    clock.now += timedelta(seconds=SignInThrottle.WINDOW_S + 1)
    assert (
        client.post(TOKEN, json={"username": "another", "password": "guess-guess"}).status_code
        == 401
    )
    assert rows(client) == 1  # the old failures went with the new one
    assert client.post(TOKEN, json=RIGHT).status_code == 200


def test_the_failures_kept_are_bounded_in_number(client: TestClient) -> None:
    throttle: SignInThrottle = client.app.state.signin_throttle  # type: ignore[attr-defined]
    throttle.MAX_ROWS = 10
    for i in range(250):  # as many names as a guesser likes, from as many addresses
        client.portal.call(throttle.failed, f"name-{i}", f"2001:db8::{i:x}")  # type: ignore[union-attr]
    # Kept in the database (not the process), and trimmed to MAX_ROWS every 100 failures.
    assert 10 <= rows(client) < 10 + 100


def test_a_right_password_clears_the_count(client: TestClient) -> None:
    for _ in range(SignInThrottle.MAX_FAILURES - 1):
        client.post(TOKEN, json=WRONG)
    assert client.post(TOKEN, json=RIGHT).status_code == 200
    for _ in range(SignInThrottle.MAX_FAILURES - 1):
        client.post(TOKEN, json=WRONG)
    assert client.post(TOKEN, json=RIGHT).status_code == 200
