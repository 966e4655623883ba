"""The seam every notice channel plugs into: Web Push today; SMS, LINE or e-mail would be
another adapter with the same `send`."""

from __future__ import annotations

import enum
from typing import Protocol

from server.store.push import Subscription


class Outcome(enum.StrEnum):
    SENT = "sent"
    RETRY = "retry"  # the service is down or busy (5xx, 429, no answer): later
    GONE = "gone"  # the subscription is no more (404, 410): forget it
    FAILED = "failed"  # refused for good (another 4xx, a redirect): drop this notice


class Notifier(Protocol):
    def send(self, target: Subscription, payload: str) -> Outcome:
        """Deliver `payload` (JSON) to the target, bounded in time; never raises."""
        ...
