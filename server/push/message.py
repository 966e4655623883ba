"""What a notice says, in the ticket's language (the visitor catalog's push_* words)."""

from __future__ import annotations

import json

from printer.catalog import load
from server.domain.office import Office
from server.domain.ticket import Ticket


def _names(office: Office, lang: str) -> str:
    return office.names.get(lang) or office.names.get("ja") or office.id


def _payload(office: Office, ticket: Ticket, body: str) -> str:
    return json.dumps(
        {
            "title": _names(office, ticket.lang),
            "body": body,
            "url": f"/t/{ticket.token}",
            "tag": f"madoguchi-{ticket.id}",
        },
        ensure_ascii=False,
    )


def called(office: Office, ticket: Ticket, counter: str, ready: bool) -> str:
    """Called (or, at a pickup, its certificate ready) at `counter`: number, counter, floor."""
    counters = office.counters.get(counter)
    area = office.areas.get(counters.area) if counters is not None else None
    floor = area.floor if area is not None else ""
    key = "push_ready" if ready else "push_called"
    text = load("server.web", "visitor").text(
        ticket.lang, key, number=ticket.number, counter=counter, floor=floor
    )
    return _payload(office, ticket, text)


def soon(office: Office, ticket: Ticket, ahead: int) -> str:
    text = load("server.web", "visitor").text(
        ticket.lang, "push_soon", number=ticket.number, n=ahead
    )
    return _payload(office, ticket, text)
