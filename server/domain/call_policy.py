"""Which ticket a counter gets next, and where a returned ticket goes back in line."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable, Sequence
from datetime import datetime, timedelta

from .office import Counter, ReturnRule
from .ticket import Status, Ticket


@dataclasses.dataclass(frozen=True)
class OrderBy:
    """One step of the queue order: a Ticket attribute (and the ticket table's column of
    the same name), and whether larger values come first."""

    attribute: str
    descending: bool = False


# The queue order, the one definition: priority visitors (配慮が必要な方) first, then
# bookings (予約) checked in in time, then by place in time (`queued_at`, which a return or
# transfer may set, and which is a booking's slot start), then by number, then by id (ids
# grow with time), so that the order is total: a ticket transferred in keeps its own
# prefix's number, which may equal one of the line's. queue_key below and the store's
# ORDER BY and "ahead of" SQL are derived from it.
PRIORITY_FIRST = OrderBy("priority", descending=True)
BOOKED_FIRST = OrderBy("booked", descending=True)
PLACE_IN_TIME = (OrderBy("queued_at"), OrderBy("seq"), OrderBy("id"))
QUEUE_ORDER = (PRIORITY_FIRST, BOOKED_FIRST, *PLACE_IN_TIME)

# Appointments (予約), the rule in three parts:
# 1. A booking checked in no later than `grace` after its slot's start (or after it was
#    made, for a slot booked once under way) is `booked`, with its slot's start as its
#    place in time (booking_place); one checked in later waits as a walk-in from the
#    moment it checked in.
# 2. A booked ticket is called from its slot's start, not before, and then ahead of the
#    walk-ins of its service (QUEUE_ORDER); priority visitors still come first.
# 3. A counter calls the bookings of the services in its `booked` and the walk-ins of
#    those in its `services` only: one that serves a service only for bookings never calls
#    its walk-ins (is_callable). A transfer or a return makes a booking a walk-in
#    (lifecycle), keeping its place in time.


def booking_place(
    start: datetime, grace: timedelta, checked_in_at: datetime, booked_at: datetime | None = None
) -> tuple[bool, datetime]:
    """Part 1: (booked, queued_at) of the ticket a booking for the slot `start` gets. A
    resident who books at 10:25 the 10:00 slot (offered while it lasts) is not late at
    10:30: the grace runs from the later of the slot's start and the booking."""
    since = max(start, booked_at) if booked_at is not None else start
    if checked_in_at <= since + grace:
        return True, start
    return False, checked_in_at


def is_due(ticket: Ticket, now: datetime | None) -> bool:
    """Part 2: a booked ticket waits for its slot's start (`now` None: every one is due,
    for callers with no clock and no bookings)."""
    return not ticket.booked or now is None or ticket.queued_at <= now


def is_callable(counter: Counter, ticket: Ticket, now: datetime | None) -> bool:
    """Parts 2 and 3: whether `counter` may call `ticket` at `now`."""
    if ticket.status is not Status.WAITING:
        return False
    if ticket.booked:
        return ticket.service in counter.booked and is_due(ticket, now)
    return ticket.service in counter.services


def queue_key(ticket: Ticket) -> tuple[bool, bool, datetime, int, str]:
    """QUEUE_ORDER as a sort key (a flag that comes first when True sorts as `not`).
    Spelled out because views sort every line with it; a unit test holds it to
    QUEUE_ORDER."""
    return (not ticket.priority, not ticket.booked, ticket.queued_at, ticket.seq, ticket.id)


def call_order(
    counter: Counter,
) -> Callable[[Ticket], tuple[bool, bool, int, datetime, int, str]]:
    """The order a counter calls its services' tickets in: the queue order, with the
    counter's preference between its services coming after priority and bookings and
    before place in time. Priority tickets of any of the counter's services come before
    ordinary ones: a pregnant visitor for the counter's second service is not made to wait
    behind the first service's whole line."""
    rank: dict[str, int] = {}
    for service in (*counter.services, *counter.booked):
        rank.setdefault(service, len(rank))

    def key(ticket: Ticket) -> tuple[bool, bool, int, datetime, int, str]:
        place = queue_key(ticket)
        return (place[0], place[1], rank.get(ticket.service, len(rank)), *place[2:])

    return key


def pick_next(
    counter: Counter, waiting: Iterable[Ticket], now: datetime | None = None
) -> Ticket | None:
    """The ticket `counter` calls next among `waiting` at `now`, in its call_order."""
    candidates = [t for t in waiting if is_callable(counter, t, now)]
    return min(candidates, key=call_order(counter)) if candidates else None


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
    ordinary = [t for t in line_now if not t.priority and not t.booked and t.id != ticket.id]
    if rule is ReturnRule.AFTER and len(ordinary) > after:
        # Just behind the after-th ordinary ticket, keeping the line's order stable.
        if after == 0:
            return min(ticket.queued_at, ordinary[0].queued_at - timedelta(microseconds=1))
        # Just before the ticket it must not pass: two returns in a row never tie.
        return ordinary[after].queued_at - timedelta(microseconds=1)
    return max(now, ordinary[-1].queued_at + timedelta(microseconds=1)) if ordinary else now
