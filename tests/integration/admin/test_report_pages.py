"""The reports' pages beside the 集計 tab, on both databases: the charts as SVG and the
printable end-of-day summary are for supervisors and admins (a clerk gets the 403 page,
a stranger the sign-in page); the summary has the day's figures per service, the total and
the day's audit rows."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from datetime import timedelta

from starlette.testclient import TestClient

from server import accounts
from server.store import admin_audit
from tests.conftest import Clock, sign_in
from tests.integration.test_opendata_api import DAY, work_a_morning
from tests.integration.test_session import browser_sign_in

SUPERVISOR = ("report-sv", "sv-password-1")
ADMIN = ("report-admin", "admin-password-1")
CHART = f"/admin/reports/chart.svg?from={DAY}&to={DAY}&by=service"


def _add(client: TestClient, user: tuple[str, str], role: accounts.Role) -> None:
    accounts.add_user(client.app.state.system.writer, user[0], user[1], role)  # type: ignore[attr-defined]


def test_a_stranger_signs_in_first_and_a_clerk_is_refused(client: TestClient) -> None:
    for url in (CHART, f"/admin/reports/day?date={DAY}"):
        assert client.get(url, follow_redirects=False).status_code == 303
    browser_sign_in(client)
    for url in (CHART, f"/admin/reports/day?date={DAY}"):
        answer = client.get(url)
        assert answer.status_code == 403 and "権限がありません" in answer.text


def test_the_charts_are_svg_for_a_supervisor_and_an_admin(
    client: TestClient, clerk: dict[str, str], clock: Clock
) -> None:
    work_a_morning(client, clerk, clock)
    for user, role in ((SUPERVISOR, accounts.Role.SUPERVISOR), (ADMIN, accounts.Role.ADMIN)):
        _add(client, user, role)
        client.cookies.clear()  # a browser of its own
        browser_sign_in(client, user)
        for chart in ("counts", "waits"):
            answer = client.get(f"{CHART}&chart={chart}")
            assert answer.status_code == 200
            assert answer.headers["content-type"].startswith("image/svg+xml")
            svg = ET.fromstring(answer.text)
            assert svg.get("role") == "img"
            assert "転入・転出・転居の届出" in answer.text  # the row's name
        counts = client.get(f"{CHART}&chart=counts").text
        assert "計3（対応済1・不在1・待ち・対応中1）" in counts
        waits = client.get(f"{CHART}&chart=waits").text
        assert "平均10分・90% 10分" in waits and "目標 30分" in waits
    assert client.get(f"{CHART}&chart=pie").status_code == 422


def test_the_end_of_day_summary_has_the_days_figures_and_audit_rows(
    client: TestClient, clerk: dict[str, str], clock: Clock
) -> None:
    work_a_morning(client, clerk, clock)
    system = client.app.state.system  # type: ignore[attr-defined]

    def note(tx: object) -> None:
        admin_audit.write(
            tx.conn,  # type: ignore[attr-defined]
            office="nakano",
            at=clock.now,
            actor="report-sv",
            action="service.issuing",
            target="moving",
            before="open",
            after="stopped",
        )

    system.writer.run_sync(None, note, clock.now)
    _add(client, SUPERVISOR, accounts.Role.SUPERVISOR)
    browser_sign_in(client, SUPERVISOR)
    page = client.get("/admin/reports/day")  # today, the morning's day
    assert page.status_code == 200
    text = page.text
    assert "日報 2026年11月25日（水）" in text
    assert "発券 3 件、対応済 1 件、不在 1 件" in text
    assert '<th scope="row">転入・転出・転居の届出</th>' in text
    assert '<tfoot><tr><th scope="row">合計</th>' in text
    assert "service.issuing" in text and "report-sv" in text  # the audit row of the day
    # Another day has no rows and says so.
    other = client.get(f"/admin/reports/day?date={(clock.now - timedelta(days=3)).date()}")
    assert "この日の警報・操作の記録はありません。" in other.text
    assert client.get("/admin/reports/day?date=25-11-2026").status_code == 422
    # The API route stays JSON for the same supervisor's token.
    assert (
        client.get("/api/v1/offices/nakano/reports", headers=sign_in(client, SUPERVISOR)).json()[
            "by"
        ]
        == "day"
    )
