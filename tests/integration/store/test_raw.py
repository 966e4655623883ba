"""Plain SQL writes values exactly as SQLAlchemy would (server/store/raw.py), so that Core
reads of the same rows, and comparisons in SQL, keep working."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone
from pathlib import Path

import pytest
from sqlalchemy import DateTime

from server.store.engine import make_engines
from server.store.raw import raw

JST = timezone(timedelta(hours=9))


@pytest.mark.parametrize(
    "value",
    [
        datetime(2026, 11, 25, 9, 0, tzinfo=JST),  # whole seconds: microseconds still written
        datetime(2026, 11, 25, 0, 59, 59, 123456, tzinfo=UTC),
        datetime(5, 1, 1, 0, 0, 1, 7, tzinfo=UTC),  # a year of one digit: padded to four
    ],
)
def test_a_timestamp_is_stored_as_sqlalchemy_stores_it_on_sqlite(
    tmp_path: Path, value: datetime
) -> None:
    engines = make_engines(f"sqlite:///{tmp_path}/raw.db")
    try:
        with engines.writer.connect() as conn:
            stored = DateTime(timezone=True).dialect_impl(conn.dialect)
            bind = stored.bind_processor(conn.dialect)
            assert bind is not None
            expected = bind(value.astimezone(UTC).replace(tzinfo=None))
            assert raw(conn).ts(value) == expected
    finally:
        engines.dispose()
