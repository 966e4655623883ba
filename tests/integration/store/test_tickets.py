"""The store's queue order is the domain's (call_policy.QUEUE_ORDER), on both databases:
on random lines with ties in time and number, bookings (予約) among them, the SQL line,
its heads and the people ahead of each ticket are what the domain computes from the same
tickets."""

from __future__ import annotations

import dataclasses
import random
from datetime import UTC, date, datetime, timedelta

from server.bootstrap import prepare_database
from server.domain import call_policy
from server.domain.ticket import Status, Ticket
from server.office_file import load_office
from server.store import tickets
from server.store.engine import make_engines
from server.store.lines import lines
from server.store.unit_of_work import Writer

OFFICE = load_office()
DAY = date(2026, 11, 25)
T0 = datetime(2026, 11, 25, 0, 0, tzinfo=UTC)
LINES = 40
SERVICES = ("certificates", "moving")  # counter 4 serves both, in this order


def random_line(rng: random.Random, round_: int) -> list[Ticket]:
    tickets = []
    # A ticket transferred in keeps its own prefix's number, so numbers tie across
    # prefixes within a line (a number is unique within its prefix and day).
    numbers = rng.sample([(p, s) for p in "ABCD" for s in range(1, 4)], rng.randint(1, 12))
    for n, (prefix, seq) in enumerate(numbers):
        service = rng.choice(SERVICES)
        minute = rng.randint(0, 2)  # few distinct times: many ties
        tickets.append(
            Ticket(
                id=f"r{round_:02d}-{rng.randrange(10**6):06d}-{n:02d}",
                office=OFFICE.id,
                service=service,
                prefix=prefix,
                seq=seq,
                day=DAY,
                token=f"token-{round_}-{n}",
                lang="ja",
                priority=rng.random() < 0.3,
                channel="kiosk",
                status=Status.WAITING if rng.random() < 0.85 else Status.CALLED,
                issued_at=T0 + timedelta(minutes=minute),
                queued_at=T0 + timedelta(minutes=minute),
                booked=rng.random() < 0.25,  # a booking: its slot's start is its place
            )
        )
    return tickets


def test_sql_and_domain_agree_on_the_queue_order_of_random_lines(database_url: str) -> None:
    engines = make_engines(database_url)
    prepare_database(Writer(engines), OFFICE)
    rng = random.Random(20261207)
    # Counter 4 as if it called the bookings of moving too (call_policy.is_callable).
    counter = dataclasses.replace(OFFICE.counters["4"], booked=("moving",))
    try:
        for round_ in range(LINES):
            line = random_line(rng, round_)
            with engines.writer.begin() as conn:
                conn.exec_driver_sql("DELETE FROM ticket")
                for t in line:
                    tickets.insert_ticket(conn, t)
                lines(conn).last_inserted = None  # no shortcut: count in SQL
                for service in SERVICES:
                    sql = [t.id for t in tickets.waiting_line(conn, OFFICE.id, service, DAY)]
                    assert sql == [t.id for t in call_policy.line(service, line)], round_
                for now in (T0, T0 + timedelta(minutes=1), T0 + timedelta(minutes=2)):
                    heads = tickets.line_heads(
                        conn, OFFICE.id, counter.services, DAY, counter.booked, now
                    )
                    expected = call_policy.pick_next(counter, line, now)
                    chosen = call_policy.pick_next(counter, heads, now)
                    assert (chosen.id if chosen else None) == (expected.id if expected else None), (
                        round_
                    )
                for t in line:
                    if t.status is Status.WAITING:
                        assert tickets.ahead_of(conn, t) == call_policy.position(t, line), round_
    finally:
        engines.dispose()
