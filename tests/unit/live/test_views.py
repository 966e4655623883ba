"""The views each channel is sent (server/live/views.py), built from snapshots made here
from domain objects: no store, no hub. What a screen shows is asserted, not how."""

from __future__ import annotations

import dataclasses
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from server.domain.issuing import Refusal
from server.domain.office import CounterState
from server.domain.ticket import Status, Ticket
from server.live.channels import Channel
from server.live.snapshot import Snapshot
from server.live.views import (
    NEXT_UP,
    RECENT_CALLS,
    admin_view,
    build_view,
    counter_view,
    display_view,
    kiosk_view,
    public_view,
    ticket_view,
)
from server.office_file import load_office

OFFICE = load_office()  # the demo office: see server/offices/nakano.toml
NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)  # a Wednesday, 10:00 in Tokyo
OPEN_ALL = {s: None for s in OFFICE.services}


def ticket(
    service: str,
    seq: int,
    status: Status = Status.WAITING,
    *,
    minute: int = 0,
    priority: bool = False,
    counter: str | None = None,
    called_minute: int | None = None,
    lang: str = "ja",
) -> Ticket:
    """Ticket `seq` of `service`, issued `minute` minutes after 09:00 (Tokyo)."""
    issued = NOW - timedelta(hours=1) + timedelta(minutes=minute)
    return Ticket(
        id=f"{service}-{seq:04d}",
        office=OFFICE.id,
        service=service,
        prefix=OFFICE.services[service].prefix,
        seq=seq,
        day=issued.date(),
        token=f"token-{service}-{seq}",
        lang=lang,
        priority=priority,
        channel="kiosk",
        status=status,
        issued_at=issued,
        queued_at=issued,
        counter=counter,
        called_at=None if called_minute is None else issued + timedelta(minutes=called_minute),
    )


def snapshot(
    *tickets: Ticket,
    counters: dict[str, CounterState] | None = None,
    recent_calls: list[dict[str, Any]] | None = None,
    issuing: dict[str, Refusal | None] | None = None,
    extra_tickets: dict[str, Ticket] | None = None,
    done_today: int = 0,
) -> Snapshot:
    return Snapshot(
        office=OFFICE,
        version=42,
        now=NOW,
        tickets=list(tickets),
        counters=counters or {},
        recent_calls=recent_calls or [],
        issuing={**OPEN_ALL, **(issuing or {})},
        done_today=done_today,
        events=[],
        events_after=42,
        extra_tickets=extra_tickets or {},
    )


def call(seq: int, number: str, counter: str, **more: Any) -> dict[str, Any]:
    """A call event as the store hands it to the views (newest first in a snapshot)."""
    return {
        "seq": seq,
        "type": "ticket.called",
        "at": NOW.isoformat(),
        "ticket": f"id-{number}",
        "number": number,
        "service": "moving",
        "counter": counter,
        "lang": "vi",
        **more,
    }


def by_id(services: list[dict[str, Any]]) -> dict[str, dict[str, Any]]:
    return {s["id"]: s for s in services}


# -- the public view --------------------------------------------------------------------


def test_the_public_view_counts_each_lines_waiting_tickets_only() -> None:
    snap = snapshot(
        ticket("moving", 1),
        ticket("moving", 2),
        ticket("moving", 3, Status.CALLED, counter="1", called_minute=5),
        ticket("moving", 4, Status.SERVING, counter="2"),
        ticket("moving", 5, Status.ABSENT),
        ticket("certificates", 1),
        ticket("certificates", 2, Status.PREPARING),
    )
    view = public_view(snap)
    services = by_id(view["services"])
    assert [s["id"] for s in view["services"]] == list(OFFICE.services)  # the office's order
    assert services["moving"]["waiting"] == 2
    assert services["moving"]["serving"] == 1
    assert services["moving"]["calling"] == [{"number": "A-003", "counter": "1"}]
    assert services["certificates"]["waiting"] == 1
    assert services["insurance"]["waiting"] == 0
    assert view["waiting_total"] == 3


def test_the_public_view_lists_calls_and_ready_documents_newest_first() -> None:
    snap = snapshot(
        ticket("moving", 1, Status.CALLED, counter="1", called_minute=5),
        ticket("moving", 2, Status.CALLED, counter="2", called_minute=20),
        ticket("certificates", 1, Status.READY, counter="11", called_minute=3),
        ticket("certificates", 2, Status.READY, counter="11", called_minute=30),
    )
    view = public_view(snap)
    moving = by_id(view["services"])["moving"]
    assert [c["number"] for c in moving["calling"]] == ["A-002", "A-001"]
    assert view["ready"] == [
        {"number": "B-002", "counter": "11"},
        {"number": "B-001", "counter": "11"},
    ]


def test_the_public_view_heads_with_the_office_and_its_local_date_and_time() -> None:
    view = public_view(snapshot(done_today=17))
    assert view["office"] == {
        "id": "nakano",
        "names": OFFICE.names,
        "date": "2026-11-25",
        "time": "10:00",  # 01:00 UTC, in Tokyo
        "settings_revision": 0,
    }
    assert view["version"] == 42 and view["done_today"] == 17
    assert view["notice"] == OFFICE.notice


def test_a_notice_past_its_end_time_is_in_no_view() -> None:
    snap = snapshot()
    until = snap.now + timedelta(minutes=5)
    office = dataclasses.replace(OFFICE, notice={"ja": "午後は混雑"}, notice_until=until)
    assert public_view(dataclasses.replace(snap, office=office))["notice"] == {"ja": "午後は混雑"}
    later = dataclasses.replace(snap, office=office, now=until)
    assert public_view(later)["notice"] == {}
    assert kiosk_view(later, "kiosk-2f")["notice"] == {}


def test_a_service_shows_its_area_and_whether_and_why_it_issues() -> None:
    snap = snapshot(
        issuing={"moving": Refusal.AFTER_CUTOFF, "insurance": Refusal.DAILY_CAP_REACHED}
    )
    services = by_id(public_view(snap)["services"])
    moving = services["moving"]
    assert (moving["issuing"], moving["closed_reason"]) == (False, Refusal.AFTER_CUTOFF)
    assert (services["insurance"]["issuing"], services["insurance"]["closed_reason"]) == (
        False,
        Refusal.DAILY_CAP_REACHED,
    )
    assert (services["certificates"]["issuing"], services["certificates"]["closed_reason"]) == (
        True,
        None,
    )
    assert moving["prefix"] == "A" and moving["area"] == "residents"
    assert moving["floor"] == "2F" and moving["area_names"] == OFFICE.areas["residents"].names


def test_only_open_counters_count_as_open_for_a_service() -> None:
    counters = {
        "1": CounterState.OPEN,
        "2": CounterState.PAUSED,
        "4": CounterState.OPEN,  # takes certificates and moving
        "9": CounterState.CLOSED,
    }
    services = by_id(public_view(snapshot(counters=counters))["services"])
    assert services["moving"]["counters_open"] == 2
    assert services["certificates"]["counters_open"] == 1
    assert services["insurance"]["counters_open"] == 0


def test_a_longer_line_is_never_estimated_shorter() -> None:
    counters = {"1": CounterState.OPEN}
    short = snapshot(*(ticket("moving", n) for n in range(1, 3)), counters=counters)
    long = snapshot(*(ticket("moving", n) for n in range(1, 13)), counters=counters)
    a = by_id(public_view(short)["services"])["moving"]["estimate"]
    b = by_id(public_view(long)["services"])["moving"]["estimate"]
    assert a.keys() == b.keys() == {"low_min", "high_min"}
    assert b["low_min"] >= a["low_min"] and b["high_min"] > a["high_min"]
    # the service's own line, estimated for its last place
    assert a == short.estimator.estimate("moving", 2).as_dict()


def test_recent_calls_keep_only_the_public_fields_and_at_most_the_newest_few() -> None:
    calls = [call(100 - i, f"A-{i:03d}", "1", clerk="clerk1") for i in range(RECENT_CALLS + 3)]
    view = public_view(snapshot(recent_calls=calls))
    assert [c["seq"] for c in view["recent_calls"]] == [100 - i for i in range(RECENT_CALLS)]
    for shown in view["recent_calls"]:
        assert shown.keys() == {"seq", "type", "number", "service", "counter", "at"}


def test_every_view_is_plain_json() -> None:
    snap = snapshot(
        ticket("moving", 1),
        ticket("moving", 2, Status.CALLED, counter="1", called_minute=4),
        ticket("certificates", 1, Status.READY, counter="11", called_minute=3),
        counters={"1": CounterState.OPEN},
        recent_calls=[call(3, "A-002", "1")],
        issuing={"koseki": Refusal.NOT_YET_OPEN},
    )
    for view in (
        public_view(snap),
        admin_view(snap),
        display_view(snap, "display-2f"),
        counter_view(snap, "4"),
        ticket_view(snap, "token-moving-1"),
        kiosk_view(snap, "kiosk-2f"),
    ):
        assert json.loads(json.dumps(view)) == view


# -- a display --------------------------------------------------------------------------


def test_a_display_shows_only_its_own_areas_services() -> None:
    view = display_view(snapshot(ticket("childcare", 1), ticket("moving", 1)), "display-3f")
    assert [s["id"] for s in view["services"]] == ["childcare", "nursery"]
    assert by_id(view["services"])["childcare"]["waiting"] == 1
    assert [a["id"] for a in view["areas"]] == ["children"]
    assert view["areas"][0]["floor"] == "3F"
    assert view["display"] == {"id": "display-3f", "languages": ["ja", "en"], "volume": 1.0}


def test_a_display_shows_the_calls_at_its_counters_newest_first_and_ready_apart() -> None:
    snap = snapshot(
        ticket("moving", 1, Status.CALLED, counter="1", called_minute=5),
        ticket("insurance", 1, Status.CALLED, counter="9", called_minute=10),
        ticket("childcare", 1, Status.CALLED, counter="21", called_minute=15),  # 3F
        ticket("certificates", 1, Status.READY, counter="11", called_minute=1),
        ticket("moving", 2, Status.SERVING, counter="2", called_minute=1),  # no longer called
    )
    view = display_view(snap, "display-2f")
    assert view["calling"] == [
        {"number": "E-001", "counter": "9", "service": "insurance", "status": "called"},
        {"number": "A-001", "counter": "1", "service": "moving", "status": "called"},
    ]
    assert view["ready"] == [
        {"number": "B-001", "counter": "11", "service": "certificates", "status": "ready"}
    ]
    upstairs = display_view(snap, "display-3f")
    assert [c["number"] for c in upstairs["calling"]] == ["K-001"] and upstairs["ready"] == []


def test_a_displays_recent_calls_are_those_at_its_counters_up_to_the_limit() -> None:
    calls = [call(200, "K-001", "21")]  # a counter of the 3rd floor
    calls += [call(199 - i, f"A-{i:03d}", "1") for i in range(RECENT_CALLS + 2)]
    calls.append({"seq": 1, "type": "ticket.called", "number": "X-001", "at": NOW.isoformat()})
    view = display_view(snapshot(recent_calls=calls), "display-2f")
    numbers = [c["number"] for c in view["recent_calls"]]
    assert numbers == [f"A-{i:03d}" for i in range(RECENT_CALLS)]
    upstairs = display_view(snapshot(recent_calls=calls), "display-3f")
    assert [c["number"] for c in upstairs["recent_calls"]] == ["K-001"]
    assert "ticket" not in upstairs["recent_calls"][0] and "lang" not in upstairs["recent_calls"][0]


def test_a_display_issues_while_any_of_its_services_does() -> None:
    some = snapshot(issuing={"childcare": Refusal.AFTER_CUTOFF})
    assert display_view(some, "display-3f")["issuing"] is True
    none = snapshot(issuing={"childcare": Refusal.AFTER_CUTOFF, "nursery": Refusal.AFTER_CUTOFF})
    assert display_view(none, "display-3f")["issuing"] is False
    assert display_view(none, "display-2f")["issuing"] is True  # another floor's services


# -- a counter --------------------------------------------------------------------------


def test_a_counter_sees_its_next_tickets_in_its_own_call_order() -> None:
    # Counter 4 takes certificates before moving, and priority visitors of either first.
    snap = snapshot(
        ticket("moving", 1, minute=0),
        ticket("moving", 2, minute=1),
        ticket("certificates", 1, minute=2),
        ticket("certificates", 2, minute=3),
        ticket("moving", 3, minute=4, priority=True),
        ticket("insurance", 1, minute=0),  # not counter 4's
    )
    view = counter_view(snap, "4")
    assert [t["number"] for t in view["next"]] == ["A-003", "B-001", "B-002", "A-001", "A-002"]
    assert view["waiting"] == {"certificates": 2, "moving": 3}
    # Counter 1 serves moving only: the line in queue order.
    assert [t["number"] for t in counter_view(snap, "1")["next"]] == ["A-003", "A-001", "A-002"]


def test_a_counter_sees_no_more_than_the_next_few() -> None:
    snap = snapshot(*(ticket("moving", n, minute=n) for n in range(1, NEXT_UP + 4)))
    view = counter_view(snap, "1")
    assert [t["number"] for t in view["next"]] == [f"A-{n:03d}" for n in range(1, NEXT_UP + 1)]
    assert view["waiting"] == {"moving": NEXT_UP + 3}


def test_a_counter_sees_the_ticket_it_holds_and_its_services_absent_ones() -> None:
    snap = snapshot(
        ticket("moving", 1, Status.SERVING, counter="1", called_minute=2),
        ticket("moving", 2, Status.CALLED, counter="2", called_minute=3),  # another counter's
        ticket("moving", 3, Status.ABSENT),
        ticket("insurance", 1, Status.ABSENT),
        counters={"1": CounterState.OPEN},
    )
    view = counter_view(snap, "1")
    assert view["current"] is not None and view["current"]["number"] == "A-001"
    assert view["current"]["id"] == "moving-0001"  # staff act on the ticket's id
    assert view["current"]["status"] == "serving"
    assert [t["number"] for t in view["absent"]] == ["A-003"]
    assert view["counter"] == {
        "id": "1",
        "area": "residents",
        "state": "open",
        "services": ["moving"],
    }
    assert counter_view(snap, "3")["current"] is None
    assert counter_view(snap, "3")["counter"]["state"] == "closed"  # no state yet: closed


def test_a_pickup_counter_sees_the_documents_being_made_and_ready() -> None:
    snap = snapshot(
        ticket("certificates", 1, Status.PREPARING),
        ticket("certificates", 2, Status.READY, counter="11", called_minute=9),
        ticket("moving", 1, Status.WAITING),
    )
    pickup = counter_view(snap, "11")
    assert [t["number"] for t in pickup["preparing"]] == ["B-001"]
    assert [t["number"] for t in pickup["ready"]] == ["B-002"]
    assert pickup["next"] == [] and pickup["waiting"] == {}
    assert counter_view(snap, "4")["preparing"] == []  # counter 4 is not the pickup counter


# -- a ticket ---------------------------------------------------------------------------


def test_a_waiting_ticket_sees_how_many_are_ahead_of_it_and_an_estimate() -> None:
    snap = snapshot(
        ticket("moving", 1, minute=0),
        ticket("moving", 2, minute=1),
        ticket("moving", 3, minute=2),
        ticket("moving", 4, minute=3, priority=True),  # goes ahead of everyone
        ticket("certificates", 1, minute=0),  # another line
        counters={"1": CounterState.OPEN},
    )
    positions = {
        n: ticket_view(snap, f"token-moving-{n}")["ticket"]["position"]  # type: ignore[index]
        for n in range(1, 5)
    }
    assert positions == {4: 0, 1: 1, 2: 2, 3: 3}
    last = ticket_view(snap, "token-moving-3")
    assert last is not None
    assert last["ticket"]["estimate"] == snap.estimator.estimate("moving", 3).as_dict()
    first = ticket_view(snap, "token-moving-4")
    assert first is not None
    assert first["ticket"]["estimate"]["high_min"] <= last["ticket"]["estimate"]["high_min"]


def test_a_called_ticket_has_no_position_or_estimate_but_its_counter() -> None:
    snap = snapshot(ticket("moving", 1, Status.CALLED, counter="3", called_minute=7, lang="vi"))
    view = ticket_view(snap, "token-moving-1")
    assert view is not None
    shown = view["ticket"]
    assert (shown["position"], shown["estimate"]) == (None, None)
    assert shown["status"] == "called" and shown["counter"] == "3"
    assert shown["number"] == "A-001" and shown["lang"] == "vi"
    assert shown["called_at"] == (NOW - timedelta(minutes=53)).isoformat()
    assert shown["service_names"] == OFFICE.services["moving"].names
    assert (shown["floor"], shown["area_names"]) == ("2F", OFFICE.areas["residents"].names)


def test_a_ticket_view_carries_neither_the_tickets_id_nor_its_token() -> None:
    view = ticket_view(snapshot(ticket("moving", 1)), "token-moving-1")
    assert view is not None
    assert not {"id", "token"} & view["ticket"].keys()
    text = json.dumps(view)
    assert "moving-0001" not in text and "token-moving-1" not in text


def test_an_unknown_token_has_no_view_and_a_finished_ticket_is_found_by_its_token() -> None:
    done = ticket("moving", 9, Status.DONE, counter="1")
    snap = snapshot(ticket("moving", 1), extra_tickets={done.token: done})
    assert ticket_view(snap, "no-such-token") is None
    view = ticket_view(snap, done.token)
    assert view is not None
    assert view["ticket"]["status"] == "done" and view["ticket"]["position"] is None


def test_a_ticket_says_whether_its_service_still_issues() -> None:
    closed = snapshot(ticket("moving", 1), issuing={"moving": Refusal.AFTER_CUTOFF})
    assert ticket_view(closed, "token-moving-1")["issuing"] is False  # type: ignore[index]
    assert ticket_view(snapshot(ticket("moving", 1)), "token-moving-1")["issuing"] is True  # type: ignore[index]


# -- a kiosk ----------------------------------------------------------------------------


def test_a_kiosk_offers_its_areas_services_with_counts_and_no_numbers() -> None:
    snap = snapshot(
        ticket("moving", 1),
        ticket("insurance", 1),
        ticket("insurance", 2),
        ticket("moving", 2, Status.CALLED, counter="1", called_minute=1),
    )
    view = kiosk_view(snap, "kiosk-2f")
    assert [a["id"] for a in view["areas"]] == ["residents", "insurance"]
    residents, insurance = view["areas"]
    assert [s["id"] for s in residents["services"]] == [
        "moving",
        "certificates",
        "mynumber",
        "koseki",
    ]
    assert [(s["id"], s["waiting"]) for s in insurance["services"]] == [("insurance", 2)]
    for service in residents["services"] + insurance["services"]:
        # what a kiosk shows; the numbers called are for the displays
        assert service.keys() == {
            "id",
            "prefix",
            "names",
            "waiting",
            "estimate",
            "issuing",
            "closed_reason",
        }
    assert view["kiosk"] == {"id": "kiosk-2f", "open_issuing": OFFICE.open_issuing}
    assert view["printer"] is None


def test_a_kiosk_says_which_services_are_closed_and_why() -> None:
    reasons = {s: Refusal.AFTER_CUTOFF for s in ("childcare", "nursery")}
    view = kiosk_view(
        snapshot(issuing={**reasons, "nursery": Refusal.DAILY_CAP_REACHED}), "kiosk-3f"
    )
    [children] = view["areas"]
    assert [(s["id"], s["issuing"], s["closed_reason"]) for s in children["services"]] == [
        ("childcare", False, "after_cutoff"),
        ("nursery", False, "daily_cap_reached"),
    ]
    assert view["issuing"] is False
    assert kiosk_view(snapshot(issuing={"childcare": Refusal.AFTER_CUTOFF}), "kiosk-3f")["issuing"]


def test_a_kiosk_shows_the_arrival_code_while_tickets_from_home_may_come() -> None:
    assert kiosk_view(snapshot(), "kiosk-3f")["remote"] is True  # the office's moving
    office = dataclasses.replace(
        OFFICE,
        services={k: dataclasses.replace(s, remote=False) for k, s in OFFICE.services.items()},
    )
    snap = dataclasses.replace(snapshot(), office=office)
    assert kiosk_view(snap, "kiosk-2f")["remote"] is False
    # Taken from home before the service stopped being offered so: still to be confirmed.
    from_home = dataclasses.replace(ticket("moving", 1), remote=True)
    assert kiosk_view(dataclasses.replace(snap, tickets=[from_home]), "kiosk-2f")["remote"]
    arrived = dataclasses.replace(from_home, arrived_at=NOW)
    assert kiosk_view(dataclasses.replace(snap, tickets=[arrived]), "kiosk-2f")["remote"] is False


# -- the admin view and the dispatch ----------------------------------------------------


def floor_snapshot(*tickets: Ticket, **more: Any) -> Snapshot:
    """A snapshot with what only the admin channel reads (clerks, today's counts)."""
    clerks = more.pop("clerks", {})
    issued_today = more.pop("issued_today", {})
    return dataclasses.replace(snapshot(*tickets, **more), clerks=clerks, issued_today=issued_today)


def test_the_admin_view_keeps_every_field_of_the_public_view() -> None:
    snap = floor_snapshot(ticket("moving", 1), ticket("moving", 2, Status.CALLED, counter="1"))
    public, admin = public_view(snap), admin_view(snap)

    for key, value in public.items():
        if key == "services":
            for mine, theirs in zip(admin["services"], value, strict=True):
                assert mine.items() >= theirs.items()
        else:
            assert admin[key] == value
    assert admin["now"] == NOW.isoformat()


def test_the_floor_lists_every_counter_with_its_state_clerk_and_the_ticket_it_holds() -> None:
    called = ticket("moving", 1, Status.CALLED, counter="1", called_minute=50)
    serving = dataclasses.replace(
        ticket("certificates", 1, Status.SERVING, counter="4", called_minute=40),
        started_at=NOW - timedelta(minutes=8),
    )
    snap = floor_snapshot(
        called,
        serving,
        ticket("moving", 2),
        counters={"1": CounterState.OPEN, "4": CounterState.OPEN, "9": CounterState.PAUSED},
        clerks={"1": "tanaka", "4": "suzuki", "9": "sato", "2": "gone-home"},
    )

    counters = {c["id"]: c for c in admin_view(snap)["counters"]}

    assert list(counters) == list(OFFICE.counters)  # every counter, in the office's order
    assert counters["1"]["state"] == "open" and counters["1"]["clerk"] == "tanaka"
    assert counters["1"]["ticket"] == {
        "id": called.id,
        "number": "A-001",
        "service": "moving",
        "status": "called",
        "since": (NOW - timedelta(minutes=10)).isoformat(),
        "recalls": 0,
    }
    assert counters["4"]["ticket"]["status"] == "serving"
    assert counters["4"]["ticket"]["since"] == (NOW - timedelta(minutes=8)).isoformat()
    assert (counters["9"]["state"], counters["9"]["clerk"], counters["9"]["ticket"]) == (
        "paused",
        "sato",
        None,
    )
    # A counter with no row is closed, and a closed counter has no clerk.
    assert (counters["2"]["state"], counters["2"]["clerk"]) == ("closed", None)
    assert counters["11"]["pickup_for"] == ["certificates"] and counters["11"]["services"] == []
    assert counters["21"]["floor"] == "3F"


def test_each_line_shows_since_when_its_first_waits_its_count_against_the_cap_and_queue() -> None:
    capped = dataclasses.replace(
        OFFICE,
        services={
            **OFFICE.services,
            "mynumber": dataclasses.replace(OFFICE.services["mynumber"], daily_cap=40),
        },
    )
    snap = dataclasses.replace(
        floor_snapshot(
            ticket("mynumber", 1, minute=5),
            ticket("mynumber", 2, minute=20, priority=True),
            ticket("mynumber", 3, minute=30),
            issued_today={"mynumber": 17, "moving": 3},
        ),
        office=capped,
    )

    lines = by_id(admin_view(snap)["services"])

    mynumber = lines["mynumber"]
    assert mynumber["waiting"] == 3
    assert mynumber["oldest_queued_at"] == (NOW - timedelta(minutes=55)).isoformat()
    assert (mynumber["issued_today"], mynumber["daily_cap"]) == (17, 40)
    assert mynumber["cutoff"] == "16:30"
    assert mynumber["counters"] == ["7"]
    # In the order the line is called: the priority ticket first.
    assert [t["number"] for t in mynumber["queue"]] == ["C-002", "C-001", "C-003"]
    assert mynumber["queue"][0]["id"] == "mynumber-0002" and mynumber["queue_more"] == 0
    assert lines["moving"]["daily_cap"] is None and lines["moving"]["issued_today"] == 3
    assert lines["koseki"]["oldest_queued_at"] is None and lines["koseki"]["queue"] == []


def test_the_pickup_list_holds_preparing_and_ready_tickets_the_longest_kept_first() -> None:
    ready = ticket("certificates", 1, Status.READY, counter="11", called_minute=50)
    preparing = dataclasses.replace(
        ticket("certificates", 2, Status.PREPARING), finished_at=NOW - timedelta(minutes=20)
    )
    snap = floor_snapshot(ready, preparing, ticket("certificates", 3), ticket("moving", 1))

    shown = admin_view(snap)["pickup"]

    assert [(p["number"], p["status"], p["counter"]) for p in shown] == [
        ("B-002", "preparing", None),
        ("B-001", "ready", "11"),
    ]
    assert shown[0]["since"] == (NOW - timedelta(minutes=20)).isoformat()


def test_the_floor_shows_each_devices_screen_and_printer_as_the_hub_knows_them() -> None:
    screens = {
        "kiosk:kiosk-2f": {"state": "online", "connections": 1, "last_seen": NOW.isoformat()},
        "display:display-3f": {"state": "offline", "connections": 0, "last_seen": "then"},
    }

    def screen(channel: str) -> dict[str, Any]:
        return screens.get(channel, {"state": "never_seen", "connections": 0, "last_seen": None})

    def printer(kiosk: str) -> dict[str, Any]:
        return {"state": "paper_out" if kiosk == "kiosk-2f" else "online"}

    devices = admin_view(snapshot(), printer, screen)["devices"]

    kiosks = {k["id"]: k for k in devices["kiosks"]}
    displays = {d["id"]: d for d in devices["displays"]}
    assert kiosks["kiosk-2f"]["printer"] == {"state": "paper_out"}
    assert kiosks["kiosk-2f"]["screen"]["state"] == "online"
    assert kiosks["kiosk-3f"]["screen"]["state"] == "never_seen"
    assert displays["display-3f"]["screen"]["last_seen"] == "then"
    assert displays["display-2f"]["areas"] == list(OFFICE.displays["display-2f"].areas)
    # Where the process knows nothing of devices (no hub), it says so.
    unknown = admin_view(snapshot())["devices"]
    assert unknown["kiosks"][0]["printer"] is None and unknown["displays"][0]["screen"] is None


def test_the_staffing_hint_names_the_lines_past_the_target_with_the_counters_open_now() -> None:
    # Twelve certificates and only counter 4 open (5 and 6 closed): the twelfth waits about
    # 11 x 5.8 = 64 minutes, and one more counter brings it to 29.
    snap = floor_snapshot(
        *(ticket("certificates", i, minute=i) for i in range(1, 13)),
        ticket("moving", 1),
        counters={"4": CounterState.OPEN, "1": CounterState.OPEN},
    )

    hint = admin_view(snap)["staffing"]

    assert hint["target_min"] == 30
    assert hint["lines"] == [
        {
            "service": "certificates",
            "waiting": 12,
            "open": 1,
            "wait_min": 64,
            "more": 1,
            "wait_after_min": 29,
        }
    ]


def test_a_line_with_people_waiting_and_no_counter_open_is_named_first() -> None:
    snap = floor_snapshot(
        *(ticket("certificates", i, minute=i) for i in range(1, 13)),
        ticket("koseki", 1),
        counters={"4": CounterState.OPEN},
    )

    lines = admin_view(snap)["staffing"]["lines"]

    assert [(h["service"], h["open"], h["wait_min"], h["more"]) for h in lines] == [
        ("koseki", 0, None, 1),
        ("certificates", 1, 64, 1),
    ]


@pytest.mark.parametrize(
    ("kind", "key", "build"),
    [
        ("public", "nakano", public_view),
        ("admin", "nakano", admin_view),
        ("display", "display-2f", lambda s: display_view(s, "display-2f")),
        ("counter", "4", lambda s: counter_view(s, "4")),
        ("ticket", "token-moving-1", lambda s: ticket_view(s, "token-moving-1")),
    ],
)
def test_build_view_builds_the_view_of_the_channels_kind(kind: str, key: str, build: Any) -> None:
    snap = snapshot(ticket("moving", 1), counters={"4": CounterState.OPEN})
    assert build_view(Channel(kind, key), snap) == build(snap)


def test_build_view_asks_for_the_kiosks_own_printer_and_none_for_an_unknown_ticket() -> None:
    snap = snapshot()
    asked: list[str] = []

    def printers(kiosk: str) -> dict[str, Any]:
        asked.append(kiosk)
        return {"state": "paper_out"}

    view = build_view(Channel("kiosk", "kiosk-3f"), snap, printers)
    assert view is not None and view["printer"] == {"state": "paper_out"} and asked == ["kiosk-3f"]
    assert build_view(Channel("kiosk", "kiosk-3f"), snap)["printer"] is None  # type: ignore[index]
    assert build_view(Channel("ticket", "no-such-token"), snap) is None
