"""What every route reads of the app: the System, the token signer, the browser sessions and
the sign-in throttle; the office named in its path, and the ticket it names (by id or
token). The one place route modules take them from."""

from __future__ import annotations

import asyncio
from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from server.domain.errors import NotFound
from server.domain.ticket import Ticket
from server.store import appointments, tickets

if TYPE_CHECKING:  # the root imports the routes' modules, not the other way round
    from server.bootstrap import System
    from server.live.public import LatestPublic
    from server.store.engine import Connection

    from .auth import SignInThrottle, Staff, Tokens
    from .limits import AddressLimiter
    from .session import Sessions


def system_of(conn: HTTPConnection) -> System:
    system: System = conn.app.state.system
    return system


def tokens_of(conn: HTTPConnection) -> Tokens:
    tokens: Tokens = conn.app.state.tokens
    return tokens


def sessions_of(conn: HTTPConnection) -> Sessions:
    sessions: Sessions = conn.app.state.sessions
    return sessions


def signin_throttle_of(conn: HTTPConnection) -> SignInThrottle:
    throttle: SignInThrottle = conn.app.state.signin_throttle
    return throttle


def issue_limiter_of(conn: HTTPConnection) -> AddressLimiter:
    limiter: AddressLimiter = conn.app.state.issue_limiter
    return limiter


def booking_limiter_of(conn: HTTPConnection) -> AddressLimiter:
    limiter: AddressLimiter = conn.app.state.booking_limiter
    return limiter


def public_of(conn: HTTPConnection, system: System) -> LatestPublic:
    """The newest public view of `system`'s office, kept in memory (live/public.py)."""
    public: LatestPublic = conn.app.state.public[system.office.id]
    return public


def office_system(conn: HTTPConnection) -> System:
    """The System of the office the path's `{office}` names (else 404)."""
    return system_for(conn, conn.path_params["office"])


def system_for(conn: HTTPConnection, office: str) -> System:
    """The System of `office`, one of the installation's (else 404)."""
    system = system_of(conn).of_office(office)
    if system is None:
        raise NotFound(f"庁舎 {office!r} はありません。", kind="office", id=office)
    return system


def page_system(conn: HTTPConnection) -> System:
    """The office a page that names none in its path is for: `?office=ID`, else the first
    office of the installation."""
    office = conn.query_params.get("office")
    return system_of(conn) if not office else system_for(conn, office)


def staff_page_system(conn: HTTPConnection, staff: Staff) -> System:
    """The office a staff page is for: `?office=ID`, else the first office the staff
    member works in (else the first office: the page then says they are not its staff)."""
    if conn.query_params.get("office"):
        return page_system(conn)
    for system in several_offices(conn):
        if staff.role_in(system.office.id) is not None:
            return system
    return system_of(conn)


def staff_offices(conn: HTTPConnection, staff: Staff) -> list[dict[str, object]]:
    """The offices a staff member works in, as a page's switch lists them (one office: an
    empty list, nothing to switch)."""
    systems = several_offices(conn)
    if len(systems) < 2:
        return []
    return [
        {"id": s.office.id, "names": s.office.names}
        for s in systems
        if staff.role_in(s.office.id) is not None
    ]


def several_offices(conn: HTTPConnection) -> list[System]:
    """Every office of the installation, the first first (one: a single-office install)."""
    system = system_of(conn)
    if system.installation is None:
        return [system]
    return list(system.installation.offices.values())


def device_system(conn: HTTPConnection, device: str) -> System:
    """The System of the office whose file lists this kiosk or display (the first office
    for a name none lists: its page then says it is unknown, as before)."""
    system = system_of(conn)
    found = system.installation.office_of_device(device) if system.installation else None
    return found or system


async def ticket_system(conn: HTTPConnection, key: str, *, by_token: bool) -> System:
    """The System of the office holding the ticket with this id (or token): one read when
    the installation has several offices, none when it has one. An unknown ticket is left
    to the route's own lookup (404)."""
    system = system_of(conn)
    if system.installation is None or len(system.installation.offices) == 1:
        return system
    office = await asyncio.to_thread(_office_of_ticket, system, key, by_token)
    return (system.of_office(office) or system) if office else system


async def channel_system(conn: HTTPConnection, name: str) -> System:
    """The System of the office a live channel is of: `public:ID` and `admin:ID` name it,
    a display or kiosk is in one office's file, a ticket is in one office's store, and a
    counter's id is its office's (`?office=ID`, else the first office)."""
    kind, _, key = name.partition(":")
    if kind in ("public", "admin"):
        return system_for(conn, key) if key else system_of(conn)
    if kind in ("display", "kiosk"):
        return device_system(conn, key)
    if kind == "ticket":
        return await ticket_system(conn, key, by_token=True)
    return page_system(conn)


async def appointment_system(conn: HTTPConnection, token: str) -> System:
    """The System of the office holding the booking with this token (as ticket_system)."""
    system = system_of(conn)
    if system.installation is None or len(system.installation.offices) == 1:
        return system
    office = await asyncio.to_thread(_office_of_booking, system, token)
    return (system.of_office(office) or system) if office else system


def _office_of_booking(system: System, token: str) -> str | None:
    with system.engines.reader.connect() as db:
        booking = appointments.by_token(db, token)
    return None if booking is None else booking.office


def _office_of_ticket(system: System, key: str, by_token: bool) -> str | None:
    with system.engines.reader.connect() as db:
        ticket = tickets.get_ticket_by_token(db, key) if by_token else tickets.get_ticket(db, key)
    return None if ticket is None else ticket.office


def find_ticket(db: Connection, system: System, key: str, *, by_token: bool) -> Ticket:
    """The ticket with this id (or, ``by_token``, this token) in the System's office, read
    on the caller's connection; 404 for none, or one of another office."""
    ticket = tickets.get_ticket_by_token(db, key) if by_token else tickets.get_ticket(db, key)
    if ticket is None or ticket.office != system.office.id:
        raise NotFound("受付票が見つかりません。", kind="ticket")
    return ticket


def read_ticket(system: System, key: str, *, by_token: bool) -> Ticket:
    """find_ticket on a connection of its own (blocking: call it in a thread)."""
    with system.engines.reader.connect() as db:
        return find_ticket(db, system, key, by_token=by_token)
