"""Which tokens issuing takes: a stale kiosk token on an office that issues openly still
gives the visitor a ticket; elsewhere it is refused with a reason."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from starlette.testclient import TestClient

from server.accounts import device_token
from server.office_file import demo_office_path

TICKETS = "/api/v1/offices/nakano/tickets"


def _closed_office(tmp_path: Path) -> str:
    path = tmp_path / "closed.toml"
    path.write_text(
        demo_office_path()
        .read_text(encoding="utf-8")
        .replace("open_issuing = true", "open_issuing = false"),
        encoding="utf-8",
    )
    return str(path)


def test_a_stale_kiosk_token_still_issues_where_issuing_is_open(client: TestClient) -> None:
    writer = client.app.state.system.writer  # type: ignore[attr-defined]
    old = device_token(writer, "kiosk-2f")
    device_token(writer, "kiosk-2f", rotate=True)
    answer = client.post(
        TICKETS, json={"service": "moving"}, headers={"Authorization": f"Bearer {old}"}
    )
    assert answer.status_code == 201, answer.text


def test_an_unknown_token_is_refused_with_401_where_kiosks_must_be_paired(
    make_client: Callable[..., TestClient], sqlite_url: str, tmp_path: Path
) -> None:
    client = make_client(sqlite_url, office_file=_closed_office(tmp_path), always_open=True)
    answer = client.post(
        TICKETS, json={"service": "moving"}, headers={"Authorization": "Bearer not-a-token"}
    )
    assert answer.status_code == 401 and answer.json()["code"] == "unauthorized"
    display = device_token(client.app.state.system.writer, "display-2f")  # type: ignore[attr-defined]
    answer = client.post(
        TICKETS, json={"service": "moving"}, headers={"Authorization": f"Bearer {display}"}
    )
    assert answer.status_code == 403 and answer.json()["code"] == "forbidden"
    # A clerk at reception issues for a visitor.
    token = client.post(
        "/api/v1/auth/token", json={"username": "clerk1", "password": "clerk-password-1"}
    ).json()["token"]
    answer = client.post(
        TICKETS, json={"service": "moving"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert answer.status_code == 201, answer.text
