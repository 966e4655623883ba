"""Tickets from home (受付票を取る on the public page): what an issuing from home asks
beyond a kiosk's, and how a counter's call passes over a visitor not yet in the hall.
The rules are the domain's (issuing.remote_refusal, arrival.on_call); this module reads
what they need and writes what they decide, inside the command's transaction."""

from __future__ import annotations

import dataclasses
import hashlib
import hmac
from datetime import date
from typing import TYPE_CHECKING

from server.domain import arrival, call_policy, issuing, lifecycle
from server.domain.arrival import OnCall
from server.domain.errors import RateLimited
from server.domain.events import Event, EventType
from server.domain.office import Counter, Service
from server.domain.ticket import Action, Ticket
from server.store import tickets
from server.store.unit_of_work import Tx

from .context import Context

if TYPE_CHECKING:
    from .commands import TicketInfo

# A phone that holds a ticket from home for a service is told to try again after this:
# by then it may have been served or cancelled it.
DEVICE_RETRY_S = 300


@dataclasses.dataclass(frozen=True)
class RemoteRequest:
    device: str  # the phone's key, hashed (device_hash): never stored as the page keeps it
    travel_min: int  # あと何分で着きますか


def device_hash(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()[:32]


def refuse_remote(
    ctx: Context, tx: Tx, service: Service, day: date, issued_today: int, request: RemoteRequest
) -> None:
    """409 issuing_closed naming the reason (issuing.remote_refusal), or 429 when the
    phone already holds an active ticket from home for this service."""
    office = ctx.office
    remote_today = tickets.remote_issued(tx.conn, office.id, service.id, day)
    why = issuing.remote_refusal(
        office, service, tx.now, issued_today, remote_today, ctx.is_holiday, ctx.always_open
    )
    issuing.check(service, why)
    if tickets.device_has_active(tx.conn, office.id, service.id, day, request.device):
        name = service.names.get("ja", service.id)
        raise RateLimited(
            f"「{name}」の受付票はこの端末ですでにお持ちです。一つの端末で一つまでです。",
            retry_after=DEVICE_RETRY_S,
            service=service.id,
        )


def refuse_if_wait_is_short(service: Service, info: TicketInfo, request: RemoteRequest) -> None:
    """The new ticket's own estimate against the way: raising rolls the issuing back."""
    estimate = info.estimate
    middle = (estimate.low_min + estimate.high_min) / 2 if estimate else None
    if not issuing.worth_coming_from_home(middle, request.travel_min):
        issuing.check(service, issuing.Refusal.WAIT_SHORTER_THAN_TRAVEL)


def pick_arrived(ctx: Context, tx: Tx, counter: Counter, day: date) -> Ticket | None:
    """The ticket `counter` calls next (call_policy.pick_next), passing over tickets from
    home whose visitor has not arrived: kept once (an event), then, after the grace,
    marked no-show (arrival.on_call)."""
    office = ctx.office
    heads = tickets.line_heads(tx.conn, office.id, counter.services, day, counter.booked, tx.now)
    passed: set[str] = set()
    while (chosen := call_policy.pick_next(counter, heads, tx.now)) is not None:
        decision = arrival.on_call(chosen, tx.now, office.arrival_grace_min)
        if decision is OnCall.CALL:
            return chosen
        passed.add(chosen.id)
        if decision is OnCall.KEEP:
            tickets.update_ticket(tx.conn, dataclasses.replace(chosen, kept_at=tx.now))
            tx.append(
                Event(
                    EventType.KEPT,
                    ticket=chosen.id,
                    number=chosen.number,
                    service=chosen.service,
                    counter=counter.id,
                    data={"grace_min": office.arrival_grace_min},
                )
            )
        elif decision is OnCall.NO_SHOW:
            after, event = lifecycle.apply(
                chosen, Action.MISS, tx.now, office.services[chosen.service]
            )
            tickets.update_ticket(tx.conn, after)
            tx.append(dataclasses.replace(event, data={"reason": "not_arrived"}))
        # The next of the same line takes its place; a booked line of the same service
        # keeps its own head (a ticket from home is never a booking).
        rest = tickets.waiting_line(tx.conn, office.id, chosen.service, day)
        same_line = (chosen.service, chosen.booked)
        following = next(
            (t for t in rest if (t.service, t.booked) == same_line and t.id not in passed), None
        )
        heads = [h for h in heads if (h.service, h.booked) != same_line]
        heads += [following] if following is not None else []
    return None


def arrival_code(secret: bytes, office: str, day: date) -> str:
    """The kiosk's short code for "到着しました" from outside the hall's network: four
    digits, new every business day, the same in every process (made from the
    installation's signing key)."""
    digest = hmac.new(secret, f"arrival:{office}:{day.isoformat()}".encode(), "sha256").digest()
    return f"{int.from_bytes(digest[:4], 'big') % 10_000:04d}"
