"""`aiops audit security|compliance --scenario` in a terminal over this package's world: the
further checks (root use, GuardDuty, Inspector, Kubernetes, AWS Config) reach the report."""

from __future__ import annotations

import csv
from pathlib import Path

from tests.cli import run_aiops
from tests.integration.seccheck.conftest import WORLD_FILE


def _rows(kind: str, out: Path) -> list[dict[str, str]]:
    r = run_aiops(
        "audit", kind, "--scenario", str(WORLD_FILE), "--format", "csv", "--out", str(out),
        timeout=300,
    )  # fmt: skip
    assert r.returncode == 0, r.stderr
    return list(csv.DictReader(out.read_text().splitlines()))


def test_security_report_has_the_further_sections(tmp_path: Path) -> None:
    rows = _rows("security", tmp_path / "security.csv")
    by_check: dict[str, list[dict[str, str]]] = {}
    for row in rows:
        by_check.setdefault(row["check"], []).append(row)
    assert {r["severity"] for r in by_check["root_account_used"]} == {"high"}
    assert len(by_check["root_account_used"]) == 2
    assert [r["severity"] for r in by_check["guardduty"]] == ["high", "medium", "low"]
    assert [r["severity"] for r in by_check["inspector"]] == ["critical", "medium"]
    [privileged] = by_check["k8s_privileged"]
    assert privileged["resource"] == "k8s:prod/web/app" and privileged["severity"] == "high"
    assert by_check["k8s_no_limits"][0]["fix_action"] == "k8s.set_resources"
    # the fix's parameters as `aiops remediate propose` takes them
    assert by_check["k8s_no_limits"][0]["fix_params"] == "namespace=prod name=web container=app"
    assert by_check["k8s_privileged"][0]["fix_params"] == ""  # no registry action fixes it
    assert "errors" not in {r["section"] for r in rows}


def test_compliance_report_names_the_config_rule(tmp_path: Path) -> None:
    rows = _rows("compliance", tmp_path / "compliance.csv")
    [config] = [r for r in rows if r["check"].startswith("config:")]
    assert config["check"] == "config:restricted-ssh" and config["resource"] == "sg-0bastion"
