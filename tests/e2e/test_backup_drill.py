"""The backup and restore drill of docs/backups.md, its commands as written there (issue 14,
checks that stay): back up while kiosks issue and a clerk calls, restore into a new database,
start the server on it. The copy taken under load is a consistent office: its event log is
the original's, from 1 to where the copy was taken, without a gap. The copy taken after the
load answers the same views as the original: public, admin, a counter's, visitors' pages."""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import threading
import time
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import psycopg
import pytest
from websockets.asyncio.client import connect

from tests.conftest import PG_ADMIN, LiveServer, add_supervisor, sign_in

OFFICE = "/api/v1/offices/nakano"
SERVICES = ["moving", "certificates"]


class Load:
    """Two kiosks issuing and a clerk calling, starting and finishing at counter 4, in
    threads, until stopped. Keeps every ticket issued (with its token)."""

    def __init__(self, server: LiveServer, auth: dict[str, str]) -> None:
        self.server, self.auth = server, auth
        self.stop = threading.Event()
        self.tickets: list[dict[str, Any]] = []
        self.threads = [threading.Thread(target=self.kiosk, args=(k,)) for k in range(2)] + [
            threading.Thread(target=self.clerk)
        ]

    def kiosk(self, k: int) -> None:
        with httpx.Client(base_url=self.server.url, timeout=10) as client:
            i = k
            while not self.stop.is_set():
                body = {"service": SERVICES[i % 2], "lang": "ja"}
                answer = client.post(f"{OFFICE}/tickets", json=body)
                assert answer.status_code == 201, answer.text
                self.tickets.append(answer.json())
                i += 1
                time.sleep(0.01)

    def clerk(self) -> None:
        with httpx.Client(base_url=self.server.url, timeout=10, headers=self.auth) as client:
            client.post(f"{OFFICE}/counters/4/open").raise_for_status()
            while not self.stop.is_set():
                called = client.post(f"{OFFICE}/counters/4/call-next")
                if called.status_code == 204:
                    time.sleep(0.01)
                    continue
                assert called.status_code == 200, called.text
                ticket = called.json()["id"]
                for action in ("start", "finish"):
                    client.post(f"/api/v1/tickets/{ticket}/{action}").raise_for_status()

    def __enter__(self) -> Load:
        for thread in self.threads:
            thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop.set()
        for thread in self.threads:
            thread.join(30)


def run(command: list[str], **kw: Any) -> None:
    subprocess.run(command, check=True, capture_output=True, **kw)


def pg_env(url: str) -> dict[str, str]:
    """libpq's environment for the doc's bare `pg_dump madoguchi` to reach the test server."""
    parts = urlsplit(url)
    return {
        "PATH": "/usr/bin:/bin",
        "PGHOST": parts.hostname or "127.0.0.1",
        "PGPORT": str(parts.port or 5432),
        "PGUSER": parts.username or "postgres",
    }


@pytest.fixture
def restored_databases() -> Iterator[list[str]]:
    """PostgreSQL databases the drill restores into, dropped afterwards."""
    names: list[str] = []
    yield names
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        for name in names:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def back_up_and_restore(url: str, tmp: Path, restored: list[str]) -> str:
    """docs/backups.md, step by step: the backup, then a restore into a new database.
    Answers the new database's URL."""
    if url.startswith("sqlite"):
        database = url.removeprefix("sqlite:///")
        backup = tmp / f"madoguchi-{uuid.uuid4().hex[:6]}.sqlite3"
        run(["sqlite3", database, f".backup '{backup}'"])
        target = tmp / f"restored-{uuid.uuid4().hex[:6]}.sqlite3"
        shutil.copy(backup, target)
        return f"sqlite:///{target}"
    name = urlsplit(url).path.lstrip("/")
    env = pg_env(url)
    dump = tmp / f"madoguchi-{uuid.uuid4().hex[:6]}.dump"
    with open(dump, "wb") as out:
        subprocess.run(["pg_dump", "-Fc", name], stdout=out, env=env, check=True)
    new = f"madoguchi_restored_{uuid.uuid4().hex[:8]}"
    restored.append(new)
    run(["createdb", new], env=env)
    run(["pg_restore", "-d", new, str(dump)], env=env)
    return url.rsplit("/", 1)[0] + f"/{new}"


async def log_until(server: LiveServer, final: int) -> list[tuple[int, str, str | None]]:
    """The event log 1..final as the public channel replays it: (seq, type, number)."""
    events: list[tuple[int, str, str | None]] = []
    async with connect(f"{server.ws_url}/ws/v1/public:nakano?since=0") as ws:
        version = 0
        while version < final:
            message = json.loads(await asyncio.wait_for(ws.recv(), 10))
            assert not message.get("resync"), message
            version = message["version"]
            events += [(e["seq"], e["type"], e.get("number")) for e in message["events"]]
    return events


def views(server: LiveServer, auth: dict[str, str], tokens: list[str]) -> dict[str, Any]:
    with httpx.Client(base_url=server.url, timeout=10, headers=auth) as client:
        answers = {
            name: client.get(f"/api/v1/views/{name}").json()
            for name in ("public:nakano", "admin:nakano", "counter:4", "display:display-2f")
        }
        answers["admin:nakano"].pop("now")  # the moment it was read, not the office's state
        for token in tokens:
            answers[token] = client.get(f"/api/v1/visitor/{token}").json()
    return answers


def test_a_backup_taken_under_load_restores_to_the_same_office(
    database_url: str,
    live_server: Callable[..., LiveServer],
    tmp_path: Path,
    restored_databases: list[str],
) -> None:
    supervisor = add_supervisor(database_url)
    original = live_server(database_url)
    with httpx.Client(base_url=original.url, timeout=10) as client:
        auth = sign_in(client, supervisor)
    with Load(original, auth) as load:
        while len(load.tickets) < 40:
            time.sleep(0.05)  # the polling interval
        under_load = back_up_and_restore(database_url, tmp_path, restored_databases)
        while len(load.tickets) < 80:
            time.sleep(0.05)
    final = httpx.get(f"{original.url}/api/v1/views/public:nakano").json()["version"]

    # The copy taken under load: the original's log up to the copy's version, no gap.
    copy = live_server(under_load)
    version = httpx.get(f"{copy.url}/api/v1/views/public:nakano").json()["version"]
    assert 0 < version < final
    restored_log = asyncio.run(log_until(copy, version))
    original_log = asyncio.run(log_until(original, final))
    assert [seq for seq, _, _ in restored_log] == list(range(1, version + 1))
    assert restored_log == original_log[:version]
    copy.stop()

    # The copy taken after the load: the same views as the original.
    after = live_server(back_up_and_restore(database_url, tmp_path, restored_databases))
    tokens = [t["token"] for t in load.tickets[:: len(load.tickets) // 5]]
    assert views(after, auth, tokens) == views(original, auth, tokens)
    print(f"\nbacked up at version {version} of {final}; {len(load.tickets)} tickets issued")
