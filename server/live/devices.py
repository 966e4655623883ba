"""What the hub knows of the office's devices beyond the store: each device page's
connections and when it was last seen (the admin console's device list), and the floor's
alerts acknowledged. In memory, per process, like the printers' states (server/printing.py)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any, Literal, TypedDict

MAX_ACKED = 500  # acknowledged alerts kept: a day's faults, many times over
DEVICE_CHANNELS = ("display:", "kiosk:")


class Screen(TypedDict):
    """A device's page as the hub sees it (the admin console's device list)."""

    state: Literal["online", "offline", "never_seen"]
    connections: int
    last_seen: str | None  # ISO time


class Devices:
    def __init__(self, clock: Callable[[], datetime]) -> None:
        self.clock = clock
        self._seen: dict[str, tuple[int, datetime]] = {}  # channel -> connections, last seen
        self.acked: dict[str, dict[str, str]] = {}  # alert -> who and when, newest last

    def saw(self, channel: str, change: int) -> bool:
        """A page connected (+1) or left (-1); whether the channel is a device's."""
        if not channel.startswith(DEVICE_CHANNELS):
            return False
        count = self._seen.get(channel, (0, self.clock()))[0]
        self._seen[channel] = (max(count + change, 0), self.clock())
        return True

    def screen(self, channel: str) -> Screen:
        """A device's screen: online while its page is connected, and when it was last seen
        (now, for one that is connected)."""
        count, seen = self._seen.get(channel, (0, None))
        return Screen(
            state="online" if count else ("offline" if seen else "never_seen"),
            connections=count,
            last_seen=(self.clock() if count else seen).isoformat() if seen else None,
        )

    def screen_of(self, channel: str) -> dict[str, Any]:
        return dict(self.screen(channel))

    def acknowledge(self, alert: str, who: str) -> dict[str, str]:
        self.acked.pop(alert, None)
        self.acked[alert] = {"by": who, "at": self.clock().isoformat()}
        while len(self.acked) > MAX_ACKED:
            del self.acked[next(iter(self.acked))]
        return {"alert": alert, **self.acked[alert]}
