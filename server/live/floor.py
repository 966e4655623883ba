"""The parts of the admin console's live floor (pure): every counter and what it holds,
what a supervisor sees of each line beyond the public view, the pickup list, the devices
and the staffing hint. views.admin_view puts them together."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from server.domain import staffing
from server.domain.office import CounterState, Office
from server.domain.ticket import AT_COUNTER, Status, Ticket

from .snapshot import Snapshot

QUEUE_SHOWN = 200  # waiting tickets listed per line (to call one to a counter); the rest counted
Lookup = Callable[[str], dict[str, Any]]


def _iso(at: datetime | None) -> str | None:
    return at.isoformat() if at else None


def counters(snap: Snapshot) -> list[dict[str, Any]]:
    """Every counter of the office, in the office file's order: its state, the clerk who
    holds it, and the ticket it has called or is serving, with since when (the browser
    counts the minutes from `since` with its own clock, between versions)."""
    office = snap.office
    held = {t.counter: t for t in snap.tickets if t.status in AT_COUNTER and t.counter}
    out = []
    for c in office.counters.values():
        t = held.get(c.id)
        state = snap.counters.get(c.id, CounterState.CLOSED)
        out.append(
            {
                "id": c.id,
                "area": c.area,
                "floor": office.areas[c.area].floor,
                "services": list(c.services),
                "pickup_for": [s.id for s in office.services.values() if s.pickup_counter == c.id],
                "state": str(state),
                "clerk": snap.clerks.get(c.id) if state is not CounterState.CLOSED else None,
                "ticket": _held(t) if t else None,
            }
        )
    return out


def _held(t: Ticket) -> dict[str, Any]:
    since = t.started_at if t.status is Status.SERVING else t.called_at
    return {
        "id": t.id,
        "number": t.number,
        "service": t.service,
        "status": str(t.status),
        "since": _iso(since),
        "recalls": t.recalls,
    }


def line_extras(snap: Snapshot, service: str, line: list[Ticket]) -> dict[str, Any]:
    """What the floor shows of a line beyond the public view: since when its first ticket
    waits (its place in time, kept across a transfer: the browser counts the longest wait
    from it, so the view does not change while time passes), today's count against the
    cap, the cut-off, the counters that serve it, and the waiting tickets."""
    s = snap.office.services[service]
    oldest = min((t.queued_at for t in line), default=None)
    return {
        "oldest_queued_at": _iso(oldest),
        "issued_today": snap.issued_today.get(service, 0),
        "daily_cap": s.daily_cap,
        "cutoff": s.cutoff.strftime("%H:%M"),
        "counters": [c.id for c in snap.office.counters_for(service)],
        "queue": [
            {
                "id": t.id,
                "number": t.number,
                "priority": t.priority,
                "issued_at": t.issued_at.isoformat(),
            }
            for t in line[:QUEUE_SHOWN]
        ],
        "queue_more": max(len(line) - QUEUE_SHOWN, 0),
    }


def pickup(snap: Snapshot) -> list[dict[str, Any]]:
    """Tickets of pickup services whose document is being made (preparing) or is ready and
    called to the pickup counter (ready), the longest-kept first."""
    services = {s.id for s in snap.office.services.values() if s.has_pickup}
    found = [
        t
        for t in snap.tickets
        if t.service in services and t.status in (Status.PREPARING, Status.READY)
    ]

    def since(t: Ticket) -> datetime:
        return (t.called_at if t.status is Status.READY else t.finished_at) or t.issued_at

    return [
        {
            "id": t.id,
            "number": t.number,
            "service": t.service,
            "status": str(t.status),
            "counter": t.counter,
            "since": since(t).isoformat(),
        }
        for t in sorted(found, key=since)
    ]


def devices(
    office: Office,
    printers: Lookup | None,
    screens: Lookup | None,
    acked: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """Each kiosk's screen and printer, each display's screen, as the hub and the print
    service know them now (None where this process does not know), and the alerts already
    acknowledged (`acked`: key -> who and when). A display gone for over a minute is an
    alert: the browser tells it from `last_seen` with its own clock (see floor.js), since
    nothing here changes when a minute passes."""
    return {
        "acked": dict(acked or {}),
        "kiosks": [
            {
                "id": k.id,
                "areas": list(k.areas),
                "screen": screens(f"kiosk:{k.id}") if screens else None,
                "printer": printers(k.id) if printers else None,
            }
            for k in office.kiosks.values()
        ],
        "displays": [
            {
                "id": d.id,
                "areas": list(d.areas),
                "screen": screens(f"display:{d.id}") if screens else None,
            }
            for d in office.displays.values()
        ],
    }


def staffing_hint(snap: Snapshot) -> dict[str, Any]:
    """The lines whose last ticket will wait past the office's target with the counters
    open now, and how many more counters would bring them under it (domain/staffing.py)."""
    target = snap.office.staffing_target_min
    open_ids = {c for c, s in snap.counters.items() if s is CounterState.OPEN}
    needs = staffing.staffing(snap.queue_state, open_ids, target, list(snap.office.services))
    return {
        "target_min": target,
        "lines": [
            {
                "service": n.service,
                "waiting": n.waiting,
                "open": n.open,
                "wait_min": None if n.wait_min is None else round(n.wait_min),
                "more": n.more,
                "wait_after_min": None if n.wait_after_min is None else round(n.wait_after_min),
            }
            for n in needs
        ],
    }
