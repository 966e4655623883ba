"""The writer's waiting counts stay right when another process writes to the same office."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.bootstrap import prepare_database
from server.commands import IssueTicket
from server.context import Context
from server.domain.errors import InvalidRequest
from server.office_file import load_office
from server.store.engine import make_engines
from server.store.unit_of_work import Tx, Writer
from tests.conftest import Store, issue_with

NOW = datetime(2026, 11, 25, 1, 0, tzinfo=UTC)


def _issue(writer: Writer, ctx: Context, n: int, service: str = "moving") -> int | None:
    return issue_with(writer, ctx, n, NOW + timedelta(seconds=n), service).result.position


def test_positions_count_tickets_issued_by_another_process(database_url: str) -> None:
    office = load_office()
    ctx = Context(office, lambda day: False, always_open=True)
    first, second = make_engines(database_url), make_engines(database_url)
    a, b = Writer(first), Writer(second)
    prepare_database(a, office)
    try:
        positions = [_issue(w, ctx, n) for n, w in enumerate([a, a, b, a, b, b, a])]
        assert positions == [0, 1, 2, 3, 4, 5, 6]
        assert _issue(a, ctx, 7, "certificates") == 0
    finally:
        a.stop(), b.stop()
        first.dispose(), second.dispose()


def test_a_refused_command_leaves_the_counts_right(store: Store) -> None:
    ctx, writer = store.ctx, store.writer

    def issue_then_refuse(tx: Tx) -> None:
        IssueTicket("moving", "ja", False, None, "online", "doomed", "token-doomed")(ctx, tx)
        raise InvalidRequest("refused after the insert")

    assert _issue(writer, ctx, 1) == 0
    with pytest.raises(InvalidRequest):
        writer.run_sync("nakano", issue_then_refuse, NOW)
    assert _issue(writer, ctx, 2) == 1
