"""The mailbox of a live connection: newest view, every event, in order; frames written at
once while the socket takes them, merged while it does not."""

from __future__ import annotations

import asyncio
import json
from collections.abc import Awaitable, Callable

from server.live.channels import Channel
from server.live.hub import _ChannelState
from server.live.protocol import Close, Outgoing, frame
from server.live.subscriber import MAX_PENDING_EVENTS, Subscriber


class _Socket:
    """Takes frames at once, or holds every send until `release()`."""

    def __init__(self, blocked: bool = False) -> None:
        self.sent: list[str] = []
        self.gate = asyncio.Event()
        if not blocked:
            self.gate.set()

    async def send_text(self, data: str) -> None:
        await self.gate.wait()
        self.sent.append(data)

    async def close(self, code: int = 1000, reason: str | None = None) -> None:
        pass

    def release(self) -> None:
        self.gate.set()


def _in_loop(test: Callable[[], Awaitable[None]]) -> Callable[[], None]:
    def run() -> None:
        asyncio.run(test())

    run.__name__ = test.__name__
    return run


def _ready(version: int, socket: _Socket, state: _ChannelState | None = None) -> Subscriber:
    sub = Subscriber(socket, Channel("public", "nakano"), state)
    sub.queued_version = sub.sent_version = version
    sub.ready = True
    return sub


async def _settle(*subs: Subscriber, timeout: float = 5.0) -> None:
    """Wait until no send of `subs` is in flight (a subscriber has a send task only while
    a send waits): all they had queued is on their sockets. Fails after `timeout`."""
    try:
        async with asyncio.timeout(timeout):
            while any(sub._pump is not None for sub in subs):
                await asyncio.sleep(0)  # one turn of the loop: the polling interval
    except TimeoutError:
        raise AssertionError(f"a subscriber still sending after {timeout} s") from None


def _events(*seqs: int) -> list[dict[str, object]]:
    return [{"seq": s, "type": "ticket.issued"} for s in seqs]


@_in_loop
async def test_an_up_to_date_subscriber_without_direct_writes_is_sent_the_shared_frame() -> None:
    socket = _Socket()
    sub = _ready(5, socket)
    shared = Outgoing(frame("public:nakano", 6, '{"v":6}', _events(6)))
    assert sub.offer(6, '{"v":6}', _events(6), shared)
    await _settle(sub)
    assert socket.sent == [shared.text]  # the very frame shared with the channel
    assert sub.take() is None


@_in_loop
async def test_versions_offered_while_a_send_waits_are_merged_with_all_their_events() -> None:
    socket = _Socket(blocked=True)
    sub = _ready(5, socket)
    sub.offer(6, '{"v":6}', _events(6), Outgoing("frame6"))  # taken; its send waits
    sub.offer(7, '{"v":7}', _events(7), Outgoing("frame7"))
    sub.offer(8, '{"v":8}', _events(8), Outgoing("frame8"))
    socket.release()
    await _settle(sub)
    assert socket.sent[0] == "frame6"
    merged = json.loads(socket.sent[1])
    assert merged["version"] == 8 and merged["view"] == {"v": 8}
    assert [e["seq"] for e in merged["events"]] == [7, 8]
    assert len(socket.sent) == 2


@_in_loop
async def test_a_first_frame_still_waiting_keeps_its_replayed_events_when_merged() -> None:
    socket = _Socket(blocked=True)
    sub = Subscriber(socket, Channel("public", "nakano"))
    sub.start(7, '{"v":7}', _events(5, 6, 7), resync=False)  # since=4; its send waits
    sub.offer(8, '{"v":8}', _events(8), Outgoing("frame8"))
    sub.offer(9, '{"v":9}', _events(9), Outgoing("frame9"))
    socket.release()
    await _settle(sub)
    first, merged = (json.loads(text) for text in socket.sent)
    assert [e["seq"] for e in first["events"]] == [5, 6, 7]
    assert merged["version"] == 9 and [e["seq"] for e in merged["events"]] == [8, 9]


@_in_loop
async def test_an_older_or_equal_version_is_ignored() -> None:
    socket = _Socket()
    sub = _ready(9, socket)
    assert sub.offer(9, '{"v":9}', _events(8, 9), Outgoing("x"))
    sub.offer(10, '{"v":10}', _events(10), Outgoing("frame10"))  # the next one is sent...
    await _settle(sub)
    assert socket.sent == ["frame10"]  # ...and alone


@_in_loop
async def test_offers_before_the_first_view_are_ignored() -> None:
    socket = _Socket()
    sub = Subscriber(socket, Channel("public", "nakano"))
    assert sub.offer(2, '{"v":2}', _events(2), Outgoing("x"))
    assert sub.take() is None
    sub.start(2, '{"v":2}', [], resync=False)  # the first view is sent, and alone
    await _settle(sub)
    assert len(socket.sent) == 1 and json.loads(socket.sent[0])["version"] == 2


@_in_loop
async def test_a_subscriber_too_far_behind_is_reported_for_dropping() -> None:
    sub = _ready(0, _Socket(blocked=True))
    ok = True
    for v in range(1, MAX_PENDING_EVENTS + 3):
        ok = sub.offer(v, "{}", _events(v), Outgoing("x"))
    assert not ok


@_in_loop
async def test_subscribers_that_skipped_the_same_versions_share_one_merged_frame() -> None:
    state = _ChannelState(Channel("public", "nakano"))
    sockets = [_Socket(blocked=True) for _ in range(2)]
    subs = [_ready(5, socket, state) for socket in sockets]
    for sub in subs:
        sub.offer(6, '{"v":6}', _events(6), Outgoing("frame6"))  # taken; its send waits
        sub.offer(7, '{"v":7}', _events(7), Outgoing("frame7"))
    state.version = 8
    for sub in subs:
        sub.offer(8, '{"v":8}', _events(8), Outgoing("frame8"))
    for socket in sockets:
        socket.release()
    await _settle(*subs)
    first, second = (socket.sent[1] for socket in sockets)
    assert first is second
    assert [e["seq"] for e in json.loads(first)["events"]] == [7, 8]


@_in_loop
async def test_a_send_that_waits_completes_once_the_socket_takes_it() -> None:
    socket = _Socket(blocked=True)
    sub = _ready(0, socket)
    sub.offer(1, '{"v":1}', _events(1), Outgoing("frame1"))
    assert socket.sent == [] and not sub.dropped
    socket.release()
    await _settle(sub)
    assert socket.sent == ["frame1"] and not sub.dropped


@_in_loop
async def test_a_send_slower_than_the_bound_drops_the_client_and_ends_its_endpoint() -> None:
    import server.live.subscriber as subscriber

    bound, subscriber.SEND_TIMEOUT_S = subscriber.SEND_TIMEOUT_S, 0.05
    try:
        closed: list[int] = []

        class Stuck(_Socket):
            async def close(self, code: int = 1000, reason: str | None = None) -> None:
                closed.append(code)
                await self.gate.wait()  # a full socket: the close frame cannot go out

        sub = _ready(0, Stuck(blocked=True))
        endpoint = asyncio.create_task(asyncio.sleep(60))  # an endpoint that would wait on
        sub.owner = endpoint
        sub.offer(1, '{"v":1}', _events(1), Outgoing("frame1"))
        # The send times out, the close frame waits out its own bound in vain, and then
        # the endpoint is ended: wait for that, not for a guess at how long it takes.
        ended, _ = await asyncio.wait({endpoint}, timeout=5)
        assert ended, "the endpoint of a dropped client was not ended within 5 s"
        assert sub.dropped and closed == [Close.TRY_AGAIN] and endpoint.cancelled()
    finally:
        subscriber.SEND_TIMEOUT_S = bound


class _Direct:
    """A DirectWriter stand-in: takes whole frames while `open`, as the real one does
    while the connection's transport takes writes."""

    def __init__(self, open: bool = True) -> None:
        self.open = open
        self.written: list[bytes] = []

    def write(self, data: bytes) -> bool:
        if self.open:
            self.written.append(data)
        return self.open


def _direct(version: int, socket: _Socket, direct: _Direct) -> Subscriber:
    sub = Subscriber(socket, Channel("public", "nakano"), None, direct)  # type: ignore[arg-type]
    sub.queued_version = sub.sent_version = version
    sub.ready = True
    return sub


@_in_loop
async def test_a_caught_up_subscriber_gets_the_shared_bytes_past_asgi_version_after_version() -> (
    None
):
    socket, direct = _Socket(), _Direct()
    sub = _direct(5, socket, direct)
    frames = [Outgoing(frame("public:nakano", v, f'{{"v":{v}}}', _events(v))) for v in (6, 7)]
    assert sub.offer(6, '{"v":6}', _events(6), frames[0])
    assert sub.offer(7, '{"v":7}', _events(7), frames[1])
    assert direct.written == [frames[0].wire, frames[1].wire]
    assert socket.sent == [] and sub.take() is None
    assert sub.queued_version == sub.sent_version == 7


@_in_loop
async def test_a_socket_that_stops_taking_writes_falls_back_to_asgi_in_order() -> None:
    socket, direct = _Socket(blocked=True), _Direct(open=False)
    sub = _direct(5, socket, direct)
    sub.offer(6, '{"v":6}', _events(6), Outgoing("frame6"))  # waits in the ASGI send
    sub.offer(7, '{"v":7}', _events(7), Outgoing("frame7"))
    socket.release()
    await _settle(sub)
    assert direct.written == []
    assert socket.sent == ["frame6", "frame7"]


@_in_loop
async def test_a_printer_note_waiting_with_a_view_is_written_after_it() -> None:
    socket, direct = _Socket(), _Direct()
    sub = _direct(5, socket, direct)
    sub.note = Outgoing('{"type":"printer"}')
    shared = Outgoing(frame("public:nakano", 6, '{"v":6}', _events(6)))
    sub.offer(6, '{"v":6}', _events(6), shared)
    assert direct.written == [shared.wire, Outgoing('{"type":"printer"}').wire]


@_in_loop
async def test_first_frames_at_the_channels_version_carry_each_clients_own_replay() -> None:
    state = _ChannelState(Channel("public", "nakano"))
    state.version = 9
    sockets = [_Socket(), _Socket()]
    first, second = (Subscriber(s, Channel("public", "nakano"), state) for s in sockets)
    first.start(9, '{"v":9}', _events(7, 8, 9), resync=False)  # reconnected with since=6
    second.start(9, '{"v":9}', [], resync=False)  # a new screen: no replay
    await _settle(first, second)
    assert [e["seq"] for e in json.loads(sockets[0].sent[0])["events"]] == [7, 8, 9]
    assert json.loads(sockets[1].sent[0])["events"] == []
