"""The admin console's sign-in and roles: supervisors and admins see it, a clerk gets a
403 page that says so, a stranger is sent to sign in; every section follows the one table
of roles in server/permissions.py."""

from __future__ import annotations

import re

from starlette.testclient import TestClient

from server import accounts
from server.permissions import LOWEST_ROLE, Action, may
from server.web.admin_pages import SECTIONS
from tests.integration.test_session import browser_sign_in

ADMIN = ("console-admin", "admin-password-1")
SUPERVISOR = ("console-sv", "sv-password-1")


def _add(client: TestClient, user: tuple[str, str], role: accounts.Role) -> None:
    accounts.add_user(client.app.state.system.writer, user[0], user[1], role)  # type: ignore[attr-defined]


def test_a_stranger_is_sent_to_sign_in_and_back(client: TestClient) -> None:
    answer = client.get("/admin/reports", follow_redirects=False)
    assert answer.status_code == 303
    assert answer.headers["location"] == "/signin?next=/admin/reports"


def test_a_clerk_gets_a_page_that_says_the_console_is_not_hers(client: TestClient) -> None:
    browser_sign_in(client)
    answer = client.get("/admin")
    assert answer.status_code == 403
    assert "権限がありません" in answer.text and "係長（監督者）以上" in answer.text
    assert "/counter" in answer.text  # where her own work is


def test_a_supervisor_sees_her_sections_and_not_the_admins(client: TestClient) -> None:
    _add(client, SUPERVISOR, accounts.Role.SUPERVISOR)
    browser_sign_in(client, SUPERVISOR)
    floor = client.get("/admin")
    assert floor.status_code == 200 and 'lang="ja"' in floor.text
    for name, section in SECTIONS.items():
        page = client.get(f"/admin{section.path}")
        allowed = may(accounts.Role.SUPERVISOR, section.action)
        assert page.status_code == (200 if allowed else 403), name
        # The tabs offer only what she may open.
        assert (f'href="/admin{section.path}"' in floor.text) is allowed, name


def test_an_admin_opens_every_section(client: TestClient) -> None:
    _add(client, ADMIN, accounts.Role.ADMIN)
    browser_sign_in(client, ADMIN)
    for name, section in SECTIONS.items():
        assert client.get(f"/admin{section.path}").status_code == 200, name


def test_the_role_table_is_ordered_by_rank() -> None:
    # A role may do whatever a lower role may.
    for action, lowest in LOWEST_ROLE.items():
        for role in accounts.Role:
            assert may(role, action) is (role.rank >= lowest.rank)
    assert set(LOWEST_ROLE) == set(Action)


def test_the_audit_log_is_for_supervisors(client: TestClient) -> None:
    browser = browser_sign_in(client)
    refused = client.get("/api/v1/offices/nakano/audit", headers={"X-CSRF-Token": browser})
    assert refused.status_code == 403
    _add(client, SUPERVISOR, accounts.Role.SUPERVISOR)
    client.cookies.clear()
    browser_sign_in(client, SUPERVISOR)
    answer = client.get("/api/v1/offices/nakano/audit")
    assert answer.status_code == 200 and answer.json()["audit"] == []
    bad = client.get("/api/v1/offices/nakano/audit?limit=0")
    assert bad.status_code == 422 and bad.json()["field"] == "limit"


def test_a_console_address_with_a_query_comes_back_whole_after_sign_in(
    client: TestClient,
) -> None:
    _add(client, SUPERVISOR, accounts.Role.SUPERVISOR)
    path = "/admin/reports?from=2026-11-01&to=2026-11-30&by=service"
    answer = client.get(path, follow_redirects=False)
    assert answer.status_code == 303
    page = client.get(answer.headers["location"])
    assert page.status_code == 200
    csrf = re.search(r'name="csrf" value="([^"]+)"', page.text)
    nxt = re.search(r'name="next" value="([^"]+)"', page.text)
    assert csrf is not None and nxt is not None
    assert nxt.group(1).replace("&amp;", "&") == path
    signed = client.post(
        "/signin",
        data={
            "csrf": csrf.group(1),
            "next": path,
            "username": SUPERVISOR[0],
            "password": SUPERVISOR[1],
        },
        follow_redirects=False,
    )
    assert signed.headers["location"] == path
