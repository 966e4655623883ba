"""Delta frames over real sockets: real uvicorn (`madoguchi serve`), aiohttp as the client
(not the server's own websockets library) and Debian's Chromium on the public page.

While tickets are issued and called concurrently, clients that asked for deltas apply
each one to the view they hold and end with the same view as the full-view clients and
as a full fetch over HTTP, with every event exactly once; a client that asks for the full
view gets it; the browser's patch code applies the server's patches as the server does."""

from __future__ import annotations

import asyncio
import contextlib
import json
import random
import time
from typing import Any

import aiohttp
import httpx
import jsonpatch
import pytest

from server.cli import DEMO_SUPERVISOR
from server.live import patch
from tests.conftest import LiveServer
from tests.e2e.test_public_page import card, issue, new_page

OFFICE = "/api/v1/offices/nakano"
PUBLIC = "/ws/v1/public:nakano"
TICKETS = 60
CALLS = 20
DELTA_CLIENTS = 6
FULL_CLIENTS = 2
SETTLE_S = 10.0


class Client:
    """Follows the public channel as a page does: keeps the view, applies each delta."""

    def __init__(self, ws: aiohttp.ClientWebSocketResponse) -> None:
        self.ws = ws
        self.view: Any = None
        self.version = -1
        self.types: list[str] = []
        self.seqs: list[int] = []
        self.resyncs: list[dict[str, Any]] = []
        self.bad_bases = 0

    async def read(self) -> None:
        async for message in self.ws:
            if message.type is not aiohttp.WSMsgType.TEXT:
                break
            frame = json.loads(message.data)
            self.types.append(frame["type"])
            self.seqs += [e["seq"] for e in frame["events"]]
            if frame["type"] == "view":
                if frame.get("resync"):
                    self.resyncs.append(frame)
                self.view, self.version = frame["view"], frame["version"]
            elif frame["type"] == "delta":
                if frame["base"] != self.version:
                    self.bad_bases += 1
                    continue
                self.view = jsonpatch.apply_patch(self.view, frame["patch"])
                self.version = frame["version"]


async def _calls(base: str, token: str) -> None:
    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=base, timeout=30, headers=headers) as client:
        for number in ("4", "5"):
            (await client.post(f"{OFFICE}/counters/{number}/open")).raise_for_status()
        for i in range(CALLS):
            answer = await client.post(f"{OFFICE}/counters/{'45'[i % 2]}/call-next")
            assert answer.status_code in (200, 204), answer.text
            if answer.status_code == 200:  # free the counter for its next call
                gone = await client.post(f"/api/v1/tickets/{answer.json()['id']}/no-show")
                assert gone.status_code == 200, gone.text


async def _issue(base: str) -> None:
    services = ["certificates", "moving", "insurance"]
    async with httpx.AsyncClient(base_url=base, timeout=30) as client:
        for i in range(TICKETS):
            body = {"service": services[i % len(services)], "lang": "ja"}
            answer = await client.post(f"{OFFICE}/tickets", json=body)
            assert answer.status_code == 201, answer.text


async def _scenario(server: LiveServer) -> tuple[list[Client], list[Client], Any, int]:
    async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
        answer = await http.post(
            "/api/v1/auth/token",
            json={"username": DEMO_SUPERVISOR[0], "password": DEMO_SUPERVISOR[1]},
        )
        token = answer.json()["token"]
    async with aiohttp.ClientSession() as session:
        deltas = [
            Client(await session.ws_connect(f"{server.ws_url}{PUBLIC}?delta=1"))
            for _ in range(DELTA_CLIENTS)
        ]
        fulls = [
            Client(await session.ws_connect(f"{server.ws_url}{PUBLIC}"))
            for _ in range(FULL_CLIENTS)
        ]
        readers = [asyncio.create_task(c.read()) for c in deltas + fulls]
        work = asyncio.gather(_issue(server.url), _issue(server.url), _calls(server.url, token))
        await asyncio.sleep(0.2)
        await deltas[0].ws.send_str(json.dumps({"type": "resync"}))  # while events arrive
        await work
        async with httpx.AsyncClient(base_url=server.url, timeout=10) as http:
            version = int((await http.get("/healthz")).json()["version"])
            deadline = time.monotonic() + SETTLE_S
            while any(c.version < version for c in deltas + fulls):
                assert time.monotonic() < deadline, [c.version for c in deltas + fulls]
                await asyncio.sleep(0.05)
            answer = await http.get("/api/v1/views/public:nakano")
            assert answer.status_code == 200
            fetched = answer.json()
            fetched_version = int(answer.headers["X-Version"])
        for c in deltas + fulls:
            await c.ws.close()
        for task in readers:
            with contextlib.suppress(Exception):
                await asyncio.wait_for(task, 5)
    return deltas, fulls, fetched, fetched_version


def test_delta_clients_end_with_the_full_view_and_every_event(server: LiveServer) -> None:
    deltas, fulls, fetched, fetched_version = asyncio.run(_scenario(server))
    final = fulls[0].version
    assert final >= 2 * TICKETS + 2  # every issue reached the channel, and some calls
    assert fetched_version == final
    for c in deltas:
        assert c.bad_bases == 0
        assert c.version == final
        assert c.view == fulls[0].view  # the same view as a full-view client's
        assert c.view == fetched  # and as a full fetch
        assert c.types[0] == "view"
        # What changed, not the view, once the first view is held (a frame may be a full
        # view when the hub no longer knew the view held, or it was no smaller).
        assert c.types.count("delta") >= 0.8 * (len(c.types) - 1)
        first = c.seqs[0] if c.seqs else final
        assert c.seqs == list(range(first, final + 1))  # every event once, in order
        assert c.seqs == fulls[0].seqs  # all connected before the first change
    asked = deltas[0]
    assert len(asked.resyncs) == 1  # the full view it asked for
    assert asked.resyncs[0]["events"] == []
    assert all(not c.resyncs for c in deltas[1:] + fulls)


# -- the public page in Chromium --------------------------------------------------------------


def _frames(page: Any) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Every frame the page receives and sends on its live channel, decoded."""
    received: list[dict[str, Any]] = []
    sent: list[dict[str, Any]] = []

    def on_socket(ws: Any) -> None:
        ws.on("framereceived", lambda payload: received.append(json.loads(payload)))
        ws.on("framesent", lambda payload: sent.append(json.loads(payload)))

    page.on("websocket", on_socket)
    return received, sent


def test_the_public_page_follows_deltas(
    browser: Any, api: httpx.Client, server: LiveServer
) -> None:
    page = new_page(browser)
    received, sent = _frames(page)
    page.goto(f"{server.url}/")
    page.locator('#live[data-live="true"]').wait_for()
    for _ in range(4):
        issue(api, "certificates")
    card(page, "certificates").locator(".waiting").filter(has_text="4人").wait_for()
    api.post(f"{OFFICE}/counters/4/open").raise_for_status()
    api.post(f"{OFFICE}/counters/4/call-next").raise_for_status()
    certificates = card(page, "certificates")
    certificates.locator(".calling").filter(has_text="B-001（4番窓口）").wait_for()
    assert certificates.locator(".waiting").inner_text() == "3人"
    assert page.locator("#announce").inner_text() == "B-001番の方、4番窓口へお越しください"
    version = int(api.get("/healthz").json()["version"])
    page.locator(f'#live[data-version="{version}"]').wait_for()
    types = [f["type"] for f in received]
    assert types[0] == "view" and types.count("delta") >= 5, types
    assert sent == []  # no full view had to be asked for
    assert page.locator("#live").get_attribute("data-resyncs") is None


def test_a_delta_the_page_cannot_apply_brings_the_full_view(
    browser: Any, api: httpx.Client, server: LiveServer
) -> None:
    """A delta whose base is not the version the page holds (here: changed on the way)
    is not rendered; the page asks for the full view and renders that."""
    page = new_page(browser)
    received, sent = _frames(page)
    spoiled: list[int] = []

    def route(ws: Any) -> None:
        upstream = ws.connect_to_server()

        def from_server(message: str | bytes) -> None:
            frame = json.loads(message)
            if frame["type"] == "delta" and not spoiled:
                spoiled.append(frame["version"])
                frame["base"] -= 1
                message = json.dumps(frame, ensure_ascii=False)
            ws.send(message)

        upstream.on_message(from_server)

    page.route_web_socket("**/ws/v1/public:*", route)
    page.goto(f"{server.url}/")
    page.locator('#live[data-live="true"]').wait_for()
    issue(api, "moving")
    page.locator('#live[data-resyncs="1"]').wait_for()
    card(page, "moving").locator(".waiting").filter(has_text="1人").wait_for()
    issue(api, "moving")  # and deltas apply again after the full view
    card(page, "moving").locator(".waiting").filter(has_text="2人").wait_for()
    version = int(api.get("/healthz").json()["version"])
    page.locator(f'#live[data-version="{version}"]').wait_for()
    assert spoiled and sent == [{"type": "resync"}]
    assert page.locator("#live").get_attribute("data-resyncs") == "1"
    full = [f for f in received if f["type"] == "view" and f.get("resync")]
    assert len(full) == 1 and full[0]["events"] == []


def _random_json(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(7 if depth < 3 else 4)
    if kind == 0:
        return None
    if kind == 1:
        return rng.choice([True, False])
    if kind == 2:
        return rng.randrange(-5, 50)
    if kind == 3:
        return rng.choice(["", "B-001", "窓口", "a/b", "~0"])
    if kind in (4, 5):
        keys = ["a", "b", "c/d", "e~f", "0", "waiting", "__x"]
        return {rng.choice(keys): _random_json(rng, depth + 1) for _ in range(rng.randrange(4))}
    return [_random_json(rng, depth + 1) for _ in range(rng.randrange(4))]


def _mutate(rng: random.Random, value: Any) -> Any:
    if isinstance(value, dict) and value and rng.random() < 0.7:
        out = dict(value)
        key = rng.choice(list(out))
        if rng.random() < 0.2:
            del out[key]
        else:
            out[key] = _mutate(rng, out[key])
        return out
    if isinstance(value, list) and value and rng.random() < 0.7:
        items = list(value)
        i = rng.randrange(len(items))
        items[i] = _mutate(rng, items[i])
        return items
    return _random_json(rng)


def test_the_browser_applies_the_servers_patches(browser: Any, server: LiveServer) -> None:
    rng = random.Random(17)
    cases = []
    for _ in range(300):
        old = _random_json(rng)
        new = _mutate(rng, old)
        cases.append({"old": old, "ops": patch.diff(old, new), "new": new})
    page = new_page(browser)
    page.goto(f"{server.url}/")
    results = page.evaluate(
        """async (cases) => {
            const { applyPatch } = await import("/static/web/visitor_common.js");
            return cases.map((c) => {
                const before = JSON.stringify(c.old);
                const out = applyPatch(c.old, c.ops);
                return { out, untouched: JSON.stringify(c.old) === before };
            });
        }""",
        cases,
    )
    assert sum(1 for c in cases if c["ops"]) > 200  # the cases do change something
    for case, result in zip(cases, results, strict=True):
        assert result["untouched"]
        assert result["out"] == case["new"], case


@pytest.mark.parametrize(
    "ops",
    [
        [{"op": "replace", "path": "/missing", "value": 1}],
        [{"op": "remove", "path": "/s/5"}],
        [{"op": "add", "path": "/__proto__/x", "value": 1}],
    ],
)
def test_the_browser_refuses_a_patch_that_does_not_fit(
    browser: Any, server: LiveServer, ops: list[dict[str, Any]]
) -> None:
    page = new_page(browser)
    page.goto(f"{server.url}/")
    refused = page.evaluate(
        """async (ops) => {
            const { applyPatch } = await import("/static/web/visitor_common.js");
            try { applyPatch({ s: [1] }, ops); return false; } catch (e) { return true; }
        }""",
        ops,
    )
    assert refused
