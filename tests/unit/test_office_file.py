"""The office file: the demo loads, and a bad file fails naming the file, key and problem."""

from __future__ import annotations

from datetime import time
from pathlib import Path

import pytest

from server.domain.office import ReturnRule
from server.office_file import OfficeFileError, demo_office_path, load_office

# A small valid office; each bad case below changes one thing in it.
MINIMAL = """\
[office]
id = "test"
names = { ja = "テスト区役所", en = "Test City Hall" }
timezone = "Asia/Tokyo"
opens = "08:30"
closes = "17:00"
cutoff = "16:30"
weekdays = ["mon", "tue", "wed", "thu", "fri"]

[[areas]]
id = "residents"
names = { ja = "戸籍住民課" }

[[services]]
id = "moving"
prefix = "A"
area = "residents"
mean_service_min = 25
names = { ja = "転入・転出・転居の届出" }

[[services]]
id = "certificates"
prefix = "B"
area = "residents"
mean_service_min = 5
pickup_counter = "11"
names = { ja = "証明書の発行" }

[[counters]]
id = "1"
area = "residents"
services = ["moving", "certificates"]

[[counters]]
id = "11"
area = "residents"
services = []
"""


def write_office(tmp_path: Path, *replacements: tuple[str, str]) -> Path:
    """MINIMAL with each `old` replaced (once) by `new`, written to a file."""
    text = MINIMAL
    for old, new in replacements:
        assert old in text, f"the template no longer contains {old!r}"
        text = text.replace(old, new, 1)
    path = tmp_path / "office.toml"
    path.write_text(text, encoding="utf-8")
    return path


def load_error(path: Path) -> str:
    with pytest.raises(OfficeFileError) as caught:
        load_office(path)
    return str(caught.value)


# --- the demo office --------------------------------------------------------------------


@pytest.fixture(scope="module")
def demo():
    return load_office()


def test_demo_office_loads_by_default_and_by_path(demo):
    assert demo == load_office(demo_office_path())
    assert demo.id == "nakano"
    assert demo.names["ja"] == "中野区役所"
    assert demo.timezone == "Asia/Tokyo"


def test_demo_office_has_seven_services_with_prefixes_a_b_c_d_e_k_h(demo):
    assert len(demo.services) == 7
    assert [s.prefix for s in demo.services.values()] == list("ABCDEKH")


def test_demo_counter_4_serves_certificates_then_moving(demo):
    assert demo.counters["4"].services == ("certificates", "moving")
    assert demo.counters["4"].area == "residents"


def test_demo_certificates_are_handed_over_at_counter_11(demo):
    certificates = demo.services["certificates"]

    assert certificates.pickup_counter == "11"
    assert certificates.has_pickup
    assert "11" in demo.counters
    assert not demo.services["moving"].has_pickup


def test_demo_office_has_two_kiosks_and_two_displays(demo):
    assert set(demo.kiosks) == {"kiosk-2f", "kiosk-3f"}
    assert set(demo.displays) == {"display-2f", "display-3f"}
    assert demo.displays["display-2f"].areas == ("residents", "insurance")


def test_demo_office_calendar_and_hours(demo):
    assert demo.weekdays == frozenset(range(5))
    assert demo.closed_dates == ("12-29", "12-30", "12-31", "01-01", "01-02", "01-03")
    assert demo.holidays == "jp"
    assert (demo.opens, demo.closes) == (time(8, 30), time(17, 0))
    assert demo.services["moving"].cutoff == time(16, 30)
    assert (demo.return_rule, demo.return_after) == (ReturnRule.AFTER, 3)


def test_minimal_office_loads_and_services_take_the_office_hours(tmp_path):
    office = load_office(write_office(tmp_path))

    assert list(office.services) == ["moving", "certificates"]
    assert office.services["moving"].opens == time(8, 30)
    assert office.services["moving"].cutoff == time(16, 30)
    assert office.services["moving"].daily_cap is None
    assert office.counters["1"].services == ("moving", "certificates")


# --- bad files --------------------------------------------------------------------------

BAD_FILES = {
    "missing office id": (
        [('id = "test"\n', "")],
        ["office.id", "is required"],
    ),
    "bad toml syntax": (
        [('prefix = "A"', 'prefix = "A')],
        ["not valid TOML"],
    ),
    "duplicate prefix": (
        [('prefix = "B"', 'prefix = "A"')],
        ["services[1].prefix", "'A'", "used by another service"],
    ),
    "unknown area in a service": (
        [('area = "residents"\nmean_service_min = 25', 'area = "nowhere"\nmean_service_min = 25')],
        ["services[0].area", "unknown area 'nowhere'"],
    ),
    "unknown service in a counter": (
        [('services = ["moving", "certificates"]', 'services = ["moving", "passport"]')],
        ["counters[0].services", "unknown service 'passport'"],
    ),
    "prefix is a digit": (
        [('prefix = "A"', 'prefix = "1"')],
        ["services[0].prefix", "capital letters", "'1'"],
    ),
    "service cutoff before opens": (
        [("mean_service_min = 25", 'mean_service_min = 25\nopens = "10:00"\ncutoff = "09:00"')],
        ["services[0].cutoff", "later than opens"],
    ),
    "bad time 8.30": (
        [('opens = "08:30"', 'opens = "8.30"')],
        ["office.opens", "'8.30'", "like"],
    ),
    "time out of range": (
        [('closes = "17:00"', 'closes = "25:00"')],
        ["office.closes", "not a time of day"],
    ),
    "unknown timezone": (
        [('timezone = "Asia/Tokyo"', 'timezone = "Asia/Nakano"')],
        ["office.timezone", "unknown timezone 'Asia/Nakano'"],
    ),
    "negative daily cap": (
        [("mean_service_min = 25", "mean_service_min = 25\ndaily_cap = -5")],
        ["services[0].daily_cap", "at least 1"],
    ),
    "unknown weekday": (
        [('"fri"]', '"fri", "funday"]')],
        ["office.weekdays", "unknown day 'funday'"],
    ),
    "mean service time not a number": (
        [("mean_service_min = 25", 'mean_service_min = "25"')],
        ["services[0].mean_service_min", "must be float"],
    ),
    "service without a japanese name": (
        [('names = { ja = "転入・転出・転居の届出" }', 'names = { en = "Moving" }')],
        ["services[0].names", "Japanese name"],
    ),
    "duplicate counter id": (
        [('id = "11"', 'id = "1"')],
        ["counters[1].id", "'1'", "used twice"],
    ),
}


@pytest.mark.parametrize(("replacements", "fragments"), BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_office_file_fails_naming_the_file_the_key_and_the_problem(
    tmp_path, replacements, fragments
):
    path = write_office(tmp_path, *replacements)

    message = load_error(path)

    assert message.startswith(f"office file {path}: ")
    for fragment in fragments:
        assert fragment in message


def test_pickup_counter_that_is_not_a_counter_is_refused(tmp_path):
    path = write_office(tmp_path, ('pickup_counter = "11"', 'pickup_counter = "99"'))

    message = load_error(path)

    assert str(path) in message
    assert "pickup_counter" in message
    assert "certificates" in message or "services[1]" in message
    assert "unknown counter '99'" in message


def test_missing_office_file_is_reported_as_not_found(tmp_path):
    path = tmp_path / "no-such-office.toml"

    message = load_error(path)

    assert message == f"office file {path}: not found"


def test_missing_office_table_names_the_key_office(tmp_path):
    path = write_office(tmp_path, ('[office]\nid = "test"\n', '[other]\nid = "test"\n'))

    message = load_error(path)

    assert message == f"office file {path}: office: is required"


def test_office_cutoff_before_opens_names_the_office_cutoff(tmp_path):
    path = write_office(tmp_path, ('cutoff = "16:30"', 'cutoff = "08:00"'))

    message = load_error(path)

    assert "office.cutoff" in message
    assert "later than opens" in message


def test_negative_return_after_is_refused(tmp_path):
    path = write_office(tmp_path, ('id = "test"\n', 'id = "test"\nreturn_after = -1\n'))

    message = load_error(path)

    assert "office.return_after" in message


def test_staffing_target_is_30_minutes_unless_the_office_says_otherwise(tmp_path):
    assert load_office(write_office(tmp_path)).staffing_target_min == 30
    path = write_office(tmp_path, ('id = "test"\n', 'id = "test"\nstaffing_target_min = 45\n'))

    assert load_office(path).staffing_target_min == 45


@pytest.mark.parametrize("value", ["0", '"30"', "601"])
def test_a_staffing_target_that_is_not_a_sane_number_of_minutes_is_refused(tmp_path, value):
    path = write_office(
        tmp_path, ('id = "test"\n', f'id = "test"\nstaffing_target_min = {value}\n')
    )

    assert "office.staffing_target_min" in load_error(path)


def test_the_phones_almost_count_is_3_unless_the_office_says_otherwise(tmp_path):
    assert load_office(write_office(tmp_path)).push_ahead == 3
    path = write_office(tmp_path, ('id = "test"\n', 'id = "test"\npush_ahead = 5\n'))

    assert load_office(path).push_ahead == 5


@pytest.mark.parametrize("value", ["-1", '"3"', "21"])
def test_a_push_ahead_that_is_not_a_sane_count_is_refused(tmp_path, value):
    path = write_office(tmp_path, ('id = "test"\n', f'id = "test"\npush_ahead = {value}\n'))

    assert "office.push_ahead" in load_error(path)


def test_a_service_cutoff_after_the_office_closes_is_refused(tmp_path):
    path = write_office(tmp_path, ('id = "moving"\n', 'id = "moving"\ncutoff = "17:30"\n'))

    message = load_error(path)

    assert "services[0].cutoff" in message and "17:00" in message
