"""Channel names, and who may see which events on them (pure)."""

from __future__ import annotations

import dataclasses
import enum
from collections.abc import Mapping
from typing import Any

from display import announce
from server.domain.errors import NotFound
from server.domain.events import CALL_EVENTS
from server.domain.office import Office
from server.voice import clip_path


class Kind(enum.StrEnum):
    """A channel's kind, the part of its name before the colon."""

    PUBLIC = "public"
    DISPLAY = "display"
    COUNTER = "counter"
    TICKET = "ticket"
    ADMIN = "admin"
    KIOSK = "kiosk"


STAFF_KINDS = frozenset({Kind.COUNTER, Kind.ADMIN})
# Fields never sent to screens anyone can see: ticket ids are staff handles, clerks
# are people, and who needs care (priority: pregnant, disabled, elderly) is nobody's
# business.
_PRIVATE_FIELDS = ("ticket", "clerk", "lang", "note", "priority")
# A transfer's note is for the receiving counter only, read (and audited) through its
# form route (server/api/form_routes.py), never on a channel, staff's included.
_STAFF_HIDDEN = ("note",)


@dataclasses.dataclass(frozen=True)
class Channel:
    kind: Kind
    key: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "kind", Kind(self.kind))  # "public" -> Kind.PUBLIC

    @property
    def name(self) -> str:
        return f"{self.kind}:{self.key}"


def parse_channel(name: str, office: Office) -> Channel:
    prefix, _, key = name.partition(":")
    if prefix not in Kind.__members__.values() or not key:
        raise NotFound(
            f"チャンネル {name!r} はありません（{', '.join(k + ':…' for k in Kind)}）。",
            kind="channel",
        )
    kind = Kind(prefix)
    known = {
        Kind.PUBLIC: office.id == key,
        Kind.ADMIN: office.id == key,
        Kind.DISPLAY: key in office.displays,
        Kind.COUNTER: key in office.counters,
        Kind.TICKET: True,  # resolved against the store when the view is built
        Kind.KIOSK: key in office.kiosks,
    }[kind]
    if not known:
        raise NotFound(f"チャンネル {name!r} はありません。", kind="channel")
    return Channel(kind, key)


def _public(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in _PRIVATE_FIELDS}


def _staff(event: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in event.items() if k not in _STAFF_HIDDEN}


def events_for(
    channel: Channel,
    office: Office,
    events: list[dict[str, Any]],
    ticket_id: str | None = None,
    langs: Mapping[str, str] | None = None,
    voiced: frozenset[str] = frozenset(),
) -> list[dict[str, Any]]:
    """The events a channel carries, stripped of what its audience may not see. On a
    display, each call event also carries what to say (`langs`: ticket id -> language;
    `voiced`: the languages the server has a voice for)."""
    if channel.kind in STAFF_KINDS:
        if channel.kind is Kind.COUNTER:
            counter = office.counters[channel.key]
            # A pickup counter (交付窓口) follows the services it hands documents over for.
            services = set(counter.services) | {
                s.id for s in office.services.values() if s.pickup_counter == counter.id
            }
            return [
                _staff(e)
                for e in events
                if e.get("counter") == counter.id or e.get("service") in services
            ]
        return [_staff(e) for e in events]
    if channel.kind is Kind.TICKET:
        return [
            _public(e) for e in events if ticket_id is not None and e.get("ticket") == ticket_id
        ]
    if channel.kind is Kind.DISPLAY:
        display = office.displays[channel.key]
        areas = set(display.areas)
        return [
            _with_announce(
                _public(e),
                office,
                display.languages,
                (langs or {}).get(e.get("ticket") or ""),
                voiced,
            )
            for e in events
            if _area_of(office, e) in areas
        ]
    if channel.kind is Kind.KIOSK:
        return []  # a kiosk shows counts and estimates; it announces nothing
    return [_public(e) for e in events]


def _with_announce(
    event: dict[str, Any],
    office: Office,
    languages: tuple[str, ...],
    ticket_lang: str | None,
    voiced: frozenset[str],
) -> dict[str, Any]:
    """A call event with the sentences a display says for it, each with its clip's address
    (None where the server has no voice for that language)."""
    service = office.services.get(event.get("service") or "")
    counter, number = event.get("counter"), event.get("number")
    pickup = service.pickup_counter if service else None
    kind = announce.kind_of(event["type"], counter, pickup)
    if kind is None or not counter or not number:
        return event
    said = announce.announcement(kind, number, counter, languages, ticket_lang)
    event["announce"] = [
        {
            "lang": u.lang,
            "text": u.text,
            "audio": clip_path(kind, number, counter, u.lang) if u.lang in voiced else None,
        }
        for u in said
    ]
    return event


def _area_of(office: Office, event: dict[str, Any]) -> str | None:
    if event.get("type") in CALL_EVENTS and event.get("counter") in office.counters:
        return office.counters[event["counter"]].area
    service = office.services.get(event.get("service") or "")
    if service is not None:
        return service.area
    counter = office.counters.get(event.get("counter") or "")
    return counter.area if counter else None
