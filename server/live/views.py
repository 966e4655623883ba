"""Snapshot -> the view of each channel (pure). Views, not diffs: a screen renders what
it receives and never reconstructs state."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Mapping
from typing import Any

from server.domain import call_policy
from server.domain.office import CounterState, Office, Service
from server.domain.ticket import Status, Ticket

from . import floor
from .channels import Channel, Kind
from .snapshot import Snapshot

RECENT_CALLS = 10
_CALL_FIELDS: tuple[str, ...] = ("seq", "type", "number", "service", "counter", "at")
NEXT_UP = 5


def _lines(snap: Snapshot) -> dict[str, list[Ticket]]:
    lines: dict[str, list[Ticket]] = defaultdict(list)
    for t in snap.tickets:
        if t.status is Status.WAITING:
            lines[t.service].append(t)
    for line in lines.values():
        line.sort(key=call_policy.queue_key)
    return lines


def _estimate(snap: Snapshot, service: Service, ahead: int) -> dict[str, int]:
    return snap.estimator.estimate(service.id, ahead).as_dict()


def _numbers(snap: Snapshot, service: str, status: Status) -> list[dict[str, Any]]:
    found = [t for t in snap.tickets if t.service == service and t.status is status]
    found.sort(key=lambda t: t.called_at or t.issued_at, reverse=True)
    return [{"number": t.number, "counter": t.counter} for t in found]


def _service_view(
    snap: Snapshot, service: Service, lines: dict[str, list[Ticket]]
) -> dict[str, Any]:
    area = snap.office.areas[service.area]
    waiting = len(lines.get(service.id, []))
    reason = snap.issuing.get(service.id)
    return {
        "id": service.id,
        "prefix": service.prefix,
        "names": service.names,
        "area": service.area,
        "area_names": area.names,
        "floor": area.floor,
        "waiting": waiting,
        "calling": _numbers(snap, service.id, Status.CALLED),
        "serving": len(
            [t for t in snap.tickets if t.service == service.id and t.status is Status.SERVING]
        ),
        "ready": _numbers(snap, service.id, Status.READY),
        "estimate": _estimate(snap, service, waiting),
        "issuing": reason is None,
        "closed_reason": reason,
        # 受付票を取る (tickets from home): offered now, or why not; absent: never offered.
        **_remote(snap, service),
        "counters_open": sum(
            1
            for c in snap.office.counters_for(service.id)
            if snap.counters.get(c.id) is CounterState.OPEN
        ),
    }


def _remote(snap: Snapshot, service: Service) -> dict[str, Any]:
    if service.id not in snap.remote:
        return {"remote": False}
    why = snap.remote[service.id]
    return {"remote": why is None, "remote_reason": why}


def _calls(snap: Snapshot, areas: set[str] | None = None) -> list[dict[str, Any]]:
    out = []
    for e in snap.recent_calls:
        counter = snap.office.counters.get(e.get("counter") or "")
        if areas is not None and (counter is None or counter.area not in areas):
            continue
        out.append({k: e[k] for k in _CALL_FIELDS if k in e})
        if len(out) == RECENT_CALLS:
            break
    return out


def _head(office: Office, snap: Snapshot) -> dict[str, Any]:
    local = snap.now.astimezone(_tz(office))
    return {
        "id": office.id,
        "names": office.names,
        "date": local.date().isoformat(),
        "time": local.strftime("%H:%M"),
        "settings_revision": office.revision,
    }


def _tz(office: Office) -> Any:
    from zoneinfo import ZoneInfo

    return ZoneInfo(office.timezone)


def public_view(snap: Snapshot) -> dict[str, Any]:
    lines = _lines(snap)
    services = [_service_view(snap, s, lines) for s in snap.office.services.values()]
    return {
        "office": _head(snap.office, snap),
        "version": snap.version,
        "services": services,
        "recent_calls": _calls(snap),
        "ready": [r for s in services for r in s["ready"]],
        "waiting_total": sum(s["waiting"] for s in services),
        "done_today": snap.done_today,
        "notice": snap.office.notice_at(snap.now),
    }


def display_view(snap: Snapshot, display_id: str) -> dict[str, Any]:
    office = snap.office
    display = office.displays[display_id]
    areas = set(display.areas)
    lines = _lines(snap)
    services = [_service_view(snap, s, lines) for s in office.services.values() if s.area in areas]
    calling = [
        {"number": t.number, "counter": t.counter, "service": t.service, "status": str(t.status)}
        for t in sorted(snap.tickets, key=lambda t: t.called_at or t.issued_at, reverse=True)
        if t.status in (Status.CALLED, Status.READY)
        and t.counter in office.counters
        and office.counters[t.counter].area in areas
    ]
    return {
        "office": _head(office, snap),
        "display": {
            "id": display.id,
            "languages": list(display.languages),
            "volume": display.volume,
        },
        "version": snap.version,
        "areas": [
            {"id": a, "names": office.areas[a].names, "floor": office.areas[a].floor}
            for a in display.areas
        ],
        "services": services,
        "calling": [c for c in calling if c["status"] == "called"],
        "ready": [c for c in calling if c["status"] == "ready"],
        "recent_calls": _calls(snap, areas),
        "issuing": any(s["issuing"] for s in services),
        "notice": office.notice_at(snap.now),
    }


def _ticket_brief(t: Ticket) -> dict[str, Any]:
    return {
        "id": t.id,
        "number": t.number,
        "service": t.service,
        "status": str(t.status),
        "priority": t.priority,
        "lang": t.lang,
        "counter": t.counter,
        "issued_at": t.issued_at.isoformat(),
        "called_at": t.called_at.isoformat() if t.called_at else None,
        "recalls": t.recalls,
        "transfers": t.transfers,
    }


def counter_view(snap: Snapshot, counter_id: str) -> dict[str, Any]:
    office = snap.office
    counter = office.counters[counter_id]
    lines = _lines(snap)
    current = next(
        (
            t
            for t in snap.tickets
            if t.counter == counter.id and t.status in (Status.CALLED, Status.SERVING)
        ),
        None,
    )
    upcoming = sorted(
        (
            t
            for s in dict.fromkeys((*counter.services, *counter.booked))
            for t in lines.get(s, [])
            if call_policy.is_callable(counter, t, snap.now)
        ),
        key=call_policy.call_order(counter),
    )
    pickup = [s.id for s in office.services.values() if s.pickup_counter == counter.id]
    return {
        "office": _head(office, snap),
        "version": snap.version,
        "counter": {
            "id": counter.id,
            "area": counter.area,
            "state": str(snap.counters.get(counter.id, CounterState.CLOSED)),
            "services": list(counter.services),
        },
        "current": _ticket_brief(current) if current else None,
        "waiting": {s: len(lines.get(s, [])) for s in counter.services},
        "next": [_ticket_brief(t) for t in upcoming[:NEXT_UP]],
        "absent": [
            _ticket_brief(t)
            for t in snap.tickets
            if t.status is Status.ABSENT and t.service in counter.services
        ],
        "preparing": [
            _ticket_brief(t)
            for t in snap.tickets
            if t.service in pickup and t.status is Status.PREPARING
        ],
        "ready": [
            _ticket_brief(t)
            for t in snap.tickets
            if t.service in pickup and t.status is Status.READY
        ],
    }


def ticket_view(snap: Snapshot, token: str) -> dict[str, Any] | None:
    ticket = snap.ticket_by_token(token)
    if ticket is None:
        return None
    office = snap.office
    service = office.services[ticket.service]
    area = office.areas[service.area]
    position = None
    estimate = None
    if ticket.status is Status.WAITING:
        line = _lines(snap).get(ticket.service, [])
        position = next((i for i, t in enumerate(line) if t.id == ticket.id), len(line))
        estimate = _estimate(snap, service, position)
    return {
        "office": _head(office, snap),
        "version": snap.version,
        "ticket": {
            "number": ticket.number,
            "service": service.id,
            "service_names": service.names,
            "area_names": area.names,
            "floor": area.floor,
            "status": str(ticket.status),
            "position": position,
            "estimate": estimate,
            "counter": ticket.counter,
            "lang": ticket.lang,
            "priority": ticket.priority,
            "issued_at": ticket.issued_at.isoformat(),
            "called_at": ticket.called_at.isoformat() if ticket.called_at else None,
            "recalls": ticket.recalls,
            # A ticket from home (arrival to confirm) and the visitor's one delay.
            "remote": ticket.remote,
            "arrived": ticket.arrived_at is not None,
            "kept": ticket.kept_at is not None,
            "delayed": ticket.delays > 0,
        },
        "delay_places": office.delay_places,
        "issuing": snap.issuing.get(service.id) is None,
        "notice": office.notice_at(snap.now),
    }


def admin_view(
    snap: Snapshot,
    printers: floor.Lookup | None = None,
    screens: floor.Lookup | None = None,
    acked: Mapping[str, Any] | None = None,
) -> dict[str, Any]:
    """The supervisor's floor: the public view, each service with what only staff see
    (floor.line_extras), every counter, the pickup list, the devices (``printers``: a
    kiosk's printer state; ``screens``: a device channel's screen, from the hub) and the
    staffing hint (``acked``: the alerts acknowledged, from the hub). ``now`` lets the
    browser count minutes and absences between versions."""
    view = public_view(snap)
    lines = _lines(snap)
    for service in view["services"]:
        service.update(floor.line_extras(snap, service["id"], lines.get(service["id"], [])))
    view["now"] = snap.now.isoformat()
    view["counters"] = floor.counters(snap)
    view["pickup"] = floor.pickup(snap)
    view["devices"] = floor.devices(snap.office, printers, screens, acked)
    view["staffing"] = floor.staffing_hint(snap)
    return view


def kiosk_view(
    snap: Snapshot, kiosk_id: str, printer: dict[str, Any] | None = None
) -> dict[str, Any]:
    """A kiosk's start screen: its areas' services with waiting counts, estimates and
    whether tickets are issued, and its printer's state (``printer``: from the print service,
    None where this process does not know it)."""
    office = snap.office
    kiosk = office.kiosks[kiosk_id]
    lines = _lines(snap)
    areas: list[dict[str, Any]] = [
        {
            "id": a,
            "names": office.areas[a].names,
            "floor": office.areas[a].floor,
            "services": [
                _kiosk_service(_service_view(snap, s, lines))
                for s in office.services.values()
                if s.area == a
            ],
        }
        for a in kiosk.areas
        if a in office.areas
    ]
    return {
        "office": _head(office, snap),
        "version": snap.version,
        "kiosk": {"id": kiosk.id, "open_issuing": office.open_issuing},
        "areas": areas,
        "issuing": any(s["issuing"] for a in areas for s in a["services"]),
        "printer": printer,
        "notice": office.notice_at(snap.now),
        # The 予約の方 button: a service of its areas takes bookings.
        "appointments": any(
            s.appointments is not None and s.area in kiosk.areas for s in office.services.values()
        ),
        # The arrival code: a service of the office is taken from home, or a ticket taken
        # so (before its service stopped being offered) still waits for its visitor.
        "remote": any(s.remote for s in office.services.values())
        or any(t.awaits_arrival for t in snap.tickets),
    }


def _kiosk_service(view: dict[str, Any]) -> dict[str, Any]:
    keep = ("id", "prefix", "names", "waiting", "estimate", "issuing", "closed_reason")
    return {k: view[k] for k in keep}


def build_view(
    channel: Channel,
    snap: Snapshot,
    printers: Callable[[str], dict[str, Any]] | None = None,
    screens: Callable[[str], dict[str, Any]] | None = None,
    acked: Mapping[str, Any] | None = None,
) -> dict[str, Any] | None:
    """None when the channel's subject does not exist (an unknown ticket token; a display,
    kiosk or counter no longer in the office's settings). ``printers``: a kiosk's id -> its
    printer's state, for the kiosk and admin channels; ``screens``: a device's channel ->
    its screen (connected, last seen), and ``acked``: the floor's alerts acknowledged, for
    the admin's."""
    office = snap.office
    if (
        (channel.kind is Kind.KIOSK and channel.key not in office.kiosks)
        or (channel.kind is Kind.DISPLAY and channel.key not in office.displays)
        or (channel.kind is Kind.COUNTER and channel.key not in office.counters)
    ):
        return None
    if channel.kind is Kind.KIOSK:
        return kiosk_view(snap, channel.key, printers(channel.key) if printers else None)
    if channel.kind is Kind.PUBLIC:
        return public_view(snap)
    if channel.kind is Kind.DISPLAY:
        return display_view(snap, channel.key)
    if channel.kind is Kind.COUNTER:
        return counter_view(snap, channel.key)
    if channel.kind is Kind.TICKET:
        return ticket_view(snap, channel.key)
    return admin_view(snap, printers, screens, acked)
