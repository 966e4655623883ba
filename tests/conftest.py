"""Shared fixtures: real databases (SQLite files and the local PostgreSQL), the app, a
signed-in clerk, and a real uvicorn server in a subprocess."""

from __future__ import annotations

import contextlib
import dataclasses
import functools
import json
import os
import shutil
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Callable, Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import anyio
import httpx
import psycopg
import pytest
from starlette.testclient import TestClient, WebSocketTestSession
from starlette.websockets import WebSocketDisconnect

from printer.emulator import PrinterEmulator
from server import accounts
from server.app import create_app
from server.bootstrap import prepare_database
from server.commands import IssueTicket, TicketInfo
from server.context import Context
from server.office_file import load_office
from server.settings import Settings
from server.store.engine import Engines, make_engines
from server.store.unit_of_work import Committed, Writer

NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"
PG_ADMIN = os.environ.get("MADOGUCHI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
CLERK = ("clerk1", "clerk-password-1")
SUPERVISOR = ("super1", "super-password-1")
ROOT = Path(__file__).resolve().parent.parent
# Tests issue many tickets and book many slots from one address without a kiosk: the
# per-address limits of open issuing and of booking are off unless a test turns them on
# (tests/integration/test_issuing_abuse.py, test_booking_abuse.py).
UNLIMITED_ISSUING = {
    "issue_per_minute": 0,
    "issue_per_day": 0,
    "book_per_hour": 0,
    "book_per_day": 0,
    "book_held_per_service": 0,
}


@contextlib.contextmanager
def postgres_database() -> Iterator[str]:
    """A fresh PostgreSQL database of our own, dropped afterwards."""
    name = f"madoguchi_test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    base = PG_ADMIN.rsplit("/", 1)[0]
    try:
        yield f"{base}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    if request.param == "sqlite":
        yield f"sqlite:///{tmp_path / 'madoguchi.sqlite3'}"
    else:
        with postgres_database() as url:
            yield url


@pytest.fixture
def sqlite_url(tmp_path: Path) -> str:
    return f"sqlite:///{tmp_path / 'madoguchi.sqlite3'}"


class Clock:
    """A settable clock: tests move time instead of sleeping."""

    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


@pytest.fixture
def clock() -> Clock:
    # A Wednesday at 10:00 in Tokyo: an ordinary business day, tickets being issued.
    return Clock(datetime(2026, 11, 25, 1, 0, tzinfo=UTC))


@pytest.fixture
def make_client(clock: Clock) -> Iterator[Callable[..., TestClient]]:
    clients: list[TestClient] = []

    def make(database_url: str, **settings: object) -> TestClient:
        settings = {**UNLIMITED_ISSUING, **settings}
        app = create_app(Settings(database_url=database_url, **settings), clock=clock)  # type: ignore[arg-type]
        accounts.add_user(app.state.system.writer, CLERK[0], CLERK[1], accounts.Role.CLERK)
        client = TestClient(app)
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


@pytest.fixture
def client(make_client: Callable[..., TestClient], database_url: str) -> TestClient:
    return make_client(database_url)


def sign_in(client: TestClient | httpx.Client, user: tuple[str, str] = CLERK) -> dict[str, str]:
    answer = client.post("/api/v1/auth/token", json={"username": user[0], "password": user[1]})
    assert answer.status_code == 200, answer.text
    return {"Authorization": f"Bearer {answer.json()['token']}"}


def kiosk_headers(client: TestClient, kiosk: str = "kiosk-2f") -> dict[str, str]:
    """The kiosk's device token, as the kiosk sends it (printing at a kiosk needs it)."""
    token = accounts.device_token(client.app.state.system.writer, kiosk)  # type: ignore[attr-defined]
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def clerk(client: TestClient) -> dict[str, str]:
    return sign_in(client)


@pytest.fixture
def supervisor(client: TestClient) -> dict[str, str]:
    """A supervisor's Bearer header: one person working several counters (a clerk works
    one at a time)."""
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    accounts.add_user(writer, SUPERVISOR[0], SUPERVISOR[1], accounts.Role.SUPERVISOR)
    return sign_in(client, SUPERVISOR)


def receive_json(ws: WebSocketTestSession, timeout: float = 5.0) -> dict[str, Any]:
    """The next message of a test client's websocket, within `timeout` seconds (raises
    TimeoutError then, and WebSocketDisconnect on a close). The test client's own receive
    waits for ever, so a push that never comes would hang the run instead of failing."""

    async def next_message() -> Any:
        with anyio.fail_after(timeout):
            return await ws._send_rx.receive()

    message = ws.portal.call(next_message)
    if message["type"] == "websocket.close":
        raise WebSocketDisconnect(message.get("code", 1000), message.get("reason", ""))
    decoded: dict[str, Any] = json.loads(message["text"])
    return decoded


@pytest.fixture
def emulator(tmp_path: Path) -> Iterator[PrinterEmulator]:
    """A network ESC/POS printer (the TCP emulator), printing to files under tmp_path."""
    with PrinterEmulator(out_dir=tmp_path / "printed") as emu:
        yield emu


@pytest.fixture
def printing_client(
    make_client: Callable[..., TestClient], sqlite_url: str, emulator: PrinterEmulator
) -> TestClient:
    """The demo office with kiosk-2f's printer at the emulator, issuing whatever the hour."""
    return make_client(
        sqlite_url, printers={"kiosk-2f": f"tcp:127.0.0.1:{emulator.port}"}, always_open=True
    )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class LiveServer:
    """`madoguchi serve` in a subprocess: real uvicorn, real sockets."""

    def __init__(self, database_url: str, tmp: Path, *extra: str) -> None:
        self.database_url = database_url
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.ws_url = f"ws://127.0.0.1:{self.port}"
        self.extra = extra
        self.env: dict[str, str] = {}  # set before start(): the server's own environment
        self.log = tmp / f"server-{self.port}.log"
        self.log_level = "warning"  # info: uvicorn's access log too
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> LiveServer:
        env = {
            **os.environ,
            "MADOGUCHI_DATABASE_URL": self.database_url,
            "MADOGUCHI_LOG_LEVEL": self.log_level,
            "MADOGUCHI_ISSUE_PER_MINUTE": "0",
            "MADOGUCHI_ISSUE_PER_DAY": "0",
            "MADOGUCHI_BOOK_PER_HOUR": "0",
            "MADOGUCHI_BOOK_PER_DAY": "0",
            "MADOGUCHI_BOOK_HELD_PER_SERVICE": "0",
            **self.env,
        }
        cmd = [
            sys.executable,
            "-m",
            "server.cli",
            "serve",
            "--port",
            str(self.port),
            "--always-open",
            *self.extra,
        ]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(
                cmd, env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"server exited: {self.log.read_text()[-2000:]}")
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{self.url}/healthz", timeout=1).status_code == 200:
                    return self
            time.sleep(0.1)  # the polling interval
        raise RuntimeError(f"server did not start: {self.log.read_text()[-2000:]}")

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()


@pytest.fixture
def live_server(tmp_path: Path) -> Iterator[Callable[..., LiveServer]]:
    servers: list[LiveServer] = []

    def start(database_url: str, *extra: str) -> LiveServer:
        server = LiveServer(database_url, tmp_path, *extra).start()
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.stop()


def cli_device_token(database_url: str, device: str, office: str | None = None) -> str:
    """A device's token, as an operator gets it: `madoguchi device token` (`office`: the
    office file the server runs with)."""
    env = {**os.environ, "MADOGUCHI_DATABASE_URL": database_url}
    where = ["--office", office] if office else []
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "device", "token", device, *where],
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
        text=True,
    )
    return done.stdout.strip()


def add_supervisor(database_url: str) -> tuple[str, str]:
    """A supervisor, for the tests that work several counters at once with one account (a
    clerk works one at a time); not the demo's accounts, whose roles are the demo's business."""
    add_clerk(database_url, SUPERVISOR, role="supervisor")
    return SUPERVISOR


def add_clerk(database_url: str, user: tuple[str, str] = CLERK, role: str = "clerk") -> None:
    """A staff account made with the CLI (`role` supervisor: one who works several counters
    at once; a clerk works one)."""
    env = {**os.environ, "MADOGUCHI_DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "-m", "server.cli", "user", "add", user[0], "--role", role],
        input=f"{user[1]}\n".encode(),
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )


def issue_with(
    writer: Writer, ctx: Context, n: int, now: datetime, service: str = "moving"
) -> Committed[TicketInfo]:
    """Ticket `n` issued online straight through a writer (no HTTP, no hub)."""
    command = IssueTicket(service, "ja", False, None, "online", f"t{n:04d}", f"token-{n:04d}")
    return writer.run_sync("nakano", functools.partial(command, ctx), now)


class Socket:
    """A websocket for the hub without a network: it keeps every frame sent to it."""

    def __init__(self) -> None:
        self.frames: list[dict[str, Any]] = []

    async def send_text(self, data: str) -> None:
        self.frames.append(json.loads(data))

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        pass

    def seqs(self) -> list[int]:
        return [e["seq"] for f in self.frames for e in f["events"]]


@dataclasses.dataclass
class Store:
    """The demo office's store on a fresh database, with a writer (not started: run_sync
    runs commands in the calling thread)."""

    ctx: Context
    engines: Engines
    writer: Writer


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    office = load_office()
    engines = make_engines(database_url)
    writer = Writer(engines)
    prepare_database(writer, office)
    try:
        yield Store(Context(office, lambda day: False, always_open=True), engines, writer)
    finally:
        writer.stop()
        engines.dispose()


class NatsServer:
    """A private nats-server on ports of its own (never the machine's 4222), with its
    monitoring port to see who is connected."""

    def __init__(self, tmp: Path) -> None:
        self.port, self.monitor = free_port(), free_port()
        self.url = f"nats://127.0.0.1:{self.port}"
        self.log = tmp / f"nats-{self.port}.log"
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> NatsServer:
        assert Path(NATS_SERVER).exists(), "these tests need Debian's nats-server"
        cmd = [NATS_SERVER, "-a", "127.0.0.1", "-p", str(self.port), "-m", str(self.monitor)]
        with open(self.log, "ab") as log:
            self.process = subprocess.Popen(cmd, stdout=log, stderr=subprocess.STDOUT)
        self._wait(lambda s: True, "started")
        return self

    def kill(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)

    def subscriptions(self) -> int:
        """Subscriptions on the relay's subject: one per relay connected and subscribed."""
        answer = httpx.get(f"http://127.0.0.1:{self.monitor}/connz?subs=1", timeout=2).json()
        return sum(
            "madoguchi.version" in (c.get("subscriptions_list") or [])
            for c in answer["connections"] or []
        )

    def wait_for_relays(self, count: int) -> None:
        self._wait(lambda s: s.subscriptions() == count, f"{count} relays subscribed")

    def _wait(self, ready: Any, what: str, timeout: float = 20.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if ready(self):
                    httpx.get(f"http://127.0.0.1:{self.monitor}/varz", timeout=2)
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.1)  # the polling interval
        raise AssertionError(
            f"nats-server not {what} within {timeout} s: {self.log.read_text()[-2000:]}"
        )


@pytest.fixture
def nats_server(tmp_path: Path) -> Iterator[NatsServer]:
    """A nats-server of the test's own, not started yet (a test may want it down first)."""
    server = NatsServer(tmp_path)
    yield server
    server.kill()
