"""A supervisor for the tests that work several counters at once with one account (a clerk
works one at a time), made with the CLI before the server starts. Not the demo office's
accounts: which role those have is the demo's business."""

from __future__ import annotations

import os
import subprocess
import sys

from tests.conftest import ROOT

SUPERVISOR = ("drill-supervisor", "drill-supervisor-password")


def add_supervisor(database_url: str) -> tuple[str, str]:
    env = {**os.environ, "MADOGUCHI_DATABASE_URL": database_url}
    subprocess.run(
        [sys.executable, "-m", "server.cli", "user", "add", SUPERVISOR[0], "--role", "supervisor"],
        input=f"{SUPERVISOR[1]}\n".encode(),
        env=env,
        cwd=ROOT,
        check=True,
        capture_output=True,
    )
    return SUPERVISOR
