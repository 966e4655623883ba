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


def test_the_line_index_migration_goes_down_and_up(database_url: str) -> None:
    engines = make_engines(database_url)
    try:
        migrate.upgrade(engines.writer)
        config = migrate.alembic_config(engines.writer)
        command.downgrade(config, "0002")
        names = {i["name"] for i in inspect(engines.writer).get_indexes("ticket")}
        assert "ix_ticket_day" in names and "ix_ticket_line" not in names
        migrate.upgrade(engines.writer)
        names = {i["name"] for i in inspect(engines.writer).get_indexes("ticket")}
        assert "ix_ticket_line" in names and "ix_ticket_day" not in names
    finally:
        engines.dispose()


def test_the_unused_ticket_indexes_migration_goes_down_and_up(database_url: str) -> None:
    engines = make_engines(database_url)
    try:
        migrate.upgrade(engines.writer)
        config = migrate.alembic_config(engines.writer)
        command.downgrade(config, "0003")
        names = {i["name"] for i in inspect(engines.writer).get_indexes("ticket")}
        assert {"ix_ticket_queue", "ix_ticket_counter", "ix_ticket_line"} <= names
        migrate.upgrade(engines.writer)
        names = {i["name"] for i in inspect(engines.writer).get_indexes("ticket")}
        assert "ix_ticket_line" in names
        assert not names & {"ix_ticket_queue", "ix_ticket_counter"}
    finally:
        engines.dispose()
