"""The migrations are the schema: upgraded to head, a database has exactly the tables,
columns and indexes of the models (on SQLite and PostgreSQL), and the newest migration
goes down and up again."""

from __future__ import annotations

from alembic import command
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import inspect
from sqlmodel import SQLModel

from server.store import migrate
from server.store import tables as _tables  # noqa: F401  (the models, on SQLModel.metadata)
from server.store.engine import make_engines


def test_a_migrated_database_matches_the_models(database_url: str) -> None:
    engines = make_engines(database_url)
    try:
        migrate.upgrade(engines.writer)
        with engines.writer.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            assert compare_metadata(context, SQLModel.metadata) == []
    finally:
        engines.dispose()


def _ticket_indexes_down_and_up(database_url: str, down_to: str) -> tuple[set[str], set[str]]:
    """The ticket table's index names after a downgrade to `down_to`, then after the
    upgrade back to head."""
    engines = make_engines(database_url)
    try:
        migrate.upgrade(engines.writer)
        command.downgrade(migrate.alembic_config(engines.writer), down_to)
        down = {i["name"] for i in inspect(engines.writer).get_indexes("ticket")}
        migrate.upgrade(engines.writer)
        up = {i["name"] for i in inspect(engines.writer).get_indexes("ticket")}
        return down, up
    finally:
        engines.dispose()


def test_the_line_index_migration_goes_down_and_up(database_url: str) -> None:
    names, again = _ticket_indexes_down_and_up(database_url, "0002")
    assert "ix_ticket_day" in names and "ix_ticket_line" not in names
    assert "ix_ticket_line" in again and "ix_ticket_day" not in again


def test_the_unused_ticket_indexes_migration_goes_down_and_up(database_url: str) -> None:
    names, again = _ticket_indexes_down_and_up(database_url, "0003")
    assert {"ix_ticket_queue", "ix_ticket_counter", "ix_ticket_line"} <= names
    assert "ix_ticket_line" in again
    assert not again & {"ix_ticket_queue", "ix_ticket_counter"}
