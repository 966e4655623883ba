"""The `madoguchi` command in a subprocess: migrate, user add, device token, bad office
files, and MADOGUCHI_DATABASE_URL on both databases."""

from __future__ import annotations

import os
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import select
from starlette.testclient import TestClient

from server import accounts
from server.store import accounts as store_accounts
from server.store.engine import make_engines

ROOT = Path(__file__).resolve().parents[2]
NAKANO = ROOT / "server" / "offices" / "nakano.toml"


def cli(
    *args: str, stdin: str = "", database_url: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    if database_url is not None:
        env["MADOGUCHI_DATABASE_URL"] = database_url
    return subprocess.run(
        [sys.executable, "-m", "server.cli", *args],
        input=stdin,
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )


def office_file(tmp_path: Path, old: str, new: str, name: str = "office.toml") -> str:
    text = NAKANO.read_text(encoding="utf-8")
    assert old in text
    path = tmp_path / name
    path.write_text(text.replace(old, new, 1), encoding="utf-8")
    return str(path)


def sign_in(client: TestClient, user: str, password: str) -> int:
    answer = client.post("/api/v1/auth/token", json={"username": user, "password": password})
    return answer.status_code


def test_user_add_reads_the_password_from_stdin_and_the_user_can_sign_in(
    make_client: Callable[..., TestClient], database_url: str
) -> None:
    done = cli(
        "user",
        "add",
        "suzuki",
        "--role",
        "supervisor",
        stdin="s3cret-password\n",
        database_url=database_url,
    )
    assert done.returncode == 0, done.stderr
    assert "suzuki" in done.stdout
    client = make_client(database_url)
    answer = client.post(
        "/api/v1/auth/token", json={"username": "suzuki", "password": "s3cret-password"}
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["role"] == "supervisor" and answer.json()["token"]


def test_a_password_with_spaces_at_its_ends_signs_in_as_it_was_given(
    make_client: Callable[..., TestClient], sqlite_url: str
) -> None:
    password = "  two spaces each side  "
    done = cli("user", "add", "ito", stdin=f"{password}\n", database_url=sqlite_url)
    assert done.returncode == 0, done.stderr
    client = make_client(sqlite_url)
    assert sign_in(client, "ito", password) == 200


def test_user_add_refuses_a_short_password_with_exit_2(sqlite_url: str) -> None:
    done = cli("user", "add", "tanaka", "--role", "clerk", stdin="short\n", database_url=sqlite_url)
    assert done.returncode == 2
    assert "8" in done.stderr and "password" in done.stderr
    assert "Traceback" not in done.stderr
    engines = make_engines(sqlite_url)
    try:
        assert accounts.authenticate(engines, "tanaka", "short") is None
        assert not accounts.has_users(engines)
    finally:
        engines.dispose()


def test_device_token_is_stable_and_rotate_replaces_it(
    make_client: Callable[..., TestClient], sqlite_url: str, tmp_path: Path
) -> None:
    closed = office_file(tmp_path, "open_issuing = true", "open_issuing = false")
    first = cli("device", "token", "kiosk-2f", "--office", closed, database_url=sqlite_url)
    assert first.returncode == 0, first.stderr
    token = first.stdout.strip()
    assert len(token) >= 24 and "\n" not in token
    second = cli("device", "token", "kiosk-2f", "--office", closed, database_url=sqlite_url)
    assert second.stdout.strip() == token
    rotated = cli(
        "device", "token", "kiosk-2f", "--rotate", "--office", closed, database_url=sqlite_url
    )
    assert rotated.returncode == 0, rotated.stderr
    new = rotated.stdout.strip()
    assert new and new != token
    client = make_client(sqlite_url, office_file=closed)

    def issue(bearer: str) -> int:
        answer = client.post(
            "/api/v1/offices/nakano/tickets",
            json={"service": "moving", "kiosk": "kiosk-2f"},
            headers={"Authorization": f"Bearer {bearer}"},
        )
        return answer.status_code

    assert issue(token) in (401, 403)
    assert issue(new) == 201


def test_migrate_creates_a_fresh_sqlite_database(tmp_path: Path) -> None:
    path = tmp_path / "deep" / "er" / "fresh.sqlite3"
    elsewhere = tmp_path / "from-the-environment.sqlite3"
    # --database-url wins over MADOGUCHI_DATABASE_URL.
    done = cli(
        "migrate", "--database-url", f"sqlite:///{path}", database_url=f"sqlite:///{elsewhere}"
    )
    assert done.returncode == 0, done.stderr
    assert path.exists() and not elsewhere.exists()
    with sqlite3.connect(path) as conn:
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
        assert {"office", "ticket", "event", "counter", "number_counter"} <= tables
        assert conn.execute("SELECT version_num FROM alembic_version").fetchone()
        assert conn.execute("SELECT id, seq FROM office").fetchall() == [("nakano", 0)]
        assert conn.execute("PRAGMA journal_mode").fetchone() == ("wal",)


def test_a_broken_office_file_exits_2_naming_the_problem(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'x.sqlite3'}"
    for old, new, words in [
        ('timezone = "Asia/Tokyo"', 'timezone = "Mars/Olympus"', ["office.timezone", "Mars"]),
        ('id = "nakano"', 'id = "nakano', ["not valid TOML"]),
        ('services = ["koseki"]', 'services = ["weddings"]', ["counters[7].services", "weddings"]),
    ]:
        path = office_file(tmp_path, old, new)
        done = cli("migrate", "--office", path, "--database-url", url)
        assert done.returncode == 2, (new, done.stderr)
        assert "Traceback" not in done.stderr
        assert path in done.stderr
        for word in words:
            assert word in done.stderr, (word, done.stderr)
    missing = cli("migrate", "--office", str(tmp_path / "nowhere.toml"), "--database-url", url)
    assert missing.returncode == 2 and "not found" in missing.stderr


def test_a_bad_database_url_exits_2_with_a_message() -> None:
    done = cli("migrate", "--database-url", "mysql://root@localhost/x")
    assert done.returncode == 2
    assert "mysql" in done.stderr and "Traceback" not in done.stderr


def test_the_database_url_comes_from_the_environment(database_url: str) -> None:
    done = cli("user", "add", "sato", stdin="sato-password-1\n", database_url=database_url)
    assert done.returncode == 0, done.stderr
    token = cli("device", "token", "display-2f", database_url=database_url).stdout.strip()
    engines = make_engines(database_url)
    try:
        assert accounts.authenticate(engines, "sato", "sato-password-1") is accounts.Role.CLERK
        assert accounts.device_of_token(engines, token) == "display-2f"
        with engines.reader.connect() as conn:
            devices = conn.execute(select(store_accounts.DEVICE.c.name)).scalars().all()
        assert devices == ["display-2f"]
    finally:
        engines.dispose()


def test_production_without_an_office_file_refuses_to_start(sqlite_url: str) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("MADOGUCHI_")}
    env |= {"MADOGUCHI_DATABASE_URL": sqlite_url, "MADOGUCHI_ENV": "production"}
    done = subprocess.run(
        [sys.executable, "-m", "server.cli", "serve", "--port", "1"],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 2, done.stdout + done.stderr
    assert "office file" in done.stderr
    assert "demo-clerk" not in done.stdout


def test_the_demo_clerk_is_a_clerk_and_the_demo_supervisor_a_supervisor(
    live_server: Callable[..., Any], sqlite_url: str
) -> None:
    from server.cli import DEMO_CLERK, DEMO_SUPERVISOR

    server = live_server(sqlite_url)
    printed = server.log.read_text()
    for user, role in [(DEMO_CLERK, "clerk"), (DEMO_SUPERVISOR, "supervisor")]:
        assert f"user {user[0]}  password {user[1]}" in printed
        answer = httpx.post(
            f"{server.url}/api/v1/auth/token", json={"username": user[0], "password": user[1]}
        )
        assert answer.status_code == 200 and answer.json()["role"] == role


def test_the_demo_prints_where_residents_book_and_take_a_ticket_from_home(
    live_server: Callable[..., Any], sqlite_url: str
) -> None:
    server = live_server(sqlite_url)
    printed = server.log.read_text()
    booking = next(line for line in printed.splitlines() if "予約 booking" in line)
    assert f"{server.url.replace('127.0.0.1', 'localhost')}/book" in booking
    assert "マイナンバーカード" in booking
    from_home = next(line for line in printed.splitlines() if "受付票を取る" in line)
    assert "転入・転出・転居の届出" in from_home
    # The address it prints answers.
    assert httpx.get(f"{server.url}/book").status_code == 200


def test_an_older_demo_database_gets_its_demo_clerk_demoted_and_a_demo_supervisor(
    live_server: Callable[..., Any], sqlite_url: str
) -> None:
    from server.cli import DEMO_CLERK, DEMO_SUPERVISOR

    made = cli(
        "user",
        "add",
        DEMO_CLERK[0],
        "--role",
        "supervisor",
        stdin=f"{DEMO_CLERK[1]}\n",
        database_url=sqlite_url,
    )
    assert made.returncode == 0, made.stderr
    server = live_server(sqlite_url)
    for user, role in [(DEMO_CLERK, "clerk"), (DEMO_SUPERVISOR, "supervisor")]:
        answer = httpx.post(
            f"{server.url}/api/v1/auth/token", json={"username": user[0], "password": user[1]}
        )
        assert answer.status_code == 200 and answer.json()["role"] == role
