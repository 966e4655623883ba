"""`python -m bench.altsim --seed N --days D --style {ward,bare} --out FILE.csv`"""

from __future__ import annotations

import argparse
import sys

from . import SPLITS, STYLES, Options, records, write


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m bench.altsim", description="Write office day logs (issue 18)."
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--days", type=int, default=1)
    parser.add_argument("--style", choices=STYLES, default="ward")
    parser.add_argument("--out", default="-", help="CSV file; - for stdout (the default)")
    parser.add_argument("--load", type=float, default=None, help="force the day's load factor")
    parser.add_argument("--skew", type=float, default=0.0, help="kiosk clock ahead, seconds")
    parser.add_argument("--list-splits", action="store_true", help="print the seed splits")
    args = parser.parse_args(argv)
    if args.list_splits:
        for name, seeds in SPLITS.items():
            print(f"{name}: {' '.join(map(str, seeds))}")
        return 0
    if args.days < 1:
        parser.error("--days must be at least 1")
    rows = records(args.seed, args.days, Options(load=args.load, skew_s=args.skew))
    if args.out == "-":
        write(rows, sys.stdout, args.style)
    else:
        with open(args.out, "w", newline="", encoding="utf-8") as f:
            write(rows, f, args.style)
    return 0


if __name__ == "__main__":
    sys.exit(main())
