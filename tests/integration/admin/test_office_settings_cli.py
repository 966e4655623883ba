"""`madoguchi office import / export`: the office file is what a new installation imports
and what export writes back, round-trip equal; a file with a mistake changes nothing."""

from __future__ import annotations

import os
import subprocess
import sys
import tomllib
from pathlib import Path

from server.office_file import demo_office_path
from tests.conftest import ROOT


def _cli(database_url: str, *args: str) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "MADOGUCHI_DATABASE_URL": database_url}
    return subprocess.run(
        [sys.executable, "-m", "server.cli", "office", *args],
        env=env,
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_the_demo_file_round_trips_through_the_database(database_url: str, tmp_path: Path) -> None:
    out = tmp_path / "out.toml"
    exported = _cli(database_url, "export", str(out))
    assert exported.returncode == 0, exported.stderr
    original = tomllib.loads(demo_office_path().read_text(encoding="utf-8"))
    assert tomllib.loads(out.read_text(encoding="utf-8")) == original


def test_an_imported_file_is_a_new_revision_and_export_gives_it_back(
    database_url: str, tmp_path: Path
) -> None:
    text = demo_office_path().read_text(encoding="utf-8")
    changed = tmp_path / "changed.toml"
    changed.write_text(text.replace("mean_service_min = 25", "mean_service_min = 27"), "utf-8")
    assert _cli(database_url, "export").returncode == 0  # the first start imports the demo
    first = _cli(database_url, "import", str(changed))
    assert first.returncode == 0, first.stderr
    assert "revision 2" in first.stdout
    again = _cli(database_url, "import", str(changed))
    assert again.returncode == 0 and "already" in again.stdout  # nothing new
    exported = _cli(database_url, "export")
    assert tomllib.loads(exported.stdout) == tomllib.loads(changed.read_text("utf-8"))


def test_a_bad_file_names_the_key_and_changes_nothing(database_url: str, tmp_path: Path) -> None:
    assert _cli(database_url, "export").returncode == 0
    text = demo_office_path().read_text(encoding="utf-8")
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace('prefix = "B"', 'prefix = "A"'), "utf-8")
    refused = _cli(database_url, "import", str(bad))
    assert refused.returncode == 2
    assert "services[1].prefix" in refused.stderr and "used by another service" in refused.stderr
    exported = _cli(database_url, "export")
    assert 'prefix = "B"' in exported.stdout
