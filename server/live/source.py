"""Reads a Snapshot from the store, in one read transaction (one consistent version)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from zoneinfo import ZoneInfo

from server import estimates, office_settings
from server.context import Context
from server.domain import appointment, calendar, issuing
from server.domain.events import CALL_EVENT_TYPES
from server.domain.issuing import Refusal
from server.domain.office import Office
from server.store import appointments, event_log, offices, tickets
from server.store.engine import Engines

from .snapshot import Snapshot

MAX_REPLAY_EVENTS = 5000


def issuing_state(
    ctx: Context, conn: object, now: datetime, office: Office | None = None
) -> dict[str, Refusal | None]:
    """Per service, why issuing is refused now (None: open), by the issuing rule itself
    (`office`: the settings read with the snapshot; ctx's in force by default)."""
    office = office or ctx.office
    day = calendar.business_day(office, now)
    return {
        service.id: issuing.refusal(
            office,
            service,
            now,
            0
            if service.daily_cap is None
            else tickets.issued_count(conn, office.id, service.id, day),  # type: ignore[arg-type]
            ctx.is_holiday,
            ctx.always_open,
        )
        for service in office.services.values()
    }


def remote_state(
    ctx: Context, conn: object, now: datetime, office: Office, refused: dict[str, Refusal | None]
) -> dict[str, Refusal | None]:
    """Per service offered from home, why a ticket from home is refused now (the same
    rule as the issuing: issuing.remote_refusal); `refused`: issuing_state's answer."""
    day = calendar.business_day(office, now)
    out: dict[str, Refusal | None] = {}
    for service in office.services.values():
        if not service.remote:
            continue
        if refused.get(service.id) is not None:
            out[service.id] = refused[service.id]
            continue
        out[service.id] = issuing.remote_refusal(
            office,
            service,
            now,
            0
            if service.daily_cap is None
            else tickets.issued_count(conn, office.id, service.id, day),  # type: ignore[arg-type]
            tickets.remote_issued(conn, office.id, service.id, day),  # type: ignore[arg-type]
            ctx.is_holiday,
            ctx.always_open,
        )
    return out


def day_start_utc(ctx: Context, now: datetime) -> datetime:
    day = calendar.business_day(ctx.office, now)
    return datetime.combine(day, time(0), ZoneInfo(ctx.office.timezone)).astimezone(UTC)


def read_snapshot(
    engines: Engines,
    ctx: Context,
    now: datetime,
    after: int | None = None,
    tokens: tuple[str, ...] = (),
    staff: bool = False,
) -> Snapshot:
    """`after`: also read the events after this version (None: no events), at most the
    last MAX_REPLAY_EVENTS of them (`Snapshot.events_after` says from where). `staff`:
    also what only the admin console shows (counters' clerks, today's counts), read only
    while someone watches it."""
    office = ctx.office
    day = calendar.business_day(office, now)
    with engines.reader.connect() as conn, conn.begin():
        version, revision = offices.office_head(conn, office.id)
        # The settings of this very read: a change and the view it makes come together.
        office = office_settings.office_at(conn, ctx, revision, authoritative=False)
        active = tickets.day_tickets(conn, office.id, day, engines.ticket_rows)
        known = {t.token for t in active}
        extra = {}
        for token in tokens:
            if token not in known:
                found = tickets.get_ticket_by_token(conn, token)
                if found is not None and found.office == office.id:
                    extra[token] = found
        if ctx.history is not None:
            recent_log, issued = ctx.history.read(conn, office.id, version, now)
        else:
            recent_log = estimates.recent_events(conn, office.id, now)
            issued = estimates.issued_at(conn, recent_log)
        events, events_after = [], version
        if after is not None and after < version:
            events_after = max(after, version - MAX_REPLAY_EVENTS)
            events = event_log.between(conn, office.id, events_after, version)
        return Snapshot(
            office=office,
            version=version,
            now=now,
            tickets=active,
            counters=offices.counter_states(conn, office.id),
            recent_calls=event_log.recent_events(
                conn, office.id, CALL_EVENT_TYPES, day_start_utc(ctx, now), 20
            ),
            issuing=(refused := issuing_state(ctx, conn, now, office)),
            remote=remote_state(ctx, conn, now, office, refused),
            done_today=tickets.done_today(conn, office.id, day),
            events=events,
            events_after=events_after,
            extra_tickets=extra,
            bookings=appointment.expected(
                office, appointments.waiting_to_check_in(conn, office.id, day), now
            ),
            recent_log=recent_log,
            issued_at=issued,
            clerks=offices.counter_holders(conn, office.id) if staff else {},
            issued_today=tickets.issued_counts(conn, office.id, day) if staff else {},
        )


def first_seq_of_day(engines: Engines, ctx: Context, now: datetime) -> int | None:
    """The first version of the business day: a `since` older than it cannot be replayed."""
    with engines.reader.connect() as conn, conn.begin():
        return event_log.first_seq_since(conn, ctx.office.id, day_start_utc(ctx, now))
