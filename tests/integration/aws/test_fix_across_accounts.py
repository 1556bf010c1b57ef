"""A fix approved for a finding in another account runs there, with that account's role, and the
next audit is clean for that finding there — on the sandbox's moto with real STS
(``tests/accounts_world.py``). Both accounts hold a group of the same name open on SSH in the
same region, so the fix cannot be credited to the wrong account: after it, staging's is closed
and prod's is still reported. The same request without its place fails before anything runs
(the group is not in the bot's home account), and a place whose role STS refuses fails the same
way."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from bot.accounts.service import Fleet, build_fleet, parse_accounts
from bot.clock import SandboxClock
from bot.investigate.context import Topology
from bot.posture.across import security_across
from bot.posture.security import SG_TITLE
from bot.remediate import service
from bot.remediate.context import ClientFactory, FleetPlaces
from bot.remediate.enums import State
from bot.remediate.models import ActionContext, Place
from bot.respond import approvals
from bot.respond.approvals import Desk
from bot.respond.proposals import propose
from bot.store import Database
from integrations.aws.accounts import AccountSessions
from tests.accounts_world import ACCOUNTS, PROD, STAGING, assumed, quiet_gaps

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
GROUP = "shared-bastion"  # the same name in both accounts
#: staging's approved fixes run with a role of their own
FILE = ACCOUNTS.replace(
    f'role_arn: "arn:aws:iam::{STAGING}:role/aiops-audit"',
    f'role_arn: "arn:aws:iam::{STAGING}:role/aiops-audit", '
    f'fix_role_arn: "arn:aws:iam::{STAGING}:role/aiops-fix"',
)


def _open(ec2: Any) -> str:
    gid = str(ec2.create_security_group(GroupName=GROUP, Description=GROUP)["GroupId"])
    ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 22, "ToPort": 22,
                        "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}],
    )  # fmt: skip
    return gid


@pytest.fixture(scope="module")
def groups(base: boto3.Session, url: str) -> dict[str, str]:
    return {
        account: _open(assumed(base, url, number, "ec2", "us-east-1"))
        for account, number in (("prod", PROD), ("staging", STAGING))
    }


@pytest.fixture(scope="module")
def fleet(base: boto3.Session, url: str) -> Iterator[Fleet]:
    with quiet_gaps() as gaps:
        sessions = AccountSessions(base, endpoint_url=url, gaps_url=gaps)
        yield build_fleet(parse_accounts(FILE), sessions)


def _desk(db: Database, base: boto3.Session, url: str, fleet: Fleet) -> Desk:
    home = ClientFactory(base, url, "eu-west-1")  # the bot's own account
    clock = SandboxClock(NOW)
    ctx = ActionContext(aws=home, clock=clock, places=FleetPlaces(lambda: fleet))
    return Desk(db=db, clock=clock, action_context=lambda: ctx)


def _ssh(fleet: Fleet) -> dict[str, dict[str, Any]]:
    """The SSH findings on the shared group name, by account."""
    found = dict(security_across(fleet, NOW, Topology()).sections)[SG_TITLE]
    return {
        str(f.get("account")): dict(f.attrs)
        for f in found
        if GROUP in f.summary and f.get("fix_port") == "22"
    }


def _params(finding: dict[str, Any]) -> dict[str, str]:
    return {k.removeprefix("fix_"): v for k, v in finding.items()
            if k.startswith("fix_") and k != "fix_action"}  # fmt: skip


def _run(desk: Desk, finding: dict[str, Any], place: Place | None) -> Any:
    request = propose(
        desk, action=finding["fix_action"], params=_params(finding), requested_by="U_AUDITOR",
        rationale="security audit: SSH open to the world", place=place,
    ).request  # fmt: skip
    assert request.state == State.PENDING and request.id is not None
    approvals.approve(desk, request_id=request.id, user="U_OPS", roles=["operator"])
    return service.get(desk.db, request_id=request.id)


def test_an_approved_fix_runs_in_the_findings_account_and_only_there(
    base: boto3.Session, url: str, groups: dict[str, str], fleet: Fleet,
    sqlite_database: Database,
) -> None:  # fmt: skip
    before = _ssh(fleet)
    assert {a: f["fix_group"] for a, f in before.items()} == groups  # one in each account
    staging = before["staging"]
    assert staging["region"] == "us-east-1"
    desk = _desk(sqlite_database, base, url, fleet)

    # without its place the request acts in the bot's home account: nothing there to close
    homeless = _run(desk, staging, None)
    assert homeless.state == State.FAILED and "preflight" in homeless.detail
    assert _ssh(fleet).keys() == {"prod", "staging"}

    done = _run(desk, staging, Place(staging["account"], staging["region"]))
    assert done.state == State.VERIFIED, done.detail
    assert done.result["place"] == {"account": "staging", "region": "us-east-1"}
    after = _ssh(fleet)
    assert "staging" not in after  # clean there
    assert after["prod"]["fix_group"] == groups["prod"]  # the other account's is untouched


def test_the_fix_role_is_assumed_in_the_findings_account(fleet: Fleet) -> None:
    places = FleetPlaces(lambda: fleet)
    who = places("staging", "us-east-1")("sts").get_caller_identity()
    assert who["Account"] == STAGING and ":assumed-role/aiops-fix/" in who["Arn"]
    prod = places("prod", "global")("sts").get_caller_identity()  # no fix role: the read role
    assert prod["Account"] == PROD and ":assumed-role/aiops-audit/" in prod["Arn"]
    assert places("prod", "global") is places("prod", "eu-west-1")  # cached per place


def test_a_place_that_cannot_be_reached_fails_before_anything_runs(
    base: boto3.Session, url: str, groups: dict[str, str], fleet: Fleet,
    sqlite_database: Database,
) -> None:  # fmt: skip
    desk = _desk(sqlite_database, base, url, fleet)
    finding = {"fix_action": "ec2.revoke_ingress", "fix_group": groups["prod"],
               "fix_port": "22", "fix_cidr": "0.0.0.0/0"}  # fmt: skip
    refused = _run(desk, finding, Place("broken", "eu-west-1"))
    assert refused.state == State.FAILED and "cannot assume" in refused.detail
    unknown = _run(desk, finding, Place("nowhere", "eu-west-1"))
    assert unknown.state == State.FAILED and "no account 'nowhere'" in unknown.detail
    elsewhere = _run(desk, finding, Place("prod", "ap-south-1"))
    assert elsewhere.state == State.FAILED and "not read in ap-south-1" in elsewhere.detail
    assert "prod" in _ssh(fleet)  # nothing ran
