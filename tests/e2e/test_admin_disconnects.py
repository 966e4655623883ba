"""Over real sockets (uvicorn, the `websockets` client): an admin disabling a clerk closes
the clerk's open counter websockets at once (4401), whether they signed in with a token or
the browser's session cookie; rotating a display's token closes the display connected with
the old one (1008) while the new token connects."""

from __future__ import annotations

import asyncio
import json
import re
import time
from collections.abc import Callable

import httpx
from websockets.asyncio.client import ClientConnection, connect
from websockets.exceptions import ConnectionClosed

from server.live.protocol import Close
from tests.conftest import CLERK, LiveServer, add_clerk, sign_in

ADMIN = ("admin1", "admin-password-1")
OFFICE = "/api/v1/offices/nakano"
CLOSE_WITHIN_S = 2.0  # well under the 5 s standing check: the close is the disable's own


def _session_cookie(server: LiveServer, user: tuple[str, str]) -> str:
    with httpx.Client(base_url=server.url, timeout=10) as browser:
        page = browser.get("/signin")
        csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
        assert csrf is not None
        form = {"csrf": csrf.group(1), "username": user[0], "password": user[1], "next": "/"}
        assert browser.post("/signin", data=form).status_code == 303
        return str(browser.cookies["madoguchi_session"])


async def _closed_code(ws: ClientConnection) -> tuple[int | None, float]:
    """Read until the server closes: its code, and how long that took."""
    started = time.monotonic()
    try:
        async with asyncio.timeout(10):
            while True:
                await ws.recv()
    except ConnectionClosed as e:
        return (e.rcvd.code if e.rcvd else None), time.monotonic() - started


async def _first_view(ws: ClientConnection) -> None:
    async with asyncio.timeout(10):
        assert json.loads(await ws.recv())["type"] == "view"


def test_disabling_a_clerk_closes_her_counter_websockets_at_once(
    live_server: Callable[..., LiveServer], sqlite_url: str
) -> None:
    server = live_server(sqlite_url)
    add_clerk(sqlite_url, ADMIN, role="admin")
    add_clerk(sqlite_url, CLERK)
    with httpx.Client(base_url=server.url, timeout=10) as api:
        admin = sign_in(api, ADMIN)
        token = sign_in(api, CLERK)["Authorization"][7:]
        cookie = _session_cookie(server, CLERK)

        async def run() -> list[tuple[int | None, float]]:
            url = f"{server.ws_url}/ws/v1/counter:1"
            by_cookie = await connect(
                url, additional_headers={"Cookie": f"madoguchi_session={cookie}"}
            )
            by_token = await connect(f"{url}?auth=message")
            await by_token.send(json.dumps({"type": "auth", "token": token}))
            for ws in (by_cookie, by_token):
                await _first_view(ws)
            answer = await asyncio.to_thread(
                api.post, f"/api/v1/staff/{CLERK[0]}/disable", headers=admin
            )
            assert answer.status_code == 200, answer.text
            return list(await asyncio.gather(_closed_code(by_cookie), _closed_code(by_token)))

        for code, took in asyncio.run(run()):
            assert code == Close.UNAUTHORIZED
            assert took < CLOSE_WITHIN_S, took
        # And she cannot come back.
        assert (
            api.get(
                "/api/v1/views/counter:1", headers={"Authorization": f"Bearer {token}"}
            ).status_code
            == 401
        )


def test_rotating_a_display_token_closes_its_screen_and_the_new_one_connects(
    live_server: Callable[..., LiveServer], sqlite_url: str
) -> None:
    server = live_server(sqlite_url)
    add_clerk(sqlite_url, ADMIN, role="admin")
    with httpx.Client(base_url=server.url, timeout=10) as api:
        admin = sign_in(api, ADMIN)
        # The demo prints its devices' addresses, so display-2f has a token: rotate it.
        old = api.post(f"{OFFICE}/devices/display-2f/rotate", headers=admin).json()["token"]

        async def connected(token: str) -> ClientConnection:
            ws = await connect(f"{server.ws_url}/ws/v1/display:display-2f?auth=message")
            await ws.send(json.dumps({"type": "auth", "token": token}))
            await _first_view(ws)
            return ws

        async def run() -> tuple[int | None, float, str]:
            screen = await connected(old)
            answer = await asyncio.to_thread(
                api.post, f"{OFFICE}/devices/display-2f/rotate", headers=admin
            )
            assert answer.status_code == 200, answer.text
            code, took = await _closed_code(screen)
            new = answer.json()["token"]
            again = await connected(new)
            await again.close()
            refused = await connect(f"{server.ws_url}/ws/v1/display:display-2f?auth=message")
            await refused.send(json.dumps({"type": "auth", "token": old}))
            old_code, _ = await _closed_code(refused)
            assert old_code == Close.POLICY
            return code, took, new

        code, took, new = asyncio.run(run())
        assert code == Close.POLICY and took < CLOSE_WITHIN_S, (code, took)
        views = "/api/v1/views/display:display-2f"
        assert api.get(views, headers={"Authorization": f"Bearer {old}"}).status_code == 401
        assert api.get(views, headers={"Authorization": f"Bearer {new}"}).status_code == 200
