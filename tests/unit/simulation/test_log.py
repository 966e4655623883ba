"""The log replay: a handmade CSV with hand-computed figures, and the simulator's own log."""

from __future__ import annotations

import io
import json

import pytest

from server.cli import main
from server.office_file import load_office
from server.simulation.evaluation import report
from server.simulation.log import LogError, read_log, write_log
from server.simulation.profile import PROFILES
from server.simulation.replay import replay_text
from server.simulation.simulator import scored, simulate

HEADER = "ticket,service,issued_at,called_at,finished_at,counter,outcome\n"
# One certificates counter (prior 5 min, so a call costs 6 with the walk to the counter).
DAY = HEADER + (
    "B-001,certificates,2025-06-11T09:00:00+09:00,2025-06-11T09:00:00+09:00,2025-06-11T09:06:00+09:00,4,served\n"
    "B-002,certificates,2025-06-11T09:02:00+09:00,2025-06-11T09:06:00+09:00,2025-06-11T09:12:00+09:00,4,served\n"
    "B-003,certificates,2025-06-11T09:03:00+09:00,2025-06-11T09:12:00+09:00,,4,no_show\n"
    "B-004,certificates,2025-06-11T09:04:00+09:00,2025-06-11T09:14:00+09:00,2025-06-11T09:20:00+09:00,4,served\n"
)
PRIORS = {"certificates": 5.0}


def test_a_handmade_log_gives_the_hand_computed_figures():
    # B-001 at 09:00: counter 4 free -> 0 min (real 0). B-002 at 09:02: B-001 at the counter
    # for 2 min -> 6 - 2 = 4 min (real 4). B-004 at 09:04: counter free in 6 - 4 = 2 min,
    # then B-002 and B-003 at 0.95 x 6 + 0.05 x 2 = 5.8 each -> 13.6 min (real 10), range
    # 5-20. Blended with the head of line's wait, shorter than the look-ahead's, at 0.1
    # (B-002: itself, 0; B-004: 2 min): 0, 4 / 1.1 = 3.6, (13.6 + 0.2) / 1.1 = 12.5.
    # Queue length: 0, 0, 2 x 5 = 10. Head of line: 0, 0, B-002 has waited 2 -> 2.
    # Last to enter service: B-001's wait, 0, for all three (range 0-5).
    figures = replay_text(DAY, PRIORS).report.as_dict()

    assert figures == {
        "day": "2025-06-11",
        "seed": None,
        "tickets": 3,
        "estimator": {"mae_min": 0.97, "within_10_min": 1.0, "coverage_80": 1.0},
        "baselines": {
            "queue_length": {"mae_min": 1.33, "within_10_min": 1.0, "coverage_80": 1.0},
            "head_of_line": {"mae_min": 4.0, "within_10_min": 1.0, "coverage_80": 0.667},
            "last_to_enter_service": {"mae_min": 4.67, "within_10_min": 1.0, "coverage_80": 0.667},
        },
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("ticket,service\n", "the header must be"),
        (HEADER + "B-001,certificates,,,,,served\n", "line 2: issued_at is empty"),
        (HEADER + "B-001,certificates,2025-06-11T09:00:00,,,,served\n", "has no UTC offset"),
        (HEADER + "B-001,certificates,9 o'clock,,,,served\n", "not an ISO 8601 time"),
        (HEADER + "B-001,certificates,2025-06-11T09:00:00+09:00,,,,gone\n", "line 2: outcome"),
    ],
)
def test_a_bad_log_is_refused_naming_the_line_and_field(text, message):
    with pytest.raises(LogError, match=message):
        read_log(text)


def test_the_simulators_log_replays_to_nearly_the_simulators_figures():
    # The log knows less than the live state (no priority flags, no returned no-shows, breaks
    # only once a counter sits idle): the same tickets are scored, with figures close to the
    # simulator's own (the head of line is not compared: returns blur it most).
    office = load_office()
    day = simulate(office, PROFILES["peak"], 2)
    out = io.StringIO()
    write_log(day.visits, out)
    priors = {s.id: s.mean_service_min for s in office.services.values()}
    live = report("peak", 2, scored(day))
    replayed = replay_text(out.getvalue(), priors).report

    assert replayed.tickets == live.tickets
    for name in ("estimator", "queue_length"):
        assert replayed.scores[name].mae_min == pytest.approx(live.scores[name].mae_min, abs=2.0)


def test_simulate_and_estimator_eval_print_the_same_json_shape(tmp_path, capsys):
    log = tmp_path / "day.csv"
    assert (
        main(["simulate", "--seed", "3", "--day", "normal", "--json", "--log-out", str(log)]) == 0
    )
    simulated = json.loads(capsys.readouterr().out)
    assert main(["estimator-eval", "--log", str(log), "--json"]) == 0
    replayed = json.loads(capsys.readouterr().out)

    keys = {"mae_min", "within_10_min", "coverage_80"}
    for figures in (simulated, replayed):
        assert set(figures) - {"skipped"} == {"day", "seed", "tickets", "estimator", "baselines"}
        assert set(figures["estimator"]) == keys
        assert set(figures["baselines"]) == {
            "queue_length",
            "head_of_line",
            "last_to_enter_service",
        }
        assert all(set(b) == keys for b in figures["baselines"].values())
    assert (simulated["day"], simulated["seed"]) == ("normal", 3)
    assert replayed["tickets"] == simulated["tickets"]
    assert replayed["skipped"] == []
    assert log.read_text().startswith(HEADER)


def test_estimator_eval_names_the_rows_it_skips_and_scores_the_rest(tmp_path, capsys):
    log = tmp_path / "export.csv"
    log.write_text(
        "ticket,queue,issued_at,called_at\n"
        "B-001,certificates,2025-06-11T09:00:00+09:00,2025-06-11T09:04:00+09:00\n"
        "B-002,certificates,2025-06-11T09:01:00+09:00,2025-06-11T08:01:00+09:00\n"
        "B-003,certificates,2025-06-11T09:02:00,\n"  # no offset: the office's timezone
    )

    assert main(["estimator-eval", "--log", str(log), "--json"]) == 0
    out, err = capsys.readouterr()
    figures = json.loads(out)

    assert figures["tickets"] == 1
    assert figures["skipped"] == [
        {"line": 3, "reason": "line 3: called_at is 60 min before issued_at"}
    ]
    assert "skipped line 3: called_at is 60 min before issued_at" in err


def test_estimator_eval_without_anything_to_score_exits_non_zero(tmp_path, capsys):
    log = tmp_path / "empty.csv"
    log.write_text("ticket,called_at\n")

    assert main(["estimator-eval", "--log", str(log)]) == 1
    assert "the header must name ticket, service, issued_at" in capsys.readouterr().err
