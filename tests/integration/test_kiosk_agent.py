"""The kiosk agent against a real server (uvicorn) whose kiosk-2f prints through it
(``--printer kiosk-2f=agent:``), with the TCP printer emulator as the kiosk PC's printer: a
ticket prints through the agent; an acknowledgement lost with the connection is made good
after the reconnect without printing twice; no agent means an on-screen ticket at once."""

from __future__ import annotations

import asyncio
import threading
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx
import pytest

from kiosk.agent import Agent
from printer.emulator import PrinterEmulator
from server.live.protocol import Close
from tests.conftest import LiveServer, cli_device_token

KIOSK = "kiosk-2f"
ISSUE = "/api/v1/offices/nakano/tickets"


class AgentThread:
    """An agent running on its own event loop in a thread, as on a kiosk PC."""

    def __init__(self, agent: Agent) -> None:
        self.agent = agent
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_until_complete, args=(agent.run(),))

    def __enter__(self) -> Agent:
        self.thread.start()
        return self.agent

    def __exit__(self, *exc: object) -> None:
        self.loop.call_soon_threadsafe(self.agent.stop)
        self.thread.join(10)
        self.loop.close()


class LosesFirstAck(Agent):
    """Prints the first job, then loses the connection before its acknowledgement."""

    lost = 0

    async def handle(self, message: dict[str, Any]) -> dict[str, Any]:
        ack = await super().handle(message)
        if self.lost == 0:
            self.lost += 1
            raise ConnectionResetError("the network dropped before the ack went out")
        return ack


@pytest.fixture
def server(live_server: Callable[..., LiveServer], sqlite_url: str) -> LiveServer:
    return live_server(sqlite_url, "--printer", f"{KIOSK}=agent:")


def wait_for(what: str, check: Callable[[], bool], timeout: float = 10.0) -> None:
    """Poll `check` until it holds; fail naming `what` after `timeout` seconds."""
    deadline = time.monotonic() + timeout
    while not check():
        assert time.monotonic() < deadline, f"not within {timeout} s: {what}"
        time.sleep(0.05)  # the polling interval


def printer_state(server: LiveServer) -> str:
    state: str = httpx.get(f"{server.url}/api/v1/views/kiosk:{KIOSK}").json()["printer"]["state"]
    return state


def test_a_ticket_prints_through_the_agent_and_its_state_reaches_the_kiosk(
    server: LiveServer, sqlite_url: str, emulator: PrinterEmulator, tmp_path: Path
) -> None:
    token = cli_device_token(sqlite_url, KIOSK)
    agent = Agent(server.url, KIOSK, f"tcp:127.0.0.1:{emulator.port}", token, tmp_path / "agent")
    with AgentThread(agent):
        wait_for("the printer online", lambda: printer_state(server) == "online")
        answer = httpx.post(
            f"{server.url}{ISSUE}",
            json={"service": "certificates", "kiosk": KIOSK},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert answer.json()["print"] == {"status": "printed", "error": None}
        [job] = emulator.wait_for_jobs(1)
        assert "B-001" in job.text()
    wait_for("the printer offline", lambda: printer_state(server) == "offline")  # agent gone


def test_an_ack_lost_with_the_connection_is_made_good_after_the_reconnect_without_a_reprint(
    server: LiveServer, sqlite_url: str, emulator: PrinterEmulator, tmp_path: Path
) -> None:
    token = cli_device_token(sqlite_url, KIOSK)
    agent = LosesFirstAck(
        server.url, KIOSK, f"tcp:127.0.0.1:{emulator.port}", token, tmp_path / "agent"
    )
    with AgentThread(agent):
        wait_for("the agent connected", lambda: agent.connections == 1)
        answer = httpx.post(
            f"{server.url}{ISSUE}",
            json={"service": "moving", "kiosk": KIOSK},
            headers={"Authorization": f"Bearer {token}"},
        )
        ticket = answer.json()
        # The job printed, but the server never heard: it says "queued" (or failed if the
        # agent's drop was seen first) and sends the job once more after the reconnect.
        wait_for("the agent reconnected", lambda: agent.connections >= 2)
        wait_for(
            "the ticket printed",
            lambda: (
                httpx.get(f"{server.url}/api/v1/visitor/{ticket['token']}").json()["print"][
                    "status"
                ]
                == "printed"
            ),
        )
        assert agent.printed == 1
        # A later ticket prints: a second copy of the first, had it been sent, came before.
        later = httpx.post(
            f"{server.url}{ISSUE}",
            json={"service": "moving", "kiosk": KIOSK},
            headers={"Authorization": f"Bearer {token}"},
        )
        assert later.json()["print"] == {"status": "printed", "error": None}
        emulator.wait_for_jobs(2)
        emulator.wait_idle()
        assert [("A-001" in j.text(), "A-002" in j.text()) for j in emulator.jobs] == [
            (True, False),
            (False, True),
        ]
        assert agent.printed == 2


def test_without_an_agent_the_ticket_fails_to_print_at_once(
    server: LiveServer, sqlite_url: str
) -> None:
    token = cli_device_token(sqlite_url, KIOSK)
    started = time.monotonic()
    answer = httpx.post(
        f"{server.url}{ISSUE}",
        json={"service": "moving", "kiosk": KIOSK},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 201
    assert answer.json()["print"] == {"status": "failed", "error": "offline"}
    assert time.monotonic() - started < 1.0


def test_an_agent_needs_the_kiosks_own_token(server: LiveServer, sqlite_url: str) -> None:
    from websockets.exceptions import ConnectionClosed
    from websockets.sync.client import connect

    with (
        connect(f"{server.ws_url}/ws/v1/agent/{KIOSK}?token=wrong") as ws,
        pytest.raises(ConnectionClosed) as closed,
    ):
        ws.recv(timeout=5)
    assert closed.value.rcvd is not None and closed.value.rcvd.code == Close.POLICY
