"""Bad input and faults over HTTP, on both databases: each answer has its status and stable
code, and a refused request changes nothing."""

from __future__ import annotations

import contextlib
import sqlite3
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psycopg
from sqlalchemy import make_url
from starlette.testclient import TestClient

from server import accounts
from server.store import event_log, offices, tickets

OFFICE = "/api/v1/offices/nakano"
NAKANO = Path(__file__).resolve().parents[2] / "server" / "offices" / "nakano.toml"


def issue(client: TestClient, service: str = "moving", **kw: Any) -> Any:
    return client.post(f"{OFFICE}/tickets", json={"service": service}, **kw)


def state(client: TestClient) -> tuple[int, int]:
    """(office version, number of tickets): what a refused request must not move."""
    engines = client.app.state.system.engines  # type: ignore[attr-defined]
    with engines.reader.connect() as conn, conn.begin():
        return offices.office_version(conn, "nakano") or 0, tickets.count(conn)


def assert_error(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    assert answer.headers["content-type"].startswith("application/json")
    body: dict[str, Any] = answer.json()
    assert body["code"] == code, body
    assert isinstance(body["message"], str) and body["message"].strip()
    return body


def office_file(tmp_path: Path, old: str, new: str) -> str:
    text = NAKANO.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / "office.toml"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(path)


def test_unknown_office_service_counter_and_ticket_are_404_not_found(
    client: TestClient, clerk: dict[str, str]
) -> None:
    ticket = issue(client).json()
    before = state(client)
    for method, path, body, headers in [
        ("GET", "/api/v1/offices/kyoto/status", None, None),
        ("POST", "/api/v1/offices/kyoto/tickets", {"service": "moving"}, None),
        ("POST", f"{OFFICE}/tickets", {"service": "weddings"}, None),
        ("POST", f"{OFFICE}/tickets", {"service": "moving", "kiosk": "kiosk-9f"}, None),
        ("POST", f"{OFFICE}/counters/99/open", None, clerk),
        ("POST", f"{OFFICE}/counters/99/call-next", None, clerk),
        ("POST", f"{OFFICE}/counters/1/dance", None, clerk),
        ("POST", "/api/v1/tickets/no-such-ticket/start", None, clerk),
        ("POST", "/api/v1/tickets/no-such-ticket/transfer", {"service": "insurance"}, clerk),
        ("POST", f"/api/v1/tickets/{ticket['id']}/teleport", None, clerk),
        ("POST", f"/api/v1/tickets/{ticket['id']}/transfer", {"service": "weddings"}, clerk),
        ("GET", "/api/v1/tickets/no-such-ticket", None, clerk),
        ("GET", "/api/v1/visitor/no-such-token", None, None),
        ("GET", "/api/v1/views/ticket:no-such-token", None, None),
        ("GET", "/api/v1/views/display:display-9f", None, None),
        ("GET", "/api/v1/views/weather:nakano", None, None),
        ("GET", "/api/v1/no-such-route", None, None),
        ("GET", "/no-such-page-either", None, None),
    ]:
        answer = client.request(method, path, json=body, headers=headers)
        assert_error(answer, 404, "not_found")
    assert state(client) == before


def test_a_ticket_id_is_not_a_visitor_token_nor_the_other_way_round(
    client: TestClient, clerk: dict[str, str]
) -> None:
    ticket = issue(client).json()
    assert_error(client.get(f"/api/v1/visitor/{ticket['id']}"), 404, "not_found")
    answer = client.get(f"/api/v1/tickets/{ticket['token']}", headers=clerk)
    assert_error(answer, 404, "not_found")


def test_malformed_json_is_422_invalid_json(client: TestClient, clerk: dict[str, str]) -> None:
    ticket = issue(client).json()
    before = state(client)
    for path in [f"{OFFICE}/tickets", "/api/v1/auth/token"]:
        for raw in [b"{", b"", b"\xff\xfe", b"service=moving"]:
            assert_error(client.post(path, content=raw), 422, "invalid_json")
    answer = client.post(f"/api/v1/tickets/{ticket['id']}/transfer", content=b"{", headers=clerk)
    assert_error(answer, 422, "invalid_json")
    assert state(client) == before


BAD_FIELDS: list[tuple[dict[str, Any], str]] = [
    ({"service": "moving", "lang": "xx"}, "lang"),
    ({"service": "moving", "priority": "maybe"}, "priority"),
    # Booleans are booleans: no "yes", "true", 1 taken for true.
    ({"service": "moving", "priority": "yes"}, "priority"),
    ({"service": "moving", "priority": "true"}, "priority"),
    ({"service": "moving", "priority": 1}, "priority"),
    ({"lang": "ja"}, "service"),
    ({"service": ""}, "service"),
    ({"service": "moving", "colour": "red"}, "colour"),
    ({"service": "moving", "kiosk": 7}, "kiosk"),
]


def test_a_bad_field_is_422_naming_the_field(client: TestClient) -> None:
    before = state(client)
    for body, field in BAD_FIELDS:
        answer = client.post(f"{OFFICE}/tickets", json=body)
        error = assert_error(answer, 422, "invalid_request")
        assert error["field"] == field, body
        assert field in error["message"], body
    assert state(client) == before


def test_a_json_body_that_is_not_an_object_is_422(client: TestClient) -> None:
    for body in [[], "moving", 42, None]:
        answer = client.post(f"{OFFICE}/tickets", json=body)
        assert answer.status_code == 422, (body, answer.text)
        assert answer.json()["code"] in ("invalid_request", "invalid_json")


CLOSED_MOMENTS = [
    (datetime(2026, 11, 24, 22, 0, tzinfo=UTC), "not_yet_open"),  # Wed 07:00 Tokyo
    (datetime(2026, 11, 25, 7, 45, tzinfo=UTC), "after_cutoff"),  # Wed 16:45 Tokyo
    (datetime(2026, 11, 28, 1, 0, tzinfo=UTC), "closed_day"),  # Sat 10:00 Tokyo
    (datetime(2026, 11, 23, 1, 0, tzinfo=UTC), "closed_day"),  # 勤労感謝の日 (Mon)
    (datetime(2026, 12, 30, 1, 0, tzinfo=UTC), "closed_day"),  # 年末年始 (Wed)
]


def test_issuing_outside_hours_is_409_issuing_closed(client: TestClient, clock: Any) -> None:
    before = state(client)
    for moment, reason in CLOSED_MOMENTS:
        clock.now = moment
        error = assert_error(issue(client), 409, "issuing_closed")
        assert (error["reason"], error["service"]) == (reason, "moving"), moment
        status = client.get(f"{OFFICE}/status").json()
        moving = next(s for s in status["services"] if s["id"] == "moving")
        assert (moving["issuing"], moving["closed_reason"]) == (False, reason), moment
    assert state(client) == before


def test_issuing_at_the_edges_of_the_hours(client: TestClient, clock: Any) -> None:
    clock.now = datetime(2026, 11, 24, 23, 29, tzinfo=UTC)  # 08:29 Tokyo
    assert_error(issue(client), 409, "issuing_closed")
    clock.now = datetime(2026, 11, 24, 23, 30, tzinfo=UTC)  # 08:30 Tokyo: opens
    assert issue(client).status_code == 201
    clock.now = datetime(2026, 11, 25, 7, 29, tzinfo=UTC)  # 16:29 Tokyo
    assert issue(client).status_code == 201
    clock.now = datetime(2026, 11, 25, 7, 30, tzinfo=UTC)  # 16:30 Tokyo: 受付終了
    assert_error(issue(client), 409, "issuing_closed")


def test_an_always_open_server_issues_at_seven_in_the_morning(
    make_client: Callable[..., TestClient], database_url: str, clock: Any
) -> None:
    clock.now = datetime(2026, 11, 28, 22, 0, tzinfo=UTC)  # Sunday 07:00 Tokyo
    client = make_client(database_url, always_open=True)
    answer = issue(client)
    assert answer.status_code == 201, answer.text
    assert answer.json()["number"] == "A-001"


def test_the_daily_cap_is_409_daily_cap_reached(
    make_client: Callable[..., TestClient], database_url: str, tmp_path: Path
) -> None:
    path = office_file(tmp_path, 'prefix = "B"', 'prefix = "B"\ndaily_cap = 2')
    client = make_client(database_url, office_file=path)
    assert [issue(client, "certificates").json()["number"] for _ in range(2)] == [
        "B-001",
        "B-002",
    ]
    before = state(client)
    error = assert_error(issue(client, "certificates"), 409, "daily_cap_reached")
    assert error["service"] == "certificates" and error["cap"] == 2
    assert state(client) == before
    status = client.get(f"{OFFICE}/status").json()
    certificates = next(s for s in status["services"] if s["id"] == "certificates")
    assert certificates["issuing"] is False
    assert issue(client, "moving").status_code == 201  # other services go on


def test_staff_routes_need_a_valid_token(client: TestClient) -> None:
    ticket = issue(client).json()
    before = state(client)
    for headers in [
        {},
        {"Authorization": "Bearer not-a-token"},
        {"Authorization": "Basic Y2xlcmsxOmNsZXJrLXBhc3N3b3JkLTE="},
        {"Authorization": f"Bearer {ticket['token']}"},  # a visitor's token is no staff token
    ]:
        for path in [
            f"{OFFICE}/counters/1/open",
            f"{OFFICE}/counters/1/call-next",
            f"/api/v1/tickets/{ticket['id']}/cancel",
        ]:
            assert_error(client.post(path, headers=headers), 401, "unauthorized")
        answer = client.get(f"/api/v1/tickets/{ticket['id']}", headers=headers)
        assert_error(answer, 401, "unauthorized")
    assert state(client) == before


def test_signing_in_with_a_wrong_password_or_unknown_user_is_401(client: TestClient) -> None:
    for user, password in [("clerk1", "wrong-password"), ("nobody", "clerk-password-1")]:
        answer = client.post("/api/v1/auth/token", json={"username": user, "password": password})
        body = assert_error(answer, 401, "unauthorized")
        assert "token" not in body
    answer = client.post("/api/v1/auth/token", json={"username": "clerk1"})
    assert assert_error(answer, 422, "invalid_request")["field"] == "password"


def test_a_closed_office_issues_only_to_its_kiosks(
    make_client: Callable[..., TestClient], database_url: str, tmp_path: Path
) -> None:
    path = office_file(tmp_path, "open_issuing = true", "open_issuing = false")
    client = make_client(database_url, office_file=path)
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    kiosk_2f = accounts.device_token(writer, "kiosk-2f")
    kiosk_3f = accounts.device_token(writer, "kiosk-3f")
    assert_error(issue(client), 401, "unauthorized")
    before = state(client)
    answer = client.post(
        f"{OFFICE}/tickets",
        json={"service": "moving", "kiosk": "kiosk-2f"},
        headers={"Authorization": f"Bearer {kiosk_3f}"},
    )
    assert_error(answer, 403, "forbidden")
    assert state(client) == before
    answer = client.post(
        f"{OFFICE}/tickets",
        json={"service": "moving", "kiosk": "kiosk-2f"},
        headers={"Authorization": f"Bearer {kiosk_2f}"},
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["number"] == "A-001" and answer.json()["kiosk"] == "kiosk-2f"
    answer = client.post(
        f"{OFFICE}/tickets", json={"service": "moving"}, headers={"Authorization": "Bearer junk"}
    )
    assert answer.status_code in (401, 403) and answer.json()["code"] in (
        "unauthorized",
        "forbidden",
    )
    display = accounts.device_token(writer, "display-2f")
    answer = client.post(
        f"{OFFICE}/tickets",
        json={"service": "moving"},
        headers={"Authorization": f"Bearer {display}"},
    )
    assert_error(answer, 403, "forbidden")


def test_refused_commands_change_nothing(client: TestClient, clerk: dict[str, str]) -> None:
    ticket = issue(client).json()
    assert client.post(f"{OFFICE}/counters/1/open", headers=clerk).status_code == 200
    before = state(client)
    stored = client.get(f"/api/v1/tickets/{ticket['id']}", headers=clerk).json()
    for path, body, status in [
        (f"{OFFICE}/counters/1/open", None, 409),  # already open
        (f"{OFFICE}/counters/2/call-next", None, 409),  # closed
        (f"/api/v1/tickets/{ticket['id']}/start", None, 409),  # waiting: not called
        (f"/api/v1/tickets/{ticket['id']}/transfer", {"service": "insurance"}, 409),
        (f"/api/v1/tickets/{ticket['id']}/hand-over", None, 409),
        (f"/api/v1/tickets/{ticket['id']}/transfer", {"service": 5}, 422),
    ]:
        answer = client.post(path, json=body, headers=clerk)
        assert answer.status_code == status, (path, answer.text)
        assert state(client) == before, path
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=clerk).json() == stored


# --- the database busy or gone ---------------------------------------------------------


@contextlib.contextmanager
def database_out_of_reach(database_url: str) -> Iterator[None]:
    """SQLite: another process holds the write lock past busy_timeout. PostgreSQL: the
    database refuses connections and ours are cut."""
    if database_url.startswith("sqlite"):
        path = make_url(database_url).database
        assert path is not None
        blocker = sqlite3.connect(path, timeout=0, isolation_level=None)
        blocker.execute("BEGIN EXCLUSIVE")
        try:
            yield
        finally:
            blocker.execute("ROLLBACK")
            blocker.close()
        return
    name = make_url(database_url).database
    admin = database_url.rsplit("/", 1)[0] + "/postgres"
    with psycopg.connect(admin, autocommit=True) as conn:
        conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS false')
        conn.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = %s AND pid <> pg_backend_pid()",
            (name,),
        )
        try:
            yield
        finally:
            conn.execute(f'ALTER DATABASE "{name}" ALLOW_CONNECTIONS true')


def test_a_database_out_of_reach_gives_503_and_no_half_written_ticket(
    client: TestClient, clerk: dict[str, str], database_url: str
) -> None:
    assert issue(client).json()["number"] == "A-001"
    before = state(client)
    with database_out_of_reach(database_url):
        error = assert_error(issue(client), 503, "database_unavailable")
        assert "データベース" in error["message"]
    after = issue(client)
    assert after.status_code == 201, after.text
    assert after.json()["number"] == "A-002"  # no number lost, none reused
    assert state(client) == (before[0] + 1, before[1] + 1)
    engines = client.app.state.system.engines  # type: ignore[attr-defined]
    with engines.reader.connect() as conn, conn.begin():
        events = event_log.between(conn, "nakano", 0, 10**9)
    assert [e["seq"] for e in events] == list(range(1, len(events) + 1))
    assert [e["number"] for e in events if e["type"] == "ticket.issued"] == ["A-001", "A-002"]
    assert client.post(f"{OFFICE}/counters/1/open", headers=clerk).status_code == 200


def test_the_issuing_address_answers_other_methods_with_405(client: TestClient) -> None:
    """POST .../tickets is answered before the router (api/fast_path.py); anything else
    on that address still goes through it."""
    assert_error(client.get(f"{OFFICE}/tickets"), 405, "method_not_allowed")
    assert_error(client.put(f"{OFFICE}/tickets", json={}), 405, "method_not_allowed")
    assert_error(client.post("/api/v1/offices/nakano/tickets/x", json={}), 404, "not_found")


def test_a_bug_while_issuing_is_a_500_and_the_next_ticket_is_issued(
    client: TestClient, monkeypatch: Any
) -> None:
    from server.api import fast_path

    real = fast_path.issue_ticket

    async def broken(request: Any) -> Any:
        raise RuntimeError("a bug")

    monkeypatch.setattr(fast_path, "issue_ticket", broken)
    before = state(client)
    answer = issue(client)
    assert answer.status_code == 500 and answer.text == "Internal Server Error"
    assert state(client) == before
    monkeypatch.setattr(fast_path, "issue_ticket", real)
    assert issue(client).status_code == 201
