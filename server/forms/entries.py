"""The stored entries (encrypted), the audit log of staff views, and the purge: the rules
here, the rows in server/store/form_entries.py, every write through the writer."""

from __future__ import annotations

import dataclasses
import logging
from collections.abc import Collection
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, TypedDict
from zoneinfo import ZoneInfo

from server.accounts import setting
from server.domain.office import Office
from server.store import event_log, offices
from server.store import form_entries as rows
from server.store.engine import checkpoint
from server.store.unit_of_work import Tx, Writer

from .crypto import PREFIX, Cipher, DataKeyError, new_key, parse_key

log = logging.getLogger(__name__)
DEV_KEY_SETTING = "dev_data_key"
NOTE_RETENTION_H = 12  # a transfer note outlives its business day by a night at most


# One service a ticket was sent through ("from" is a keyword, hence the call form).
Transfer = TypedDict(
    "Transfer",
    {"from": str | None, "to": str | None, "note": str | None, "counter": str | None, "at": str},
)


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


def data_key(writer: Writer, configured: str, production: bool) -> str:
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
    key = setting(writer, DEV_KEY_SETTING, new_key)
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
    def __init__(self, writer: Writer, cipher: Cipher, office: str) -> None:
        self.writer, self.cipher, self.office = writer, cipher, office
        self.engines = writer.engines  # reads

    def _context(self, ticket: str) -> str:
        return f"{self.office}:{ticket}"

    def load(self, ticket: str) -> Entry | None:
        with self.engines.reader.connect() as conn:
            row = rows.load(conn, ticket)
        if row is None or row.office != self.office:
            return None
        return Entry(
            ticket,
            row.form,
            self.cipher.open(row.data, self._context(ticket)),
            row.updated_at,
            row.confirmed_at,
            row.confirmed_by,
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

        def write(tx: Tx) -> None:
            rows.save(tx.conn, ticket, self.office, fields, purge_after)

        self.writer.run_sync(None, write, now)
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
        def write(tx: Tx) -> None:
            rows.add_audit(tx.conn, self.office, ticket, actor, action, counter, tx.now)

        self.writer.run_sync(None, write, now)

    def audit_log(self, ticket: str | None = None, limit: int = 500) -> list[dict[str, Any]]:
        with self.engines.reader.connect() as conn:
            found = rows.audit_log(conn, self.office, ticket, limit)
        return [{**r, "at": r["at"].isoformat()} for r in found]

    def purge(self, now: datetime, everything: bool = False) -> int:
        """Erase the entries whose retention has passed (or all of them), and the notes of
        transfers (NOTE_RETENTION_H after they were written: a clerk's note may name
        personal things). Tickets, events and the audit log stay: the day's statistics do
        not change."""

        def erase(tx: Tx) -> tuple[int, int]:
            count = rows.purge(tx.conn, self.office, None if everything else now)
            notes_before = None if everything else now - timedelta(hours=NOTE_RETENTION_H)
            return count, event_log.erase_transfer_notes(tx.conn, self.office, notes_before)

        count, notes = self.writer.run_sync(None, erase, now).result
        if count or notes:
            checkpoint(self.engines)  # SQLite: what was erased is not left in the WAL either
            log.info("purged %d form entries and %d transfer notes", count, notes)
        return count

    def counter_clerk(self, counter: str) -> str | None:
        with self.engines.reader.connect() as conn:
            return offices.counter_clerk(conn, self.office, counter)

    def _note_context(self, ticket: str) -> str:
        return f"{self.office}:{ticket}:note"

    def seal_note(self, ticket: str, note: str) -> str:
        """A transfer's note as the event log keeps it: sealed like the entries, bound to
        its office and ticket."""
        return self.cipher.seal({"note": note}, self._note_context(ticket))

    def _open_note(self, ticket: str, stored: str) -> str | None:
        if not stored.startswith(PREFIX):
            return stored  # written before notes were sealed (erased by the night's purge)
        try:
            return str(self.cipher.open(stored, self._note_context(ticket))["note"])
        except DataKeyError:
            log.warning("a transfer note of ticket %s does not decrypt with this key", ticket)
            return None

    def transfers(self, ticket: str, receiving: Collection[str] = ()) -> list[Transfer]:
        """The services a ticket was sent through, oldest first (from the event log). A
        note is opened only for a transfer to one of the `receiving` services (those of the
        counter that now holds the ticket); the caller audits that it was read."""
        with self.engines.reader.connect() as conn:
            moves = event_log.transfers(conn, self.office, ticket)
        return [
            Transfer(
                {
                    "from": m.get("from"),
                    "to": m.get("to"),
                    "note": (
                        self._open_note(ticket, m["note"])
                        if m.get("note") and m.get("to") in receiving
                        else None
                    ),
                    "counter": m.get("counter"),
                    "at": m["at"],
                }
            )
            for m in moves
        ]
