"""`madoguchi serve --office FILE` repeated, or a folder of office files: one process, real
uvicorn, several offices (issue 17, item 1); what the operator sees when two offices clash;
and `madoguchi user add --office-role` for a user of several offices."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import websockets.sync.client as ws_client

from .test_cli import NAKANO, ROOT, cli

BRANCH = ROOT / "server" / "offices" / "minamidai.toml"


def test_serve_with_two_office_files_serves_both_and_prints_both(
    live_server: Callable[..., Any], sqlite_url: str
) -> None:
    server = live_server(sqlite_url, "--office", str(NAKANO), "--office", str(BRANCH))
    for office, service in (("nakano", "moving"), ("minamidai", "consult")):
        issued = httpx.post(
            f"{server.url}/api/v1/offices/{office}/tickets", json={"service": service}
        )
        assert issued.status_code == 201, issued.text
        assert issued.json()["number"].endswith("-001")  # each office numbers its own
    # A websocket of the branch (another client library than the server's own).
    with ws_client.connect(f"{server.ws_url}/ws/v1/public:minamidai") as socket:
        frame = socket.recv(timeout=10)
    assert '"minamidai"' in frame and "moving" not in frame
    printed = server.log.read_text()
    assert "南台区民活動センター (minamidai)" in printed and "中野区役所 (nakano)" in printed
    assert "/?office=minamidai" in printed and "/admin?office=minamidai" in printed
    health = httpx.get(f"{server.url}/healthz").json()
    assert health["status"] == "ok"


def test_serve_with_a_folder_serves_every_office_file_in_it(
    live_server: Callable[..., Any], sqlite_url: str, tmp_path: Path
) -> None:
    folder = tmp_path / "offices"
    folder.mkdir()
    shutil.copy(NAKANO, folder / "1-nakano.toml")
    shutil.copy(BRANCH, folder / "2-minamidai.toml")
    server = live_server(sqlite_url, "--office", str(folder))
    for office in ("nakano", "minamidai"):
        answer = httpx.get(f"{server.url}/api/v1/offices/{office}/status")
        assert answer.status_code == 200, answer.text


def test_two_offices_that_share_a_device_name_refuse_to_start(
    sqlite_url: str, tmp_path: Path
) -> None:
    clash = tmp_path / "clash.toml"
    clash.write_text(
        BRANCH.read_text(encoding="utf-8").replace('id = "kiosk-minamidai"', 'id = "kiosk-2f"'),
        encoding="utf-8",
    )
    done = cli("migrate", "--office", str(NAKANO), "--office", str(clash), database_url=sqlite_url)
    assert done.returncode == 0, done.stderr  # migrate reads no devices
    started = cli(
        "serve",
        "--port",
        "1",
        "--office",
        str(NAKANO),
        "--office",
        str(clash),
        database_url=sqlite_url,
    )
    assert started.returncode == 2, started.stderr
    assert "kiosk-2f" in started.stderr and "nakano" in started.stderr


def test_an_office_named_twice_refuses_to_start(sqlite_url: str) -> None:
    started = cli(
        "serve",
        "--port",
        "1",
        "--office",
        str(NAKANO),
        "--office",
        str(NAKANO),
        database_url=sqlite_url,
    )
    assert started.returncode == 2, started.stderr
    assert "nakano" in started.stderr and "twice" in started.stderr


def test_a_folder_without_office_files_says_so(sqlite_url: str, tmp_path: Path) -> None:
    started = cli("serve", "--port", "1", "--office", str(tmp_path), database_url=sqlite_url)
    assert started.returncode == 2
    assert "no office files" in started.stderr


def test_user_add_gives_a_role_in_each_office(
    live_server: Callable[..., Any], sqlite_url: str
) -> None:
    offices = ("--office", str(NAKANO), "--office", str(BRANCH))
    done = cli("migrate", *offices, database_url=sqlite_url)
    assert done.returncode == 0, done.stderr
    added = cli(
        "user",
        "add",
        "branch-lead",
        "--role",
        "supervisor",
        "--office-role",
        "minamidai=supervisor",
        "--office-role",
        "nakano=clerk",
        stdin="lead-password-1\n",
        database_url=sqlite_url,
    )
    assert added.returncode == 0, added.stderr
    wrong = cli(
        "user",
        "add",
        "nobody",
        "--office-role",
        "elsewhere=clerk",
        stdin="nobody-password-1\n",
        database_url=sqlite_url,
    )
    assert wrong.returncode == 2 and "elsewhere" in wrong.stderr
    server = live_server(sqlite_url, *offices)
    token = httpx.post(
        f"{server.url}/api/v1/auth/token",
        json={"username": "branch-lead", "password": "lead-password-1"},
    ).json()["token"]
    bearer = {"Authorization": f"Bearer {token}"}
    assert (
        httpx.get(f"{server.url}/api/v1/offices/minamidai/audit", headers=bearer).status_code == 200
    )
    assert httpx.get(f"{server.url}/api/v1/offices/nakano/audit", headers=bearer).status_code == 403
    assert (
        httpx.get(f"{server.url}/api/v1/offices/nakano/devices", headers=bearer).status_code == 200
    )


def test_user_add_again_without_office_roles_keeps_them(sqlite_url: str) -> None:
    """A password reset by `user add` (docs/security.md) must not make a branch's clerk
    staff of every office."""
    offices = ("--office", str(NAKANO), "--office", str(BRANCH))
    assert cli("migrate", *offices, database_url=sqlite_url).returncode == 0
    first = cli(
        "user",
        "add",
        "m1",
        "--office-role",
        "minamidai=clerk",
        stdin="first-password-1\n",
        database_url=sqlite_url,
    )
    assert first.returncode == 0, first.stderr
    again = cli("user", "add", "m1", stdin="second-password-2\n", database_url=sqlite_url)
    assert again.returncode == 0, again.stderr
    from server.store import staff as staff_rows
    from server.store.engine import make_engines

    engines = make_engines(sqlite_url)
    try:
        with engines.reader.connect() as conn:
            user = staff_rows.user(conn, "m1")
    finally:
        engines.dispose()
    assert user is not None and user["offices"] == {"minamidai": "clerk"}
