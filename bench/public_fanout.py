"""Public fan-out: 2,000 subscribers on `public:nakano`, against a plain websockets baseline.

Server on core 0, all clients (one process, asyncio) on core 1. For each server:

1. RSS of the server process (VmRSS) with no subscriber, then with SUBSCRIBERS idle
   connections (each has received its first view): the difference divided by their
   number is the memory per idle subscriber (goal <= 32 KB).
2. A steady trigger, RATE per second for SECONDS seconds. madoguchi: issue a ticket over
   HTTP (POST /tickets); latency runs from its `201` answer arriving to each subscriber
   receiving the frame whose events hold that `ticket.issued`. Baseline
   (bench/baseline_ws.py): a message on a control websocket makes it broadcast one frame
   of the same size as our frames; latency runs from sending the trigger to receipt
   (stricter than from an answer).
3. Every subscriber must have every event: the `seq`s it received must cover every
   version from its first view to the last (frames may be coalesced, events never
   dropped); missing events and dropped connections are counted.

Each server is measured ROUNDS times, in the order ours, baseline, baseline, ours, and
the p99s compared are the means of its rounds: this kind of machine lends its cores at a
speed that drifts within a minute, and one phase each put either side ahead by chance.

Goals (issue 3): our p99 no worse than the baseline's in the same run; every subscriber
gets every event; <= 32 KB per idle subscriber.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import statistics
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any

from . import _common as c

SUBSCRIBERS = 2000
RATE = 20.0  # triggers per second
SECONDS = 10.0
CONNECT_CONCURRENCY = 50
CONNECT_TIMEOUT_S = 120.0
DRAIN_TIMEOUT_S = 30.0
GOAL_KB_PER_SUB = 32.0
ROUNDS = 2  # A B B A: see _measure
ISSUERS = 16  # keep-alive connections used to issue (a slow answer must not delay the next)


@dataclass(frozen=True)
class Plan:
    """What one fan-out benchmark measures (public_fanout_10k.py runs a larger one)."""

    name: str = "public_fanout"
    subscribers: int = SUBSCRIBERS
    rate: float = RATE
    seconds: float = SECONDS
    path: str = f"/ws/v1/public:{c.OFFICE}"
    # What the baseline's frames are padded to: "frame_bytes", the median of our one-event
    # frames as sent, or "full_frame_bytes", a full view frame with one event (the same as
    # frame_bytes while we send full views; larger once we send only what changed).
    baseline_size: str = "frame_bytes"


PLAN = Plan()


class Sub:
    __slots__ = (
        "v0",
        "held",
        "first_bytes",
        "seqs",
        "issued",
        "frames",
        "deltas",
        "mismatches",
        "sizes",
        "tails",
        "ws",
    )

    def __init__(self) -> None:
        self.v0: int | None = None
        self.held = -1  # the version of the view this client holds
        self.deltas = 0  # delta frames received (?delta=1)
        self.mismatches = 0  # deltas whose `base` was not the version held
        self.first_bytes = 0  # the first frame: the full view, no events
        self.seqs: set[int] = set()
        self.issued: dict[str, float] = {}  # number -> arrival of its frame
        self.frames = 0
        self.sizes: list[int] = []  # one-event frames as sent
        self.tails: list[int] = []  # their `"events":[...]}` part
        self.ws: c.WsClient | None = None

    def on_text(self, t: float, frame: bytes) -> None:
        self.frames += 1
        if self.v0 is None:
            self.v0 = self.held = c.version_of(frame)
            self.first_bytes = len(frame)
            return
        if frame.startswith(b'{"type":"delta"'):
            # The client must hold the version the change applies to (not applied here:
            # tests/e2e check the views; this counts what the fan-out delivered).
            self.deltas += 1
            if c.base_of(frame) != self.held:
                self.mismatches += 1
        self.held = c.version_of(frame)
        events = c.events_of(frame)
        if len(events) == 1 and len(self.sizes) < 50:
            self.sizes.append(len(frame))
            self.tails.append(len(frame) - frame.rfind(b'"events":['))
        for e in events:
            self.seqs.add(e["seq"])
            if e.get("type") == "ticket.issued":
                self.issued.setdefault(e["number"], t)


async def _connect_all(plan: Plan, port: int, path: str) -> tuple[list[Sub], float, int]:
    subs = [Sub() for _ in range(plan.subscribers)]
    gate = asyncio.Semaphore(CONNECT_CONCURRENCY)
    failures = 0

    async def one(s: Sub) -> None:
        nonlocal failures
        async with gate:
            try:
                s.ws = await c.ws_connect("127.0.0.1", port, path, s.on_text, timeout=30)
            except (OSError, TimeoutError, ConnectionError):
                failures += 1

    t0 = time.perf_counter()
    await asyncio.wait_for(asyncio.gather(*(one(s) for s in subs)), CONNECT_TIMEOUT_S)
    # wait for every first view (bounded)
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline and any(s.ws and s.v0 is None for s in subs):
        await asyncio.sleep(0.05)
    return [s for s in subs if s.ws is not None], time.perf_counter() - t0, failures


async def _idle_rss(plan: Plan, pid: int, port: int, path: str) -> dict[str, Any]:
    await asyncio.sleep(1.0)
    before = c.rss_kb(pid)
    subs, connect_s, failures = await _connect_all(plan, port, path)
    await asyncio.sleep(2.0)  # idle: first views flushed
    after = c.rss_kb(pid)
    return {
        "subs": subs,
        "connect_s": connect_s,
        "connect_failures": failures,
        "rss_before_kb": before,
        "rss_after_kb": after,
        "kb_per_sub": (after - before) / max(1, len(subs)),
    }


Trigger = Callable[[int], Awaitable[tuple[str, float, float] | None]]


async def _steady(plan: Plan, trigger: Trigger) -> tuple[dict[str, float], dict[str, float], int]:
    """Fire trigger(k) at plan.rate per second for plan.seconds; each returns (number, t_sent,
    t_answer). Returns number -> t_answer, number -> t_sent, failures."""
    answered: dict[str, float] = {}
    sent: dict[str, float] = {}
    failures = 0
    tasks: list[asyncio.Task[None]] = []

    async def fire(k: int) -> None:
        nonlocal failures
        try:
            out = await asyncio.wait_for(trigger(k), 10)
        except Exception:
            failures += 1
            return
        if out is None:
            failures += 1
            return
        number, t_sent, t_ans = out
        sent[number], answered[number] = t_sent, t_ans

    start = time.perf_counter()
    total = int(plan.rate * plan.seconds)
    for k in range(total):
        delay = start + k / plan.rate - time.perf_counter()
        if delay > 0:
            await asyncio.sleep(delay)
        tasks.append(asyncio.create_task(fire(k + 1)))
    await asyncio.gather(*tasks)
    return answered, sent, failures


async def _drain(subs: list[Sub], numbers: set[str]) -> float:
    t0 = time.perf_counter()
    deadline = time.monotonic() + DRAIN_TIMEOUT_S
    while time.monotonic() < deadline:
        if all(numbers.issubset(s.issued.keys()) for s in subs if s.ws and not s.ws.closed.done()):
            break
        await asyncio.sleep(0.05)
    return time.perf_counter() - t0


def _analyse(
    subs: list[Sub], answered: dict[str, float], sent: dict[str, float], last_version: int
) -> dict[str, Any]:
    from_answer: list[float] = []
    from_sent: list[float] = []
    missing_numbers = 0
    missing_seqs = 0
    subs_missing = 0
    dropped = 0
    for s in subs:
        assert s.ws is not None
        if s.ws.closed.done():
            dropped += 1
        gap = 0
        for number, t_ans in answered.items():
            t = s.issued.get(number)
            if t is None:
                missing_numbers += 1
                gap += 1
                continue
            from_answer.append(t - t_ans)
            from_sent.append(t - sent[number])
        if s.v0 is not None:
            expected = set(range(s.v0 + 1, last_version + 1))
            lost = len(expected - s.seqs)
            missing_seqs += lost
            gap += lost
        if gap:
            subs_missing += 1
    frames = sum(s.frames - 1 for s in subs)
    deltas = sum(s.deltas for s in subs)
    mismatches = sum(s.mismatches for s in subs)
    sizes = sorted(x for s in subs for x in s.sizes)
    tails = sorted(x for s in subs for x in s.tails)
    firsts = sorted(s.first_bytes for s in subs if s.first_bytes)
    full = (
        firsts[len(firsts) // 2] - len('"events":[]}') + tails[len(tails) // 2]
        if firsts and tails
        else None
    )
    return {
        "from_answer": c.summary_ms(from_answer),
        "from_sent": c.summary_ms(from_sent),
        "before_answer": sum(1 for x in from_answer if x < 0),
        "missing_events": missing_numbers,
        "missing_seqs": missing_seqs,
        "subscribers_missing_something": subs_missing,
        "dropped_connections": dropped,
        "frames_per_subscriber": frames / max(1, len(subs)),
        "delta_frames": deltas,
        "delta_base_mismatches": mismatches,
        "frame_bytes": sizes[len(sizes) // 2] if sizes else None,
        # A full view frame holding one event: the first view with a median event list.
        "full_frame_bytes": full,
        "first_frame_bytes": firsts[len(firsts) // 2] if firsts else None,
    }


# -- madoguchi ---------------------------------------------------------------------------


async def _ours(plan: Plan, server: c.Server) -> dict[str, Any]:
    # warm the app (imports, first snapshot) before the idle RSS reading
    warm = await c.Http("127.0.0.1", server.port).open()
    await warm.json("GET", f"/api/v1/offices/{c.OFFICE}/status")
    await warm.close()
    ws = await c.ws_connect(
        "127.0.0.1", server.port, f"/ws/v1/public:{c.OFFICE}", lambda t, f: None
    )
    await asyncio.sleep(0.2)
    ws.close()

    idle = await _idle_rss(plan, server.pid, server.port, plan.path)
    subs: list[Sub] = idle.pop("subs")
    issuers = [await c.Http("127.0.0.1", server.port).open() for _ in range(ISSUERS)]
    free: asyncio.Queue[c.Http] = asyncio.Queue()
    for h in issuers:
        free.put_nowait(h)

    async def issue(k: int) -> tuple[str, float, float] | None:
        http = await free.get()
        try:
            t0 = time.perf_counter()
            status, body = await http.request(
                "POST",
                f"/api/v1/offices/{c.OFFICE}/tickets",
                {"service": "certificates", "lang": "ja"},
            )
            t1 = time.perf_counter()
        finally:
            free.put_nowait(http)
        if status != 201:
            return None
        return str(json.loads(body)["number"]), t0, t1

    me, srv = c.CpuMeter(), c.CpuMeter(server.pid)
    cores = c.CoreMeter()
    me.start()
    srv.start()
    cores.start()
    spy = c.Profiler(server.pid, plan.name, plan.seconds)
    spy.start()
    answered, sent, failures = await _steady(plan, issue)
    drain_s = await _drain(subs, set(answered))
    busy = {"client_cpu_busy": me.busy(), "server_cpu_busy": srv.busy(), "cores": cores.busy()}
    await asyncio.to_thread(spy.stop)
    last = await asyncio.to_thread(server.version)
    for h in issuers:
        await h.close()
    out = _analyse(subs, answered, sent, last)
    for s in subs:
        if s.ws is not None:
            s.ws.close()
    await asyncio.sleep(0.5)
    return {
        **idle,
        **out,
        **busy,
        "triggers": len(answered),
        "trigger_failures": failures,
        "drain_s": drain_s,
    }


# -- baseline ------------------------------------------------------------------------------


class BaselineServer:
    def __init__(self, size: int) -> None:
        self.size = size
        self.port = c.free_port()
        self.proc: subprocess.Popen[str] | None = None

    def __enter__(self) -> BaselineServer:
        self.proc = subprocess.Popen(
            [
                c.PYTHON,
                "-m",
                "bench.baseline_ws",
                "--port",
                str(self.port),
                "--size",
                str(self.size),
            ],
            cwd=c.ROOT,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            stdin=subprocess.DEVNULL,
            text=True,
            preexec_fn=c._pin_child(c.SERVER_CORE),
        )
        assert self.proc.stdout is not None
        first = self.proc.stdout.readline()  # bounded: the process prints or exits
        if not first.startswith("ready"):
            self.proc.kill()
            raise RuntimeError(f"baseline did not start: {first}{self.proc.stdout.read()[-2000:]}")
        return self

    @property
    def pid(self) -> int:
        assert self.proc is not None
        return self.proc.pid

    def __exit__(self, *exc: object) -> None:
        c.stop_process(self.proc)


async def _baseline(plan: Plan, base: BaselineServer) -> dict[str, Any]:
    idle = await _idle_rss(plan, base.pid, base.port, "/sub")
    subs: list[Sub] = idle.pop("subs")
    acks: dict[int, asyncio.Future[float]] = {}

    def on_ack(t: float, frame: bytes) -> None:
        seq = int(frame.split()[1])
        fut = acks.get(seq)
        if fut is not None and not fut.done():
            fut.set_result(t)

    control = await c.ws_connect("127.0.0.1", base.port, "/control", on_ack)
    loop = asyncio.get_running_loop()

    async def poke(k: int) -> tuple[str, float, float] | None:
        acks[k] = loop.create_future()
        t0 = time.perf_counter()
        control.send_text(str(k))
        await acks[k]
        return f"B-{k}", t0, t0  # measured from the trigger being sent

    me, srv = c.CpuMeter(), c.CpuMeter(base.pid)
    cores = c.CoreMeter()
    me.start()
    srv.start()
    cores.start()
    answered, sent, failures = await _steady(plan, poke)
    drain_s = await _drain(subs, set(answered))
    busy = {"client_cpu_busy": me.busy(), "server_cpu_busy": srv.busy(), "cores": cores.busy()}
    out = _analyse(subs, answered, sent, int(plan.rate * plan.seconds))
    control.close()
    for s in subs:
        if s.ws is not None:
            s.ws.close()
    await asyncio.sleep(0.5)
    return {
        **idle,
        **out,
        **busy,
        "triggers": len(answered),
        "trigger_failures": failures,
        "drain_s": drain_s,
    }


# -- report --------------------------------------------------------------------------------


def _print_side(plan: Plan, name: str, r: dict[str, Any], ref: str) -> None:
    s = r["from_answer"]
    c.line(
        f"{name}: subscribers connected",
        f"{plan.subscribers - r['connect_failures']} in {r['connect_s']:.1f} s",
    )
    c.line(
        f"{name}: latency p50 / p99 / max",
        f"{s['p50_ms']:.2f} / {s['p99_ms']:.2f} / {s['max_ms']:.2f} ms  (from {ref}, {s['n']} pairs)",
    )
    c.line(
        f"{name}: missing events / dropped",
        f"{r['missing_events'] + r['missing_seqs']} in {r['subscribers_missing_something']} "
        f"subscribers / {r['dropped_connections']} connections",
    )
    c.line(
        f"{name}: frames per subscriber",
        f"{r['frames_per_subscriber']:.0f} for {r['triggers']} events (drain {r['drain_s']:.1f} s)"
        + (
            f"; {r['delta_frames']:,} deltas, {r['delta_base_mismatches']} not on the version held"
            if r.get("delta_frames")
            else ""
        ),
    )
    c.line(
        f"{name}: idle memory",
        f"{r['rss_before_kb'] / 1024:.1f} -> {r['rss_after_kb'] / 1024:.1f} MiB RSS = "
        f"{r['kb_per_sub']:.1f} KB per subscriber",
    )
    c.line(
        f"{name}: CPU busy server / client",
        f"{r['server_cpu_busy']:.0%} / {r['client_cpu_busy']:.0%}  (cores: {c.fmt_cores(r['cores'])})",
    )
    warn = c.noisy_neighbours(r["cores"], r["server_cpu_busy"], r["client_cpu_busy"])
    if warn:
        print(warn, flush=True)


def measure(plan: Plan, size_from: list[int]) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """ROUNDS rounds, ours and the baseline in turn: ours first in odd rounds, the baseline
    first in even ones (A B B A), so that a drift of the machine's speed during the run
    weighs on both alike (this kind of machine lends its cores at a speed that moves)."""
    ours: list[dict[str, Any]] = []
    baseline: list[dict[str, Any]] = []
    for r in range(ROUNDS):
        for side in ("ours", "baseline") if r % 2 == 0 else ("baseline", "ours"):
            if side == "ours":
                with c.Server("fanout") as server:
                    ours.append(c.run_loop(lambda: _ours(plan, server)))
                if not size_from:
                    size_from.append(ours[-1][plan.baseline_size] or 7000)
            else:
                with BaselineServer(size_from[0]) as base:
                    baseline.append(c.run_loop(lambda: _baseline(plan, base)))
    return ours, baseline


def run() -> dict[str, Any]:
    plan = PLAN
    c.header(
        f"3. public fan-out: {plan.subscribers} subscribers, {plan.rate:.0f}/s for {plan.seconds:.0f} s"
    )
    fds = c.raise_fd_limit(4 * plan.subscribers + 1024)
    sizes: list[int] = []
    with c.pinned_client():
        ours_runs, base_runs = measure(plan, sizes)
    size = sizes[0]
    for i, (ours, baseline) in enumerate(zip(ours_runs, base_runs, strict=True), 1):
        _print_side(plan, f"madoguchi #{i}", ours, "201 answer")
        _print_side(plan, f"baseline  #{i}", baseline, "trigger sent")
    p_ours = statistics.mean(r["from_answer"]["p99_ms"] for r in ours_runs)
    p_base = statistics.mean(r["from_answer"]["p99_ms"] for r in base_runs)
    lat_ok = p_ours <= p_base
    complete = all(
        r["missing_events"] + r["missing_seqs"] == 0 and r["dropped_connections"] == 0
        for r in ours_runs
    )
    kb_per_sub = max(r["kb_per_sub"] for r in ours_runs)
    mem_ok = kb_per_sub <= GOAL_KB_PER_SUB
    c.line("frame size (one event)", f"{size:,} bytes (baseline frames padded to it)")
    c.line(
        f"p99 madoguchi vs baseline, mean of {ROUNDS}",
        f"{p_ours:.2f} ms vs {p_base:.2f} ms  (goal: no worse: {c.verdict(lat_ok)})",
    )
    c.line("every subscriber got every event", c.verdict(complete))
    c.line(
        "memory per idle subscriber",
        f"{kb_per_sub:.1f} KB  (goal <= {GOAL_KB_PER_SUB:.0f} KB: {c.verdict(mem_ok)})",
    )
    for i, ours in enumerate(ours_runs, 1):
        c.line(
            f"madoguchi #{i} p50/p99 from request sent",
            f"{ours['from_sent']['p50_ms']:.2f} / {ours['from_sent']['p99_ms']:.2f} ms "
            f"({ours['before_answer']} frames arrived before their 201)",
        )
    result = {
        "subscribers": plan.subscribers,
        "rate_per_s": plan.rate,
        "seconds": plan.seconds,
        "rounds": ROUNDS,
        "fd_limit": fds,
        "frame_bytes": size,
        "madoguchi": ours_runs,
        "baseline": base_runs,
        "p99_ms_mean": {"madoguchi": round(p_ours, 2), "baseline": round(p_base, 2)},
        "goals": {
            "p99_no_worse_than_baseline": lat_ok,
            "every_event_delivered": complete,
            "kb_per_idle_subscriber<=32": mem_ok,
        },
    }
    path = c.write_result("public_fanout", result)
    c.line("summary", str(path.relative_to(c.ROOT)))
    return result


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        run()
    os.sys.stdout.flush()  # type: ignore[attr-defined]
