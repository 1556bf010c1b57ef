"""AWS Config rule compliance folded into the compliance report (read with boto3 from the
sandbox's gap endpoint: moto has no rule compliance): each rule by name, its non-compliant
resources failing in the score, the rows and the trend; an account without Config rules gets a
note, not an error. And the scheduled evaluation: it stores a run, skips one that would come
less than half an interval after the last, and the next stored run has a trend."""

from __future__ import annotations

from datetime import timedelta

import pytest

from bot.clock import SandboxClock
from bot.compliance.aws_config import NOT_ENABLED, with_aws_config
from bot.compliance.evaluate import ComplianceReport
from bot.compliance.flows import assess, last_run_at, scheduled
from bot.compliance.render import rows, summary
from bot.inventory.service import InventorySources
from bot.store import Database
from integrations.aws.session import AwsClients
from sandbox.world import SandboxWorld


@pytest.fixture(scope="module")
def report(clients: AwsClients) -> ComplianceReport:
    return assess(None, InventorySources(aws=clients))


def test_config_rules_join_the_report_by_name(report: ComplianceReport) -> None:
    by_name = {c.name: c for c in report.config}
    assert set(by_name) == {"restricted-ssh", "s3-bucket-ssl-requests-only", "cloudtrail-enabled"}
    ssh = by_name["restricted-ssh"]
    assert ssh.compliance == "NON_COMPLIANT" and ssh.checked == 2
    assert ssh.failing == [("AWS::EC2::SecurityGroup", "sg-0bastion")]
    assert by_name["s3-bucket-ssl-requests-only"].failing == []
    assert by_name["cloudtrail-enabled"].checked == 0
    assert report.config_note is None


def test_config_failures_count_in_the_score_and_the_rows(report: ComplianceReport) -> None:
    ours = ComplianceReport(report.results)
    assert report.checks == ours.checks + 3 and report.failures == ours.failures + 1
    [row] = [r for r in rows(report) if r.check.startswith("config:")]
    assert row.check == "config:restricted-ssh" and row.resource == "sg-0bastion"
    assert row.severity == "medium" and "non-compliant" in row.summary
    text = summary(report)
    assert ":warning: [medium] AWS Config rule restricted-ssh: 1 of 2 fail: sg-0bastion" in text
    assert "AWS Config rule s3-bucket-ssl-requests-only (compliant, 1 checked)" in text


def test_without_config_rules_the_report_says_so(nothing_enabled: AwsClients) -> None:
    """Negative: no Config section in the world: no Config results, a note, no error row."""
    report = with_aws_config(ComplianceReport([]), nothing_enabled.config)
    assert report.config == [] and report.config_note == NOT_ENABLED
    assert [(r.section, r.check) for r in rows(report)] == [("notes", "aws_config")]
    assert f"AWS Config: {NOT_ENABLED}" in summary(report)


def test_scheduled_runs_are_stored_with_a_trend(
    world: SandboxWorld, clients: AwsClients, database: Database
) -> None:
    clock = SandboxClock(world.scenario.now)
    job = scheduled(database, clock, None, lambda: InventorySources(aws=clients), 3600)
    first = job.run()
    assert first is not None and first.delta is None  # the first stored run
    assert last_run_at(database) is not None
    clock.advance(timedelta(minutes=10))
    assert job.run() is None  # a replica or a restart ten minutes later: skipped
    clock.advance(timedelta(hours=1))
    second = job.run()
    assert second is not None and second.delta == 0.0 and second.previous_at is not None
    assert second.newly_failing == {} and second.fixed == {}
