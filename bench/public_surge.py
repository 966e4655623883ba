"""The public page under a surge (issue 17 item 3): `/`, `…/status` and `…/views/public:…`
loaded with wrk, from the bare app and behind nginx's proxy_cache, counting the database's
statements and connections during each run.

    python -m bench.public_surge [--seconds 10] [--connections 64]

The app (`madoguchi serve`, SQLite, the demo office with some tickets) is pinned to cpu0 as
every benchmark's server; wrk (Debian's `wrk`, 2 threads) to cpu1. Behind the cache nginx
(Debian's, one worker) takes cpu0 with the app, which is idle but for one request per
answer every two seconds; its configuration is the one in docs/deploy.md, read from there.
The app counts its queries when started with MADOGUCHI_COUNT_QUERIES=1 (GET /debug/queries:
statements through SQLAlchemy, connections taken from the pools, public views read).

Aims: >= 8,000 answers/s from the app on its one core; >= 20,000/s behind the cache.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.request
from pathlib import Path
from typing import Any

from . import _common as c

AIM_APP = 8_000
AIM_CACHE = 20_000
TICKETS = 40  # a morning's line, so the page has figures in it
PATHS = ("/", f"/api/v1/offices/{c.OFFICE}/status", f"/api/v1/views/public:{c.OFFICE}")
DEPLOY = c.ROOT / "docs" / "deploy.md"


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=5) as r:
        return json.load(r)


def _issue(base: str, n: int) -> None:
    services = ("moving", "certificates", "insurance", "childcare")
    for i in range(n):
        body = json.dumps({"service": services[i % len(services)]}).encode()
        req = urllib.request.Request(
            f"{base}/api/v1/offices/{c.OFFICE}/tickets",
            body,
            {"Content-Type": "application/json"},
        )
        urllib.request.urlopen(req, timeout=5).close()


def _wrk(url: str, seconds: int, connections: int) -> dict[str, Any]:
    cmd = ["wrk", "-t2", f"-c{connections}", f"-d{seconds}s", "--latency", url]
    if c.cores_available():
        cmd = ["taskset", "-c", str(c.CLIENT_CORE), *cmd]
    text = subprocess.run(cmd, capture_output=True, text=True, check=True).stdout
    rate = float(re.search(r"Requests/sec:\s+([\d.]+)", text)[1])  # type: ignore[index]
    total = int(re.search(r"(\d+) requests in", text)[1])  # type: ignore[index]
    bad = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    errors = re.search(r"Socket errors: (.*)", text)
    latency = {p: v for p, v in re.findall(r"^\s+(50|90|99)%\s+(\S+)", text, re.M)}
    return {
        "requests": total,
        "per_s": round(rate, 1),
        "non_2xx": int(bad[1]) if bad else 0,
        "socket_errors": errors[1] if errors else "",
        "latency": latency,
    }


def _load(
    base: str, server_pid: int, seconds: int, connections: int, counts: str
) -> dict[str, Any]:
    """wrk on each path in turn, with the queries the app counted during each run."""
    out: dict[str, Any] = {}
    for path in PATHS:
        before = _get(counts)
        cpu, cores = c.CpuMeter(server_pid), c.CoreMeter()
        cpu.start()
        cores.start()
        run = _wrk(base + path, seconds, connections)
        run["server_busy"] = round(cpu.busy(), 3)
        run["cores"] = cores.busy()
        after = _get(counts)
        run["queries"] = {k: after[k] - before[k] for k in after}
        out[path] = run
        q = run["queries"]
        c.line(
            path,
            f"{run['per_s']:>9,.0f} /s  p50 {run['latency'].get('50', '?')}"
            f" p99 {run['latency'].get('99', '?')}; {run['requests']:,} answers,"
            f" {q['statements']} statements, {q['checkouts']} connections,"
            f" {q['public_reads']} views read (server core {run['server_busy']:.0%})",
        )
        if run["non_2xx"] or run["socket_errors"]:
            c.line("  errors", f"non-2xx {run['non_2xx']}, socket {run['socket_errors']}")
    return out


def nginx_config(directory: Path, app_port: int, port: int) -> Path:
    """docs/deploy.md's two nginx blocks, with our ports and a cache of our own."""
    site, snippet = re.findall(r"```nginx\n(.*?)```", DEPLOY.read_text(), re.S)[:2]
    include = directory / "madoguchi_public_cache.conf"
    include.write_text(snippet)
    site = (
        site.replace("127.0.0.1:8000", f"127.0.0.1:{app_port}")
        .replace("listen 80;", f"listen 127.0.0.1:{port};")
        .replace("/var/cache/nginx/madoguchi", str(directory / "cache"))
        .replace("/etc/nginx/madoguchi_public_cache.conf", str(include))
    )
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
        f"http {{\naccess_log off;\n{temp}\n{site}\n}}\n"
    )
    return conf


def _start_nginx(conf: Path) -> subprocess.Popen[bytes]:
    cmd = ["nginx", "-p", str(conf.parent), "-c", str(conf)]
    if c.cores_available():
        cmd = ["taskset", "-c", str(c.SERVER_CORE), *cmd]
    proc = subprocess.Popen(cmd, stderr=subprocess.PIPE)
    time.sleep(0.5)
    if proc.poll() is not None:
        raise RuntimeError(f"nginx did not start: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
    return proc


def _worker(master: subprocess.Popen[bytes]) -> int:
    """nginx's one worker process (the master only waits), for its CPU."""
    children = Path(f"/proc/{master.pid}/task/{master.pid}/children").read_text().split()
    return int(children[0]) if children else master.pid


def run(seconds: int = 10, connections: int = 64) -> dict[str, Any]:
    c.header(f"public surge: wrk -t2 -c{connections} -d{seconds}s on /, status, public view")
    if shutil.which("wrk") is None:
        raise RuntimeError("wrk is not installed (apt-get install wrk)")
    c.boost()
    result: dict[str, Any] = {"seconds": seconds, "connections": connections}
    server = c.Server("public_surge")
    server.env["MADOGUCHI_COUNT_QUERIES"] = "1"
    with server:
        counts = f"{server.base}/debug/queries"
        _issue(server.base, TICKETS)
        for path in PATHS:  # warm: the first answers render
            urllib.request.urlopen(server.base + path, timeout=5).close()
        c.line("the app alone", f"(pid {server.pid}, cpu{c.SERVER_CORE})")
        result["app"] = _load(server.base, server.pid, seconds, connections, counts)
        if shutil.which("nginx") is None:
            c.line("behind nginx", "not measured: nginx is not installed")
        else:
            directory = Path(tempfile.mkdtemp(prefix="madoguchi-bench-nginx-"))
            port = c.free_port()
            proc = _start_nginx(nginx_config(directory, server.port, port))
            try:
                c.line("behind nginx proxy_cache", f"(nginx -p {directory}, one worker)")
                base = f"http://127.0.0.1:{port}"
                for path in PATHS:  # a first MISS holds the others on proxy_cache_lock,
                    urllib.request.urlopen(base + path, timeout=5).close()  # polled at 500 ms
                result["nginx"] = _load(base, _worker(proc), seconds, connections, counts)
            finally:
                c.stop_process(proc)
                shutil.rmtree(directory, ignore_errors=True)
    app_min = min(r["per_s"] for r in result["app"].values())
    goals = {f"app >= {AIM_APP}/s on its core (slowest of the three)": app_min >= AIM_APP}
    c.line(
        "the app, slowest of the three",
        f"{app_min:,.0f} /s  (aim >= {AIM_APP:,}: {c.verdict(app_min >= AIM_APP)})",
    )
    if "nginx" in result:
        cache_min = min(r["per_s"] for r in result["nginx"].values())
        goals[f"behind the cache >= {AIM_CACHE}/s"] = cache_min >= AIM_CACHE
        c.line(
            "behind nginx, slowest of the three",
            f"{cache_min:,.0f} /s  (aim >= {AIM_CACHE:,}: {c.verdict(cache_min >= AIM_CACHE)})",
        )
    result["goals"] = goals
    path = c.write_result("public_surge", result)
    c.line("summary", str(path.relative_to(c.ROOT)))
    return result


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seconds", type=int, default=10)
    parser.add_argument("--connections", type=int, default=64)
    args = parser.parse_args()
    run(args.seconds, args.connections)
