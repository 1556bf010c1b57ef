"""GuardDuty and Inspector findings in the security audit, read with boto3 from the sandbox's
gap endpoint (moto has no findings to give): current findings with our severity from theirs
(``threat_severity.yaml``), archived / closed / informational ones left out; a service that is
off is a note that says so, not an error."""

from __future__ import annotations

from typing import Any

import pytest

from bot.errors import NotEnabled
from bot.posture.checks import GUARDDUTY_TITLE, INSPECTOR_TITLE, more_checks
from bot.posture.report import security_rows
from bot.posture.security import render, security_audit
from bot.posture.threats import guardduty_audit, inspector_audit, threat_severity
from integrations.aws.session import AwsClients
from sandbox.investigate.context import context_for_world
from sandbox.world import SandboxWorld


def test_guardduty_findings_with_mapped_severity(world: SandboxWorld, clients: AwsClients) -> None:
    found = guardduty_audit(clients.guardduty)
    instance = world.id_refs["bastion-1"]
    assert [(f.severity, f.resource) for f in found] == [
        ("high", f"guardduty:{instance}"),
        ("medium", "guardduty:acme-logs"),
        ("low", f"guardduty:{instance}"),
    ]
    brute = found[0]
    assert "UnauthorizedAccess:EC2/SSHBruteForce on Instance" in brute.summary
    assert "severity 8, seen 42 times, last seen 2025-06-01 09:00 UTC" in brute.evidence
    assert not [f for f in found if "Bitcoin" in f.summary]  # archived
    assert brute.fix_action is None


def test_inspector_findings_with_mapped_severity(world: SandboxWorld, clients: AwsClients) -> None:
    found = inspector_audit(clients.inspector2)
    assert [f.severity for f in found] == ["critical", "medium"]
    cve, reach = found
    assert "CVE-2024-6387: CVE-2024-6387 - openssh" in cve.summary
    assert world.id_refs["bastion-1"] in cve.resource
    assert "network reachability" in reach.summary
    text = " ".join(f.summary for f in found)
    assert "zlib" not in text and "curl" not in text  # informational skipped, closed not active


def test_services_that_are_off_say_so(nothing_enabled: AwsClients) -> None:
    """Negative: no detector, Inspector disabled: NotEnabled, which the audit shows as a note."""
    with pytest.raises(NotEnabled, match="GuardDuty is not enabled"):
        guardduty_audit(nothing_enabled.guardduty)
    with pytest.raises(NotEnabled, match="Inspector is not enabled"):
        inspector_audit(nothing_enabled.inspector2)


def test_the_audit_notes_what_is_off_and_reports_no_error(
    world: SandboxWorld, nothing_enabled: AwsClients
) -> None:
    ctx = context_for_world(world)
    only = [c for c in more_checks(nothing_enabled, None, world.scenario.now)
            if c[0] in (GUARDDUTY_TITLE, INSPECTOR_TITLE)]  # fmt: skip
    audit = security_audit(ctx, more=only)
    assert audit.errors == []
    assert audit.notes == [
        "GuardDuty findings: GuardDuty is not enabled here (no detector)",
        "Inspector findings: Inspector is not enabled for this account",
    ]
    assert ":information_source: GuardDuty findings: GuardDuty is not enabled" in render(audit)
    notes = [r for r in security_rows(audit) if r.section == "notes"]
    assert [(r.severity, r.check) for r in notes] == [("info", "not_enabled")] * 2


def test_sections_reach_the_security_audit(world: SandboxWorld, clients: AwsClients) -> None:
    ctx = context_for_world(world, aws_clients=clients)
    only = [c for c in more_checks(clients, None, world.scenario.now)
            if c[0] in (GUARDDUTY_TITLE, INSPECTOR_TITLE)]  # fmt: skip
    sections: dict[str, Any] = dict(security_audit(ctx, more=only).sections)
    assert len(sections[GUARDDUTY_TITLE]) == 3 and len(sections[INSPECTOR_TITLE]) == 2


def test_severity_table_bands() -> None:
    table = threat_severity()
    assert [table.of_guardduty(v) for v in (9.5, 8.9, 7.0, 6.9, 4.0, 3.9, 0.5)] == [
        "critical", "high", "high", "medium", "medium", "low", "low"]  # fmt: skip
    assert table.of_inspector("INFORMATIONAL") is None
    assert table.of_inspector("SOMETHING_NEW") == "medium"  # as UNTRIAGED
