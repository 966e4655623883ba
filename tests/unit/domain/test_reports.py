"""The reports' arithmetic against a small log computed by hand (the sums in the comments).

The log, Nakano's time (Asia/Tokyo), two days:

  #  day    ticket service       joined  1st call finished counter clerk   outcome
  1  11-25  A-001  moving        09:00   09:10    09:30    1       sato    served
  2  11-25  A-002  moving        09:05   09:35    09:50    1       sato    served, sent on
  3  11-25  A-002  certificates  09:50   10:00    10:05    3       suzuki  served (came by transfer)
  4  11-25  A-003  moving        09:20   09:50    -        2       -       no_show
  5  11-25  B-001  certificates  10:10   10:55    11:01    3       suzuki  served
  6  11-25  B-002  certificates  10:30   -        -        -       -       left
  7  11-26  A-001  moving        09:00   09:07:20 09:20    2       tanaka  served

Waits (first call − joined) of the served: #1 10, #2 30, #3 10, #5 45, #7 7⅓ (7.3333).
Service times (finished − first call): #1 20, #2 15, #3 5, #5 6, #7 12⅔ (12.6667).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

import pytest

from server.domain.reports import (
    FIELDS,
    Grouping,
    Record,
    mark_transfers,
    nearest_rank,
    report,
)

TZ = "Asia/Tokyo"
JST = ZoneInfo(TZ)


def at(day: int, hour: int, minute: int, second: int = 0) -> datetime:
    return datetime(2026, 11, day, hour, minute, second, tzinfo=JST)


LOG = [
    Record("A-001", "moving", at(25, 9, 0), "served", at(25, 9, 10), at(25, 9, 30), "1", "sato"),
    Record("A-002", "moving", at(25, 9, 5), "served", at(25, 9, 35), at(25, 9, 50), "1", "sato"),
    Record(
        "A-002",
        "certificates",
        at(25, 9, 50),
        "served",
        at(25, 10, 0),
        at(25, 10, 5),
        "3",
        "suzuki",
    ),
    Record("A-003", "moving", at(25, 9, 20), "no_show", at(25, 9, 50), None, "2", None),
    Record(
        "B-001",
        "certificates",
        at(25, 10, 10),
        "served",
        at(25, 10, 55),
        at(25, 11, 1),
        "3",
        "suzuki",
    ),
    Record("B-002", "certificates", at(25, 10, 30), "left"),
    Record(
        "A-001", "moving", at(26, 9, 0), "served", at(26, 9, 7, 20), at(26, 9, 20), "2", "tanaka"
    ),
]


def rows_of(by: Grouping, order: list[str] | None = None) -> dict[str, dict[str, object]]:
    result = report(mark_transfers(LOG, TZ), by, TZ, order=order)
    assert all(list(row) == FIELDS for row in result.rows)
    return {str(row["key"]): row for row in result.rows}


def pick(row: dict[str, object], *names: str) -> tuple[object, ...]:
    return tuple(row[n] for n in names)


COUNTS = ("tickets", "transferred_in", "served", "no_show", "left", "waiting", "transfers")
WAITS = ("wait_mean_min", "wait_p50_min", "wait_p90_min", "service_mean_min")
TARGET = ("called_within_target", "within_target_share")


def test_a_number_seen_again_the_same_day_is_a_transfer_and_not_the_next_day() -> None:
    marked = {(r.joined_at.day, r.ticket, r.service): r for r in mark_transfers(LOG, TZ)}
    assert marked[(25, "A-002", "moving")].transferred_out
    assert not marked[(25, "A-002", "moving")].transferred_in
    assert marked[(25, "A-002", "certificates")].transferred_in
    assert not marked[(25, "A-002", "certificates")].transferred_out
    # A-001 on the 26th is a new day's ticket, not A-001 of the 25th again.
    assert not marked[(26, "A-001", "moving")].transferred_in
    assert not marked[(25, "A-001", "moving")].transferred_out


def test_the_total_of_the_hand_computed_log() -> None:
    total = report(mark_transfers(LOG, TZ), Grouping.DAY, TZ).total
    assert total["key"] == "total"
    # 7 records: 6 issued + 1 transferred in = 5 served + 1 no-show + 1 left; 1 sent on (#2).
    assert pick(total, *COUNTS) == (6, 1, 5, 1, 1, 0, 1)
    # waits 10 + 30 + 10 + 45 + 7.3333 = 102.3333 / 5 = 20.4667 → 20.47;
    # sorted 7.33, 10, 10, 30, 45: p50 rank ⌈0.5·5⌉ = 3rd → 10; p90 rank ⌈0.9·5⌉ = 5th → 45;
    # service 20 + 15 + 5 + 6 + 12.6667 = 58.6667 / 5 = 11.7333 → 11.73.
    assert pick(total, *WAITS) == (20.47, 10.0, 45.0, 11.73)
    # within 30 minutes (30 itself included): 7.33, 10, 10, 30 → 4 of 5 = 0.8.
    assert pick(total, *TARGET) == (4, 0.8)


def test_by_day() -> None:
    rows = rows_of(Grouping.DAY)
    assert list(rows) == ["2026-11-25", "2026-11-26"]
    first, second = rows["2026-11-25"], rows["2026-11-26"]
    # The 25th: #1–#6: 5 issued + 1 transferred in = 4 served + 1 no-show + 1 left.
    assert pick(first, *COUNTS) == (5, 1, 4, 1, 1, 0, 1)
    # waits 10, 30, 10, 45: 95 / 4 = 23.75; sorted 10, 10, 30, 45: p50 ⌈2⌉ = 2nd → 10,
    # p90 ⌈3.6⌉ = 4th → 45; service 20 + 15 + 5 + 6 = 46 / 4 = 11.5.
    assert pick(first, *WAITS) == (23.75, 10.0, 45.0, 11.5)
    assert pick(first, *TARGET) == (3, 0.75)  # 10, 30, 10 of 4
    # The 26th: #7 alone: 7.3333 → 7.33; 12.6667 → 12.67.
    assert pick(second, *COUNTS) == (1, 0, 1, 0, 0, 0, 0)
    assert pick(second, *WAITS) == (7.33, 7.33, 7.33, 12.67)
    assert pick(second, *TARGET) == (1, 1.0)


def test_by_service_in_the_offices_order() -> None:
    rows = rows_of(Grouping.SERVICE, order=["moving", "certificates"])
    assert list(rows) == ["moving", "certificates"]
    moving, certificates = rows["moving"], rows["certificates"]
    # moving: #1, #2, #4, #7: 4 issued = 3 served + 1 no-show; #2 sent on.
    assert pick(moving, *COUNTS) == (4, 0, 3, 1, 0, 0, 1)
    # waits 10, 30, 7.3333: 47.3333 / 3 = 15.7778 → 15.78; sorted 7.33, 10, 30:
    # p50 ⌈1.5⌉ = 2nd → 10; p90 ⌈2.7⌉ = 3rd → 30; service 20 + 15 + 12.6667 = 47.6667 / 3
    # = 15.8889 → 15.89.
    assert pick(moving, *WAITS) == (15.78, 10.0, 30.0, 15.89)
    assert pick(moving, *TARGET) == (3, 1.0)
    # certificates: #3 (transferred in), #5, #6: 2 issued + 1 in = 2 served + 1 left.
    assert pick(certificates, *COUNTS) == (2, 1, 2, 0, 1, 0, 0)
    # waits 10, 45: 27.5; p50 ⌈1⌉ = 1st → 10; p90 ⌈1.8⌉ = 2nd → 45; service (5 + 6) / 2.
    assert pick(certificates, *WAITS) == (27.5, 10.0, 45.0, 5.5)
    assert pick(certificates, *TARGET) == (1, 0.5)


def test_by_counter_of_the_last_call_and_never_called_last() -> None:
    rows = rows_of(Grouping.COUNTER)
    assert list(rows) == ["1", "2", "3", ""]
    # 1: #1, #2: waits 10, 30 → mean 20, p50 ⌈1⌉ = 1st → 10, p90 ⌈1.8⌉ = 2nd → 30;
    # service (20 + 15) / 2 = 17.5.
    assert pick(rows["1"], *COUNTS) == (2, 0, 2, 0, 0, 0, 1)
    assert pick(rows["1"], *WAITS) == (20.0, 10.0, 30.0, 17.5)
    # 2: #4 (no-show, last called there) and #7.
    assert pick(rows["2"], *COUNTS) == (2, 0, 1, 1, 0, 0, 0)
    assert pick(rows["2"], *WAITS) == (7.33, 7.33, 7.33, 12.67)
    # 3: #3 (transferred in) and #5: waits 10, 45; service 5, 6.
    assert pick(rows["3"], *COUNTS) == (1, 1, 2, 0, 0, 0, 0)
    assert pick(rows["3"], *WAITS) == (27.5, 10.0, 45.0, 5.5)
    # never called: #6, who left; no waits at all.
    assert pick(rows[""], *COUNTS) == (1, 0, 0, 0, 1, 0, 0)
    assert pick(rows[""], *WAITS + TARGET) == (None, None, None, None, 0, None)


def test_by_clerk_who_served() -> None:
    rows = rows_of(Grouping.CLERK)
    assert list(rows) == ["sato", "suzuki", "tanaka", ""]
    assert pick(rows["sato"], "served", "wait_mean_min", "service_mean_min") == (2, 20.0, 17.5)
    assert pick(rows["suzuki"], "served", "wait_mean_min", "service_mean_min") == (2, 27.5, 5.5)
    assert pick(rows["tanaka"], "served", "wait_mean_min") == (1, 7.33)
    assert pick(rows[""], *COUNTS) == (2, 0, 0, 1, 1, 0, 0)  # #4 no-show, #6 left


def test_by_hour_of_joining_the_line_in_the_offices_time() -> None:
    rows = rows_of(Grouping.HOUR)
    assert list(rows) == ["09", "10"]
    # 09: #1, #2, #3 (09:50), #4, #7 (the 26th): 4 issued + 1 in = 4 served + 1 no-show.
    assert pick(rows["09"], *COUNTS) == (4, 1, 4, 1, 0, 0, 1)
    # waits 10, 30, 10, 7.3333 = 57.3333 / 4 = 14.3333 → 14.33; sorted 7.33, 10, 10, 30:
    # p50 ⌈2⌉ = 2nd → 10; p90 ⌈3.6⌉ = 4th → 30; service 20 + 15 + 5 + 12.6667 = 52.6667 / 4
    # = 13.1667 → 13.17.
    assert pick(rows["09"], *WAITS) == (14.33, 10.0, 30.0, 13.17)
    # 10: #5 (45 min: over the target) and #6.
    assert pick(rows["10"], *COUNTS) == (2, 0, 1, 0, 1, 0, 0)
    assert pick(rows["10"], *WAITS + TARGET) == (45.0, 45.0, 45.0, 6.0, 0, 0.0)


def test_a_target_of_ten_minutes() -> None:
    total = report(mark_transfers(LOG, TZ), Grouping.DAY, TZ, target_min=10).total
    assert pick(total, *TARGET) == (3, 0.6)  # 7.33, 10, 10 of 5


def test_no_records_give_no_rows_and_a_zero_total() -> None:
    result = report([], Grouping.SERVICE, TZ)
    assert result.rows == []
    assert pick(result.total, *COUNTS) == (0, 0, 0, 0, 0, 0, 0)
    assert pick(result.total, *WAITS + TARGET) == (None, None, None, None, 0, None)


@pytest.mark.parametrize(
    ("share", "expected"), [(0.5, 20.0), (0.9, 40.0), (0.1, 10.0), (1.0, 40.0)]
)
def test_nearest_rank(share: float, expected: float) -> None:
    # 4 values: rank ⌈share·4⌉: 0.5 → 2nd, 0.9 → 4th, 0.1 → 1st, 1.0 → 4th.
    assert nearest_rank([40.0, 10.0, 30.0, 20.0], share) == expected
