"""The log export and open data over HTTP, from the office's own event log: a morning of
two tickets worked through the real API, read back as the log CSV (supervisors only) and as
open data (anyone, CSV and JSON)."""

from __future__ import annotations

import csv
import io
from datetime import timedelta

from starlette.testclient import TestClient

from server import accounts
from server.opendata import DAILY_FIELDS
from tests.conftest import SUPERVISOR, Clock, sign_in

OFFICE = "/api/v1/offices/nakano"

DAY = "2026-11-25"  # the clock fixture: Wednesday 10:00 in Tokyo


def work_a_morning(client: TestClient, clerk: dict[str, str], clock: Clock) -> None:
    """A-001 issued 10:00, called 10:00, started 10:01, finished 10:21; A-002 issued 10:05,
    called 10:21, no-show 10:24; A-003 issued 10:10 and still waiting."""
    start = clock.now
    for minutes in (0, 5, 10):
        clock.now = start + timedelta(minutes=minutes)
        answer = client.post(f"{OFFICE}/tickets", json={"service": "moving", "lang": "ja"})
        assert answer.status_code == 201, answer.text
    clock.now = start + timedelta(minutes=10)
    assert client.post(f"{OFFICE}/counters/1/open", headers=clerk).status_code == 200
    first = client.post(f"{OFFICE}/counters/1/call-next", headers=clerk).json()
    clock.now = start + timedelta(minutes=11)
    client.post(f"/api/v1/tickets/{first['id']}/start", headers=clerk).raise_for_status()
    clock.now = start + timedelta(minutes=31)
    client.post(f"/api/v1/tickets/{first['id']}/finish", headers=clerk).raise_for_status()
    second = client.post(f"{OFFICE}/counters/1/call-next", headers=clerk).json()
    clock.now = start + timedelta(minutes=34)
    client.post(f"/api/v1/tickets/{second['id']}/no-show", headers=clerk).raise_for_status()


def test_the_log_export_is_the_replayable_csv_and_for_supervisors_only(
    client: TestClient, clerk: dict[str, str], clock: Clock
) -> None:
    work_a_morning(client, clerk, clock)
    url = f"{OFFICE}/log.csv?from={DAY}&to={DAY}"
    assert client.get(url).status_code == 401
    assert client.get(url, headers=clerk).status_code == 403
    system = client.app.state.system  # type: ignore[attr-defined]
    accounts.add_user(system.writer, *SUPERVISOR, accounts.Role.SUPERVISOR)
    answer = client.get(url, headers=sign_in(client, SUPERVISOR))
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/csv")
    assert answer.text.splitlines() == [
        "ticket,service,issued_at,called_at,finished_at,counter,outcome",
        "A-001,moving,2026-11-25T10:00:00+09:00,2026-11-25T10:10:00+09:00,2026-11-25T10:31:00+09:00,1,served",
        "A-002,moving,2026-11-25T10:05:00+09:00,2026-11-25T10:31:00+09:00,,1,no_show",
        # A-003 is still in line today: not in the log until its day is over.
    ]
    # The next day, the one never called is recorded as having left.
    clock.now += timedelta(days=1)
    later = client.get(url, headers=sign_in(client, SUPERVISOR)).text.splitlines()
    assert later[-1] == "A-003,moving,2026-11-25T10:10:00+09:00,,,,left"


def test_open_data_counts_and_waits_per_hour_and_service(
    client: TestClient, clerk: dict[str, str], clock: Clock
) -> None:
    work_a_morning(client, clerk, clock)
    answer = client.get(f"{OFFICE}/opendata/daily.csv?from={DAY}&to={DAY}")
    assert answer.status_code == 200
    assert answer.headers["content-type"] == "text/csv; charset=utf-8"
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert list(rows[0]) == DAILY_FIELDS
    assert rows == [
        {
            "date": DAY,
            "hour": "10",
            "service": "moving",
            "issued": "2",  # A-003, still waiting, is today's and left out
            "transferred_in": "0",
            "served": "1",
            "no_show": "1",
            "left": "0",
            "wait_median_min": "10.0",
            "wait_p90_min": "10.0",
            "service_median_min": "20.0",
        }
    ]
    data = client.get(f"{OFFICE}/opendata/daily.json?from={DAY}&to={DAY}").json()
    assert data["fields"] == DAILY_FIELDS
    assert data["rows"][0]["wait_median_min"] == 10.0 and data["rows"][0]["served"] == 1
    assert data["services"]["moving"]["ja"] == "転入・転出・転居の届出"
    # No personal data: no numbers, tokens or clerks in open data.
    assert "A-00" not in answer.text and "clerk" not in str(data)


def test_bad_ranges_are_refused_with_invalid_request(client: TestClient) -> None:
    for query in (
        "from=2026-13-01",
        "from=2026-11-26&to=2026-11-25",
        "from=2024-01-01&to=2026-01-01",
    ):
        answer = client.get(f"{OFFICE}/opendata/daily.csv?{query}")
        assert answer.status_code == 422, query
        assert answer.json()["code"] == "invalid_request"
    assert client.get("/api/v1/offices/elsewhere/opendata/daily.json").status_code == 404
