"""The live views over HTTP (with ETag), the public status, OpenAPI and the health check."""

from __future__ import annotations

import json
from typing import Any

from starlette.testclient import TestClient

from server import accounts
from tests.conftest import kiosk_headers, receive_json

OFFICE = "/api/v1/offices/nakano"
API_ROUTES = [
    "/healthz",
    "/api/v1/auth/token",
    "/api/v1/offices/{office}/status",
    "/api/v1/offices/{office}/tickets",
    "/api/v1/visitor/{token}",
    "/api/v1/views/{channel}",
    *(f"/api/v1/offices/{{office}}/counters/{{counter}}/{a}" for a in ("open", "pause", "close")),
    "/api/v1/offices/{office}/counters/{counter}/call-next",
    *(
        f"/api/v1/tickets/{{id}}/{a}"
        for a in ("recall", "start", "finish", "no-show", "return", "cancel", "transfer")
    ),
    "/api/v1/tickets/{id}/ready",
    "/api/v1/tickets/{id}/hand-over",
]


def issue(client: TestClient, service: str = "moving", **fields: Any) -> dict[str, Any]:
    # Priority comes from a kiosk's button (or staff), never from anyone.
    headers = kiosk_headers(client) if fields.get("priority") else None
    answer = client.post(f"{OFFICE}/tickets", json={"service": service, **fields}, headers=headers)
    assert answer.status_code == 201, answer.text
    ticket: dict[str, Any] = answer.json()
    return ticket


def post(client: TestClient, clerk: dict[str, str], path: str) -> dict[str, Any]:
    answer = client.post(path, headers=clerk)
    assert answer.status_code == 200, answer.text
    body: dict[str, Any] = answer.json()
    return body


def device(client: TestClient, name: str) -> dict[str, str]:
    """A display's device token: a display channel is the display's (and staff's) to read."""
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {accounts.device_token(writer, name)}"}


def keys(value: Any) -> set[str]:
    """Every key of every object in a JSON value."""
    if isinstance(value, dict):
        return set(value) | {k for v in value.values() for k in keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in keys(v)}
    return set()


def busy_morning(client: TestClient, clerk: dict[str, str]) -> list[dict[str, Any]]:
    """Some tickets in every kind of state, in Vietnamese and Nepali."""
    tickets = [
        issue(client, "moving", lang="vi"),
        issue(client, "certificates", lang="ne"),
        issue(client, "insurance", lang="vi", priority=True),
        issue(client, "moving", lang="ne"),
    ]
    post(client, clerk, f"{OFFICE}/counters/4/open")
    post(client, clerk, f"{OFFICE}/counters/1/open")
    certificate = post(client, clerk, f"{OFFICE}/counters/4/call-next")
    for action in ("start", "finish", "ready"):
        post(client, clerk, f"/api/v1/tickets/{certificate['id']}/{action}")
    called = post(client, clerk, f"{OFFICE}/counters/1/call-next")
    post(client, clerk, f"/api/v1/tickets/{called['id']}/recall")
    post(client, clerk, f"/api/v1/tickets/{called['id']}/no-show")
    post(client, clerk, f"/api/v1/tickets/{called['id']}/return")
    post(client, clerk, f"{OFFICE}/counters/1/call-next")
    return tickets


def test_every_channel_answers_with_an_etag_and_304_when_unchanged(
    client: TestClient, clerk: dict[str, str]
) -> None:
    ticket = issue(client)
    for channel, headers in [
        ("public:nakano", {}),
        ("display:display-2f", device(client, "display-2f")),
        ("counter:4", clerk),
        (f"ticket:{ticket['token']}", {}),
    ]:
        first = client.get(f"/api/v1/views/{channel}", headers=headers)
        assert first.status_code == 200, (channel, first.text)
        assert first.headers["content-type"].startswith("application/json")
        etag = first.headers["etag"]
        assert etag.startswith('"') and etag.endswith('"') and len(etag) > 2
        again = client.get(f"/api/v1/views/{channel}", headers={**headers, "If-None-Match": etag})
        assert again.status_code == 304, channel
        assert again.content == b"" and again.headers["etag"] == etag
        stale = client.get(f"/api/v1/views/{channel}", headers={**headers, "If-None-Match": '"x"'})
        assert stale.status_code == 200 and stale.json() == first.json()


def test_the_etag_changes_after_a_command(client: TestClient, clerk: dict[str, str]) -> None:
    ticket = issue(client, "certificates")
    channels = ["public:nakano", "display:display-2f", "counter:4", f"ticket:{ticket['token']}"]
    before = {c: client.get(f"/api/v1/views/{c}", headers=clerk) for c in channels}
    post(client, clerk, f"{OFFICE}/counters/4/open")
    post(client, clerk, f"{OFFICE}/counters/4/call-next")
    for channel in channels:
        etag = before[channel].headers["etag"]
        after = client.get(f"/api/v1/views/{channel}", headers={**clerk, "If-None-Match": etag})
        assert after.status_code == 200, channel
        assert after.headers["etag"] != etag
        assert after.json()["version"] == before[channel].json()["version"] + 2


def test_the_counter_view_is_for_staff_only(client: TestClient, clerk: dict[str, str]) -> None:
    for headers in [{}, {"Authorization": "Bearer junk"}]:
        answer = client.get("/api/v1/views/counter:4", headers=headers)
        assert answer.status_code == 401 and answer.json()["code"] == "unauthorized"
    assert client.get("/api/v1/views/counter:4", headers=clerk).status_code == 200


def test_an_unknown_ticket_token_or_channel_is_404(client: TestClient) -> None:
    for channel in ["ticket:no-such-token", "counter:99", "display:lobby", "public:kyoto", "x"]:
        answer = client.get(f"/api/v1/views/{channel}")
        assert answer.status_code == 404, channel
        assert answer.json()["code"] == "not_found" and answer.json()["message"]


def test_the_public_view_lists_every_service_and_the_recent_calls(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    busy_morning(client, supervisor)
    view = client.get("/api/v1/views/public:nakano").json()
    assert view["version"] == client.get("/healthz").json()["version"]
    services = {s["id"]: s for s in view["services"]}
    assert list(services) == [
        "moving",
        "certificates",
        "mynumber",
        "koseki",
        "insurance",
        "childcare",
        "nursery",
    ]
    for service in services.values():
        assert {"id", "prefix", "names", "waiting", "calling", "estimate", "issuing"} <= set(
            service
        )
        assert service["names"]["ja"] and service["names"]["en"]
        assert service["issuing"] is True
        low, high = service["estimate"]["low_min"], service["estimate"]["high_min"]
        assert 0 <= low < high
    assert services["moving"]["prefix"] == "A" and services["certificates"]["prefix"] == "B"
    # A-001 came back behind A-002 (fewer than three waited), so A-002 is called.
    assert services["moving"]["waiting"] == 1
    assert services["insurance"]["waiting"] == 1
    assert services["certificates"]["waiting"] == 0
    assert services["moving"]["calling"] == [{"number": "A-002", "counter": "1"}]
    assert services["certificates"]["ready"] == [{"number": "B-001", "counter": "11"}]
    calls = [(c["number"], c["counter"]) for c in view["recent_calls"]]
    # Newest first: A-002 called; A-001 recalled and called; B-001 ready at 11, called at 4.
    assert calls == [("A-002", "1"), ("A-001", "1"), ("A-001", "1"), ("B-001", "11")] + [
        ("B-001", "4")
    ]


def test_the_public_estimate_grows_with_the_line(client: TestClient) -> None:
    def estimate() -> dict[str, int]:
        view = client.get(f"{OFFICE}/status").json()
        moving: dict[str, int] = next(s for s in view["services"] if s["id"] == "moving")[
            "estimate"
        ]
        return moving

    empty = estimate()
    for _ in range(10):
        issue(client, "moving")
    busy = estimate()
    assert busy["low_min"] > empty["low_min"] and busy["high_min"] > empty["high_min"]


def test_the_office_status_is_the_public_view(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    busy_morning(client, supervisor)
    status = client.get(f"{OFFICE}/status")
    view = client.get("/api/v1/views/public:nakano")
    assert status.status_code == 200
    assert status.json() == view.json()
    assert status.headers["etag"] == view.headers["etag"]


def test_public_and_display_views_and_events_carry_no_tokens_ids_or_languages(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    tickets = busy_morning(client, supervisor)
    secrets = [t["token"] for t in tickets] + [t["id"] for t in tickets]
    for channel in ["public:nakano", "display:display-2f", "display:display-3f"]:
        kind, _, name = channel.partition(":")
        headers = device(client, name) if kind == "display" else {}
        view = client.get(f"/api/v1/views/{channel}", headers=headers)
        assert view.status_code == 200
        for secret in secrets:
            assert secret not in view.text, channel
        assert not keys(view.json()) & {"lang", "token", "ticket", "id_", "clerk"}, channel
        token = headers.get("Authorization", " ").split(" ")[1]
        with client.websocket_connect(f"/ws/v1/{channel}?since=0&token={token}") as ws:
            message = receive_json(ws)
        assert message["type"] == "view" and message["channel"] == channel
        assert message["view"] == view.json()
        text = json.dumps(message, ensure_ascii=False)
        for secret in secrets:
            assert secret not in text, channel
        assert not keys(message["events"]) & {"token", "ticket", "clerk"}, channel
        # A display announces a call in the visitor's language too (ARCHITECTURE.md, "Who
        # uses it"), so only the public channel must not reveal it at all.
        if kind == "public":
            assert "lang" not in keys(message["events"])
        if channel == "public:nakano":
            assert [e["seq"] for e in message["events"]] == list(range(1, message["version"] + 1))


def test_the_ticket_view_shows_the_visitors_place(client: TestClient) -> None:
    first = issue(client, "moving", lang="en")
    second = issue(client, "moving", lang="en")
    view = client.get(f"/api/v1/views/ticket:{second['token']}").json()
    assert view["ticket"]["number"] == "A-002" and view["ticket"]["status"] == "waiting"
    assert view["ticket"]["position"] == 1
    assert first["token"] not in json.dumps(view) and first["id"] not in json.dumps(view)
    visitor = client.get(f"/api/v1/visitor/{second['token']}").json()
    assert visitor["number"] == "A-002" and visitor["position"] == 1 and "id" not in visitor


def test_the_counter_view_shows_the_ticket_at_the_counter_and_who_is_next(
    client: TestClient, clerk: dict[str, str]
) -> None:
    issue(client, "moving")
    issue(client, "certificates")
    post(client, clerk, f"{OFFICE}/counters/4/open")
    called = post(client, clerk, f"{OFFICE}/counters/4/call-next")
    view = client.get("/api/v1/views/counter:4", headers=clerk).json()
    assert view["counter"]["state"] == "open"
    assert view["current"]["id"] == called["id"] and view["current"]["number"] == "B-001"
    assert [t["number"] for t in view["next"]] == ["A-001"]


def test_openapi_lists_the_routes_of_the_api(client: TestClient) -> None:
    answer = client.get("/api/v1/openapi.json")
    assert answer.status_code == 200
    document = answer.json()
    assert document["openapi"].startswith("3.")
    assert document["info"]["title"] and document["info"]["version"]
    missing = [route for route in API_ROUTES if route not in document["paths"]]
    assert missing == []
    issuing = document["paths"]["/api/v1/offices/{office}/tickets"]["post"]
    assert "201" in issuing["responses"] and "requestBody" in issuing
    for path, item in document["paths"].items():
        for method, operation in item.items():
            assert method in ("get", "post", "put", "delete", "patch"), path
            assert operation["responses"], path
            for parameter in operation.get("parameters", []):
                if parameter["in"] == "path":
                    assert "{" + parameter["name"] + "}" in path, (path, parameter)
    refs = [v for v in json.dumps(document).split('"$ref": ')[1:] if v.startswith('"#/components/')]
    schemas = document["components"]["schemas"]
    for ref in refs:
        name = ref.split('"')[1].rsplit("/", 1)[1]
        assert name in schemas, name


def test_healthz_answers_ok_with_the_version(client: TestClient, clerk: dict[str, str]) -> None:
    health = client.get("/healthz")
    assert health.status_code == 200
    assert health.json()["status"] == "ok" and health.json()["version"] == 0
    issue(client)
    assert client.get("/healthz").json()["version"] == 1
