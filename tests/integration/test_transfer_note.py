"""A transfer may carry a note for the next counter: staff see it there, nobody else does,
and it is erased overnight with the day's other personal data."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from starlette.testclient import TestClient

from server.forms.entries import NOTE_RETENTION_H
from tests.conftest import receive_json

OFFICE = "/api/v1/offices/nakano"
NOTE = "国保の加入は2名分（世帯主と子）"


def _post(client: TestClient, clerk: dict[str, str], path: str, **body: Any) -> Any:
    answer = client.post(path, json=body or None, headers=clerk)
    assert answer.status_code in (200, 201), answer.text
    return answer.json()


def test_a_transfer_note_reaches_the_next_counter_and_nobody_else(
    client: TestClient, supervisor: dict[str, str], clock: Any
) -> None:
    clerk = supervisor  # one person working both counters
    ticket = _post(client, {}, f"{OFFICE}/tickets", service="moving")
    for counter in ("1", "9"):
        _post(client, clerk, f"{OFFICE}/counters/{counter}/open")
    _post(client, clerk, f"{OFFICE}/counters/1/call-next")
    _post(client, clerk, f"/api/v1/tickets/{ticket['id']}/start")
    with client.websocket_connect(f"/ws/v1/ticket:{ticket['token']}") as visitor:
        receive_json(visitor)
        moved = _post(
            client,
            clerk,
            f"/api/v1/tickets/{ticket['id']}/transfer",
            service="insurance",
            note=NOTE,
        )
        assert moved["number"] == ticket["number"] and moved["service"] == "insurance"
        pushed = receive_json(visitor)
        assert NOTE not in str(pushed)
    public = client.get("/api/v1/views/public:nakano").json()
    assert NOTE not in str(public)

    _post(client, clerk, f"{OFFICE}/counters/9/call-next")
    form = client.get(f"/api/v1/tickets/{ticket['id']}/form", headers=clerk).json()
    assert [t["note"] for t in form["transfers"]] == [NOTE]

    # Overnight, the note goes; the transfer stays in the log.
    desk = client.app.state.system.forms  # type: ignore[attr-defined]
    desk.entries.purge(clock.now + timedelta(hours=NOTE_RETENTION_H + 1))
    form = client.get(f"/api/v1/tickets/{ticket['id']}/form", headers=clerk).json()
    assert [(t["to"], t["note"]) for t in form["transfers"]] == [("insurance", None)]


def test_a_note_longer_than_200_characters_is_refused_and_nothing_moves(
    client: TestClient, clerk: dict[str, str]
) -> None:
    ticket = _post(client, {}, f"{OFFICE}/tickets", service="moving")
    _post(client, clerk, f"{OFFICE}/counters/1/open")
    _post(client, clerk, f"{OFFICE}/counters/1/call-next")
    _post(client, clerk, f"/api/v1/tickets/{ticket['id']}/start")
    answer = client.post(
        f"/api/v1/tickets/{ticket['id']}/transfer",
        json={"service": "insurance", "note": "あ" * 201},
        headers=clerk,
    )
    assert answer.status_code == 422 and answer.json()["field"] == "note"
    still = client.get(f"/api/v1/tickets/{ticket['id']}", headers=clerk).json()
    assert (still["service"], still["status"]) == ("moving", "serving")
