"""Every security finding that names a registry action is clean in the next audit once that
action has run through approval (the group case is ``seccheck/test_fix_through_approval.py``,
the cost cases ``test_cost_audit.py``): a public bucket and ``s3.block_public_access``, an old
and unused access key and ``iam.deactivate_access_key`` (high risk: two approvers). The audit is
the production one across the accounts file (one account here, the bot's own) on the sandbox's
moto; a second public bucket and a second user's key stay reported, so the audit was not simply
emptied."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from bot.accounts.service import Fleet, build_fleet, parse_accounts
from bot.clock import SandboxClock
from bot.investigate.context import Topology
from bot.posture.across import security_across
from bot.remediate import service
from bot.remediate.context import ClientFactory
from bot.remediate.enums import State
from bot.remediate.models import ActionContext
from bot.respond import approvals
from bot.respond.approvals import Desk
from bot.respond.proposals import propose
from bot.store import Database
from integrations.aws.accounts import AccountSessions
from tests.accounts_world import quiet_gaps

REGION = "eu-west-1"
#: the audit judges a quarter later: the keys made now are old and unused by then
LATER = datetime.now(UTC) + timedelta(days=120)


@pytest.fixture(scope="module")
def seeded(base: boto3.Session, url: str) -> dict[str, str]:
    s3 = base.client("s3", endpoint_url=url, region_name=REGION)
    for name in ("fixme-public", "fixme-public-too"):
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_acl(Bucket=name, ACL="public-read")
    iam = base.client("iam", endpoint_url=url, region_name=REGION)
    keys = {}
    for user in ("fixme-deployer", "fixme-ci"):
        iam.create_user(UserName=user)
        keys[user] = iam.create_access_key(UserName=user)["AccessKey"]["AccessKeyId"]
    return keys


@pytest.fixture(scope="module")
def fleet(base: boto3.Session, url: str) -> Iterator[Fleet]:
    with quiet_gaps() as gaps:
        sessions = AccountSessions(base, endpoint_url=url, gaps_url=gaps)
        yield build_fleet(parse_accounts(f"regions: [{REGION}]\naccounts: [{{name: home}}]"),
                          sessions)  # fmt: skip


def _findings(fleet: Fleet, check: str) -> dict[str, dict[str, Any]]:
    """The findings of ``check`` by the resource their fix names (bucket, or key id)."""
    found = security_across(fleet, LATER, Topology()).findings
    return {
        str(f.get("fix_bucket") or f.get("fix_key_id")): dict(f.attrs)
        for f in found
        if f.get("check") == check and str(f.get("fix_bucket") or f.get("fix_key_id")) != "None"
    }


def _approve_and_run(db: Database, base: boto3.Session, url: str, f: dict[str, Any]) -> Any:
    clock = SandboxClock(LATER)
    ctx = ActionContext(aws=ClientFactory(base, url, REGION), clock=clock)
    desk = Desk(db=db, clock=clock, action_context=lambda: ctx)
    params = {k.removeprefix("fix_"): v for k, v in f.items()
              if k.startswith("fix_") and k != "fix_action"}  # fmt: skip
    request = propose(desk, action=f["fix_action"], params=params, requested_by="U_AUDITOR").request
    assert request.id is not None and request.state == State.PENDING
    for approver in ("U_OPS", "U_LEAD")[: request.required_approvals]:
        approvals.approve(desk, request_id=request.id, user=approver, roles=["operator", "admin"])
    return service.get(db, request_id=request.id)


def test_a_public_bucket_names_its_fix_and_is_clean_after_it(
    seeded: dict[str, str], fleet: Fleet, base: boto3.Session, url: str,
    sqlite_database: Database,
) -> None:  # fmt: skip
    before = _findings(fleet, "bucket_public")
    assert {"fixme-public", "fixme-public-too"} <= before.keys()
    finding = before["fixme-public"]
    assert finding["fix_action"] == "s3.block_public_access"
    done = _approve_and_run(sqlite_database, base, url, finding)
    assert done.state == State.VERIFIED, done.detail
    after = _findings(fleet, "bucket_public")
    assert "fixme-public" not in after and "fixme-public-too" in after


def test_an_old_unused_key_names_its_fix_and_is_clean_after_it(
    seeded: dict[str, str], fleet: Fleet, base: boto3.Session, url: str,
    sqlite_database: Database,
) -> None:  # fmt: skip
    key, other = seeded["fixme-deployer"], seeded["fixme-ci"]
    for check in ("iam_old_key", "iam_unused_key"):
        assert {key, other} <= _findings(fleet, check).keys(), check
    finding = _findings(fleet, "iam_old_key")[key]
    assert finding["fix_action"] == "iam.deactivate_access_key"
    done = _approve_and_run(sqlite_database, base, url, finding)
    assert done.required_approvals == 2 and done.state == State.VERIFIED, done.detail
    for check in ("iam_old_key", "iam_unused_key"):  # one fix clears both findings of the key
        after = _findings(fleet, check)
        assert key not in after and other in after, check
