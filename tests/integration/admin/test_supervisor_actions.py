"""The supervisor's actions, live and audited: the notice on every screen, a service's
issuing stopped and resumed, its cap and cut-off, a ticket called to a given counter; the
office's settings versioned (If-Match / 409), validated (422 naming the field), and a
refused change alters nothing."""

from __future__ import annotations

import concurrent.futures
import contextlib
import time
from datetime import timedelta
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server import accounts
from tests.conftest import SUPERVISOR, receive_json, sign_in

OFFICE = "/api/v1/offices/nakano"
ADMIN = ("settings-admin", "admin-password-1")


def _view(client: TestClient, channel: str = "public:nakano") -> dict[str, Any]:
    answer = client.get(f"/api/v1/views/{channel}")
    assert answer.status_code == 200, answer.text
    view: dict[str, Any] = answer.json()["view"] if "view" in answer.json() else answer.json()
    return view


def _service(view: dict[str, Any], service: str) -> dict[str, Any]:
    return next(s for s in view["services"] if s["id"] == service)


def _audit(client: TestClient, headers: dict[str, str]) -> list[dict[str, Any]]:
    answer = client.get(f"{OFFICE}/audit", headers=headers)
    assert answer.status_code == 200
    rows: list[dict[str, Any]] = answer.json()["audit"]
    return rows


def test_a_notice_reaches_every_view_and_is_audited(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    before = _view(client)["version"]
    answer = client.put(
        f"{OFFICE}/notice",
        json={"text": {"ja": "午後は混み合います", "en": "Busy this afternoon"}, "until": None},
        headers=supervisor,
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["text"]["en"] == "Busy this afternoon"
    revision = answer.json()["revision"]
    assert answer.headers["etag"] == f'"{revision}"'
    public = _view(client)
    assert public["version"] == before + 1  # the next version carries it
    assert public["notice"] == {"ja": "午後は混み合います", "en": "Busy this afternoon"}
    assert _view(client, "kiosk:kiosk-2f")["notice"]["ja"] == "午後は混み合います"
    row = _audit(client, supervisor)[0]
    assert (row["actor"], row["action"]) == (SUPERVISOR[0], "notice")
    assert row["before"] == {"text": {}, "until": None}
    assert row["after"]["text"]["ja"] == "午後は混み合います"
    cleared = client.put(f"{OFFICE}/notice", json={"text": {}}, headers=supervisor)
    assert cleared.status_code == 200 and cleared.json()["text"] == {}
    assert _view(client)["notice"] == {}


def test_a_notice_with_an_end_time_in_the_past_or_no_japanese_is_refused(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    past = client.put(
        f"{OFFICE}/notice",
        json={"text": {"ja": "x"}, "until": "2020-01-01T10:00:00+09:00"},
        headers=supervisor,
    )
    assert past.status_code == 422 and past.json()["field"] == "until"
    english_only = client.put(f"{OFFICE}/notice", json={"text": {"en": "x"}}, headers=supervisor)
    assert english_only.status_code == 422 and english_only.json()["field"] == "text.ja"
    unknown = client.put(f"{OFFICE}/notice", json={"text": {"xx": "x"}}, headers=supervisor)
    assert unknown.status_code == 422 and unknown.json()["field"].startswith("text")
    assert _view(client)["notice"] == {}
    assert _audit(client, supervisor) == []


def test_a_stopped_service_refuses_tickets_at_once_and_resumes(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    stopped = client.patch(
        f"{OFFICE}/services/certificates", json={"issuing": "stopped"}, headers=supervisor
    )
    assert stopped.status_code == 200, stopped.text
    assert stopped.json()["issuing"] == "stopped"
    refused = client.post(f"{OFFICE}/tickets", json={"service": "certificates"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "issuing_closed" and refused.json()["reason"] == "stopped"
    line = _service(_view(client), "certificates")
    assert line["issuing"] is False and line["closed_reason"] == "stopped"
    kiosk = _view(client, "kiosk:kiosk-2f")
    assert any(
        s["id"] == "certificates" and s["closed_reason"] == "stopped"
        for a in kiosk["areas"]
        for s in a["services"]
    )
    # Other lines go on.
    assert client.post(f"{OFFICE}/tickets", json={"service": "moving"}).status_code == 201
    resumed = client.patch(
        f"{OFFICE}/services/certificates", json={"issuing": "open"}, headers=supervisor
    )
    assert resumed.status_code == 200 and resumed.json()["issuing"] == "open"
    assert client.post(f"{OFFICE}/tickets", json={"service": "certificates"}).status_code == 201
    actions = [
        (r["action"], r["target"], r["after"]["issuing"]) for r in _audit(client, supervisor)
    ]
    assert actions == [("service", "certificates", "open"), ("service", "certificates", "stopped")]


def test_a_cap_below_todays_count_is_refused_and_changes_nothing(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    for _ in range(3):
        assert client.post(f"{OFFICE}/tickets", json={"service": "moving"}).status_code == 201
    revision = _view(client)["office"]["settings_revision"]
    low = client.patch(f"{OFFICE}/services/moving", json={"daily_cap": 2}, headers=supervisor)
    assert low.status_code == 422, low.text
    assert "daily_cap" in low.json()["field"] and "3" in low.json()["message"]
    assert _view(client)["office"]["settings_revision"] == revision
    ok = client.patch(f"{OFFICE}/services/moving", json={"daily_cap": 4}, headers=supervisor)
    assert ok.status_code == 200 and ok.json()["daily_cap"] == 4
    assert client.post(f"{OFFICE}/tickets", json={"service": "moving"}).status_code == 201
    full = client.post(f"{OFFICE}/tickets", json={"service": "moving"})
    assert full.status_code == 409 and full.json()["code"] == "daily_cap_reached"
    uncapped = client.patch(
        f"{OFFICE}/services/moving", json={"daily_cap": None}, headers=supervisor
    )
    assert uncapped.status_code == 200 and uncapped.json()["daily_cap"] is None
    assert client.post(f"{OFFICE}/tickets", json={"service": "moving"}).status_code == 201


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"cutoff": "17:30"}, "cutoff"),  # after the office closes
        ({"cutoff": "8:00"}, "cutoff"),
        ({"cutoff": "08:00"}, "services[0].cutoff"),  # before the service opens
        ({"daily_cap": 0}, "daily_cap"),
        ({"issuing": "paused"}, "issuing"),
        ({"colour": "red"}, "colour"),
        ({}, "body"),
    ],
)
def test_bad_service_settings_name_the_field(
    client: TestClient, supervisor: dict[str, str], body: dict[str, Any], field: str
) -> None:
    answer = client.patch(f"{OFFICE}/services/moving", json=body, headers=supervisor)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"] == field
    assert _audit(client, supervisor) == []


def test_the_second_of_two_supervisors_gets_409_with_the_current_value(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    seen = _view(client)["office"]["settings_revision"]
    first = client.patch(
        f"{OFFICE}/services/moving",
        json={"daily_cap": 50},
        headers={**supervisor, "If-Match": f'"{seen}"'},
    )
    assert first.status_code == 200
    second = client.patch(
        f"{OFFICE}/services/moving",
        json={"daily_cap": 80},
        headers={**supervisor, "If-Match": f'"{seen}"'},
    )
    assert second.status_code == 409
    assert second.json()["code"] == "edit_conflict"
    assert second.json()["current"]["daily_cap"] == 50
    assert second.json()["revision"] == first.json()["revision"]


def test_clerks_may_not_change_settings(client: TestClient, clerk: dict[str, str]) -> None:
    assert client.put(f"{OFFICE}/notice", json={"text": {}}, headers=clerk).status_code == 403
    assert (
        client.patch(
            f"{OFFICE}/services/moving", json={"issuing": "stopped"}, headers=clerk
        ).status_code
        == 403
    )
    assert client.get(f"{OFFICE}/settings", headers=clerk).status_code == 403


def test_a_supervisor_calls_a_given_ticket_to_a_given_counter(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    first = client.post(f"{OFFICE}/tickets", json={"service": "moving"}).json()
    second = client.post(f"{OFFICE}/tickets", json={"service": "moving"}).json()
    closed = client.post(
        f"/api/v1/tickets/{second['id']}/call", json={"counter": "4"}, headers=supervisor
    )
    assert closed.status_code == 409 and closed.json()["code"] == "counter_not_open"
    assert client.post(f"{OFFICE}/counters/4/open", headers=supervisor).status_code == 200
    called = client.post(
        f"/api/v1/tickets/{second['id']}/call", json={"counter": "4"}, headers=supervisor
    )
    assert called.status_code == 200, called.text
    assert (called.json()["status"], called.json()["counter"]) == ("called", "4")
    view = _view(client)
    assert view["recent_calls"][0]["number"] == second["number"]
    # The one ahead still waits; counter 4 is busy now.
    busy = client.post(
        f"/api/v1/tickets/{first['id']}/call", json={"counter": "4"}, headers=supervisor
    )
    assert busy.status_code == 409 and busy.json()["code"] == "counter_busy"
    again = client.post(
        f"/api/v1/tickets/{second['id']}/call", json={"counter": "5"}, headers=supervisor
    )
    assert again.status_code == 409
    row = _audit(client, supervisor)[0]
    assert (row["action"], row["target"], row["after"]["counter"]) == (
        "call_to_counter",
        second["number"],
        "4",
    )


def test_an_admin_replaces_the_settings_and_every_view_follows(client: TestClient) -> None:
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    accounts.add_user(writer, ADMIN[0], ADMIN[1], accounts.Role.ADMIN)
    admin = sign_in(client, ADMIN)
    current = client.get(f"{OFFICE}/settings", headers=admin)
    assert current.status_code == 200
    document = current.json()["document"]
    etag = current.headers["etag"]
    document["services"][0]["names"]["ja"] = "転入・転出（改）"
    bad = {**document, "services": [*document["services"], dict(document["services"][1])]}
    refused = client.put(
        f"{OFFICE}/settings", json={"document": bad}, headers={**admin, "If-Match": etag}
    )
    assert refused.status_code == 422 and refused.json()["field"].startswith("services[")
    changed = client.put(
        f"{OFFICE}/settings", json={"document": document}, headers={**admin, "If-Match": etag}
    )
    assert changed.status_code == 200, changed.text
    assert _service(_view(client), "moving")["names"]["ja"] == "転入・転出（改）"
    stale = client.put(
        f"{OFFICE}/settings", json={"document": document}, headers={**admin, "If-Match": etag}
    )
    assert stale.status_code == 409
    exported = client.get(f"{OFFICE}/settings.toml", headers=admin)
    assert exported.status_code == 200 and "転入・転出（改）" in exported.text


def test_a_notice_is_taken_down_at_its_end_time(
    make_client: Any, database_url: str, clock: Any
) -> None:
    """The server takes it down itself: a new revision without it, so every view drops it."""
    client = make_client(database_url, notice_check_s=0.05)
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    accounts.add_user(writer, SUPERVISOR[0], SUPERVISOR[1], accounts.Role.SUPERVISOR)
    headers = sign_in(client, SUPERVISOR)
    until = clock.now + timedelta(minutes=30)
    answer = client.put(
        f"{OFFICE}/notice",
        json={"text": {"ja": "臨時休止"}, "until": until.isoformat()},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    assert _view(client)["notice"] == {"ja": "臨時休止"}
    clock.now += timedelta(minutes=31)
    revision = _view(client)["office"]["settings_revision"]
    deadline = time.monotonic() + 10
    while _view(client)["office"]["settings_revision"] == revision:
        assert time.monotonic() < deadline, "the notice was not taken down"
        time.sleep(0.05)
    assert _view(client)["notice"] == {}
    row = _audit(client, headers)[0]
    assert row["action"] == "notice" and row["after"] == {"text": {}, "until": None}


def test_a_supervisor_closes_the_counter_a_clerk_left_open_and_it_is_audited(
    client: TestClient, clerk: dict[str, str], supervisor: dict[str, str]
) -> None:
    assert client.post(f"{OFFICE}/counters/2/open", headers=clerk).status_code == 200
    closed = client.post(f"{OFFICE}/counters/2/close", headers=supervisor)
    assert closed.status_code == 200 and closed.json()["state"] == "closed"
    row = _audit(client, supervisor)[0]
    assert (row["actor"], row["action"], row["target"]) == (SUPERVISOR[0], "counter", "2")
    assert row["before"]["state"] == "open" and row["after"]["state"] == "closed"
    # A clerk's own work is no supervisor's change: not in the log.
    assert client.post(f"{OFFICE}/counters/2/open", headers=clerk).status_code == 200
    assert _audit(client, supervisor)[0]["id"] == row["id"]


@pytest.mark.parametrize(
    "document",
    [
        {},
        {"office": []},
        {"office": {"id": "nakano", "names": {"ja": "x"}}, "areas": [{"id": ["x"]}]},
        {"office": {"id": "nakano", "names": {"ja": "x"}}, "areas": "residents"},
    ],
)
def test_a_document_of_the_wrong_shape_is_422_and_changes_nothing(
    client: TestClient, document: dict[str, Any]
) -> None:
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    accounts.add_user(writer, ADMIN[0], ADMIN[1], accounts.Role.ADMIN)
    admin = sign_in(client, ADMIN)
    before = _view(client)["office"]["settings_revision"]
    answer = client.put(f"{OFFICE}/settings", json={"document": document}, headers=admin)
    assert answer.status_code == 422, answer.text
    assert answer.json()["field"]
    assert _view(client)["office"]["settings_revision"] == before


def test_a_display_taken_out_of_the_settings_is_told_so_and_a_new_kiosk_gets_a_printer(
    client: TestClient,
) -> None:
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    accounts.add_user(writer, ADMIN[0], ADMIN[1], accounts.Role.ADMIN)
    admin = sign_in(client, ADMIN)
    token = accounts.device_token(writer, "display-3f")
    current = client.get(f"{OFFICE}/settings", headers=admin).json()
    document = current["document"]
    document["displays"] = [d for d in document["displays"] if d["id"] != "display-3f"]
    document["kiosks"].append({"id": "kiosk-1f", "printer": "tcp://127.0.0.1:9"})
    # The hub ends the display's endpoint itself: the test client says so on leaving.
    with (
        contextlib.suppress(concurrent.futures.CancelledError),
        client.websocket_connect(f"/ws/v1/display:display-3f?token={token}") as ws,
    ):
        assert receive_json(ws)["type"] == "view"
        changed = client.put(f"{OFFICE}/settings", json={"document": document}, headers=admin)
        assert changed.status_code == 200, changed.text
        with pytest.raises(WebSocketDisconnect) as closed:
            while True:
                receive_json(ws)
    assert closed.value.code == 4404
    # The other screens go on, with the new settings.
    assert _view(client)["office"]["settings_revision"] == changed.json()["revision"]
    printing = client.app.state.system.printing  # type: ignore[attr-defined]
    assert printing.devices["kiosk-1f"].uri == "tcp://127.0.0.1:9"
    bad = dict(document)
    bad["kiosks"] = [*document["kiosks"][:-1], {"id": "kiosk-1f", "printer": "lpt:x"}]
    refused = client.put(f"{OFFICE}/settings", json={"document": bad}, headers=admin)
    assert refused.status_code == 422 and refused.json()["field"].endswith(".printer")
