"""One function per command: load -> the domain decides -> save and append the event.

Each runs on the writer thread inside one transaction that holds the office's lock
(server/store/unit_of_work.py); a DomainError rolls it back whole.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime
from typing import Any, TypedDict

from server import estimates
from server.domain import calendar, call_policy, issuing, lifecycle
from server.domain.errors import (
    CounterBusy,
    CounterNotOpen,
    HoldsAnotherCounter,
    InvalidTransition,
    NotFound,
    NotYours,
)
from server.domain.estimate import Estimate
from server.domain.events import Event, EventType
from server.domain.office import Counter, CounterState, Office, Service
from server.domain.ticket import AT_COUNTER, Action, Status, Ticket
from server.store import admin_audit, offices, tickets
from server.store import staff as staff_rows
from server.store.engine import Connection
from server.store.unit_of_work import Tx

from .context import Context


class PrintStatus(enum.StrEnum):
    NONE = "none"  # not printed here (issued online)
    QUEUED = "queued"  # sent to the printer, no answer yet
    PRINTED = "printed"
    FAILED = "failed"


@dataclasses.dataclass(frozen=True)
class PrintOutcome:
    """A ticket's print state: the print service's (server/printing.py), kept on its row."""

    status: PrintStatus
    error: str | None = None

    def as_dict(self) -> dict[str, str | None]:
        return {"status": str(self.status), "error": self.error}


@dataclasses.dataclass(frozen=True)
class TicketInfo:
    """A ticket as a command leaves it: with its place in line, its estimate, and its
    print state as stored (a print job still going may change it; the issuing answer
    says what the printer answered instead: ticket_json's `printed`)."""

    ticket: Ticket
    position: int | None
    estimate: Estimate | None
    stored_print: PrintOutcome = PrintOutcome(PrintStatus.NONE)


def service_of(office: Office, service_id: str) -> Service:
    service = office.services.get(service_id)
    if service is None:
        raise NotFound(f"手続き {service_id!r} はありません。", kind="service", id=service_id)
    return service


def counter_of(office: Office, counter_id: str) -> Counter:
    counter = office.counters.get(counter_id)
    if counter is None:
        raise NotFound(f"{counter_id}番窓口はありません。", kind="counter", id=counter_id)
    return counter


def describe(
    ctx: Context, tx: Tx, ticket: Ticket, stored_print: PrintOutcome | None = None
) -> TicketInfo:
    return describe_at(ctx, tx.conn, ticket, tx.now, stored_print)


def describe_at(
    ctx: Context,
    conn: Connection,
    ticket: Ticket,
    now: datetime,
    stored_print: PrintOutcome | None = None,
) -> TicketInfo:
    """A ticket with its place in line, estimate and stored print state (read unless
    the caller just wrote it)."""
    position = tickets.ahead_of(conn, ticket) if ticket.status is Status.WAITING else None
    estimate = estimates.describe_estimate(conn, ctx.office, ticket, now, position, ctx.history)
    if stored_print is None:
        status, error = tickets.ticket_print(conn, ticket.id)
        stored_print = PrintOutcome(PrintStatus(status), error)
    return TicketInfo(ticket, position, estimate, stored_print)


@dataclasses.dataclass(frozen=True)
class IssueTicket:
    service: str
    lang: str
    priority: bool
    kiosk: str | None
    channel: str
    ticket_id: str
    token: str
    print_status: PrintStatus = PrintStatus.NONE

    def __call__(self, ctx: Context, tx: Tx) -> TicketInfo:
        office = ctx.office
        service = service_of(office, self.service)
        if self.kiosk is not None and self.kiosk not in office.kiosks:
            raise NotFound(f"発券機 {self.kiosk!r} はありません。", kind="kiosk", id=self.kiosk)
        day = calendar.business_day(office, tx.now)
        seq = tickets.next_number(tx.conn, office.id, service.id, day)
        # A refusal (hours, cut-off, cap) rolls the command back, the number with it.
        why = issuing.refusal(office, service, tx.now, seq - 1, ctx.is_holiday, ctx.always_open)
        issuing.check(service, why)
        ticket = Ticket(
            id=self.ticket_id,
            office=office.id,
            service=service.id,
            prefix=service.prefix,
            seq=seq,
            day=day,
            token=self.token,
            lang=self.lang,
            priority=self.priority,
            channel=self.channel,
            status=Status.WAITING,
            issued_at=tx.now,
            queued_at=tx.now,
            kiosk=self.kiosk,
        )
        tickets.insert_ticket(tx.conn, ticket, str(self.print_status))
        tx.append(
            Event(
                EventType.ISSUED,
                ticket=ticket.id,
                number=ticket.number,
                service=service.id,
                data={"priority": ticket.priority, "lang": ticket.lang, "channel": self.channel},
            )
        )
        return describe(ctx, tx, ticket, PrintOutcome(self.print_status))


_COUNTER_EVENTS = {
    CounterState.OPEN: EventType.COUNTER_OPENED,
    CounterState.PAUSED: EventType.COUNTER_PAUSED,
    CounterState.CLOSED: EventType.COUNTER_CLOSED,
}
_COUNTER_JA = {
    CounterState.OPEN: "開設中",
    CounterState.PAUSED: "休止中",
    CounterState.CLOSED: "閉鎖",
}


def refuse_if_held(ctx: Context, tx: Tx, counter: Counter, then: str) -> None:
    """A counter holds at most one ticket: the clerk ends it before anything else."""
    held = tickets.ticket_at_counter(
        tx.conn, ctx.office.id, counter.id, calendar.business_day(ctx.office, tx.now)
    )
    if held is not None:
        raise CounterBusy(
            f"{counter.id}番窓口は {held.number} を呼出中・対応中です。"
            f"完了・不在・回送のいずれかにしてから{then}。",
            ticket=held.id,
            number=held.number,
        )


def may_work(holder: str | None, clerk: str | None, supervisor: bool) -> bool:
    """Who may work a counter, and the ticket it has called or is serving (its form too):
    the clerk who holds the counter (opened it and has not closed it), or a supervisor.
    `clerk` None is the system itself (tests, the simulator), which is not a staff member."""
    return clerk is None or supervisor or holder == clerk


def refuse_unless_holder(
    ctx: Context, tx: Tx, counter: str, clerk: str | None, supervisor: bool
) -> None:
    """NotYours (403) unless `clerk` may work this counter (may_work)."""
    if clerk is None or supervisor:
        return
    holder = offices.counter_holders(tx.conn, ctx.office.id).get(counter)
    if not may_work(holder, clerk, supervisor):
        raise NotYours(
            (
                f"{counter}番窓口は{holder}さんが担当しています。"
                if holder
                else f"{counter}番窓口には担当の職員がいません。"
            )
            + "担当の職員か監督者（supervisor）だけが操作できます。",
            counter=counter,
            holder=holder,
        )


def may_work_at(counter: Counter, counters: list[str] | None, areas: list[str] | None) -> bool:
    """Whether a clerk limited to `counters` and `areas` (None: no limit of that kind; both
    None: any counter) may open or call at `counter`: it is one of hers, or in one of her
    areas."""
    if counters is None and areas is None:
        return True
    return counter.id in (counters or ()) or counter.area in (areas or ())


def refuse_outside_limits(
    ctx: Context, tx: Tx, counter: Counter, clerk: str | None, supervisor: bool
) -> None:
    """NotYours (403) when an admin has limited `clerk` to counters or areas (the console's
    職員 tab) and `counter` is none of them; the message names what she may work."""
    if clerk is None or supervisor:
        return
    counters, areas = staff_rows.limits(tx.conn, clerk)
    if may_work_at(counter, counters, areas):
        return
    allowed = [f"{', '.join(counters)}番窓口"] if counters else []
    allowed += [
        f"{ctx.office.areas[a].names.get('ja', a) if a in ctx.office.areas else a}の窓口"
        for a in areas or ()
    ]
    raise NotYours(
        f"{counter.id}番窓口は{clerk}さんの担当外です。担当できるのは"
        f"{'、'.join(allowed)}です。変更は管理者に依頼してください。",
        counter=counter.id,
        counters=counters,
        areas=areas,
    )


class CounterChange(TypedDict):
    """The answer of SetCounterState."""

    counter: str
    state: str
    clerk: str | None


@dataclasses.dataclass(frozen=True)
class SetCounterState:
    """Open, pause or close a counter. A clerk works one counter at a time, and only the
    clerk who holds a counter (or a supervisor) pauses, reopens or closes it; opening it
    makes `clerk` its holder (a supervisor pausing a colleague's counter leaves it theirs)."""

    counter: str
    state: CounterState
    clerk: str | None
    supervisor: bool = False

    def __call__(self, ctx: Context, tx: Tx) -> CounterChange:
        counter = counter_of(ctx.office, self.counter)
        current = offices.counter_states(tx.conn, ctx.office.id).get(
            counter.id, CounterState.CLOSED
        )
        holders = offices.counter_holders(tx.conn, ctx.office.id)
        holder = holders.get(counter.id)
        if current is not CounterState.CLOSED:
            refuse_unless_holder(ctx, tx, counter.id, self.clerk, self.supervisor)
        if current is self.state:
            raise InvalidTransition(
                f"{counter.id}番窓口はすでに「{_COUNTER_JA[current]}」です。",
                status=str(current),
                action=str(self.state),
            )
        if self.state is CounterState.OPEN and self.clerk is not None and not self.supervisor:
            refuse_outside_limits(ctx, tx, counter, self.clerk, self.supervisor)
            other = sorted(c for c, who in holders.items() if who == self.clerk and c != counter.id)
            if other:
                raise HoldsAnotherCounter(
                    f"{other[0]}番窓口を担当中です。窓口は一人一つです。"
                    f"{other[0]}番窓口を閉じてから{counter.id}番窓口を開設してください。",
                    counter=other[0],
                )
        clerk = self.clerk
        if self.state is not CounterState.CLOSED and current is not CounterState.CLOSED:
            # Pausing or reopening keeps the counter its holder's, whoever (a supervisor)
            # does it: only opening a closed counter gives it a new holder.
            clerk = holder if holder is not None else clerk
        if self.state is not CounterState.OPEN:
            refuse_if_held(ctx, tx, counter, "操作してください")
        offices.set_counter_state(tx.conn, ctx.office.id, counter.id, self.state, clerk)
        tx.append(Event(_COUNTER_EVENTS[self.state], counter=counter.id, data={"clerk": clerk}))
        if self.supervisor:  # a supervisor's change to a counter is in the audit log
            admin_audit.write(
                tx.conn,
                office=ctx.office.id,
                at=tx.now,
                actor=self.clerk or "system",
                action="counter",
                target=counter.id,
                before={"state": str(current), "clerk": holder},
                after={"state": str(self.state), "clerk": clerk},
            )
        return CounterChange(counter=counter.id, state=str(self.state), clerk=clerk)


@dataclasses.dataclass(frozen=True)
class CallNext:
    """Call the next visitor to a counter: by the clerk who holds it, or a supervisor."""

    counter: str
    clerk: str | None = None  # None: the system (see may_work)
    supervisor: bool = False

    def __call__(self, ctx: Context, tx: Tx) -> TicketInfo | None:
        counter = counter_of(ctx.office, self.counter)
        state = offices.counter_states(tx.conn, ctx.office.id).get(counter.id, CounterState.CLOSED)
        if state is not CounterState.OPEN:
            raise CounterNotOpen(
                f"{counter.id}番窓口は「{_COUNTER_JA[state]}」です。開設してから呼び出してください。",
                state=str(state),
            )
        refuse_unless_holder(ctx, tx, counter.id, self.clerk, self.supervisor)
        refuse_outside_limits(ctx, tx, counter, self.clerk, self.supervisor)
        refuse_if_held(ctx, tx, counter, "次を呼び出してください")
        day = calendar.business_day(ctx.office, tx.now)
        heads = tickets.line_heads(
            tx.conn, ctx.office.id, counter.services, day, counter.booked, tx.now
        )
        chosen = call_policy.pick_next(counter, heads, tx.now)
        if chosen is None:
            return None
        after, event = lifecycle.apply(
            chosen, Action.CALL, tx.now, ctx.office.services[chosen.service], counter=counter.id
        )
        tickets.update_ticket(tx.conn, after)
        tx.append(event)
        return describe(ctx, tx, after)


@dataclasses.dataclass(frozen=True)
class ActOnTicket:
    ticket_id: str
    action: Action
    to_service: str | None = None
    counter: str | None = None
    note: str | None = None  # a transfer's word to the next counter (staff only)
    clerk: str | None = None  # None: the system (see may_work)
    supervisor: bool = False

    def __call__(self, ctx: Context, tx: Tx) -> TicketInfo:
        office = ctx.office
        ticket = tickets.get_ticket(tx.conn, self.ticket_id)
        if ticket is None or ticket.office != office.id:
            raise NotFound(f"受付票 {self.ticket_id!r} はありません。", kind="ticket")
        if ticket.status in AT_COUNTER and ticket.counter is not None:
            # A called or serving visitor is the business of the counter that called them.
            refuse_unless_holder(ctx, tx, ticket.counter, self.clerk, self.supervisor)
        service = office.services[ticket.service]
        to_service = service_of(office, self.to_service) if self.to_service else None
        counter = counter_of(office, self.counter).id if self.counter else None
        queued_at = None
        if self.action is Action.RETURN and ticket.status is Status.ABSENT:
            queued_at = call_policy.return_place(
                office.return_rule,
                office.return_after,
                ticket,
                tickets.waiting_line(tx.conn, office.id, ticket.service, ticket.day),
                tx.now,
            )
        after, event = lifecycle.apply(
            ticket,
            self.action,
            tx.now,
            service,
            counter=counter,
            to_service=to_service,
            queued_at=queued_at,
        )
        if self.note and self.action is Action.TRANSFER:
            event = dataclasses.replace(event, data={**event.data, "note": self.note})
        tickets.update_ticket(tx.conn, after)
        tx.append(event)
        return describe(ctx, tx, after)


def ticket_json(
    info: TicketInfo, office: Office, printed: PrintOutcome, *, token: bool = False
) -> dict[str, Any]:
    """A ticket's answer; `printed`: its print state as the answer tells it (what the
    printer answered for a ticket just printed, else info.stored_print)."""
    t = info.ticket
    service = office.services.get(t.service)
    out: dict[str, Any] = {
        "id": t.id,
        "number": t.number,
        "service": t.service,
        "service_names": service.names if service else {},
        "status": str(t.status),
        "position": info.position,
        "estimate": info.estimate.as_dict() if info.estimate else None,
        "counter": t.counter,
        "lang": t.lang,
        "priority": t.priority,
        "channel": t.channel,
        "kiosk": t.kiosk,
        "issued_at": t.issued_at.isoformat(),
        "called_at": t.called_at.isoformat() if t.called_at else None,
        "recalls": t.recalls,
        "transfers": t.transfers,
        "print": printed.as_dict(),
    }
    if token:
        out["token"] = t.token
        out["url"] = f"/t/{t.token}"
    return out


@dataclasses.dataclass(frozen=True)
class RecordPrint:
    """A print job's outcome on its ticket (no event: the print state is the print
    service's, shown on the ticket's answer and the admin console, not on screens)."""

    ticket_id: str
    outcome: PrintOutcome

    def __call__(self, ctx: Context, tx: Tx) -> None:
        tickets.set_print(tx.conn, self.ticket_id, str(self.outcome.status), self.outcome.error)
