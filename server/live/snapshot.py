"""What every view of an office is built from: one consistent read of the store."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from server.domain.office import CounterState, Office
from server.domain.ticket import Ticket


@dataclasses.dataclass(frozen=True)
class Snapshot:
    office: Office
    version: int
    now: datetime
    tickets: list[Ticket]  # today's active tickets
    counters: dict[str, CounterState]
    recent_calls: list[dict[str, Any]]  # call events of today, newest first
    issuing: dict[str, str | None]  # service -> why issuing is closed, None when open
    done_today: int
    events: list[dict[str, Any]]  # events after the version the caller asked from
    extra_tickets: dict[str, Ticket] = dataclasses.field(default_factory=dict)  # by token

    def ticket_by_token(self, token: str) -> Ticket | None:
        for t in self.tickets:
            if t.token == token:
                return t
        return self.extra_tickets.get(token)
