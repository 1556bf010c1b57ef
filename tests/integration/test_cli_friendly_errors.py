"""A new user's first run without an AWS account gets what to fix, not an exception name."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_digest_without_aws_credentials_says_what_to_set_and_offers_a_scenario(
    tmp_path: Path,
) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    env |= {
        "AWS_SHARED_CREDENTIALS_FILE": str(tmp_path / "none"),
        "AWS_CONFIG_FILE": str(tmp_path / "none"),
        "AWS_EC2_METADATA_DISABLED": "true",
        "AIOPS_DB": str(tmp_path / "aiops.db"),
        "AIOPS_CONFIG": str(tmp_path / "aiops.toml"),
        "COLUMNS": "200",
    }
    done = subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", "digest", "--out", str(tmp_path / "d.md")],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert done.returncode == 2, done.stderr
    assert "no AWS credentials found" in done.stderr
    assert "--scenario" in done.stderr
    assert "unexpected" not in done.stderr and "Traceback" not in done.stderr
