"""What one request may make the server hold (issue 14, item 5): bodies over the limit are
refused with 413 before they are read, on the issuing fast path and on every other route,
whether they say their length or stream it in chunks. Real uvicorn: the transport is the
point."""

from __future__ import annotations

import socket
from collections.abc import Callable

import httpx
import pytest

from tests.conftest import LiveServer

LIMIT = 1024 * 1024  # the default, Settings.max_body_bytes
ISSUE = "/api/v1/offices/nakano/tickets"
TOKEN = "/api/v1/auth/token"


@pytest.fixture
def server(live_server: Callable[..., LiveServer], sqlite_url: str) -> LiveServer:
    return live_server(sqlite_url)


def _raw(server: LiveServer, head: str, chunks: int, chunk: bytes) -> tuple[bytes, int]:
    """Send `head`, then up to `chunks` HTTP chunks of `chunk` while the server has not
    answered; return the answer and how many chunks went out before it came."""
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(head.encode())
        sent = 0
        sock.setblocking(False)
        answer = b""
        try:
            for sent in range(chunks):  # noqa: B007
                try:
                    answer += sock.recv(65536)
                    break
                except BlockingIOError:
                    pass
                sock.setblocking(True)
                sock.sendall(b"%x\r\n%s\r\n" % (len(chunk), chunk))
                sock.setblocking(False)
        except (BrokenPipeError, ConnectionResetError):
            pass
        sock.setblocking(True)
        sock.settimeout(10)
        try:
            while b"\r\n\r\n" not in answer or not answer.endswith(b"}"):
                more = sock.recv(65536)
                if not more:
                    break
                answer += more
        except (ConnectionResetError, TimeoutError):
            pass
        return answer, sent


@pytest.mark.parametrize("path", [ISSUE, TOKEN])
def test_a_declared_length_over_the_limit_is_refused_before_it_is_read(
    server: LiveServer, path: str
) -> None:
    with socket.create_connection(("127.0.0.1", server.port), timeout=10) as sock:
        sock.sendall(
            f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
            f"Content-Length: {100 * LIMIT}\r\n\r\n".encode()
        )
        answer = _whole_answer(sock)
    head, _, body = answer.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 413"), answer
    assert b'"code":"payload_too_large"' in body


def _whole_answer(sock: socket.socket) -> bytes:
    """An answer's head and its whole body (its Content-Length): the two may come in
    separate segments."""
    answer = b""
    while True:
        head, sep, body = answer.partition(b"\r\n\r\n")
        if sep:
            length = next(
                (
                    int(line.split(b":", 1)[1])
                    for line in head.split(b"\r\n")
                    if line.lower().startswith(b"content-length:")
                ),
                0,
            )
            if len(body) >= length:
                return answer
        more = sock.recv(65536)
        if not more:
            return answer
        answer += more


@pytest.mark.parametrize("path", [ISSUE, TOKEN])
def test_a_chunked_body_is_refused_as_soon_as_it_passes_the_limit(
    server: LiveServer, path: str
) -> None:
    chunk = b" " * 65536
    head = (
        f"POST {path} HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\n"
        "Transfer-Encoding: chunked\r\n\r\n"
    )
    answer, sent = _raw(server, head, 1600, chunk)  # 100 MB if nothing stopped it
    assert answer.startswith(b"HTTP/1.1 413"), answer[:200]
    assert b'"code":"payload_too_large"' in answer
    assert sent < 200  # well before the 100 MB were sent


def test_a_body_under_the_limit_is_read_as_before(server: LiveServer) -> None:
    padded = b'{"service": "moving"' + b" " * (LIMIT // 2) + b"}"
    answer = httpx.post(
        server.url + ISSUE, content=padded, headers={"Content-Type": "application/json"}
    )
    assert answer.status_code == 201, answer.text
