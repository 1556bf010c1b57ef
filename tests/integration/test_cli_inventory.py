"""`aiops inventory` in a terminal: a question over a scenario's world, written to a file;
words with no resource type get one clear line and exit 2."""

from __future__ import annotations

import subprocess
from pathlib import Path

from tests.cli import run_aiops
from tests.integration.aws.test_inventory import WORLD


def _aiops(*args: str) -> subprocess.CompletedProcess[str]:
    return run_aiops(*args)


def test_question_over_a_scenario_world_to_csv(tmp_path: Path) -> None:
    scenario = tmp_path / "world.yaml"
    scenario.write_text(WORLD)
    out = tmp_path / "buckets.csv"
    r = _aiops(
        "inventory", "which", "buckets", "are", "public",
        "--scenario", str(scenario), "--format", "csv", "--out", str(out),
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    lines = out.read_text().splitlines()
    assert lines[0] == "name,public,encrypted,created"
    assert [line.split(",")[:3] for line in lines[1:]] == [["acme-public-assets", "true", "false"]]
    assert "1 buckets matching public=true (of 2)" in r.stdout


def test_words_without_a_type_exit_2() -> None:
    r = _aiops("inventory", "what", "is", "up")
    assert r.returncode == 2
    assert "no resource type" in r.stderr + r.stdout and "Traceback" not in r.stderr
    r = _aiops("inventory", "ec2", "--format", "xml")
    assert r.returncode == 2 and "--format 'xml'" in r.stderr + r.stdout
