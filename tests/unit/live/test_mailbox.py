"""The one-slot mailbox of a live connection: newest view, every event, in order."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Callable

from server.live.channels import Channel
from server.live.hub import MAX_PENDING_EVENTS, Subscriber
from server.live.protocol import frame


class _Socket:
    def __init__(self) -> None:
        self.sent: list[str] = []

    async def send_text(self, data: str) -> None:
        self.sent.append(data)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        pass


def _in_loop(test: Callable[[], None]) -> Callable[[], None]:
    """Offers start the connection's writer task, so they need a running loop; the tests
    read the mailbox before that task runs."""

    def run() -> None:
        async def body() -> None:
            test()

        asyncio.run(body())

    run.__name__ = test.__name__
    return run


def _ready(version: int) -> Subscriber:
    sub = Subscriber(_Socket(), Channel("public", "nakano"))
    sub.queued_version, sub.ready = version, True
    return sub


def _events(*seqs: int) -> list[dict[str, object]]:
    return [{"seq": s, "type": "ticket.issued"} for s in seqs]


@_in_loop
def test_an_up_to_date_subscriber_gets_the_channels_shared_frame() -> None:
    sub = _ready(5)
    shared = frame("public:nakano", 6, '{"v":6}', _events(6))
    assert sub.offer(5, 6, '{"v":6}', _events(6), shared)
    assert sub.take() is shared


@_in_loop
def test_versions_skipped_while_busy_are_merged_with_all_their_events() -> None:
    sub = _ready(5)
    sub.offer(5, 6, '{"v":6}', _events(6), "frame6")
    sub.offer(6, 8, '{"v":8}', _events(7, 8), "frame8")
    message = json.loads(sub.take() or "")
    assert message["version"] == 8 and message["view"] == {"v": 8}
    assert [e["seq"] for e in message["events"]] == [6, 7, 8]
    assert sub.take() is None


@_in_loop
def test_events_the_subscriber_already_has_are_not_sent_again() -> None:
    sub = _ready(7)
    assert sub.offer(5, 8, '{"v":8}', _events(6, 7, 8), "shared-from-5")
    message = json.loads(sub.take() or "")
    assert [e["seq"] for e in message["events"]] == [8]


@_in_loop
def test_an_older_or_equal_version_is_ignored() -> None:
    sub = _ready(9)
    assert sub.offer(7, 9, '{"v":9}', _events(8, 9), "x")
    assert sub.take() is None


@_in_loop
def test_offers_before_the_first_view_are_ignored() -> None:
    sub = Subscriber(_Socket(), Channel("public", "nakano"))
    assert sub.offer(1, 2, '{"v":2}', _events(2), "x")
    assert sub.take() is None


@_in_loop
def test_a_subscriber_too_far_behind_is_reported_for_dropping() -> None:
    sub = _ready(0)
    ok = True
    for v in range(1, MAX_PENDING_EVENTS + 2):
        ok = sub.offer(v - 1, v, "{}", _events(v), "x")
    assert not ok


@_in_loop
def test_subscribers_that_skipped_the_same_versions_share_one_merged_frame() -> None:
    from server.live.hub import _ChannelState

    state = _ChannelState(Channel("public", "nakano"))
    subs = [Subscriber(_Socket(), state.channel, state) for _ in range(2)]
    for sub in subs:
        sub.queued_version, sub.sent_version, sub.ready = 5, 5, True
        sub.offer(5, 6, '{"v":6}', _events(6), "frame6")
    state.version = 8
    for sub in subs:
        sub.offer(6, 8, '{"v":8}', _events(7, 8), "frame8")
    first, second = (sub.take() for sub in subs)
    assert first is second and first is not None
    assert [e["seq"] for e in json.loads(first)["events"]] == [6, 7, 8]
