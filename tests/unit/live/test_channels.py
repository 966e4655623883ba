"""Channels (server/live/channels.py): which names exist, and what of each event every
audience is shown. Staff see the ticket's id and the clerk; screens anyone can read never
do, and a ticket's own page hears only of that ticket."""

from __future__ import annotations

import copy
from typing import Any

import pytest

from server.domain.errors import NotFound
from server.live.channels import STAFF_KINDS, Channel, events_for, parse_channel
from server.office_file import load_office
from server.voice import clip_path

OFFICE = load_office()  # the demo office: see server/offices/nakano.toml
PRIVATE = {"ticket", "clerk", "lang", "note", "priority"}


def event(seq: int, type: str, **fields: Any) -> dict[str, Any]:
    return {"seq": seq, "type": type, "at": "2026-11-25T01:00:00+00:00", **fields}


def ticket_event(seq: int, type: str, ticket: str, number: str, service: str, **more: Any) -> Any:
    return event(seq, type, ticket=ticket, number=number, service=service, **more)


# One morning's events, as the store hands them over (every field, staff's included).
EVENTS = [
    ticket_event(1, "ticket.issued", "t-a1", "A-001", "moving", priority=False),
    ticket_event(2, "ticket.issued", "t-e1", "E-001", "insurance", priority=True),
    event(3, "counter.opened", counter="4", clerk="clerk1"),
    ticket_event(4, "ticket.called", "t-a1", "A-001", "moving", counter="4", clerk="clerk1"),
    ticket_event(5, "ticket.called", "t-e1", "E-001", "insurance", counter="9", clerk="clerk2"),
    ticket_event(
        6, "ticket.transferred", "t-a1", "A-001", "insurance", counter="4", note="住所変更の件"
    ),
    ticket_event(7, "ticket.issued", "t-k1", "K-001", "childcare"),
    ticket_event(8, "ticket.ready", "t-b1", "B-001", "certificates", counter="11"),
    event(9, "counter.paused", counter="21", clerk="clerk3"),
    ticket_event(10, "ticket.preparing", "t-b2", "B-002", "certificates", counter="5"),
]
LANGS = {"t-a1": "vi", "t-e1": "ne", "t-k1": "ja", "t-b1": "en"}


def seqs(events: list[dict[str, Any]]) -> list[int]:
    return [e["seq"] for e in events]


def carried(kind: str, key: str, **options: Any) -> list[dict[str, Any]]:
    events = copy.deepcopy(EVENTS)
    out = events_for(parse_channel(f"{kind}:{key}", OFFICE), OFFICE, events, **options)
    assert events == EVENTS, "the events given are shared by every channel: never changed"
    return out


# -- names ------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "name",
    [
        "public:nakano",
        "admin:nakano",
        "display:display-2f",
        "counter:11",
        "kiosk:kiosk-3f",
        "ticket:any-token-at-all",  # looked up when the view is built
    ],
)
def test_a_known_channel_is_parsed_into_its_kind_and_key(name: str) -> None:
    channel = parse_channel(name, OFFICE)
    assert channel.name == name
    assert (channel.kind, channel.key) == tuple(name.split(":", 1))


@pytest.mark.parametrize(
    "name",
    [
        "public:shibuya",
        "admin:shibuya",
        "display:display-9f",
        "counter:99",
        "kiosk:kiosk-9f",
        "nowhere:nakano",
        "public:",
        "ticket:",
        "public",
        "",
    ],
)
def test_an_unknown_channel_is_not_found(name: str) -> None:
    with pytest.raises(NotFound):
        parse_channel(name, OFFICE)


def test_staff_channels_are_the_counters_and_the_admins() -> None:
    assert frozenset({"counter", "admin"}) == STAFF_KINDS


# -- staff ------------------------------------------------------------------------------


def _without_note(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    return [{k: v for k, v in e.items() if k != "note"} for e in events]


def test_the_admin_channel_carries_every_event_whole_but_a_transfers_note() -> None:
    # The note is for the receiving counter only, through its audited form route.
    assert carried("admin", "nakano") == _without_note(EVENTS)


def test_a_counter_hears_of_its_services_and_of_what_happens_at_it() -> None:
    # Counter 4 takes certificates and moving; counter 9 insurance.
    assert seqs(carried("counter", "4")) == [1, 3, 4, 6, 8, 10]
    assert seqs(carried("counter", "9")) == [2, 5, 6]  # the transfer brings A-001 to it


def test_a_counter_keeps_the_staff_fields_but_not_a_transfers_note() -> None:
    [transfer] = [e for e in carried("counter", "9") if e["type"] == "ticket.transferred"]
    assert transfer == _without_note([EVENTS[5]])[0]  # the ticket's id, no note
    assert carried("counter", "9")[0]["priority"] is True  # staff see who needs care


def test_a_pickup_counter_hears_of_the_services_it_hands_documents_over_for() -> None:
    # Counter 11 serves no line of its own; it is the certificates' pickup counter, so it
    # hears of a certificate being made at counter 5 too.
    assert seqs(carried("counter", "11")) == [8, 10]


# -- screens anyone can see -------------------------------------------------------------


def test_the_public_channel_carries_every_event_without_private_fields() -> None:
    out = carried("public", "nakano")
    assert seqs(out) == seqs(EVENTS)
    assert "priority" not in out[1]  # who needs care is nobody's business
    for shown, whole in zip(out, EVENTS, strict=True):
        assert not PRIVATE & shown.keys()
        assert shown == {k: v for k, v in whole.items() if k not in PRIVATE}


def test_a_ticket_channel_carries_only_that_tickets_events_without_private_fields() -> None:
    out = carried("ticket", "token-of-a1", ticket_id="t-a1")
    assert seqs(out) == [1, 4, 6]
    assert all(not PRIVATE & e.keys() for e in out)
    assert out[2]["service"] == "insurance" and "note" not in out[2]


def test_a_ticket_channel_whose_ticket_is_unknown_carries_nothing() -> None:
    assert carried("ticket", "no-such-token") == []


def test_a_kiosk_carries_no_events() -> None:
    assert carried("kiosk", "kiosk-2f") == []


def test_a_display_carries_the_events_of_its_areas_only() -> None:
    # 2F: residents and insurance; 3F: children.
    assert seqs(carried("display", "display-2f")) == [1, 2, 3, 4, 5, 6, 8, 10]
    assert seqs(carried("display", "display-3f")) == [7, 9]


def test_a_call_belongs_to_the_area_of_the_counter_it_calls_to() -> None:
    # A moving ticket (residents, 2F) called to a 3F counter is shown where it is called.
    called = [ticket_event(1, "ticket.called", "t-a9", "A-009", "moving", counter="21")]
    up = events_for(Channel("display", "display-3f"), OFFICE, called)
    down = events_for(Channel("display", "display-2f"), OFFICE, called)
    assert seqs(up) == [1] and down == []
    # Any other event of that ticket belongs to its service's area.
    started = [ticket_event(2, "ticket.started", "t-a9", "A-009", "moving", counter="21")]
    assert seqs(events_for(Channel("display", "display-2f"), OFFICE, started)) == [2]


def test_a_display_strips_the_private_fields_and_says_each_call() -> None:
    out = {e["seq"]: e for e in carried("display", "display-2f", langs=LANGS)}
    assert all(not PRIVATE & e.keys() for e in out.values())
    assert "announce" not in out[1] and "announce" not in out[3]  # not calls: nothing said
    # Japanese, the display's English, and the visitor's own language last.
    assert [u["lang"] for u in out[4]["announce"]] == ["ja", "en", "vi"]
    assert [u["lang"] for u in out[5]["announce"]] == ["ja", "en", "ne"]
    assert [u["lang"] for u in out[8]["announce"]] == ["ja", "en"]  # en is the display's
    for said in out[4]["announce"]:
        assert said.keys() == {"lang", "text", "audio"} and "A" in said["text"]
        assert said["audio"] is None  # the server has no voice for any language


def test_a_display_points_at_a_clip_only_for_the_languages_the_server_voices() -> None:
    out = carried("display", "display-2f", langs=LANGS, voiced=frozenset({"ja"}))
    said = {u["lang"]: u["audio"] for u in next(e for e in out if e["seq"] == 4)["announce"]}
    assert said == {"ja": clip_path("call", "A-001", "4", "ja"), "en": None, "vi": None}
    ready = {u["lang"]: u["audio"] for u in next(e for e in out if e["seq"] == 8)["announce"]}
    assert ready["ja"] == clip_path("ready", "B-001", "11", "ja")


def test_a_recall_at_the_pickup_counter_is_said_as_a_document_ready() -> None:
    recalls = [
        ticket_event(1, "ticket.recalled", "t-b1", "B-001", "certificates", counter="11"),
        ticket_event(2, "ticket.recalled", "t-b2", "B-002", "certificates", counter="4"),
    ]
    out = events_for(Channel("display", "display-2f"), OFFICE, recalls, voiced=frozenset({"ja"}))
    audio = [e["announce"][0]["audio"] for e in out]
    assert audio == [
        clip_path("recall_ready", "B-001", "11", "ja"),
        clip_path("recall", "B-002", "4", "ja"),
    ]
