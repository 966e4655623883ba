"""The ticket's columns come from the table definition and match the domain's Ticket."""

from __future__ import annotations

import dataclasses

from server.domain.ticket import Ticket
from server.store.convert import TICKET_FIELDS, TICKET_PRINT_COLUMNS, TICKET_TIMES
from server.store.tables import TicketRow


def test_the_tickets_columns_are_the_domain_tickets_fields() -> None:
    assert set(TICKET_FIELDS) == {f.name for f in dataclasses.fields(Ticket)}


def test_every_column_of_the_ticket_table_is_a_field_or_print_state() -> None:
    columns = [c.name for c in TicketRow.__table__.columns]  # type: ignore[attr-defined]
    assert columns == [*TICKET_FIELDS, *TICKET_PRINT_COLUMNS]


def test_the_time_columns_are_the_tickets_datetimes() -> None:
    assert {
        "issued_at",
        "queued_at",
        "called_at",
        "started_at",
        "finished_at",
        "arrived_at",  # a ticket from home: when its visitor confirmed arrival
        "kept_at",  # when a call passed it over, not yet arrived
    } == TICKET_TIMES
