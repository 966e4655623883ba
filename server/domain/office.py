"""The office (庁舎) as the domain sees it: areas, services, counters and devices.

Built from the office TOML file by server/office_file.py; nothing here reads files.
"""

from __future__ import annotations

import dataclasses
import enum
from datetime import datetime, time


class CounterState(enum.StrEnum):
    OPEN = "open"
    PAUSED = "paused"
    CLOSED = "closed"


@dataclasses.dataclass(frozen=True, slots=True)
class Area:
    id: str
    names: dict[str, str]
    floor: str


@dataclasses.dataclass(frozen=True, slots=True)
class Appointments:
    """A service's bookable slots (予約枠): `slot_min` long from the service's opening to
    its cut-off, `capacity` bookings each, bookable `days_ahead` days ahead (today
    included). A booking checked in more than `grace_min` after its slot's start waits as
    a walk-in. `counters`: the counters that call its bookings (empty: every counter of
    the service)."""

    slot_min: int = 30
    capacity: int = 1
    days_ahead: int = 14
    grace_min: int = 10
    counters: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Service:
    id: str
    names: dict[str, str]
    prefix: str
    area: str
    opens: time  # first ticket of the day (受付開始)
    cutoff: time  # last ticket of the day (受付終了)
    mean_service_min: float  # prior mean service time, before history says otherwise
    daily_cap: int | None = None
    pickup_counter: str | None = None  # set when the service has a pickup stage (交付)
    descriptions: dict[str, str] = dataclasses.field(default_factory=dict)
    issuing_stopped: bool = False  # a supervisor stopped its issuing (発券停止) for now
    # Tickets from home (受付票を取る on the public page): offered only when `remote`,
    # from `opens` until `remote_closes_before_min` before the cut-off, and at most
    # `remote_share_pct` percent of the daily cap (the rest is the kiosk's).
    remote: bool = False
    remote_closes_before_min: int = 60
    remote_share_pct: int = 30
    appointments: Appointments | None = None  # None: no bookings (予約) for it

    @property
    def has_pickup(self) -> bool:
        return self.pickup_counter is not None


@dataclasses.dataclass(frozen=True, slots=True)
class Counter:
    id: str  # the number on the desk: "3"
    area: str
    services: tuple[str, ...]  # in order of preference
    # The services whose bookings (予約) it calls; a counter serving a service only here
    # calls its bookings and never its walk-ins.
    booked: tuple[str, ...] = ()


@dataclasses.dataclass(frozen=True, slots=True)
class Kiosk:
    id: str
    areas: tuple[str, ...] = ()
    printer: str | None = None  # connection URI; None prints previews
    profile: str | None = None


@dataclasses.dataclass(frozen=True, slots=True)
class Display:
    id: str
    areas: tuple[str, ...]
    languages: tuple[str, ...] = ("ja", "en")
    volume: float = 1.0


class ReturnRule(enum.StrEnum):
    """Where a returned no-show goes back in line."""

    END = "end"  # behind everyone waiting now
    ORIGINAL = "original"  # its first place in time
    AFTER = "after"  # behind the next `return_after` tickets


@dataclasses.dataclass(frozen=True, slots=True)
class Office:
    id: str
    names: dict[str, str]
    timezone: str
    opens: time
    closes: time
    weekdays: frozenset[int]  # Monday = 0
    closed_dates: tuple[str, ...]  # "MM-DD" every year, e.g. the year-end closure
    holidays: str  # "jp": national holidays are closed days; "none"
    areas: dict[str, Area]
    services: dict[str, Service]
    counters: dict[str, Counter]
    kiosks: dict[str, Kiosk]
    displays: dict[str, Display]
    open_issuing: bool = False  # tickets without a kiosk's device token
    return_rule: ReturnRule = ReturnRule.AFTER
    return_after: int = 3
    notice: dict[str, str] = dataclasses.field(default_factory=dict)
    notice_until: datetime | None = None  # the notice ends then (None: until cleared)
    # Which revision of the office's settings this is (the database's office_setting);
    # 0 for an office read from its file and not yet stored.
    revision: int = 0

    def notice_at(self, now: datetime) -> dict[str, str]:
        """The notice in force at `now`: empty once its end time has passed."""
        if self.notice_until is not None and now >= self.notice_until:
            return {}
        return self.notice

    # The console's staffing hint names the lines whose wait passes this (minutes).
    staffing_target_min: int = 30
    # Tickets from home: "到着しました" counts without the kiosk's code from these address
    # ranges (the hall's Wi-Fi, CIDR); a ticket called before its visitor arrived is kept
    # once for `arrival_grace_min`; "少し遅れます" steps a ticket back `delay_places`.
    hall_networks: tuple[str, ...] = ()
    arrival_grace_min: int = 5
    delay_places: int = 3
    # The phone's "almost your turn" (Web Push, and the open ticket page's own alert) goes
    # when this few are ahead.
    push_ahead: int = 3

    def counters_for(self, service: str) -> list[Counter]:
        return [c for c in self.counters.values() if service in c.services]
