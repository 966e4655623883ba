"""A network ESC/POS printer emulator: listens on TCP like a printer's port 9100.

It answers DLE EOT status requests at once, decodes the rest, and "prints" each job (split at
the cut) as a PNG and a text transcript. It can play a printer that is out of paper (it keeps
the jobs and prints them when refilled, as real printers do), has its cover open, reports
itself offline, is nearly out of paper, refuses connections (switched off), reads slowly
(a delay per read, or N bytes a second), or drops the connection in the middle of a job.
"""

from __future__ import annotations

import contextlib
import dataclasses
import socket
import struct
import threading
from pathlib import Path

from printer.emulator.decode import Decoder, Job
from printer.emulator.paper import draw_job
from printer.status import PrinterStatus, encode_status

READ_SIZE = 4096


class PrinterEmulator:
    def __init__(
        self,
        *,
        host: str = "127.0.0.1",
        port: int = 0,
        out_dir: Path | None = None,
        width: int = 576,
    ) -> None:
        self.host, self.out_dir, self.width = host, out_dir, width
        self._requested_port = port
        self._status = PrinterStatus()
        self.slow_s = 0.0  # delay before each read from a client
        self.rate_bps = 0  # bytes a second it takes in (0: as fast as they come)
        self.refuse = False  # switched off: connections are reset at once
        self.drop_after: int | None = None  # bytes of a connection after which it is cut
        self.jobs: list[Job] = []  # printed, in order
        self.held: list[Job] = []  # received while blocked; printed when it clears
        self.status_requests = 0
        self.serving = 0  # connections accepted and not yet served to their end
        self._lock = threading.Condition()
        self._stopping = threading.Event()
        self._server: socket.socket | None = None
        self._threads: list[threading.Thread] = []
        self._clients: list[socket.socket] = []

    # -- control ------------------------------------------------------------------------------

    def start(self) -> int:
        """Listen and serve in background threads; return the port (useful with port 0)."""
        self._server = socket.create_server((self.host, self._requested_port))
        self._port = int(self._server.getsockname()[1])
        self._spawn(self._accept_loop, self._server)
        return self._port

    @property
    def port(self) -> int:
        """The listening port (still known after stop, to test a printer that went away)."""
        return self._port

    def stop(self) -> None:
        self._stopping.set()
        if self._server is not None:
            # close() alone leaves a socket blocked in accept() listening on Linux.
            _shutdown(self._server)
            self._server.close()
        with self._lock:
            for client in self._clients:
                _shutdown(client)
        for thread in self._threads:
            thread.join(timeout=5)

    def __enter__(self) -> PrinterEmulator:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def set_state(
        self,
        *,
        paper_out: bool | None = None,
        cover_open: bool | None = None,
        offline: bool | None = None,
        paper_near_end: bool | None = None,
        slow_s: float | None = None,
        rate_bps: int | None = None,
        refuse: bool | None = None,
        drop_after: int | None = None,
    ) -> None:
        """Change what the printer plays; a cleared block prints the held jobs.
        `drop_after=0` stops dropping connections."""
        with self._lock:
            changes = {
                "paper_out": paper_out,
                "cover_open": cover_open,
                "paper_near_end": paper_near_end,
                "online": None if offline is None else not offline,
            }
            self._status = dataclasses.replace(
                self._status, **{k: v for k, v in changes.items() if v is not None}
            )
            if slow_s is not None:
                self.slow_s = slow_s
            if rate_bps is not None:
                self.rate_bps = rate_bps
            if refuse is not None:
                self.refuse = refuse
            if drop_after is not None:
                self.drop_after = drop_after or None
            if self._status.blocking_reason is None and self.held:
                held, self.held = self.held, []
                for job in held:
                    self._print(job)
            self._lock.notify_all()

    def refill(self) -> None:
        """Put paper in: the jobs kept while out of paper come out now."""
        self.set_state(paper_out=False, paper_near_end=False)

    @property
    def status(self) -> PrinterStatus:
        return self._status

    def wait_for_jobs(self, count: int, timeout: float = 5.0) -> list[Job]:
        """The printed jobs once there are ``count``; raise TimeoutError otherwise."""
        with self._lock:
            if not self._lock.wait_for(lambda: len(self.jobs) >= count, timeout):
                raise TimeoutError(f"{len(self.jobs)} jobs printed, waited for {count}")
            return list(self.jobs)

    def wait_idle(self, timeout: float = 5.0) -> None:
        """Return once no connection is being served: all that was received has been
        printed or held. Raise TimeoutError otherwise. What a test asserts was not printed
        it asserts after this, not after a sleep."""
        with self._lock:
            if not self._lock.wait_for(lambda: self.serving == 0, timeout):
                raise TimeoutError(f"{self.serving} connections still served after {timeout} s")

    # -- serving ------------------------------------------------------------------------------

    def _spawn(self, target: object, *args: object) -> None:
        thread = threading.Thread(target=target, args=args, daemon=True)  # type: ignore[arg-type]
        self._threads.append(thread)
        thread.start()

    def _accept_loop(self, server: socket.socket) -> None:
        while not self._stopping.is_set():
            try:
                client, _ = server.accept()
            except OSError:
                return
            if self.refuse:  # a printer that is switched off: reset, nothing read
                _reset(client)
                continue
            with self._lock:
                self._clients.append(client)
                self.serving += 1
            self._spawn(self._serve, client)

    def _serve(self, client: socket.socket) -> None:
        try:
            self._serve_until_closed(client)
        finally:
            with self._lock:
                self.serving -= 1
                self._lock.notify_all()

    def _serve_until_closed(self, client: socket.socket) -> None:
        decoder = Decoder()
        done = received = 0
        with client:
            while not self._stopping.is_set():
                if self.slow_s and self._stopping.wait(self.slow_s):
                    return
                rate = self.rate_bps
                try:
                    data = client.recv(min(READ_SIZE, rate) if rate else READ_SIZE)
                except OSError:
                    break
                if not data:
                    break
                received += len(data)
                if self.drop_after is not None and received >= self.drop_after:
                    _reset(client)  # cut in the middle of the job: nothing of it prints
                    return
                if rate and self._stopping.wait(len(data) / rate):
                    return
                for n in decoder.feed(data):
                    self._answer(client, n)
                done = self._take(decoder.jobs, done)
        self._take(decoder.finish(), done)

    def _answer(self, client: socket.socket, n: int) -> None:
        with self._lock:
            self.status_requests += 1
            answer = encode_status(self._status).get(n)
        if answer is not None:
            with contextlib.suppress(OSError):
                client.sendall(bytes([answer]))

    def _take(self, jobs: list[Job], done: int) -> int:
        with self._lock:
            for job in jobs[done:]:
                if self._status.blocking_reason is None:
                    self._print(job)
                else:
                    self.held.append(job)
            self._lock.notify_all()
        return len(jobs)

    def _print(self, job: Job) -> None:
        self.jobs.append(job)
        if self.out_dir is not None:
            self.out_dir.mkdir(parents=True, exist_ok=True)
            stem = self.out_dir / f"job-{len(self.jobs):04d}"
            draw_job(job, self.width).save(stem.with_suffix(".png"))
            stem.with_suffix(".txt").write_text(job.text(), encoding="utf-8")


def _reset(sock: socket.socket) -> None:
    """Close with a TCP reset, as a printer that loses power or refuses does."""
    with contextlib.suppress(OSError):
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        sock.close()


def _shutdown(sock: socket.socket) -> None:
    with contextlib.suppress(OSError):
        sock.shutdown(socket.SHUT_RDWR)
