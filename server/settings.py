"""Settings from the command line and the MADOGUCHI_* environment."""

from __future__ import annotations

import dataclasses
import os
from pathlib import Path

from server.push.hosts import DEFAULT_PUSH_HOSTS, parse_hosts

DEFAULT_DATABASE_URL = "sqlite:///var/madoguchi.sqlite3"


@dataclasses.dataclass(frozen=True)
class Settings:
    database_url: str = DEFAULT_DATABASE_URL
    office_file: str | None = None  # None: the demo office
    # The installation's other offices (serve --office repeated, or a folder of office
    # files): each with its own numbering, hours, devices, staff roles and views.
    other_offices: tuple[str, ...] = ()
    always_open: bool = False
    public_url: str = ""  # the address visitors reach, for QR codes; "" = this server
    printers: dict[str, str] = dataclasses.field(default_factory=dict)  # kiosk -> URI
    preview_dir: str = "var/tickets"
    # How often a kiosk's printer is asked for its status between tickets (0: only around
    # each ticket), so that a kiosk announces "no paper" before a visitor taps.
    printer_probe_s: float = 0.0
    # "production" refuses to start without a data key; anything else is development.
    env: str = "development"
    # The key that encrypts visitors' form entries at rest (32 bytes, urlsafe base64).
    # Development without one: a key is made and kept in the database, with a warning.
    data_key: str = ""
    purge_interval_s: float = 300.0  # how often expired form entries are looked for
    notice_check_s: float = 10.0  # how often a notice's end time is looked at
    # The largest request body taken (413 above it, before it is read or parsed).
    max_body_bytes: int = 1024 * 1024
    # Proxies whose X-Forwarded-For / X-Forwarded-Proto are believed (addresses or networks,
    # comma-separated, as uvicorn's forwarded_allow_ips). "": none, the peer is the client.
    trusted_proxies: str = ""
    # Tickets one address may take without a kiosk's or staff token (offices with open
    # issuing): per minute and per business day; 0 = no limit.
    issue_per_minute: int = 3
    issue_per_day: int = 10
    # Bookings (予約) one address may make without staff: per hour and per business day
    # (0 = no limit), and how many of one service it may hold at once (booked, not yet
    # checked in, today or later; 0 = no cap). A resident books for herself and perhaps a
    # family member, and may cancel and book again when a plan changes: 5 an hour and 10
    # a day leave room for that, while a script that would fill a day's slots (the demo's
    # 18 a day per service, 2 places each) is stopped at 10 a day and 2 held per service.
    # A home or a mobile carrier's NAT shares one address: the limits stay generous.
    book_per_hour: int = 5
    book_per_day: int = 10
    book_held_per_service: int = 2
    # Web Push (server/push/): the only hosts a subscription may name (MADOGUCHI_PUSH_HOSTS,
    # comma-separated, "*.example.com" for subdomains); the VAPID contact ("mailto:…" or
    # "https://…"; "": MADOGUCHI_PUBLIC_URL). How few ahead is "almost": office.push_ahead.
    push_hosts: tuple[str, ...] = DEFAULT_PUSH_HOSTS
    push_contact: str = ""
    # Benchmarks: count the database's statements and connections (store/query_count.py)
    # and answer them at GET /debug/queries. Never in production (the app refuses).
    count_queries: bool = False
    push_backoff_s: float = 1.0  # the first retry's wait; doubled each time
    # How other processes hear of this one's commits (docs/scale.md): "" = PostgreSQL's
    # LISTEN/NOTIFY alone; "nats://HOST:PORT" = NATS carries the notices, and
    # LISTEN/NOTIFY stays as the net that catches what NATS lost, `relay_grace_s` later
    # while this process's NATS connection is up, at once while it is down.
    relay: str = ""
    relay_grace_s: float = 1.0

    @property
    def vapid_contact(self) -> str:
        if self.push_contact:
            return self.push_contact
        if self.public_url.startswith("https://"):
            return self.public_url
        return "mailto:madoguchi@example.org"

    @property
    def is_production(self) -> bool:
        return self.env == "production"

    @classmethod
    def from_env(cls, **overrides: object) -> Settings:
        env = os.environ
        values: dict[str, object] = {
            "database_url": env.get("MADOGUCHI_DATABASE_URL", DEFAULT_DATABASE_URL),
            **office_files(env.get("MADOGUCHI_OFFICE", "")),
            "always_open": env.get("MADOGUCHI_ALWAYS_OPEN", "") in ("1", "true", "yes"),
            "public_url": env.get("MADOGUCHI_PUBLIC_URL", ""),
            "printer_probe_s": float(env.get("MADOGUCHI_PRINTER_PROBE_S", "5")),
            "env": env.get("MADOGUCHI_ENV", "development"),
            "data_key": env.get("MADOGUCHI_DATA_KEY", ""),
            "trusted_proxies": env.get("MADOGUCHI_TRUSTED_PROXIES", ""),
            "issue_per_minute": int(env.get("MADOGUCHI_ISSUE_PER_MINUTE", "3")),
            "issue_per_day": int(env.get("MADOGUCHI_ISSUE_PER_DAY", "10")),
            "book_per_hour": int(env.get("MADOGUCHI_BOOK_PER_HOUR", "5")),
            "book_per_day": int(env.get("MADOGUCHI_BOOK_PER_DAY", "10")),
            "book_held_per_service": int(env.get("MADOGUCHI_BOOK_HELD_PER_SERVICE", "2")),
            "max_body_bytes": int(env.get("MADOGUCHI_MAX_BODY_BYTES", str(1024 * 1024))),
            "push_contact": env.get("MADOGUCHI_PUSH_CONTACT", ""),
            "count_queries": env.get("MADOGUCHI_COUNT_QUERIES", "") in ("1", "true", "yes"),
            "relay": env.get("MADOGUCHI_RELAY", ""),
            "relay_grace_s": float(env.get("MADOGUCHI_RELAY_GRACE_S", "1.0")),
        }
        if env.get("MADOGUCHI_PUSH_HOSTS"):
            values["push_hosts"] = parse_hosts(env["MADOGUCHI_PUSH_HOSTS"])
        named = overrides.pop("office_files", None)
        if named:
            values.update(office_files(named))  # type: ignore[arg-type]
        values.update({k: v for k, v in overrides.items() if v is not None})
        return cls(**values)  # type: ignore[arg-type]

    @property
    def office_files(self) -> tuple[str | None, ...]:
        """Every office's file, the first office's first (None: the demo office)."""
        return (self.office_file, *self.other_offices)


def office_files(named: str | list[str] | tuple[str, ...]) -> dict[str, object]:
    """`office_file` and `other_offices` from what an operator names: files, or folders of
    office files (*.toml, in name order), or one comma-separated string of them
    (MADOGUCHI_OFFICE). Nothing named: the demo office."""
    items = named.split(",") if isinstance(named, str) else list(named)
    files: list[str] = []
    for item in (i.strip() for i in items):
        if not item:
            continue
        path = Path(item)
        if path.is_dir():
            found = sorted(str(p) for p in path.glob("*.toml"))
            if not found:
                raise ValueError(f"{item}: no office files (*.toml) in this folder")
            files.extend(found)
        else:
            files.append(item)
    if not files:
        return {}
    return {"office_file": files[0], "other_offices": tuple(files[1:])}
