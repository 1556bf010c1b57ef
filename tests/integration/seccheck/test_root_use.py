"""Root account use seen in CloudTrail (``bot/posture/cloudtrail.py``), read with boto3 from the
sandbox's CloudTrail (the gap endpoint; moto has no ``lookup_events``): what the root user did
in the last 90 days is a high finding per event name and source IP; benign events
(``root_use.yaml``), older events and other identities are not."""

from __future__ import annotations

from bot.posture.checks import ROOT_TITLE, more_checks
from bot.posture.cloudtrail import root_use, root_use_rules
from bot.posture.security import render, security_audit
from integrations.aws.session import AwsClients
from sandbox.investigate.context import context_for_world
from sandbox.world import SandboxWorld


def test_root_events_are_high_findings_with_time_event_and_ip(
    world: SandboxWorld, clients: AwsClients
) -> None:
    found = root_use(clients.cloudtrail, world.scenario.now)
    assert [f.summary.split(" from ")[0] for f in found] == [
        "the root user called AuthorizeSecurityGroupIngress",
        "the root user called ConsoleLogin",
    ]
    ingress, login = found
    assert all(f.severity == "high" and f.check == "root_account_used" for f in found)
    assert "from 198.51.100.7 2 times, 2025-05-30 13:00 UTC to 2025-05-30 14:00 UTC" in (
        ingress.summary)  # fmt: skip
    assert "from 198.51.100.7 at 2025-05-30 12:00 UTC" in login.summary
    assert "source IP 198.51.100.7" in login.evidence and "ConsoleLogin" in login.evidence
    assert login.fix_action is None
    text = " ".join(f.summary for f in found)
    assert "CheckMfa" not in text  # benign
    assert "CreateUser" not in text  # 120 days old
    assert "CreateAccessKey" not in text  # alice, an IAM user


def test_no_root_use_in_the_window_is_no_finding(world: SandboxWorld, clients: AwsClients) -> None:
    """Negative: a window that holds only the other identities' events and benign ones."""
    rules = root_use_rules().model_copy(update={"days": 1})
    assert root_use(clients.cloudtrail, world.scenario.now, rules) == []
    # and with the sign-in probe no longer benign, it is found
    strict = rules.model_copy(update={"benign_events": [], "days": 3})
    assert [f.summary for f in root_use(clients.cloudtrail, world.scenario.now, strict)
            if "CheckMfa" in f.summary]  # fmt: skip


def test_root_use_is_a_section_of_the_security_audit(
    world: SandboxWorld, clients: AwsClients
) -> None:
    ctx = context_for_world(world, aws_clients=clients)
    audit = security_audit(ctx, more=more_checks(clients, None, world.scenario.now))
    [root] = [found for title, found in audit.sections if title == ROOT_TITLE]
    assert len(root) == 2 and all(f.get("severity") == "high" for f in root)
    assert "the root user called ConsoleLogin from 198.51.100.7" in render(audit)
