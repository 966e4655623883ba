"""Small parts of the server's assembly: ticket ids that grow with time, and commit
notices handed to the hub's loop once for many commits."""

from __future__ import annotations

import asyncio
import re
import threading
from collections.abc import Callable

from server.bootstrap import TicketIds
from server.installation import _CommitNotices


def test_ticket_ids_are_16_hex_digits_growing_and_unique_across_threads() -> None:
    ids = TicketIds()
    made: list[list[str]] = [[] for _ in range(4)]

    def make(out: list[str]) -> None:
        out.extend(ids() for _ in range(5000))

    threads = [threading.Thread(target=make, args=(out,)) for out in made]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    every = [i for out in made for i in out]
    assert len(set(every)) == len(every) == 20000
    assert all(re.fullmatch(r"[0-9a-f]{16}", i) for i in every)
    for out in made:
        assert out == sorted(out)  # each caller sees them grow (index-friendly)


def test_two_makers_in_the_same_millisecond_differ_by_their_random_bits() -> None:
    a, b = TicketIds(), TicketIds()
    assert len({a() for _ in range(100)} | {b() for _ in range(100)}) == 200


def test_commit_notices_reach_the_hub_once_per_hand_over_with_the_newest_version() -> None:
    heard: list[tuple[str, int]] = []

    async def main() -> None:
        loop = asyncio.get_running_loop()
        notices = _CommitNotices(loop, lambda office, version: heard.append((office, version)))

        def writer() -> None:
            for version in range(1, 501):
                notices("nakano", version)

        # The writer thread commits 500 times while the loop is busy (blocked here on
        # purpose), then once more after the loop has told the hub. The second notice is
        # also the marker: hand-overs run in order, so any stray one came before it.
        thread = threading.Thread(target=writer)
        thread.start()
        thread.join()
        await until(lambda: bool(heard))
        notices("nakano", 501)
        await until(lambda: ("nakano", 501) in heard)

    asyncio.run(main())
    assert heard == [("nakano", 500), ("nakano", 501)]


async def until(check: Callable[[], bool], timeout: float = 5.0) -> None:
    """Let the loop run until `check` holds; fail after `timeout` seconds."""
    try:
        async with asyncio.timeout(timeout):
            while not check():
                await asyncio.sleep(0)  # one turn of the loop: the polling interval
    except TimeoutError:
        raise AssertionError(f"not within {timeout} s") from None
