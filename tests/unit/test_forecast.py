"""The congestion forecast: weekday × half-hour cells of arrivals per day and median wait,
and the best and worst half hours, on hand-made histories; the shipped demo history."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from server.domain.office import Office
from server.forecast import (
    MIN_SAMPLES,
    Cell,
    build_forecast,
    simulated_history,
    slots_of,
)
from server.office_file import demo_office_path, load_office
from server.simulation.log import read_log
from server.simulation.simulator import Visit

TZ = ZoneInfo("Asia/Tokyo")
MONDAY = date(2025, 6, 2)
HISTORY = demo_office_path().parent / "nakano-history.csv"


@pytest.fixture(scope="module")
def office() -> Office:
    return load_office(None)


def visit(day: date, at: str, wait_min: float | None, service: str = "moving") -> Visit:
    issued = datetime.combine(day, time.fromisoformat(at), TZ)
    if wait_min is None:
        return Visit("A-001", service, issued, outcome="left")
    called = issued + timedelta(minutes=wait_min)
    return Visit("A-001", service, issued, called, called + timedelta(minutes=20), "1", "served")


def test_slots_run_in_half_hours_from_opening_to_the_last_cutoff(office: Office) -> None:
    slots = slots_of(office)
    assert slots[0] == time(8, 30)
    assert slots[-1] == time(16, 0)
    assert len(slots) == 16


def test_arrivals_are_per_day_of_that_weekday_and_the_wait_is_the_median(office: Office) -> None:
    next_monday = MONDAY + timedelta(days=7)
    visits = [
        visit(MONDAY, "09:05", 10),
        visit(MONDAY, "09:10", 20),
        visit(MONDAY, "09:29", 60),
        visit(next_monday, "09:00", 30),
        visit(next_monday, "09:15", None),  # left: an arrival, no wait
        visit(MONDAY + timedelta(days=1), "10:40", 5),  # a Tuesday: another cell
    ]
    forecast = build_forecast(visits, office, "own")

    assert (forecast.days, forecast.first, forecast.last) == (3, MONDAY, next_monday)
    cell = forecast.services["moving"].cells[(0, time(9, 0))]
    # Five joined the line over two Mondays; served waits 10, 20, 30, 60 -> median 25.
    assert cell == Cell(arrivals=2.5, wait_min=25.0, served=4)
    assert cell.level == 2
    tuesday = forecast.services["moving"].cells[(1, time(10, 30))]
    assert (tuesday.arrivals, tuesday.served, tuesday.wait_min) == (1.0, 1, None)
    assert forecast.services["certificates"].cells[(0, time(9, 0))].arrivals == 0


def test_a_cell_with_too_few_served_shows_no_median(office: Office) -> None:
    visits = [visit(MONDAY, "11:00", 5) for _ in range(MIN_SAMPLES - 1)]
    cell = build_forecast(visits, office, "own").services["moving"].cells[(0, time(11, 0))]
    assert cell.wait_min is None and cell.level is None
    assert build_forecast(visits, office, "own").services["moving"].best is None


def test_best_and_worst_half_hours_are_the_shortest_and_longest_median_wait(office: Office) -> None:
    visits = (
        [visit(MONDAY, "09:00", 40) for _ in range(3)]
        + [visit(MONDAY, "14:30", 3) for _ in range(3)]
        + [visit(MONDAY + timedelta(days=3), "10:00", 12) for _ in range(3)]
    )
    moving = build_forecast(visits, office, "own").services["moving"]
    assert moving.best is not None and moving.worst is not None
    assert (moving.best.weekday, moving.best.slot, moving.best.wait_min) == (0, time(14, 30), 3)
    assert (moving.worst.weekday, moving.worst.slot, moving.worst.wait_min) == (0, time(9, 0), 40)


def test_ties_at_the_best_wait_go_to_the_quietest_half_hour(office: Office) -> None:
    visits = [visit(MONDAY, "09:00", 0) for _ in range(6)] + [
        visit(MONDAY, "15:00", 0) for _ in range(3)
    ]
    best = build_forecast(visits, office, "own").services["moving"].best
    assert best is not None and best.slot == time(15, 0)


def test_an_empty_history_gives_empty_cells(office: Office) -> None:
    forecast = build_forecast([], office, "own")
    assert forecast.days == 0 and forecast.first is None
    assert all(c.arrivals == 0 for c in forecast.services["moving"].cells.values())


def test_the_simulated_history_is_reproducible_and_busier_on_mondays(office: Office) -> None:
    one = simulated_history(office, MONDAY, 1, seed=5)
    assert one == simulated_history(office, MONDAY, 1, seed=5)
    days = {v.issued_at.astimezone(TZ).date() for v in one}
    assert len(days) == 5 and all(d.weekday() < 5 for d in days)
    per_day = {d: sum(1 for v in one if v.issued_at.astimezone(TZ).date() == d) for d in days}
    assert per_day[MONDAY] > per_day[MONDAY + timedelta(days=2)]


def test_the_shipped_demo_history_fills_the_forecast(office: Office) -> None:
    forecast = build_forecast(read_log(HISTORY.read_text(encoding="utf-8")), office, "simulated")
    assert forecast.days == 20
    for service in office.services:
        cells = forecast.services[service].cells.values()
        assert sum(c.arrivals for c in cells) > 0, service
        assert forecast.services[service].worst is not None, service
