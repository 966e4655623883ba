"""Sending a job to a printer: one write, a short timeout, one exception type.

Everything here is synchronous and blocking; the server calls it from a worker thread. Every
failure, whatever the transport, becomes ``PrinterUnavailable(reason)``.
"""

from __future__ import annotations

import socket
import subprocess
import threading
from pathlib import Path
from typing import Any

from printer.address import PrinterAddress, parse_uri
from printer.status import PrinterStatus, read_status

PRINT_TIMEOUT_S = 3.0  # python-escpos would wait 60 s; a kiosk visitor will not


class PrinterUnavailable(Exception):
    """The printer cannot print now.

    ``reason`` is one of refused, timeout, offline, paper_out, cover_open, error, io_error.
    ``sent`` is True when the job reached the printer anyway: it may still come out (a
    printer out of paper keeps the job and prints it when refilled), so do not reprint
    without asking a person.
    """

    def __init__(self, reason: str, detail: str = "", *, sent: bool = False) -> None:
        super().__init__(f"{reason}: {detail}" if detail else reason)
        self.reason = reason
        self.detail = detail
        self.sent = sent


class Connection:
    """An open connection to one printer. Use as a context manager."""

    can_read = False

    def write(self, data: bytes) -> None:
        raise NotImplementedError

    def read(self, n: int) -> bytes:
        raise PrinterUnavailable("io_error", "this connection cannot read status")

    def close(self) -> None:
        pass

    def __enter__(self) -> Connection:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()


class TcpConnection(Connection):
    can_read = True

    def __init__(self, host: str, port: int, timeout: float) -> None:
        try:
            self._sock = socket.create_connection((host, port), timeout=timeout)
        except ConnectionRefusedError as e:
            raise PrinterUnavailable("refused", f"{host}:{port} refused the connection") from e
        except TimeoutError as e:
            raise PrinterUnavailable("timeout", f"no answer from {host}:{port}") from e
        except OSError as e:
            raise PrinterUnavailable("offline", f"{host}:{port}: {e}") from e

    def write(self, data: bytes) -> None:
        try:
            self._sock.sendall(data)
        except TimeoutError as e:
            raise PrinterUnavailable("timeout", "the printer stopped reading") from e
        except OSError as e:
            raise PrinterUnavailable("io_error", str(e)) from e

    def read(self, n: int) -> bytes:
        data = b""
        try:
            while len(data) < n:
                chunk = self._sock.recv(n - len(data))
                if not chunk:
                    raise PrinterUnavailable("io_error", "the printer closed the connection")
                data += chunk
        except TimeoutError as e:
            raise PrinterUnavailable("timeout", "no status answer from the printer") from e
        except OSError as e:
            raise PrinterUnavailable("io_error", str(e)) from e
        return data

    def close(self) -> None:
        self._sock.close()


class EscposConnection(Connection):
    """USB and serial through python-escpos's device classes (pyusb, pyserial)."""

    can_read = True

    def __init__(self, device: Any) -> None:
        self._device = device

    def write(self, data: bytes) -> None:
        self._guard(self._device._raw, data)

    def read(self, n: int) -> bytes:
        data: bytes = self._guard(self._device._read)
        if len(data) < n:
            raise PrinterUnavailable("timeout", "no status answer from the printer")
        return data[:n]

    def close(self) -> None:
        self._guard(self._device.close)

    @staticmethod
    def _guard(fn: Any, *args: Any) -> Any:
        try:
            return fn(*args)
        except PrinterUnavailable:
            raise
        except Exception as e:  # pyusb and pyserial raise many types; all mean the same here
            raise PrinterUnavailable("io_error", f"{type(e).__name__}: {e}") from e


class FileConnection(Connection):
    """A device file (/dev/usb/lp0) or a plain file. A write that blocks is abandoned."""

    def __init__(self, path: str, timeout: float) -> None:
        self._path, self._timeout = path, timeout

    def write(self, data: bytes) -> None:
        errors: list[OSError] = []

        def write_all() -> None:
            try:
                with open(self._path, "ab", buffering=0) as f:
                    f.write(data)
            except OSError as e:
                errors.append(e)

        worker = threading.Thread(target=write_all, daemon=True)
        worker.start()
        worker.join(self._timeout)
        if worker.is_alive():
            raise PrinterUnavailable("timeout", f"{self._path} did not take the job", sent=True)
        if errors:
            raise PrinterUnavailable("io_error", f"{self._path}: {errors[0]}")


class CupsConnection(Connection):
    def __init__(self, queue: str, timeout: float) -> None:
        self._queue, self._timeout = queue, timeout

    def write(self, data: bytes) -> None:
        try:
            done = subprocess.run(
                ["lp", "-d", self._queue, "-o", "raw"],
                input=data,
                capture_output=True,
                timeout=self._timeout,
            )
        except FileNotFoundError as e:
            raise PrinterUnavailable("io_error", "the `lp` command (CUPS) is not installed") from e
        except subprocess.TimeoutExpired as e:
            raise PrinterUnavailable("timeout", f"lp -d {self._queue} did not return") from e
        if done.returncode != 0:
            message = done.stderr.decode(errors="replace").strip()
            raise PrinterUnavailable("error", f"lp -d {self._queue}: {message}")


def open_connection(uri: str | PrinterAddress, timeout: float = PRINT_TIMEOUT_S) -> Connection:
    """Open the printer at ``uri``; ValueError for a bad URI, PrinterUnavailable if it fails."""
    address = parse_uri(uri) if isinstance(uri, str) else uri
    if address.scheme == "tcp":
        return TcpConnection(address.target, address.port, timeout)
    if address.scheme == "file":
        return FileConnection(address.target, timeout)
    if address.scheme == "cups":
        return CupsConnection(address.target, timeout)
    if address.scheme == "preview":
        from printer.preview import PreviewConnection

        return PreviewConnection(Path(address.target))
    return _open_escpos(address, timeout)


def _open_escpos(address: PrinterAddress, timeout: float) -> Connection:
    from printer.render import import_escpos

    printers = import_escpos()
    try:
        if address.scheme == "usb":
            device = printers.Usb(
                address.vendor_id, address.product_id, timeout=int(timeout * 1000)
            )
        else:
            device = printers.Serial(address.target, address.port, timeout=timeout)
        device.open()
    except Exception as e:  # missing pyusb/pyserial, no such device, permission denied
        raise PrinterUnavailable("offline", f"{address.scheme}:{address.target}: {e}") from e
    return EscposConnection(device)


def send_job(
    uri: str | PrinterAddress, job: bytes, *, timeout: float = PRINT_TIMEOUT_S
) -> PrinterStatus | None:
    """Send one rendered job in one write, checking the printer's status around it.

    Before: a printer out of paper, with its cover open, in error or offline gets nothing
    (``PrinterUnavailable(reason, sent=False)``). After: if it reports such a state, the job
    is in its buffer and may print later (``PrinterUnavailable(reason, sent=True)``). Returns
    the status after the job (watch ``paper_near_end``), or None if the connection cannot read.
    """
    with open_connection(uri, timeout) as conn:
        if conn.can_read:
            reason = _status(conn).blocking_reason
            if reason:
                raise PrinterUnavailable(reason, "the job was not sent")
        conn.write(job)
        if not conn.can_read:
            return None
        try:
            after = _status(conn)
        except PrinterUnavailable as e:
            raise PrinterUnavailable(e.reason, e.detail, sent=True) from e
        if after.blocking_reason:
            raise PrinterUnavailable(after.blocking_reason, "after the job was sent", sent=True)
        return after


def _status(conn: Connection) -> PrinterStatus:
    try:
        return read_status(conn)
    except ValueError as e:  # garbage instead of status bytes: not an ESC/POS printer?
        raise PrinterUnavailable("error", str(e)) from e
