"""A service's bookable slots in the office file (`[services.appointments]`), read into
domain.office.Appointments, and which counters call its bookings."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING, Any

from server.domain.office import Appointments, Counter, Service

if TYPE_CHECKING:
    from collections.abc import Callable

# The keys of `[services.appointments]` (whole minutes and counts) and their least value.
_AT_LEAST = {"slot_min": 5, "capacity": 1, "days_ahead": 1, "grace_min": 0}


def read_appointments(
    item: dict[str, Any], here: str, problem: Callable[[str, str], Exception]
) -> Appointments | None:
    """`item`'s `appointments` table, or None when the service takes no bookings."""
    table = item.get("appointments")
    if table is None:
        return None
    where = f"{here}.appointments"
    if not isinstance(table, dict):
        raise problem(where, "must be a table")
    values: dict[str, Any] = {}
    for key, least in _AT_LEAST.items():
        if key in table:
            value = table[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < least:
                raise problem(f"{where}.{key}", f"must be a whole number of at least {least}")
            values[key] = value
    counters = table.get("counters", [])
    if not isinstance(counters, list) or not all(isinstance(c, str) for c in counters):
        raise problem(f"{where}.counters", "must be a list of counter ids")
    unknown = sorted(set(table) - {*_AT_LEAST, "counters"})
    if unknown:
        raise problem(f"{where}.{unknown[0]}", "is not a setting of appointments")
    return Appointments(**values, counters=tuple(counters))


def with_booked(
    counters: dict[str, Counter],
    services: dict[str, Service],
    problem: Callable[[str, str], Exception],
) -> dict[str, Counter]:
    """The counters, each with the services whose bookings it calls: those listed in the
    service's `appointments.counters`, else every counter of the service."""
    booked: dict[str, list[str]] = {c: [] for c in counters}
    for i, service in enumerate(services.values()):
        if service.appointments is None:
            continue
        callers = service.appointments.counters or tuple(
            c.id for c in counters.values() if service.id in c.services
        )
        for c in callers:
            if c not in counters:
                raise problem(f"services[{i}].appointments.counters", f"unknown counter {c!r}")
            booked[c].append(service.id)
    return {
        c: dataclasses.replace(counter, booked=tuple(booked[c])) for c, counter in counters.items()
    }
