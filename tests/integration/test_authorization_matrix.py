"""Who may do what, from one table (issue 14, checks that stay): every route of the API ×
every kind of caller, and the status each gets.

The callers: nobody (anonymous), a visitor (their ticket token sent as a Bearer), the kiosk
and the display (their device tokens), a clerk at another counter (counter 2), the clerk of
the ticket's counter (counter 1), a supervisor, an admin, and a session that has ended (the
clerk's browser session cookie, with its CSRF token, replayed after sign-out).

Each cell starts from the same state: counter 1 open, held by `clerk`, with a ticket T
(moving, its visitor's form saved) just called there; counter 2 open, held by `other`. A
route that takes a ticket takes T; one that takes a visitor's token takes T's (whoever
holds the token is its visitor: those routes answer anyone who has it).

The clerk of another counter is refused (403) on a ticket called at counter 1 and on counter 1
itself, and may hold no second counter (409); an ended session is refused (401)."""

from __future__ import annotations

import dataclasses
import itertools
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import pytest
from starlette.testclient import TestClient

from server import accounts
from server.app import create_app
from server.settings import Settings

CALLERS = (
    "anonymous",
    "visitor",
    "kiosk",
    "display",
    "other_clerk",
    "clerk",
    "supervisor",
    "admin",
    "revoked",
)
USERS = {
    "clerk": ("clerk1", "clerk-password-1", accounts.Role.CLERK),
    "other_clerk": ("clerk2", "clerk-password-2", accounts.Role.CLERK),
    "supervisor": ("super1", "super-password-1", accounts.Role.SUPERVISOR),
    "admin": ("admin1", "admin-password-1", accounts.Role.ADMIN),
}
SPARE = ("spare1", "spare-password-1", accounts.Role.CLERK)  # changed by the admin's cells
OFFICE = "/api/v1/offices/nakano"

# -- the table ---------------------------------------------------------------------------------
# Each route: (method, path, body) and the status for each caller, in CALLERS' order.
# {id} and {token} are T's.

R401 = 401  # an ended session: refused
O403 = 403  # the clerk of another counter, on counter 1 or its ticket: refused
PUBLIC = (200, 200, 200, 200, 200, 200, 200, 200, 200)
STAFF = (401, 401, 401, 401, 200, 200, 200, 200, R401)  # any signed-in staff member
SUPERVISOR = (401, 401, 401, 401, 403, 403, 200, 200, R401)
# The visitor's form: the clerk of the counter holding the ticket, and supervisors.
FORM = (401, 401, 401, 401, O403, 200, 200, 200, R401)
# Acting on T (called at counter 1) or on counter 1: its clerk and supervisors. Where the
# action does not fit T's state (T is called, not serving) the answer is 409, after the
# caller has been let in.
ADMIN = (401, 401, 401, 401, 403, 403, 403, 200, R401)
ON_T = (401, 401, 401, 401, O403, 200, 200, 200, R401)
ON_T_409 = (401, 401, 401, 401, O403, 409, 409, 409, R401)


@dataclass(frozen=True)
class Route:
    method: str
    path: str
    expected: tuple[int, ...]
    body: dict[str, Any] | None = None
    # Another body for an operation the table already has: who may call the operation at
    # all (its document's `security`) is said by that operation's first row.
    variant: bool = False


T = "/api/v1/tickets/{id}"
# A P-256 public key (7·G), as a browser's subscription carries one.
P256_POINT = (
    "BI5TO2-gv3tGJbswZnwB-2B--fi4qA_vWzAGKHAxh7Kjc-sdveAzGDZtBp-DpvWQAFPHNjPLBBshxV4ahsH0ALQ"
)
PUSH = {
    "subscription": {
        "endpoint": "http://127.0.0.1:9/push/matrix",
        "keys": {"p256dh": P256_POINT, "auth": "AQEBAQEBAQEBAQEBAQEBAQ"},
    }
}
ROUTES = [
    Route("GET", "/healthz", PUBLIC),
    Route("GET", f"{OFFICE}/status", PUBLIC),
    # Signing a token out: only a staff token can be (a session's cookie alone is not one).
    Route("DELETE", "/api/v1/auth/token", (401, 401, 401, 401, 204, 204, 204, 204, R401)),
    Route("GET", f"{OFFICE}/opendata/daily.csv", PUBLIC),
    Route("GET", f"{OFFICE}/opendata/daily.json", PUBLIC),
    Route("GET", f"{OFFICE}/services/moving/form", PUBLIC),
    Route("GET", "/api/v1/postal/1648501", PUBLIC),
    Route("GET", "/api/v1/views/public:nakano", PUBLIC),
    Route("GET", "/api/v1/views/kiosk:kiosk-2f", PUBLIC),
    # Whoever holds a ticket's token is its visitor.
    Route("GET", "/api/v1/visitor/{token}", PUBLIC),
    Route("GET", "/api/v1/visitor/{token}/qr.svg", PUBLIC),
    Route("GET", "/api/v1/visitor/{token}/form", PUBLIC),
    Route("PUT", "/api/v1/visitor/{token}/form", PUBLIC, {"values": {"phone": "090-1234-5678"}}),
    Route("GET", "/api/v1/views/ticket:{token}", PUBLIC),
    # The visitor's own actions: T is called (cancel answers; a delay sends it back in line);
    # arrival needs the kiosk's token (it scanned the QR), the hall's network or its code.
    Route("POST", "/api/v1/visitor/{token}/cancel", PUBLIC),
    Route("POST", "/api/v1/visitor/{token}/delay", PUBLIC),
    Route("POST", "/api/v1/visitor/{token}/arrived", (403, 403, 200, 403, 403, 403, 403, 403, 403)),
    Route("GET", f"{OFFICE}/arrival-code", (401, 401, 200, 401, 200, 200, 200, 200, R401)),
    # Web Push: the server's key, and the ticket's subscription (whoever holds its token).
    Route("GET", "/api/v1/push/key", PUBLIC),
    Route("POST", "/api/v1/visitor/{token}/push", (201,) * 9, PUSH),
    Route("DELETE", "/api/v1/visitor/{token}/push", (204,) * 9, PUSH),
    # Issuing: open in the demo office; a display's token is no kiosk's.
    Route(
        "POST",
        f"{OFFICE}/tickets",
        (201, 201, 201, 403, 201, 201, 201, 201, 201),
        {"service": "certificates", "lang": "ja"},
    ),
    # Issuing at the reception desk (受付・案内): staff only, any kiosk's printer.
    Route(
        "POST",
        f"{OFFICE}/tickets",
        (401, 401, 403, 403, 201, 201, 201, 201, R401),
        {"service": "certificates", "channel": "reception", "kiosk": "kiosk-2f"},
        variant=True,
    ),
    # Appointments (予約): slots and booking are public (certificates takes no bookings:
    # 422 to all); a booking's token is its visitor's (T's ticket token is no booking's:
    # 404); checking in takes a kiosk's device token or staff (no such code: 404), or on
    # the phone the booking's token (no such booking: 404 before where the phone is).
    Route("GET", f"{OFFICE}/slots?service=mynumber&date=2026-12-08", PUBLIC),
    Route(
        "POST",
        f"{OFFICE}/appointments",
        (422,) * 9,
        {"service": "certificates", "start": "2026-12-08T01:00:00+00:00", "lang": "ja"},
    ),
    Route("DELETE", "/api/v1/appointments/{token}", (404,) * 9),
    Route("POST", "/api/v1/appointments/{token}/check-in", (404,) * 9),
    Route("PATCH", "/api/v1/appointments/{token}", (404,) * 9, {"start": "2026-12-08T01:00:00Z"}),
    Route(
        "POST",
        f"{OFFICE}/appointments/000000/check-in",
        (401, 401, 404, 403, 404, 404, 404, 404, R401),
    ),
    Route(
        "POST",
        "/api/v1/auth/token",
        PUBLIC,
        {"username": "clerk1", "password": "clerk-password-1"},
    ),
    # The session's own description: for a browser session only.
    Route("GET", "/api/v1/auth/session", (401, 401, 401, 401, 401, 401, 401, 401, R401)),
    Route("GET", f"{OFFICE}/devices", STAFF),
    Route("GET", f"{OFFICE}/log.csv", SUPERVISOR),
    Route("GET", f"{OFFICE}/form-audit", SUPERVISOR),
    Route("GET", f"{OFFICE}/audit", SUPERVISOR),
    Route("GET", f"{OFFICE}/notice", SUPERVISOR),
    Route("PUT", f"{OFFICE}/notice", SUPERVISOR, {"text": {}}),
    Route("PATCH", f"{OFFICE}/services/moving", SUPERVISOR, {"issuing": "open"}),
    # T is called already: a supervisor is let in, and told it is not waiting (409).
    Route("POST", f"{T}/call", (401, 401, 401, 401, 403, 403, 409, 409, R401), {"counter": "2"}),
    Route("GET", f"{OFFICE}/settings", ADMIN),
    Route("GET", f"{OFFICE}/settings.toml", ADMIN),
    # An empty document: an admin is let in, and told what is missing (422).
    Route(
        "PUT",
        f"{OFFICE}/settings",
        (401, 401, 401, 401, 403, 403, 403, 422, R401),
        {"document": {}},
    ),
    Route("GET", f"{OFFICE}/reports", SUPERVISOR),
    # Staff accounts (admins): `spare` is an account no caller signs in with.
    Route("GET", "/api/v1/staff", ADMIN),
    Route(
        "POST",
        "/api/v1/staff",
        (401, 401, 401, 401, 403, 403, 403, 201, R401),
        {"username": "new1", "role": "clerk", "password": "new-password-1"},
    ),
    Route("PATCH", "/api/v1/staff/spare1", ADMIN, {"counters": ["1", "2"]}),
    Route("POST", "/api/v1/staff/spare1/disable", ADMIN),
    Route("POST", "/api/v1/staff/spare1/enable", ADMIN),
    # Devices' tokens (admins): display-3f, whose token no caller uses.
    Route("GET", f"{OFFICE}/devices/tokens", ADMIN),
    Route(
        "POST",
        f"{OFFICE}/devices/display-3f/revoke",
        (401, 401, 401, 401, 403, 403, 403, 204, R401),
    ),
    Route(
        "POST", f"{OFFICE}/devices/display-3f/pair", (401, 401, 401, 401, 403, 403, 403, 201, R401)
    ),
    Route("POST", f"{OFFICE}/devices/display-3f/rotate", ADMIN),
    Route("POST", f"{OFFICE}/alerts/ack", SUPERVISOR, {"alert": "printer:kiosk-2f:paper_out:1"}),
    Route("GET", "/api/v1/views/counter:1", STAFF),
    Route("GET", "/api/v1/views/admin:nakano", SUPERVISOR),  # the floor: not for clerks
    # A display's view: its own token, or staff by token (the cookie is not read there).
    Route("GET", "/api/v1/views/display:display-2f", (401, 401, 401, 200, 200, 200, 200, 200, 401)),
    Route("GET", T, STAFF),
    Route("GET", f"{T}/form", FORM),
    Route("GET", f"{T}/form.pdf", FORM),
    Route("GET", f"{T}/form.json", FORM),
    # Confirming needs a complete form: T's is not, so its clerk gets the form's 422.
    Route("POST", f"{T}/form/confirm", (401, 401, 401, 401, O403, 422, 422, 422, R401)),
    # T came from no kiosk: a reprint needs ?kiosk= (422), after the caller is let in.
    Route("POST", f"{T}/reprint", (401, 401, 401, 401, 422, 422, 422, 422, R401)),
    Route("POST", f"{T}/recall", ON_T),
    Route("POST", f"{T}/start", ON_T),
    Route("POST", f"{T}/no-show", ON_T),
    Route("POST", f"{T}/return", ON_T),
    Route("POST", f"{T}/cancel", ON_T),
    Route("POST", f"{T}/finish", ON_T_409),
    Route("POST", f"{T}/hand-over", ON_T_409),
    Route("POST", f"{T}/transfer", ON_T_409, {"service": "certificates"}),
    Route("POST", f"{T}/ready", ON_T_409),
    # Counter 1 is held by `clerk` and busy with T: pausing, closing, calling are 409.
    Route("POST", f"{OFFICE}/counters/1/pause", ON_T_409),
    Route("POST", f"{OFFICE}/counters/1/close", ON_T_409),
    Route("POST", f"{OFFICE}/counters/1/call-next", ON_T_409),
    # A counter nobody holds (closed again before each cell): the two clerks already hold
    # counters 1 and 2, and a clerk holds one counter at a time.
    Route("POST", f"{OFFICE}/counters/3/open", (401, 401, 401, 401, 409, 409, 200, 200, R401)),
]


def cells() -> Iterator[Any]:
    for route, (i, caller) in itertools.product(ROUTES, enumerate(CALLERS)):
        expected = route.expected[i]
        name = f"{route.method} {route.path} as {caller}"
        yield pytest.param(route, caller, expected, id=name)


# -- the office the cells run in ---------------------------------------------------------------


@dataclass
class World:
    client: TestClient
    headers: dict[str, dict[str, str]] = field(default_factory=dict)
    tokens: dict[str, str] = field(default_factory=dict)  # ticket id -> its visitor's token
    current: str | None = None  # the ticket called at counter 1

    def sign_in(self, caller: str) -> None:
        name, password, _ = USERS[caller]
        answer = self.client.post(
            "/api/v1/auth/token", json={"username": name, "password": password}
        )
        assert answer.status_code == 200, answer.text
        self.headers[caller] = {"Authorization": f"Bearer {answer.json()['token']}"}

    def call(self, caller: str, method: str, path: str, **kw: Any) -> Any:
        self.client.cookies.clear()
        return self.client.request(method, path, headers=self.headers.get(caller, {}), **kw)

    def reset(self) -> tuple[str, str]:
        """Counter 1 open and held by `clerk` with a fresh ticket T called there (its form
        saved); counter 2 open, held by `other_clerk`. Answers T's id and token."""
        if self.current is not None:
            for action in ("start", "finish", "cancel"):
                self.call("clerk", "POST", f"/api/v1/tickets/{self.current}/{action}")
        for caller, counter in (("clerk", "1"), ("other_clerk", "2")):
            self.call(caller, "POST", f"{OFFICE}/counters/{counter}/open")
        self.call("supervisor", "POST", f"{OFFICE}/counters/3/close")
        issued = self.call(
            "clerk", "POST", f"{OFFICE}/tickets", json={"service": "moving", "lang": "ja"}
        )
        assert issued.status_code == 201, issued.text
        self.tokens[issued.json()["id"]] = issued.json()["token"]
        called = self.call("clerk", "POST", f"{OFFICE}/counters/1/call-next")
        assert called.status_code == 200, called.text
        ticket = called.json()["id"]
        self.current = ticket
        token = self.tokens[ticket]
        saved = self.call(
            "anonymous",
            "PUT",
            f"/api/v1/visitor/{token}/form",
            json={"values": {"name": "中野 太郎", "name_kana": "ナカノ タロウ"}},
        )
        assert saved.status_code in (200, 422), saved.text
        self.headers["visitor"] = {"Authorization": f"Bearer {token}"}
        return ticket, token


def sign_in_browser(client: TestClient, user: tuple[str, str, Any]) -> dict[str, str]:
    """A browser session of `user` through /signin; answers its cookie and CSRF header."""
    page = client.get("/signin")
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    assert csrf, page.text
    answer = client.post(
        "/signin",
        data={"csrf": csrf.group(1), "username": user[0], "password": user[1], "next": "/"},
        follow_redirects=False,
    )
    assert answer.status_code == 303, answer.text
    cookie = answer.cookies["madoguchi_session"]
    client.cookies.clear()
    headers = {"Cookie": f"madoguchi_session={cookie}"}
    session = client.get("/api/v1/auth/session", headers=headers).json()
    return {**headers, "X-CSRF-Token": session["csrf"]}


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> Iterator[World]:
    url = f"sqlite:///{tmp_path_factory.mktemp('matrix') / 'madoguchi.sqlite3'}"
    now = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Tokyo
    # The matrix is about who, not how many: per-address issuing limits, where the settings
    # have them (branch i14-a adds them), are off.
    fields = {f.name for f in dataclasses.fields(Settings)}
    unlimited = {name: 0 for name in ("issue_per_minute", "issue_per_day") if name in fields}
    # Web Push subscriptions name a local endpoint that nobody answers (nothing leaves).
    push = {"push_hosts": ("127.0.0.1",)} if "push_hosts" in fields else {}
    app = create_app(Settings(database_url=url, **unlimited, **push), clock=lambda: now)  # type: ignore[arg-type]
    writer = app.state.system.writer
    for user in (*USERS.values(), SPARE):
        accounts.add_user(writer, *user)
    with TestClient(app) as client:
        w = World(client)
        # The clerk's browser session, ended by signing out; its cookie is kept. First, so
        # that a sign-out that ends every earlier token of the clerk spares the ones below.
        ended = sign_in_browser(client, USERS["clerk"])
        client.cookies.clear()
        out = client.post("/signout", headers=ended, follow_redirects=False)
        assert out.status_code == 303, out.text
        w.headers["revoked"] = ended
        for caller in USERS:
            w.sign_in(caller)
        for device in ("kiosk-2f", "display-2f"):
            token = accounts.device_token(writer, device)
            w.headers[device.split("-")[0]] = {"Authorization": f"Bearer {token}"}
        yield w


@pytest.mark.parametrize(("route", "caller", "expected"), list(cells()))
def test_who_may_do_what(world: World, route: Route, caller: str, expected: int) -> None:
    ticket, token = world.reset()
    path = route.path.replace("{id}", ticket).replace("{token}", token)
    answer = world.call(caller, route.method, path, json=route.body)
    assert answer.status_code == expected, f"{answer.status_code} {answer.text[:300]}"
    if route.path == "/api/v1/auth/token" and answer.status_code == 204:
        world.sign_in(caller)  # that token has ended: the cells after this one need another


def test_the_table_covers_every_route_of_the_api(world: World) -> None:
    doc = world.client.get("/api/v1/openapi.json").json()
    for path, item in doc["paths"].items():
        pattern = re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(path))
        for method in item:
            assert any(
                r.method == method.upper() and re.fullmatch(pattern, r.path.split("?")[0])
                for r in ROUTES
            ), (method, path)


def test_the_openapi_document_says_who_may_call_each_route(world: World) -> None:
    """The document's `security` agrees with the table: a route that refuses anonymous
    callers (401) names no way in without credentials, and says 401 and 403; one that
    answers them lists no scheme, or lists the empty one. (The views are one operation for
    every channel, public and staff: their summary says which needs what.)"""
    doc = world.client.get("/api/v1/openapi.json").json()
    for route in ROUTES:
        if "/views/" in route.path or route.variant:
            continue
        path, item = next(
            (p, i)
            for p, i in doc["paths"].items()
            if re.fullmatch(re.sub(r"\\\{\w+\\\}", "[^/]+", re.escape(p)), route.path.split("?")[0])
        )
        operation = item[route.method.lower()]
        security = operation.get("security", [])
        if route.expected[0] == 401:
            assert security and {} not in security, (route.method, path)
            assert {"401", "403"} <= set(operation["responses"]), (route.method, path)
        else:
            assert not security or {} in security, (route.method, path)
