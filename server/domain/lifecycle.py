"""Apply one action to one ticket: the new ticket and exactly one event, or a refusal."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from .errors import InvalidRequest, InvalidTransition
from .events import Event, EventType
from .office import Service
from .ticket import TRANSITIONS, Action, Status, Ticket

_EVENT_OF: dict[Action, EventType] = {
    Action.CALL: EventType.CALLED,
    Action.RECALL: EventType.RECALLED,
    Action.START: EventType.STARTED,
    Action.FINISH: EventType.FINISHED,
    Action.NO_SHOW: EventType.NO_SHOW,
    Action.MISS: EventType.NO_SHOW,  # a no-show all the same, in the log and on screens
    Action.RETURN: EventType.RETURNED,
    Action.CANCEL: EventType.CANCELLED,
    Action.TRANSFER: EventType.TRANSFERRED,
    Action.READY: EventType.READY,
    Action.HAND_OVER: EventType.HANDED_OVER,
}

STATUS_JA: dict[Status, str] = {
    Status.WAITING: "お待ち",
    Status.CALLED: "呼出中",
    Status.SERVING: "対応中",
    Status.DONE: "完了",
    Status.ABSENT: "不在",
    Status.CANCELLED: "取消",
    Status.PREPARING: "作成中",
    Status.READY: "交付呼出し中",
}


def allowed_actions(status: Status) -> list[Action]:
    return [a for (s, a) in TRANSITIONS if s is status]


def apply(
    ticket: Ticket,
    action: Action,
    now: datetime,
    service: Service,
    *,
    counter: str | None = None,
    to_service: Service | None = None,
    queued_at: datetime | None = None,
) -> tuple[Ticket, Event]:
    """`service` is the ticket's current service; `to_service` the target of a transfer;
    `queued_at` the place in line of a returned ticket (from call_policy.return_place)."""
    target = TRANSITIONS.get((ticket.status, action))
    if target is None:
        allowed = "、".join(allowed_actions(ticket.status)) or "なし"
        raise InvalidTransition(
            f"{ticket.number} は「{STATUS_JA[ticket.status]}」({ticket.status}) のため"
            f" {action} できません（できる操作: {allowed}）。",
            status=str(ticket.status),
            action=str(action),
            ticket=ticket.id,
        )
    changes: dict[str, Any] = {"status": target}
    data: dict[str, Any] = {}
    event_type = _EVENT_OF[action]
    if action is Action.CALL:
        if counter is None:
            raise InvalidRequest("呼出には窓口の指定が必要です。")
        changes.update(counter=counter, called_at=now)
    elif action is Action.RECALL:
        changes["recalls"] = ticket.recalls + 1
        data["recalls"] = ticket.recalls + 1
    elif action is Action.START:
        changes["started_at"] = now
    elif action is Action.FINISH:
        changes["finished_at"] = now
        if ticket.started_at is not None:
            data["service_s"] = round((now - ticket.started_at).total_seconds(), 1)
        if service.has_pickup:
            # The request is taken; the document is made in the back office (作成中).
            changes.update(status=Status.PREPARING, counter=None)
            event_type = EventType.PREPARING
    elif action in (Action.NO_SHOW, Action.MISS):
        changes["counter"] = None
    elif action is Action.RETURN:
        changes.update(counter=None, queued_at=queued_at or ticket.queued_at, booked=False)
    elif action is Action.CANCEL:
        changes["counter"] = None
    elif action is Action.TRANSFER:
        if to_service is None:
            raise InvalidRequest("回送先の手続きを指定してください。", field="service")
        if to_service.id == ticket.service:
            raise InvalidRequest(
                f"{ticket.number} はすでに「{to_service.names.get('ja', to_service.id)}」です。",
                field="service",
            )
        # One-stop service: same number, same place in time, new service.
        changes.update(
            service=to_service.id,
            counter=None,
            called_at=None,
            started_at=None,
            transfers=ticket.transfers + 1,
            booked=False,  # a booking's precedence is for its own service (call_policy)
        )
        data.update({"from": ticket.service, "to": to_service.id})
    elif action is Action.READY:
        changes.update(counter=counter or service.pickup_counter, called_at=now)
    elif action is Action.HAND_OVER:
        changes["finished_at"] = now
    after = dataclasses.replace(ticket, **changes)
    event = Event(
        type=event_type,
        ticket=ticket.id,
        number=ticket.number,
        service=after.service,
        # Where it happened: the counter that held the ticket, or the one it goes to.
        counter=after.counter or ticket.counter,
        data=data,
    )
    return after, event
