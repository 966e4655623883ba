"""Every ticket action over HTTP, on both databases: allowed actions give the new status and
exactly one event; refused ones answer 409 invalid_transition and change nothing. Also the
call policy, transfers, the pickup stage, counters and numbering."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

from starlette.testclient import TestClient

from server.store import event_log
from tests.conftest import kiosk_headers

OFFICE = "/api/v1/offices/nakano"
ACTIONS = ["recall", "start", "finish", "no-show", "return", "cancel", "transfer", "ready"]
ACTIONS.append("hand-over")

# (status, action) -> (status after, event type), written from ARCHITECTURE.md's diagram and
# the pickup stage (certificates: finish -> preparing, ready -> ready, hand-over -> done).
# The tickets in `serving` here are `moving` tickets (no pickup stage).
ALLOWED: dict[tuple[str, str], tuple[str, str]] = {
    ("waiting", "cancel"): ("cancelled", "ticket.cancelled"),
    ("called", "recall"): ("called", "ticket.recalled"),
    ("called", "start"): ("serving", "ticket.started"),
    ("called", "no-show"): ("absent", "ticket.no_show"),
    ("called", "return"): ("waiting", "ticket.returned"),
    ("called", "cancel"): ("cancelled", "ticket.cancelled"),
    ("serving", "finish"): ("done", "ticket.finished"),
    ("serving", "transfer"): ("waiting", "ticket.transferred"),
    ("absent", "return"): ("waiting", "ticket.returned"),
    ("absent", "cancel"): ("cancelled", "ticket.cancelled"),
    ("preparing", "ready"): ("ready", "ticket.ready"),
    ("ready", "recall"): ("ready", "ticket.recalled"),
    ("ready", "hand-over"): ("done", "ticket.handed_over"),
}
STATUSES = ["waiting", "called", "serving", "done", "absent", "cancelled", "preparing", "ready"]
TOKYO_10 = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # the clock fixture's Wednesday 10:00


def issue(client: TestClient, service: str = "moving", **fields: Any) -> dict[str, Any]:
    # Priority comes from a kiosk's button (or staff), never from anyone.
    headers = kiosk_headers(client) if fields.get("priority") else None
    answer = client.post(f"{OFFICE}/tickets", json={"service": service, **fields}, headers=headers)
    assert answer.status_code == 201, answer.text
    ticket: dict[str, Any] = answer.json()
    return ticket


def version(client: TestClient) -> int:
    answer = client.get(f"{OFFICE}/status")
    assert answer.status_code == 200, answer.text
    return int(answer.json()["version"])


def events_after(client: TestClient, after: int) -> list[dict[str, Any]]:
    engines = client.app.state.system.engines  # type: ignore[attr-defined]
    with engines.reader.connect() as conn, conn.begin():
        return event_log.between(conn, "nakano", after, 10**9)


def act(client: TestClient, clerk: dict[str, str], ticket_id: str, action: str, **body: Any) -> Any:
    return client.post(
        f"/api/v1/tickets/{ticket_id}/{action}", headers=clerk, json=body if body else None
    )


def ok(client: TestClient, clerk: dict[str, str], ticket_id: str, action: str, **body: Any) -> Any:
    answer = act(client, clerk, ticket_id, action, **body)
    assert answer.status_code == 200, answer.text
    return answer.json()


def get_ticket(client: TestClient, clerk: dict[str, str], ticket_id: str) -> dict[str, Any]:
    answer = client.get(f"/api/v1/tickets/{ticket_id}", headers=clerk)
    assert answer.status_code == 200, answer.text
    ticket: dict[str, Any] = answer.json()
    return ticket


def counter(client: TestClient, clerk: dict[str, str], number: str, action: str) -> Any:
    return client.post(f"{OFFICE}/counters/{number}/{action}", headers=clerk)


def call_next(client: TestClient, clerk: dict[str, str], number: str) -> dict[str, Any]:
    answer = counter(client, clerk, number, "call-next")
    assert answer.status_code == 200, answer.text
    ticket: dict[str, Any] = answer.json()
    return ticket


def reach(client: TestClient, clerk: dict[str, str], status: str) -> str:
    """A fresh ticket in `status` (counters 1 and 4 open and free beforehand)."""
    service = "certificates" if status in ("preparing", "ready") else "moving"
    ticket = issue(client, service)
    tid = ticket["id"]
    if status == "waiting":
        return tid
    if status == "cancelled":
        ok(client, clerk, tid, "cancel")
        return tid
    called = call_next(client, clerk, "4" if service == "certificates" else "1")
    assert called["id"] == tid
    path = {
        "called": [],
        "serving": ["start"],
        "done": ["start", "finish"],
        "absent": ["no-show"],
        "preparing": ["start", "finish"],
        "ready": ["start", "finish", "ready"],
    }[status]
    for action in path:
        ok(client, clerk, tid, action)
    assert get_ticket(client, clerk, tid)["status"] == status
    return tid


def release(client: TestClient, clerk: dict[str, str], ticket_id: str) -> None:
    """Drive a ticket to an end state so that its counter and line are free again."""
    for _ in range(4):
        status = get_ticket(client, clerk, ticket_id)["status"]
        step = {
            "waiting": "cancel",
            "called": "cancel",
            "absent": "cancel",
            "serving": "finish",
            "preparing": "ready",
            "ready": "hand-over",
        }.get(status)
        if step is None:
            return
        ok(client, clerk, ticket_id, step)
    raise AssertionError(f"ticket {ticket_id} did not reach an end state")


def open_counters(client: TestClient, clerk: dict[str, str], *numbers: str) -> None:
    for number in numbers:
        answer = counter(client, clerk, number, "open")
        assert answer.status_code == 200, answer.text


def test_every_action_on_every_status_is_applied_once_or_refused_without_change(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    clerk = supervisor  # one person working two counters
    open_counters(client, clerk, "1", "4")
    wrong: list[str] = []
    for status in STATUSES:
        for action in ACTIONS:
            tid = reach(client, clerk, status)
            wrong += check_action(client, clerk, tid, status, action)
            release(client, clerk, tid)
    assert wrong == []


def check_action(
    client: TestClient, clerk: dict[str, str], tid: str, status: str, action: str
) -> list[str]:
    """What went wrong applying `action` to a ticket in `status` (nothing: [])."""
    before_version = version(client)
    before = get_ticket(client, clerk, tid)
    body = {"service": "insurance"} if action == "transfer" else {}
    answer = act(client, clerk, tid, action, **body)
    expected = ALLOWED.get((status, action))
    pair = f"{status} × {action}"
    if expected is None:
        error = answer.json()
        problems = [
            answer.status_code != 409 and f"{pair}: HTTP {answer.status_code}, not 409",
            error.get("code") != "invalid_transition" and f"{pair}: code {error.get('code')}",
            (error.get("status"), error.get("action")) != (status, action)
            and f"{pair}: the error names {error.get('status')} × {error.get('action')}",
            not error.get("message") and f"{pair}: no message",
            version(client) != before_version and f"{pair}: the version moved",
            get_ticket(client, clerk, tid) != before and f"{pair}: the ticket changed",
        ]
    else:
        events = events_after(client, before_version)
        got = [(e["seq"], e["type"], e.get("ticket"), e.get("number")) for e in events]
        want = [(before_version + 1, expected[1], tid, before["number"])]
        problems = [
            answer.status_code != 200 and f"{pair}: HTTP {answer.status_code} {answer.text}",
            answer.status_code == 200
            and answer.json()["status"] != expected[0]
            and f"{pair}: became {answer.json()['status']}, not {expected[0]}",
            version(client) != before_version + 1
            and f"{pair}: version {before_version} -> {version(client)}",
            got != want and f"{pair}: events {got}, not {want}",
        ]
    return [p for p in problems if p]


def test_a_transfer_keeps_the_number_and_the_place_in_time(
    client: TestClient, supervisor: dict[str, str], clock: Any
) -> None:
    clerk = supervisor  # one person working two counters
    moving = issue(client, "moving")
    clock.now = TOKYO_10 + timedelta(minutes=5)
    later = [issue(client, "insurance"), issue(client, "insurance")]
    open_counters(client, clerk, "1", "9")
    assert call_next(client, clerk, "1")["id"] == moving["id"]
    ok(client, clerk, moving["id"], "start")
    clock.now = TOKYO_10 + timedelta(minutes=30)
    before = version(client)
    transferred = ok(client, clerk, moving["id"], "transfer", service="insurance")
    assert transferred["number"] == moving["number"] == "A-001"
    assert transferred["service"] == "insurance" and transferred["status"] == "waiting"
    assert transferred["position"] == 0 and transferred["counter"] is None
    [event] = events_after(client, before)
    assert event["type"] == "ticket.transferred" and event["number"] == "A-001"
    assert (event["from"], event["to"]) == ("moving", "insurance")
    order = []
    for _ in range(3):
        called = call_next(client, clerk, "9")
        order.append(called["number"])
        ok(client, clerk, called["id"], "cancel")
    assert order == ["A-001", later[0]["number"], later[1]["number"]]
    assert later[0]["number"] == "E-001"


def test_a_certificate_goes_through_preparing_and_ready_at_the_pickup_counter(
    client: TestClient, clerk: dict[str, str]
) -> None:
    open_counters(client, clerk, "4")
    ticket = issue(client, "certificates")
    call_next(client, clerk, "4")
    ok(client, clerk, ticket["id"], "start")
    before = version(client)
    preparing = ok(client, clerk, ticket["id"], "finish")
    assert preparing["status"] == "preparing" and preparing["counter"] is None
    assert [e["type"] for e in events_after(client, before)] == ["ticket.preparing"]
    # Counter 4 is free again while the document is made in the back office.
    assert counter(client, clerk, "4", "call-next").status_code == 204
    before = version(client)
    ready = ok(client, clerk, ticket["id"], "ready")
    assert ready["status"] == "ready" and ready["counter"] == "11"
    [event] = events_after(client, before)
    assert event["type"] == "ticket.ready" and event["counter"] == "11"
    assert event["number"] == "B-001" and event["service"] == "certificates"
    status = client.get(f"{OFFICE}/status").json()
    certificates = next(s for s in status["services"] if s["id"] == "certificates")
    assert {"number": "B-001", "counter": "11"} in certificates["ready"]
    assert {"number": "B-001", "counter": "11"} in status["ready"]
    assert (status["recent_calls"][0]["number"], status["recent_calls"][0]["counter"]) == (
        "B-001",
        "11",
    )
    assert ok(client, clerk, ticket["id"], "hand-over")["status"] == "done"
    assert client.get(f"{OFFICE}/status").json()["ready"] == []
    # `ready` may name another pickup counter.
    other = reach(client, clerk, "preparing")
    assert ok(client, clerk, other, "ready", counter="5")["counter"] == "5"


def test_counter_4_takes_certificates_before_older_moving_tickets(
    client: TestClient, clerk: dict[str, str], clock: Any
) -> None:
    first = issue(client, "moving")
    clock.now = TOKYO_10 + timedelta(minutes=1)
    certificate = issue(client, "certificates")
    clock.now = TOKYO_10 + timedelta(minutes=2)
    urgent = issue(client, "certificates", priority=True)
    open_counters(client, clerk, "4")
    order = []
    for _ in range(3):
        called = call_next(client, clerk, "4")
        order.append(called["id"])
        ok(client, clerk, called["id"], "cancel")
    assert order == [urgent["id"], certificate["id"], first["id"]]


def test_call_next_takes_the_priority_ticket_first_then_the_oldest(
    client: TestClient, clerk: dict[str, str], clock: Any
) -> None:
    tickets = []
    for minute, priority in enumerate([False, False, True, False]):
        clock.now = TOKYO_10 + timedelta(minutes=minute)
        tickets.append(issue(client, "moving", priority=priority))
    assert [t["position"] for t in tickets] == [0, 1, 0, 3]
    open_counters(client, clerk, "1")
    order = []
    for _ in tickets:
        called = call_next(client, clerk, "1")
        order.append(called["number"])
        ok(client, clerk, called["id"], "cancel")
    assert order == ["A-003", "A-001", "A-002", "A-004"]


def test_a_returned_no_show_goes_back_behind_the_next_three_or_to_the_end(
    client: TestClient, clerk: dict[str, str], clock: Any
) -> None:
    numbers = []
    for minute in range(6):
        clock.now = TOKYO_10 + timedelta(minutes=minute)
        numbers.append(issue(client, "moving")["number"])
    open_counters(client, clerk, "1")
    clock.now = TOKYO_10 + timedelta(minutes=10)
    first = call_next(client, clerk, "1")
    assert first["number"] == "A-001"
    assert ok(client, clerk, first["id"], "no-show")["status"] == "absent"
    clock.now = TOKYO_10 + timedelta(minutes=12)
    returned = ok(client, clerk, first["id"], "return")
    assert returned["status"] == "waiting" and returned["position"] == 3
    order = []
    for _ in range(4):
        called = call_next(client, clerk, "1")
        order.append(called["number"])
        ok(client, clerk, called["id"], "cancel")
    assert order == ["A-002", "A-003", "A-004", "A-001"]
    # Two left waiting: fewer than three, so a no-show goes to the end.
    again = call_next(client, clerk, "1")
    assert again["number"] == "A-005"
    ok(client, clerk, again["id"], "no-show")
    clock.now = TOKYO_10 + timedelta(minutes=20)
    assert ok(client, clerk, again["id"], "return")["position"] == 1


def test_a_counter_opens_pauses_and_closes_with_one_event_each(
    client: TestClient, clerk: dict[str, str]
) -> None:
    for action, state, event in [
        ("open", "open", "counter.opened"),
        ("pause", "paused", "counter.paused"),
        ("open", "open", "counter.opened"),
        ("close", "closed", "counter.closed"),
    ]:
        before = version(client)
        answer = counter(client, clerk, "3", action)
        assert answer.status_code == 200, answer.text
        assert answer.json()["counter"] == "3" and answer.json()["state"] == state
        assert [(e["type"], e.get("counter")) for e in events_after(client, before)] == [
            (event, "3")
        ]
        view = client.get("/api/v1/views/counter:3", headers=clerk).json()
        assert view["counter"]["state"] == state
    before = version(client)
    again = counter(client, clerk, "3", "close")
    assert again.status_code == 409 and again.json()["code"] == "invalid_transition"
    assert version(client) == before


def test_call_next_is_refused_on_a_counter_that_is_not_open_or_is_busy(
    client: TestClient, clerk: dict[str, str]
) -> None:
    waiting = issue(client, "moving")
    for setup in [[], ["open", "pause"], ["close"]]:
        for action in setup:
            assert counter(client, clerk, "1", action).status_code == 200
        before = version(client)
        answer = counter(client, clerk, "1", "call-next")
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "counter_not_open" and answer.json()["message"]
        assert version(client) == before
    assert get_ticket(client, clerk, waiting["id"])["status"] == "waiting"
    open_counters(client, clerk, "1")
    held = call_next(client, clerk, "1")
    later = issue(client, "moving")
    for step in [None, "start"]:
        if step:
            ok(client, clerk, held["id"], step)
        before = version(client)
        answer = counter(client, clerk, "1", "call-next")
        assert answer.status_code == 409, answer.text
        assert answer.json()["code"] == "counter_busy"
        assert version(client) == before
        assert get_ticket(client, clerk, later["id"])["status"] == "waiting"
        # Nor may a counter holding a ticket be paused or closed.
        for action in ("pause", "close"):
            refused = counter(client, clerk, "1", action)
            assert refused.status_code == 409 and refused.json()["code"] == "counter_busy"
        assert version(client) == before


def test_call_next_with_nothing_waiting_answers_204_and_writes_nothing(
    client: TestClient, clerk: dict[str, str]
) -> None:
    issue(client, "insurance")  # waits, but not for counter 1
    open_counters(client, clerk, "1")
    before = version(client)
    answer = counter(client, clerk, "1", "call-next")
    assert answer.status_code == 204 and answer.content == b""
    assert version(client) == before


def test_numbers_are_per_service_consecutive_and_never_repeat_within_a_day(
    client: TestClient, clerk: dict[str, str]
) -> None:
    numbers = [issue(client, s)["number"] for s in ["moving", "certificates", "moving"]]
    numbers.append(issue(client, "insurance")["number"])
    numbers.append(issue(client, "certificates")["number"])
    assert numbers == ["A-001", "B-001", "A-002", "E-001", "B-002"]
    open_counters(client, clerk, "1")
    moving = ["A-001", "A-002"]
    for i in range(9):
        ticket = issue(client, "moving")
        moving.append(ticket["number"])
        if i % 3 == 0:
            ok(client, clerk, ticket["id"], "cancel")
        elif i % 3 == 1:
            called = call_next(client, clerk, "1")
            ok(client, clerk, called["id"], "no-show")
    assert moving == [f"A-{n:03d}" for n in range(1, 12)]


def test_numbering_restarts_on_the_next_tokyo_day_not_at_utc_midnight(
    client: TestClient, clock: Any
) -> None:
    clock.now = datetime(2026, 11, 25, 6, 0, tzinfo=UTC)  # Wed 15:00 Tokyo
    assert [issue(client)["number"] for _ in range(3)] == ["A-001", "A-002", "A-003"]
    assert issue(client, "certificates")["number"] == "B-001"
    # Thu 08:45 Tokyo is still Wednesday in UTC: a new business day all the same.
    clock.now = datetime(2026, 11, 25, 23, 45, tzinfo=UTC)
    assert issue(client)["number"] == "A-001"
    # Thu 09:15 Tokyo is Thursday in UTC too: the same business day, no restart.
    clock.now = datetime(2026, 11, 26, 0, 15, tzinfo=UTC)
    assert issue(client)["number"] == "A-002"
    assert issue(client, "certificates")["number"] == "B-001"


def test_yesterdays_uncalled_ticket_is_not_called_today(
    client: TestClient, clerk: dict[str, str], clock: Any
) -> None:
    yesterday = issue(client, "moving")
    clock.now = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # Thu 10:00 Tokyo
    today = issue(client, "moving")
    assert today["number"] == yesterday["number"] == "A-001"
    status = client.get(f"{OFFICE}/status").json()
    assert next(s for s in status["services"] if s["id"] == "moving")["waiting"] == 1
    open_counters(client, clerk, "1")
    # Calling Wednesday's A-001 on Thursday would send today's A-001 to the counter.
    assert call_next(client, clerk, "1")["id"] == today["id"]


def test_a_ticket_left_at_a_counter_overnight_does_not_block_it_unseen(
    client: TestClient, clerk: dict[str, str], clock: Any
) -> None:
    open_counters(client, clerk, "1")
    issue(client, "moving")
    left = call_next(client, clerk, "1")  # called on Wednesday, never started nor ended
    clock.now = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # Thu 10:00 Tokyo
    issue(client, "moving")
    view = client.get("/api/v1/views/counter:1", headers=clerk).json()
    answer = counter(client, clerk, "1", "call-next")
    # The counter app and call-next must agree: either the app shows the ticket that holds
    # the counter (so the clerk can end it), or the counter is free to call today's line.
    if view["current"] is None:
        assert answer.status_code == 200, answer.text
    else:
        assert view["current"]["id"] == left["id"]
