"""Printing tickets at the kiosks' printers, after the ticket has committed.

A ticket exists once its issuing command commits; printing comes after and never undoes it.
The job is laid out and rendered here and sent through ``printer.connections`` in a worker
thread with a short timeout. The outcome is written to the ticket row (``print_status``:
``queued`` -> ``printed`` or ``failed`` with the reason) in its own short transaction: it is
not an event. Nothing is ever printed twice by itself: a failed or uncertain job is reported,
and a reprint is an explicit staff action (``reprint=True``).

Each kiosk's printer state is kept in memory here (one process owns its kiosks' printers). A
printer that reported no paper gets no job until a status check says the paper is back.
Every change of a printer's state bumps its ``revision`` and calls ``on_change(kiosk)``, so
that the kiosk's screen hears of it at once; with ``probe_s`` set, printers that can report
are asked for their status that often, so a kiosk announces "no paper" before a visitor taps
and clears it once the roll is changed.

A kiosk whose printer URI is ``agent:`` has its printer on the kiosk PC, behind the kiosk
agent (``kiosk/agent.py``): its jobs go through ``server.agent_link``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import contextlib
import dataclasses
import enum
import logging
import threading
from collections.abc import Callable
from datetime import datetime
from typing import Any
from zoneinfo import ZoneInfo

from printer.address import parse_uri
from printer.connections import PRINT_TIMEOUT_S, PrinterUnavailable, open_connection, send_job
from printer.layout import TicketLayout, build_layout
from printer.profiles import PrinterProfile, get_profile
from printer.render import render
from printer.status import PrinterStatus, read_status
from server.agent_link import AGENT_URI, AgentLink
from server.commands import PrintOutcome, PrintStatus, TicketInfo
from server.domain.office import Office
from server.settings import Settings

log = logging.getLogger(__name__)


class DeviceState(enum.StrEnum):
    """A kiosk's printer as this process last saw it."""

    UNKNOWN = "unknown"  # not heard of since the start
    ONLINE = "online"
    PAPER_OUT = "paper_out"
    COVER_OPEN = "cover_open"
    OFFLINE = "offline"


# How long the issuing answer waits for the printer before saying "queued".
ANSWER_WAIT_S = PRINT_TIMEOUT_S + 0.5
# A printer fault reason -> the state the device is shown in.
_STATE_OF_REASON: dict[str, DeviceState] = {
    "paper_out": DeviceState.PAPER_OUT,
    "cover_open": DeviceState.COVER_OPEN,
}


@dataclasses.dataclass
class Device:
    """One kiosk's printer as this process last saw it."""

    kiosk: str
    uri: str
    profile: str
    state: DeviceState = DeviceState.UNKNOWN
    paper_near_end: bool = False
    last_error: str | None = None
    changed_at: datetime | None = None  # when ``state`` last changed
    last_seen: datetime | None = None  # last time the printer answered or took a job
    jobs: int = 0  # jobs handed to the printer since start
    held: list[str] = dataclasses.field(default_factory=list)  # ticket ids in its buffer
    revision: int = 0  # bumped on every change of state or paper_near_end

    @property
    def is_agent(self) -> bool:
        return self.uri.startswith(AGENT_URI)

    @property
    def can_report(self) -> bool:
        return self.is_agent or parse_uri(self.uri).can_read

    @property
    def can_print(self) -> bool:
        """False when the last word from the printer was a fault: the kiosk says so first."""
        return self.state in (DeviceState.UNKNOWN, DeviceState.ONLINE)

    def brief(self) -> dict[str, Any]:
        """What the kiosk's own screen needs to know about its printer."""
        return {
            "state": str(self.state),
            "can_print": self.can_print,
            "paper_near_end": self.paper_near_end,
            "reports_status": self.can_report,
            "revision": self.revision,
        }

    def as_dict(self) -> dict[str, Any]:
        return {
            "kiosk": self.kiosk,
            "printer": self.uri,
            "profile": self.profile,
            "state": str(self.state),
            "paper_near_end": self.paper_near_end,
            "last_error": self.last_error,
            "changed_at": self.changed_at.isoformat() if self.changed_at else None,
            "last_seen": self.last_seen.isoformat() if self.last_seen else None,
            "reports_status": self.can_report,
            "jobs": self.jobs,
            "held": len(self.held),
        }


class PrintService:
    def __init__(
        self,
        settings: Settings,
        office: Office,
        record: Callable[[str, PrintOutcome], None],
        clock: Callable[[], datetime],
        *,
        timeout: float = PRINT_TIMEOUT_S,
        answer_wait: float = ANSWER_WAIT_S,
        probe_s: float | None = None,
    ) -> None:
        self.settings, self.office, self.clock = settings, office, clock
        # Writes a job's outcome (ticket id, status, error) on its ticket, through the
        # writer like every other write (System.record_print).
        self.record = record
        self.timeout, self.answer_wait = timeout, answer_wait
        self.probe_s = settings.printer_probe_s if probe_s is None else probe_s
        # Called (from any thread) with a kiosk's id when its printer's state changed.
        self.on_change: Callable[[str], None] | None = None
        self._tz = ZoneInfo(office.timezone)
        self._lock = threading.Lock()  # guards the Device records
        self._kiosk_locks = {kiosk: threading.Lock() for kiosk in office.kiosks}
        self.devices: dict[str, Device] = {}
        for kiosk in office.kiosks:
            uri, profile = self.printer_for(kiosk)
            if not uri.startswith(AGENT_URI):
                parse_uri(uri)  # a bad URI is refused at start-up, not at the first ticket
            self.devices[kiosk] = Device(kiosk, uri, profile.name)
        self._executor: concurrent.futures.ThreadPoolExecutor | None = None
        self._pending: set[asyncio.Future[PrintOutcome]] = set()
        self._monitor: asyncio.Task[None] | None = None
        self._records: set[asyncio.Task[None]] = set()  # outcomes from agents being written
        self.agents = AgentLink(self._agent_outcome, self._agent_state)

    # -- configuration ------------------------------------------------------------------------

    def use_office(self, office: Office) -> None:
        """New settings in force: kiosks added get a printer, removed ones lose theirs, and
        one whose printer changed starts afresh with the new one (any thread)."""
        with self._lock:
            self.office = office
            for kiosk in office.kiosks:
                uri, profile = self.printer_for(kiosk)
                known = self.devices.get(kiosk)
                if known is None or (known.uri, known.profile) != (uri, profile.name):
                    self.devices[kiosk] = Device(kiosk, uri, profile.name)
                    self._kiosk_locks.setdefault(kiosk, threading.Lock())
            for kiosk in set(self.devices) - set(office.kiosks):
                del self.devices[kiosk]

    def printer_for(self, kiosk: str) -> tuple[str, PrinterProfile]:
        """The kiosk's printer URI and profile: the start-up override (default profile), else
        the office file, else a preview directory."""
        override = self.settings.printers.get(kiosk)
        if override:
            return override, get_profile(None)
        device = self.office.kiosks[kiosk]
        uri = device.printer or f"preview:{self.settings.preview_dir}/{kiosk}"
        return uri, get_profile(device.profile)

    # -- lifecycle ----------------------------------------------------------------------------

    def start(self) -> None:
        if self._executor is None:
            workers = max(2, min(8, len(self.office.kiosks) + 1))
            self._executor = concurrent.futures.ThreadPoolExecutor(
                workers, thread_name_prefix="madoguchi-print"
            )
        if self.probe_s > 0 and self._monitor is None:
            self._monitor = asyncio.get_running_loop().create_task(self._watch())

    async def _watch(self) -> None:
        """Ask each printer that can report for its status every ``probe_s`` seconds."""
        loop = asyncio.get_running_loop()
        while True:
            for kiosk, device in self.devices.items():
                if device.can_report and not device.is_agent:
                    with contextlib.suppress(Exception):
                        await loop.run_in_executor(self._executor, self._probe_idle, kiosk)
            await asyncio.sleep(self.probe_s)

    def _probe_idle(self, kiosk: str) -> None:
        """In a worker thread: a status check, unless a job is printing there right now."""
        lock = self._kiosk_locks[kiosk]
        if not lock.acquire(blocking=False):
            return
        try:
            status = self._probe(self.devices[kiosk].uri)
        except PrinterUnavailable as e:
            self._fault(kiosk, e, "")
        else:
            self._observe(kiosk, status)
        finally:
            lock.release()

    async def stop(self) -> None:
        if self._records:
            await asyncio.wait(self._records, timeout=self.timeout)
        if self._monitor is not None:
            self._monitor.cancel()
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await self._monitor
            self._monitor = None
        if self._pending:
            await asyncio.wait(self._pending, timeout=self.timeout * 2)
        if self._executor is not None:
            self._executor.shutdown(wait=False, cancel_futures=True)
            self._executor = None

    # -- printing -----------------------------------------------------------------------------

    async def print_ticket(
        self, info: TicketInfo, base_url: str, *, kiosk: str | None = None, reprint: bool = False
    ) -> PrintOutcome:
        """Print a committed ticket at ``kiosk`` (default: the kiosk that issued it).

        Waits for the printer at most ``answer_wait`` seconds; a job still going then is
        answered ``queued`` and its outcome is recorded on the ticket when it ends.
        """
        kiosk = kiosk or info.ticket.kiosk
        if kiosk is None or kiosk not in self.devices:
            return PrintOutcome(PrintStatus.NONE)
        url = f"{(self.settings.public_url or base_url).rstrip('/')}/t/{info.ticket.token}"
        try:
            layout = self.layout(info, url)
        except Exception as e:  # bad data for a ticket (e.g. public_url): fail the print only
            log.exception("could not lay out ticket %s", info.ticket.id)
            outcome = PrintOutcome(PrintStatus.FAILED, f"layout: {e}"[:200])
            await asyncio.to_thread(self._record, info.ticket.id, outcome)
            return outcome
        if reprint:
            await asyncio.to_thread(self._record, info.ticket.id, PrintOutcome(PrintStatus.QUEUED))
        if self.devices[kiosk].is_agent:
            return await self._print_by_agent(kiosk, info.ticket.id, layout)
        loop = asyncio.get_running_loop()
        task = loop.run_in_executor(self._executor, self._print_sync, kiosk, info.ticket.id, layout)
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)
        try:
            return await asyncio.wait_for(asyncio.shield(task), self.answer_wait)
        except TimeoutError:
            return PrintOutcome(PrintStatus.QUEUED)

    async def _print_by_agent(
        self, kiosk: str, ticket_id: str, layout: TicketLayout
    ) -> PrintOutcome:
        """Hand the job to the kiosk's agent; its acknowledgement is the outcome."""
        try:
            job = await asyncio.to_thread(render, layout, get_profile(self.devices[kiosk].profile))
        except Exception as e:
            log.exception("could not render ticket %s for %s", ticket_id, kiosk)
            outcome = PrintOutcome(PrintStatus.FAILED, f"render: {e}"[:200])
        else:
            future = self.agents.submit(kiosk, ticket_id, job)
            try:
                status, error = await asyncio.wait_for(asyncio.shield(future), self.answer_wait)
            except TimeoutError:
                return PrintOutcome(PrintStatus.QUEUED)
            return PrintOutcome(
                PrintStatus.PRINTED if status == "printed" else PrintStatus.FAILED, error
            )
        await asyncio.to_thread(self._record, ticket_id, outcome)
        return outcome

    def _agent_outcome(self, kiosk: str, ticket_id: str, result: tuple[str, str | None]) -> None:
        """On the event loop: the agent acknowledged a job (or it was given up)."""
        outcome = PrintOutcome(
            PrintStatus.PRINTED if result[0] == "printed" else PrintStatus.FAILED, result[1]
        )
        with self._lock:
            device = self.devices[kiosk]
            if outcome.status is PrintStatus.PRINTED:
                device.jobs += 1
                device.last_seen = self.clock()
        task = asyncio.get_running_loop().create_task(
            asyncio.to_thread(self._record_quietly, ticket_id, outcome)
        )
        self._records.add(task)
        task.add_done_callback(self._records.discard)

    def _agent_state(self, kiosk: str, state: str, paper_near_end: bool) -> None:
        """The agent said how its printer is (or it went away: ``offline``)."""
        if state == "online":
            self._observe(kiosk, None, near_end=paper_near_end)
        else:
            self._fault(
                kiosk, PrinterUnavailable(state if state in _STATE_OF_REASON else "offline"), ""
            )

    def _record_quietly(self, ticket_id: str, outcome: PrintOutcome) -> None:
        try:
            self._record(ticket_id, outcome)
        except Exception:
            log.exception("could not record the print outcome of ticket %s", ticket_id)

    def layout(self, info: TicketInfo, url: str) -> TicketLayout:
        ticket = info.ticket
        service = self.office.services[ticket.service]
        area = self.office.areas.get(service.area)
        estimate = info.estimate
        return build_layout(
            office=self.office.names["ja"],
            area=area.names["ja"] if area else "",
            floor=area.floor if area else "",
            service=service.names["ja"],
            service_local=service.names.get(ticket.lang),
            number=ticket.number,
            people_ahead=info.position or 0,
            estimate_min=(estimate.low_min, estimate.high_min) if estimate else None,
            issued_at=ticket.issued_at.astimezone(self._tz),
            url=url,
            lang=ticket.lang,
        )

    def _print_sync(self, kiosk: str, ticket_id: str, layout: TicketLayout) -> PrintOutcome:
        """In a worker thread: one job at a time per kiosk; the outcome goes on the ticket."""
        with self._kiosk_locks[kiosk]:
            outcome = self._send(kiosk, ticket_id, layout)
        try:
            self._record(ticket_id, outcome)
        except Exception:  # the printer's answer still stands; the row keeps "queued"
            log.exception("could not record the print outcome of ticket %s", ticket_id)
        return outcome

    def _send(self, kiosk: str, ticket_id: str, layout: TicketLayout) -> PrintOutcome:
        device = self.devices[kiosk]
        try:
            job = render(layout, get_profile(device.profile))
        except Exception as e:  # a missing font, a layout bug: the ticket still exists
            log.exception("could not render ticket %s for %s", ticket_id, kiosk)
            return PrintOutcome(PrintStatus.FAILED, f"render: {e}"[:200])
        try:
            if device.state is DeviceState.PAPER_OUT and device.can_report:
                # No job for a printer that said it has no paper until it says otherwise.
                self._observe(kiosk, self._probe(device.uri))
            after = send_job(device.uri, job, timeout=self.timeout)
        except PrinterUnavailable as e:
            self._fault(kiosk, e, ticket_id)
            return PrintOutcome(PrintStatus.FAILED, e.reason)
        self._observe(kiosk, after, printed=ticket_id)
        return PrintOutcome(PrintStatus.PRINTED)

    def _probe(self, uri: str) -> PrinterStatus:
        with open_connection(uri, self.timeout) as conn:
            try:
                status = read_status(conn)
            except ValueError as e:
                raise PrinterUnavailable("error", str(e)) from e
        if status.blocking_reason:
            raise PrinterUnavailable(status.blocking_reason, "the job was not sent")
        return status

    # -- device state -------------------------------------------------------------------------

    def _observe(
        self,
        kiosk: str,
        status: PrinterStatus | None,
        printed: str | None = None,
        near_end: bool | None = None,
    ) -> None:
        """The printer answered and can print (``status`` None: it cannot say more)."""
        now = self.clock()
        released: list[str] = []
        with self._lock:
            device = self.devices[kiosk]
            before = (device.state, device.paper_near_end)
            device.last_seen = now
            if printed is not None:
                device.jobs += 1
            if status is not None:
                near_end = status.paper_near_end
            if near_end is not None:
                device.paper_near_end = near_end
            if device.state is not DeviceState.ONLINE:
                if device.state is not DeviceState.UNKNOWN:
                    log.warning(
                        "printer of %s is back (%s, was %s)", kiosk, device.uri, device.state
                    )
                device.state, device.changed_at, device.last_error = DeviceState.ONLINE, now, None
                # A printer out of paper keeps the jobs it took and prints them on refill.
                released, device.held = device.held, []
            changed = self._bump(device, before)
        if changed:
            self._announce(kiosk)
        for ticket_id in released:
            with contextlib.suppress(Exception):
                self._record(ticket_id, PrintOutcome(PrintStatus.PRINTED))

    def _fault(self, kiosk: str, error: PrinterUnavailable, ticket_id: str) -> None:
        now = self.clock()
        state = _STATE_OF_REASON.get(error.reason, DeviceState.OFFLINE)
        with self._lock:
            device = self.devices[kiosk]
            before = (device.state, device.paper_near_end)
            if error.sent:
                device.jobs += 1
                device.last_seen = now
                if state is DeviceState.PAPER_OUT:
                    device.held.append(ticket_id)
            if error.reason in ("paper_out", "cover_open", "error") and not error.sent:
                device.last_seen = now  # it answered the status request
            device.last_error = error.reason
            if device.state != state:
                log.warning(
                    "printer of %s is down: %s (%s)%s",
                    kiosk,
                    error.reason,
                    device.uri,
                    "; the job is in its buffer and may print later" if error.sent else "",
                )
                device.state, device.changed_at = state, now
            changed = self._bump(device, before)
        if changed:
            self._announce(kiosk)

    @staticmethod
    def _bump(device: Device, before: tuple[str, bool]) -> bool:
        """Under the lock: a new revision if the state or the paper warning changed."""
        if (device.state, device.paper_near_end) == before:
            return False
        device.revision += 1
        return True

    def _announce(self, kiosk: str) -> None:
        if self.on_change is not None:
            try:
                self.on_change(kiosk)
            except Exception:  # a closed loop at shutdown: the screen will resync anyway
                log.debug("could not announce the printer state of %s", kiosk, exc_info=True)

    def kiosk_printer(self, kiosk: str) -> dict[str, Any]:
        with self._lock:
            return self.devices[kiosk].brief()

    def device_list(self) -> list[dict[str, Any]]:
        with self._lock:
            return [d.as_dict() for d in self.devices.values()]

    def device_state(self, kiosk: str) -> DeviceState:
        return self.devices[kiosk].state

    # -- the ticket row -----------------------------------------------------------------------

    def _record(self, ticket_id: str, outcome: PrintOutcome) -> None:
        self.record(ticket_id, outcome)
