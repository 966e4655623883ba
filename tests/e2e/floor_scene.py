"""A busy morning on the demo office, made through the API as the demo supervisor: for the
floor's browser tests, its axe check and its screenshot (docs/admin-floor.png)."""

from __future__ import annotations

from typing import Any

import httpx

OFFICE = "/api/v1/offices/nakano"
# Tickets issued per service: the certificates line long enough for the staffing hint.
LINES = {
    "moving": 9,
    "certificates": 22,
    "mynumber": 4,
    "insurance": 5,
    "childcare": 6,
    "koseki": 2,
}
OPEN = ("1", "2", "4", "7", "9", "21", "22")


def issue(api: httpx.Client, service: str) -> dict[str, Any]:
    answer = api.post(f"{OFFICE}/tickets", json={"service": service, "lang": "ja"})
    assert answer.status_code == 201, answer.text
    return dict(answer.json())


def counter(api: httpx.Client, number: str, action: str) -> Any:
    answer = api.post(f"{OFFICE}/counters/{number}/{action}")
    assert answer.status_code in (200, 204), answer.text
    return answer.json() if answer.status_code == 200 else None


def ticket(api: httpx.Client, ticket_id: str, action: str) -> None:
    answer = api.post(f"/api/v1/tickets/{ticket_id}/{action}", json={})
    assert answer.status_code == 200, answer.text


def busy_floor(api: httpx.Client) -> dict[str, dict[str, Any]]:
    """Lines waiting, counters open (one paused, most closed), visitors called and served,
    certificates being prepared and one ready at the pickup counter. Returns what each open
    counter holds, by counter."""
    for service, n in LINES.items():
        for _ in range(n):
            issue(api, service)
    held = {}
    for number in OPEN:
        counter(api, number, "open")
        held[number] = counter(api, number, "call-next")
    # Two certificates served at counter 4: their documents go to the back office, and the
    # first is ready at the pickup counter (11).
    for _ in range(2):
        ticket(api, held["4"]["id"], "start")
        ticket(api, held["4"]["id"], "finish")
        held["4"] = counter(api, "4", "call-next")
    counter(api, "11", "open")
    preparing = api.get("/api/v1/views/counter:11").json()["preparing"]
    ticket(api, preparing[0]["id"], "ready")
    for number in ("1", "21"):
        ticket(api, held[number]["id"], "start")
    counter(api, "10", "open")
    counter(api, "10", "pause")  # a clerk on a break
    return held
