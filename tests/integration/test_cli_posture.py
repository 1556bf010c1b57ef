"""`aiops audit security|cost` in a terminal, over the security example's sandbox world."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import pytest

from tests.cli import run_aiops
from tests.conftest import SCENARIOS_DIR

SCENARIO = SCENARIOS_DIR / "08-security-open-ssh-public-bucket.yaml"


def _aiops(*args: str) -> subprocess.CompletedProcess[str]:
    return run_aiops(*args)


@pytest.fixture(scope="module")
def security_csv(tmp_path_factory: pytest.TempPathFactory) -> list[dict[str, str]]:
    out = tmp_path_factory.mktemp("audit") / "security.csv"
    r = _aiops(
        "audit", "security", "--scenario", str(SCENARIO), "--format", "csv", "--out", str(out)
    )
    assert r.returncode == 0, r.stderr
    return list(csv.DictReader(out.read_text().splitlines()))


def test_security_report_rows(security_csv: list[dict[str, str]]) -> None:
    by_check: dict[str, list[dict[str, str]]] = {}
    for row in security_csv:
        by_check.setdefault(row["check"], []).append(row)
    assert any("bastion-sg" in r["summary"] for r in by_check["sg_open"])
    assert any("acme-finance-exports" in r["summary"] for r in by_check["bucket_public"])
    [admin] = by_check["iam_admin"]
    assert admin["severity"] == "high" and "contractor-alex" in admin["summary"]
    assert all(r["severity"] != "critical" for r in security_csv)


def test_cost_report_as_json(tmp_path: Path) -> None:
    r = _aiops("audit", "cost", "--scenario", str(SCENARIO), "--format", "json")
    assert r.returncode == 0, r.stderr
    rows = json.loads(r.stdout[r.stdout.index("[") :])
    # the world has two running instances and too little CPU history to call them idle, and
    # no spend for Cost Explorer to serve; the total and the price table's date go to stderr
    assert "0 findings over 2 EC2 instances, about $0.00/month to save (prices as of" in r.stderr
    assert {row["section"] for row in rows} == {"notes", "spend"}
    notes = [row["summary"] for row in rows if row["section"] == "notes"]
    assert "idle EC2: 2 running instances with under 14 days of CPU data, not judged" in notes
    [spend] = [row for row in rows if row["section"] == "spend"]
    assert spend["check"] == "cost_explorer" and "no spend recorded" in spend["summary"]
    assert all("monthly_usd" in row for row in rows)


def test_bad_format_is_one_line() -> None:
    r = _aiops("audit", "security", "--format", "xml")
    assert r.returncode == 2 and "--format 'xml'" in r.stderr + r.stdout
    assert "Traceback" not in r.stderr


def test_compliance_report_rows_name_the_cis_control(tmp_path: Path) -> None:
    out = tmp_path / "compliance.md"
    r = _aiops(
        "audit", "compliance", "--scenario", str(SCENARIO), "--format", "md", "--out", str(out)
    )
    assert r.returncode == 0, r.stderr
    assert "score" in r.stdout
    text = out.read_text()
    assert "| compliance | critical | sg-no-ssh-from-world |" in text and "CIS 5.2" in text


def test_cost_report_uses_the_configured_price_table(tmp_path: Path) -> None:
    mine = tmp_path / "prices.yaml"
    mine.write_text("as_of: 2026-12-01\nregion: eu-central-1\n")
    r = run_aiops("audit", "cost", "--scenario", str(SCENARIO), "--format", "csv",
                  env={"AIOPS_PRICES_FILE": str(mine)})  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "(prices as of 2026-12-01, eu-central-1)" in r.stderr
    assert r.stdout.splitlines()[0].endswith(",fix_action,fix_params,monthly_usd")


def test_a_bad_price_table_is_one_line(tmp_path: Path) -> None:
    bad = tmp_path / "prices.yaml"
    bad.write_text("ec2_hourly: {t3.micro: free}\n")
    r = run_aiops("audit", "cost", "--scenario", str(SCENARIO),
                  env={"AIOPS_PRICES_FILE": str(bad)})  # fmt: skip
    assert r.returncode != 0 and "Traceback" not in r.stderr
    said = "".join((r.stderr + r.stdout).split())  # the terminal wraps long lines anywhere
    assert "".join(f"{bad} (merged over prices.yaml): ec2_hourly.t3.micro:".split()) in said
