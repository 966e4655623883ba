"""Plain SQL on the driver's own connection, for the commands' hot path.

SQLAlchemy Core cost about 30% of a ticket's time here (building and compiling each
statement, processing each bind); the architecture measured group commit with plain SQL
at 12,000 tickets/s on this kind of machine. Values are written exactly as SQLAlchemy
writes them, so Core reads of the same rows keep working: on SQLite, datetimes as naive
UTC text with microseconds, dates as ISO text, booleans as 0/1.
"""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Sequence
from datetime import UTC, date, datetime
from typing import Any

import psycopg
from sqlalchemy import Connection

# What the drivers raise when the database is busy or gone (plain SQL bypasses SQLAlchemy's
# wrapping of them).
DRIVER_ERRORS: tuple[type[Exception], ...] = (sqlite3.Error, psycopg.Error)
_PARAM = re.compile(r"(?<!:):([a-z_][a-z0-9_]*)")


class Raw:
    """The DBAPI connection under a SQLAlchemy Connection, inside its transaction."""

    __slots__ = ("dbapi", "is_sqlite", "_statements")

    def __init__(self, conn: Connection) -> None:
        self.dbapi: Any = conn.connection.driver_connection
        self.is_sqlite = conn.dialect.name == "sqlite"
        self._statements: dict[str, str] = {}

    def _sql(self, sql: str) -> str:
        if self.is_sqlite:
            return sql
        cached = self._statements.get(sql)
        if cached is None:
            cached = self._statements[sql] = _PARAM.sub(r"%(\1)s", sql)
        return cached

    def execute(self, sql: str, params: dict[str, Any] | None = None) -> Any:
        cursor = self.dbapi.cursor()
        cursor.execute(self._sql(sql), params or {})
        return cursor

    def one(self, sql: str, params: dict[str, Any] | None = None) -> Sequence[Any] | None:
        cursor = self.execute(sql, params)
        row = cursor.fetchone()
        cursor.close()
        return row  # type: ignore[no-any-return]

    def run(self, sql: str, params: dict[str, Any] | None = None) -> int:
        cursor = self.execute(sql, params)
        count = int(cursor.rowcount)
        cursor.close()
        return count

    # values as SQLAlchemy stores them
    def ts(self, value: datetime | None) -> Any:
        if value is None:
            return None
        value = value.astimezone(UTC)
        if not self.is_sqlite:
            return value
        # SQLAlchemy's SQLite format (%04d-%02d-%02d %02d:%02d:%02d.%06d), a quarter of the
        # time of strftime.
        return value.replace(tzinfo=None).isoformat(" ", "microseconds")

    def day(self, value: date) -> Any:
        return value.isoformat() if self.is_sqlite else value

    def flag(self, value: bool) -> Any:
        return int(value) if self.is_sqlite else value


def raw(conn: Connection) -> Raw:
    """One Raw per pooled connection (kept in its info dict)."""
    found = conn.info.get("madoguchi.raw")
    if found is None or found.dbapi is not conn.connection.driver_connection:
        found = conn.info["madoguchi.raw"] = Raw(conn)
    return found
