"""The ticket lifecycle, exhaustively: every status × action pair."""

from __future__ import annotations

import dataclasses
import itertools
import json
from datetime import UTC, date, datetime, time, timedelta

import pytest

from server.domain.errors import DomainError, InvalidRequest, InvalidTransition
from server.domain.events import Event, EventType
from server.domain.lifecycle import apply
from server.domain.office import Service
from server.domain.ticket import TRANSITIONS, Action, Status, Ticket

T0 = datetime(2026, 11, 25, 0, 30, tzinfo=UTC)  # 09:30 in Tokyo
NOW = T0 + timedelta(minutes=20)

MOVING = Service(
    id="moving",
    names={"ja": "転入・転出・転居の届出", "en": "Moving"},
    prefix="A",
    area="residents",
    opens=time(8, 30),
    cutoff=time(16, 30),
    mean_service_min=25,
)
CERTIFICATES = Service(
    id="certificates",
    names={"ja": "住民票・印鑑証明・戸籍証明の発行", "en": "Certificates"},
    prefix="B",
    area="residents",
    opens=time(8, 30),
    cutoff=time(16, 30),
    mean_service_min=5,
    pickup_counter="11",
)
MYNUMBER = Service(
    id="mynumber",
    names={"ja": "マイナンバーカード"},
    prefix="C",
    area="residents",
    opens=time(8, 30),
    cutoff=time(16, 30),
    mean_service_min=20,
)

# The wire names, written out here so that a renamed event type fails a test.
WIRE_TYPE = {
    Action.CALL: "ticket.called",
    Action.RECALL: "ticket.recalled",
    Action.START: "ticket.started",
    Action.FINISH: "ticket.finished",
    Action.NO_SHOW: "ticket.no_show",
    Action.RETURN: "ticket.returned",
    Action.CANCEL: "ticket.cancelled",
    Action.TRANSFER: "ticket.transferred",
    Action.READY: "ticket.ready",
    Action.HAND_OVER: "ticket.handed_over",
    Action.MISS: "ticket.no_show",
}

# Statuses in which a counter holds the ticket in a realistic history.
_COUNTER_OF = {
    Status.CALLED: "4",
    Status.SERVING: "4",
    Status.READY: "11",
}


def make_ticket(status: Status = Status.WAITING, service: Service = MOVING, **changes) -> Ticket:
    """A ticket as it would look in `status` after a realistic history."""
    base = Ticket(
        id="t-0001",
        office="nakano",
        service=service.id,
        prefix=service.prefix,
        seq=23,
        day=date(2026, 11, 25),
        token="secret-token",
        lang="ja",
        priority=False,
        channel="kiosk",
        status=status,
        issued_at=T0,
        queued_at=T0,
        kiosk="kiosk-2f",
        counter=_COUNTER_OF.get(status),
        called_at=T0 + timedelta(minutes=5) if status is not Status.WAITING else None,
        started_at=T0 + timedelta(minutes=6)
        if status in (Status.SERVING, Status.PREPARING, Status.READY, Status.DONE)
        else None,
    )
    return dataclasses.replace(base, **changes)


def apply_with_all_arguments(ticket: Ticket, action: Action, service: Service = MOVING):
    """Apply `action` giving every optional argument, so a refusal is the lifecycle's."""
    to_service = MYNUMBER if ticket.service != MYNUMBER.id else MOVING
    return apply(ticket, action, NOW, service, counter="4", to_service=to_service)


ALL_PAIRS = list(itertools.product(Status, Action))
ALLOWED = [pair for pair in ALL_PAIRS if pair in TRANSITIONS]
REFUSED = [pair for pair in ALL_PAIRS if pair not in TRANSITIONS]


def _id(pair: tuple[Status, Action]) -> str:
    return f"{pair[0]}-{pair[1]}"


def test_every_status_action_pair_is_covered_by_the_parametrisation():
    assert len(ALL_PAIRS) == len(Status) * len(Action) == 88
    assert len(ALLOWED) + len(REFUSED) == len(ALL_PAIRS)
    assert len(ALLOWED) == len(TRANSITIONS)


def test_transitions_table_contains_every_edge_of_the_design_diagram():
    design = {
        (Status.WAITING, Action.CALL): Status.CALLED,
        (Status.WAITING, Action.CANCEL): Status.CANCELLED,
        (Status.CALLED, Action.START): Status.SERVING,
        (Status.CALLED, Action.RECALL): Status.CALLED,
        (Status.CALLED, Action.RETURN): Status.WAITING,
        (Status.CALLED, Action.NO_SHOW): Status.ABSENT,
        (Status.SERVING, Action.FINISH): Status.DONE,
        (Status.SERVING, Action.TRANSFER): Status.WAITING,
        (Status.ABSENT, Action.RETURN): Status.WAITING,
        (Status.PREPARING, Action.READY): Status.READY,
        (Status.READY, Action.HAND_OVER): Status.DONE,
    }
    for pair, target in design.items():
        assert TRANSITIONS.get(pair) is target, pair


@pytest.mark.parametrize("terminal", [Status.DONE, Status.CANCELLED])
def test_finished_tickets_allow_no_action(terminal):
    assert not [action for (status, action) in TRANSITIONS if status is terminal]


@pytest.mark.parametrize(("status", "action"), ALLOWED, ids=[_id(p) for p in ALLOWED])
def test_allowed_pair_gives_target_status_and_exactly_one_event(status, action):
    ticket = make_ticket(status)

    after, event = apply_with_all_arguments(ticket, action)

    assert after.status is TRANSITIONS[(status, action)]
    assert isinstance(event, Event)
    assert event.type == WIRE_TYPE[action]
    assert event.ticket == ticket.id
    assert event.number == ticket.number == "A-023"
    assert event.service == after.service


@pytest.mark.parametrize(("status", "action"), REFUSED, ids=[_id(p) for p in REFUSED])
def test_refused_pair_raises_invalid_transition_and_leaves_ticket_unchanged(status, action):
    ticket = make_ticket(status)
    copy = dataclasses.replace(ticket)

    with pytest.raises(InvalidTransition) as caught:
        apply_with_all_arguments(ticket, action)

    error = caught.value
    assert error.code == "invalid_transition"
    assert isinstance(error, DomainError)
    assert str(status) in error.message
    assert str(action) in error.message
    assert error.details["status"] == str(status)
    assert error.details["action"] == str(action)
    assert error.details["ticket"] == ticket.id
    assert ticket == copy
    assert ticket.status is status


@pytest.mark.parametrize(("status", "action"), REFUSED, ids=[_id(p) for p in REFUSED])
def test_refused_pair_is_refused_for_a_service_with_pickup_too(status, action):
    ticket = make_ticket(status, CERTIFICATES)
    copy = dataclasses.replace(ticket)

    with pytest.raises(InvalidTransition):
        apply_with_all_arguments(ticket, action, CERTIFICATES)

    assert ticket == copy


def test_ticket_is_frozen():
    ticket = make_ticket()
    with pytest.raises(dataclasses.FrozenInstanceError):
        ticket.status = Status.CALLED  # type: ignore[misc]


def test_call_assigns_the_counter_and_call_time():
    after, event = apply(make_ticket(Status.WAITING), Action.CALL, NOW, MOVING, counter="4")

    assert after.status is Status.CALLED
    assert after.counter == "4"
    assert after.called_at == NOW
    assert event.type == EventType.CALLED
    assert event.counter == "4"


def test_call_without_a_counter_is_refused_with_invalid_request():
    ticket = make_ticket(Status.WAITING)
    copy = dataclasses.replace(ticket)

    with pytest.raises(InvalidRequest) as caught:
        apply(ticket, Action.CALL, NOW, MOVING)

    assert caught.value.code == "invalid_request"
    assert ticket == copy


def test_finish_without_pickup_stage_is_done_with_ticket_finished():
    ticket = make_ticket(Status.SERVING)

    after, event = apply(ticket, Action.FINISH, NOW, MOVING)

    assert after.status is Status.DONE
    assert after.finished_at == NOW
    assert event.type == "ticket.finished"
    assert event.data["service_s"] == (NOW - ticket.started_at).total_seconds()


def test_finish_on_a_service_with_pickup_stage_goes_to_preparing():
    ticket = make_ticket(Status.SERVING, CERTIFICATES)

    after, event = apply(ticket, Action.FINISH, NOW, CERTIFICATES)

    assert after.status is Status.PREPARING
    assert after.counter is None
    assert event.type == "ticket.preparing"
    assert event.number == "B-023"


def test_ready_calls_the_number_to_the_pickup_counter():
    ticket = make_ticket(Status.PREPARING, CERTIFICATES, counter=None)

    after, event = apply(ticket, Action.READY, NOW, CERTIFICATES)

    assert after.status is Status.READY
    assert after.counter == CERTIFICATES.pickup_counter == "11"
    assert after.called_at == NOW
    assert event.type == "ticket.ready"
    assert event.counter == "11"


def test_hand_over_ends_a_ready_ticket():
    ticket = make_ticket(Status.READY, CERTIFICATES)

    after, event = apply(ticket, Action.HAND_OVER, NOW, CERTIFICATES)

    assert after.status is Status.DONE
    assert after.finished_at == NOW
    assert event.type == "ticket.handed_over"


@pytest.mark.parametrize("status", [Status.CALLED, Status.READY])
def test_recall_increments_recalls_and_keeps_the_status(status):
    ticket = make_ticket(status, CERTIFICATES, recalls=2)

    after, event = apply(ticket, Action.RECALL, NOW, CERTIFICATES)

    assert after.status is status
    assert after.recalls == 3
    assert event.data["recalls"] == 3
    assert event.type == "ticket.recalled"


def test_transfer_keeps_number_and_place_in_time_and_changes_service():
    ticket = make_ticket(Status.SERVING, queued_at=T0 - timedelta(minutes=3))

    after, event = apply(ticket, Action.TRANSFER, NOW, MOVING, to_service=MYNUMBER)

    assert after.status is Status.WAITING
    assert after.service == "mynumber"
    assert (after.prefix, after.seq) == (ticket.prefix, ticket.seq)
    assert after.number == ticket.number == "A-023"
    assert after.queued_at == ticket.queued_at
    assert after.counter is None
    assert after.transfers == ticket.transfers + 1
    assert event.type == "ticket.transferred"
    assert event.data == {"from": "moving", "to": "mynumber"}
    assert event.service == "mynumber"


def test_transfer_to_the_same_service_is_refused_and_changes_nothing():
    ticket = make_ticket(Status.SERVING)
    copy = dataclasses.replace(ticket)

    with pytest.raises(InvalidRequest) as caught:
        apply(ticket, Action.TRANSFER, NOW, MOVING, to_service=MOVING)

    assert caught.value.code == "invalid_request"
    assert ticket.number in caught.value.message
    assert ticket == copy


def test_transfer_without_a_target_service_is_refused():
    with pytest.raises(InvalidRequest):
        apply(make_ticket(Status.SERVING), Action.TRANSFER, NOW, MOVING)


def test_no_show_frees_the_counter_but_the_event_names_it():
    ticket = make_ticket(Status.CALLED)

    after, event = apply(ticket, Action.NO_SHOW, NOW, MOVING)

    assert after.status is Status.ABSENT
    assert after.counter is None
    assert event.counter == "4"


@pytest.mark.parametrize("status", [Status.CALLED, Status.ABSENT])
def test_return_takes_the_given_place_in_line(status):
    ticket = make_ticket(status)
    place = NOW + timedelta(seconds=1)

    after, _ = apply(ticket, Action.RETURN, NOW, MOVING, queued_at=place)

    assert after.status is Status.WAITING
    assert after.queued_at == place
    assert after.counter is None


def test_return_without_a_place_keeps_the_original_place():
    ticket = make_ticket(Status.ABSENT)

    after, _ = apply(ticket, Action.RETURN, NOW, MOVING)

    assert after.queued_at == ticket.queued_at


@pytest.mark.parametrize("status", [Status.WAITING, Status.CALLED, Status.ABSENT])
def test_cancel_frees_the_counter(status):
    after, event = apply(make_ticket(status), Action.CANCEL, NOW, MOVING)

    assert after.status is Status.CANCELLED
    assert after.counter is None
    assert event.type == "ticket.cancelled"


@pytest.mark.parametrize("service", [MOVING, CERTIFICATES], ids=["moving", "certificates"])
@pytest.mark.parametrize(("status", "action"), ALLOWED, ids=[_id(p) for p in ALLOWED])
def test_every_event_round_trips_through_json(status, action, service):
    ticket = make_ticket(status, service)
    _, event = apply_with_all_arguments(ticket, action, service)

    wire = json.dumps(dataclasses.asdict(event), ensure_ascii=False)
    loaded = json.loads(wire)
    rebuilt = Event(**{**loaded, "type": EventType(loaded["type"])})

    assert loaded["type"] == str(event.type)
    assert rebuilt == event


def test_a_ticket_from_home_never_confirmed_is_missed_uncalled_and_only_by_the_system():
    """MISS (the system's, after the arrival grace) takes a waiting ticket to absent; no
    clerk's route offers it (SYSTEM_ACTIONS), and a clerk's no-show needs a call first."""
    from server.domain.ticket import SYSTEM_ACTIONS

    after, event = apply(make_ticket(Status.WAITING), Action.MISS, NOW, MOVING)
    assert after.status is Status.ABSENT and after.counter is None
    assert str(event.type) == "ticket.no_show"
    assert Action.MISS in SYSTEM_ACTIONS
    assert (Status.WAITING, Action.NO_SHOW) not in TRANSITIONS
