"""The reports over HTTP (issue 15, item 8), on both databases: a morning worked through the
real API, read back by role, as JSON, CSV and Excel; imported history in the same report;
empty ranges; bad queries named by their field."""

from __future__ import annotations

import csv
import io
from datetime import timedelta
from typing import Any

import openpyxl
import pytest
from starlette.testclient import TestClient

from server import accounts
from server.domain.reports import FIELDS
from server.history_import import import_log
from tests.conftest import SUPERVISOR, Clock, sign_in
from tests.integration.test_opendata_api import DAY, OFFICE, work_a_morning

ADMIN = ("admin1", "admin-password-1")
REPORTS = f"{OFFICE}/reports"


def staff(client: TestClient) -> tuple[dict[str, str], dict[str, str]]:
    system = client.app.state.system  # type: ignore[attr-defined]
    accounts.add_user(system.writer, *SUPERVISOR, accounts.Role.SUPERVISOR)
    accounts.add_user(system.writer, *ADMIN, accounts.Role.ADMIN)
    return sign_in(client, SUPERVISOR), sign_in(client, ADMIN)


def pick(row: dict[str, Any], *names: str) -> tuple[Any, ...]:
    return tuple(row[n] for n in names)


def test_reports_are_for_supervisors_and_admins(
    client: TestClient, clerk: dict[str, str], clock: Clock
) -> None:
    work_a_morning(client, clerk, clock)
    supervisor, admin = staff(client)
    url = f"{REPORTS}?from={DAY}&to={DAY}&by=service"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=clerk).status_code == 403
    assert client.get(f"{url}&format=csv", headers=clerk).status_code == 403
    for who in (supervisor, admin):
        answer = client.get(url, headers=who)
        assert answer.status_code == 200, answer.text
        assert answer.headers["cache-control"] == "no-store"


def test_the_morning_by_service_counter_clerk_and_hour(
    client: TestClient, clerk: dict[str, str], clock: Clock
) -> None:
    # A-001 issued 10:00, first called 10:10 at counter 1, finished 10:31 (by clerk1);
    # A-002 issued 10:05, called 10:31, no-show; A-003 issued 10:10, still waiting (today).
    work_a_morning(client, clerk, clock)
    supervisor, _ = staff(client)

    def get(by: str) -> dict[str, Any]:
        answer = client.get(f"{REPORTS}?from={DAY}&to={DAY}&by={by}", headers=supervisor)
        assert answer.status_code == 200, answer.text
        return answer.json()

    data = get("service")
    assert pick(data, "from", "to", "by") == (DAY, DAY, "service")
    assert [r["key"] for r in data["rows"]] == ["moving"]
    assert data["labels"] == {"moving": "転入・転出・転居の届出"}
    row = data["rows"][0]
    assert list(row) == FIELDS
    # 3 issued = 1 served + 1 no-show + 1 still waiting; wait 10:10 − 10:00 = 10 min;
    # service 10:31 − 10:10 (first call) = 21 min; called within 30 min: 1 of 1.
    assert pick(row, "tickets", "served", "no_show", "left", "waiting", "transfers") == (
        3,
        1,
        1,
        0,
        1,
        0,
    )
    assert pick(row, "wait_mean_min", "wait_p50_min", "wait_p90_min", "service_mean_min") == (
        10.0,
        10.0,
        10.0,
        21.0,
    )
    assert pick(row, "called_within_target", "within_target_share") == (1, 1.0)
    assert data["total"] == row | {"key": "total"}

    counters = {r["key"]: r for r in get("counter")["rows"]}
    assert list(counters) == ["1", ""]  # A-003 was never called
    assert pick(counters["1"], "served", "no_show") == (1, 1)
    clerks = {r["key"]: r for r in get("clerk")["rows"]}
    assert pick(clerks["clerk1"], "served", "no_show") == (1, 1)
    assert [r["key"] for r in get("hour")["rows"]] == ["10"]
    assert [r["key"] for r in get("day")["rows"]] == [DAY]
    # The next day, the one never called has left.
    clock.now += timedelta(days=1)
    again = client.get(f"{REPORTS}?from={DAY}&to={DAY}", headers=sign_in(client, SUPERVISOR))
    assert pick(again.json()["total"], "left", "waiting") == (1, 0)


def test_csv_and_excel_give_the_same_rows(
    client: TestClient, clerk: dict[str, str], clock: Clock
) -> None:
    work_a_morning(client, clerk, clock)
    supervisor, _ = staff(client)
    url = f"{REPORTS}?from={DAY}&to={DAY}&by=counter"
    data = client.get(url, headers=supervisor).json()
    expected = [*data["rows"], data["total"]]

    answer = client.get(f"{url}&format=csv", headers=supervisor)
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    assert "attachment" in answer.headers["content-disposition"]
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert rows == [{k: "" if r[k] is None else str(r[k]) for k in FIELDS} for r in expected]

    answer = client.get(f"{url}&format=xlsx", headers=supervisor)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("application/vnd.openxmlformats")
    sheet = openpyxl.load_workbook(io.BytesIO(answer.content)).active
    assert sheet is not None
    lines = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert lines[1] == FIELDS  # a title line, the field names, the Japanese headings
    assert lines[2][0] == "区分"
    # An empty cell reads back as None: the row of tickets never called (key "").
    assert [dict(zip(FIELDS, line, strict=True)) for line in lines[3:]] == [
        {k: r[k] or None if k == "key" else r[k] for k in FIELDS} for r in expected
    ]


def test_an_empty_range_gives_no_rows_and_a_zero_total(
    client: TestClient, supervisor: dict[str, str]
) -> None:
    answer = client.get(f"{REPORTS}?from=2025-01-01&to=2025-01-31&by=clerk", headers=supervisor)
    assert answer.status_code == 200
    data = answer.json()
    assert data["rows"] == [] and data["total"]["tickets"] == 0
    assert data["total"]["wait_mean_min"] is None
    csv_rows = client.get(
        f"{REPORTS}?from=2025-01-01&to=2025-01-31&format=csv", headers=supervisor
    ).text.splitlines()
    assert csv_rows[0] == ",".join(FIELDS) and csv_rows[1].startswith("total,0,0")


@pytest.mark.parametrize(
    ("query", "field"),
    [
        ("from=2024-01-01&to=2025-02-05", "from"),  # 402 days
        ("from=2026-13-01", "from"),
        ("to=yesterday", "to"),
        ("from=2026-11-26&to=2026-11-25", "from"),
        ("by=week", "by"),
        ("format=pdf", "format"),
        ("target=0", "target"),
        ("target=lots", "target"),
    ],
)
def test_bad_queries_are_422_naming_the_field(
    client: TestClient, supervisor: dict[str, str], query: str, field: str
) -> None:
    answer = client.get(f"{REPORTS}?{query}", headers=supervisor)
    assert answer.status_code == 422, query
    assert answer.json()["code"] == "invalid_request"
    assert answer.json()["field"] == field


def test_four_hundred_days_are_allowed(client: TestClient, supervisor: dict[str, str]) -> None:
    answer = client.get(f"{REPORTS}?from=2025-10-22&to=2026-11-25", headers=supervisor)
    assert answer.status_code == 200, answer.text


PAST = """ticket,service,issued_at,called_at,finished_at,counter,outcome
A-001,moving,2026-11-24T09:00:00+09:00,2026-11-24T09:12:00+09:00,2026-11-24T09:30:00+09:00,1,served
A-002,moving,2026-11-24T09:10:00+09:00,2026-11-24T09:50:00+09:00,2026-11-24T10:00:00+09:00,2,served
A-002,certificates,2026-11-24T10:00:00+09:00,,,,left
A-001,moving,2026-11-25T09:00:00+09:00,2026-11-25T09:10:00+09:00,2026-11-25T09:20:00+09:00,1,served
"""


def test_imported_history_counts_for_days_the_event_log_does_not_have(
    client: TestClient, clerk: dict[str, str], clock: Clock
) -> None:
    work_a_morning(client, clerk, clock)  # the 25th is a live day
    system = client.app.state.system  # type: ignore[attr-defined]
    done = import_log(system.writer, system.office, PAST, clock.now)
    assert (done.rows, done.added, done.problems) == (4, 4, [])
    supervisor, _ = staff(client)
    data = client.get(f"{REPORTS}?from=2026-11-24&to={DAY}&by=day", headers=supervisor).json()
    days = {r["key"]: r for r in data["rows"]}
    # The 24th, imported: 2 issued + 1 transferred in (A-002 sent on) = 2 served + 1 left;
    # waits 12 and 40: mean 26, p90 40; service 18 and 10: mean 14; 1 of 2 within 30 min.
    assert pick(days["2026-11-24"], "tickets", "served", "left", "transfers") == (2, 2, 1, 1)
    assert pick(days["2026-11-24"], "wait_mean_min", "wait_p90_min", "service_mean_min") == (
        26.0,
        40.0,
        14.0,
    )
    assert days["2026-11-24"]["within_target_share"] == 0.5
    # The 25th is told by the event log alone: the imported row of that day is not added.
    assert days[DAY]["tickets"] == 3


def test_a_transfer_through_the_api_counts_at_both_services_and_for_its_clerks(
    client: TestClient, supervisor: dict[str, str], clock: Clock
) -> None:
    # A-001 (moving) issued 10:00, called at counter 1 at 10:04, started, sent on to
    # insurance at 10:20; called again at counter 9 at 10:26, finished 10:36.
    start = clock.now
    ticket = client.post(f"{OFFICE}/tickets", json={"service": "moving", "lang": "ja"}).json()
    for counter in ("1", "9"):
        client.post(f"{OFFICE}/counters/{counter}/open", headers=supervisor).raise_for_status()
    clock.now = start + timedelta(minutes=4)
    assert (
        client.post(f"{OFFICE}/counters/1/call-next", headers=supervisor).json()["id"]
        == (ticket["id"])
    )
    client.post(f"/api/v1/tickets/{ticket['id']}/start", headers=supervisor).raise_for_status()
    clock.now = start + timedelta(minutes=20)
    client.post(
        f"/api/v1/tickets/{ticket['id']}/transfer",
        json={"service": "insurance"},
        headers=supervisor,
    ).raise_for_status()
    clock.now = start + timedelta(minutes=26)
    client.post(f"{OFFICE}/counters/9/call-next", headers=supervisor).raise_for_status()
    client.post(f"/api/v1/tickets/{ticket['id']}/start", headers=supervisor).raise_for_status()
    clock.now = start + timedelta(minutes=36)
    client.post(f"/api/v1/tickets/{ticket['id']}/finish", headers=supervisor).raise_for_status()

    data = client.get(f"{REPORTS}?from={DAY}&to={DAY}&by=service", headers=supervisor).json()
    rows = {r["key"]: r for r in data["rows"]}
    assert list(rows) == ["moving", "insurance"]  # the office's order
    # moving: 1 issued, served (then sent on): wait 4, service 20 − 4 = 16.
    assert pick(rows["moving"], "tickets", "served", "transfers", "transferred_in") == (1, 1, 1, 0)
    assert pick(rows["moving"], "wait_mean_min", "service_mean_min") == (4.0, 16.0)
    # insurance: came by transfer at 10:20, called 10:26 (wait 6), finished 10:36 (10).
    assert pick(rows["insurance"], "tickets", "served", "transfers", "transferred_in") == (
        0,
        1,
        0,
        1,
    )
    assert pick(rows["insurance"], "wait_mean_min", "service_mean_min") == (6.0, 10.0)
    assert pick(data["total"], "tickets", "served", "transfers") == (1, 2, 1)
    counters = client.get(f"{REPORTS}?from={DAY}&to={DAY}&by=counter", headers=supervisor)
    assert [r["key"] for r in counters.json()["rows"]] == ["1", "9"]
    clerks = client.get(f"{REPORTS}?from={DAY}&to={DAY}&by=clerk", headers=supervisor).json()
    assert [(r["key"], r["served"]) for r in clerks["rows"]] == [("super1", 2)]
