"""Kiosk printing: tap (the ticket POST) -> the last byte at the printer, at the speed of a
250 mm/s thermal printer; bytes per ticket for each profile; time over a serial link.

    python -m bench.kiosk_print [--tickets 100]

A real server (``madoguchi serve``) prints each kiosk ticket to the TCP printer emulator
through a throttling proxy: the proxy passes bytes on no faster than a 250 mm/s printer takes
them (raster at 8 dots/mm: width_dots/8 bytes a dot line, 2,000 dot lines a second, so
576 dots -> 144,000 bytes/s; a printer with a small buffer accepts no more than it prints).
Measured: from just before the POST to the moment the proxy passed on the job's last byte.
Also reported: the paper length of each ticket (from the emulator's PNG, 8 dots/mm) and the
time to feed it at 250 mm/s, and how long each profile's bytes take over 9600 and 115200 baud
(10 bits a byte: start, 8 data, stop). Goal: p99 <= 1.5 s.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
from datetime import datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx

from printer.emulator import PrinterEmulator
from printer.layout import build_layout
from printer.profiles import get_profile
from printer.render import render

from . import _common as c

ROOT = Path(__file__).resolve().parent.parent
PRINT_MM_S = 250.0
DOTS_PER_MM = 8.0
GOAL_P99_S = 1.5
PROFILES = ("default", "tm-t88-ja", "generic-80", "generic-58")
BAUDS = (9600, 115200)


class ThrottledProxy:
    """TCP proxy in front of the emulator that passes the host's bytes on at ``rate`` B/s."""

    def __init__(self, target_port: int, rate: float) -> None:
        self.target_port, self.rate = target_port, rate
        self.server = socket.create_server(("127.0.0.1", 0))
        self.port = self.server.getsockname()[1]
        self.last_byte_at = 0.0
        self.bytes = 0
        self._lock = threading.Lock()
        threading.Thread(target=self._accept, daemon=True).start()

    def _accept(self) -> None:
        while True:
            try:
                client, _ = self.server.accept()
            except OSError:
                return
            upstream = socket.create_connection(("127.0.0.1", self.target_port))
            threading.Thread(target=self._pump_in, args=(client, upstream), daemon=True).start()
            threading.Thread(target=self._pump_out, args=(upstream, client), daemon=True).start()

    def _pump_in(self, client: socket.socket, upstream: socket.socket) -> None:
        start, sent = time.perf_counter(), 0
        with contextlib.suppress(OSError):
            while data := client.recv(4096):
                for i in range(0, len(data), 512):
                    chunk = data[i : i + 512]
                    due = start + (sent + len(chunk)) / self.rate
                    if (wait := due - time.perf_counter()) > 0:
                        time.sleep(wait)
                    upstream.sendall(chunk)
                    sent += len(chunk)
                    with self._lock:
                        self.last_byte_at, self.bytes = time.perf_counter(), self.bytes + len(chunk)
        with contextlib.suppress(OSError):
            upstream.shutdown(socket.SHUT_WR)

    def _pump_out(self, upstream: socket.socket, client: socket.socket) -> None:
        with contextlib.suppress(OSError):
            while data := upstream.recv(4096):
                client.sendall(data)
        with contextlib.suppress(OSError):
            client.close()

    def close(self) -> None:
        self.server.close()


def sample_layouts() -> dict[str, Any]:
    at = datetime(2026, 11, 25, 10, 5, tzinfo=ZoneInfo("Asia/Tokyo"))
    common = dict(
        office="中野区役所",
        area="戸籍住民課",
        floor="2F",
        service="住民票・印鑑証明・戸籍証明の発行",
        number="B-012",
        people_ahead=7,
        estimate_min=(10, 20),
        issued_at=at,
        url="http://madoguchi.example/t/" + "x" * 24,
    )
    return {
        "ja": build_layout(**common, service_local=None, lang="ja"),  # type: ignore[arg-type]
        "en": build_layout(  # type: ignore[arg-type]
            **common, service_local="Certificates (residence, seal, family register)", lang="en"
        ),
    }


def bytes_per_profile() -> dict[str, dict[str, Any]]:
    out: dict[str, dict[str, Any]] = {}
    for lang, layout in sample_layouts().items():
        for name in PROFILES:
            n = len(render(layout, get_profile(name)))
            out[f"{name}/{lang}"] = {
                "bytes": n,
                **{f"serial_{b}_s": round(n * 10 / b, 2) for b in BAUDS},
            }
    return out


def office_file(tmp: Path, uri: str, profile: str) -> Path:
    text = (ROOT / "server" / "offices" / "nakano.toml").read_text(encoding="utf-8")
    old = '# printer = "tcp:192.0.2.10:9100"     # no printer: tickets are written as PNG previews'
    assert old in text
    path = tmp / f"office-{profile}.toml"
    path.write_text(text.replace(old, f'printer = "{uri}"\nprofile = "{profile}"'), "utf-8")
    return path


def tap_to_last_byte(profile: str, tickets: int, tmp: Path) -> dict[str, Any]:
    width = get_profile(profile).width_dots
    rate = width / 8 * DOTS_PER_MM * PRINT_MM_S  # bytes a second a raster printer takes
    out = tmp / f"printed-{profile}"
    with PrinterEmulator(out_dir=out, width=width) as emulator:
        proxy = ThrottledProxy(emulator.port, rate)
        office = office_file(tmp, f"tcp:127.0.0.1:{proxy.port}", profile)
        port = c.free_port()
        env = {
            **os.environ,
            "MADOGUCHI_DATABASE_URL": f"sqlite:///{tmp}/bench-{profile}.sqlite3",
            "MADOGUCHI_LOG_LEVEL": "warning",
            "MADOGUCHI_PRINTER_PROBE_S": "0",
        }
        log = tmp / f"server-{profile}.log"
        with open(log, "wb") as f:
            proc = subprocess.Popen(
                [sys.executable, "-m", "server.cli", "serve", "--port", str(port),
                 "--always-open", "--office", str(office)],
                env=env, cwd=ROOT, stdout=f, stderr=subprocess.STDOUT,
            )  # fmt: skip
        try:
            c.wait_healthy(f"http://127.0.0.1:{port}", proc, log)
            times, statuses = [], []
            token = subprocess.run(  # printing at a kiosk needs its device token
                [sys.executable, "-m", "server.cli", "device", "token", "kiosk-2f",
                 "--office", str(office)],
                env=env, cwd=ROOT, check=True, capture_output=True, text=True,
            ).stdout.strip()  # fmt: skip
            headers = {"Authorization": f"Bearer {token}"}
            with httpx.Client(
                base_url=f"http://127.0.0.1:{port}", timeout=30, headers=headers
            ) as client:
                for i in range(tickets):
                    service = ("certificates", "moving", "insurance")[i % 3]
                    lang = ("ja", "en", "zh", "vi")[i % 4]
                    t0 = time.perf_counter()
                    answer = client.post(
                        "/api/v1/offices/nakano/tickets",
                        json={"service": service, "kiosk": "kiosk-2f", "lang": lang},
                    )
                    statuses.append(answer.json()["print"]["status"])
                    emulator.wait_for_jobs(i + 1, timeout=30)
                    times.append(proxy.last_byte_at - t0)
        finally:
            proc.terminate()
            proc.wait(10)
            proxy.close()
        paper_mm = [_paper_mm(p) for p in sorted(out.glob("job-*.png"))]
    summary = c.summary_ms(times)
    return {
        "profile": profile,
        "rate_bytes_s": rate,
        "tap_to_last_byte": summary,
        "printed": statuses.count("printed"),
        "tickets": tickets,
        "paper_mm_mean": round(sum(paper_mm) / len(paper_mm), 1),
        "feed_s_at_250mm_s": round(sum(paper_mm) / len(paper_mm) / PRINT_MM_S, 2),
        "goal_met": summary["p99_ms"] <= GOAL_P99_S * 1000,
    }


def _paper_mm(png: Path) -> float:
    from PIL import Image

    with Image.open(png) as image:
        return image.height / DOTS_PER_MM


def run(tickets: int = 100) -> dict[str, Any]:
    c.header("kiosk printing: tap -> last byte at a 250 mm/s printer (emulator)")
    sizes = bytes_per_profile()
    for key, value in sizes.items():
        c.line(
            f"bytes {key}",
            f"{value['bytes']:>7} B   9600 baud {value['serial_9600_s']:6.1f} s   "
            f"115200 baud {value['serial_115200_s']:5.2f} s",
        )
    results = []
    with tempfile.TemporaryDirectory() as tmp:
        for profile in ("default", "tm-t88-ja"):
            r = tap_to_last_byte(profile, tickets, Path(tmp))
            results.append(r)
            s = r["tap_to_last_byte"]
            c.line(
                f"tap->last byte {profile}",
                f"p50 {s['p50_ms']:.0f} ms  p99 {s['p99_ms']:.0f} ms  max {s['max_ms']:.0f} ms "
                f"({r['printed']}/{r['tickets']} printed; paper {r['paper_mm_mean']} mm, "
                f"{r['feed_s_at_250mm_s']} s to feed) {c.verdict(r['goal_met'])}",
            )
    data = {"goal_p99_s": GOAL_P99_S, "bytes": sizes, "runs": results}
    c.write_result("kiosk_print", data)
    return data


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.kiosk_print", description=__doc__)
    parser.add_argument("--tickets", type=int, default=100)
    args = parser.parse_args(argv)
    run(args.tickets)
    return 0


if __name__ == "__main__":
    sys.exit(main())
