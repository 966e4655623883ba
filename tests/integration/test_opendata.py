"""Open data and the log export against a known simulated day: the simulator's events, read
back the way the server reads its own log, give the simulator's own log row for row, and the
open-data figures computed independently from that day's visits and service times."""

from __future__ import annotations

import csv
import io
import math
import statistics
from collections import defaultdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

import pytest

from server.office_file import load_office
from server.opendata import (
    DAILY_FIELDS,
    daily_csv,
    daily_rows,
    log_csv,
    percentile,
    settle,
    stays_from_events,
)
from server.simulation.log import write_log
from server.simulation.profile import NORMAL, PEAK
from server.simulation.simulator import Simulation

TZ = ZoneInfo("Asia/Tokyo")


def store_events(sim: Simulation) -> list[dict[str, Any]]:
    """The simulated day's events as the store hands them out (number and data flattened)."""
    out = []
    for e in sim.events:
        event: dict[str, Any] = {"type": e.type, "at": e.at.isoformat()}
        if e.ticket is not None:
            event |= {"ticket": e.ticket, "number": sim.tickets[e.ticket].number}
        for key, value in (("service", e.service), ("counter", e.counter)):
            if value is not None:
                event[key] = value
        out.append(event | dict(e.data))
    return out


@pytest.fixture(scope="module", params=["normal", "peak"])
def day(request: pytest.FixtureRequest) -> tuple[Simulation, Any]:
    sim = Simulation(load_office(None), NORMAL if request.param == "normal" else PEAK, 7)
    return sim, sim.run()


def test_the_log_export_equals_the_simulators_own_log(day: tuple[Simulation, Any]) -> None:
    sim, result = day
    stays = settle(stays_from_events(store_events(sim)), date(2030, 1, 1), "Asia/Tokyo")
    expected = io.StringIO()
    write_log(result.visits, expected)
    assert log_csv(stays, "Asia/Tokyo") == expected.getvalue()
    assert log_csv(stays, "Asia/Tokyo").splitlines()[0] == (
        "ticket,service,issued_at,called_at,finished_at,counter,outcome"
    )


def test_open_data_figures_match_the_days_visits(day: tuple[Simulation, Any]) -> None:
    sim, result = day
    rows = daily_rows(stays_from_events(store_events(sim)), "Asia/Tokyo")
    # Independently: group the simulator's log by hour joined, and service times from its
    # started/finished events.
    started: dict[str, datetime] = {}
    service_min: dict[tuple[str, str], float] = {}
    for e in sim.events:
        if e.type == "ticket.started":
            started[e.ticket] = e.at  # type: ignore[index]
        elif e.type in ("ticket.finished", "ticket.preparing", "ticket.transferred") and (
            e.ticket in started
        ):
            number = sim.tickets[e.ticket].number  # type: ignore[index]
            key = (number, e.data.get("from") or e.service)
            service_min[key] = (e.at - started.pop(e.ticket)).total_seconds() / 60  # type: ignore[arg-type]
    groups: dict[tuple[str, int, str], list[Any]] = defaultdict(list)
    for v in result.visits:
        local = v.issued_at.astimezone(TZ)
        groups[(local.date().isoformat(), local.hour, v.service)].append(v)
    assert [(r["date"], r["hour"], r["service"]) for r in rows] == sorted(groups)
    first_rows = {}
    for v in result.visits:
        first_rows.setdefault(v.ticket, v)
    for row in rows:
        visits = groups[(row["date"], row["hour"], row["service"])]
        served = [v for v in visits if v.outcome == "served"]
        waits = sorted((v.called_at - v.issued_at).total_seconds() / 60 for v in served)
        times = [service_min[(v.ticket, v.service)] for v in served]
        assert row["issued"] == sum(1 for v in visits if first_rows[v.ticket] is v)
        assert row["issued"] + row["transferred_in"] == len(visits)
        assert row["served"] == len(served)
        assert row["no_show"] == sum(1 for v in visits if v.outcome == "no_show")
        if waits:
            assert row["wait_median_min"] == round(statistics.median(waits), 1)
            assert row["wait_p90_min"] == round(waits[math.ceil(0.9 * len(waits)) - 1], 1)
            assert row["service_median_min"] == round(statistics.median(times), 1)
        else:
            assert row["wait_median_min"] is None and row["service_median_min"] is None
    # The whole day adds up: every ticket issued once, the served and no-shows of the day.
    assert sum(r["issued"] for r in rows) == len(sim.tickets)
    assert sum(r["served"] for r in rows) == sum(1 for v in result.visits if v.outcome == "served")
    if sim.profile.name == "peak":
        assert sum(r["no_show"] for r in rows) > 0


def test_the_csv_has_the_documented_header_and_blank_cells_for_no_wait() -> None:
    rows = daily_rows([], "Asia/Tokyo")
    assert daily_csv(rows) == ",".join(DAILY_FIELDS) + "\r\n"
    row = {k: 0 for k in DAILY_FIELDS} | {"wait_median_min": None, "date": "2025-06-11"}
    body = list(csv.DictReader(io.StringIO(daily_csv([row]))))
    assert body[0]["wait_median_min"] == "" and body[0]["date"] == "2025-06-11"


def test_percentile_is_the_nearest_rank() -> None:
    assert percentile([5.0, 1.0, 3.0, 2.0, 4.0], 0.9) == 5.0
    assert percentile(list(map(float, range(1, 11))), 0.9) == 9.0
    assert percentile([7.0], 0.9) == 7.0
