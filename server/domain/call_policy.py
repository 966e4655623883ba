"""Which ticket a counter gets next, and where a returned ticket goes back in line."""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import datetime, timedelta

from .office import Counter, ReturnRule
from .ticket import Status, Ticket


def queue_key(ticket: Ticket) -> tuple[bool, datetime, int]:
    """Priority visitors (配慮が必要な方) first, then by place in time."""
    return (not ticket.priority, ticket.queued_at, ticket.seq)


def pick_next(counter: Counter, waiting: Iterable[Ticket]) -> Ticket | None:
    """A counter's services in its order; within them priority first, then the oldest.

    Priority tickets of any of the counter's services come before ordinary ones: a
    pregnant visitor for the counter's second service is not made to wait behind the
    first service's whole line.
    """
    rank = {service: i for i, service in enumerate(counter.services)}
    candidates = [t for t in waiting if t.status is Status.WAITING and t.service in rank]
    if not candidates:
        return None
    return min(candidates, key=lambda t: (not t.priority, rank[t.service], t.queued_at, t.seq))


def line(service: str, tickets: Iterable[Ticket]) -> list[Ticket]:
    """The waiting line of one service, in the order it will be called."""
    return sorted(
        (t for t in tickets if t.service == service and t.status is Status.WAITING),
        key=queue_key,
    )


def position(ticket: Ticket, tickets: Iterable[Ticket]) -> int | None:
    """How many people are ahead of `ticket` in its line (0: next), None if not waiting."""
    if ticket.status is not Status.WAITING:
        return None
    key = queue_key(ticket)
    return sum(
        1
        for t in tickets
        if t.service == ticket.service and t.status is Status.WAITING and queue_key(t) < key
    )


def return_place(
    rule: ReturnRule, after: int, ticket: Ticket, line_now: Sequence[Ticket], now: datetime
) -> datetime:
    """The `queued_at` a returned ticket takes. `line_now` is its service's line, in order."""
    if rule is ReturnRule.ORIGINAL:
        return ticket.queued_at
    ordinary = [t for t in line_now if not t.priority and t.id != ticket.id]
    if rule is ReturnRule.AFTER and len(ordinary) > after:
        # Just behind the after-th ordinary ticket, keeping the line's order stable.
        if after == 0:
            return min(ticket.queued_at, ordinary[0].queued_at - timedelta(microseconds=1))
        # Just before the ticket it must not pass: two returns in a row never tie.
        return ordinary[after].queued_at - timedelta(microseconds=1)
    return max(now, ordinary[-1].queued_at + timedelta(microseconds=1)) if ordinary else now
