"""The terminal command on bad input: one clear line, exit 2, never a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.pg import pg_bin


def _aiops(*args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess[str]:
    full = {k: v for k, v in os.environ.items() if not k.startswith(("AIOPS_", "DATABASE_URL"))}
    full.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "handlers.cli.main", *args],
        capture_output=True,
        text=True,
        env=full,
        timeout=60,
    )


def test_malformed_database_url(tmp_path: Path) -> None:
    r = _aiops("db", "upgrade", env={"DATABASE_URL": "mysql://x"})
    assert r.returncode == 2
    assert "DATABASE_URL" in r.stderr and "Traceback" not in r.stderr + r.stdout


def test_unreachable_postgres() -> None:
    r = _aiops("db", "upgrade", env={"DATABASE_URL": "postgresql+psycopg://u@127.0.0.1:1/x"})
    assert r.returncode == 2
    assert "database unreachable" in r.stderr and "DATABASE_URL" in r.stderr
    assert "Traceback" not in r.stderr


def test_upgrade_then_doctor_reports_schema(tmp_path: Path) -> None:
    env = {"AIOPS_DB": str(tmp_path / "a.db"), "AIOPS_CONFIG": str(tmp_path / "none.toml")}
    before = _aiops("doctor", env=env)
    assert before.returncode == 1 and "aiops db upgrade" in before.stdout
    up = _aiops("db", "upgrade", env=env)
    assert up.returncode == 0 and "upgraded empty" in up.stdout
    again = _aiops("db", "upgrade", env=env)
    assert "already at" in again.stdout
    after = _aiops("doctor", env=env)
    assert after.returncode == 0, after.stdout
    assert "ready" in after.stdout


def test_unknown_command_is_a_usage_error() -> None:
    r = _aiops("frobnicate")
    assert r.returncode == 2 and "No such command" in r.stderr
    assert "Traceback" not in r.stderr


@pytest.mark.skipif(pg_bin() is None, reason="PostgreSQL server binaries not installed")
def test_db_upgrade_on_postgres(pg_cluster) -> None:  # type: ignore[no-untyped-def]
    pg_cluster.psql("CREATE DATABASE cli_up")
    r = _aiops("db", "upgrade", env={"DATABASE_URL": pg_cluster.url("cli_up")})
    assert r.returncode == 0, r.stderr
    assert "upgraded empty" in r.stdout


@pytest.mark.parametrize(
    ("api_url", "said"),
    [
        ("http://slack.invalid/api/", "cannot resolve the host (DNS)"),
        ("http://127.0.0.1:1/api/", "cannot connect"),
    ],
    ids=["dns", "refused"],
)
def test_doctor_blames_the_network_not_the_token_and_prints_no_raw_client_errors(
    tmp_path: Path, api_url: str, said: str
) -> None:
    env = {
        "AIOPS_DB": str(tmp_path / "a.db"),
        "AIOPS_CONFIG": str(tmp_path / "none.toml"),
        "SLACK_BOT_TOKEN": "xoxb-1-2-abc",
        "SLACK_APP_TOKEN": "xapp-1-2-abc",
        "SLACK_API_URL": api_url,
        "COLUMNS": "250",
    }
    r = _aiops("doctor", env=env)
    assert said in r.stdout, r.stdout
    assert "check DNS, the network" in r.stdout
    assert "check SLACK_BOT_TOKEN" not in r.stdout
    assert "ERROR" not in r.stderr and "Traceback" not in r.stderr, r.stderr
