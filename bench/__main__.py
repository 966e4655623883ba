"""`python -m bench` (or `make bench`): every benchmark, one after the other.

    python -m bench                 # all of them
    python -m bench issuing         # one or more by name: issuing, call_fanout, public_fanout,
                                    # public_fanout_10k, display_fanout, kiosk_print,
                                    # estimator_foreign, replay_speed, public_surge,
                                    # relay_latency, processes

Figures go to stdout and JSON summaries to bench/results/ (gitignored). Benchmarks never
fail on a goal; the exit status is non-zero only when a benchmark could not run.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import traceback

from . import _common as c
from . import (
    call_fanout,
    display_fanout,
    estimator_foreign,
    issuing,
    kiosk_print,
    processes,
    public_fanout,
    public_fanout_10k,
    public_surge,
    relay_latency,
    replay_speed,
)

BENCHMARKS = {
    "issuing": issuing.run,  # issue 3
    "call_fanout": call_fanout.run,  # issue 3
    "public_fanout": public_fanout.run,  # issue 3
    "public_fanout_10k": public_fanout_10k.run,  # issue 17
    "display_fanout": display_fanout.run,  # issue 5
    "kiosk_print": kiosk_print.run,  # issue 4
    "estimator_foreign": estimator_foreign.run,  # issue 18
    "replay_speed": replay_speed.run,  # issue 18
    "public_surge": public_surge.run,  # issue 17
    "relay_latency": relay_latency.run,  # issue 17
    "processes": processes.run,  # issue 17
}


def main(argv: list[str]) -> int:
    names = argv or list(BENCHMARKS)
    unknown = [n for n in names if n not in BENCHMARKS]
    if unknown:
        print(f"unknown benchmark(s): {', '.join(unknown)}; known: {', '.join(BENCHMARKS)}")
        return 2
    c.boost()
    m = c.machine()
    print(
        f"madoguchi benchmarks — {m['cpus']} CPUs ({m['cpu_model'] or 'unknown'}), "
        f"Python {m['python']}, server pinned to cpu{c.SERVER_CORE} and clients to "
        f"cpu{c.CLIENT_CORE}: {'yes' if m['pinned'] else 'no (fewer than 2 cores)'}, nice {m['nice']} ({m['autogroup'] or 'no autogroup'}); "
        f"load average {' '.join(m['loadavg'])}",
        flush=True,
    )
    t0 = time.monotonic()
    failed = []
    goals: dict[str, dict[str, bool]] = {}
    for name in names:
        try:
            goals[name] = BENCHMARKS[name]().get("goals", {})
        except Exception:
            failed.append(name)
            print(f"\n!! {name} could not run:", flush=True)
            traceback.print_exc()
    c.header("goals")
    for name, g in goals.items():
        for goal, ok in g.items():
            c.line(f"{name}: {goal}", c.verdict(ok))
    for name in failed:
        c.line(name, "did not run")
    print(f"\n(all benchmarks took {time.monotonic() - t0:.0f} s)", flush=True)
    return 1 if failed else 0


def in_own_session(argv: list[str]) -> int:
    """Run main() in a child process that leads a session of its own, so that its
    priority (and the servers it starts) can be raised without touching anything else."""
    child = subprocess.Popen(
        [sys.executable, "-m", "bench", *argv],
        env={**os.environ, "MADOGUCHI_BENCH_CHILD": "1"},
        start_new_session=True,
    )
    c.boost_session(child.pid)
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.terminate()
        return child.wait(timeout=30)


if __name__ == "__main__":
    if os.environ.get("MADOGUCHI_BENCH_CHILD") or c.NICE >= 0:
        sys.exit(main(sys.argv[1:]))
    sys.exit(in_own_session(sys.argv[1:]))
