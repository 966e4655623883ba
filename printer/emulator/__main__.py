"""``python -m printer.emulator --port 9100 --out DIR``: a network printer for development."""

from __future__ import annotations

import argparse
import threading
from pathlib import Path

from printer.emulator.server import PrinterEmulator


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(prog="python -m printer.emulator", description=__doc__)
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=9100)
    parser.add_argument("--out", type=Path, default=Path("printed"), help="PNG/text per job")
    parser.add_argument("--width", type=int, default=576, help="paper width in dots")
    parser.add_argument("--paper-out", action="store_true")
    parser.add_argument("--paper-near-end", action="store_true")
    parser.add_argument("--cover-open", action="store_true")
    parser.add_argument("--offline", action="store_true", help="switched off: refuse connections")
    parser.add_argument(
        "--offline-status", action="store_true", help="connect, but report itself offline"
    )
    parser.add_argument(
        "--slow", type=float, default=0.0, metavar="SECONDS", help="wait this long before each read"
    )
    parser.add_argument(
        "--bytes-per-s", type=int, default=0, metavar="N", help="take in N bytes a second"
    )
    parser.add_argument(
        "--drop-after", type=int, default=0, metavar="BYTES", help="cut each connection mid-job"
    )
    args = parser.parse_args(argv)
    emulator = PrinterEmulator(host=args.host, port=args.port, out_dir=args.out, width=args.width)
    emulator.set_state(
        paper_out=args.paper_out,
        paper_near_end=args.paper_near_end,
        cover_open=args.cover_open,
        offline=args.offline_status,
        slow_s=args.slow,
        rate_bps=args.bytes_per_s,
        refuse=args.offline,
        drop_after=args.drop_after,
    )
    emulator.start()
    print(f"ESC/POS printer emulator on {args.host}:{emulator.port}, jobs to {args.out}/")
    try:
        threading.Event().wait()
    except KeyboardInterrupt:
        pass
    finally:
        emulator.stop()


if __name__ == "__main__":
    main()
