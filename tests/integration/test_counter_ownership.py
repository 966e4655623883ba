"""A counter and the visitor it has called belong to the clerk who opened it (issue 14,
item 2): another clerk cannot recall, return, start, finish or read the form of that
visitor, nor pause, close or call at that counter; a clerk holds one counter at a time.
Supervisors may act for anyone."""

from __future__ import annotations

from typing import Any

from starlette.testclient import TestClient

from server import accounts
from tests.conftest import CLERK, SUPERVISOR, sign_in

OFFICE = "/api/v1/offices/nakano"
CLERK2 = ("clerk2", "clerk-password-2")


def clerk2(client: TestClient) -> dict[str, str]:
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    accounts.add_user(writer, *CLERK2, accounts.Role.CLERK)
    return sign_in(client, CLERK2)


def issue(client: TestClient, service: str = "moving") -> dict[str, Any]:
    answer = client.post(f"{OFFICE}/tickets", json={"service": service})
    assert answer.status_code == 201, answer.text
    ticket: dict[str, Any] = answer.json()
    return ticket


def counter(client: TestClient, who: dict[str, str], number: str, action: str) -> Any:
    return client.post(f"{OFFICE}/counters/{number}/{action}", headers=who)


def refused(answer: Any, status: int, code: str) -> dict[str, Any]:
    assert answer.status_code == status, answer.text
    body: dict[str, Any] = answer.json()
    assert body["code"] == code and body["message"], body
    return body


def test_another_clerk_cannot_take_a_called_visitor_nor_read_their_form(
    client: TestClient, clerk: dict[str, str]
) -> None:
    other = clerk2(client)
    ticket = issue(client)
    put = client.put(
        f"/api/v1/visitor/{ticket['token']}/form", json={"values": {"name": "中野 太郎"}}
    )
    assert put.status_code == 200, put.text
    assert counter(client, clerk, "1", "open").status_code == 200
    assert counter(client, clerk, "1", "call-next").json()["id"] == ticket["id"]
    before = client.get(f"/api/v1/tickets/{ticket['id']}", headers=clerk).json()
    for action in ("recall", "return", "start", "no-show", "cancel"):
        answer = client.post(f"/api/v1/tickets/{ticket['id']}/{action}", headers=other)
        body = refused(answer, 403, "forbidden")
        assert "1番窓口" in body["message"] and CLERK2[0] not in body["message"], body
    assert client.get(f"/api/v1/tickets/{ticket['id']}", headers=clerk).json() == before
    for route in ("form", "form.pdf", "form.json"):
        answer = client.get(f"/api/v1/tickets/{ticket['id']}/{route}", headers=other)
        refused(answer, 403, "forbidden")
    # The clerk of the counter works on; so may a supervisor.
    assert client.post(f"/api/v1/tickets/{ticket['id']}/start", headers=clerk).status_code == 200
    boss = _supervisor(client)
    assert client.get(f"/api/v1/tickets/{ticket['id']}/form", headers=boss).status_code == 200
    done = client.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=boss)
    assert done.status_code == 200 and done.json()["status"] == "done"


def test_a_clerk_holds_one_counter_at_a_time(client: TestClient, clerk: dict[str, str]) -> None:
    assert counter(client, clerk, "1", "open").status_code == 200
    body = refused(counter(client, clerk, "4", "open"), 409, "holds_another_counter")
    assert body["counter"] == "1" and "1番窓口" in body["message"]
    # A paused counter is still held.
    assert counter(client, clerk, "1", "pause").status_code == 200
    refused(counter(client, clerk, "4", "open"), 409, "holds_another_counter")
    assert counter(client, clerk, "1", "close").status_code == 200
    assert counter(client, clerk, "4", "open").status_code == 200


def test_a_colleagues_counter_is_theirs_unless_a_supervisor_steps_in(
    client: TestClient, clerk: dict[str, str]
) -> None:
    other = clerk2(client)
    issue(client)
    assert counter(client, clerk, "1", "open").status_code == 200
    for action in ("pause", "close", "call-next", "open"):
        body = refused(counter(client, other, "1", action), 403, "forbidden")
        assert CLERK[0] in body["message"], body
    assert counter(client, clerk, "1", "pause").status_code == 200
    refused(counter(client, other, "1", "open"), 403, "forbidden")  # reopen: the holder's
    assert counter(client, clerk, "1", "open").status_code == 200
    # A supervisor may pause it (it stays the clerk's: the clerk reopens it) and call there.
    boss = _supervisor(client)
    paused = counter(client, boss, "1", "pause")
    assert paused.status_code == 200 and paused.json()["clerk"] == CLERK[0]
    # Reopened by the supervisor too, it is still the clerk's: she works it on.
    reopened = counter(client, boss, "1", "open")
    assert reopened.status_code == 200 and reopened.json()["clerk"] == CLERK[0]
    assert counter(client, clerk, "1", "pause").status_code == 200
    assert counter(client, clerk, "1", "open").status_code == 200
    assert counter(client, boss, "1", "call-next").status_code == 200
    # A supervisor works several counters at once.
    assert counter(client, boss, "4", "open").status_code == 200
    assert counter(client, boss, "9", "open").status_code == 200
    # A closed counter is anyone's to open.
    assert counter(client, boss, "9", "close").status_code == 200
    assert counter(client, other, "9", "open").status_code == 200


def _supervisor(client: TestClient) -> dict[str, str]:
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    accounts.add_user(writer, *SUPERVISOR, accounts.Role.SUPERVISOR)
    return sign_in(client, SUPERVISOR)
