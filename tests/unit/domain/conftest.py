"""Small offices and queue states for the wait estimator's tests (test_estimate*.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from server.domain.office import Counter
from server.domain.queue_state import CounterNow, QueueState, ServiceHistory

NOW = datetime(2025, 6, 11, 1, 0, tzinfo=UTC)  # 10:00 in Tokyo


def minutes_ago(m: float) -> datetime:
    return NOW - timedelta(minutes=m)


def state(
    counters: list[CounterNow],
    lines: dict[str, int] | None = None,
    prior: dict[str, float] | None = None,
    history: dict[str, ServiceHistory] | None = None,
) -> QueueState:
    return QueueState(
        now=NOW,
        lines=lines or {},
        counters=tuple(counters),
        prior_min=prior or {"moving": 25, "certificates": 5},
        history=history or {},
    )


@pytest.fixture
def nakano_2f() -> list[Counter]:
    """Counters 1-6 of the demo office: 1-3 moving; 4-6 certificates, then moving."""
    return [Counter(str(i), "residents", ("moving",)) for i in (1, 2, 3)] + [
        Counter(str(i), "residents", ("certificates", "moving")) for i in (4, 5, 6)
    ]
