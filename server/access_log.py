"""Secrets out of the server's log (issue 14, item 4). uvicorn writes each request's path
and query to its access log (and each websocket's to its error log) at level info: a
ticket's token there opens the visitor's form, a staff bearer or a device token signs in.
``RedactTokens``, a logging filter that ``madoguchi serve`` puts on uvicorn's handlers,
replaces each of them with ``[redacted]`` before the line is written."""

from __future__ import annotations

import copy
import logging
import re
from typing import Any

REDACTED = "[redacted]"  # ASCII: the log may be written in any locale
_PATTERNS = (
    # the ticket token in a path: /api/v1/visitor/<token>[/form|/qr.svg], /t/<token>[/form]
    re.compile(r"(/api/v\d+/visitor/|/t/)[^/?#\s\"]+"),
    # a ticket's channel, in a path or a query: ticket:<token> (also percent-encoded)
    re.compile(r"(ticket(?::|%3[aA]))[^/?&#\s\"]+"),
    # ?token=…, &access_token=…: staff bearers and device tokens on websockets and pages;
    # ?move=…: a booking's token (the booking page moving it)
    re.compile(r"([?&](?:access_)?token=|[?&]move=)[^&#\s\"]*"),
    # a booking's token in a path: /book/<token>, /api/v1/appointments/<token>
    re.compile(r"(/book/|/api/v\d+/appointments/)[^/?#\s\"]+"),
)


def redact(text: str) -> str:
    """A logged path or message with every token in it replaced."""
    for pattern in _PATTERNS:
        text = pattern.sub(rf"\g<1>{REDACTED}", text)
    return text


def _redacted(value: Any) -> Any:
    return redact(value) if isinstance(value, str) else value


class RedactTokens(logging.Filter):
    """For a handler (or a logger): the record's message and string arguments redacted in
    place, so that no handler after it writes the tokens either."""

    def filter(self, record: logging.LogRecord) -> bool:
        if isinstance(record.args, tuple):
            record.args = tuple(_redacted(a) for a in record.args)
        elif isinstance(record.args, dict):
            record.args = {k: _redacted(v) for k, v in record.args.items()}
        record.msg = _redacted(record.msg)
        return True


def uvicorn_log_config() -> dict[str, Any]:
    """uvicorn's own logging configuration with ``RedactTokens`` on both its handlers (the
    access log's and the one the websocket lines go to)."""
    from uvicorn.config import LOGGING_CONFIG

    config = copy.deepcopy(LOGGING_CONFIG)
    config.setdefault("filters", {})["redact_tokens"] = {"()": RedactTokens}
    for handler in config["handlers"].values():
        handler.setdefault("filters", []).append("redact_tokens")
    return config
