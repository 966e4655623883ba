"""What the benchmarks share: a server subprocess pinned to one core, a lean keep-alive
HTTP/1.1 client, a lean websocket client, percentiles, CPU and memory readings, results.

The clients are deliberately thin (asyncio streams and protocols on uvloop) so that the
load generator on core 1 is never what limits the figures; every benchmark prints how
busy its own core was so that this can be checked.
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import datetime as _dt
import json
import math
import os
import resource
import secrets
import shutil
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
# The code the server runs from (default: this checkout). MADOGUCHI_BENCH_CODE=DIR runs a
# server from another tree, e.g. an exported commit, while the work tree is being edited.
CODE = Path(os.environ.get("MADOGUCHI_BENCH_CODE") or ROOT)
RESULTS = Path(__file__).resolve().parent / "results"
PYTHON = sys.executable
SERVER_CORE = 0
CLIENT_CORE = 1
BENCH_USER = ("bench", "bench-password-1")
OFFICE = "nakano"

# -- cores, limits, clocks ---------------------------------------------------------------


# Read once, at import: once this process pins itself to the client core, its own
# affinity no longer tells how many cores the servers may be pinned to.
_CORES_AT_START = os.sched_getaffinity(0)


def cores_available() -> bool:
    return {SERVER_CORE, CLIENT_CORE} <= _CORES_AT_START


def pin_self(core: int = CLIENT_CORE) -> None:
    """Pin the load generator (this process and the threads it starts) to one core."""
    if cores_available():
        os.sched_setaffinity(0, {core})


NICE = int(os.environ.get("MADOGUCHI_BENCH_NICE", "-10"))


def boost() -> int:
    """Give the benchmark (and the servers it starts, which inherit it) priority over
    other work on the machine, where allowed: tests running beside a benchmark on two
    cores otherwise decide its figures. MADOGUCHI_BENCH_NICE=0 turns this off."""
    with contextlib.suppress(OSError):
        if os.getpriority(os.PRIO_PROCESS, 0) > NICE:
            os.setpriority(os.PRIO_PROCESS, 0, NICE)
    return os.getpriority(os.PRIO_PROCESS, 0)


def boost_session(pid: int) -> None:
    """With autogroup scheduling, nice only ranks processes within one session: `python
    -m bench` runs the benchmarks in a session of their own and weights it here."""
    with contextlib.suppress(OSError, ValueError):
        group = Path(f"/proc/{pid}/autogroup")
        if NICE < 0 and int(group.read_text().split("nice")[1]) > NICE:
            group.write_text(str(NICE))


def unpin_self() -> None:
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


def raise_fd_limit(want: int = 16384) -> int:
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    target = want if hard == resource.RLIM_INFINITY else min(want, hard)
    if soft < target:
        resource.setrlimit(resource.RLIMIT_NOFILE, (target, hard))
    return resource.getrlimit(resource.RLIMIT_NOFILE)[0]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def now() -> float:
    return time.perf_counter()


def run_loop(coro_fn: Callable[[], Any]) -> Any:
    """Run a coroutine on uvloop when it is installed (it is, with uvicorn[standard])."""
    try:
        import uvloop

        factory: Callable[[], asyncio.AbstractEventLoop] | None = uvloop.new_event_loop
    except ImportError:  # pragma: no cover
        factory = None
    with asyncio.Runner(loop_factory=factory) as runner:
        return runner.run(coro_fn())


class CpuMeter:
    """CPU seconds used by a process (ours or the server) over a window."""

    def __init__(self, pid: int | None = None) -> None:
        self.pid = pid
        self.t0 = self.c0 = 0.0

    def _cpu(self) -> float:
        if self.pid is None:
            t = os.times()
            return t.user + t.system
        fields = Path(f"/proc/{self.pid}/stat").read_text().rsplit(")", 1)[1].split()
        ticks = os.sysconf("SC_CLK_TCK")
        return (int(fields[11]) + int(fields[12])) / ticks  # utime, stime

    def start(self) -> None:
        self.t0, self.c0 = time.monotonic(), self._cpu()

    def busy(self) -> float:
        """Fraction of one core used since start()."""
        wall = time.monotonic() - self.t0
        return (self._cpu() - self.c0) / wall if wall > 0 else 0.0


class CoreMeter:
    """How busy each core was over a window, from /proc/stat: everything but idle and
    iowait, so that kernel time (loopback TCP runs in softirq) counts too."""

    def __init__(self) -> None:
        self.c0: dict[str, tuple[int, int]] = {}

    @staticmethod
    def _read() -> dict[str, tuple[int, int]]:
        out = {}
        for ln in Path("/proc/stat").read_text().splitlines():
            if ln.startswith("cpu") and ln[3:4].isdigit():
                name, *vals = ln.split()
                v = [int(x) for x in vals]
                idle = v[3] + (v[4] if len(v) > 4 else 0)
                out[name] = (sum(v[:8]), idle)
        return out

    def start(self) -> None:
        self.c0 = self._read()

    def busy(self) -> dict[str, float]:
        c1 = self._read()
        out = {}
        for name, (total, idle) in c1.items():
            t0, i0 = self.c0.get(name, (0, 0))
            dt = total - t0
            out[name] = round(1 - (idle - i0) / dt, 3) if dt > 0 else 0.0
        return out


def fmt_cores(busy: dict[str, float]) -> str:
    return " / ".join(f"{k} {v:.0%}" for k, v in sorted(busy.items()))


def noisy_neighbours(cores: dict[str, float], server: float, client: float) -> str:
    """A warning when the cores were much busier than the two processes we measure
    (other work on the machine; part of it is kernel time of our own sockets)."""
    other = sum(cores.values()) - server - client
    return (
        f"  ! {other:.0%} of a core went to other work (kernel softirq or other processes)"
        if other > 0.6
        else ""
    )


def rss_kb(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError(f"no VmRSS for pid {pid}")


# -- statistics ----------------------------------------------------------------------------


def percentile(sorted_values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile of an already sorted sequence."""
    if not sorted_values:
        return math.nan
    rank = max(1, math.ceil(p / 100 * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def summary_ms(values_s: Sequence[float]) -> dict[str, float | int]:
    v = sorted(values_s)
    ms = lambda x: round(x * 1000, 3)  # noqa: E731
    return {
        "n": len(v),
        "min_ms": ms(v[0]) if v else math.nan,
        "p50_ms": ms(percentile(v, 50)),
        "p90_ms": ms(percentile(v, 90)),
        "p95_ms": ms(percentile(v, 95)),
        "p99_ms": ms(percentile(v, 99)),
        "max_ms": ms(v[-1]) if v else math.nan,
        "mean_ms": ms(sum(v) / len(v)) if v else math.nan,
    }


def verdict(ok: bool) -> str:
    return "goal met" if ok else "goal MISSED"


# -- results -------------------------------------------------------------------------------


def machine() -> dict[str, Any]:
    model = ""
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    return {
        "loadavg": Path("/proc/loadavg").read_text().split()[:3],
        "cpus": os.cpu_count(),
        "cpu_model": model,
        "python": sys.version.split()[0],
        "pinned": cores_available(),
        "nice": os.getpriority(os.PRIO_PROCESS, 0),
        "autogroup": _read(Path("/proc/self/autogroup")),
    }


def _read(path: Path) -> str:
    try:
        return path.read_text().strip()
    except OSError:
        return ""


def write_result(name: str, data: dict[str, Any]) -> Path:
    RESULTS.mkdir(parents=True, exist_ok=True)
    stamp = _dt.datetime.now().strftime("%Y%m%d-%H%M%S")
    data = {
        "benchmark": name,
        "at": _dt.datetime.now().astimezone().isoformat(timespec="seconds"),
        "machine": machine(),
        **data,
    }
    text = json.dumps(data, indent=2, ensure_ascii=False)
    (RESULTS / f"{name}.json").write_text(text + "\n")
    path = RESULTS / f"{name}-{stamp}.json"
    path.write_text(text + "\n")
    return path


def header(title: str) -> None:
    print(f"\n== {title} " + "=" * max(0, 76 - len(title)), flush=True)


def latency_line(label: str, s: dict[str, float | int], goal_ms: float, ok: bool) -> None:
    """`label  p50 / p95 / p99 / max ms  (goal p99 <= N ms: verdict)`."""
    line(
        label,
        f"{s['p50_ms']:.2f} / {s['p95_ms']:.2f} / {s['p99_ms']:.2f} / {s['max_ms']:.2f} ms"
        f"  (goal p99 <= {goal_ms:.0f} ms: {verdict(ok)})",
    )


def cpu_line(out: dict[str, Any]) -> None:
    """How busy the server's and the client's cores were, and a warning when other work
    took a share of them (the figures are then not to be trusted)."""
    line(
        "CPU busy: server core / client core",
        f"{out['server_busy']:.0%} / {out['client_busy']:.0%}  (cores: {fmt_cores(out['cores'])})",
    )
    warn = noisy_neighbours(out["cores"], out["server_busy"], out["client_busy"])
    if warn:
        print(warn, flush=True)


def line(label: str, value: str) -> None:
    print(f"  {label:<38} {value}", flush=True)


# -- optional profiling ----------------------------------------------------------------------


class Profiler:
    """With MADOGUCHI_BENCH_PYSPY=DIR set (and py-spy installed), record the server with
    py-spy during a measured phase: DIR/NAME.folded (collapsed stacks, all threads) and
    DIR/NAME.svg. py-spy runs on the client core. A no-op otherwise."""

    def __init__(self, pid: int, name: str, seconds: float) -> None:
        self.dir = os.environ.get("MADOGUCHI_BENCH_PYSPY")
        self.pid, self.name, self.seconds = pid, name, seconds
        self.procs: list[subprocess.Popen[bytes]] = []

    def start(self) -> None:
        if not self.dir:
            return
        spy = shutil.which("py-spy") or str(Path(PYTHON).parent / "py-spy")
        if not Path(spy).exists():
            print("  (py-spy not found: no profile)", flush=True)
            return
        Path(self.dir).mkdir(parents=True, exist_ok=True)
        for fmt, ext in (("raw", "folded"), ("flamegraph", "svg")):
            self.procs.append(
                subprocess.Popen(
                    [
                        spy,
                        "record",
                        "-d",
                        str(int(self.seconds)),
                        "-r",
                        "100",
                        "-f",
                        fmt,
                        "--threads",
                        "-o",
                        f"{self.dir}/{self.name}.{ext}",
                        "--pid",
                        str(self.pid),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                    preexec_fn=_pin_child(CLIENT_CORE),
                )
            )

    def stop(self) -> None:
        for p in self.procs:
            try:
                p.wait(timeout=self.seconds + 30)
            except subprocess.TimeoutExpired:
                p.kill()
                p.wait(timeout=5)
        if self.procs:
            print(f"  (py-spy profile: {self.dir}/{self.name}.folded and .svg)", flush=True)
        self.procs = []


# -- the server under test -----------------------------------------------------------------


def _pin_child(core: int) -> Callable[[], None] | None:
    if not cores_available():
        return None

    def pre() -> None:
        os.sched_setaffinity(0, {core})

    return pre


class Server:
    """`python -m server.cli serve` on a fresh SQLite file, pinned to SERVER_CORE."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.dir = Path(tempfile.mkdtemp(prefix=f"madoguchi-bench-{name}-"))
        self.port = free_port()
        self.env = {
            **os.environ,
            "MADOGUCHI_DATABASE_URL": f"sqlite:///{self.dir}/b.sqlite3",
            "MADOGUCHI_LOG_LEVEL": "warning",
            # The bench's kiosks issue without a token from one address: limits too high
            # to refuse them, so that the per-address count is still paid for (issue 14).
            "MADOGUCHI_ISSUE_PER_MINUTE": "100000000",
            "MADOGUCHI_ISSUE_PER_DAY": "100000000",
            "PYTHONUNBUFFERED": "1",
        }
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = self.dir / "server.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    @property
    def base(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> Server:
        subprocess.run(
            [PYTHON, "-m", "server.cli", "user", "add", BENCH_USER[0], "--role", "clerk"],
            input=(BENCH_USER[1] + "\n").encode(),
            env=self.env,
            cwd=CODE,
            check=True,
            capture_output=True,
            timeout=60,
        )
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [PYTHON, "-m", "server.cli", "serve", "--port", str(self.port), "--always-open"],
                env=self.env,
                cwd=CODE,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=_pin_child(SERVER_CORE),
            )
        wait_healthy(f"{self.base}/healthz", self.proc, self.log)
        return self

    def stop(self) -> None:
        stop_process(self.proc)
        self.proc = None
        shutil.rmtree(self.dir, ignore_errors=True)

    def __enter__(self) -> Server:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    def version(self) -> int:
        with urllib.request.urlopen(f"{self.base}/healthz", timeout=5) as r:
            return int(json.load(r)["version"])

    def tail(self, n: int = 20) -> str:
        try:
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-n:])
        except OSError:
            return ""


def stop_process(proc: subprocess.Popen[Any] | None) -> None:
    """SIGTERM (the server shuts down cleanly), then SIGKILL if it takes over 15 s."""
    if proc is None or proc.poll() is not None:
        return
    proc.send_signal(signal.SIGTERM)
    try:
        proc.wait(timeout=15)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait(timeout=5)


def wait_healthy(url: str, proc: subprocess.Popen[bytes], log: Path, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(
                f"server exited with {proc.returncode}:\n{log.read_text(errors='replace')[-3000:]}"
            )
        with contextlib.suppress(OSError), urllib.request.urlopen(url, timeout=2) as r:
            if r.status == 200:
                return
        time.sleep(0.1)
    raise RuntimeError(f"server not healthy after {timeout}s: {url}")


# -- a lean keep-alive HTTP/1.1 client ------------------------------------------------------


class HttpError(Exception):
    pass


class Http:
    """One keep-alive connection; one request at a time (like one kiosk)."""

    def __init__(self, host: str, port: int, token: str | None = None) -> None:
        self.host, self.port, self.token = host, port, token
        self.reader: asyncio.StreamReader | None = None
        self.writer: asyncio.StreamWriter | None = None

    async def open(self) -> Http:
        self.reader, self.writer = await asyncio.open_connection(self.host, self.port)
        sock = self.writer.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        return self

    async def close(self) -> None:
        if self.writer is not None:
            self.writer.close()
            with contextlib.suppress(Exception):
                await self.writer.wait_closed()

    async def request(self, method: str, path: str, body: Any = None) -> tuple[int, bytes]:
        if self.writer is None:
            await self.open()
        assert self.reader is not None and self.writer is not None
        data = b"" if body is None else json.dumps(body).encode()
        head = (
            f"{method} {path} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
            f"Content-Length: {len(data)}\r\n"
        )
        if data:
            head += "Content-Type: application/json\r\n"
        if self.token:
            head += f"Authorization: Bearer {self.token}\r\n"
        self.writer.write(head.encode() + b"\r\n" + data)
        raw = await self.reader.readuntil(b"\r\n\r\n")
        lines = raw.decode("latin-1").split("\r\n")
        status = int(lines[0].split(" ", 2)[1])
        length, chunked, close = 0, False, False
        for h in lines[1:]:
            k, _, v = h.partition(":")
            k = k.strip().lower()
            if k == "content-length":
                length = int(v)
            elif k == "transfer-encoding" and "chunked" in v.lower():
                chunked = True
            elif k == "connection" and "close" in v.lower():
                close = True
        if chunked:
            parts = []
            while True:
                size = int((await self.reader.readuntil(b"\r\n")).split(b";")[0], 16)
                chunk = await self.reader.readexactly(size + 2)
                if size == 0:
                    break
                parts.append(chunk[:-2])
            payload = b"".join(parts)
        else:
            payload = await self.reader.readexactly(length) if length else b""
        if close:
            await self.close()
            self.writer = self.reader = None
        return status, payload

    async def json(self, method: str, path: str, body: Any = None, expect: int = 200) -> Any:
        status, payload = await self.request(method, path, body)
        if status != expect:
            raise HttpError(f"{method} {path} -> {status}: {payload[:300]!r}")
        return json.loads(payload) if payload else None


async def sign_in(host: str, port: int) -> str:
    http = await Http(host, port).open()
    try:
        answer = await http.json(
            "POST",
            "/api/v1/auth/token",
            {"username": BENCH_USER[0], "password": BENCH_USER[1]},
        )
    finally:
        await http.close()
    return str(answer["token"])


# -- a lean websocket client ---------------------------------------------------------------

OnText = Callable[[float, bytes], None]


class WsClient(asyncio.Protocol):
    """A minimal RFC 6455 client as an asyncio protocol: it timestamps each complete text
    frame the moment its last byte arrives and hands the payload to `on_text`. It answers
    pings and close frames. No extensions (the servers under test have deflate off)."""

    def __init__(self, on_text: OnText) -> None:
        self.on_text = on_text
        self.transport: asyncio.Transport | None = None
        self.buf = bytearray()
        self.handshake_done = False
        self.opened: asyncio.Future[None] = asyncio.get_running_loop().create_future()
        self.closed: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()
        self.close_code: int | None = None
        self.frames = 0
        self._key = ""
        self._fragments: list[bytes] = []
        self._request = b""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        transport.write(self._request)

    def data_received(self, data: bytes) -> None:
        t = time.perf_counter()
        if self.handshake_done and not self.buf:
            # fast path: whole frames straight from `data`, no copy into the buffer
            used = self._parse(data, t)
            if used < len(data):
                self.buf += data[used:]
            return
        self.buf += data
        if not self.handshake_done:
            end = self.buf.find(b"\r\n\r\n")
            if end < 0:
                return
            head = bytes(self.buf[:end]).decode("latin-1")
            del self.buf[: end + 4]
            if not head.startswith("HTTP/1.1 101"):
                if not self.opened.done():
                    self.opened.set_exception(ConnectionError(head.split("\r\n")[0]))
                self._finish(None)
                return
            self.handshake_done = True
            if not self.opened.done():
                self.opened.set_result(None)
        used = self._parse(self.buf, t)
        del self.buf[:used]

    def _parse(self, buf: bytes | bytearray, t: float) -> int:
        """Handle every complete frame in buf; return how many bytes were used."""
        start, n = 0, len(buf)
        while True:
            if n - start < 2:
                return start
            b0, b1 = buf[start], buf[start + 1]
            length = b1 & 0x7F
            pos = start + 2
            if length == 126:
                if n - start < 4:
                    return start
                length = struct.unpack_from("!H", buf, start + 2)[0]
                pos = start + 4
            elif length == 127:
                if n - start < 10:
                    return start
                length = struct.unpack_from("!Q", buf, start + 2)[0]
                pos = start + 10
            if b1 & 0x80:  # servers never mask; tolerate it anyway
                pos += 4
            if n < pos + length:
                return start
            payload = bytes(buf[pos : pos + length])
            start = pos + length
            opcode, fin = b0 & 0x0F, b0 & 0x80
            if opcode in (1, 2, 0):
                self._fragments.append(payload)
                if fin:
                    text = (
                        self._fragments[0]
                        if len(self._fragments) == 1
                        else b"".join(self._fragments)
                    )
                    self._fragments = []
                    self.frames += 1
                    self.on_text(t, text)
            elif opcode == 9:  # ping -> pong
                self._send(0xA, payload)
            elif opcode == 8:
                self.close_code = (
                    struct.unpack_from("!H", payload)[0] if len(payload) >= 2 else None
                )
                self._send(0x8, payload[:2])
                self._finish(self.close_code)
                return n

    def _send(self, opcode: int, payload: bytes) -> None:
        if self.transport is None or self.transport.is_closing():
            return
        mask = secrets.token_bytes(4)
        head = bytes([0x80 | opcode])
        n = len(payload)
        if n < 126:
            head += bytes([0x80 | n])
        elif n < 65536:
            head += bytes([0x80 | 126]) + struct.pack("!H", n)
        else:
            head += bytes([0x80 | 127]) + struct.pack("!Q", n)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.transport.write(head + mask + masked)

    def send_text(self, text: str) -> None:
        self._send(0x1, text.encode())

    def _finish(self, code: int | None) -> None:
        if not self.closed.done():
            self.closed.set_result(code)
        if self.transport is not None:
            self.transport.close()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.opened.done():
            self.opened.set_exception(exc or ConnectionError("closed before the handshake"))
        if not self.closed.done():
            self.closed.set_result(self.close_code)

    def close(self) -> None:
        if self.transport is not None and not self.transport.is_closing():
            self._send(0x8, struct.pack("!H", 1000))
            self.transport.close()


async def ws_connect(
    host: str, port: int, path: str, on_text: OnText, timeout: float = 30
) -> WsClient:
    loop = asyncio.get_running_loop()
    proto = WsClient(on_text)
    key = base64.b64encode(secrets.token_bytes(16)).decode()
    proto._request = (
        f"GET {path} HTTP/1.1\r\nHost: {host}:{port}\r\nUpgrade: websocket\r\n"
        f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\nSec-WebSocket-Version: 13\r\n\r\n"
    ).encode()
    await asyncio.wait_for(loop.create_connection(lambda: proto, host, port), timeout)
    await asyncio.wait_for(proto.opened, timeout)
    return proto


def events_of(frame: bytes) -> list[dict[str, Any]]:
    """The `events` of a view frame without parsing the (large) view: the envelope ends
    with `"events":[...]}` (or `...],"resync":true}`), after the view."""
    i = frame.rfind(b'"events":[')
    if i < 0:
        return []
    tail = frame[i + 9 :]
    tail = tail[:-15] if tail.endswith(b',"resync":true}') else tail[:-1]
    # every subscriber of a channel gets the same frame: parse its events once
    events = _EVENTS_CACHE.get(tail)
    if events is None:
        if len(_EVENTS_CACHE) > 4096:
            _EVENTS_CACHE.clear()
        events = _EVENTS_CACHE[tail] = json.loads(tail)
    return events  # shared: read only


_EVENTS_CACHE: dict[bytes, list[dict[str, Any]]] = {}


def json_loads(data: bytes) -> Any:
    return json.loads(data)


def version_of(frame: bytes) -> int:
    i = frame.find(b'"version":')
    j = frame.find(b",", i)
    return int(frame[i + 10 : j])


def base_of(frame: bytes) -> int:
    """A delta frame's `base` (it comes before the patch)."""
    i = frame.find(b'"base":')
    j = frame.find(b",", i)
    return int(frame[i + 7 : j])


@contextlib.contextmanager
def pinned_client() -> Iterator[None]:
    boost()
    pin_self(CLIENT_CORE)
    try:
        yield
    finally:
        unpin_self()
