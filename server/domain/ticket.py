"""Tickets (受付票): statuses, actions and the one table of allowed transitions."""

from __future__ import annotations

import dataclasses
import enum
from datetime import date, datetime


class Status(enum.StrEnum):
    WAITING = "waiting"
    CALLED = "called"
    SERVING = "serving"
    DONE = "done"
    ABSENT = "absent"
    CANCELLED = "cancelled"
    PREPARING = "preparing"  # 作成中: the document is made in the back office
    READY = "ready"  # 交付呼出し中: called to the pickup counter


class Action(enum.StrEnum):
    CALL = "call"
    RECALL = "recall"
    START = "start"
    FINISH = "finish"
    NO_SHOW = "no-show"
    RETURN = "return"
    CANCEL = "cancel"
    TRANSFER = "transfer"
    READY = "ready"
    HAND_OVER = "hand-over"
    # The system's, never a clerk's: a ticket from home whose visitor never confirmed
    # arrival, passed over once already (domain/arrival.py), is marked absent uncalled.
    MISS = "miss"


# What the system alone does (no route offers them to staff).
SYSTEM_ACTIONS = frozenset({Action.CALL, Action.MISS})


# (status, action) -> status after it. The single source of truth for the lifecycle;
# FINISH is special-cased in lifecycle.py for services with a pickup stage.
TRANSITIONS: dict[tuple[Status, Action], Status] = {
    (Status.WAITING, Action.CALL): Status.CALLED,
    (Status.WAITING, Action.CANCEL): Status.CANCELLED,
    (Status.WAITING, Action.MISS): Status.ABSENT,
    (Status.CALLED, Action.RECALL): Status.CALLED,
    (Status.CALLED, Action.START): Status.SERVING,
    (Status.CALLED, Action.NO_SHOW): Status.ABSENT,
    (Status.CALLED, Action.RETURN): Status.WAITING,
    (Status.CALLED, Action.CANCEL): Status.CANCELLED,
    (Status.SERVING, Action.FINISH): Status.DONE,
    (Status.SERVING, Action.TRANSFER): Status.WAITING,
    (Status.ABSENT, Action.RETURN): Status.WAITING,
    (Status.ABSENT, Action.CANCEL): Status.CANCELLED,
    (Status.PREPARING, Action.READY): Status.READY,
    (Status.READY, Action.RECALL): Status.READY,
    (Status.READY, Action.HAND_OVER): Status.DONE,
}

# Statuses in which a ticket is still part of the day's work.
ACTIVE = frozenset(
    {Status.WAITING, Status.CALLED, Status.SERVING, Status.ABSENT, Status.PREPARING, Status.READY}
)
# Statuses in which a counter holds the ticket (at most one per counter).
AT_COUNTER = frozenset({Status.CALLED, Status.SERVING})


def format_number(prefix: str, seq: int) -> str:
    """`A-023`: three digits at least; a very busy day simply grows a digit."""
    return f"{prefix}-{seq:03d}"


@dataclasses.dataclass(frozen=True, slots=True)
class Ticket:
    id: str
    office: str
    service: str
    prefix: str
    seq: int  # the daily number within its prefix
    day: date  # the business day it was issued on (office timezone)
    token: str
    lang: str
    priority: bool
    channel: str  # kiosk, online, reception, appointment
    status: Status
    issued_at: datetime
    queued_at: datetime  # its place in time in the queue; kept across transfers
    kiosk: str | None = None
    counter: str | None = None
    called_at: datetime | None = None
    started_at: datetime | None = None
    finished_at: datetime | None = None
    recalls: int = 0
    transfers: int = 0
    # Tickets from home (domain/arrival.py): `remote` ones must confirm arrival; `device`
    # is the phone's key (hashed); `kept_at` when a call passed it over, not yet arrived.
    remote: bool = False
    device: str | None = None
    arrived_at: datetime | None = None
    kept_at: datetime | None = None
    delays: int = 0  # 少し遅れます: at most once

    @property
    def awaits_arrival(self) -> bool:
        return self.remote and self.arrived_at is None

    # A booking (予約) checked in in time: called from its slot's start (its queued_at)
    # ahead of walk-ins; see call_policy.
    booked: bool = False

    @property
    def number(self) -> str:
        return format_number(self.prefix, self.seq)
