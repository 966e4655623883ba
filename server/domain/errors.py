"""The closed set of errors the domain raises, each with a stable code.

The API maps them to HTTP in one place (server/api/errors.py); the message is written
for a clerk or a visitor to read.
"""

from __future__ import annotations


class DomainError(Exception):
    """A command the domain refuses. Nothing has changed when this is raised."""

    code = "domain_error"

    def __init__(self, message: str, **details: object) -> None:
        super().__init__(message)
        self.message = message
        self.details = details


class NotFound(DomainError):
    code = "not_found"


class InvalidTransition(DomainError):
    code = "invalid_transition"


class IssuingClosed(DomainError):
    code = "issuing_closed"


class DailyCapReached(DomainError):
    code = "daily_cap_reached"


class RateLimited(DomainError):
    """Over a limit on what one visitor may take (a phone's one ticket from home per
    service): `retry_after` seconds in the details."""

    code = "rate_limited"


class SlotFull(DomainError):
    """No booking is left in an appointment slot (予約枠)."""

    code = "slot_full"


class CounterNotOpen(DomainError):
    code = "counter_not_open"


class CounterBusy(DomainError):
    code = "counter_busy"


class NotYours(DomainError):
    """A counter, or the ticket it holds, that another clerk works (only its clerk or a
    supervisor may act on it)."""

    code = "forbidden"


class HoldsAnotherCounter(DomainError):
    """A clerk works one counter at a time."""

    code = "holds_another_counter"


class InvalidRequest(DomainError):
    code = "invalid_request"


class NameTaken(DomainError):
    """An account (or another thing with a name) that exists already."""

    code = "name_taken"


class LastAdmin(DomainError):
    """The change would leave the installation without an enabled admin."""

    code = "last_admin"


class EditConflict(DomainError):
    """A change made on settings that someone else changed since they were read: the
    details carry the current value and revision, to look at and try again."""

    code = "edit_conflict"
