"""Web Push end to end (issue 16, item 3): a real push endpoint on 127.0.0.1 in the test
receives what the server posts, decrypts it with the subscription's own keys (http_ece,
RFC 8291) and checks the VAPID signature (RFC 8292) against GET /api/v1/push/key; an
endpoint that is gone (410) loses its subscription; a 500 is retried and delivered once;
a push service that hangs never slows a call. Both databases."""

from __future__ import annotations

import base64
import json
import os
import threading
import time
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature
from starlette.testclient import TestClient

from server import accounts
from server.app import create_app
from server.settings import Settings
from server.store import push as push_rows
from tests.conftest import Clock, sign_in
from tests.integration.test_authorization_matrix import P256_POINT

OFFICE = "/api/v1/offices/nakano"
WAIT_S = 10.0


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


class PushEndpoint:
    """A push service of our own: records each POST and answers with the next of
    `statuses` (then 201); `hang` holds every answer until released."""

    def __init__(self) -> None:
        self.received: list[tuple[str, dict[str, str], bytes]] = []
        self.statuses: list[int] = []
        self.hang = threading.Event()
        self.release = threading.Event()
        endpoint = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self) -> None:  # noqa: N802 - http.server's name
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                headers = {k.lower(): v for k, v in self.headers.items()}
                endpoint.received.append((self.path, headers, body))
                if endpoint.hang.is_set():
                    endpoint.release.wait(WAIT_S)
                status = endpoint.statuses.pop(0) if endpoint.statuses else 201
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait_for(self, count: int, timeout: float = WAIT_S) -> None:
        deadline = time.monotonic() + timeout
        while len(self.received) < count:
            assert time.monotonic() < deadline, f"{len(self.received)} of {count} pushes came"
            time.sleep(0.02)

    def close(self) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()


class Browser:
    """What a browser keeps for one push subscription: its P-256 key pair and auth secret."""

    def __init__(self, endpoint: str) -> None:
        self.endpoint = endpoint
        self.key = ec.generate_private_key(ec.SECP256R1())
        self.auth = os.urandom(16)

    def subscription(self) -> dict[str, Any]:
        point = self.key.public_key().public_bytes(
            serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
        )
        keys = {"p256dh": b64url(point), "auth": b64url(self.auth)}
        return {"subscription": {"endpoint": self.endpoint, "keys": keys}}

    def decrypt(self, body: bytes) -> dict[str, Any]:
        clear = http_ece.decrypt(
            body, private_key=self.key, auth_secret=self.auth, version="aes128gcm"
        )
        return dict(json.loads(clear))


@pytest.fixture
def push_client(make_client: Callable[..., TestClient], database_url: str) -> TestClient:
    return make_client(database_url, push_hosts=("127.0.0.1",))


@pytest.fixture
def endpoint(push_client: TestClient) -> Iterator[PushEndpoint]:
    # After the client: torn down first, so that a hanging answer is let go before the
    # server stops.
    service = PushEndpoint()
    yield service
    service.close()


def issue(client: TestClient, lang: str = "ja") -> dict[str, Any]:
    answer = client.post(f"{OFFICE}/tickets", json={"service": "moving", "lang": lang})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def subscribe(client: TestClient, token: str, browser: Browser) -> None:
    answer = client.post(f"/api/v1/visitor/{token}/push", json=browser.subscription())
    assert answer.status_code == 201, answer.text


def call_next(client: TestClient, clerk: dict[str, str]) -> tuple[float, str]:
    """Call the next ticket at counter 1; answers how long the call took (s) and its id."""
    started = time.monotonic()
    answer = client.post(f"{OFFICE}/counters/1/call-next", headers=clerk)
    took = time.monotonic() - started
    assert answer.status_code == 200, answer.text
    return took, str(answer.json()["id"])


def verify_vapid(headers: dict[str, str], server_key: str, audience: str) -> dict[str, Any]:
    """The JWT of `Authorization: vapid t=…,k=…`, its ES256 signature checked with the key
    the server publishes; answers its claims."""
    scheme, _, params = headers["authorization"].partition(" ")
    assert scheme == "vapid"
    fields = dict(part.split("=", 1) for part in params.split(","))
    assert fields["k"] == server_key
    header, claims, signature = fields["t"].split(".")
    raw = unb64url(signature)
    der = encode_dss_signature(int.from_bytes(raw[:32]), int.from_bytes(raw[32:]))
    public = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(server_key))
    public.verify(der, f"{header}.{claims}".encode(), ec.ECDSA(hashes.SHA256()))
    assert json.loads(unb64url(header)) == {"typ": "JWT", "alg": "ES256"}
    decoded: dict[str, Any] = json.loads(unb64url(claims))
    assert decoded["aud"] == audience
    assert decoded["exp"] > time.time()
    return decoded


def subscriptions_of(client: TestClient, ticket: str) -> list[push_rows.Subscription]:
    system = client.app.state.system  # type: ignore[attr-defined]
    with system.engines.reader.connect() as conn:
        return push_rows.subscriptions(conn, [ticket])


def test_the_called_visitor_gets_an_encrypted_signed_notice_in_their_language(
    push_client: TestClient, endpoint: PushEndpoint
) -> None:
    key = push_client.get("/api/v1/push/key").json()["key"]
    assert len(unb64url(key)) == 65 and unb64url(key)[0] == 4  # an uncompressed P-256 point
    ticket = issue(push_client, lang="en")
    browser = Browser(f"{endpoint.url}/push/one")
    subscribe(push_client, ticket["token"], browser)
    clerk = sign_in(push_client)
    assert push_client.post(f"{OFFICE}/counters/1/open", headers=clerk).status_code == 200
    call_next(push_client, clerk)
    # Opening the counter left nobody ahead (0 <= 3): "almost your turn"; then the call.
    endpoint.wait_for(2)
    notices = {}
    for path, headers, body in endpoint.received:
        assert path == "/push/one"
        assert headers["content-encoding"] == "aes128gcm"
        assert int(headers["ttl"]) > 0
        verify_vapid(headers, key, endpoint.url)
        notice = browser.decrypt(body)
        notices["called" if "come to" in notice["body"] else "soon"] = notice
    number = ticket["number"]
    assert notices["called"] == {
        "title": push_client.app.state.system.office.names["en"],  # type: ignore[attr-defined]
        "body": f"{number}: please come to counter 1 (2F)",
        "url": f"/t/{ticket['token']}",
        "tag": f"madoguchi-{ticket['id']}",
    }
    assert notices["soon"]["body"].startswith(f"{number}: almost your turn (0 ahead)")
    time.sleep(0.3)
    assert len(endpoint.received) == 2  # each event once


def test_the_server_key_is_made_once_and_kept_in_the_database(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    first = make_client(database_url).get("/api/v1/push/key").json()["key"]
    again = make_client(database_url).get("/api/v1/push/key").json()["key"]
    assert first == again


def test_an_endpoint_that_is_gone_loses_its_subscription(
    push_client: TestClient, endpoint: PushEndpoint
) -> None:
    endpoint.statuses = [410]
    ticket = issue(push_client)
    subscribe(push_client, ticket["token"], Browser(f"{endpoint.url}/push/gone"))
    assert len(subscriptions_of(push_client, ticket["id"])) == 1
    clerk = sign_in(push_client)
    push_client.post(f"{OFFICE}/counters/1/open", headers=clerk)  # "almost": answered 410
    endpoint.wait_for(1)
    deadline = time.monotonic() + WAIT_S
    while subscriptions_of(push_client, ticket["id"]):
        assert time.monotonic() < deadline
        time.sleep(0.02)
    call_next(push_client, clerk)
    time.sleep(0.3)
    assert len(endpoint.received) == 1  # nothing more to a subscription that is gone


def test_a_server_error_is_retried_after_a_back_off_and_delivered_once(
    make_client: Callable[..., TestClient], database_url: str, clock: Clock
) -> None:
    client = make_client(database_url, push_hosts=("127.0.0.1",), push_backoff_s=5.0)
    endpoint = PushEndpoint()
    try:
        endpoint.statuses = [500]
        ticket = issue(client)
        browser = Browser(f"{endpoint.url}/push/retry")
        subscribe(client, ticket["token"], browser)
        client.post(f"{OFFICE}/counters/1/open", headers=sign_in(client))
        endpoint.wait_for(1)
        time.sleep(0.5)
        assert len(endpoint.received) == 1  # not again before its back-off
        clock.now += timedelta(seconds=6)
        endpoint.wait_for(2)
        time.sleep(0.5)
        assert len(endpoint.received) == 2  # 500, then 201: delivered, and only once
        first, second = (browser.decrypt(body) for _, _, body in endpoint.received)
        assert first == second
    finally:
        endpoint.close()


def test_a_push_service_that_hangs_never_delays_a_call(
    push_client: TestClient, endpoint: PushEndpoint
) -> None:
    endpoint.hang.set()
    clerk = sign_in(push_client)
    tickets = [issue(push_client) for _ in range(3)]
    for n, ticket in enumerate(tickets):
        subscribe(push_client, ticket["token"], Browser(f"{endpoint.url}/push/{n}"))
    push_client.post(f"{OFFICE}/counters/1/open", headers=clerk)
    endpoint.wait_for(1)  # the sender is now stuck on an endpoint that does not answer
    took = []
    for _ in tickets:
        seconds, called = call_next(push_client, clerk)
        took.append(seconds)
        answer = push_client.post(f"/api/v1/tickets/{called}/no-show", headers=clerk)
        assert answer.status_code == 200, answer.text
    assert max(took) < 0.5, took
    assert len(endpoint.received) == 1  # still hanging on the first


def test_stopping_sends_no_more(push_client: TestClient, endpoint: PushEndpoint) -> None:
    # Four ahead: nothing is "almost" yet when the visitor subscribes and stops (the queue
    # hears of the issuing commits after them; with fewer ahead, it would rightly send).
    for _ in range(4):
        issue(push_client)
    ticket, other = issue(push_client), issue(push_client)
    browser = Browser(f"{endpoint.url}/push/stop")
    subscribe(push_client, ticket["token"], browser)
    # Another visitor's token names another ticket: it cannot end this subscription.
    answer = push_client.request(
        "DELETE", f"/api/v1/visitor/{other['token']}/push", json=browser.subscription()
    )
    assert answer.status_code == 204
    assert len(subscriptions_of(push_client, ticket["id"])) == 1
    answer = push_client.request(
        "DELETE", f"/api/v1/visitor/{ticket['token']}/push", json=browser.subscription()
    )
    assert answer.status_code == 204
    assert subscriptions_of(push_client, ticket["id"]) == []
    clerk = sign_in(push_client)
    push_client.post(f"{OFFICE}/counters/1/open", headers=clerk)
    call_next(push_client, clerk)
    time.sleep(0.3)
    assert endpoint.received == []


@pytest.mark.parametrize(
    ("endpoint_url", "keys", "field"),
    [
        ("https://evil.example.com/push", None, "subscription.endpoint"),
        ("http://fcm.googleapis.com/fcm/send/x", None, "subscription.endpoint"),
        ("ftp://127.0.0.1/push", None, "subscription.endpoint"),
        ("https://user:pw@fcm.googleapis.com/x", None, "subscription.endpoint"),
        ("https://fcm.googleapis.com.evil.example/x", None, "subscription.endpoint"),
        (
            "https://fcm.googleapis.com/x",
            {"p256dh": P256_POINT, "auth": "AA"},
            "subscription.keys.auth",
        ),
        (  # 65 bytes, but no point of the curve: nothing could be encrypted for it
            "https://fcm.googleapis.com/x",
            {"p256dh": "B" + "A" * 86, "auth": "A" * 22},
            "subscription.keys.p256dh",
        ),
        (
            "https://fcm.googleapis.com/x",
            {"p256dh": "x" * 90, "auth": "A" * 22},
            "subscription.keys.p256dh",
        ),
    ],
)
def test_a_subscription_the_server_will_not_post_to_is_refused_naming_the_field(
    client: TestClient, endpoint_url: str, keys: dict[str, str] | None, field: str
) -> None:
    """The default allow-list: the browsers' push services, https."""
    ticket = issue(client)
    body = Browser(endpoint_url).subscription()
    if keys is not None:
        body["subscription"]["keys"] = keys
    answer = client.post(f"/api/v1/visitor/{ticket['token']}/push", json=body)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field


def test_a_browser_push_service_is_accepted_by_default_and_an_unknown_token_is_not(
    client: TestClient,
) -> None:
    ticket = issue(client)
    body = Browser("https://fcm.googleapis.com/fcm/send/abc").subscription()
    assert client.post(f"/api/v1/visitor/{ticket['token']}/push", json=body).status_code == 201
    body = Browser("https://web.push.apple.com/QGx").subscription()
    assert client.post(f"/api/v1/visitor/{ticket['token']}/push", json=body).status_code == 201
    assert client.post("/api/v1/visitor/no-such-token/push", json=body).status_code == 404


def test_a_queued_notice_survives_a_restart(database_url: str, clock: Clock) -> None:
    """Queued while the push service was down, sent by the next process after a restart."""
    settings = Settings(
        database_url=database_url,
        push_hosts=("127.0.0.1",),
        issue_per_minute=0,
        issue_per_day=0,
    )
    endpoint = PushEndpoint()
    try:
        endpoint.statuses = [503]
        browser = Browser(f"{endpoint.url}/push/restart")
        with TestClient(create_app(settings, clock=clock)) as first:
            writer = first.app.state.system.writer  # type: ignore[attr-defined]
            accounts.add_user(writer, "clerk1", "clerk-password-1", accounts.Role.CLERK)
            ticket = issue(first)
            subscribe(first, ticket["token"], browser)
            first.post(f"{OFFICE}/counters/1/open", headers=sign_in(first))
            endpoint.wait_for(1)  # 503: to be tried again after its back-off
            time.sleep(0.2)
        clock.now += timedelta(seconds=5)
        with TestClient(create_app(settings, clock=clock)):
            endpoint.wait_for(2)
        assert browser.decrypt(endpoint.received[1][2])["url"] == f"/t/{ticket['token']}"
    finally:
        endpoint.close()


def test_an_endpoint_no_longer_allowed_is_not_posted_to(
    push_client: TestClient, endpoint: PushEndpoint
) -> None:
    # The server's settings still take the subscription; its sender's list no longer has it.
    push_client.app.state.system.push.hosts = ("fcm.googleapis.com",)  # type: ignore[attr-defined]
    ticket = issue(push_client)
    subscribe(push_client, ticket["token"], Browser(f"{endpoint.url}/push/late"))
    clerk = sign_in(push_client)
    push_client.post(f"{OFFICE}/counters/1/open", headers=clerk)
    call_next(push_client, clerk)
    time.sleep(0.5)
    assert endpoint.received == []


def test_a_subscription_as_the_browser_gives_it_is_taken(client: TestClient) -> None:
    ticket = issue(client)
    body = Browser("https://updates.push.services.mozilla.com/wpush/v2/gAAA").subscription()
    body["subscription"]["expirationTime"] = None  # PushSubscription.toJSON() has it
    assert client.post(f"/api/v1/visitor/{ticket['token']}/push", json=body).status_code == 201


def test_a_ticket_keeps_its_three_newest_subscriptions(client: TestClient, clock: Clock) -> None:
    ticket = issue(client)
    for n in range(5):
        clock.now += timedelta(seconds=1)
        body = Browser(f"https://fcm.googleapis.com/fcm/send/{n}").subscription()
        assert client.post(f"/api/v1/visitor/{ticket['token']}/push", json=body).status_code == 201
    kept = sorted(s.endpoint[-1] for s in subscriptions_of(client, ticket["id"]))
    assert kept == ["2", "3", "4"]
