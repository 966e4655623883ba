"""The emulator's wire-level faults: switched off, slow in bytes a second, cut mid-job."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from printer.connections import PrinterUnavailable, send_job
from printer.emulator import PrinterEmulator

JOB = b"\x1b@" + b"madoguchi " * 400 + b"\n\x1dV\x00"  # about 4 KB and a cut


def test_a_switched_off_printer_refuses_and_nothing_is_printed() -> None:
    with PrinterEmulator() as emulator:
        emulator.set_state(refuse=True)
        with pytest.raises(PrinterUnavailable) as caught:
            send_job(f"tcp:127.0.0.1:{emulator.port}", JOB, timeout=2)
        assert caught.value.reason in ("refused", "io_error", "offline")
        emulator.set_state(refuse=False)
        send_job(f"tcp:127.0.0.1:{emulator.port}", JOB, timeout=2)
        assert len(emulator.wait_for_jobs(1)) == 1


def test_a_printer_taking_n_bytes_a_second_takes_that_long() -> None:
    with PrinterEmulator() as emulator:
        emulator.set_state(rate_bps=8000)
        started = time.monotonic()
        send_job(f"tcp:127.0.0.1:{emulator.port}", JOB, timeout=5)
        emulator.wait_for_jobs(1, timeout=5)
        assert time.monotonic() - started >= len(JOB) / 8000 * 0.8


def test_a_connection_cut_mid_job_prints_nothing_of_it() -> None:
    with PrinterEmulator() as emulator:
        emulator.set_state(drop_after=1000)
        with pytest.raises(PrinterUnavailable):
            send_job(f"tcp:127.0.0.1:{emulator.port}", JOB * 50, timeout=2)
        emulator.wait_idle()
        assert emulator.jobs == [] and emulator.held == []


def test_wait_idle_returns_once_every_connection_is_served_to_its_end() -> None:
    with PrinterEmulator() as emulator:
        conn = socket.create_connection(("127.0.0.1", emulator.port), timeout=3)
        conn.sendall(b"\x10\x04\x04")  # a status request: the connection is being served
        assert conn.recv(1)
        conn.sendall(JOB)
        with pytest.raises(TimeoutError, match="1 connections still served"):
            emulator.wait_idle(timeout=0.1)
        conn.close()
        emulator.wait_idle()
        assert len(emulator.jobs) == 1  # the job is in by the time it returns


def test_the_cli_emulator_switched_off_refuses_connections(tmp_path: Path) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "server.cli",
            "printer-emulator",
            "--port",
            str(port),
            "--out",
            str(tmp_path),
            "--offline",
        ],
        stdout=subprocess.PIPE,
    )
    try:
        assert process.stdout is not None
        assert "emulator" in process.stdout.readline().decode()
        with pytest.raises(PrinterUnavailable):
            send_job(f"tcp:127.0.0.1:{port}", JOB, timeout=2)
    finally:
        process.terminate()
        process.wait(10)
