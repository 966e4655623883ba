"""The composition root: settings -> engines, writer, hub, office. Wiring only."""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import logging
import random
import secrets
import threading
import time
from collections.abc import Callable
from datetime import UTC, date, datetime
from typing import Any, TypeVar

import jpholiday

from server import accounts, estimates, office_settings
from server.commands import PrintOutcome, RecordPrint
from server.context import Context
from server.domain.office import Office
from server.forms.crypto import Cipher
from server.forms.desk import FormDesk
from server.forms.entries import Entries, data_key
from server.installation import Installation
from server.live.hub import Hub
from server.office_file import load_forms, load_office, office_from_document, read_document
from server.printing import PrintService
from server.push.queue import PushQueue
from server.push.webpush import VapidKey, WebPush
from server.settings import Settings
from server.store import migrate, offices
from server.store import office_settings as settings_rows
from server.store.engine import Engines, make_engines
from server.store.unit_of_work import Committed, Tx, Writer
from server.voice import Voice

R = TypeVar("R")
log = logging.getLogger(__name__)


def utc_now() -> datetime:
    return datetime.now(UTC)


def holiday_predicate(office: Office) -> Callable[[date], bool]:
    if office.holidays == "jp":
        return lambda day: bool(jpholiday.is_holiday(day))
    return lambda day: False


class TicketIds:
    """Ticket ids (16 hex digits, staff's key to a ticket; the visitor's secret is the
    token) that grow with time: milliseconds, then 20 bits that start at random in each
    millisecond and count on within it, always above the last id this process made. New rows then go to the right-hand end of the ticket and
    event indexes instead of a random page each (a tenth of the writer's time on SQLite),
    and no system call is made for randomness. Unique within a process by construction,
    and between processes sharing a PostgreSQL database by their random starts (two bursts
    of a hundred ids in one millisecond overlap about once in 5,000)."""

    def __init__(self) -> None:
        self._last = 0
        self._lock = threading.Lock()
        self._random = random.Random()

    def __call__(self) -> str:
        with self._lock:
            millisecond = time.time_ns() // 1_000_000
            if millisecond > self._last >> 20:
                # A random start in each new millisecond; within it, counting on. (Drawing
                # anew each time and keeping the larger pushed every maker's ids to the top
                # of the millisecond, where two processes met: 21 of 200 ids repeated.)
                value = millisecond << 20 | self._random.getrandbits(19)
            else:
                value = self._last + 1
            self._last = value
        return f"{value:016x}"


def new_token() -> str:
    return secrets.token_urlsafe(18)  # 144 bits: unguessable, short enough for a QR code


@dataclasses.dataclass
class System:
    """One office as this process serves it (its settings in force, forms, printers, live
    hub), with what every office of the installation shares (settings, the database and
    its writer, push, voice, ticket ids): wired once (build_installation), started and
    stopped by the installation."""

    settings: Settings
    ctx: Context
    engines: Engines
    writer: Writer
    clock: Callable[[], datetime]
    forms: FormDesk
    vapid: VapidKey
    push: PushQueue
    hub: Hub | None = None
    printing: PrintService = dataclasses.field(init=False)
    voice: Voice = dataclasses.field(default_factory=Voice)
    new_ticket_id: TicketIds = dataclasses.field(default_factory=TicketIds)
    # Every office of the installation (this one too): set by the installation.
    installation: Installation | None = None
    _tasks: list[asyncio.Task[None]] = dataclasses.field(default_factory=list)

    def __post_init__(self) -> None:
        self.printing = PrintService(self.settings, self.office, self.record_print, self.clock)
        self.ctx.on_office.append(self.printing.use_office)

    @property
    def office(self) -> Office:
        """The office's settings in force in this process (they change live)."""
        return self.ctx.office

    def of_office(self, office_id: str) -> System | None:
        """The System of another office of the installation (None: not one of ours)."""
        if office_id == self.office.id:
            return self
        return None if self.installation is None else self.installation.offices.get(office_id)

    async def run(
        self, command: Callable[[Context, Tx], R], actor: str | None = None
    ) -> Committed[R]:
        return await self.writer.run(self.office.id, self._bound(command), self.clock(), actor)

    def _bound(self, command: Callable[[Context, Tx], R]) -> Callable[[Tx], R]:
        """The command, run with the settings in force in its transaction."""
        ctx = self.ctx

        def run(tx: Tx) -> R:
            return command(office_settings.in_force(ctx, tx), tx)

        return run

    def record_print(self, ticket_id: str, outcome: PrintOutcome) -> None:
        """A print job's outcome on its ticket, from a printer's worker thread."""
        command = self._bound(RecordPrint(ticket_id, outcome))
        self.writer.run_sync(self.office.id, command, self.clock())

    async def start(self) -> None:
        """The installation this office is part of (every office of it starts)."""
        if self.installation is None:
            Installation({self.office.id: self})
        assert self.installation is not None
        await self.installation.start()

    async def stop(self) -> None:
        assert self.installation is not None
        await self.installation.stop()

    async def start_office(self, loop: asyncio.AbstractEventLoop) -> Hub:
        """On the server's event loop: the office's hub, printers, purge and notice end."""
        hub = self.hub = Hub(self.engines, self.ctx, self.clock)
        hub.printers = self.printing.kiosk_printer

        def printer_changed(kiosk: str) -> None:  # from a printer's worker thread
            loop.call_soon_threadsafe(hub.printer_changed, kiosk)

        self.printing.on_change = printer_changed
        self.printing.start()
        self._tasks.append(asyncio.create_task(self._purge_loop(), name="form-purge"))
        self._tasks.append(asyncio.create_task(self._notice_loop(), name="notice-end"))
        return hub

    async def stop_office(self) -> None:
        for task in self._tasks:
            task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await task
        await self.printing.stop()
        if self.hub is not None:
            await self.hub.stop()

    async def _purge_loop(self) -> None:
        """Erase form entries past their retention (the end of the business day)."""
        while True:
            try:
                await asyncio.to_thread(self.forms.entries.purge, self.clock())
            except Exception as e:  # the next round tries again; the reason, never the data
                log.warning("form purge failed: %s", type(e).__name__)
            await asyncio.sleep(self.settings.purge_interval_s)

    async def _notice_loop(self) -> None:
        """Take the notice down at its end time: a new revision without it, so that every
        screen drops it at that version (views change only with a version)."""
        from server.admin_commands import set_notice
        from server.domain.errors import DomainError

        while True:
            await asyncio.sleep(self.settings.notice_check_s)
            office = self.office
            if office.notice_until is None or self.clock() < office.notice_until:
                continue
            command = set_notice({}, None, expected_revision=office.revision)
            try:
                await self.run(command.__call__, actor="madoguchi (お知らせの終了時刻)")
            except DomainError:
                pass  # someone changed the settings meanwhile: the next round looks again
            except Exception as e:  # the store is busy: the next round tries again
                log.warning("could not take the notice down: %s", type(e).__name__)


def prepare_database(
    writer: Writer, office: Office, document: dict[str, Any] | None = None, warn: bool = True
) -> Office:
    """Migrate to the newest schema and make sure the office and its counters exist. The
    office's settings are the database's: a new installation imports its office file
    (revision 1); after that the file is only read again by `madoguchi office import`.
    Answers the office in force. (Without a `document`, as some tests do, nothing is
    imported: the office given is in force, revision 0.)"""
    migrate.upgrade(writer.engines.writer)

    def ensure(tx: Tx) -> Office:
        offices.ensure_office(tx.conn, office.id, list(office.counters))
        revision = settings_rows.revision_in_force(tx.conn, office.id)
        if revision == 0:
            if document is None:
                return office
            revision = settings_rows.store(tx.conn, office.id, document, tx.now, "office-file")
            return dataclasses.replace(office, revision=revision)
        stored = settings_rows.document(tx.conn, office.id, revision)
        assert stored is not None
        if warn and document is not None and stored != document:
            log.warning(
                "office %s: the settings in the database (revision %d) are in force, not the"
                " office file's; `madoguchi office import FILE` makes the file's the settings",
                office.id,
                revision,
            )
        in_force = office_from_document(stored, revision)
        offices.ensure_office(tx.conn, office.id, list(in_force.counters))
        return in_force

    return writer.run_sync(None, ensure, utc_now()).result


def build_installation(settings: Settings, clock: Callable[[], datetime] = utc_now) -> Installation:
    """Every office named (settings.office_files), on one database and writer."""
    files = settings.office_files
    loaded = [(load_office(f), read_document(f), f) for f in files]
    _check_distinct(loaded)
    engines = make_engines(settings.database_url)
    writer = Writer(engines)  # runs on the caller's thread until Installation.start
    try:
        # Migrated, each office's settings in force (a new office imports its file).
        in_force = [prepare_database(writer, office, document) for office, document, _ in loaded]
        # The settings in force may have moved on from the files (the console, `office
        # import`): they must not clash either.
        _check_distinct([(o, {}, f) for o, (_, _, f) in zip(in_force, loaded, strict=True)])
        # Production refuses to start without MADOGUCHI_DATA_KEY (DataKeyError).
        key = data_key(writer, settings.data_key, settings.is_production)
        vapid = VapidKey.of_installation(writer)
        contexts: dict[str, Context] = {}
        push = PushQueue(
            engines,
            writer,
            contexts,
            WebPush(vapid, settings.vapid_contact),
            clock,
            settings.push_hosts,
            settings.push_backoff_s,
        )
        voice, ticket_ids = Voice(), TicketIds()
        offices: dict[str, System] = {}
        for office, (_, _, file) in zip(in_force, loaded, strict=True):
            ctx = contexts[office.id] = Context(
                office,
                holiday_predicate(office),
                settings.always_open,
                estimates.History(engines.reader),
            )
            forms = FormDesk(load_forms(file), Entries(writer, Cipher(key), office.id))
            offices[office.id] = System(
                settings,
                ctx,
                engines,
                writer,
                clock,
                forms,
                vapid,
                push,
                voice=voice,
                new_ticket_id=ticket_ids,
            )
    except Exception:
        writer.stop()
        engines.dispose()
        raise
    return Installation(offices)


def _check_distinct(loaded: list[tuple[Office, dict[str, Any], str | None]]) -> None:
    """Offices of one installation have their own ids, and each kiosk and display its own
    name: a device's token and screen name it alone."""
    seen: dict[str, str] = {}
    devices: dict[str, str] = {}
    for office, _, file in loaded:
        where = file or "the demo office"
        if office.id in seen:
            raise ValueError(f"{where}: office {office.id!r} is named twice ({seen[office.id]})")
        seen[office.id] = where
        for device in (*office.kiosks, *office.displays):
            if device in devices:
                raise ValueError(
                    f"{where}: device {device!r} is also in office {devices[device]!r}:"
                    " each kiosk and display needs a name of its own in the installation"
                )
            devices[device] = office.id


def build_system(settings: Settings, clock: Callable[[], datetime] = utc_now) -> System:
    """The first office's System (its installation at `.installation`)."""
    return build_installation(settings, clock).default


def signing_key(system: System | Installation) -> str:
    return accounts.signing_key(system.writer)
