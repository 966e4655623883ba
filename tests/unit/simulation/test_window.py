"""The rolling history answers what `queue_state.history` answers over the same window."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

from hypothesis import given, settings
from hypothesis import strategies as st

from server.domain.queue_state import HOLD_WINDOW_MIN, LogEvent, history
from server.simulation.window import RollingHistory

START = datetime(2025, 6, 11, 8, 30, tzinfo=timezone(timedelta(hours=9)))
KINDS = (
    "ticket.issued",
    "ticket.called",
    "ticket.called",
    "ticket.finished",
    "ticket.no_show",
    "ticket.cancelled",
    "ticket.transferred",
    "ticket.preparing",
    "counter.paused",
)
events_ = st.lists(
    st.tuples(
        st.integers(0, 600),  # minute of the day
        st.sampled_from(KINDS),
        st.sampled_from(["t1", "t2", "t3", "t4", "t5", None]),
        st.sampled_from(["moving", "certificates", None]),
    ),
    max_size=60,
)


@settings(max_examples=300, deadline=None)
@given(
    events_,
    st.lists(st.integers(0, 700), max_size=25),
    st.sets(st.sampled_from(["t1", "t2", "t3", "t4"])),
)
def test_the_rolling_history_equals_history_over_the_window_at_every_moment(raw, asked, known):
    events = sorted(
        (
            LogEvent(kind, START + timedelta(minutes=m), ticket, service)
            for m, kind, ticket, service in raw
        ),
        key=lambda e: e.at,
    )
    issued = {t: START for t in known}
    rolling = RollingHistory(events, issued)
    for minute in sorted(asked):
        now = START + timedelta(minutes=minute)
        window = [e for e in events if now - timedelta(minutes=HOLD_WINDOW_MIN) <= e.at < now]
        assert rolling.at(now) == history(window, issued, now)
