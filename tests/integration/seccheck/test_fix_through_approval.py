"""A fix applied through approval makes the next audit clean for that finding: the security
audit finds SSH open to the world, its finding names the registry action and parameters, the
action is proposed and approved through the one remediation flow every door uses
(``bot.respond.approvals``: policy, role, execute once, verify), runs on the sandbox's AWS
(moto, real boto3), and the next audit no longer reports it — while the group's other rule
(443) is still reported, so the audit was not simply emptied. The same for a Kubernetes
container without limits and ``k8s.set_resources``."""

from __future__ import annotations

from typing import Any

import pytest

from bot.investigate.finding_types import AttrValue
from bot.investigate.sources_live import LiveEvidence
from bot.posture.k8s import k8s_audit
from bot.posture.network import open_groups
from bot.posture.security import SG_TITLE, security_audit
from bot.remediate import service
from bot.remediate.enums import State
from bot.respond import approvals
from bot.respond.approvals import Desk
from bot.respond.proposals import propose
from bot.store import Database
from integrations.aws.posture_reads import PostureReader
from integrations.aws.session import AwsClients
from sandbox.investigate.context import context_for_world as investigation_context
from sandbox.remediate.context import context_for_world as action_context
from sandbox.world import SandboxWorld


@pytest.fixture(scope="module")
def k8s_api(world: SandboxWorld) -> Any:
    evidence = investigation_context(world).evidence
    assert isinstance(evidence, LiveEvidence)  # a world's investigations read it live
    return evidence.k8s_api


def _ssh_findings(world: SandboxWorld, clients: AwsClients) -> list[dict[str, AttrValue]]:
    ctx = investigation_context(world, aws_clients=clients)
    audit = security_audit(ctx, aws=PostureReader(clients.ec2, clients.rds))
    found = dict(audit.sections)[SG_TITLE]
    return [dict(f.attrs) for f in found if "bastion-sg" in f.summary]


def test_approved_fix_clears_the_finding(
    world: SandboxWorld, clients: AwsClients, sqlite_database: Database
) -> None:
    before = _ssh_findings(world, clients)
    ssh = [f for f in before if f.get("fix_port") == "22"]
    assert len(ssh) == 1 and ssh[0]["severity"] == "high"
    web = [f for f in before if f["check"] == "sg_open_web"]  # 443 is there too
    assert web and not [f for f in web if f.get("fix_action")]  # noted, no fix offered
    [finding] = ssh
    assert finding["fix_action"] == "ec2.revoke_ingress"
    params = {k.removeprefix("fix_"): v for k, v in finding.items()
              if k.startswith("fix_") and k != "fix_action"}  # fmt: skip

    desk = Desk(db=sqlite_database, clock=world.clock, action_context=lambda: action_context(world))
    proposal = propose(
        desk, action=finding["fix_action"], params=params, requested_by="U_AUDITOR",
        rationale="security audit: SSH open to the world",
    )  # fmt: skip
    request = proposal.request
    assert request.state == State.PENDING and request.id is not None  # a write waits
    approved = approvals.approve(desk, request_id=request.id, user="U_OPS", roles=["operator"])
    assert approved.running  # the approval completed the set and ran it (inline jobs)
    done = service.get(sqlite_database, request_id=request.id)
    assert done.state == State.VERIFIED, done.state

    after = _ssh_findings(world, clients)
    assert not [f for f in after if f.get("fix_port") == "22"]
    assert [f["check"] for f in after] == ["sg_open_web"]  # the rest is still audited
    assert not [
        f for f in open_groups(PostureReader(clients.ec2, clients.rds).groups())
        if f.fix_params.get("port") == "22" and "bastion-sg" in f.summary
    ]  # fmt: skip


def test_approved_limits_clear_the_missing_limits_finding(
    world: SandboxWorld, k8s_api: Any, sqlite_database: Database
) -> None:
    """The same for Kubernetes: the finding names ``k8s.set_resources`` and its target; the
    approver adds the values; after the rollout the next audit has no missing-limits finding
    for that container (the workload's other findings stay)."""
    [finding] = [f for f in k8s_audit(k8s_api) if f.check == "k8s_no_limits"]
    assert finding.fix_action == "k8s.set_resources"
    params = {**finding.fix_params, "memory": "256Mi", "cpu": "500m"}
    desk = Desk(db=sqlite_database, clock=world.clock, action_context=lambda: action_context(world))
    request = propose(desk, action=finding.fix_action, params=params, requested_by="U_AUDITOR")
    assert request.request.id is not None and request.request.state == State.PENDING
    approvals.approve(desk, request_id=request.request.id, user="U_OPS", roles=["operator"])
    done = service.get(sqlite_database, request_id=request.request.id)
    assert done.state == State.VERIFIED, (done.state, done.detail)
    after = k8s_audit(k8s_api)
    assert not [f for f in after if f.check == "k8s_no_limits"]
    assert [f for f in after if f.resource == "k8s:prod/web/app" and f.check == "k8s_latest_tag"]
