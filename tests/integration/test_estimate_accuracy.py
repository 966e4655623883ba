"""The estimate's accuracy on the office's own days (issue 18, item 3): measured from the
office's log (here: imported history) in the background once per business day, and stated
on the public page; nothing is claimed before there are enough days."""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date, timedelta
from zoneinfo import ZoneInfo

import pytest
from starlette.testclient import TestClient

from server.forecast import simulated_history
from server.history_import import import_log
from server.simulation.log import read_rows, write_log
from server.simulation.replay import replay
from server.web.accuracy import DAYS, MIN_DAYS, measure
from tests.conftest import Clock

TODAY = date(2026, 11, 25)  # the clock fixture's day, a Wednesday


def _import_weeks(client: TestClient, start: date, weeks: int) -> str:
    """`weeks` of simulated working days from `start`, imported as the office's history;
    the log's text, as imported."""
    system = client.app.state.system  # type: ignore[attr-defined]
    visits = simulated_history(system.office, start, weeks, seed=7)
    out = io.StringIO()
    write_log(visits, out)
    done = import_log(system.writer, system.office, out.getvalue(), system.clock())
    assert done.problems == [] and done.added == len(visits)
    return out.getvalue()


def test_the_accuracy_is_the_replay_of_the_last_working_days(
    client: TestClient, clock: Clock
) -> None:
    # Five weeks before today: 25 working days, of which the last 20 are measured.
    text = _import_weeks(client, TODAY - timedelta(weeks=5), 5)
    system = client.app.state.system  # type: ignore[attr-defined]
    accuracy = measure(system.engines, system.office, TODAY)
    assert accuracy.days == DAYS and accuracy.enough
    assert accuracy.last is not None and accuracy.last < TODAY
    # The same replay, by hand, over the same days of the same log.
    tz = ZoneInfo(system.office.timezone)
    rows, errors = read_rows(text, tz)
    assert errors == []
    assert accuracy.first is not None
    kept = [r for r in rows if accuracy.first <= r.issued_at.astimezone(tz).date()]
    prior = {s.id: float(s.mean_service_min) for s in system.office.services.values()}
    expected = replay(kept, prior, tz).report
    assert accuracy.tickets == expected.tickets > 1000
    assert accuracy.mae_min == pytest.approx(expected.scores["estimator"].mae_min)
    assert accuracy.within_10_min == pytest.approx(expected.scores["estimator"].within_10_min)
    assert accuracy.in_range == pytest.approx(expected.scores["estimator"].coverage_80)


def test_the_public_page_states_it_in_the_visitors_language(
    make_client: Callable[..., TestClient], sqlite_url: str
) -> None:
    client = make_client(sqlite_url)
    _import_weeks(client, TODAY - timedelta(weeks=2), 2)  # ten working days
    first = client.get("/")
    assert first.status_code == 200  # answered at once, before any measure
    source = client.app.state.accuracy_sources["nakano"]  # type: ignore[attr-defined]
    accuracy = source.wait(TODAY, timeout=120)
    assert accuracy is not None and accuracy.days == 10
    page = client.get("/").text
    assert f"直近{accuracy.days}開庁日（{accuracy.tickets}人）" in page
    assert f"平均{round(accuracy.mae_min)}分" in page
    assert f"{round(accuracy.within_10_min * 100)}%の人で10分以内" in page
    english = client.get("/?lang=en").text
    assert f"last {accuracy.days} working days ({accuracy.tickets} visitors)" in english


def test_nothing_is_claimed_before_enough_days(
    make_client: Callable[..., TestClient], sqlite_url: str
) -> None:
    client = make_client(sqlite_url)
    client.get("/")
    source = client.app.state.accuracy_sources["nakano"]  # type: ignore[attr-defined]
    accuracy = source.wait(TODAY, timeout=60)
    assert accuracy is not None and accuracy.days == 0 and not accuracy.enough
    page = client.get("/").text
    assert f"実績が{MIN_DAYS}開庁日分たまると" in page
    assert "平均" not in page.split('id="accuracy"')[1].split("</p>")[0]
