"""The kiosk agent: prints the server's jobs on a printer that hangs on the kiosk PC.

``madoguchi kiosk-agent --server URL --kiosk ID --printer usb:VID:PID|serial:DEVICE|tcp:HOST:PORT``

It keeps a websocket to ``/ws/v1/agent/{kiosk}`` (authenticated with the kiosk's device
token), prints each job it receives in one write, and acknowledges it with the outcome. It
reconnects by itself, with backoff. The server sends a job that was not acknowledged once more
after a reconnect; the agent remembers every job id it has started (written to disk *before*
the bytes go out) and never prints one twice: a repeat is acknowledged with the first outcome,
and a job whose printing was cut short by a crash is reported, not reprinted.

It never imports the server: it speaks the wire protocol in ``server/agent_link.py``.
"""

from __future__ import annotations

import argparse
import asyncio
import base64
import contextlib
import json
import logging
import os
import random
import sys
import urllib.parse
from collections.abc import Callable
from pathlib import Path
from typing import Any

from printer.connections import PRINT_TIMEOUT_S, PrinterUnavailable, open_connection, send_job
from printer.status import PrinterStatus, read_status

log = logging.getLogger("madoguchi.kiosk-agent")
KEEP_JOBS = 2000  # job ids remembered: far more than a day's resends can reach back
STATUS_EVERY_S = 10.0  # how often the printer's status is read and reported when idle
BACKOFF_MAX_S = 15.0


class JobLog:
    """The ids of the jobs this agent has started, with their outcome, kept on disk.

    ``start`` is written before the job is sent: after a crash mid-job the id is known and the
    job is not printed again (its outcome is reported as ``uncertain``)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.jobs: dict[str, dict[str, Any]] = {}
        if path.exists():
            with contextlib.suppress(ValueError, OSError):
                self.jobs = json.loads(path.read_text(encoding="utf-8"))

    def seen(self, job: str) -> dict[str, Any] | None:
        outcome = self.jobs.get(job)
        if outcome is not None and outcome.get("status") == "started":
            return {"status": "failed", "error": "uncertain"}
        return outcome

    def start(self, job: str) -> None:
        self._put(job, {"status": "started", "error": None})

    def finish(self, job: str, status: str, error: str | None) -> None:
        self._put(job, {"status": status, "error": error})

    def _put(self, job: str, outcome: dict[str, Any]) -> None:
        self.jobs[job] = outcome
        while len(self.jobs) > KEEP_JOBS:
            del self.jobs[next(iter(self.jobs))]
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps(self.jobs), encoding="utf-8")
        with open(tmp, "rb+") as f:
            os.fsync(f.fileno())
        tmp.replace(self.path)


class Agent:
    def __init__(
        self,
        server: str,
        kiosk: str,
        printer: str,
        token: str,
        state_dir: Path,
        *,
        timeout: float = PRINT_TIMEOUT_S,
        send: Callable[[str, bytes], PrinterStatus | None] | None = None,
    ) -> None:
        self.url = agent_url(server, kiosk)
        self.kiosk, self.printer, self.token, self.timeout = kiosk, printer, token, timeout
        state_dir.mkdir(parents=True, exist_ok=True)
        self.log = JobLog(state_dir / f"{kiosk}-jobs.json")
        self._send = send or (lambda uri, data: send_job(uri, data, timeout=timeout))
        self.printed = 0  # jobs this process sent to the printer
        self.connections = 0
        self.stopping = asyncio.Event()
        self._ws: Any = None

    async def run(self) -> None:
        """Connect, serve, reconnect with backoff and jitter, until ``stop``."""
        import websockets

        backoff = 0.5
        while not self.stopping.is_set():
            try:
                async with websockets.connect(
                    self.url,
                    additional_headers={"Authorization": f"Bearer {self.token}"},
                    open_timeout=self.timeout * 2,
                ) as ws:
                    self.connections += 1
                    backoff = 0.5
                    log.info("connected to %s", self.url)
                    self._ws = ws
                    await self.serve(ws)
            except (OSError, TimeoutError, websockets.WebSocketException) as e:
                code = getattr(getattr(e, "rcvd", None), "code", None)
                if code == 1008:
                    log.error("refused by the server: %s", e)
                else:
                    log.warning("connection lost: %s", e)
            if self.stopping.is_set():
                return
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(
                    self.stopping.wait(), backoff / 2 + random.random() * backoff
                )
            backoff = min(backoff * 2, BACKOFF_MAX_S)

    def stop(self) -> None:
        """On the agent's event loop: stop serving and do not reconnect."""
        self.stopping.set()
        if self._ws is not None:
            asyncio.get_running_loop().create_task(self._ws.close())

    async def serve(self, ws: Any) -> None:
        await ws.send(json.dumps({"type": "status", **await self.status()}))
        reporter = asyncio.create_task(self._report(ws))
        try:
            async for text in ws:
                if self.stopping.is_set():
                    return
                message = json.loads(text)
                if message.get("type") == "job":
                    await ws.send(json.dumps(await self.handle(message)))
        finally:
            reporter.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await reporter

    async def handle(self, message: dict[str, Any]) -> dict[str, Any]:
        """Print one job (unless it was seen before); the acknowledgement to send back."""
        job = str(message["job"])
        seen = self.log.seen(job)
        if seen is not None:
            log.info("job %s was already handled (%s): not printed again", job, seen["status"])
            return {"type": "ack", "job": job, "duplicate": True, **seen}
        data = base64.b64decode(message["data"])
        self.log.start(job)
        error: str | None
        try:
            after = await asyncio.to_thread(self._send, self.printer, data)
        except PrinterUnavailable as e:
            status, error = "failed", e.reason
            state = e.reason if e.reason in ("paper_out", "cover_open") else "offline"
            printer = {"state": state, "paper_near_end": False}
        else:
            self.printed += 1
            status, error = "printed", None
            printer = {"state": "online", "paper_near_end": bool(after and after.paper_near_end)}
        self.log.finish(job, status, error)
        return {"type": "ack", "job": job, "status": status, "error": error, **printer}

    async def status(self) -> dict[str, Any]:
        """The printer's state as the server wants it: online, paper_out, cover_open, offline."""
        try:
            status = await asyncio.to_thread(self._read_status)
        except PrinterUnavailable as e:
            return {"state": "offline" if e.reason not in ("paper_out", "cover_open") else e.reason}
        if status is None:
            return {"state": "online", "paper_near_end": False}
        reason = status.blocking_reason
        state = (
            reason if reason in ("paper_out", "cover_open") else ("offline" if reason else "online")
        )
        return {"state": state, "paper_near_end": status.paper_near_end}

    def _read_status(self) -> PrinterStatus | None:
        with open_connection(self.printer, self.timeout) as conn:
            if not conn.can_read:
                return None
            try:
                return read_status(conn)
            except ValueError as e:
                raise PrinterUnavailable("error", str(e)) from e

    async def _report(self, ws: Any) -> None:
        while True:
            await asyncio.sleep(STATUS_EVERY_S)
            await ws.send(json.dumps({"type": "status", **await self.status()}))


def agent_url(server: str, kiosk: str) -> str:
    parts = urllib.parse.urlsplit(server.rstrip("/"))
    scheme = {"http": "ws", "https": "wss"}.get(parts.scheme, parts.scheme)
    path = f"{parts.path}/ws/v1/agent/{urllib.parse.quote(kiosk)}"
    return urllib.parse.urlunsplit((scheme, parts.netloc, path, "", ""))


def parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="madoguchi kiosk-agent",
        description="Print the server's tickets on this kiosk PC's printer.",
    )
    p.add_argument(
        "--server", required=True, help="the server's address, e.g. http://10.0.0.5:8000"
    )
    p.add_argument("--kiosk", required=True, help="this kiosk's id, e.g. kiosk-2f")
    p.add_argument(
        "--printer", required=True, help="usb:VID:PID, serial:DEVICE[:BAUD] or tcp:HOST[:PORT]"
    )
    p.add_argument(
        "--token",
        default=os.environ.get("MADOGUCHI_KIOSK_TOKEN"),
        help="the kiosk's device token (default: $MADOGUCHI_KIOSK_TOKEN)",
    )
    p.add_argument(
        "--state-dir",
        type=Path,
        default=Path(os.environ.get("MADOGUCHI_AGENT_STATE", "var/kiosk-agent")),
        help="where the ids of printed jobs are kept (default: var/kiosk-agent)",
    )
    return p


def main(argv: list[str] | None = None) -> int:
    args = parser().parse_args(argv)
    if not args.token:
        print(
            "madoguchi kiosk-agent: --token or $MADOGUCHI_KIOSK_TOKEN is required", file=sys.stderr
        )
        return 2
    from printer.address import parse_uri

    try:
        parse_uri(args.printer)
    except ValueError as e:
        print(f"madoguchi kiosk-agent: {e}", file=sys.stderr)
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(message)s")
    agent = Agent(args.server, args.kiosk, args.printer, args.token, args.state_dir)
    with contextlib.suppress(KeyboardInterrupt):
        asyncio.run(agent.run())
    return 0


if __name__ == "__main__":
    sys.exit(main())
