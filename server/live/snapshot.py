"""What every view of an office is built from: one consistent read of the store."""

from __future__ import annotations

import dataclasses
import functools
from datetime import datetime
from typing import Any

from server.domain.estimate import Estimator
from server.domain.issuing import Refusal
from server.domain.office import CounterState, Office
from server.domain.queue_state import LogEvent, QueueState, build_state
from server.domain.ticket import Ticket


@dataclasses.dataclass(frozen=True)
class Snapshot:
    office: Office
    version: int
    now: datetime
    tickets: list[Ticket]  # today's active tickets
    counters: dict[str, CounterState]
    recent_calls: list[dict[str, Any]]  # call events of today, newest first
    issuing: dict[str, Refusal | None]  # service -> why issuing is refused, None when open
    done_today: int
    events: list[dict[str, Any]]  # the events in (events_after, version], by seq
    events_after: int
    extra_tickets: dict[str, Ticket] = dataclasses.field(default_factory=dict)  # by token
    # The wait estimator's past: the log's last hours, and when their called tickets were issued.
    recent_log: list[LogEvent] = dataclasses.field(default_factory=list)
    issued_at: dict[str, datetime] = dataclasses.field(default_factory=dict)
    # Read only for staff channels (the admin console's floor): the clerk holding each
    # counter that is not closed, and the tickets issued today by service.
    clerks: dict[str, str] = dataclasses.field(default_factory=dict)
    issued_today: dict[str, int] = dataclasses.field(default_factory=dict)
    # Services offered from home: why a ticket from home is refused now (None: offered).
    remote: dict[str, Refusal | None] = dataclasses.field(default_factory=dict)
    # Bookings still expected, not checked in (domain/appointment.expected): work ahead.
    bookings: dict[str, tuple[datetime, ...]] = dataclasses.field(default_factory=dict)

    @functools.cached_property
    def queue_state(self) -> QueueState:
        """What the wait estimator sees, built once per snapshot for all its views."""
        state = build_state(
            self.now,
            self.office.counters.values(),
            {c for c, s in self.counters.items() if s is CounterState.OPEN},
            self.tickets,
            {s.id: s.mean_service_min for s in self.office.services.values()},
            self.recent_log,
            self.issued_at,
            {c for c, s in self.counters.items() if s is CounterState.PAUSED},
        )
        return dataclasses.replace(state, booked=self.bookings) if self.bookings else state

    @functools.cached_property
    def estimator(self) -> Estimator:
        """Every estimate of this moment, each line played out once."""
        return Estimator(self.queue_state)

    @property
    def has_estimator(self) -> bool:
        """Whether a view has built the estimator already (cached_property keeps it in
        the instance's dict)."""
        return "estimator" in self.__dict__

    def ticket_by_token(self, token: str) -> Ticket | None:
        for t in self.tickets:
            if t.token == token:
                return t
        return self.extra_tickets.get(token)
