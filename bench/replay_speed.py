"""Replaying a year of a busy office's log through the estimator (issue 18): time to replay.

    python -m bench.replay_speed [--days 250] [--profile]

The log: simulated days of the demo office (seeds 1-4, normal and peak), four of them side by
side on each date as one office four times the demo's size (each copy's services, counters
and numbers renamed apart), on 250 weekdays in a row: about 300,000 rows. Replayed twice:
the full log, and the same log as a ticket system exports it (ticket, service, issued_at,
called_at only: counters and finishes inferred). Goal: each under a minute. Nothing is
asserted; `--profile` prints where the time went.
"""

from __future__ import annotations

import argparse
import cProfile
import csv
import io
import pstats
import time
from datetime import date, datetime, timedelta
from typing import Any

from server.office_file import load_office
from server.simulation.log import write_log
from server.simulation.profile import PROFILES
from server.simulation.replay import replay_text
from server.simulation.simulator import simulate

from . import _common as c

GOAL_S = 60.0
COPIES = 4  # simulated days side by side on each date
SEEDS = (1, 2, 3, 4)
SHORT = ("ticket", "service", "issued_at", "called_at")


def year_log(days: int) -> tuple[str, dict[str, float]]:
    """The log as CSV text, and the prior mean service time of each (renamed) service."""
    office = load_office()
    samples = []
    for seed in SEEDS:
        for kind in ("normal", "peak"):
            out = io.StringIO()
            write_log(simulate(office, PROFILES[kind], seed).visits, out)
            samples.append(list(csv.reader(io.StringIO(out.getvalue())))[1:])
    priors = {
        f"{s.id}-{k}": float(s.mean_service_min)
        for s in office.services.values()
        for k in range(COPIES)
    }
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        ["ticket", "service", "issued_at", "called_at", "finished_at", "counter", "outcome"]
    )
    day = date(2025, 4, 1)
    for n in range(days):
        while day.weekday() >= 5:
            day += timedelta(days=1)
        for k in range(COPIES):
            for row in samples[(n + k) % len(samples)]:
                writer.writerow(_moved(row, day, k))
        day += timedelta(days=1)
    return out.getvalue(), priors


def _moved(row: list[str], day: date, copy: int) -> list[str]:
    ticket, service, issued, called, finished, counter, outcome = row
    times = [_on(t, day) for t in (issued, called, finished)]
    return [
        f"{copy}{ticket}",
        f"{service}-{copy}",
        *times,
        counter and f"{copy}.{counter}",
        outcome,
    ]


def _on(at: str, day: date) -> str:
    if not at:
        return ""
    t = datetime.fromisoformat(at)
    return t.replace(year=day.year, month=day.month, day=day.day).isoformat(timespec="seconds")


def short(text: str) -> str:
    """The same log with only the columns a ticket system exports."""
    rows = csv.reader(io.StringIO(text))
    header = next(rows)
    keep = [header.index(f) for f in SHORT]
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(SHORT)
    for row in rows:
        writer.writerow([row[i] for i in keep])
    return out.getvalue()


def _timed(label: str, text: str, priors: dict[str, float], profile: bool) -> dict[str, Any]:
    profiler = cProfile.Profile() if profile else None
    t0 = time.perf_counter()
    if profiler:
        profiler.enable()
    result = replay_text(text, priors)
    if profiler:
        profiler.disable()
    seconds = time.perf_counter() - t0
    rows = text.count("\n") - 1
    tickets = result.report.tickets
    c.line(
        f"{label}: {rows:,} rows",
        f"{seconds:.1f} s, {tickets:,} tickets scored, {seconds / max(tickets, 1) * 1e6:.0f} µs "
        f"a ticket, {len(result.skipped)} rows skipped  (goal < {GOAL_S:.0f} s: "
        f"{c.verdict(seconds < GOAL_S)})",
    )
    if profiler:
        pstats.Stats(profiler).sort_stats("tottime").print_stats(15)
    return {"rows": rows, "tickets": tickets, "seconds": round(seconds, 2)}


def run(days: int = 250, profile: bool = False) -> dict[str, Any]:
    c.header(f"replay speed: {days} days of a busy office")
    t0 = time.perf_counter()
    text, priors = year_log(days)
    c.line("log generated", f"{time.perf_counter() - t0:.1f} s, {len(text) / 1e6:.1f} MB")
    full = _timed("full log", text, priors, profile)
    export = _timed("ticket-system export (4 columns)", short(text), priors, profile)
    data = {
        "days": days,
        "full": full,
        "export": export,
        "goals": {
            "full log < 60 s": full["seconds"] < GOAL_S,
            "4-column export < 60 s": export["seconds"] < GOAL_S,
        },
    }
    c.write_result("replay_speed", data)
    return data


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--days", type=int, default=250)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    run(args.days, args.profile)
