"""The kiosk agent on its own: the job log that keeps it from printing a job twice, the
acknowledgements it sends, and its address."""

from __future__ import annotations

import asyncio
import base64
from pathlib import Path

from kiosk.agent import Agent, JobLog, agent_url
from printer.connections import PrinterUnavailable
from printer.status import PrinterStatus


def job(job_id: str, data: bytes = b"\x1b@ticket\x1dV\x00") -> dict[str, object]:
    return {"type": "job", "job": job_id, "ticket": "t1", "data": base64.b64encode(data).decode()}


def make_agent(tmp_path: Path, sent: list[bytes], fail: str | None = None) -> Agent:
    def send(uri: str, data: bytes) -> PrinterStatus | None:
        if fail:
            raise PrinterUnavailable(fail)
        sent.append(data)
        return PrinterStatus(paper_near_end=True)

    return Agent("http://server:8000", "kiosk-2f", "tcp:printer", "tok", tmp_path, send=send)


def test_a_job_is_printed_once_and_a_repeat_is_acknowledged_with_the_first_outcome(
    tmp_path: Path,
) -> None:
    sent: list[bytes] = []
    agent = make_agent(tmp_path, sent)
    first = asyncio.run(agent.handle(job("j1")))
    assert first == {
        "type": "ack",
        "job": "j1",
        "status": "printed",
        "error": None,
        "state": "online",
        "paper_near_end": True,
    }
    again = asyncio.run(agent.handle(job("j1")))
    assert again["status"] == "printed" and again["duplicate"] is True
    assert sent == [b"\x1b@ticket\x1dV\x00"]


def test_the_job_log_survives_a_restart_of_the_agent(tmp_path: Path) -> None:
    sent: list[bytes] = []
    asyncio.run(make_agent(tmp_path, sent).handle(job("j1")))
    restarted = make_agent(tmp_path, sent)
    assert asyncio.run(restarted.handle(job("j1")))["duplicate"] is True
    assert len(sent) == 1


def test_a_job_cut_short_by_a_crash_is_reported_uncertain_not_printed_again(tmp_path: Path) -> None:
    JobLog(tmp_path / "kiosk-2f-jobs.json").start("j9")  # started, never finished
    sent: list[bytes] = []
    ack = asyncio.run(make_agent(tmp_path, sent).handle(job("j9")))
    assert (ack["status"], ack["error"]) == ("failed", "uncertain")
    assert sent == []


def test_a_printer_fault_is_acknowledged_failed_with_its_reason_and_state(tmp_path: Path) -> None:
    ack = asyncio.run(make_agent(tmp_path, [], fail="paper_out").handle(job("j2")))
    assert (ack["status"], ack["error"], ack["state"]) == ("failed", "paper_out", "paper_out")
    ack = asyncio.run(make_agent(tmp_path, [], fail="refused").handle(job("j3")))
    assert (ack["error"], ack["state"]) == ("refused", "offline")


def test_the_job_log_keeps_a_bounded_number_of_ids(tmp_path: Path, monkeypatch: object) -> None:
    import kiosk.agent

    monkeypatch.setattr(kiosk.agent, "KEEP_JOBS", 3)  # type: ignore[attr-defined]
    log = JobLog(tmp_path / "jobs.json")
    for i in range(5):
        log.finish(f"j{i}", "printed", None)
    assert list(JobLog(tmp_path / "jobs.json").jobs) == ["j2", "j3", "j4"]


def test_the_agent_address_follows_the_server_scheme() -> None:
    assert (
        agent_url("http://10.0.0.5:8000", "kiosk-2f") == "ws://10.0.0.5:8000/ws/v1/agent/kiosk-2f"
    )
    assert (
        agent_url("https://q.example/madoguchi/", "k") == "wss://q.example/madoguchi/ws/v1/agent/k"
    )
