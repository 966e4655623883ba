"""Events: one per transition, past tense, with their wire names."""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
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
    ARRIVED = "ticket.arrived"  # a ticket from home: its visitor is in the hall
    KEPT = "ticket.kept"  # called before arrival: passed over once, its place kept
    DELAYED = "ticket.delayed"  # 少し遅れます: stepped back a few places
    COUNTER_OPENED = "counter.opened"
    COUNTER_PAUSED = "counter.paused"
    COUNTER_CLOSED = "counter.closed"
    APPOINTMENT_BOOKED = "appointment.booked"  # a slot booked (data: its start; no code)
    APPOINTMENT_CANCELLED = "appointment.cancelled"
    SETTINGS_CHANGED = "office.settings_changed"  # a new revision of the office's settings


# Events that call a number to a counter: shown and announced on the floor displays.
CALL_EVENTS = frozenset({EventType.CALLED, EventType.RECALLED, EventType.READY})
# The same as the event table and the wire name them, in a fixed order (for SQL).
CALL_EVENT_TYPES = tuple(sorted(str(t) for t in CALL_EVENTS))


@dataclasses.dataclass(frozen=True, slots=True)
class Event:
    """An event before the store gives it its `seq` (the office's next version)."""

    type: EventType
    ticket: str | None = None  # ticket id
    number: str | None = None
    service: str | None = None
    counter: str | None = None
    data: dict[str, Any] = dataclasses.field(default_factory=dict)


# The ticket and counter fields of an event, in their order on the wire.
WIRE_FIELDS = ("ticket", "number", "service", "counter")


def wire_form(seq: int, at: datetime, event: Event) -> dict[str, Any]:
    """An event as the API, the live channels, the estimator and open data see it:
    `seq`, `type`, `at` (ISO 8601), the WIRE_FIELDS that are set, then its data. The
    channels strip what their audience may not see (live/channels.py)."""
    out: dict[str, Any] = {"seq": seq, "type": str(event.type), "at": at.isoformat()}
    for key in WIRE_FIELDS:
        value = getattr(event, key)
        if value is not None:
            out[key] = value
    out.update(event.data)
    return out
