"""The IAM audit on the sandbox's AWS (moto server, real boto3): admin rights come from the
policy documents a principal holds (managed, inline, through a group, on a role), not from
their names; keys are judged by age and by last use. Each check has a positive and a negative
case; a fix through the registry action makes the finding go away."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from bot.posture.iam import IamFinding, iam_audit
from integrations.aws.iam_policies import PolicyReader
from integrations.aws.session import make_clients
from sandbox.scenario import parse_scenario_text
from sandbox.world import SandboxWorld

WORLD = """\
version: 1
name: iam-audit
now: "2025-06-01T12:00:00Z"
region: eu-west-1
services: [{name: web, runs_on: {kind: ec2, name: web-1}}]
aws: {ec2_instances: [{id_ref: web-1}]}
alerts: [{id: a1, at: -1m, format: generic, name: iam-check, severity: warning}]
"""


def _doc(*statements: dict[str, Any]) -> str:
    return json.dumps({"Version": "2012-10-17", "Statement": list(statements)})


@pytest.fixture(scope="module")
def iam() -> Iterator[Any]:
    with SandboxWorld(parse_scenario_text(WORLD, "iam.yaml").scenario) as world:
        ep = world.endpoints
        assert world.aws is not None
        yield make_clients(ep.region, ep.aws_endpoint_url, session=world.aws.session()).iam


@pytest.fixture(scope="module")
def findings(iam: Any) -> list[IamFinding]:
    # named like an admin policy, but only reads: a name proves nothing
    fake = iam.create_policy(
        PolicyName="AdministratorAccess-looking",
        PolicyDocument=_doc({"Effect": "Allow", "Action": "s3:Get*", "Resource": "*"}),
    )["Policy"]["Arn"]
    real = iam.create_policy(
        PolicyName="ops-everything",
        PolicyDocument=_doc({"Effect": "Allow", "Action": "*", "Resource": "*"}),
    )["Policy"]["Arn"]
    for name in ("reader", "via-group", "inline-escalator", "careful"):
        iam.create_user(UserName=name)
    iam.attach_user_policy(UserName="reader", PolicyArn=fake)
    iam.create_group(GroupName="ops")
    iam.attach_group_policy(GroupName="ops", PolicyArn=real)
    iam.add_user_to_group(GroupName="ops", UserName="via-group")
    iam.put_user_policy(
        UserName="inline-escalator", PolicyName="deploy",
        PolicyDocument=_doc({"Effect": "Allow", "Action": ["iam:PassRole", "ec2:RunInstances"],
                             "Resource": "*"}),
    )  # fmt: skip
    iam.create_virtual_mfa_device(VirtualMFADeviceName="careful")
    serial = iam.list_virtual_mfa_devices()["VirtualMFADevices"][0]["SerialNumber"]
    iam.enable_mfa_device(
        UserName="careful", SerialNumber=serial, AuthenticationCode1="123456",
        AuthenticationCode2="654321",
    )  # fmt: skip
    iam.create_access_key(UserName="careful")
    trust = _doc({"Effect": "Allow", "Principal": {"Service": "ec2.amazonaws.com"},
                  "Action": "sts:AssumeRole"})  # fmt: skip
    iam.create_role(RoleName="app-instance", AssumeRolePolicyDocument=trust)
    iam.attach_role_policy(RoleName="app-instance", PolicyArn=real)
    human = _doc({"Effect": "Allow", "Principal": {"AWS": "arn:aws:iam::123456789012:root"},
                  "Action": "sts:AssumeRole"})  # fmt: skip
    iam.create_role(RoleName="break-glass", AssumeRolePolicyDocument=human)
    iam.put_role_policy(RoleName="break-glass", PolicyName="all", PolicyDocument=_doc(
        {"Effect": "Allow", "Action": "iam:*", "Resource": "*"}))  # fmt: skip
    later = datetime.now(UTC) + timedelta(days=120)  # every key is 120 days old, never used
    return iam_audit(PolicyReader(iam), later)


def _of(findings: list[IamFinding], principal: str) -> dict[str, IamFinding]:
    return {f.check: f for f in findings if f.principal == principal}


def test_admin_rights_come_from_documents(findings: list[IamFinding]) -> None:
    assert "iam_admin" not in _of(findings, "IAM user reader")
    group = _of(findings, "IAM user via-group")["iam_admin"]
    assert group.severity == "critical" and "group ops: ops-everything" in group.evidence
    inline = _of(findings, "IAM user inline-escalator")["iam_admin"]
    assert inline.severity == "high" and "can make itself admin" in inline.summary
    assert "inline deploy" in inline.evidence


def test_roles_are_judged_by_who_can_assume_them(findings: list[IamFinding]) -> None:
    assert _of(findings, "IAM role app-instance")["iam_admin"].severity == "high"
    assert _of(findings, "IAM role break-glass")["iam_admin"].severity == "critical"


def test_mfa_and_keys(findings: list[IamFinding]) -> None:
    careful = _of(findings, "IAM user careful")
    assert "iam_no_mfa" not in careful
    assert careful["iam_old_key"].fix_action == "iam.deactivate_access_key"
    assert "never used" in careful["iam_unused_key"].summary
    assert "iam_no_mfa" in _of(findings, "IAM user reader")
    assert "iam_old_key" not in _of(findings, "IAM user reader")  # no key at all


def test_severity_orders_the_report(findings: list[IamFinding]) -> None:
    order = {"critical": 0, "high": 1, "medium": 2, "low": 3}
    ranks = [order[f.severity] for f in findings]
    assert ranks == sorted(ranks) and ranks[0] == 0


def test_deactivating_the_key_clears_its_findings(iam: Any) -> None:
    later = datetime.now(UTC) + timedelta(days=120)
    key = iam.list_access_keys(UserName="careful")["AccessKeyMetadata"][0]["AccessKeyId"]
    iam.update_access_key(UserName="careful", AccessKeyId=key, Status="Inactive")
    after = _of(iam_audit(PolicyReader(iam), later), "IAM user careful")
    assert "iam_old_key" not in after and "iam_unused_key" not in after
