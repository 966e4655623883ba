"""Events: one per transition, past tense, with their wire names."""

from __future__ import annotations

import dataclasses
import enum
from typing import Any


class EventType(enum.StrEnum):
    ISSUED = "ticket.issued"
    CALLED = "ticket.called"
    RECALLED = "ticket.recalled"
    STARTED = "ticket.started"
    FINISHED = "ticket.finished"
    NO_SHOW = "ticket.no_show"
    RETURNED = "ticket.returned"
    CANCELLED = "ticket.cancelled"
    TRANSFERRED = "ticket.transferred"
    PREPARING = "ticket.preparing"
    READY = "ticket.ready"
    HANDED_OVER = "ticket.handed_over"
    COUNTER_OPENED = "counter.opened"
    COUNTER_PAUSED = "counter.paused"
    COUNTER_CLOSED = "counter.closed"


# Events that call a number to a counter: shown and announced on the floor displays.
CALL_EVENTS = frozenset({EventType.CALLED, EventType.RECALLED, EventType.READY})


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """An event before the store gives it its `seq` (the office's next version)."""

    type: EventType
    ticket: str | None = None  # ticket id
    number: str | None = None
    service: str | None = None
    counter: str | None = None
    data: dict[str, Any] = dataclasses.field(default_factory=dict)
