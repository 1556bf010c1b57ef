"""``--db FILE`` keeps a sandbox run so that ``aiops incident list`` reads it afterwards; without
it the output says the run was temporary."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from tests.conftest import example_scenarios

ROOT = Path(__file__).resolve().parents[2]


def _aiops(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {**os.environ, "COLUMNS": "200", "NO_COLOR": "1", **(env or {})}
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", *args],
        cwd=ROOT, env=full, capture_output=True, text=True, timeout=300,
    )  # fmt: skip


def test_replay_with_db_keeps_the_incidents_for_incident_list(tmp_path: Path) -> None:
    scenario = next(p for p in example_scenarios() if p.name.startswith("04-"))
    kept = tmp_path / "run.db"
    done = _aiops("replay", str(scenario), "--db", str(kept))
    assert done.returncode == 0, done.stderr
    assert f"Kept in {kept}" in done.stdout
    listed = _aiops("incident", "list", env={"AIOPS_DB": str(kept)})
    assert listed.returncode == 0, listed.stderr
    assert "triggered" in listed.stdout


def test_replay_without_db_says_the_run_was_temporary() -> None:
    scenario = next(p for p in example_scenarios() if p.name.startswith("04-"))
    done = _aiops("replay", str(scenario))
    assert done.returncode == 0, done.stderr
    assert "temporary database" in done.stdout and "--db FILE" in done.stdout


def test_demo_refuses_a_db_file_that_already_holds_a_run(tmp_path: Path) -> None:
    used = tmp_path / "used.db"
    used.write_bytes(b"SQLite format 3\x00")
    done = _aiops("demo", "--fast", "--db", str(used))
    assert done.returncode == 2
    assert "already exists" in done.stderr
