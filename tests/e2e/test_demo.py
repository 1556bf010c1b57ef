"""``aiops demo`` as a newcomer runs it: a subprocess, non-interactive, on an example scenario."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from bot.errors import UserError
from handlers.demo.session import default_scenario

ROOT = Path(__file__).resolve().parents[2]
AIOPS = [sys.executable, "-m", "handlers.cli.main"]


def _run(*args: str, timeout: float = 120) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "COLUMNS": "120", "NO_COLOR": "1", "TERM": "dumb"}
    return subprocess.run(
        [*AIOPS, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=timeout
    )


@pytest.fixture(scope="module")
def demo_run(request: pytest.FixtureRequest) -> tuple[subprocess.CompletedProcess[str], Path]:
    from tests.conftest import example_scenarios

    examples = example_scenarios()
    if not examples:
        pytest.skip("../shared/scenarios is absent: the demo's default scenario lives there")
    return _run("demo", "--fast"), examples[0]


def test_demo_finishes_and_shows_the_incident_its_root_cause_and_a_verified_remediation(
    demo_run: tuple[subprocess.CompletedProcess[str], Path],
) -> None:
    proc, scenario = demo_run
    assert proc.returncode == 0, proc.stderr[-2000:]
    out = proc.stdout
    from bot.sandbox.scenario import load_scenario

    loaded = load_scenario(scenario).scenario
    root = loaded.alerts[0]
    # the incident message, read back from the local Slack server, names the root alert
    assert "#incidents (local Slack)" in out
    assert f"#1 {root.service}: {root.name}" in out
    # the remediation was executed and verified (not merely proposed)
    assert "→ verified" in out
    assert "Traceback" not in out + proc.stderr


def test_demo_with_a_missing_scenario_file_exits_2_with_one_clear_line(tmp_path: Path) -> None:
    proc = _run("demo", "--scenario", str(tmp_path / "nope.yaml"), timeout=60)
    assert proc.returncode == 2
    assert "no scenario file" in proc.stderr
    assert "Traceback" not in proc.stderr


def test_default_scenario_is_the_first_example_and_an_absent_folder_is_a_user_error(
    tmp_path: Path,
) -> None:
    with pytest.raises(UserError, match="does not exist"):
        default_scenario(tmp_path / "absent")
    (tmp_path / "b.yaml").write_text("x: 1")
    (tmp_path / "a.yaml").write_text("x: 1")
    assert default_scenario(tmp_path).name == "a.yaml"
