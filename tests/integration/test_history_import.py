"""`madoguchi history import FILE.csv` (issue 15, item 8), on both databases: a past log in
the format of log.csv goes into the office's history; a second import changes nothing; rows
it cannot use are named by line and the rest is imported; log.csv → history → log.csv is
the same file."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from starlette.testclient import TestClient

from server import accounts
from server.cli import main
from server.office_file import load_office
from server.store.engine import make_engines
from server.web.history import MIN_OWN_DAYS, ForecastSource
from tests.conftest import SUPERVISOR, sign_in

OFFICE = "/api/v1/offices/nakano"

# Two past days as log.csv writes them (time order, the office's time with its offset): a
# transfer (A-002 sent from moving to certificates), a no-show, one who left with no time.
LOG = """ticket,service,issued_at,called_at,finished_at,counter,outcome
A-001,moving,2026-11-19T09:00:00+09:00,2026-11-19T09:12:00+09:00,2026-11-19T09:30:00+09:00,1,served
A-002,moving,2026-11-19T09:10:00+09:00,2026-11-19T09:50:00+09:00,2026-11-19T10:00:00+09:00,2,served
B-001,certificates,2026-11-19T09:20:00+09:00,2026-11-19T09:25:00+09:00,,5,no_show
A-002,certificates,2026-11-19T10:00:00+09:00,2026-11-19T10:05:00+09:00,2026-11-19T10:09:00+09:00,5,served
B-002,certificates,2026-11-19T10:30:00+09:00,,,,left
A-001,moving,2026-11-20T13:00:00+09:00,2026-11-20T13:01:00+09:00,2026-11-20T13:20:00+09:00,1,served
"""


def run(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    code = main(["history", "import", *args])
    out = capsys.readouterr()
    return code, out.out, out.err


def test_importing_twice_changes_nothing_and_log_csv_comes_back_the_same(
    tmp_path: Path,
    database_url: str,
    capsys: pytest.CaptureFixture[str],
    make_client: Callable[..., TestClient],
) -> None:
    path = tmp_path / "old-system.csv"
    path.write_text(LOG, encoding="utf-8")
    code, out, err = run(capsys, str(path), "--database-url", database_url, "--office", "nakano")
    assert (code, err) == (0, "")
    assert out.strip() == "nakano: 6 rows imported, 0 already there, 0 not used"
    code, out, _ = run(capsys, str(path), "--database-url", database_url)
    assert code == 0
    assert out.strip() == "nakano: 0 rows imported, 6 already there, 0 not used"

    client = make_client(database_url)
    accounts.add_user(
        client.app.state.system.writer,  # type: ignore[attr-defined]
        *SUPERVISOR,
        accounts.Role.SUPERVISOR,
    )
    supervisor = sign_in(client, SUPERVISOR)
    answer = client.get(f"{OFFICE}/log.csv?from=2026-11-19&to=2026-11-20", headers=supervisor)
    assert answer.status_code == 200
    assert answer.text == LOG
    # And the reports see it: the 19th has 4 tickets issued and 1 transferred in.
    report = client.get(
        f"{OFFICE}/reports?from=2026-11-19&to=2026-11-20&by=day", headers=supervisor
    ).json()
    assert [(r["key"], r["tickets"], r["transferred_in"]) for r in report["rows"]] == [
        ("2026-11-19", 4, 1),
        ("2026-11-20", 1, 0),
    ]


BAD = """ticket,service,issued_at,called_at,finished_at,counter,outcome
A-001,moving,2026-11-19T09:00:00+09:00,2026-11-19T09:12:00+09:00,2026-11-19T09:30:00+09:00,1,served
A-002,moving,2026-11-19 nine,,,,left
A-003,passports,2026-11-19T09:10:00+09:00,,,,left
A-004,moving,2026-11-19T09:20:00+09:00,,,,gone
A-005,moving,2026-11-19T09:30:00+09:00,2026-11-19T09:20:00+09:00,,1,no_show
A-006,moving,2026-11-19T09:40:00,,,,left
A-007,moving,2026-11-19T09:50:00+09:00,,,,left
"""


def test_rows_it_cannot_use_are_named_by_line_and_the_rest_is_imported(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(BAD, encoding="utf-8")
    code, out, err = run(capsys, str(path), "--database-url", sqlite_url)
    assert code == 1
    assert out.strip() == "nakano: 2 rows imported, 0 already there, 5 not used"
    lines = err.splitlines()
    assert [line.split(": ")[1] for line in lines] == [
        "line 3",
        "line 4",
        "line 5",
        "line 6",
        "line 7",
    ]
    assert "issued_at '2026-11-19 nine' is not an ISO 8601 time" in lines[0]
    assert "service 'passports' is not one of the office's services" in lines[1]
    assert "outcome 'gone'" in lines[2]
    assert "called_at is before issued_at" in lines[3]
    assert "has no UTC offset" in lines[4]


def test_a_wrong_header_or_office_is_refused(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    path = tmp_path / "x.csv"
    path.write_text("number,when\nA-001,09:00\n", encoding="utf-8")
    code, out, err = run(capsys, str(path), "--database-url", sqlite_url)
    assert code == 1 and "the header must be: ticket,service,issued_at" in err
    assert "0 rows imported" in out
    code, _, err = run(capsys, str(path), "--database-url", sqlite_url, "--office", "shinjuku")
    assert code == 2 and "not 'shinjuku'" in err
    code, _, err = run(capsys, str(tmp_path / "missing.csv"), "--database-url", sqlite_url)
    assert code == 2 and "cannot read" in err


def test_the_forecast_reads_imported_history_as_the_offices_own(
    tmp_path: Path, sqlite_url: str, capsys: pytest.CaptureFixture[str]
) -> None:
    # Ten business days before the 25th (the 23rd is a holiday), one served ticket each:
    # MIN_OWN_DAYS of the office's own, so the forecast no longer uses the shipped weeks.
    days = [10, 11, 12, 13, 16, 17, 18, 19, 20, 24]
    assert len(days) == MIN_OWN_DAYS
    lines = [LOG.splitlines()[0]] + [
        f"A-001,moving,2026-11-{d}T09:00:00+09:00,2026-11-{d}T09:05:00+09:00,"
        f"2026-11-{d}T09:25:00+09:00,1,served"
        for d in days
    ]
    path = tmp_path / "ten-days.csv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    assert run(capsys, str(path), "--database-url", sqlite_url)[0] == 0
    engines = make_engines(sqlite_url)
    try:
        forecast = ForecastSource(engines, load_office()).get(date(2026, 11, 25))
    finally:
        engines.dispose()
    assert (forecast.source, forecast.days) == ("own", MIN_OWN_DAYS)
    assert (forecast.first, forecast.last) == (date(2026, 11, 10), date(2026, 11, 24))
