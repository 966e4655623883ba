"""The live envelope and close codes (see ARCHITECTURE.md, "The live protocol")."""

from __future__ import annotations

import enum
from typing import Any

import orjson

from .direct import wire


class Close(enum.IntEnum):
    """Websocket close codes, for every endpoint (live channels and the kiosk agent's link)."""

    POLICY = 1008  # a device without its token: the page shows how to pair it
    TRY_AGAIN = 1013  # slow client dropped, or the server still starting: reconnect
    UNAUTHORIZED = 4401  # staff sign-in required: the counter app goes to sign-in
    FORBIDDEN = 4403  # signed in, but the role may not watch this channel (a clerk, admin:…)
    NOT_FOUND = 4404  # unknown channel or ticket
    REPLACED = 4409  # another agent connected for the same kiosk


MAX_CLOSE_REASON_BYTES = 123  # RFC 6455: a close frame's payload is at most 125 bytes


def close_reason(text: str) -> str:
    """`text` cut to what a close frame can carry, at a character boundary (a reason in
    Japanese is three bytes a character)."""
    return text.encode()[:MAX_CLOSE_REASON_BYTES].decode(errors="ignore")


def dumps(value: Any) -> str:
    """Compact UTF-8 JSON, as json.dumps(ensure_ascii=False) would write it, ten times
    faster: a view is serialised on the core that also answers the kiosks."""
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def frame(
    channel: str, version: int, view_json: str, events: list[dict[str, Any]], resync: bool = False
) -> str:
    """One message. The view is already serialised (once per channel and version); only
    the events differ between subscribers who skipped versions."""
    head = f'{{"type":"view","channel":{dumps(channel)},"version":{version},'
    tail = ',"resync":true}' if resync else "}"
    return f'{head}"view":{view_json},"events":{dumps(events)}{tail}'


def delta_frame(
    channel: str, version: int, base: int, patch_json: str, events: list[dict[str, Any]]
) -> str:
    """What changed since the view at `base`, for a client that asked for deltas
    (`?delta=1`): `patch` is an RFC 6902 JSON Patch (patch.py) that turns the view the
    client holds at `base` into the view at `version`. The events travel as in a view
    frame, last. A client whose version is not `base` asks for the full view."""
    return (
        f'{{"type":"delta","channel":{dumps(channel)},"version":{version},"base":{base},'
        f'"patch":{patch_json},"events":{dumps(events)}}}'
    )


class Outgoing:
    """One frame for one or many subscribers: its text, and its bytes on the wire, framed
    on first use and then shared by every connection it is written to (direct.py)."""

    __slots__ = ("text", "_wire")

    def __init__(self, text: str) -> None:
        self.text = text
        self._wire: bytes | None = None

    @property
    def wire(self) -> bytes:
        if self._wire is None:
            self._wire = wire(self.text)
        return self._wire
