"""Issue 17 item 2: several `madoguchi serve` processes on one PostgreSQL database behind
nginx (the block of docs/deploy.md's "Several processes", read from there), measured.

    python -m bench processes
    MADOGUCHI_BENCH_PROCS=2 MADOGUCHI_BENCH_PROCS_SECONDS=60 python -m bench processes
    MADOGUCHI_BENCH_PROCS_OFFICES=50 python -m bench processes    # Nakano's peak × 50

For N = 2 and 4 processes on a fresh database each time (and N = 1, the reference: the
same load and screens on one process, no relay, no kill):

- displays (`display:display-2f` and `display-3f`, a staff token) connected straight to
  process A; public screens (`public:nakano`) through nginx, spread over every process;
- kiosks issuing through nginx and the counters calling through process B (another
  process), each counter cycling call-next, start, finish with a signed-in supervisor's
  token, the calls paced to Nakano's peak × 100 (below);
- the latency of each call: from just before its call-next is written to B to the arrival
  of the frame holding that `ticket.called` at each display on A (p50/p95/p99/max);
- then, the load still running, process A is killed (SIGKILL) and started again on its
  port; its displays reconnect to it with `?since=` as the display page does (exponential
  backoff from 0.5 s with jitter, until it answers), the public screens it held reconnect
  through nginx, with the same backoff;
- at the end every screen's events are checked against the event table: each event of its
  channel after its first view exactly once, in order, no resync (the check of
  tests/e2e/test_live_delivery.py, across processes and a kill).

Nakano's peak (the design's OFFICE.md): more than 2,000 visitors a day, 08:30-16:30, the
busiest half hour 1.4 / 17.9 of the day (server/simulation/profile.py's ARRIVAL_SHAPE):
every visitor taking a ticket, 2,000 × 1.4 / 17.9 / 30 = 5.2 tickets a minute; a quarter of
the calls at a peak are repeated for visitors who do not answer (the simulator's peak day),
so 6.5 calls a minute. × 100 (100 offices' worth): 520 tickets and 650 calls a minute. They
all go to the one office `nakano` (one installation serves one office today), so the
display channels carry 100 offices' events; the calls beyond the tickets come from a stock
issued before the run.

Processes, nginx and PostgreSQL share both cores (not pinned: four processes on one core
would measure the core, not the design); the clients run in this process on cpu1.

Aims: p99 ≤ 100 ms from the call on B to the frame on A; 0 events lost, 0 repeated; every
screen of the killed process caught up.
"""

from __future__ import annotations

import asyncio
import contextlib
import itertools
import json
import os
import random
import re
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.request
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import psycopg

from . import _common as c

RESULTS_LOGS = c.RESULTS / "processes-logs"
PG_ADMIN = os.environ.get("MADOGUCHI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
DEPLOY = c.ROOT / "docs" / "deploy.md"
COUNTS = [int(n) for n in os.environ.get("MADOGUCHI_BENCH_PROCS", "1,2,4").split(",")]
STEADY_S = float(os.environ.get("MADOGUCHI_BENCH_PROCS_SECONDS", "30"))
DISPLAYS = int(os.environ.get("MADOGUCHI_BENCH_PROCS_DISPLAYS", "200"))  # on A: 2 × 100 offices
PUBLIC = int(os.environ.get("MADOGUCHI_BENCH_PROCS_PUBLIC", "200"))  # through nginx
# MADOGUCHI_BENCH_PROCS_KIOSKS=b: the kiosks issue on B too (every command on one process)
KIOSKS_ON_B = os.environ.get("MADOGUCHI_BENCH_PROCS_KIOSKS", "nginx") == "b"
BACKOFF_MAX_S = 30.0  # display.js's BACKOFF_MAX_MS
IN_FLIGHT_S = 1.0  # calls sent this close to the kill are left out of the latency
DOWN_S = 2.0  # how long process A stays dead
AFTER_S = 10.0  # load after A answers again
WINDOW_S = 5.0  # the p99 is also given per window of this many seconds

# Nakano's peak × 100 (see the docstring).
VISITORS_A_DAY = 2_000
PEAK_SHARE = 1.4 / 17.9  # the busiest half hour's share of the day
RECALLS = 1.25  # calls per ticket at a peak: a quarter called again
OFFICES = int(os.environ.get("MADOGUCHI_BENCH_PROCS_OFFICES", "100"))  # the multiple
TICKETS_PER_MIN = VISITORS_A_DAY * PEAK_SHARE / 30 * OFFICES
CALLS_PER_MIN = TICKETS_PER_MIN * RECALLS
AIM_P99_MS = 100.0

# The counters that call, and the services issued in proportion to them. Certificates
# are left out: they go on to a pickup stage at counter 11; counters 4-6 call `moving`.
COUNTERS = ("1", "2", "3", "4", "5", "6", "7", "8", "9", "10", "21", "22", "23", "24")
SERVICES: tuple[str, ...] = (
    *("moving",) * 6,
    "mynumber",
    "koseki",
    *("insurance",) * 2,
    *("childcare",) * 3,
    "nursery",
)


# -- processes ------------------------------------------------------------------------------


@contextlib.contextmanager
def database() -> Iterator[str]:
    name = f"madoguchi_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _all_cores() -> None:
    """Servers and nginx float on both cores (this process is pinned to cpu1)."""
    with contextlib.suppress(OSError):
        os.sched_setaffinity(0, set(range(os.cpu_count() or 1)))


class Proc:
    """One `madoguchi serve` on its own port; kill() and start() again on the same port."""

    def __init__(self, name: str, db: str, tmp: Path) -> None:
        self.name, self.port = name, c.free_port()
        self.log = tmp / f"{name}.log"
        self.env = {
            **os.environ,
            "MADOGUCHI_DATABASE_URL": db,
            "MADOGUCHI_LOG_LEVEL": "warning",
            "MADOGUCHI_ISSUE_PER_MINUTE": "0",
            "MADOGUCHI_ISSUE_PER_DAY": "0",
            "MADOGUCHI_TRUSTED_PROXIES": "127.0.0.1",
            "PYTHONUNBUFFERED": "1",
        }
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self, wait: bool = True) -> Proc:
        # `taskset` rather than a preexec_fn: with one, Python forks this whole process (the
        # clients' sockets and memory) instead of spawning, and the restart happens while
        # the clients measure. taskset takes both cores, then execs the server.
        cmd = [c.PYTHON, "-m", "server.cli", "serve", "--port", str(self.port), "--always-open"]
        if shutil.which("taskset"):
            cmd = ["taskset", "-c", f"0-{(os.cpu_count() or 1) - 1}", *cmd]
        with open(self.log, "ab") as out:
            self.proc = subprocess.Popen(
                cmd,
                env=self.env,
                cwd=c.CODE,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        if wait:
            self.wait()
        return self

    def wait(self) -> None:
        assert self.proc is not None
        c.wait_healthy(f"http://127.0.0.1:{self.port}/healthz", self.proc, self.log)

    def kill(self) -> None:
        assert self.proc is not None
        self.proc.send_signal(signal.SIGKILL)
        self.proc.wait(timeout=10)

    def stop(self) -> None:
        if self.proc is not None:
            c.stop_process(self.proc)


def add_user(db: str) -> None:
    subprocess.run(
        [c.PYTHON, "-m", "server.cli", "user", "add", c.BENCH_USER[0], "--role", "supervisor"],
        input=(c.BENCH_USER[1] + "\n").encode(),
        env={**os.environ, "MADOGUCHI_DATABASE_URL": db},
        cwd=c.CODE,
        check=True,
        capture_output=True,
        timeout=120,
    )


def nginx_block() -> str:
    """docs/deploy.md's block for several processes: the one with an upstream of more
    than one server."""
    for block in re.findall(r"```nginx\n(.*?)```", DEPLOY.read_text(), re.S):
        upstream = re.search(r"upstream madoguchi \{(.*?)\}", block, re.S)
        if upstream and len(re.findall(r"^\s*server ", upstream[1], re.M)) > 1:
            return str(block)
    raise RuntimeError("docs/deploy.md has no nginx block with an upstream of several servers")


def nginx_config(directory: Path, ports: list[int], port: int) -> Path:
    block = re.sub(r"(?m)^\s*server 127\.0\.0\.1:\d+;\n", "", nginx_block())
    servers = "".join(f"    server 127.0.0.1:{p};\n" for p in ports)
    block = re.sub(
        r"(upstream madoguchi \{\n(?:\s*least_conn;.*\n)?)", lambda m: m[1] + servers, block
    )
    block = block.replace("listen 80;", f"listen 127.0.0.1:{port};")
    temp = " ".join(
        f"{kind}_temp_path {directory / kind};"
        for kind in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    conf = directory / "nginx.conf"
    conf.write_text(
        ("user root;\n" if os.geteuid() == 0 else "")
        + f"worker_processes 1;\ndaemon off;\npid {directory / 'nginx.pid'};\n"
        f"error_log {directory / 'error.log'} warn;\n"
        "events { worker_connections 4096; }\n"
        f"http {{\naccess_log off;\n{temp}\n{block}\n}}\n"
    )
    return conf


@contextlib.contextmanager
def nginx(ports: list[int]) -> Iterator[tuple[int, int]]:
    """nginx on a free port; yields the port and its one worker's pid (for its CPU)."""
    if shutil.which("nginx") is None:
        raise RuntimeError("nginx is not installed (apt-get install nginx)")
    directory = Path(tempfile.mkdtemp(prefix="madoguchi-bench-procs-nginx-"))
    port = c.free_port()
    conf = nginx_config(directory, ports, port)
    proc = subprocess.Popen(
        ["nginx", "-p", str(directory), "-c", str(conf)],
        stderr=subprocess.PIPE,
        preexec_fn=_all_cores,
    )
    time.sleep(0.5)
    if proc.poll() is not None:
        raise RuntimeError(f"nginx did not start: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
    children = Path(f"/proc/{proc.pid}/task/{proc.pid}/children").read_text().split()
    try:
        yield port, int(children[0]) if children else proc.pid
    finally:
        c.stop_process(proc)
        shutil.rmtree(directory, ignore_errors=True)


# -- screens --------------------------------------------------------------------------------


@dataclass
class Screen:
    """One screen over all its connections: every event it got, and when each call came."""

    channel: str
    port: int  # process A's, or nginx's
    path_suffix: str = ""
    first_version: int = -1
    last_version: int = -1
    seqs: list[int] = field(default_factory=list)
    called: dict[str, float] = field(default_factory=dict)  # number -> first arrival
    problems: list[str] = field(default_factory=list)
    connections: int = 0
    frames: int = 0
    caught_up_at: float | None = None
    _first_of_connection: bool = True
    attempts: int = 0  # connections failed or ended since the last view
    rng: random.Random = field(default_factory=random.Random)
    ws: c.WsClient | None = None

    def on_text(self, t: float, frame: bytes) -> None:
        self.frames += 1
        version = c.version_of(frame)
        if frame.endswith(b',"resync":true}'):
            self.problems.append(f"resync at {version} after {self.last_version}")
        if self.first_version < 0:
            self.first_version = version
        elif version < self.last_version or (
            version == self.last_version and not self._first_of_connection
        ):
            self.problems.append(f"version {version} after {self.last_version}")
        self._first_of_connection = False
        self.attempts = 0
        self.last_version = max(self.last_version, version)
        for e in c.events_of(frame):
            self.seqs.append(e["seq"])
            if e["type"] == "ticket.called":
                self.called.setdefault(e["number"], t)
        target = CATCH_UP.get("version")
        if target is not None and self.caught_up_at is None and self.last_version >= target:
            self.caught_up_at = t

    def path(self) -> str:
        since = f"&since={self.last_version}" if self.last_version >= 0 else ""
        return f"/ws/v1/{self.channel}?x=1{self.path_suffix}{since}"

    def backoff(self) -> float:
        """display/static/display.js's wait before connecting again: exponential from
        500 ms to 30 s, jittered over its upper half, reset by a view."""
        ceiling = min(BACKOFF_MAX_S, 0.5 * 2**self.attempts)
        self.attempts += 1
        return float(ceiling / 2 + self.rng.random() * ceiling / 2)

    async def keep_connected(self, stop: asyncio.Event, first: asyncio.Event) -> None:
        """Connect; when the connection ends, come back with `since` after the display
        page's backoff until the process answers, until told to stop."""
        while not stop.is_set():
            self._first_of_connection = True
            try:
                self.ws = await c.ws_connect("127.0.0.1", self.port, self.path(), self.on_text, 5)
            except (OSError, TimeoutError, ConnectionError):
                await asyncio.sleep(self.backoff())
                continue
            self.connections += 1
            while self.frames == 0 or self.first_version < 0:
                await asyncio.sleep(0.01)
                if self.ws.closed.done():
                    break
            first.set()
            stopping: asyncio.Future[Any] = asyncio.ensure_future(stop.wait())
            closed: asyncio.Future[Any] = self.ws.closed
            await asyncio.wait({closed, stopping}, return_when=asyncio.FIRST_COMPLETED)
            stopping.cancel()
            if stop.is_set():
                self.ws.close()
                return
            await asyncio.sleep(self.backoff())


CATCH_UP: dict[str, int] = {}  # "version": the version A's screens must reach after restart


# -- load -----------------------------------------------------------------------------------


@dataclass
class Load:
    sent: dict[str, float] = field(default_factory=dict)  # number -> before its call-next
    answers: list[tuple[float, float]] = field(default_factory=list)  # (sent, seconds)
    calls: int = 0
    issued: int = 0
    empty: int = 0  # call-next slots with no ticket waiting for that counter
    late: int = 0  # slots started more than a second late (the client fell behind)
    errors: list[str] = field(default_factory=list)


async def kiosks(port: int, per_s: float, stop: asyncio.Event, load: Load) -> None:
    """Tickets through nginx at `per_s`, services in rotation; four kiosks."""
    http = [await c.Http("127.0.0.1", port).open() for _ in range(4)]
    services = itertools.cycle(SERVICES)
    t0 = time.perf_counter()

    async def one(k: int) -> None:
        i = k
        while not stop.is_set():
            await asyncio.sleep(max(0.0, t0 + i / per_s - time.perf_counter()))
            try:
                status, body = await http[k].request(
                    "POST", f"/api/v1/offices/{c.OFFICE}/tickets", {"service": next(services)}
                )
            except (OSError, asyncio.IncompleteReadError) as e:
                load.errors.append(f"issue: {e!r}")
                http[k] = await c.Http("127.0.0.1", port).open()
                status = 0
            if status == 201:
                load.issued += 1
            elif status:
                load.errors.append(f"issue -> {status}: {body[:120]!r}")
            i += len(http)

    await asyncio.gather(*(one(k) for k in range(len(http))))
    for h in http:
        await h.close()


async def counters(port: int, token: str, per_s: float, stop: asyncio.Event, load: Load) -> None:
    """Each counter on its own connection to B; call slot k goes to counter k mod 14."""
    t0 = time.perf_counter()

    async def one(j: int, counter: str) -> None:
        http = await c.Http("127.0.0.1", port, token).open()
        k = j
        while not stop.is_set():
            due = t0 + k / per_s
            k += len(COUNTERS)
            wait = due - time.perf_counter()
            if wait > 0:
                await asyncio.sleep(wait)
            elif wait < -1.0:
                load.late += 1
            start = time.perf_counter()
            status, body = await http.request(
                "POST", f"/api/v1/offices/{c.OFFICE}/counters/{counter}/call-next"
            )
            if status == 204:
                load.empty += 1
                continue
            if status != 200:
                load.errors.append(f"call-next {counter} -> {status}: {body[:120]!r}")
                continue
            load.answers.append((start, time.perf_counter() - start))
            ticket = json.loads(body)
            load.sent[ticket["number"]] = start
            load.calls += 1
            for action in ("start", "finish"):
                status, body = await http.request(
                    "POST", f"/api/v1/tickets/{ticket['id']}/{action}"
                )
                if status != 200:
                    load.errors.append(f"{action} -> {status}: {body[:120]!r}")
        await http.close()

    await asyncio.gather(*(one(j, counter) for j, counter in enumerate(COUNTERS)))


def version_of(port: int) -> int:
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/healthz", timeout=5) as r:
        return int(json.load(r)["version"])


def pg_connections(db: str) -> int:
    name = db.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        row = conn.execute(
            "SELECT count(*) FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchone()
    return int(row[0]) if row else 0


def pg_backends(db: str) -> list[int]:
    name = db.rsplit("/", 1)[1]
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        rows = conn.execute(
            "SELECT pid FROM pg_stat_activity WHERE datname = %s", (name,)
        ).fetchall()
    return [int(r[0]) for r in rows]


class PgCpu:
    """CPU of the PostgreSQL backends serving the database (those open at the start: the
    pools keep theirs), as a fraction of one core."""

    def __init__(self, pids: list[int]) -> None:
        self.meters = [c.CpuMeter(pid) for pid in pids]
        for m in self.meters:
            with contextlib.suppress(OSError):
                m.start()

    def busy(self) -> float:
        total = 0.0
        for m in self.meters:
            with contextlib.suppress(OSError):
                total += m.busy()
        return total


def expected_seqs(db: str, final: int) -> dict[str, list[int]]:
    """Each channel's events up to `final`, as the server's own filter picks them (and,
    under "calls", every `ticket.called` of the table)."""
    from server.live.channels import events_for, parse_channel
    from server.office_file import load_office
    from server.store.engine import make_engines
    from server.store.event_log import between

    office = load_office()
    engines = make_engines(db)
    try:
        with engines.reader.connect() as conn:
            events = between(conn, c.OFFICE, 0, final)
    finally:
        engines.dispose()
    out = {"calls": [e["seq"] for e in events if e["type"] == "ticket.called"]}
    for name in ("display:display-2f", "display:display-3f", f"public:{c.OFFICE}"):
        channel = parse_channel(name, office)
        out[name] = [e["seq"] for e in events_for(channel, office, [dict(e) for e in events])]
    return out


def check(screens: list[Screen], expected: dict[str, list[int]], final: int) -> dict[str, int]:
    lost = repeated = disorder = problems = 0
    for s in screens:
        want = [q for q in expected[s.channel] if s.first_version < q <= final]
        got = s.seqs
        lost += len(set(want) - set(got))
        repeated += len(got) - len(set(got))
        disorder += got != sorted(got)
        problems += len(s.problems)
    return {"lost": lost, "repeated": repeated, "out_of_order": disorder, "problems": problems}


# -- one run --------------------------------------------------------------------------------


async def _scenario(procs: list[Proc], proxy: int, worker: int, db: str) -> dict[str, Any]:
    a, b = procs[0], procs[-1]  # N = 1, the reference: one process does both
    token = await c.sign_in("127.0.0.1", b.port)
    setup = await c.Http("127.0.0.1", b.port, token).open()
    for counter in COUNTERS:
        await setup.json("POST", f"/api/v1/offices/{c.OFFICE}/counters/{counter}/open")
    calls_s, tickets_s = CALLS_PER_MIN / 60, TICKETS_PER_MIN / 60
    total_s = STEADY_S + DOWN_S + AFTER_S + 15
    stock = int((calls_s - tickets_s) * total_s * 1.3) + 10 * len(COUNTERS)
    for i in range(stock):
        await setup.json(
            "POST",
            f"/api/v1/offices/{c.OFFICE}/tickets",
            {"service": SERVICES[i % len(SERVICES)]},
            expect=201,
        )
    await setup.close()

    displays = [
        Screen(f"display:display-{'2f' if i % 2 == 0 else '3f'}", a.port, f"&token={token}")
        for i in range(DISPLAYS)
    ]
    public = [Screen(f"public:{c.OFFICE}", proxy) for _ in range(PUBLIC)]
    screens = displays + public
    stop_screens = asyncio.Event()
    tasks = []
    for s in screens:
        first = asyncio.Event()
        tasks.append(asyncio.create_task(s.keep_connected(stop_screens, first)))
        await asyncio.wait_for(first.wait(), 30)
    await asyncio.sleep(0.5)

    load = Load()
    stop_load = asyncio.Event()
    me, cores = c.CpuMeter(), c.CoreMeter()
    server_cpu = [c.CpuMeter(p.proc.pid) for p in procs if p.proc is not None]
    nginx_cpu = c.CpuMeter(worker)
    cores.start()
    for m in (me, nginx_cpu, *server_cpu):
        m.start()
    pg_cpu = PgCpu(await asyncio.to_thread(pg_backends, db))
    t_start = time.perf_counter()
    loading = [
        asyncio.create_task(kiosks(b.port if KIOSKS_ON_B else proxy, tickets_s, stop_load, load)),
        asyncio.create_task(counters(b.port, token, calls_s, stop_load, load)),
    ]
    peak_conns = 0
    while time.perf_counter() - t_start < STEADY_S:
        await asyncio.sleep(1.0)
        peak_conns = max(peak_conns, await asyncio.to_thread(pg_connections, db))
    t_kill = time.perf_counter()
    steady: dict[str, Any] = {
        "seconds": t_kill - t_start,
        "calls": load.calls,
        "issued": load.issued,
        "client_busy": me.busy(),
        "server_busy": [round(m.busy(), 3) for m in server_cpu],
        "postgres_busy": round(pg_cpu.busy(), 3),
        "nginx_busy": round(nginx_cpu.busy(), 3),
        "cores": cores.busy(),
    }
    ours = (
        sum(steady["server_busy"])
        + steady["postgres_busy"]
        + steady["nginx_busy"]
        + steady["client_busy"]
    )
    # What the cores did beyond our processes: other work on the machine, and the kernel's
    # loopback networking, which no process is charged for.
    steady["other_busy"] = round(sum(steady["cores"].values()) - ours, 3)
    t_restart = t_up = time.perf_counter()
    if a is not b:
        # Process A dies with its screens connected, the load going on.
        await asyncio.to_thread(a.kill)
        await asyncio.sleep(DOWN_S)
        t_restart = time.perf_counter()
        await asyncio.to_thread(a.start)
        t_up = time.perf_counter()
    CATCH_UP["version"] = await asyncio.to_thread(version_of, b.port)
    while time.perf_counter() - t_up < AFTER_S:
        await asyncio.sleep(1.0)
        peak_conns = max(peak_conns, await asyncio.to_thread(pg_connections, db))
    stop_load.set()
    await asyncio.gather(*loading)
    final = await asyncio.to_thread(version_of, b.port)
    deadline = time.monotonic() + 30
    while any(s.last_version < final for s in screens) and time.monotonic() < deadline:
        await asyncio.sleep(0.1)
    behind = sum(s.last_version < final for s in screens)
    stop_screens.set()
    await asyncio.gather(*tasks)
    CATCH_UP.clear()

    expected = await asyncio.to_thread(expected_seqs, db, final)
    # The steady window ends a second before the kill: a call sent just before it may
    # still be on its way to A's displays when A dies (its frame comes after the restart).
    steady_calls = {n: t for n, t in load.sent.items() if t < t_kill - IN_FLIGHT_S}
    latencies = [
        s.called[n] - t0 for s in displays for n, t0 in steady_calls.items() if n in s.called
    ]
    public_lat = [
        s.called[n] - t0 for s in public for n, t0 in steady_calls.items() if n in s.called
    ]
    windows: dict[int, list[float]] = {}
    for s in displays:
        for n, t0 in steady_calls.items():
            if n in s.called:
                windows.setdefault(int((t0 - t_start) // WINDOW_S), []).append(s.called[n] - t0)
    caught = [s.caught_up_at - t_up for s in displays if s.caught_up_at is not None]
    reconnected = [s for s in public if s.connections > 1]
    return {
        "steady": steady,
        "calls": load.calls,
        "issued": load.issued,
        "stock": stock,
        "empty_slots": load.empty,
        "late_slots": load.late,
        "errors": load.errors[:20],
        "error_count": len(load.errors),
        "calls_per_min": round(steady["calls"] / steady["seconds"] * 60, 1),
        "tickets_per_min": round(steady["issued"] / steady["seconds"] * 60, 1),
        # B's answers while A runs, and from A's kill to the end (A dying and starting
        # again, its screens reconnecting: what that costs the other processes' commands)
        "call_answer": c.summary_ms([d for t, d in load.answers if t < t_kill - IN_FLIGHT_S]),
        "call_answer_around_restart": c.summary_ms(
            [d for t, d in load.answers if t >= t_kill - IN_FLIGHT_S]
        ),
        "call_answer_slowest": sorted(
            ((round(t - t_start, 2), round(d * 1000, 1)) for t, d in load.answers),
            key=lambda x: -x[1],
        )[:10],
        "kill_at_s": round(t_kill - t_start, 2),
        "up_at_s": round(t_up - t_start, 2),
        "display_on_a": c.summary_ms(latencies),
        "display_on_a_p99_by_window": [c.summary_ms(windows[k])["p99_ms"] for k in sorted(windows)],
        "public_via_nginx": c.summary_ms(public_lat),
        "restart_s": round(t_up - t_restart, 2),
        "catch_up_after_restart": c.summary_ms(caught),
        "displays_caught_up": len(caught),
        "public_reconnected": len(reconnected),
        "screens_behind_at_end": behind,
        "final_version": final,
        "delivery": check(screens, expected, final),
        "calls_in_table": len(expected["calls"]),
        "problems_sample": [p for s in screens for p in s.problems][:10],
        "pg_connections_peak": peak_conns,
        "displays": len(displays),
        "public": len(public),
    }


def one_count(n: int, tmp: Path) -> dict[str, Any]:
    with database() as db:
        add_user(db)
        procs = [Proc(chr(ord("a") + i), db, tmp) for i in range(n)]
        try:
            procs[0].start()  # migrations, the office and the signing key first
            for p in procs[1:]:
                p.start(wait=False)
            for p in procs[1:]:
                p.wait()
            with nginx([p.port for p in procs]) as (proxy, worker):
                result: dict[str, Any] = c.run_loop(lambda: _scenario(procs, proxy, worker, db))
            # A process that ended by itself (not A's kill, whose successor runs): say so,
            # with the end of its log, and keep the log.
            result["exited"] = {}
            for p in procs:
                code = p.proc.poll() if p.proc is not None else None
                if code is not None:
                    kept = RESULTS_LOGS / f"{p.name}-{int(time.time())}.log"
                    kept.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copy(p.log, kept)
                    result["exited"][p.name] = {"code": code, "log": str(kept)}
                    tail = p.log.read_text(errors="replace")[-1500:]
                    print(f"  !! process {p.name} exited with {code}; its log ({kept}):\n{tail}")
            return result
        finally:
            for p in procs:
                p.stop()


def report(n: int, r: dict[str, Any]) -> dict[str, bool]:
    s = r["display_on_a"]
    d = r["delivery"]
    c.line(
        f"N={n}: load (steady {r['steady']['seconds']:.0f} s)",
        f"{r['calls_per_min']:.0f} calls/min (aim {CALLS_PER_MIN:.0f}), "
        f"{r['tickets_per_min']:.0f} tickets/min (aim {TICKETS_PER_MIN:.0f}); "
        f"{r['empty_slots']} empty, {r['late_slots']} late slots, {r['error_count']} errors",
    )
    a, k = r["call_answer"], r["call_answer_around_restart"]
    c.line(
        f"N={n}: call-next answer on B",
        f"p50 {a['p50_ms']:.1f} / p99 {a['p99_ms']:.1f} / max {a['max_ms']:.1f} ms; "
        + (
            f"from A's kill on p50 {k['p50_ms']:.1f} / p99 {k['p99_ms']:.1f} / "
            f"max {k['max_ms']:.1f} ms"
            if n > 1
            else f"the last 10 s max {k['max_ms']:.1f} ms"
        ),
    )
    ok_p99 = s["p99_ms"] <= AIM_P99_MS
    if n == 1:
        c.line(
            f"N=1: call -> {r['displays']} displays, same process",
            f"{s['p50_ms']:.2f} / {s['p95_ms']:.2f} / {s['p99_ms']:.2f} / {s['max_ms']:.2f} ms"
            "  (the reference: this load on one process, no relay)",
        )
    else:
        c.latency_line(f"N={n}: call on B -> {r['displays']} displays on A", s, AIM_P99_MS, ok_p99)
    c.line(
        f"N={n}: p99 per {WINDOW_S:.0f} s",
        " ".join(f"{v:.0f}" for v in r["display_on_a_p99_by_window"]) + " ms",
    )
    p = r["public_via_nginx"]
    c.line(
        f"N={n}: -> {r['public']} public screens via nginx",
        f"{p['p50_ms']:.2f} / {p['p95_ms']:.2f} / {p['p99_ms']:.2f} / {p['max_ms']:.2f} ms",
    )
    k = r["catch_up_after_restart"]
    if n > 1:
        c.line(
            f"N={n}: A killed, restarted in {r['restart_s']:.1f} s",
            f"{r['displays_caught_up']}/{r['displays']} displays caught up, "
            f"p50 {k['p50_ms']:.0f} / max {k['max_ms']:.0f} ms after it answered; "
            f"{r['public_reconnected']} public screens came back through nginx",
        )
    ok_lost = d["lost"] == 0 and r["screens_behind_at_end"] == 0
    ok_lost = ok_lost and r["calls_in_table"] == r["calls"]
    ok_rep = d["repeated"] == 0 and d["out_of_order"] == 0 and d["problems"] == 0
    ok_catch = r["displays_caught_up"] == r["displays"]
    c.line(
        f"N={n}: events lost / repeated",
        f"{d['lost']} / {d['repeated']} (out of order {d['out_of_order']}, resyncs and "
        f"version errors {d['problems']}, behind at the end {r['screens_behind_at_end']}; "
        f"{r['calls']} calls answered, {r['calls_in_table']} in the event log): "
        f"{c.verdict(ok_lost and ok_rep)}",
    )
    c.line(
        f"N={n}: PostgreSQL connections, peak",
        f"{r['pg_connections_peak']}; server cores {r['steady']['server_busy']}, "
        f"PostgreSQL {r['steady']['postgres_busy']:.0%}, nginx {r['steady']['nginx_busy']:.0%}, "
        f"client {r['steady']['client_busy']:.0%} ({c.fmt_cores(r['steady']['cores'])})",
    )
    if r["steady"]["other_busy"] > 0.3:
        print(
            f"  ! {r['steady']['other_busy']:.0%} of a core went to other work (other "
            "processes on the machine, or kernel time of the loopback sockets)",
            flush=True,
        )
    for e in r["errors"][:3]:
        c.line(f"N={n}: error", e)
    goals = {
        f"N={n}: calls at the aimed rate (>= 95%)": r["calls_per_min"] >= 0.95 * CALLS_PER_MIN,
        f"N={n}: no event lost": ok_lost,
        f"N={n}: no event repeated": ok_rep,
    }
    if n > 1:
        goals[f"N={n}: p99 call -> display on another process <= {AIM_P99_MS:.0f} ms"] = ok_p99
        goals[f"N={n}: killed process's screens caught up"] = ok_catch
    return goals


def run() -> dict[str, Any]:
    c.header(
        f"processes: {COUNTS} serve processes on one PostgreSQL behind nginx, "
        f"{CALLS_PER_MIN:.0f} calls/min"
    )
    c.raise_fd_limit()
    tmp = Path(tempfile.mkdtemp(prefix="madoguchi-bench-procs-"))
    out: dict[str, Any] = {
        "aims": {
            "offices": OFFICES,
            "kiosks": "b" if KIOSKS_ON_B else "nginx",
            "calls_per_min": round(CALLS_PER_MIN, 1),
            "tickets_per_min": round(TICKETS_PER_MIN, 1),
            "p99_ms": AIM_P99_MS,
        },
        "steady_s": STEADY_S,
    }
    goals: dict[str, bool] = {}
    with c.pinned_client():
        for n in COUNTS:
            result = out[f"n{n}"] = one_count(n, tmp)
            goals |= report(n, result)
    out["goals"] = goals
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"  results: {c.write_result('processes', out)}", flush=True)
    return {"goals": goals}


if __name__ == "__main__":
    run()
