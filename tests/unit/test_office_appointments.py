"""Appointments in the office file: none by default, the demo's for mynumber, which
counters call the bookings, and bad settings named by key."""

from __future__ import annotations

from pathlib import Path

import pytest

from server.domain.office import Appointments
from server.office_file import load_office
from tests.unit.test_office_file import load_error, write_office

MOVING = 'names = { ja = "転入・転出・転居の届出" }'


def test_no_service_takes_bookings_unless_the_file_says_so(tmp_path: Path) -> None:
    office = load_office(write_office(tmp_path))
    assert all(s.appointments is None for s in office.services.values())
    assert all(c.booked == () for c in office.counters.values())


def test_the_demo_books_my_number_cards_at_counter_7() -> None:
    office = load_office()
    assert office.services["mynumber"].appointments == Appointments(30, 2, 14, 10, ("7",))
    assert [c.id for c in office.counters.values() if c.booked] == ["7"]


def test_without_counters_every_counter_of_the_service_calls_its_bookings(tmp_path: Path) -> None:
    office = load_office(write_office(tmp_path, (MOVING, MOVING + "\nappointments = {}")))
    assert office.services["moving"].appointments == Appointments()
    assert office.counters["1"].booked == ("moving",)
    assert office.counters["11"].booked == ()


def test_a_counter_listed_for_bookings_only_calls_no_walk_ins(tmp_path: Path) -> None:
    path = write_office(tmp_path, (MOVING, MOVING + '\nappointments = { counters = ["11"] }'))
    counter = load_office(path).counters["11"]
    assert (counter.services, counter.booked) == ((), ("moving",))


@pytest.mark.parametrize(
    ("setting", "key"),
    [
        ("{ slot_min = 0 }", "services[0].appointments.slot_min"),
        ("{ capacity = true }", "services[0].appointments.capacity"),
        ('{ counters = ["99"] }', "services[0].appointments.counters"),
        ("{ colour = 1 }", "services[0].appointments.colour"),
        ("3", "services[0].appointments"),
    ],
)
def test_bad_appointment_settings_are_named_by_key(tmp_path: Path, setting: str, key: str) -> None:
    path = write_office(tmp_path, (MOVING, f"{MOVING}\nappointments = {setting}"))
    assert key in load_error(path)
