"""The server's end of the kiosk agents (``kiosk/agent.py``): ``/ws/v1/agent/{kiosk}``.

A kiosk whose printer URI is ``agent:`` has its printer on the kiosk PC (USB or serial). The
agent there keeps a websocket to this endpoint, authenticated with the kiosk's device token.
Each print job goes down as ``{"type": "job", "job": ID, "ticket": ..., "data": base64}``; the
agent answers ``{"type": "ack", "job": ID, "status": "printed"|"failed", "error": ...}``, and
says how its printer is with ``{"type": "status", "state": ..., "paper_near_end": ...}``.

A job not acknowledged when the agent goes away stays pending and is sent once more when the
agent comes back (``"resent": true``); the agent keeps the ids of the jobs it has printed and
never prints one twice (it acknowledges the repeat with its first outcome). A job that was
already sent twice, or waited longer than ``JOB_TTL_S``, is given up as ``failed``
(``agent_lost``) rather than printed long after its visitor left with the on-screen ticket.
No agent connected: the job fails at once (``offline``) and the kiosk shows the ticket.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import dataclasses
import json
import logging
import time
import uuid
from collections.abc import Callable
from typing import Any

from starlette.routing import WebSocketRoute
from starlette.websockets import WebSocket, WebSocketDisconnect

from server.api.state import device_system
from server.live.protocol import Close

log = logging.getLogger(__name__)

AGENT_URI = "agent:"
JOB_TTL_S = 120.0  # a job older than this is not sent again after a reconnect
MAX_SENDS = 2  # the first send, and once more after a reconnect

Outcome = tuple[str, str | None]  # ("printed" | "failed", reason)


@dataclasses.dataclass
class PendingJob:
    id: str
    kiosk: str
    ticket: str
    data: bytes
    created: float
    future: asyncio.Future[Outcome]
    sends: int = 0

    def frame(self) -> str:
        return json.dumps(
            {
                "type": "job",
                "job": self.id,
                "ticket": self.ticket,
                "data": base64.b64encode(self.data).decode(),
                "resent": self.sends > 1,
            }
        )


class AgentConnection:
    """One agent's websocket, with its own writer task (sends never interleave)."""

    def __init__(self, kiosk: str, websocket: WebSocket) -> None:
        self.kiosk, self.websocket = kiosk, websocket
        self.outbox: asyncio.Queue[str | None] = asyncio.Queue()

    def send(self, text: str) -> None:
        self.outbox.put_nowait(text)

    async def pump(self) -> None:
        while (text := await self.outbox.get()) is not None:
            await self.websocket.send_text(text)


class AgentLink:
    """Pending jobs per kiosk and the agents connected now (on the event loop only)."""

    def __init__(
        self,
        on_outcome: Callable[[str, str, Outcome], None],
        on_state: Callable[[str, str, bool], None],
    ) -> None:
        self.on_outcome, self.on_state = on_outcome, on_state
        self.connections: dict[str, AgentConnection] = {}
        self.pending: dict[str, dict[str, PendingJob]] = {}
        self.acks = 0

    def is_connected(self, kiosk: str) -> bool:
        return kiosk in self.connections

    def submit(self, kiosk: str, ticket_id: str, data: bytes) -> asyncio.Future[Outcome]:
        future: asyncio.Future[Outcome] = asyncio.get_running_loop().create_future()
        connection = self.connections.get(kiosk)
        if connection is None:
            future.set_result(("failed", "offline"))
            self.on_outcome(kiosk, ticket_id, ("failed", "offline"))
            return future
        job = PendingJob(uuid.uuid4().hex, kiosk, ticket_id, data, time.monotonic(), future)
        self.pending.setdefault(kiosk, {})[job.id] = job
        job.sends = 1
        connection.send(job.frame())
        return future

    def attach(self, connection: AgentConnection) -> None:
        """A (re)connected agent: replace any older connection and send the unacknowledged
        jobs once more."""
        old = self.connections.get(connection.kiosk)
        if old is not None:
            old.outbox.put_nowait(None)
            with contextlib.suppress(Exception):
                asyncio.get_running_loop().create_task(
                    old.websocket.close(Close.REPLACED, "another agent connected")
                )
        self.connections[connection.kiosk] = connection
        now = time.monotonic()
        for job in list(self.pending.get(connection.kiosk, {}).values()):
            if job.sends >= MAX_SENDS or now - job.created > JOB_TTL_S:
                self._settle(job, ("failed", "agent_lost"))
                continue
            job.sends += 1
            connection.send(job.frame())

    def detach(self, connection: AgentConnection) -> None:
        if self.connections.get(connection.kiosk) is connection:
            del self.connections[connection.kiosk]
            self.on_state(connection.kiosk, "offline", False)
        connection.outbox.put_nowait(None)

    def receive(self, kiosk: str, message: dict[str, Any]) -> None:
        kind = message.get("type")
        if "state" in message:
            self.on_state(kiosk, str(message["state"]), bool(message.get("paper_near_end")))
        if kind == "ack":
            job = self.pending.get(kiosk, {}).get(str(message.get("job")))
            if job is None:
                return  # already settled (a repeat ack, or given up)
            self.acks += 1
            status = "printed" if message.get("status") == "printed" else "failed"
            error = None if status == "printed" else str(message.get("error") or "error")[:200]
            self._settle(job, (status, error))

    def _settle(self, job: PendingJob, outcome: Outcome) -> None:
        self.pending.get(job.kiosk, {}).pop(job.id, None)
        if not job.future.done():
            job.future.set_result(outcome)
        self.on_outcome(job.kiosk, job.ticket, outcome)


async def agent_endpoint(websocket: WebSocket) -> None:
    from server.accounts import device_of_token
    from server.api.auth import bearer

    kiosk = websocket.path_params["kiosk"]
    system = device_system(websocket, kiosk)  # the office whose file lists the kiosk
    token = bearer(websocket)
    device = await asyncio.to_thread(device_of_token, system.engines, token) if token else None
    await websocket.accept()  # accept first, so the agent reads why it is refused
    if kiosk not in system.printing.devices or device != kiosk:
        await websocket.close(Close.POLICY, "the kiosk's device token is required")
        return
    if not system.printing.devices[kiosk].is_agent:
        await websocket.close(Close.POLICY, f"{kiosk} prints directly, not through an agent")
        return
    link: AgentLink = system.printing.agents
    connection = AgentConnection(kiosk, websocket)
    writer = asyncio.create_task(connection.pump())
    link.attach(connection)
    try:
        while True:
            text = await websocket.receive_text()
            with contextlib.suppress(ValueError, TypeError, AttributeError):
                link.receive(kiosk, json.loads(text))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        link.detach(connection)
        with contextlib.suppress(asyncio.CancelledError, Exception):
            await asyncio.wait_for(writer, 1)
        writer.cancel()


def routes() -> list[WebSocketRoute]:
    return [WebSocketRoute("/ws/v1/agent/{kiosk}", agent_endpoint)]
