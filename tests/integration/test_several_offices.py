"""Several offices in one installation (issue 17, item 1): the city hall (nakano) and a
branch (minamidai, whose counters are numbered 1 and 2 like the hall's), one database, one
process. Each office has its own numbering, devices, staff roles and views, and nothing of
one reaches the other:

- every route of the API (the authorization matrix's table) called on the hall's office
  and its ticket by the branch's staff (clerk, supervisor, admin of the branch only) and
  devices (its kiosk and display) answers what a stranger gets: never let in;
- the same staff and devices are let in at their own office (the checks can fail);
- every live channel kind, across the two offices: what each carries, and who is refused.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from starlette.testclient import TestClient
from starlette.websockets import WebSocketDisconnect

from server import accounts
from server.app import create_app
from server.settings import Settings

from .test_authorization_matrix import CALLERS, ROUTES, Route

ROOT = Path(__file__).resolve().parents[2]
HALL = ROOT / "server" / "offices" / "nakano.toml"
BRANCH = ROOT / "server" / "offices" / "minamidai.toml"
NAKANO = "/api/v1/offices/nakano"
MINAMIDAI = "/api/v1/offices/minamidai"
Role = accounts.Role
# Staff of one office only (their roles there), and one of every office.
USERS: dict[str, tuple[str, str, Role, dict[str, Role] | None]] = {
    "hall_clerk": ("hall-clerk", "hall-password-1", Role.CLERK, {"nakano": Role.CLERK}),
    "branch_clerk": ("m-clerk", "branch-password-1", Role.CLERK, {"minamidai": Role.CLERK}),
    "branch_supervisor": (
        "m-super",
        "branch-password-2",
        Role.SUPERVISOR,
        {"minamidai": Role.SUPERVISOR},
    ),
    "branch_admin": ("m-admin", "branch-password-3", Role.ADMIN, {"minamidai": Role.ADMIN}),
    # A clerk at the hall who supervises the branch: one account, two roles.
    "both": (
        "both1",
        "both-password-1",
        Role.SUPERVISOR,
        {"nakano": Role.CLERK, "minamidai": Role.SUPERVISOR},
    ),
    "installation_admin": ("root1", "root-password-1", Role.ADMIN, None),
}
OUTSIDERS = ("branch_clerk", "branch_supervisor", "branch_admin", "branch_kiosk", "branch_display")
ANONYMOUS = CALLERS.index("anonymous")
# Routes of the installation, not of an office: signing in (the matrix's body names its own
# user) and one's own token out. (The staff accounts are for an admin of every office: a
# branch admin is refused like the rest, checked below.)
INSTALLATION_ROUTES = {("DELETE", "/api/v1/auth/token"), ("POST", "/api/v1/auth/token")}


@dataclass
class Offices:
    client: TestClient
    headers: dict[str, dict[str, str]] = field(default_factory=dict)

    def sign_in(self, caller: str) -> None:
        name, password, *_ = USERS[caller]
        answer = self.client.post(
            "/api/v1/auth/token", json={"username": name, "password": password}
        )
        assert answer.status_code == 200, answer.text
        self.headers[caller] = {"Authorization": f"Bearer {answer.json()['token']}"}

    def call(self, caller: str, method: str, path: str, **kw: Any) -> Any:
        self.client.cookies.clear()
        return self.client.request(method, path, headers=self.headers.get(caller, {}), **kw)

    def issue(self, office: str, service: str) -> dict[str, Any]:
        answer = self.call("anonymous", "POST", f"{office}/tickets", json={"service": service})
        assert answer.status_code == 201, answer.text
        body: dict[str, Any] = answer.json()
        return body

    def hall_ticket_called(self) -> tuple[str, str]:
        """A fresh ticket of the hall, called at the hall's counter 1 by its clerk."""
        self.call("hall_clerk", "POST", f"{NAKANO}/counters/1/open")
        ticket = self.issue(NAKANO, "moving")
        while True:
            called = self.call("hall_clerk", "POST", f"{NAKANO}/counters/1/call-next")
            if called.status_code == 409 and called.json().get("code") == "counter_busy":
                held = called.json()["ticket"]  # the last cell's ticket: done with it
                self.call("hall_clerk", "POST", f"/api/v1/tickets/{held}/cancel")
                continue
            assert called.status_code == 200, called.text
            if called.json()["id"] == ticket["id"]:
                return ticket["id"], ticket["token"]
            self.call("hall_clerk", "POST", f"/api/v1/tickets/{called.json()['id']}/cancel")


@pytest.fixture(scope="module")
def offices(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Offices]:
    url = f"sqlite:///{tmp_path_factory.mktemp('offices') / 'madoguchi.sqlite3'}"
    now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Tokyo
    settings = Settings(
        database_url=url,
        office_file=str(HALL),
        other_offices=(str(BRANCH),),
        issue_per_minute=0,
        issue_per_day=0,
        push_hosts=("127.0.0.1",),
    )
    app = create_app(settings, clock=lambda: now)
    writer = app.state.system.writer
    with TestClient(app) as client:
        world = Offices(client)
        for name, password, role, _ in USERS.values():
            accounts.add_user(writer, name, password, role)
        world.sign_in("installation_admin")
        for name, _, _, roles in USERS.values():  # each account's offices, as an admin sets them
            if roles is not None:
                answer = world.call(
                    "installation_admin",
                    "PATCH",
                    f"/api/v1/staff/{name}",
                    json={"offices": {o: str(r) for o, r in roles.items()}},
                )
                assert answer.status_code == 200, answer.text
        for caller in USERS:
            world.sign_in(caller)  # after the change, which ended their earlier tokens
        for device, caller in (
            ("kiosk-minamidai", "branch_kiosk"),
            ("display-minamidai", "branch_display"),
            ("kiosk-2f", "hall_kiosk"),
        ):
            token = accounts.device_token(writer, device)
            world.headers[caller] = {"Authorization": f"Bearer {token}"}
        yield world


# -- one installation, two offices ---------------------------------------------------------------


def test_each_office_numbers_its_own_tickets(offices: Offices) -> None:
    hall = [offices.issue(NAKANO, "certificates")["number"] for _ in range(2)]
    branch = [offices.issue(MINAMIDAI, "certificates")["number"] for _ in range(2)]
    hall.append(offices.issue(NAKANO, "certificates")["number"])
    assert [int(n.split("-")[1]) for n in branch] == [1, 2]
    assert [int(n.split("-")[1]) for n in hall] == [
        int(hall[0].split("-")[1]) + i for i in range(3)
    ]  # the branch's two never took a number of the hall's


def test_each_office_has_its_own_services_hours_and_public_view(offices: Offices) -> None:
    hall = offices.call("anonymous", "GET", f"{NAKANO}/status").json()
    branch = offices.call("anonymous", "GET", f"{MINAMIDAI}/status").json()
    assert branch["office"]["id"] == "minamidai"
    assert {s["id"] for s in branch["services"]} == {"certificates", "consult"}
    assert "moving" in {s["id"] for s in hall["services"]}
    assert offices.call("anonymous", "GET", "/api/v1/offices/elsewhere/status").status_code == 404
    # A service of the hall is no service of the branch.
    refused = offices.call("anonymous", "POST", f"{MINAMIDAI}/tickets", json={"service": "moving"})
    assert refused.status_code in (404, 422), refused.text
    # The public page of each, and the other office linked from it.
    page = offices.client.get("/?office=minamidai")
    assert page.status_code == 200 and "南台区民活動センター" in page.text
    assert 'href="/?office=nakano"' in page.text and "くらしの相談" in page.text
    assert "転入・転出" not in page.text
    first = offices.client.get("/")
    assert "中野区役所" in first.text and 'href="/?office=minamidai"' in first.text


def test_a_ticket_page_and_its_answers_are_of_the_ticket_s_office(offices: Offices) -> None:
    ticket = offices.issue(MINAMIDAI, "consult")
    answer = offices.call("anonymous", "GET", f"/api/v1/visitor/{ticket['token']}")
    assert answer.status_code == 200, answer.text
    assert answer.json()["number"].startswith("S-")
    page = offices.client.get(f"/t/{ticket['token']}")
    assert page.status_code == 200 and "南台区民活動センター" in page.text, page.text[:500]


def test_the_branch_s_staff_work_their_office(offices: Offices) -> None:
    """The positive control: what the leak checks refuse at the hall works at the branch."""
    opened = offices.call("branch_clerk", "POST", f"{MINAMIDAI}/counters/1/open")
    assert opened.status_code == 200, opened.text
    ticket = offices.issue(MINAMIDAI, "certificates")
    called = offices.call("branch_clerk", "POST", f"{MINAMIDAI}/counters/1/call-next")
    assert called.status_code == 200, called.text
    for action in ("start", "finish"):
        done = offices.call(
            "branch_clerk", "POST", f"/api/v1/tickets/{called.json()['id']}/{action}"
        )
        assert done.status_code == 200, done.text
    assert offices.call("branch_supervisor", "GET", f"{MINAMIDAI}/audit").status_code == 200
    assert offices.call("branch_admin", "GET", f"{MINAMIDAI}/settings").status_code == 200
    kiosk = offices.call(
        "branch_kiosk", "POST", f"{MINAMIDAI}/tickets", json={"service": "certificates"}
    )
    assert kiosk.status_code == 201, kiosk.text
    assert ticket["number"].startswith("B-")


def test_one_account_has_a_role_in_each_office(offices: Offices) -> None:
    # A clerk at the hall, a supervisor at the branch.
    assert offices.call("both", "GET", f"{MINAMIDAI}/audit").status_code == 200
    assert offices.call("both", "GET", f"{NAKANO}/audit").status_code == 403
    assert offices.call("both", "GET", f"{NAKANO}/devices").status_code == 200  # staff there
    assert offices.call("hall_clerk", "GET", f"{MINAMIDAI}/devices").status_code == 403


def test_staff_accounts_are_for_an_admin_of_every_office(offices: Offices) -> None:
    assert offices.call("branch_admin", "GET", "/api/v1/staff").status_code == 403
    listed = offices.call("installation_admin", "GET", "/api/v1/staff")
    assert listed.status_code == 200
    by_name = {u["username"]: u for u in listed.json()["staff"]}
    assert by_name["both1"]["offices"] == {"nakano": "clerk", "minamidai": "supervisor"}
    unknown = offices.call(
        "installation_admin",
        "PATCH",
        "/api/v1/staff/both1",
        json={"offices": {"elsewhere": "clerk"}},
    )
    assert unknown.status_code == 422 and "elsewhere" in unknown.text
    assert offices.call("installation_admin", "GET", "/api/v1/staff").json() == listed.json()


def outsider_cells() -> Iterator[Any]:
    for route in ROUTES:
        if (route.method, route.path) in INSTALLATION_ROUTES:
            continue
        for caller in OUTSIDERS:
            yield pytest.param(route, caller, id=f"{route.method} {route.path} as {caller}")


@pytest.mark.parametrize(("route", "caller"), list(outsider_cells()))
def test_the_branch_s_staff_and_devices_get_nothing_of_the_hall(
    offices: Offices, route: Route, caller: str
) -> None:
    """Every route, on the hall's office and on a ticket called at the hall: the branch's
    staff and devices get what a stranger gets. Where a stranger is let in (the public
    routes), the same answer; where a stranger must sign in (401), a refusal (401 or 403),
    never an answer or a 409/422 that would mean they were let in."""
    ticket, token = offices.hall_ticket_called()
    path = route.path.replace("{id}", ticket).replace("{token}", token)
    stranger = route.expected[ANONYMOUS]
    body = route.body
    if body and body.get("kiosk") == "kiosk-2f":
        body = {**body, "kiosk": "kiosk-minamidai"}  # the branch's own printer, at the hall
    answer = offices.call(caller, route.method, path, json=body)
    if stranger == 401:
        assert answer.status_code in (401, 403), f"{answer.status_code} {answer.text[:300]}"
    elif route.path == "/api/v1/visitor/{token}/arrived":
        # A kiosk confirms arrival for its own office's tickets only.
        assert answer.status_code == 403, f"{answer.status_code} {answer.text[:300]}"
    elif route.method == "POST" and route.path == f"{NAKANO}/tickets":
        # Open issuing at the hall, but a device's token is its own office's: refused.
        expected = 201 if caller.endswith(("clerk", "supervisor", "admin")) else 403
        assert answer.status_code == expected, f"{answer.status_code} {answer.text[:300]}"
    else:
        assert answer.status_code == stranger, f"{answer.status_code} {answer.text[:300]}"


# -- the live channels -----------------------------------------------------------------------------


def _ws_headers(offices: Offices, caller: str) -> dict[str, str]:
    return offices.headers[caller]


def _close_code(offices: Offices, caller: str, channel: str) -> int:
    with (
        pytest.raises(WebSocketDisconnect) as ended,
        offices.client.websocket_connect(
            f"/ws/v1/{channel}", headers=_ws_headers(offices, caller)
        ) as ws,
    ):
        ws.receive_json()
    return ended.value.code


def test_staff_channels_of_the_hall_refuse_the_branch_s_staff(offices: Offices) -> None:
    assert _close_code(offices, "branch_supervisor", "admin:nakano") == 4403
    assert _close_code(offices, "branch_clerk", "counter:1?office=nakano") == 4403
    assert _close_code(offices, "hall_clerk", "counter:1?office=minamidai") == 4403
    # A display's channel is for its own token: the branch's display is none of the hall's.
    assert _close_code(offices, "branch_display", "display:display-2f") == 1008


def _events(frame: dict[str, Any]) -> list[dict[str, Any]]:
    return list(frame.get("events") or [])


def test_each_channel_carries_its_own_office_only(offices: Offices) -> None:
    client = offices.client
    offices.call("branch_clerk", "POST", f"{MINAMIDAI}/counters/1/open")
    branch_ticket = offices.issue(MINAMIDAI, "certificates")
    with (
        client.websocket_connect("/ws/v1/public:minamidai") as public,
        client.websocket_connect(
            "/ws/v1/counter:1?office=minamidai", headers=offices.headers["branch_clerk"]
        ) as counter,
        client.websocket_connect(
            "/ws/v1/display:display-minamidai", headers=offices.headers["branch_display"]
        ) as display,
        client.websocket_connect(
            "/ws/v1/admin:minamidai", headers=offices.headers["branch_supervisor"]
        ) as admin,
        client.websocket_connect("/ws/v1/kiosk:kiosk-minamidai") as kiosk,
        client.websocket_connect(f"/ws/v1/ticket:{branch_ticket['token']}") as mine,
    ):
        first = {
            name: ws.receive_json()
            for name, ws in (
                ("public", public),
                ("counter", counter),
                ("display", display),
                ("admin", admin),
                ("kiosk", kiosk),
                ("ticket", mine),
            )
        }
        for name, frame in first.items():
            assert "moving" not in str(frame["view"]), name  # nothing of the hall's services
        assert {s["id"] for s in first["public"]["view"]["services"]} == {"certificates", "consult"}
        # At the hall: a ticket issued and called at its counter 1 (the same id as the branch's).
        offices.hall_ticket_called()
        # At the branch: its counter 1 calls.
        called = offices.call("branch_clerk", "POST", f"{MINAMIDAI}/counters/1/call-next")
        assert called.status_code == 200, called.text
        number = called.json()["number"]
        for name, ws in (
            ("public", public),
            ("counter", counter),
            ("display", display),
            ("admin", admin),
        ):
            seen: list[dict[str, Any]] = []
            while not any(e["type"] == "ticket.called" for e in seen):
                frame = ws.receive_json()
                if frame.get("type") != "view":
                    continue  # the console's devices frames
                seen.extend(_events(frame))
            numbers = {e.get("number") for e in seen if e.get("number")}
            assert numbers <= {number, branch_ticket["number"]}, (name, seen)
            assert all(e.get("service") in (None, "certificates", "consult") for e in seen), name
        frame = mine.receive_json()
        assert frame["view"]["ticket"]["number"] == branch_ticket["number"]
    # The kiosk's view is its office's services only.
    kiosk_view = first["kiosk"]["view"]
    assert kiosk_view["office"]["id"] == "minamidai"
    assert {s["id"] for a in kiosk_view["areas"] for s in a["services"]} == {
        "certificates",
        "consult",
    }


def test_a_page_of_the_hall_says_the_branch_s_staff_are_not_its_own(offices: Offices) -> None:
    page = offices.client.get(
        "/counter?office=nakano", headers={"Authorization": ""}, follow_redirects=False
    )
    assert page.status_code == 303  # no session: sign in first
    session = _browser_session(offices, "branch_clerk")
    refused = offices.client.get("/counter?office=nakano", headers=session)
    assert refused.status_code == 403 and "nakano" in refused.text
    own = offices.client.get("/counter", headers=session)  # her first office: the branch
    assert own.status_code == 200 and "minamidai" in own.text
    console = offices.client.get(
        "/admin?office=nakano", headers=_browser_session(offices, "branch_supervisor")
    )
    assert console.status_code == 403


def _browser_session(offices: Offices, caller: str) -> dict[str, str]:
    client = offices.client
    client.cookies.clear()
    page = client.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text
    name, password, *_ = USERS[caller]
    answer = client.post(
        "/signin",
        data={"csrf": csrf.group(1), "username": name, "password": password, "next": "/counter"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    cookie = answer.cookies["madoguchi_session"]
    client.cookies.clear()
    return {"Cookie": f"madoguchi_session={cookie}"}


def test_each_office_keeps_its_own_hours(tmp_path: Path) -> None:
    """08:45 on a Wednesday: the hall (08:30–17:00) issues, the branch (from 09:00) not yet."""
    at = datetime(2026, 11, 24, 23, 45, tzinfo=UTC)  # Wednesday 08:45 in Tokyo
    settings = Settings(
        database_url=f"sqlite:///{tmp_path / 'hours.sqlite3'}",
        office_file=str(HALL),
        other_offices=(str(BRANCH),),
        issue_per_minute=0,
        issue_per_day=0,
    )
    with TestClient(create_app(settings, clock=lambda: at)) as client:
        hall = client.post(f"{NAKANO}/tickets", json={"service": "certificates"})
        branch = client.post(f"{MINAMIDAI}/tickets", json={"service": "certificates"})
    assert hall.status_code == 201, hall.text
    assert branch.status_code == 409, branch.text
    assert branch.json()["code"] == "issuing_closed"


def test_an_office_cannot_take_a_device_name_of_another_office(offices: Offices) -> None:
    """Were the branch's admin able to list the hall's kiosk in the branch's settings, she
    could rotate its token and hold the hall's kiosk (its tickets, its print jobs)."""
    settings = offices.call("branch_admin", "GET", f"{MINAMIDAI}/settings").json()
    document = settings["document"]
    taken = {**document, "kiosks": [*document["kiosks"], {"id": "kiosk-2f", "areas": ["desk"]}]}
    refused = offices.call("branch_admin", "PUT", f"{MINAMIDAI}/settings", json={"document": taken})
    assert refused.status_code == 422, refused.text
    assert "kiosk-2f" in refused.json()["message"] and "nakano" in refused.json()["message"]
    rotate = offices.call("branch_admin", "POST", f"{MINAMIDAI}/devices/kiosk-2f/rotate")
    assert rotate.status_code in (403, 404), rotate.text
    # A display of its own, added live, is the branch's at once (no restart).
    display = {"id": "display-minamidai-2", "areas": ["desk"], "languages": ["ja"]}
    added = {**document, "displays": [*document["displays"], display]}
    done = offices.call("branch_admin", "PUT", f"{MINAMIDAI}/settings", json={"document": added})
    assert done.status_code == 200, done.text
    page = offices.client.get("/display/display-minamidai-2")
    assert page.status_code == 200, page.text[:300]
    view = offices.call("branch_supervisor", "GET", "/api/v1/views/display:display-minamidai-2")
    assert view.status_code == 200, view.text
    assert (
        offices.call("hall_clerk", "GET", "/api/v1/views/display:display-minamidai-2").status_code
        == 401
    )


def test_an_empty_list_of_offices_is_refused_not_read_as_every_office(offices: Offices) -> None:
    answer = offices.call(
        "installation_admin", "PATCH", "/api/v1/staff/m-clerk", json={"offices": {}}
    )
    assert answer.status_code == 422 and answer.json()["field"] == "offices"
    listed = offices.call("installation_admin", "GET", "/api/v1/staff").json()["staff"]
    assert next(u for u in listed if u["username"] == "m-clerk")["offices"] == {
        "minamidai": "clerk"
    }


def test_the_accounts_audit_rows_are_for_staff_of_every_office(offices: Offices) -> None:
    """The installation admin's changes to accounts (office NULL) are not the branch's."""
    notice = {"text": {"ja": "本日は16時まで"}}
    assert (
        offices.call("branch_supervisor", "PUT", f"{MINAMIDAI}/notice", json=notice).status_code
        == 200
    )
    branch = offices.call("branch_supervisor", "GET", f"{MINAMIDAI}/audit").json()["audit"]
    assert branch and all(r["office"] == "minamidai" for r in branch)
    root = offices.call("installation_admin", "GET", f"{MINAMIDAI}/audit").json()["audit"]
    assert any(r["office"] is None and r["action"].startswith("staff.") for r in root)


def test_the_branch_s_day_report_stays_the_branch_s(offices: Offices) -> None:
    session = _browser_session(offices, "branch_supervisor")
    day = offices.client.get("/admin/reports/day?date=2026-11-25&office=minamidai", headers=session)
    assert day.status_code == 200, day.text[:300]
    assert "南台区民活動センター" in day.text
    assert 'href="/admin/reports?office=minamidai"' in day.text
    assert '<input type="hidden" name="office" value="minamidai">' in day.text
    hall = offices.client.get("/admin/reports/day?date=2026-11-25&office=nakano", headers=session)
    assert hall.status_code == 403
