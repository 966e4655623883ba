"""Call-next -> the view received by 50 websocket subscribers on `public:nakano`.

Tickets are issued beforehand. One clerk (counter 4, signed in) then repeats: call-next,
wait until every subscriber has the frame whose events hold that `ticket.called` (or a
timeout), start, finish. The latency of one (subscriber, call) pair runs from just before
the call-next request is written to the moment the subscriber's frame with that call has
fully arrived. Server on core 0, clerk and subscribers on core 1.

Goal (issue 3): p99 <= 50 ms.
"""

from __future__ import annotations

import asyncio
import time
from typing import Any

from . import _common as c

SUBSCRIBERS = 50
CALLS = 200
MAX_SECONDS = 25.0
PRE_ISSUED = CALLS + 20
COUNTER = "4"  # serves certificates, then moving
GOAL_P99_MS = 50.0
WAIT_PER_CALL_S = 2.0


class Subscriber:
    def __init__(self, calls: dict[str, asyncio.Event], counts: dict[str, int]) -> None:
        self.seen: dict[str, float] = {}  # called number -> arrival time
        self.seqs: set[int] = set()
        self.calls, self.counts = calls, counts
        self.ws: c.WsClient | None = None

    def on_text(self, t: float, frame: bytes) -> None:
        for e in c.events_of(frame):
            self.seqs.add(e["seq"])
            if e.get("type") == "ticket.called":
                number = e["number"]
                if number not in self.seen:
                    self.seen[number] = t
                    n = self.counts.get(number, 0) + 1
                    self.counts[number] = n
                    if n == SUBSCRIBERS and number in self.calls:
                        self.calls[number].set()


async def _run(server: c.Server) -> dict[str, Any]:
    token = await c.sign_in("127.0.0.1", server.port)
    kiosk = await c.Http("127.0.0.1", server.port).open()
    for _ in range(PRE_ISSUED):
        await kiosk.json(
            "POST",
            f"/api/v1/offices/{c.OFFICE}/tickets",
            {"service": "certificates", "lang": "ja"},
            expect=201,
        )
    await kiosk.close()

    events: dict[str, asyncio.Event] = {}
    counts: dict[str, int] = {}
    subs = [Subscriber(events, counts) for _ in range(SUBSCRIBERS)]
    for s in subs:
        s.ws = await c.ws_connect("127.0.0.1", server.port, f"/ws/v1/public:{c.OFFICE}", s.on_text)
    await asyncio.sleep(0.5)

    clerk = await c.Http("127.0.0.1", server.port, token).open()
    base = f"/api/v1/offices/{c.OFFICE}/counters/{COUNTER}"
    await clerk.json("POST", f"{base}/open")
    sent: dict[str, float] = {}
    http_lat: list[float] = []
    timeouts = 0
    me, srv = c.CpuMeter(), c.CpuMeter(server.pid)
    cores = c.CoreMeter()
    me.start()
    srv.start()
    cores.start()
    spy = c.Profiler(server.pid, "call_fanout", 10)
    spy.start()
    t_end = time.perf_counter() + MAX_SECONDS
    for _ in range(CALLS):
        if time.perf_counter() > t_end:
            break
        t0 = time.perf_counter()
        status, body = await clerk.request("POST", f"{base}/call-next")
        t1 = time.perf_counter()
        if status == 204:
            break
        if status != 200:
            raise c.HttpError(f"call-next -> {status}: {body[:200]!r}")
        ticket = c.json_loads(body)
        number = ticket["number"]
        sent[number] = t0
        http_lat.append(t1 - t0)
        done = events.setdefault(number, asyncio.Event())
        if counts.get(number, 0) >= SUBSCRIBERS:
            done.set()
        try:
            await asyncio.wait_for(done.wait(), WAIT_PER_CALL_S)
        except TimeoutError:
            timeouts += 1
        await clerk.json("POST", f"/api/v1/tickets/{ticket['id']}/start")
        await clerk.json("POST", f"/api/v1/tickets/{ticket['id']}/finish")
    client_busy, server_busy, cores_busy = me.busy(), srv.busy(), cores.busy()
    await asyncio.to_thread(spy.stop)
    await asyncio.sleep(0.3)
    await clerk.close()
    for s in subs:
        assert s.ws is not None
        s.ws.close()

    lat: list[float] = []
    missing = 0
    for s in subs:
        for number, t0 in sent.items():
            t = s.seen.get(number)
            if t is None:
                missing += 1
            else:
                lat.append(t - t0)
    return {
        "calls": len(sent),
        "latencies": lat,
        "http": http_lat,
        "missing": missing,
        "timeouts": timeouts,
        "client_busy": client_busy,
        "server_busy": server_busy,
        "cores": cores_busy,
        "frames": sum(s.ws.frames for s in subs if s.ws is not None),
    }


def run() -> dict[str, Any]:
    c.header("2. call fan-out: call-next -> frame at 50 websocket subscribers")
    with c.pinned_client(), c.Server("call") as server:
        out = c.run_loop(lambda: _run(server))
    s = c.summary_ms(out["latencies"])
    h = c.summary_ms(out["http"])
    ok = s["p99_ms"] <= GOAL_P99_MS and out["missing"] == 0
    c.line("subscribers / calls", f"{SUBSCRIBERS} on public:{c.OFFICE} / {out['calls']}")
    c.line("(subscriber, call) pairs measured", f"{s['n']}  (missing: {out['missing']})")
    c.latency_line("call -> frame p50 / p95 / p99 / max", s, GOAL_P99_MS, ok)
    c.line(
        "call-next HTTP answer p50 / p99",
        f"{h['p50_ms']:.2f} / {h['p99_ms']:.2f} ms",
    )
    c.line("frames received (all subscribers)", str(out["frames"]))
    c.cpu_line(out)
    result = {
        "subscribers": SUBSCRIBERS,
        "calls": out["calls"],
        "latency": s,
        "call_next_http": h,
        "missing": out["missing"],
        "timeouts": out["timeouts"],
        "frames": out["frames"],
        "server_cpu_busy": round(out["server_busy"], 3),
        "client_cpu_busy": round(out["client_busy"], 3),
        "cores_busy": out["cores"],
        "goals": {"p99_ms<=50": ok},
    }
    path = c.write_result("call_fanout", result)
    c.line("summary", str(path.relative_to(c.ROOT)))
    return result


if __name__ == "__main__":
    run()
