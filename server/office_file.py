"""Read an office TOML file into the domain's Office, or fail naming the key and the problem."""

from __future__ import annotations

import dataclasses
import ipaddress
import re
import tomllib
from datetime import datetime, time
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import tomli_w

from server.domain.office import (
    Area,
    Counter,
    Display,
    Kiosk,
    Office,
    ReturnRule,
    Service,
)
from server.office_appointments import read_appointments, with_booked

if TYPE_CHECKING:
    from server.forms.definitions import Form

MAX_NOTICE_CHARS = 500
WEEKDAYS = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
DEMO_OFFICE = "nakano.toml"


class OfficeFileError(ValueError):
    """A bad office file: the message names the file, the key and what is wrong."""


def demo_office_path() -> Path:
    return Path(str(resources.files("server.offices").joinpath(DEMO_OFFICE)))


def load_forms(path: str | Path | None = None) -> dict[str, Form]:
    """The office's pre-entry forms, service id -> form (``[[forms]]`` in the same file)."""
    from server.forms.definitions import FormDefinitionError, parse_forms

    path = Path(path) if path else demo_office_path()
    raw = tomllib.loads(path.read_text(encoding="utf-8"))
    services = {str(s["id"]) for s in raw.get("services", []) if isinstance(s, dict) and "id" in s}
    try:
        return parse_forms(raw.get("forms", []), services)
    except FormDefinitionError as e:
        raise OfficeFileError(f"office file {path}: {e.key}: {e.problem}") from None


def load_office(path: str | Path | None = None) -> Office:
    path = Path(path) if path else demo_office_path()
    raw = read_document(path)
    try:
        return _office(raw)
    except KeyProblem as e:
        raise OfficeFileError(f"office file {path}: {e.key}: {e.problem}") from None


def read_document(path: str | Path | None = None) -> dict[str, Any]:
    """The office file as data (the document the database keeps, revision by revision)."""
    path = Path(path) if path else demo_office_path()
    try:
        return tomllib.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise OfficeFileError(f"office file {path}: not found") from None
    except tomllib.TOMLDecodeError as e:
        raise OfficeFileError(f"office file {path}: not valid TOML: {e}") from None


def office_from_document(document: dict[str, Any], revision: int = 0) -> Office:
    """The office a document describes, or KeyProblem naming the key and what is wrong."""
    return dataclasses.replace(_office(document), revision=revision)


def forms_from_document(document: dict[str, Any]) -> dict[str, Form]:
    from server.forms.definitions import FormDefinitionError, parse_forms

    services = {
        str(s["id"]) for s in document.get("services", []) if isinstance(s, dict) and "id" in s
    }
    try:
        return parse_forms(document.get("forms", []), services)
    except FormDefinitionError as e:
        raise KeyProblem(e.key, e.problem) from None


def document_toml(document: dict[str, Any]) -> str:
    """The document as an office file (what `madoguchi office export` writes)."""
    header = (
        "# An office file written by `madoguchi office export` from the settings in force.\n"
        "# `madoguchi office import FILE` makes a file the office's settings again.\n\n"
    )
    return header + tomli_w.dumps(document)


class KeyProblem(Exception):
    """A setting that cannot be: `key` names it the way the file does (services[2].prefix)."""

    def __init__(self, key: str, problem: str) -> None:
        super().__init__(f"{key}: {problem}")
        self.key, self.problem = key, problem


def _get(table: dict[str, Any], key: str, where: str, kind: type, default: Any = ...) -> Any:
    name = f"{where}.{key}" if where else key
    if key not in table:
        if default is ...:
            raise KeyProblem(name, "is required")
        return default
    value = table[key]
    ok = isinstance(value, kind) and not (kind is int and isinstance(value, bool))
    if kind is float:
        ok = isinstance(value, int | float) and not isinstance(value, bool)
    if not ok:
        raise KeyProblem(name, f"must be {kind.__name__}, got {value!r}")
    return value


def _time(table: dict[str, Any], key: str, where: str, default: Any = ...) -> time:
    value = _get(table, key, where, str, default)
    if isinstance(value, time):
        return value
    if not re.fullmatch(r"\d{1,2}:\d{2}", value):
        raise KeyProblem(f"{where}.{key}", f'must be a time like "08:30", got {value!r}')
    hours, minutes = (int(x) for x in value.split(":"))
    if hours > 23 or minutes > 59:
        raise KeyProblem(f"{where}.{key}", f"is not a time of day: {value!r}")
    return time(hours, minutes)


def _names(table: dict[str, Any], where: str, key: str = "names") -> dict[str, str]:
    names = _get(table, key, where, dict)
    if "ja" not in names:
        raise KeyProblem(f"{where}.{key}", "needs a Japanese name (ja)")
    for lang, name in names.items():
        if not isinstance(name, str) or not name.strip():
            raise KeyProblem(f"{where}.{key}.{lang}", "must be a non-empty string")
    return dict(names)


def _ids(items: list[Any], where: str) -> list[tuple[str, dict[str, Any]]]:
    out, seen = [], set()
    for i, item in enumerate(items):
        here = f"{where}[{i}]"
        if not isinstance(item, dict):
            raise KeyProblem(here, "must be a table")
        ident = str(_get(item, "id", here, str))
        if not re.fullmatch(r"[A-Za-z0-9][A-Za-z0-9_-]{0,39}", ident):
            raise KeyProblem(f"{here}.id", f"must be letters, digits, - or _, got {ident!r}")
        if ident in seen:
            raise KeyProblem(f"{here}.id", f"{ident!r} is used twice")
        seen.add(ident)
        out.append((here, item))
    return out


def _issuing(item: dict[str, Any], where: str) -> bool:
    value = _get(item, "issuing", where, str, "open")
    if value not in ("open", "stopped"):
        raise KeyProblem(f"{where}.issuing", f'must be "open" or "stopped", got {value!r}')
    return bool(value == "stopped")


def _refs(values: list[Any], known: dict[str, Any], key: str, what: str) -> tuple[str, ...]:
    for value in values:
        if value not in known:
            raise KeyProblem(key, f"unknown {what} {value!r} (known: {', '.join(known)})")
    return tuple(values)


def _office(raw: dict[str, Any]) -> Office:
    head = _get(raw, "office", "", dict)
    where = "office"
    tz = _get(head, "timezone", where, str, "Asia/Tokyo")
    try:
        ZoneInfo(tz)
    except (ZoneInfoNotFoundError, ValueError):
        raise KeyProblem("office.timezone", f"unknown timezone {tz!r}") from None
    opens, closes = _time(head, "opens", where, "08:30"), _time(head, "closes", where, "17:00")
    cutoff = _time(head, "cutoff", where, f"{closes:%H:%M}")
    if not opens < closes:
        raise KeyProblem("office.closes", "must be later than opens")
    if not opens < cutoff <= closes:
        raise KeyProblem("office.cutoff", "must be later than opens and not after closes")
    return_after = _get(head, "return_after", where, int, 3)
    if return_after < 0:
        raise KeyProblem("office.return_after", "must be 0 or more")
    target = _get(head, "staffing_target_min", where, int, 30)
    if not 1 <= target <= 600:
        raise KeyProblem("office.staffing_target_min", "must be 1 to 600 minutes")
    days = _get(head, "weekdays", where, list, WEEKDAYS[:5])
    for day in days:
        if day not in WEEKDAYS:
            raise KeyProblem("office.weekdays", f"unknown day {day!r} (use {WEEKDAYS})")
    closed = _get(head, "closed_dates", where, list, [])
    for d in closed:
        if not isinstance(d, str) or not re.fullmatch(r"(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])", d):
            raise KeyProblem("office.closed_dates", f'must be "MM-DD" dates, got {d!r}')
    holidays = _get(head, "holidays", where, str, "jp")
    if holidays not in ("jp", "none"):
        raise KeyProblem("office.holidays", f'must be "jp" or "none", got {holidays!r}')
    rule = _get(head, "return_rule", where, str, "after")
    if rule not in {r.value for r in ReturnRule}:
        raise KeyProblem("office.return_rule", f"must be one of end, original, after; got {rule!r}")

    areas = {
        ident: Area(ident, _names(item, here), str(_get(item, "floor", here, str, "")))
        for here, item in _ids(_get(raw, "areas", "", list), "areas")
        for ident in [item["id"]]
    }
    services: dict[str, Service] = {}
    prefixes: set[str] = set()
    for here, item in _ids(_get(raw, "services", "", list), "services"):
        prefix = _get(item, "prefix", here, str)
        if not re.fullmatch(r"[A-Z]{1,2}", prefix):
            raise KeyProblem(
                f"{here}.prefix", f"must be one or two capital letters, got {prefix!r}"
            )
        if prefix in prefixes:
            raise KeyProblem(f"{here}.prefix", f"{prefix!r} is used by another service")
        prefixes.add(prefix)
        area = _get(item, "area", here, str)
        _refs([area], areas, f"{here}.area", "area")
        mean = float(_get(item, "mean_service_min", here, float))
        if mean <= 0:
            raise KeyProblem(f"{here}.mean_service_min", "must be more than 0 minutes")
        cap = _get(item, "daily_cap", here, int, None)
        if cap is not None and cap < 1:
            raise KeyProblem(f"{here}.daily_cap", "must be at least 1 (leave it out for no cap)")
        s_opens, s_cutoff = (
            _time(item, "opens", here, f"{opens:%H:%M}"),
            _time(item, "cutoff", here, f"{cutoff:%H:%M}"),
        )
        if s_cutoff <= s_opens:
            raise KeyProblem(f"{here}.cutoff", "must be later than opens")
        if s_cutoff > closes:
            raise KeyProblem(
                f"{here}.cutoff", f"must not be after the office closes ({closes:%H:%M})"
            )
        services[item["id"]] = Service(
            id=item["id"],
            names=_names(item, here),
            prefix=prefix,
            area=area,
            opens=s_opens,
            cutoff=s_cutoff,
            mean_service_min=mean,
            daily_cap=cap,
            pickup_counter=_get(item, "pickup_counter", here, str, None),
            descriptions=dict(_get(item, "descriptions", here, dict, {})),
            issuing_stopped=_issuing(item, here),
            **_remote(item, here),
            appointments=read_appointments(item, here, KeyProblem),
        )
    counters = {}
    for here, item in _ids(_get(raw, "counters", "", list), "counters"):
        area = _get(item, "area", here, str)
        _refs([area], areas, f"{here}.area", "area")
        served = _refs(_get(item, "services", here, list), services, f"{here}.services", "service")
        counters[item["id"]] = Counter(item["id"], area, served)
    counters = with_booked(counters, services, KeyProblem)
    for i, service in enumerate(services.values()):
        if service.pickup_counter is not None and service.pickup_counter not in counters:
            raise KeyProblem(
                f"services[{i}].pickup_counter",
                f"unknown counter {service.pickup_counter!r}",
            )
    kiosks = {}
    for here, item in _ids(_get(raw, "kiosks", "", list, []), "kiosks"):
        kiosks[item["id"]] = Kiosk(
            item["id"],
            _refs(_get(item, "areas", here, list, list(areas)), areas, f"{here}.areas", "area"),
            _get(item, "printer", here, str, None),
            _get(item, "profile", here, str, None),
        )
    displays = {}
    for here, item in _ids(_get(raw, "displays", "", list, []), "displays"):
        volume = float(_get(item, "volume", here, float, 1.0))
        if not 0 <= volume <= 1:
            raise KeyProblem(f"{here}.volume", "must be between 0 and 1")
        displays[item["id"]] = Display(
            item["id"],
            _refs(_get(item, "areas", here, list, list(areas)), areas, f"{here}.areas", "area"),
            tuple(_get(item, "languages", here, list, ["ja", "en"])),
            volume,
        )
    return Office(
        id=_get(head, "id", where, str),
        names=_names(head, where),
        timezone=tz,
        opens=opens,
        closes=closes,
        weekdays=frozenset(WEEKDAYS.index(d) for d in days),
        closed_dates=tuple(closed),
        holidays=holidays,
        areas=areas,
        services=services,
        counters=counters,
        kiosks=kiosks,
        displays=displays,
        open_issuing=_get(head, "open_issuing", where, bool, False),
        return_rule=ReturnRule(rule),
        return_after=return_after,
        notice=_notice(head),
        notice_until=_until(head),
        staffing_target_min=target,
        **_arrival(head),
    )


def _remote(item: dict[str, Any], here: str) -> dict[str, Any]:
    """A service's tickets from home: `remote`, its window and its share of the cap."""
    before = _get(item, "remote_closes_before_min", here, int, 60)
    if not 0 <= before <= 600:
        raise KeyProblem(f"{here}.remote_closes_before_min", "must be 0 to 600 minutes")
    share = _get(item, "remote_share_pct", here, int, 30)
    if not 0 <= share <= 100:
        raise KeyProblem(f"{here}.remote_share_pct", "must be 0 to 100 (percent of daily_cap)")
    return {
        "remote": _get(item, "remote", here, bool, False),
        "remote_closes_before_min": before,
        "remote_share_pct": share,
    }


def _arrival(head: dict[str, Any]) -> dict[str, Any]:
    """The office's rules for tickets from home, "少し遅れます" and the phone's notice."""
    networks = _get(head, "hall_networks", "office", list, [])
    for i, network in enumerate(networks):
        try:
            ipaddress.ip_network(network, strict=False)
        except (TypeError, ValueError):
            raise KeyProblem(
                f"office.hall_networks[{i}]",
                f'must be an address range like "10.0.0.0/8", got {network!r}',
            ) from None
    grace = _get(head, "arrival_grace_min", "office", int, 5)
    if not 0 <= grace <= 120:
        raise KeyProblem("office.arrival_grace_min", "must be 0 to 120 minutes")
    places = _get(head, "delay_places", "office", int, 3)
    if not 1 <= places <= 50:
        raise KeyProblem("office.delay_places", "must be 1 to 50")
    ahead = _get(head, "push_ahead", "office", int, 3)
    if not 0 <= ahead <= 20:
        raise KeyProblem("office.push_ahead", "must be 0 to 20 (people ahead)")
    return {
        "hall_networks": tuple(networks),
        "arrival_grace_min": grace,
        "delay_places": places,
        "push_ahead": ahead,
    }


def _notice(head: dict[str, Any]) -> dict[str, str]:
    notice = dict(_get(head, "notice", "office", dict, {}))
    for lang, text in notice.items():
        if not isinstance(text, str):
            raise KeyProblem(f"office.notice.{lang}", "must be text")
        if len(text) > MAX_NOTICE_CHARS:
            raise KeyProblem(
                f"office.notice.{lang}", f"must be at most {MAX_NOTICE_CHARS} characters"
            )
    return {lang: text for lang, text in notice.items() if text.strip()}


def _until(head: dict[str, Any]) -> datetime | None:
    value = _get(head, "notice_until", "office", str, None)
    if value is None:
        return None
    try:
        until = datetime.fromisoformat(value)
    except ValueError:
        raise KeyProblem("office.notice_until", f"must be an ISO time, got {value!r}") from None
    if until.tzinfo is None:
        raise KeyProblem("office.notice_until", "needs a time zone (e.g. +09:00)")
    return until
