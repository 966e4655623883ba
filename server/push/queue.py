"""The queue of notices: the writer's commits only hand their events over (`committed`,
from the writer's thread, never waiting); this queue's own thread turns them into stored
jobs (one key per ticket and kind: never queued twice) and sends the jobs that are due,
retrying with back-off. A job is a row, so what was queued survives a restart."""

from __future__ import annotations

import hashlib
import logging
import queue
import threading
from collections.abc import Callable, Mapping
from datetime import datetime, timedelta
from typing import Any

from server.context import Context
from server.domain.ticket import Status
from server.store import push as rows
from server.store import tickets
from server.store.engine import Engines
from server.store.unit_of_work import DATABASE_ERRORS, Tx, Writer

from . import message
from .hosts import endpoint_problem
from .notifier import Notifier, Outcome

log = logging.getLogger(__name__)
BATCH = 20  # jobs sent per round before looking at new events again
MAX_ATTEMPTS = 6  # then the notice is given up (about a minute of back-off at 1 s)
MAX_BACKOFF_S = 300.0
IDLE_S = 30.0  # with nothing due, look again this often (and on every commit)
LEASE_S = 120.0  # a claimed job is another sender's again after this (past any send's timeout)
KEEP_SENT = timedelta(days=2)  # a sent job's key is kept this long (a ticket lives a day)
ENDED = (str(Status.DONE), str(Status.CANCELLED))  # nothing more to tell
CALLS = {"ticket.called": False, "ticket.recalled": False, "ticket.ready": True}


def job_key(ticket: str, kind: str, endpoint: str) -> str:
    return f"{ticket}:{kind}:{hashlib.sha256(endpoint.encode()).hexdigest()[:24]}"


class PushQueue:
    def __init__(
        self,
        engines: Engines,
        writer: Writer,
        contexts: Mapping[str, Context],
        notifier: Notifier,
        clock: Callable[[], datetime],
        hosts: tuple[str, ...],
        backoff_s: float = 1.0,
    ) -> None:
        self.hosts = hosts
        # Each office's settings in force (the installation fills it as it wires offices).
        self.engines, self.writer, self.contexts = engines, writer, contexts
        self.notifier, self.clock, self.backoff_s = notifier, clock, backoff_s
        self._events: queue.SimpleQueue[tuple[str, list[dict[str, Any]]]] = queue.SimpleQueue()
        self._wake = threading.Event()
        self._stopping = threading.Event()
        self._thread: threading.Thread | None = None

    # -- from the writer's thread, after a commit ------------------------------------------------
    def committed(self, office: str, events: list[dict[str, Any]]) -> None:
        self._events.put((office, events))
        self._wake.set()

    def start(self) -> None:
        self._thread = threading.Thread(target=self._loop, name="madoguchi-push", daemon=True)
        self._thread.start()

    def stop(self) -> None:
        self._stopping.set()
        self._wake.set()
        if self._thread is not None:
            self._thread.join(timeout=15)
            self._thread = None

    def _loop(self) -> None:
        while not self._stopping.is_set():
            try:
                self._enqueue_events()
                wait = self._send_due()
            except DATABASE_ERRORS as e:  # the store is busy: the next round tries again
                log.warning("push queue: database unavailable: %s", type(e).__name__)
                wait = IDLE_S
            except Exception:
                log.exception("push queue round failed")
                wait = IDLE_S
            self._wake.wait(wait)
            self._wake.clear()

    # -- events -> jobs ------------------------------------------------------------------------------
    def _enqueue_events(self) -> None:
        offices: dict[str, list[dict[str, Any]]] = {}
        while True:
            try:
                office, events = self._events.get_nowait()
            except queue.Empty:
                break
            offices.setdefault(office, []).extend(events)
        for office, events in offices.items():
            self._enqueue_office(office, events)

    def _enqueue_office(self, office_id: str, events: list[dict[str, Any]]) -> None:
        ctx = self.contexts.get(office_id)
        if ctx is None:
            return  # not an office of this installation
        office = ctx.office
        wanted: list[tuple[str, str, str]] = []  # (ticket, kind, payload)
        with self.engines.reader.connect() as conn:
            subscribed = set(rows.subscribed_tickets(conn, office_id, ENDED))
            if not subscribed:
                return
            for event in events:
                ready = CALLS.get(event["type"])
                ticket_id = event.get("ticket")
                if ready is None or ticket_id not in subscribed or not event.get("counter"):
                    continue
                ticket = tickets.get_ticket(conn, ticket_id)
                if ticket is not None:
                    payload = message.called(office, ticket, event["counter"], ready)
                    wanted.append((ticket_id, f"call{event['seq']}", payload))
            for ticket_id in sorted(subscribed):
                ticket = tickets.get_ticket(conn, ticket_id)
                if ticket is None or ticket.status is not Status.WAITING:
                    continue
                ahead = tickets.ahead_of(conn, ticket)
                if ahead <= office.push_ahead:
                    payload = message.soon(office, ticket, ahead)
                    wanted.append((ticket_id, f"soon-{ticket.service}", payload))
            subs = rows.subscriptions(conn, {t for t, _, _ in wanted})
            jobs = [
                (job_key(ticket_id, kind, sub.endpoint), sub, payload)
                for ticket_id, kind, payload in wanted
                for sub in subs
                if sub.ticket == ticket_id
            ]
            # Most rounds find only notices queued before ("almost" stays true while the
            # line moves): those cost the writer nothing.
            known = rows.known_keys(conn, [key for key, _, _ in jobs])
            jobs = [job for job in jobs if job[0] not in known]
        if not jobs:
            return

        def enqueue(tx: Tx) -> int:
            return sum(
                rows.enqueue(tx.conn, key, sub, payload, tx.now) for key, sub, payload in jobs
            )

        self.writer.run_sync(None, enqueue, self.clock())

    # -- sending ---------------------------------------------------------------------------------------
    def _send_due(self) -> float:
        """Send what is due; answers how long to wait before the next round."""

        with self.engines.reader.connect() as conn:
            due = rows.next_due(conn)
        now = self.clock()
        if due is None or due > now:  # nothing to send: the writer is not bothered
            return IDLE_S if due is None else min(IDLE_S, (due - now).total_seconds())

        def claim(tx: Tx) -> list[rows.Job]:
            return rows.claim_due(tx.conn, tx.now, tx.now + timedelta(seconds=LEASE_S), BATCH)

        jobs = self.writer.run_sync(None, claim, now).result
        with self.engines.reader.connect() as conn:
            targets = {
                (j.ticket, j.endpoint): rows.subscription(conn, j.ticket, j.endpoint) for j in jobs
            }
        for job in jobs:
            if self._stopping.is_set():
                return 0
            target = targets[(job.ticket, job.endpoint)]
            # Checked again: the allow-list may have shrunk since the visitor subscribed.
            if target is None or endpoint_problem(target.endpoint, self.hosts) is not None:
                outcome = Outcome.FAILED
            else:
                outcome = self.notifier.send(target, job.payload)
            self._record(job, outcome)
        # Again at once: more may be due (the next due time is read then). Nothing claimed:
        # another process took them; a pause, not a spin.
        return 0 if jobs else 1.0

    def _record(self, job: rows.Job, outcome: Outcome) -> None:
        attempts = job.attempts + 1
        delay_s = min(MAX_BACKOFF_S, self.backoff_s * 2 ** (attempts - 1))

        def record(tx: Tx) -> None:
            if outcome is Outcome.RETRY and attempts < MAX_ATTEMPTS:
                rows.retry_at(tx.conn, job.key, attempts, tx.now + timedelta(seconds=delay_s))
                return
            if outcome is Outcome.RETRY:
                log.warning("push given up after %d attempts", attempts)
            rows.mark_sent(tx.conn, job.key, tx.now)
            if outcome is Outcome.GONE:
                rows.forget_endpoint(tx.conn, job.endpoint)
            rows.purge_sent(tx.conn, tx.now - KEEP_SENT)

        self.writer.run_sync(None, record, self.clock())
