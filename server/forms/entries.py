"""The stored entries (encrypted), the audit log of staff views, and the purge."""

from __future__ import annotations

import dataclasses
import json
import logging
from datetime import UTC, date, datetime, time, timedelta
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import delete, insert, select, update

from server.domain.office import Office
from server.store.engine import Engines
from server.store.tables import CounterRow, EventRow, FormAuditRow, FormEntryRow, SettingRow

from .crypto import Cipher, DataKeyError, new_key, parse_key

log = logging.getLogger(__name__)
ENTRY = FormEntryRow.__table__  # type: ignore[attr-defined]
AUDIT = FormAuditRow.__table__  # type: ignore[attr-defined]
COUNTER = CounterRow.__table__  # type: ignore[attr-defined]
SETTING = SettingRow.__table__  # type: ignore[attr-defined]
EVENT = EventRow.__table__  # type: ignore[attr-defined]
DEV_KEY_SETTING = "dev_data_key"
NOTE_RETENTION_H = 12  # a transfer note outlives its business day by a night at most


@dataclasses.dataclass(frozen=True)
class Entry:
    ticket: str
    form: str
    values: dict[str, Any]
    updated_at: datetime
    confirmed_at: datetime | None
    confirmed_by: str | None

    def as_json(self) -> dict[str, Any]:
        return {
            "values": self.values,
            "saved_at": self.updated_at.isoformat(),
            "confirmed_at": self.confirmed_at.isoformat() if self.confirmed_at else None,
            "confirmed_by": self.confirmed_by,
        }


def _utc(value: datetime | None) -> datetime | None:
    if value is None:
        return None
    return value if value.tzinfo else value.replace(tzinfo=UTC)


def data_key(engines: Engines, configured: str, production: bool) -> str:
    """The key that encrypts entries. Production: only from the settings. Development
    without one: made once and kept in the database, which protects nothing at rest, and
    says so."""
    if configured:
        parse_key(configured)
        return configured
    if production:
        raise DataKeyError(
            "MADOGUCHI_DATA_KEY is required when MADOGUCHI_ENV=production: "
            "visitors' form entries are encrypted with it"
        )
    with engines.writer.begin() as conn:
        row = conn.execute(select(SETTING.c.value).where(SETTING.c.key == DEV_KEY_SETTING)).first()
        key = str(row[0]) if row else new_key()
        if row is None:
            conn.execute(insert(SETTING).values(key=DEV_KEY_SETTING, value=key))
    log.warning(
        "no MADOGUCHI_DATA_KEY: form entries are encrypted with a development key kept in the "
        "database itself; set MADOGUCHI_DATA_KEY (and MADOGUCHI_ENV=production) for real use"
    )
    return key


def end_of_day(office: Office, day: date, now: datetime) -> datetime:
    """When a ticket's entry is erased: the office's closing time on the ticket's business
    day, or, for a ticket issued after closing (a demo open all hours), local midnight."""
    tz = ZoneInfo(office.timezone)
    closes = datetime.combine(day, office.closes, tz)
    if closes > now:
        return closes.astimezone(UTC)
    midnight = datetime.combine(now.astimezone(tz).date() + timedelta(days=1), time(0), tz)
    return midnight.astimezone(UTC)


class Entries:
    def __init__(self, engines: Engines, cipher: Cipher, office: str) -> None:
        self.engines, self.cipher, self.office = engines, cipher, office

    def _context(self, ticket: str) -> str:
        return f"{self.office}:{ticket}"

    def load(self, ticket: str) -> Entry | None:
        with self.engines.reader.connect() as conn:
            row = conn.execute(select(ENTRY).where(ENTRY.c.ticket == ticket)).mappings().first()
        if row is None or row["office"] != self.office:
            return None
        return Entry(
            ticket,
            row["form"],
            self.cipher.open(row["data"], self._context(ticket)),
            _utc(row["updated_at"]) or datetime.now(UTC),
            _utc(row["confirmed_at"]),
            row["confirmed_by"],
        )

    def save(
        self,
        ticket: str,
        form: str,
        values: dict[str, Any],
        now: datetime,
        purge_after: datetime,
        confirmed_by: str | None = None,
    ) -> Entry:
        sealed = self.cipher.seal(values, self._context(ticket))
        fields: dict[str, Any] = {"form": form, "data": sealed, "updated_at": now}
        if confirmed_by is not None:
            fields.update(confirmed_at=now, confirmed_by=confirmed_by)
        with self.engines.writer.begin() as conn:
            found = conn.execute(select(ENTRY.c.ticket).where(ENTRY.c.ticket == ticket)).first()
            if found:
                conn.execute(update(ENTRY).where(ENTRY.c.ticket == ticket).values(**fields))
            else:
                conn.execute(
                    insert(ENTRY).values(
                        ticket=ticket, office=self.office, purge_after=purge_after, **fields
                    )
                )
        return Entry(
            ticket,
            form,
            values,
            now,
            now if confirmed_by else None,
            confirmed_by,
        )

    def audit(
        self, ticket: str, actor: str, action: str, counter: str | None, now: datetime
    ) -> None:
        with self.engines.writer.begin() as conn:
            conn.execute(
                insert(AUDIT).values(
                    office=self.office,
                    ticket=ticket,
                    actor=actor,
                    action=action,
                    counter=counter,
                    at=now,
                )
            )

    def audit_log(self, ticket: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        query = select(AUDIT).where(AUDIT.c.office == self.office)
        if ticket is not None:
            query = query.where(AUDIT.c.ticket == ticket)
        with self.engines.reader.connect() as conn:
            rows = conn.execute(query.order_by(AUDIT.c.id.desc()).limit(limit)).mappings().all()
        return [
            {
                "ticket": r["ticket"],
                "actor": r["actor"],
                "action": r["action"],
                "counter": r["counter"],
                "at": (_utc(r["at"]) or datetime.now(UTC)).isoformat(),
            }
            for r in rows
        ]

    def purge(self, now: datetime, everything: bool = False) -> int:
        """Erase the entries whose retention has passed (or all of them). Tickets, events and
        the audit log stay: the day's statistics do not change."""
        query = delete(ENTRY).where(ENTRY.c.office == self.office)
        if not everything:
            query = query.where(ENTRY.c.purge_after <= now)
        with self.engines.writer.begin() as conn:
            count = conn.execute(query).rowcount or 0
            notes = self._purge_transfer_notes(conn, now, everything)
        if count or notes:
            log.info("purged %d form entries and %d transfer notes", count, notes)
        return count

    def _purge_transfer_notes(self, conn: Any, now: datetime, everything: bool) -> int:
        """A clerk's note on a transfer may name personal things: it is erased overnight
        (NOTE_RETENTION_H after it was written); the transfer itself stays in the log."""
        query = select(EVENT.c.office, EVENT.c.seq, EVENT.c.data).where(
            EVENT.c.office == self.office,
            EVENT.c.type == "ticket.transferred",
            EVENT.c.data.like('%"note"%'),
        )
        if not everything:
            query = query.where(EVENT.c.at <= now - timedelta(hours=NOTE_RETENTION_H))
        erased = 0
        for office, seq, data in conn.execute(query).all():
            kept = {k: v for k, v in json.loads(data).items() if k != "note"}
            conn.execute(
                update(EVENT)
                .where(EVENT.c.office == office, EVENT.c.seq == seq)
                .values(data=json.dumps(kept, ensure_ascii=False))
            )
            erased += 1
        return erased

    def counter_clerk(self, counter: str) -> str | None:
        with self.engines.reader.connect() as conn:
            row = conn.execute(
                select(COUNTER.c.clerk).where(
                    COUNTER.c.office == self.office, COUNTER.c.id == counter
                )
            ).first()
        return None if row is None else row[0]

    def transfers(self, ticket: str) -> list[dict[str, Any]]:
        """The services a ticket was sent through, oldest first (from the event log)."""
        with self.engines.reader.connect() as conn:
            rows = conn.execute(
                select(EVENT.c.at, EVENT.c.counter, EVENT.c.data)
                .where(
                    EVENT.c.office == self.office,
                    EVENT.c.ticket == ticket,
                    EVENT.c.type == "ticket.transferred",
                )
                .order_by(EVENT.c.seq)
            ).all()
        out = []
        for at, counter, data in rows:
            moved = json.loads(data or "{}")
            out.append(
                {
                    "from": moved.get("from"),
                    "to": moved.get("to"),
                    "note": moved.get("note"),
                    "counter": counter,
                    "at": (_utc(at) or datetime.now(UTC)).isoformat(),
                }
            )
        return out
