"""The replay on logs with gaps: every kind of row a real export holds, and a property test
that it never fails, scores every usable called ticket, and names every row it leaves out."""

from __future__ import annotations

import csv
import io
import math
from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from server.simulation.evaluation import ESTIMATORS, point
from server.simulation.log import read_rows
from server.simulation.replay import replay_day, replay_text

JST = timezone(timedelta(hours=9))
DAY = datetime(2025, 6, 11, 8, 0, tzinfo=JST)
PRIORS = {"certificates": 5.0, "moving": 25.0}
COLUMNS = ("ticket", "service", "issued_at", "called_at", "finished_at", "counter", "outcome")


def _at(minute: int | None) -> str:
    return "" if minute is None else (DAY + timedelta(minutes=minute)).isoformat()


row_ = st.fixed_dictionaries(
    {
        "ticket": st.sampled_from(["A-1", "A-2", "B-1", "B-2", "B-3", "7", ""]),
        "service": st.sampled_from(["certificates", "moving", "koseki", ""]),
        "issued": st.one_of(st.none(), st.integers(-60, 600)),
        "called": st.one_of(st.none(), st.integers(-10, 120)),  # after the issue
        "finished": st.one_of(st.none(), st.integers(-5, 60)),  # after the call
        "counter": st.sampled_from(["", "1", "2", "4"]),
        "outcome": st.sampled_from(["", "served", "no_show", "left", "gone"]),
        "day": st.integers(0, 2),
    }
)


def _csv(rows: list[dict], columns: tuple[str, ...]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(columns)
    for r in rows:
        issued = None if r["issued"] is None else r["issued"] + r["day"] * 1440
        called = None if issued is None or r["called"] is None else issued + r["called"]
        base = called if called is not None else issued
        finished = None if base is None or r["finished"] is None else base + r["finished"]
        cells = {
            "ticket": r["ticket"],
            "service": r["service"],
            "issued_at": _at(issued),
            "called_at": _at(called),
            "finished_at": _at(finished),
            "counter": r["counter"],
            "outcome": r["outcome"],
        }
        writer.writerow([cells[c] for c in columns])
    return out.getvalue()


@settings(max_examples=200, deadline=None)
@given(
    st.lists(row_, max_size=40),
    st.sampled_from([COLUMNS, COLUMNS[:4], ("issued_at", "ticket", "called_at", "service")]),
    st.randoms(use_true_random=False),
)
def test_any_log_replays_scoring_every_usable_called_ticket_and_naming_the_rest(rows, columns, rng):
    text = _csv(rows, columns)
    lines = text.splitlines()
    body = lines[1:]
    rng.shuffle(body)  # unsorted rows
    body += body[: len(body) // 4]  # and some repeated
    text = "\n".join([lines[0], *body]) + "\n"

    result = replay_text(text, PRIORS)

    usable, errors = read_rows(text)
    skipped_lines = {e.line for e in result.skipped}
    assert skipped_lines >= {e.line for e in errors}
    assert all(2 <= e.line <= len(body) + 1 for e in result.skipped)
    rows_with_cells = [b for b in body if b.strip(",")]  # a line of empty cells is no row
    assert len(result.skipped) + len({r.line for r in usable} - skipped_lines) == len(
        rows_with_cells
    )
    scored = 0
    for day in {r.issued_at.date() for r in usable if r.line not in skipped_lines}:
        day_rows = [r for r in usable if r.line not in skipped_lines and r.issued_at.date() == day]
        scored += len(replay_day(day_rows, PRIORS))
    assert result.report.tickets == scored
    kept = [r for r in usable if r.line not in skipped_lines]
    called = [r for r in kept if r.called_at is not None and r.outcome in (None, "served")]
    assert scored <= len(called)
    if len({(r.issued_at.date(), r.ticket) for r in kept}) == len(kept):  # no transfers
        assert scored == len(called)
    for name in ESTIMATORS:
        figures = result.report.scores[name]
        assert math.isfinite(figures.mae_min) and figures.mae_min >= 0


def test_every_first_called_ticket_is_scored_and_each_estimate_is_finite_and_not_negative():
    # The four columns a ticket system exports: no counters, no finishes, no outcomes.
    rows = [
        {
            "ticket": f"B-{i}",
            "service": "certificates",
            "issued": 3 * i,
            "called": 10 + i % 7,
            "finished": None,
            "counter": "",
            "outcome": "",
            "day": 0,
        }
        for i in range(60)
    ] + [
        {
            "ticket": f"B-{i}",
            "service": "certificates",
            "issued": 3 * i,
            "called": None,
            "finished": None,
            "counter": "",
            "outcome": "",
            "day": 0,
        }
        for i in range(60, 70)  # never called: passed over, or still there at closing
    ]
    text = _csv(rows, COLUMNS[:4])
    day_rows, errors = read_rows(text)
    scored = replay_day(day_rows, PRIORS)

    assert errors == []
    assert len(scored) == 60
    for s in scored:
        for estimate in s.estimates.values():
            assert math.isfinite(point(estimate)) and point(estimate) >= 0
            assert 0 <= estimate.low_min <= estimate.high_min


def test_a_visitor_who_left_without_a_time_is_gone_once_someone_after_them_is_called():
    # B-2 left (no time); B-3, issued after, is called at 09:10. B-4, issued at 09:20, has
    # nobody ahead of it: the queue-length baseline says 0 (B-2 would have made it 5).
    text = "ticket,service,issued_at,called_at,outcome\n" + "\n".join(
        [
            f"B-1,certificates,{_at(60)},{_at(61)},served",
            f"B-2,certificates,{_at(62)},,left",
            f"B-3,certificates,{_at(63)},{_at(70)},served",
            f"B-4,certificates,{_at(80)},{_at(81)},served",
        ]
    )
    rows, _ = read_rows(text)
    scored = {s.ticket: s for s in replay_day(rows, PRIORS)}

    assert set(scored) == {"B-1", "B-3", "B-4"}
    assert point(scored["B-4"].estimates["queue_length"]) == 0
    assert point(scored["B-3"].estimates["queue_length"]) > 0  # B-2 was still there at 09:03


def test_rows_out_of_order_repeated_or_broken_are_named_and_the_rest_scored():
    text = "ticket,service,issued_at,called_at\n" + "\n".join(
        [
            f"B-1,certificates,{_at(60)},{_at(61)}",
            f"B-1,certificates,{_at(60)},{_at(61)}",  # line 3: a repeat
            f"B-2,certificates,{_at(62)},{_at(30)}",  # line 4: called half an hour before
            f"B-3,certificates,{_at(63)},{(DAY + timedelta(minutes=62)).isoformat()}",  # skew
            "B-4,certificates,noon,",  # line 6
            f",certificates,{_at(64)},",  # line 7
        ]
    )
    result = replay_text(text, PRIORS)

    assert [e.line for e in result.skipped] == [3, 4, 6, 7]
    assert "repeats line 2" in str(result.skipped[0])
    assert "called_at is 32 min before issued_at" in str(result.skipped[1])
    assert result.report.tickets == 2  # B-1, and B-3 with its call taken as its issue


def test_a_header_without_the_required_columns_is_the_one_error():
    result = replay_text("ticket,called_at\nB-1,\n", PRIORS)

    assert result.report.tickets == 0
    assert [(e.line, str(e)) for e in result.skipped] == [
        (0, "the header must name ticket, service, issued_at (missing: service, issued_at)")
    ]


def test_a_counter_idle_while_someone_waits_is_on_a_break_of_half_an_hour():
    # Counter 1 let B-1 go at 09:04 and called nobody while B-2 waited from 09:05. At B-3's
    # issue (09:09) it is taken to be on a break since 09:04, back at 09:34 (not 10:04, a
    # logged lunch's hour): B-2 then, B-3 about 6 minutes later (prior 5 + 1), blended with
    # the head's 4 minutes (shorter) at 0.1: (31 + 0.1 x 4) / 1.1 = 28.5.
    text = "ticket,service,issued_at,called_at,finished_at,counter\n" + "\n".join(
        [
            f"B-1,certificates,{_at(60)},{_at(61)},{_at(64)},1",
            f"B-2,certificates,{_at(65)},{_at(95)},{_at(98)},1",
            f"B-3,certificates,{_at(69)},{_at(98)},{_at(101)},1",
        ]
    )
    rows, _ = read_rows(text)
    scored = {s.ticket: s for s in replay_day(rows, PRIORS)}

    assert 25 < point(scored["B-3"].estimates["estimator"]) < 31
