"""What every route reads of the app: the System and the token signer, and the office
named in its path. The one place route modules take them from."""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import HTTPConnection

from server.domain.errors import NotFound

if TYPE_CHECKING:  # the root imports the routes' modules, not the other way round
    from server.bootstrap import System

    from .auth import Tokens


def system_of(conn: HTTPConnection) -> System:
    system: System = conn.app.state.system
    return system


def tokens_of(conn: HTTPConnection) -> Tokens:
    tokens: Tokens = conn.app.state.tokens
    return tokens


def office_system(conn: HTTPConnection) -> System:
    """The System, once the path's `{office}` is known to be its office (else 404)."""
    system = system_of(conn)
    office = conn.path_params["office"]
    if office != system.office.id:
        raise NotFound(f"庁舎 {office!r} はありません。", kind="office", id=office)
    return system
