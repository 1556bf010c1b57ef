"""``aiops investigate`` on a machine with no AWS credentials, no kubeconfig and no service
graph: every step's status is its own read's, and the summary claims nothing it has not got."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

from bot.investigate.primitives import READS

ROOT = Path(__file__).resolve().parents[2]


def _rows(output: str) -> dict[str, list[str]]:
    """The progress table's rows: step -> [status, ms, found]."""
    rows = {}
    for line in output.splitlines():
        cells = [c.strip() for c in line.strip().strip("│").split("│")]
        if len(cells) == 4 and "." in cells[0]:
            rows[cells[0]] = cells[1:]
    return rows


def test_investigate_with_nothing_configured_reports_each_step_honestly(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWS_", "AIOPS_"))}
    env.pop("KUBECONFIG", None)
    env |= {
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AWS_REGION": "eu-west-1",
        "AIOPS_DB": str(tmp_path / "aiops.db"),
        "AIOPS_CONFIG": str(tmp_path / "aiops.toml"),
        "COLUMNS": "240",
    }
    query = "database connections exhausted, RDS instance down"
    done = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "investigate", query],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    rows = _rows(done.stdout)
    # the RDS state read has no RDS instance to look at: skipped, with why
    assert rows["resources.rds"][0] == "skipped"
    assert "service graph is empty" in rows["resources.rds"][2]
    # the parameter-change read did call CloudTrail, and that failed for want of credentials
    assert rows["config_diff.rds"][0] == "failed"
    assert "NoCredentialsError" in rows["config_diff.rds"][2]
    assert rows["k8s.pods"][0] == "skipped" and "KUBECONFIG" in rows["k8s.pods"][2]
    # no metric catalogue, log source or service graph: nothing was scanned, read or walked
    for step, what in [
        ("metrics.scan", "metrics not configured"),
        ("logs.mine", "logs not configured"),
        ("topology.walk", "service graph not configured"),
    ]:
        if step in rows:
            assert rows[step][0] == "skipped" and what in rows[step][2], (step, rows[step])
    assert {"metrics.scan", "logs.mine"} <= set(rows), "the query's playbooks plan both"
    assert not [step for step, cells in rows.items() if cells[0] == "ok" and step in READS]
    # never silent, and claims nothing: cause not identified, what to configure, no action
    assert "cause not identified" in done.stdout and "AIOPS_TOPOLOGY_FILE" in done.stdout
    assert "(none from the registry: see the hypotheses)" in done.stdout
    assert "Traceback" not in done.stderr
