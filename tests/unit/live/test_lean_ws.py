"""The small stand-ins for asyncio.Queue and asyncio.Event in uvicorn's websocket protocol
(server/live/lean_ws.py): messages in order, each to one getter, a cancelled getter loses
nothing, and a writer waiting for a full socket wakes when it drains."""

from __future__ import annotations

import asyncio
import sys

from server.live.lean_ws import Flag, Inbox


def test_messages_come_out_in_order_and_the_inbox_keeps_no_list_when_empty() -> None:
    async def scenario() -> list[int]:
        inbox = Inbox()
        assert inbox.empty() and inbox.qsize() == 0
        for i in range(3):
            inbox.put_nowait(i)
        assert inbox.qsize() == 3
        out = [await inbox.get() for _ in range(3)]
        assert inbox.empty() and inbox._items is None
        return out

    assert asyncio.run(scenario()) == [0, 1, 2]


def test_a_waiting_getter_gets_what_is_put_and_a_cancelled_one_loses_nothing() -> None:
    async def scenario() -> tuple[str, str]:
        inbox = Inbox()
        cancelled = asyncio.create_task(inbox.get())
        waiting = asyncio.create_task(inbox.get())
        await asyncio.sleep(0)
        cancelled.cancel()
        await asyncio.sleep(0)
        inbox.put_nowait("a")
        first = await asyncio.wait_for(waiting, 1)
        inbox.put_nowait("b")
        second = await asyncio.wait_for(inbox.get(), 1)
        assert inbox._getters == []
        return first, second

    assert asyncio.run(scenario()) == ("a", "b")


def test_two_getters_each_get_one_message() -> None:
    async def scenario() -> list[str]:
        inbox = Inbox()
        getters = [asyncio.create_task(inbox.get()) for _ in range(2)]
        await asyncio.sleep(0)
        inbox.put_nowait("x")
        inbox.put_nowait("y")
        return sorted(await asyncio.wait_for(asyncio.gather(*getters), 1))

    assert asyncio.run(scenario()) == ["x", "y"]


def test_the_flag_wakes_its_waiters_when_set() -> None:
    async def scenario() -> bool:
        flag = Flag()
        assert not flag.is_set()
        waiter = asyncio.create_task(flag.wait())
        await asyncio.sleep(0)
        assert not waiter.done()
        flag.set()
        assert await asyncio.wait_for(waiter, 1)
        flag.clear()
        assert not flag.is_set()
        flag.set()
        return await flag.wait()  # already set: at once

    assert asyncio.run(scenario())


def test_they_are_smaller_than_what_they_replace() -> None:
    async def sizes() -> tuple[int, int]:
        queue: asyncio.Queue[int] = asyncio.Queue()
        event = asyncio.Event()
        deques = [queue._getters, queue._putters, queue._queue, queue._finished._waiters]  # type: ignore[attr-defined]
        return (
            sys.getsizeof(queue) + sum(map(sys.getsizeof, deques)) + sys.getsizeof(event),
            sys.getsizeof(Inbox()) + sys.getsizeof(Flag()),
        )

    theirs, ours = asyncio.run(sizes())
    assert ours * 10 < theirs
