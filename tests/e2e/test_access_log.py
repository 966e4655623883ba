"""No secret in the server's log (issue 14, item 4): `madoguchi serve` at level info, real
uvicorn; a ticket's token (visitor API, its pages, its QR code, its channel), a staff bearer
and a device token on a websocket or a page's address are each written as [redacted]."""

from __future__ import annotations

import asyncio
from pathlib import Path

import httpx
from websockets.asyncio.client import connect

from tests.conftest import CLERK, LiveServer, add_clerk, sign_in

DEVICE_TOKEN = "device-secret-0123456789"


def test_the_access_log_carries_no_token(sqlite_url: str, tmp_path: Path) -> None:
    add_clerk(sqlite_url)
    server = LiveServer(sqlite_url, tmp_path)
    server.log_level = "info"
    server.start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            ticket = http.post("/api/v1/offices/nakano/tickets", json={"service": "moving"})
            assert ticket.status_code == 201, ticket.text
            token = ticket.json()["token"]
            bearer = sign_in(http, CLERK)["Authorization"].split()[1]
            for path in (
                f"/api/v1/visitor/{token}",
                f"/api/v1/visitor/{token}/form",
                f"/api/v1/visitor/{token}/qr.svg",
                f"/t/{token}",
                f"/t/{token}/form",
                f"/api/v1/views/ticket:{token}",
                f"/display/display-2f?token={DEVICE_TOKEN}",
                f"/kiosk/kiosk-2f?lang=ja&token={DEVICE_TOKEN}",
            ):
                assert http.get(path).status_code < 500, path

        async def sockets() -> None:
            for path in (f"ticket:{token}", f"counter:4?token={bearer}"):
                async with connect(f"{server.ws_url}/ws/v1/{path}") as ws:
                    await asyncio.wait_for(ws.recv(), 10)

        asyncio.run(sockets())
    finally:
        server.stop()
    banner, _, log = server.log.read_text().partition("API ")  # the banner prints pairings
    for secret in (token, bearer, DEVICE_TOKEN):
        assert secret not in log, secret
    assert '"GET /api/v1/visitor/[redacted]/form HTTP/1.1" 200' in log
    assert '"GET /t/[redacted] HTTP/1.1" 200' in log
    assert '"WebSocket /ws/v1/ticket:[redacted]" [accepted]' in log
    assert '"WebSocket /ws/v1/counter:4?token=[redacted]" [accepted]' in log
    assert "/display/display-2f?token=[redacted]" in log


def test_a_token_may_come_in_the_first_message_instead_of_the_address(
    sqlite_url: str, tmp_path: Path
) -> None:
    from server import accounts
    from server.live import protocol
    from server.store.engine import make_engines
    from server.store.unit_of_work import Writer

    add_clerk(sqlite_url)
    engines = make_engines(sqlite_url)
    try:
        device = accounts.device_token(Writer(engines), "display-2f")
    finally:
        engines.dispose()
    server = LiveServer(sqlite_url, tmp_path).start()
    try:
        with httpx.Client(base_url=server.url, timeout=10) as http:
            bearer = sign_in(http, CLERK)["Authorization"].split()[1]

        async def first(channel: str, message: str | None) -> tuple[str, int | None]:
            url = f"{server.ws_url}/ws/v1/{channel}?auth=message"
            async with connect(url, open_timeout=10) as ws:
                if message is not None:
                    await ws.send(message)
                try:
                    frame = await asyncio.wait_for(ws.recv(), 15)
                except Exception:  # closed: the close code tells why
                    return "", ws.close_code
                return str(frame), None

        async def all_of_them() -> None:
            auth = '{{"type": "auth", "token": "{}"}}'.format
            frame, _ = await first("display:display-2f", auth(device))
            assert '"type":"view"' in frame
            frame, _ = await first("counter:4", auth(bearer))
            assert '"type":"view"' in frame
            refused = [
                ("display:display-2f", auth("not-a-device"), protocol.Close.POLICY),
                ("display:display-2f", "hello", protocol.Close.POLICY),
                ("counter:4", auth("forged.token.value"), protocol.Close.UNAUTHORIZED),
                ("admin:nakano", '{"type": "auth"}', protocol.Close.UNAUTHORIZED),
                ("admin:nakano", auth(bearer), protocol.Close.FORBIDDEN),  # a clerk's token
                # Nested past the parser's depth: refused like any bad message, not a 1011.
                ("counter:4", "[" * 2040 + "]" * 2040, protocol.Close.UNAUTHORIZED),
            ]
            for channel, message, code in refused:
                assert await first(channel, message) == ("", code), (channel, message)

        asyncio.run(all_of_them())
    finally:
        server.stop()


def test_a_real_office_prints_no_device_token_at_start(sqlite_url: str, tmp_path: Path) -> None:
    import os
    import subprocess
    import sys

    from tests.conftest import ROOT

    office = tmp_path / "office.toml"
    office.write_bytes((ROOT / "server" / "offices" / "nakano.toml").read_bytes())
    server = LiveServer(sqlite_url, tmp_path, "--office", str(office)).start()
    server.stop()
    env = {**os.environ, "MADOGUCHI_DATABASE_URL": sqlite_url}
    cli = [sys.executable, "-m", "server.cli", "device", "token", "--office", str(office)]
    tokens = [
        subprocess.run(
            [*cli[:5], device, *cli[5:]], env=env, cwd=ROOT, check=True, capture_output=True,
            text=True,
        ).stdout.strip().split()[-1]
        for device in ("kiosk-2f", "display-2f")
    ]  # fmt: skip
    printed = server.log.read_text()
    assert "#token=" not in printed and "madoguchi device token kiosk-2f" in printed
    for token in tokens:
        assert len(token) > 20 and token not in printed
