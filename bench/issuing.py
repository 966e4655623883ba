"""Ticket issuing over HTTP on SQLite, one server process.

16 kiosks, each one keep-alive connection issuing tickets back to back (a new request as
soon as the previous answer arrives), for DURATION_S seconds or MAX_TICKETS tickets,
whichever comes first, after a short warm-up. The server is pinned to core 0, the
kiosks to core 1. A ticket counts once its `201` has arrived: the server answers only
after the COMMIT of the group that holds it (SQLite, WAL, synchronous=FULL), so every
counted ticket is durable; the office version before and after is checked against the
count.

Goals (issue 3): >= 1,000 tickets/s and p99 <= 10 ms at 16 concurrent kiosks.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from . import _common as c

KIOSKS = 16
DURATION_S = 10.0
MAX_TICKETS = 10_000
WARMUP_TICKETS = 300
GOAL_RATE = 1000.0
GOAL_P99_MS = 10.0
SERVICES = ["certificates", "moving", "mynumber", "koseki", "insurance", "childcare", "nursery"]
PATH = f"/api/v1/offices/{c.OFFICE}/tickets"
Target = Any  # c.Server, or FloorServer below: port, pid, version()


async def _kiosk(
    server: Target,
    index: int,
    stop_at: float,
    budget: list[int],
    latencies: list[float],
    errors: dict[str, int],
    done_at: list[float],
) -> None:
    http = await c.Http("127.0.0.1", server.port).open()
    i = index
    try:
        while budget[0] > 0 and time.perf_counter() < stop_at:
            budget[0] -= 1
            body = {"service": SERVICES[i % len(SERVICES)], "lang": "ja"}
            i += 1
            t0 = time.perf_counter()
            try:
                status, _ = await http.request("POST", PATH, body)
            except (OSError, asyncio.IncompleteReadError) as e:
                errors[type(e).__name__] = errors.get(type(e).__name__, 0) + 1
                await http.close()
                http = await c.Http("127.0.0.1", server.port).open()
                continue
            t1 = time.perf_counter()
            if status == 201:
                latencies.append(t1 - t0)
                done_at.append(t1)
            else:
                errors[str(status)] = errors.get(str(status), 0) + 1
    finally:
        await http.close()


async def _phase(server: Target, seconds: float, tickets: int) -> dict[str, Any]:
    latencies: list[float] = []
    errors: dict[str, int] = {}
    done_at: list[float] = []
    budget = [tickets]
    t0 = time.perf_counter()
    await asyncio.wait_for(
        asyncio.gather(
            *(
                _kiosk(server, k, t0 + seconds, budget, latencies, errors, done_at)
                for k in range(KIOSKS)
            )
        ),
        seconds + 30,
    )
    wall = time.perf_counter() - t0
    per_second = [0] * (int(wall) + 1)
    for t in done_at:
        per_second[int(t - t0)] += 1
    return {"latencies": latencies, "errors": errors, "wall_s": wall, "per_second": per_second}


async def _run(server: Target, name: str) -> dict[str, Any]:
    await _phase(server, 10.0, WARMUP_TICKETS)
    v0 = await asyncio.to_thread(server.version)
    me, srv = c.CpuMeter(), c.CpuMeter(server.pid)
    cores = c.CoreMeter()
    me.start()
    srv.start()
    cores.start()
    spy = c.Profiler(server.pid, name, DURATION_S - 1)
    spy.start()
    out = await _phase(server, DURATION_S, MAX_TICKETS)
    out["client_busy"], out["server_busy"] = me.busy(), srv.busy()
    out["cores"] = cores.busy()
    await asyncio.to_thread(spy.stop)
    v1 = await asyncio.to_thread(server.version)
    out["committed_events"] = v1 - v0
    return out


class FloorServer:
    """bench/baseline_http.py on the server core: the HTTP stack with nothing behind it."""

    def __init__(self) -> None:
        self.port = c.free_port()
        self.proc: subprocess.Popen[bytes] | None = None
        self.log = Path(tempfile.mkdtemp(prefix="madoguchi-bench-floor-")) / "floor.log"

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def version(self) -> int:
        url = f"http://127.0.0.1:{self.port}/healthz"
        with urllib.request.urlopen(url, timeout=5) as r:
            return int(json.load(r)["version"])

    def __enter__(self) -> FloorServer:
        with open(self.log, "wb") as log:
            self.proc = subprocess.Popen(
                [c.PYTHON, "-m", "bench.baseline_http", "--port", str(self.port)],
                cwd=c.ROOT,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                preexec_fn=c._pin_child(c.SERVER_CORE),
            )
        c.wait_healthy(f"http://127.0.0.1:{self.port}/healthz", self.proc, self.log)
        return self

    def __exit__(self, *exc: object) -> None:
        c.stop_process(self.proc)
        shutil.rmtree(self.log.parent, ignore_errors=True)


def run() -> dict[str, Any]:
    c.header("1. issuing: POST /tickets over HTTP, SQLite, 16 kiosks")
    with c.pinned_client(), c.Server("issuing") as server:
        out = c.run_loop(lambda: _run(server, "issuing"))
    with c.pinned_client(), FloorServer() as floor_server:
        floor = c.run_loop(lambda: _run(floor_server, "issuing_floor"))
    lat = out["latencies"]
    ok = len(lat)
    rate = ok / out["wall_s"]
    s = c.summary_ms(lat)
    durable_ok = out["committed_events"] == ok
    rate_ok, p99_ok = rate >= GOAL_RATE, s["p99_ms"] <= GOAL_P99_MS
    c.line("kiosks (connections)", f"{KIOSKS}, keep-alive, closed loop")
    c.line("tickets issued (201)", f"{ok} in {out['wall_s']:.2f} s")
    c.line("errors", str(out["errors"] or "none"))
    c.line(
        "durable: office version advanced by",
        f"{out['committed_events']} ({'= tickets' if durable_ok else 'MISMATCH'})",
    )
    c.line("throughput", f"{rate:,.0f} tickets/s  (goal >= {GOAL_RATE:,.0f}: {c.verdict(rate_ok)})")
    c.line("tickets per second, by second", " ".join(str(n) for n in out["per_second"]))
    c.latency_line("latency p50 / p95 / p99 / max", s, GOAL_P99_MS, p99_ok)
    c.cpu_line(out)
    floor_rate = len(floor["latencies"]) / floor["wall_s"]
    fs = c.summary_ms(floor["latencies"])
    c.line(
        "floor: the bare HTTP stack, same load",
        f"{floor_rate:,.0f} answers/s, p50 / p99 {fs['p50_ms']:.2f} / {fs['p99_ms']:.2f} ms"
        f"  (server core {floor['server_busy']:.0%}; bench/baseline_http.py)",
    )
    result = {
        "kiosks": KIOSKS,
        "tickets": ok,
        "wall_s": round(out["wall_s"], 3),
        "tickets_per_s": round(rate, 1),
        "latency": s,
        "per_second": out["per_second"],
        "errors": out["errors"],
        "committed_events": out["committed_events"],
        "durable_count_matches": durable_ok,
        "server_cpu_busy": round(out["server_busy"], 3),
        "client_cpu_busy": round(out["client_busy"], 3),
        "cores_busy": out["cores"],
        "floor": {"answers_per_s": round(floor_rate, 1), "latency": fs},
        "goals": {
            "tickets_per_s>=1000": rate_ok,
            "p99_ms<=10": p99_ok,
        },
    }
    path = c.write_result("issuing", result)
    c.line("summary", str(path.relative_to(c.ROOT)))
    return result


if __name__ == "__main__":
    run()
