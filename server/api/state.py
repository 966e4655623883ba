"""What every route reads of the app: the System, the token signer, the browser sessions and
the sign-in throttle; the office named in its path, and the ticket it names (by id or
token). The one place route modules take them from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from server.domain.errors import NotFound
from server.domain.ticket import Ticket
from server.store import tickets

if TYPE_CHECKING:  # the root imports the routes' modules, not the other way round
    from server.bootstrap import System
    from server.live.public import LatestPublic
    from server.store.engine import Connection

    from .auth import SignInThrottle, Tokens
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


def public_of(conn: HTTPConnection) -> LatestPublic:
    public: LatestPublic = conn.app.state.public
    return public


def office_system(conn: HTTPConnection) -> System:
    """The System, once the path's `{office}` is known to be its office (else 404)."""
    system = system_of(conn)
    office = conn.path_params["office"]
    if office != system.office.id:
        raise NotFound(f"庁舎 {office!r} はありません。", kind="office", id=office)
    return system


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
