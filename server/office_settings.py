"""The office's settings in the database, versioned: which revision is in force, reading
it, and putting a new one in force in this process (Context.office). The rules of what a
document may say are server/office_file.py's; the rows are server/store/office_settings.py's.

Every process reads the revision in force with the office's lock (unit_of_work.lock_office)
and with each snapshot (live/source.py), so a change made by any process reaches its
commands and its screens from the change's version on, whole: a command or a view sees
one revision, never parts of two."""

from __future__ import annotations

import logging
import threading
from datetime import datetime
from typing import Any

from server.context import Context
from server.domain.office import Office
from server.office_file import office_from_document
from server.store import office_settings as rows
from server.store.engine import Connection, Engines
from server.store.unit_of_work import Tx

_swap = threading.Lock()
log = logging.getLogger(__name__)


def office_at(conn: Connection, ctx: Context, revision: int, *, authoritative: bool) -> Office:
    """The office at `revision` (read on `conn`), put in force in `ctx`: always when
    `authoritative` (the writer, inside the office's lock), else only when newer than the
    one in force (a reader that may lag behind the writer)."""
    current = ctx.office
    if revision == current.revision or revision == 0:
        return current
    document = rows.document(conn, current.id, revision)
    if document is None:  # cannot be: the revision was read from the same database
        return current
    office = office_from_document(document, revision)
    with _swap:
        swapped = authoritative or revision > ctx.office.revision
        if swapped:
            ctx.office = office
    if swapped:
        _tell(ctx, office)
    return office


def _tell(ctx: Context, office: Office) -> None:
    for listener in ctx.on_office:
        try:
            listener(office)
        except Exception:  # a listener must never undo a change in force
            log.exception("a listener of the office's settings failed")


def in_force(ctx: Context, tx: Tx) -> Context:
    """The context a command runs with: the office at the transaction's revision."""
    if tx.office is not None and tx.settings_revision != ctx.office.revision:
        office_at(tx.conn, ctx, tx.settings_revision, authoritative=True)
    return ctx


def store_document(ctx: Context, tx: Tx, document: dict[str, Any], at: datetime) -> Office:
    """Write `document` as the next revision and put it in force (ctx and tx): the office
    it describes. The caller has validated it (office_from_document raised nothing)."""
    assert tx.office is not None
    revision = rows.store(tx.conn, tx.office, document, at, tx.actor)
    office = office_from_document(document, revision)
    tx.settings_revision = revision
    with _swap:
        ctx.office = office
    _tell(ctx, office)
    return office


def restore(engines: Engines, ctx: Context) -> None:
    """Put the database's revision back in force in `ctx`: after a settings change whose
    transaction did not commit (the database was busy or gone), ctx may hold the change."""
    with engines.reader.connect() as conn:
        revision = rows.revision_in_force(conn, ctx.office.id)
        office_at(conn, ctx, revision, authoritative=True)
