"""What a visitor does to their own ticket from its page (the token is their secret):
cancel it (もう行けません), step back once (少し遅れます), confirm arrival (到着しました).
Each is one command: one transaction, one event, on every screen at once."""

from __future__ import annotations

import dataclasses
import enum

from server.domain import arrival, calendar, lifecycle
from server.domain.errors import NotFound
from server.domain.events import Event, EventType
from server.domain.ticket import Action, Status, Ticket
from server.store import tickets
from server.store.unit_of_work import Tx

from .commands import TicketInfo, describe
from .context import Context


class ArrivalProof(enum.StrEnum):
    """How a visitor showed they are in the hall."""

    KIOSK = "kiosk"  # the kiosk scanned the ticket's QR code (its device token)
    HALL = "hall"  # the page asked from the hall's network (office.hall_networks)
    CODE = "code"  # the visitor typed the kiosk's short code


def _ticket(ctx: Context, tx: Tx, token: str) -> Ticket:
    ticket = tickets.get_ticket_by_token(tx.conn, token)
    if ticket is None or ticket.office != ctx.office.id:
        raise NotFound("受付票が見つかりません。", kind="ticket")
    return ticket


@dataclasses.dataclass(frozen=True)
class CancelByVisitor:
    token: str

    def __call__(self, ctx: Context, tx: Tx) -> TicketInfo:
        ticket = _ticket(ctx, tx, self.token)
        after, event = lifecycle.apply(
            ticket, Action.CANCEL, tx.now, ctx.office.services[ticket.service]
        )
        tickets.update_ticket(tx.conn, after)
        tx.append(dataclasses.replace(event, data={"by": "visitor"}))
        return describe(ctx, tx, after)


@dataclasses.dataclass(frozen=True)
class DelayByVisitor:
    """Waiting: the ticket steps back (`ticket.delayed`). Called already: it goes back to
    the line instead of becoming a no-show, the counter is free (`ticket.returned`)."""

    token: str

    def __call__(self, ctx: Context, tx: Tx) -> TicketInfo:
        ticket = _ticket(ctx, tx, self.token)
        places = ctx.office.delay_places
        line = tickets.waiting_line(tx.conn, ctx.office.id, ticket.service, ticket.day)
        queued_at = arrival.delay_place(ticket, line, places, tx.now)
        data = {"by": "visitor", "places": places}
        if ticket.status is Status.CALLED:
            after, event = lifecycle.apply(
                ticket,
                Action.RETURN,
                tx.now,
                ctx.office.services[ticket.service],
                queued_at=queued_at,
            )
            event = dataclasses.replace(event, data=event.data | data)
        else:
            after = dataclasses.replace(ticket, queued_at=queued_at)
            event = Event(
                EventType.DELAYED,
                ticket=ticket.id,
                number=ticket.number,
                service=ticket.service,
                data=data,
            )
        after = dataclasses.replace(after, delays=ticket.delays + 1)
        tickets.update_ticket(tx.conn, after)
        tx.append(event)
        return describe(ctx, tx, after)


@dataclasses.dataclass(frozen=True)
class ArriveByVisitor:
    token: str
    proof: ArrivalProof

    def __call__(self, ctx: Context, tx: Tx) -> TicketInfo:
        ticket = _ticket(ctx, tx, self.token)
        if ticket.day != calendar.business_day(ctx.office, tx.now):
            raise NotFound("本日の受付票ではありません。", kind="ticket")
        after = arrival.arrive(ticket, tx.now)
        if after == ticket or not ticket.remote:  # arrived already, or a kiosk's ticket
            return describe(ctx, tx, ticket)
        tickets.update_ticket(tx.conn, after)
        tx.append(
            Event(
                EventType.ARRIVED,
                ticket=ticket.id,
                number=ticket.number,
                service=ticket.service,
                data={"by": str(self.proof)},
            )
        )
        return describe(ctx, tx, after)
