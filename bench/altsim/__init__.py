"""A second office-log generator, independent of `server.simulation` (issue 18).

The project's wait estimator was tuned on the project's own simulator. This package writes
day logs of the reference office (the design folder's OFFICE.md, beside this repository) from a different model —
lognormal service times with a heavy tail, counters on breaks, a lunch dip, outages, visitors
who leave unseen, no-shows found out only at the call, one-stop transfers — so that the
estimator can be checked on logs it was not fitted to. It was written from OFFICE.md and the
log format only; it imports nothing of `server`.

    python -m bench.altsim --seed 101 --days 1 --style ward --out day.csv
    python -m bench.altsim --list-splits

Seeds are split once and for all (do not move a seed from one list to the other after
looking at its figures):

- TUNING_SEEDS, 1-10: free to look at while changing the estimator;
- HELD_OUT_SEEDS, 101-120: only to report on, never to tune against.
"""

from __future__ import annotations

from .csvlog import STYLES, write
from .model import Day, Options, Record, ServiceLaw, law, records, simulate

TUNING_SEEDS: tuple[int, ...] = tuple(range(1, 11))
HELD_OUT_SEEDS: tuple[int, ...] = tuple(range(101, 121))
SPLITS: dict[str, tuple[int, ...]] = {"tuning": TUNING_SEEDS, "held_out": HELD_OUT_SEEDS}

__all__ = [
    "HELD_OUT_SEEDS",
    "SPLITS",
    "STYLES",
    "TUNING_SEEDS",
    "Day",
    "Options",
    "Record",
    "ServiceLaw",
    "law",
    "records",
    "simulate",
    "write",
]
