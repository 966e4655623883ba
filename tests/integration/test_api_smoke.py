"""A first end-to-end pass through the API on both databases."""

from __future__ import annotations

from starlette.testclient import TestClient


def test_issue_call_and_finish_a_certificate_through_pickup(
    client: TestClient, clerk: dict[str, str]
) -> None:
    issued = client.post(
        "/api/v1/offices/nakano/tickets", json={"service": "certificates", "lang": "en"}
    )
    assert issued.status_code == 201, issued.text
    ticket = issued.json()
    assert ticket["number"] == "B-001" and ticket["status"] == "waiting" and ticket["token"]
    assert client.post("/api/v1/offices/nakano/counters/4/open", headers=clerk).status_code == 200
    called = client.post("/api/v1/offices/nakano/counters/4/call-next", headers=clerk).json()
    assert (called["id"], called["status"], called["counter"]) == (ticket["id"], "called", "4")
    for action, status in [
        ("start", "serving"),
        ("finish", "preparing"),
        ("ready", "ready"),
        ("hand-over", "done"),
    ]:
        answer = client.post(f"/api/v1/tickets/{ticket['id']}/{action}", headers=clerk)
        assert answer.status_code == 200, answer.text
        assert answer.json()["status"] == status
    assert (
        client.post("/api/v1/offices/nakano/counters/4/call-next", headers=clerk).status_code == 204
    )
    visitor = client.get(f"/api/v1/visitor/{ticket['token']}").json()
    assert visitor["status"] == "done" and "id" not in visitor
