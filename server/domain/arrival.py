"""A ticket from home on its way and in line: whether a call may take it, and where
"少し遅れます" puts it. Pure: `now` and the line are arguments."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Sequence
from datetime import datetime, timedelta

from .call_policy import queue_key, return_place
from .errors import InvalidTransition
from .office import ReturnRule
from .ticket import Status, Ticket


class OnCall(enum.StrEnum):
    """What a counter's call does to the ticket at the head of its order."""

    CALL = "call"  # an arrived visitor (or a kiosk's ticket): called as always
    KEEP = "keep"  # not arrived, first time: passed over, its place kept for the grace
    WAIT = "wait"  # not arrived, still within the grace: passed over again, nothing written
    NO_SHOW = "no_show"  # not arrived after the grace: absent (staff may return it)


def on_call(ticket: Ticket, now: datetime, grace_min: int) -> OnCall:
    """A ticket from home is called only once its visitor has confirmed arrival; one
    called before is kept once, for `grace_min` minutes, then marked no-show."""
    if not ticket.awaits_arrival:
        return OnCall.CALL
    if ticket.kept_at is None:
        return OnCall.KEEP
    if now < ticket.kept_at + timedelta(minutes=grace_min):
        return OnCall.WAIT
    return OnCall.NO_SHOW


def arrive(ticket: Ticket, now: datetime) -> Ticket:
    """The visitor of a ticket from home is in the hall (once; a second time changes
    nothing: the caller answers the ticket as it is)."""
    if ticket.status not in (Status.WAITING, Status.CALLED):
        raise InvalidTransition(
            f"{ticket.number} は到着の確認ができる状態ではありません。",
            status=str(ticket.status),
            action="arrive",
        )
    return dataclasses.replace(ticket, arrived_at=ticket.arrived_at or now)


def delay_place(ticket: Ticket, line_now: Sequence[Ticket], places: int, now: datetime) -> datetime:
    """ "少し遅れます", once per ticket: the `queued_at` that puts `ticket` `places` ordinary
    tickets further back in its line (`line_now`, in order), or at its end when fewer are
    behind it. A ticket already called (the visitor is late for it) goes back `places`
    behind the head of the line instead of becoming a no-show (call_policy.return_place)."""
    if ticket.status not in (Status.WAITING, Status.CALLED):
        raise InvalidTransition(
            f"{ticket.number} は順番待ちではないため、順番を遅らせられません。",
            status=str(ticket.status),
            action="delay",
        )
    if ticket.delays > 0:
        raise InvalidTransition(
            f"{ticket.number} の順番はすでに一度遅らせています。",
            status=str(ticket.status),
            action="delay",
        )
    if ticket.status is Status.CALLED:
        return return_place(ReturnRule.AFTER, places, ticket, line_now, now)
    key = queue_key(ticket)
    behind = [t for t in line_now if t.id != ticket.id and queue_key(t) > key and not t.priority]
    passed = behind[: max(places, 0)]
    if not passed:
        return ticket.queued_at
    # Just behind the last ticket it lets pass; a microsecond is below any two issuings
    # (tickets issued at the very same instant are all passed: none can sit between them).
    return passed[-1].queued_at + timedelta(microseconds=1)
