"""A websocket client on a bare socket, for clients no library would be: one with a tiny
receive buffer that stops reading, or reads a little at a time, so that the server's
writes back up. Only what those tests need of RFC 6455: the handshake and the server's
unmasked frames."""

from __future__ import annotations

import base64
import os
import socket
import struct

RECEIVE_BUFFER_BYTES = 2048


def connect(port: int, path: str, timeout_s: float = 10) -> socket.socket:
    """A socket with a tiny receive buffer, through the handshake of `path`."""
    sock = socket.socket()
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, RECEIVE_BUFFER_BYTES)
    sock.connect(("127.0.0.1", port))
    key = base64.b64encode(os.urandom(16)).decode()
    sock.sendall(
        f"GET {path} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\n"
        "Upgrade: websocket\r\nConnection: Upgrade\r\n"
        f"Sec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n".encode()
    )
    sock.settimeout(timeout_s)  # a handshake answer that never comes raises TimeoutError
    head = b""
    while b"\r\n\r\n" not in head:
        byte = sock.recv(1)
        assert byte, f"the server closed the connection during the handshake: {head!r}"
        head += byte
    assert head.startswith(b"HTTP/1.1 101"), head
    return sock


def split_frames(data: bytes) -> tuple[list[tuple[int, bytes]], bytes]:
    """The whole frames at the start of `data` as (opcode, payload), and what is left (a
    frame not yet all there, or cut short by the server ending the connection)."""
    frames = []
    while len(data) >= 2:
        opcode, length, at = data[0] & 0x0F, data[1] & 0x7F, 2
        if length in (126, 127):
            at = 4 if length == 126 else 10
            if len(data) < at:
                break
            (length,) = struct.unpack("!H" if at == 4 else "!Q", data[2:at])
        if len(data) < at + length:
            break
        frames.append((opcode, data[at : at + length]))
        data = data[at + length :]
    return frames, data
