"""Issue 17 item 5: the delay from a command on process B to the frame on a websocket
client of process A, two `madoguchi serve` processes on one PostgreSQL database, with
the relay over LISTEN/NOTIFY (the default) and over NATS (MADOGUCHI_RELAY=nats://…,
a private nats-server started here). docs/scale.md has the figures.

    python -m bench relay_latency
    MADOGUCHI_BENCH_RELAY_CALLS=500 python -m bench relay_latency

For each of N tickets issued one after the other on B (a pause of GAP_S between them, so
that frames seldom coalesce), the time from sending the request to: B's answer; the frame
with that version on a public-channel client of B (the local path); and the same on a
client of A (through the relay). A − B is what the relay adds.
"""

from __future__ import annotations

import asyncio
import json
import os
import shutil
import subprocess
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx
import psycopg
import websockets

from . import _common as c

CALLS = int(os.environ.get("MADOGUCHI_BENCH_RELAY_CALLS", "200"))
WARMUP = 20
GAP_S = 0.02
PG_ADMIN = os.environ.get("MADOGUCHI_TEST_PG", "postgresql://postgres@127.0.0.1:5432/test")
NATS_SERVER = shutil.which("nats-server") or "/usr/sbin/nats-server"


@contextmanager
def database() -> Iterator[str]:
    name = f"madoguchi_bench_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
        conn.execute(f'CREATE DATABASE "{name}"')
    try:
        yield f"{PG_ADMIN.rsplit('/', 1)[0]}/{name}"
    finally:
        with psycopg.connect(PG_ADMIN, autocommit=True) as conn:
            conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


@contextmanager
def nats_server(tmp: Path) -> Iterator[str]:
    port = c.free_port()
    with open(tmp / "nats.log", "wb") as log:
        proc = subprocess.Popen(
            [NATS_SERVER, "-a", "127.0.0.1", "-p", str(port)], stdout=log, stderr=log
        )
    try:
        time.sleep(0.5)  # it listens within milliseconds; the relays retry anyway
        yield f"nats://127.0.0.1:{port}"
    finally:
        c.stop_process(proc)


@contextmanager
def serve(db: str, tmp: Path, name: str, relay: str) -> Iterator[str]:
    port = c.free_port()
    env = {
        **os.environ,
        "MADOGUCHI_DATABASE_URL": db,
        "MADOGUCHI_LOG_LEVEL": "warning",
        "MADOGUCHI_ISSUE_PER_MINUTE": "0",
        "MADOGUCHI_ISSUE_PER_DAY": "0",
        "MADOGUCHI_RELAY": relay,
    }
    log = tmp / f"{name}.log"
    with open(log, "wb") as out:
        proc = subprocess.Popen(
            [c.PYTHON, "-m", "server.cli", "serve", "--port", str(port), "--always-open"],
            env=env,
            cwd=c.CODE,
            stdout=out,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
        )
    try:
        c.wait_healthy(f"http://127.0.0.1:{port}/healthz", proc, log)
        yield f"127.0.0.1:{port}"
    finally:
        c.stop_process(proc)


async def watch(
    address: str, seen: dict[int, float], ready: asyncio.Event, sizes: list[int]
) -> None:
    """Every view frame's version on arrival (the first time each version is seen), and
    its size (what a frame carried to an edge node would weigh)."""
    async with websockets.connect(f"ws://{address}/ws/v1/public:nakano") as ws:
        async for message in ws:
            now = time.perf_counter()
            frame = json.loads(message)
            seen.setdefault(frame["version"], now)
            sizes.append(len(message.encode() if isinstance(message, str) else message))
            ready.set()


def first_at(seen: dict[int, float], version: int) -> float:
    return min(t for v, t in seen.items() if v >= version)


async def measure(a: str, b: str) -> dict[str, Any]:
    seen_a: dict[int, float] = {}
    seen_b: dict[int, float] = {}
    ready_a, ready_b = asyncio.Event(), asyncio.Event()
    sizes: list[int] = []
    watchers = [
        asyncio.create_task(watch(a, seen_a, ready_a, sizes)),
        asyncio.create_task(watch(b, seen_b, ready_b, [])),
    ]
    await asyncio.wait_for(asyncio.gather(ready_a.wait(), ready_b.wait()), 10)
    sent: list[tuple[int, float, float]] = []  # version, sent, answered
    async with httpx.AsyncClient(base_url=f"http://{b}", timeout=10) as client:
        version = (await client.get("/healthz")).json()["version"]
        for _ in range(WARMUP + CALLS):
            t0 = time.perf_counter()
            answer = await client.post("/api/v1/offices/nakano/tickets", json={"service": "moving"})
            answer.raise_for_status()
            version += 1  # one command, one event
            sent.append((version, t0, time.perf_counter()))
            await asyncio.sleep(GAP_S)
        assert (await client.get("/healthz")).json()["version"] == version
    deadline = time.monotonic() + 10
    while max(seen_a, default=0) < version or max(seen_b, default=0) < version:
        assert time.monotonic() < deadline, "frames missing"
        await asyncio.sleep(0.05)
    for task in watchers:
        task.cancel()
    measured = sent[WARMUP:]
    return {
        "answer_on_b": c.summary_ms([t1 - t0 for _, t0, t1 in measured]),
        "frame_on_b": c.summary_ms([first_at(seen_b, v) - t0 for v, t0, _ in measured]),
        "frame_on_a": c.summary_ms([first_at(seen_a, v) - t0 for v, t0, _ in measured]),
        "a_minus_b": c.summary_ms(
            [first_at(seen_a, v) - first_at(seen_b, v) for v, _, _ in measured]
        ),
        "public_frame_bytes_median": sorted(sizes)[len(sizes) // 2],
    }


def one_mode(mode: str, tmp: Path) -> dict[str, Any]:
    with database() as db:
        # Migrations and the office on one process first: two starting at once would race.
        with serve(db, tmp, f"{mode}-init", ""):
            pass
        if mode == "nats":
            with (
                nats_server(tmp) as url,
                serve(db, tmp, "a", url) as a,
                serve(db, tmp, "b", url) as b,
            ):
                time.sleep(1.0)  # both relays connected and subscribed
                return c.run_loop(lambda: measure(a, b))
        with serve(db, tmp, "a", "") as a, serve(db, tmp, "b", "") as b:
            return c.run_loop(lambda: measure(a, b))


def run() -> dict[str, Any]:
    c.header(
        f"relay latency: command on B -> frame on A ({CALLS} calls, gap {GAP_S * 1000:.0f} ms)"
    )
    tmp = Path(os.environ.get("TMPDIR", "/tmp")) / f"madoguchi-relay-{uuid.uuid4().hex[:8]}"
    tmp.mkdir(parents=True)
    out: dict[str, Any] = {"calls": CALLS, "gap_s": GAP_S}
    for mode in ("listen_notify", "nats"):
        result = out[mode] = one_mode(mode, tmp)
        for key, label in (
            ("answer_on_b", "answer on B"),
            ("frame_on_b", "frame on B's client"),
            ("frame_on_a", "frame on A's client"),
            ("a_minus_b", "A − B (what the relay adds)"),
        ):
            s = result[key]
            c.line(
                f"{mode}: {label}",
                f"p50 {s['p50_ms']:.1f} / p99 {s['p99_ms']:.1f} / max {s['max_ms']:.1f} ms",
            )
        c.line(f"{mode}: public frame size (median)", f"{result['public_frame_bytes_median']} B")
    shutil.rmtree(tmp, ignore_errors=True)
    print(f"  results: {c.write_result('relay_latency', out)}", flush=True)
    return {"goals": {}}
