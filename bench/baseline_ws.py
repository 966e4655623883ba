"""The baseline for the public fan-out: a plain `websockets` server broadcasting one frame
of a given size to every subscriber, with no database, no views and no hub.

    python -m bench.baseline_ws --port P --size BYTES

Subscribers connect to `/sub` and get a frame at once (like our view on connect). A
trigger on the control websocket `/control` (a text message holding an integer `seq`)
makes the server build one frame of BYTES bytes shaped like our envelope, with one
`ticket.issued` event whose `seq` is that integer and whose number is `B-<seq>`, and
hand it to `websockets.broadcast` for all subscribers; it then answers `ok <seq>` on the
control socket. Per-message deflate is off, as on our server. The process prints
`ready <port>` when it listens and stops on SIGTERM or SIGINT.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import signal
import sys

from websockets.asyncio.server import ServerConnection, broadcast, serve

CHANNEL = "public:nakano"


def make_frame(seq: int, size: int) -> str:
    """A view frame of `size` bytes (UTF-8) holding one ticket.issued event."""
    events = json.dumps(
        [{"seq": seq, "type": "ticket.issued", "number": f"B-{seq}", "service": "certificates"}],
        separators=(",", ":"),
    )
    head = f'{{"type":"view","channel":"{CHANNEL}","version":{seq},"view":{{"pad":"'
    tail = f'"}},"events":{events}}}'
    pad = max(0, size - len(head) - len(tail))
    return head + "x" * pad + tail


class Baseline:
    def __init__(self, size: int) -> None:
        self.size = size
        self.subscribers: set[ServerConnection] = set()
        self.version = 0

    async def handler(self, ws: ServerConnection) -> None:
        path = ws.request.path if ws.request is not None else "/"
        if path.startswith("/control"):
            async for message in ws:
                seq = int(message)
                self.version = max(self.version, seq)
                broadcast(self.subscribers, make_frame(seq, self.size))
                await ws.send(f"ok {seq}")
            return
        self.subscribers.add(ws)
        try:
            await ws.send(make_frame_initial(self.version, self.size))
            await ws.wait_closed()
        finally:
            self.subscribers.discard(ws)


def make_frame_initial(version: int, size: int) -> str:
    head = f'{{"type":"view","channel":"{CHANNEL}","version":{version},"view":{{"pad":"'
    tail = '"},"events":[]}'
    return head + "x" * max(0, size - len(head) - len(tail)) + tail


async def main(port: int, size: int) -> None:
    baseline = Baseline(size)
    stop = asyncio.get_running_loop().create_future()
    for sig in (signal.SIGTERM, signal.SIGINT):
        asyncio.get_running_loop().add_signal_handler(sig, stop.set_result, None)
    async with serve(
        baseline.handler,
        "127.0.0.1",
        port,
        compression=None,
        max_size=None,
        max_queue=None,
        backlog=4096,
    ):
        print(f"ready {port}", flush=True)
        await stop


if __name__ == "__main__":
    p = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--size", type=int, default=7000, help="frame size in bytes")
    args = p.parse_args()
    try:
        import uvloop

        uvloop.run(main(args.port, args.size))
    except ImportError:  # pragma: no cover
        asyncio.run(main(args.port, args.size))
    sys.exit(0)
