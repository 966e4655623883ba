"""What a Web Push notice says (server/push/message.py): the number, the counter and its
floor, in the ticket's language; the ticket page's address; nothing else."""

from __future__ import annotations

import json
from datetime import UTC, date, datetime

import pytest

from server.domain.ticket import Status, Ticket
from server.office_file import load_office
from server.push import message

OFFICE = load_office()


def ticket(lang: str) -> Ticket:
    at = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)
    return Ticket(
        id="0123456789abcdef", office="nakano", service="certificates", prefix="B", seq=7,
        day=date(2026, 11, 25), token="tok-en", lang=lang, priority=False, channel="kiosk",
        status=Status.WAITING, issued_at=at, queued_at=at,
    )  # fmt: skip


@pytest.mark.parametrize(
    ("lang", "body"),
    [
        ("ja", "B-007番：2F 4番窓口へお越しください"),
        ("en", "B-007: please come to counter 4 (2F)"),
        ("zh", "B-007号：请到2F 4号窗口"),
    ],
)
def test_a_call_says_number_counter_and_floor_in_the_tickets_language(lang: str, body: str) -> None:
    notice = json.loads(message.called(OFFICE, ticket(lang), "4", ready=False))
    assert notice == {
        "title": OFFICE.names.get(lang, OFFICE.names["ja"]),
        "body": body,
        "url": "/t/tok-en",
        "tag": "madoguchi-0123456789abcdef",
    }


def test_a_certificate_ready_at_pickup_says_so() -> None:
    notice = json.loads(message.called(OFFICE, ticket("ja"), "11", ready=True))
    floor = OFFICE.areas[OFFICE.counters["11"].area].floor
    assert notice["body"] == f"B-007番：証明書の準備ができました・{floor} 11番窓口へ"


def test_almost_your_turn_says_how_many_are_ahead() -> None:
    notice = json.loads(message.soon(OFFICE, ticket("ko"), 2))
    assert notice["body"].startswith("B-007번: 곧 차례입니다(앞에 2명)")
