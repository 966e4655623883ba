"""The live hub through Starlette's TestClient, on both databases: for every command, the
view pushed after it equals a fresh GET of the same channel, carries the expected events,
has a newer version and differs from the view before (the Zulip pattern)."""

from __future__ import annotations

import contextlib
import dataclasses
import json
from collections.abc import Iterator
from typing import Any

import pytest
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from server.live.protocol import Close
from tests.conftest import receive_json

OFFICE = "/api/v1/offices/nakano"
PUBLIC = "public:nakano"
DISPLAY = "display:display-2f"
PRIVATE_KEYS = ("ticket", "lang", "clerk", "token")
CALLS = {"ticket.called", "ticket.recalled", "ticket.ready"}


class Live:
    """Websocket subscriptions, each with the last message it received."""

    def __init__(self, client: TestClient, clerk: dict[str, str]) -> None:
        self.client, self.clerk = client, clerk
        self.stack = contextlib.ExitStack()
        self.sockets: dict[str, WebSocketTestSession] = {}
        self.last: dict[str, dict[str, Any]] = {}

    def url(self, channel: str, since: int | None = None) -> str:
        params = []
        if since is not None:
            params.append(f"since={since}")
        if channel.startswith(("counter:", "display:")):  # a display also needs a token
            params.append("token=" + self.clerk["Authorization"].split()[1])
        return f"/ws/v1/{channel}" + ("?" + "&".join(params) if params else "")

    def watch(self, channel: str) -> dict[str, Any]:
        ws = self.stack.enter_context(self.client.websocket_connect(self.url(channel)))
        first = receive_json(ws)
        assert first["type"] == "view" and first["channel"] == channel
        assert first["events"] == [] and "resync" not in first
        assert first["view"] == self.fresh(channel)
        self.sockets[channel] = ws
        self.last[channel] = first
        return first

    def fresh(self, channel: str) -> dict[str, Any]:
        answer = self.client.get(f"/api/v1/views/{channel}", headers=self.clerk)
        assert answer.status_code == 200, answer.text
        assert answer.headers["etag"]
        view: dict[str, Any] = answer.json()
        assert answer.headers["x-version"] == str(view["version"])
        return view

    def pushed(self) -> dict[str, dict[str, Any]]:
        """The message each subscription got after one command, checked against a fresh
        view of its channel and against the message before it."""
        out = {}
        for channel, ws in self.sockets.items():
            before = self.last[channel]
            message = receive_json(ws)
            assert message["type"] == "view" and message["channel"] == channel
            assert "resync" not in message
            assert message["version"] > before["version"], channel
            assert message["view"]["version"] == message["version"]
            assert message["view"] == self.fresh(channel), channel
            assert message["view"] != before["view"], channel
            seqs = [e["seq"] for e in message["events"]]
            assert seqs == sorted(seqs)
            assert all(before["version"] < s <= message["version"] for s in seqs)
            for event in message["events"]:
                assert {"seq", "type", "at"} <= event.keys(), event
                assert json.loads(json.dumps(event)) == event
            self.last[channel] = message
            out[channel] = message
        return out

    def close(self) -> None:
        self.stack.close()


@pytest.fixture
def live(client: TestClient, clerk: dict[str, str]) -> Iterator[Live]:
    watcher = Live(client, clerk)
    yield watcher
    watcher.close()


def issue(client: TestClient, service: str = "moving", lang: str = "vi") -> dict[str, Any]:
    answer = client.post(f"{OFFICE}/tickets", json={"service": service, "lang": lang})
    assert answer.status_code == 201, answer.text
    ticket: dict[str, Any] = answer.json()
    return ticket


def counter(client: TestClient, clerk: dict[str, str], number: str, action: str) -> Any:
    answer = client.post(f"{OFFICE}/counters/{number}/{action}", headers=clerk)
    assert answer.status_code in (200, 204), answer.text
    return answer


def act(client: TestClient, clerk: dict[str, str], ticket: dict[str, Any], action: str) -> Any:
    body = {"service": "insurance"} if action == "transfer" else None
    answer = client.post(f"/api/v1/tickets/{ticket['id']}/{action}", json=body, headers=clerk)
    assert answer.status_code == 200, answer.text
    return answer


@dataclasses.dataclass(frozen=True)
class Case:
    """One command on the watched ticket T (issued first, in `service`), after `setup`."""

    command: str  # "issue", "call-next", a ticket action, or "open" / "pause" / "close"
    service: str
    setup: tuple[str, ...]
    event: str
    status: str  # T's status afterwards
    counter: str | None = None  # the counter a call event names
    extra: tuple[str, ...] = ()  # more channels to watch

    @property
    def on_ticket(self) -> bool:
        return self.command not in ("issue", "open", "pause", "close")


PICKUP = ("open", "call-next", "start", "finish")
CASES = {
    "issue": Case("issue", "moving", (), "ticket.issued", "waiting"),
    "call-next": Case("call-next", "moving", ("open",), "ticket.called", "called", "4"),
    "recall": Case("recall", "moving", ("open", "call-next"), "ticket.recalled", "called", "4"),
    "start": Case("start", "moving", ("open", "call-next"), "ticket.started", "serving"),
    "finish": Case("finish", "moving", ("open", "call-next", "start"), "ticket.finished", "done"),
    "finish-to-pickup": Case(
        "finish",
        "certificates",
        ("open", "call-next", "start"),
        "ticket.preparing",
        "preparing",
        extra=("counter:11",),  # the pickup counter hears of the request too
    ),
    "no-show": Case("no-show", "moving", ("open", "call-next"), "ticket.no_show", "absent"),
    "return": Case(
        "return", "moving", ("open", "call-next", "no-show"), "ticket.returned", "waiting"
    ),
    "cancel": Case("cancel", "moving", (), "ticket.cancelled", "cancelled"),
    "transfer": Case(
        "transfer",
        "moving",
        ("open", "call-next", "start"),
        "ticket.transferred",
        "waiting",
        extra=("counter:9",),
    ),
    "ready": Case(
        "ready", "certificates", PICKUP, "ticket.ready", "ready", "11", extra=("counter:11",)
    ),
    "hand-over": Case(
        "hand-over",
        "certificates",
        (*PICKUP, "ready"),
        "ticket.handed_over",
        "done",
        extra=("counter:11",),
    ),
    "counter-open": Case("open", "moving", (), "counter.opened", "waiting", "4"),
    "counter-pause": Case("pause", "moving", ("open",), "counter.paused", "waiting", "4"),
    "counter-close": Case("close", "moving", ("open",), "counter.closed", "waiting", "4"),
}


def run(
    client: TestClient, clerk: dict[str, str], ticket: dict[str, Any], step: str
) -> dict[str, Any] | None:
    if step in ("open", "pause", "close", "call-next"):
        answer = counter(client, clerk, "4", step)
    elif step == "issue":
        return issue(client, ticket["service"], "ne")
    else:
        answer = act(client, clerk, ticket, step)
    return answer.json() if answer.status_code == 200 else None


@pytest.mark.parametrize("name", list(CASES))
def test_the_view_pushed_after_each_command_equals_a_fresh_view_with_its_events(
    name: str, client: TestClient, clerk: dict[str, str], live: Live
) -> None:
    case = CASES[name]
    ticket = issue(client, case.service)
    for step in case.setup:
        run(client, clerk, ticket, step)
    mine = f"ticket:{ticket['token']}"
    for channel in (PUBLIC, DISPLAY, "counter:4", mine, *case.extra):
        live.watch(channel)

    answer = run(client, clerk, ticket, case.command)
    pushed = live.pushed()

    subject = answer if case.command == "issue" else ticket
    assert subject is not None
    expected = {channel: [case.event] for channel in pushed}
    expected[mine] = [case.event] if case.on_ticket else []
    for channel, message in pushed.items():
        types = [e["type"] for e in message["events"]]
        assert types == expected[channel], (channel, types)
        for event in message["events"]:
            if event["type"].startswith("ticket."):
                assert event["number"] == subject["number"]
                assert event["service"] == subject_service(case, subject)
            if event["type"] in CALLS or event["type"].startswith("counter."):
                assert event["counter"] == case.counter
            if channel.startswith("counter:") and event["type"].startswith("ticket."):
                assert event["ticket"] == subject["id"]  # staff see the staff handle
            if not channel.startswith("counter:"):
                assert not set(PRIVATE_KEYS) & event.keys(), (channel, event)
                assert ticket["token"] not in json.dumps(event)
    status = client.get(f"/api/v1/tickets/{ticket['id']}", headers=clerk).json()["status"]
    assert status == case.status


def subject_service(case: Case, subject: dict[str, Any]) -> str:
    return "insurance" if case.command == "transfer" else str(subject["service"])


def test_public_and_display_views_carry_no_ticket_id_token_or_language(
    client: TestClient, clerk: dict[str, str], live: Live
) -> None:
    ticket = issue(client, "moving", lang="ne")
    counter(client, clerk, "4", "open")
    for channel in (PUBLIC, DISPLAY, f"ticket:{ticket['token']}"):
        live.watch(channel)
    counter(client, clerk, "4", "call-next")
    pushed = live.pushed()
    for channel in (PUBLIC, DISPLAY):
        # A display's call event says the call in the visitor's language too (`announce`),
        # as the hall hears it; the event itself names no language.
        for event in pushed[channel]["events"]:
            assert all(u.keys() == {"lang", "text", "audio"} for u in event.pop("announce", []))
        text = json.dumps(pushed[channel])
        assert ticket["token"] not in text and ticket["id"] not in text
        assert '"lang"' not in text
        assert pushed[channel]["events"][0]["number"] == ticket["number"]
    mine = json.dumps(pushed[f"ticket:{ticket['token']}"])
    assert ticket["id"] not in mine


def test_a_ticket_channel_carries_only_its_own_tickets_events(
    client: TestClient, clerk: dict[str, str], live: Live
) -> None:
    mine, other = issue(client), issue(client)
    counter(client, clerk, "4", "open")
    live.watch(f"ticket:{other['token']}")
    live.watch(f"ticket:{mine['token']}")
    called = counter(client, clerk, "4", "call-next").json()
    assert called["id"] == mine["id"]
    pushed = live.pushed()
    assert [e["type"] for e in pushed[f"ticket:{mine['token']}"]["events"]] == ["ticket.called"]
    assert pushed[f"ticket:{other['token']}"]["events"] == []
    assert pushed[f"ticket:{other['token']}"]["view"]["ticket"]["position"] == 0
    act(client, clerk, mine, "no-show")
    pushed = live.pushed()
    assert [e["type"] for e in pushed[f"ticket:{mine['token']}"]["events"]] == ["ticket.no_show"]
    assert pushed[f"ticket:{other['token']}"]["events"] == []
    issue(client)
    pushed = live.pushed()
    assert pushed[f"ticket:{mine['token']}"]["events"] == []
    assert pushed[f"ticket:{other['token']}"]["events"] == []


def commands_while_away(client: TestClient, clerk: dict[str, str]) -> list[str]:
    first, second = issue(client), issue(client, "certificates")
    counter(client, clerk, "4", "open")
    called = counter(client, clerk, "4", "call-next").json()
    act(client, clerk, called, "recall")
    assert called["service"] == "certificates"  # counter 4 takes certificates first
    return [first["number"], second["number"], called["number"]]


def test_reconnecting_with_since_gets_the_current_view_and_exactly_the_missed_events(
    client: TestClient, clerk: dict[str, str], live: Live
) -> None:
    before = live.watch(PUBLIC)["version"]
    live.close()
    first, second, called = commands_while_away(client, clerk)
    assert called == second
    with client.websocket_connect(live.url(PUBLIC, since=before)) as ws:
        message = receive_json(ws)
    assert "resync" not in message
    assert message["view"] == live.fresh(PUBLIC)
    assert message["version"] == before + 5
    assert [e["seq"] for e in message["events"]] == list(range(before + 1, before + 6))
    assert [(e["type"], e.get("number")) for e in message["events"]] == [
        ("ticket.issued", first),
        ("ticket.issued", second),
        ("counter.opened", None),
        ("ticket.called", second),
        ("ticket.recalled", second),
    ]
    assert message["events"][3]["counter"] == "4"
    for event in message["events"]:
        assert not set(PRIVATE_KEYS) & event.keys(), event


def test_reconnecting_a_ticket_channel_replays_only_that_tickets_events(
    client: TestClient, clerk: dict[str, str], live: Live
) -> None:
    ticket = issue(client, "certificates")
    before = live.watch(f"ticket:{ticket['token']}")["version"]
    live.close()
    commands_while_away(client, clerk)
    with client.websocket_connect(live.url(f"ticket:{ticket['token']}", since=before)) as ws:
        message = receive_json(ws)
    assert [e["type"] for e in message["events"]] == ["ticket.called", "ticket.recalled"]
    assert all(e["number"] == ticket["number"] for e in message["events"])


def test_reconnecting_at_the_current_version_gets_the_view_and_no_events(
    client: TestClient, clerk: dict[str, str], live: Live
) -> None:
    commands_while_away(client, clerk)
    version = live.fresh(PUBLIC)["version"]
    with client.websocket_connect(live.url(PUBLIC, since=version)) as ws:
        message = receive_json(ws)
    assert message["version"] == version and message["events"] == []
    assert "resync" not in message


def test_a_since_newer_than_the_server_gets_a_resync_and_no_events(
    client: TestClient, clerk: dict[str, str], live: Live
) -> None:
    commands_while_away(client, clerk)
    version = live.fresh(PUBLIC)["version"]
    for channel in (PUBLIC, DISPLAY, "counter:4"):
        with client.websocket_connect(live.url(channel, since=version + 100)) as ws:
            message = receive_json(ws)
        assert message["resync"] is True, channel
        assert message["events"] == [] and message["version"] == version
        assert message["view"] == live.fresh(channel)


def test_after_a_resync_the_next_push_carries_the_next_events(
    client: TestClient, clerk: dict[str, str], live: Live
) -> None:
    version = live.fresh(PUBLIC)["version"]
    with client.websocket_connect(live.url(PUBLIC, since=version + 100)) as ws:
        assert receive_json(ws)["resync"] is True
        ticket = issue(client)
        message = receive_json(ws)
    assert "resync" not in message
    assert [(e["type"], e["number"]) for e in message["events"]] == [
        ("ticket.issued", ticket["number"])
    ]


@pytest.mark.parametrize(
    "channel", ["nowhere:nakano", "public:shibuya", "display:display-9f", "counter:99", "public:"]
)
def test_an_unknown_channel_is_closed_with_4404(
    channel: str, client: TestClient, live: Live
) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(live.url(channel)) as ws,
    ):
        receive_json(ws)  # accepted first, then closed: a browser can read the code
    assert closed.value.code == Close.NOT_FOUND


def test_an_unknown_ticket_token_is_closed_with_4404(client: TestClient) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect("/ws/v1/ticket:no-such-token") as ws,
    ):
        receive_json(ws)
    assert closed.value.code == Close.NOT_FOUND


@pytest.mark.parametrize("query", ["", "?token=forged.token.value"])
def test_a_counter_channel_without_a_valid_clerk_token_is_closed_with_4401(
    query: str, client: TestClient
) -> None:
    with (
        pytest.raises(WebSocketDisconnect) as closed,
        client.websocket_connect(f"/ws/v1/counter:4{query}") as ws,
    ):
        receive_json(ws)
    assert closed.value.code == Close.UNAUTHORIZED
