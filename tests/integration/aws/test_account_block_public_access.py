"""The public-bucket check reads the account's own S3 Block Public Access
(``s3control:GetPublicAccessBlock``, served by the sandbox's moto; the client reaches it though
botocore puts the account id in front of the endpoint's host): with the account blocking, a
bucket whose ACL is public is not public (in the audit and in the inventory) and its
public-access reads are not made; without it (or with a setting that does not block), the same
bucket is reported. Across accounts, one
account blocking leaves the other's buckets reported."""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import boto3
import pytest

from bot.accounts.service import Fleet, build_fleet, parse_accounts
from bot.inventory.ask import question_to_query
from bot.inventory.service import InventorySources, run
from bot.investigate.context import Topology
from bot.posture.across import security_across
from integrations.aws.accounts import AccountSessions
from integrations.aws.session import make_clients
from tests.accounts_world import ACCOUNTS, PROD, STAGING, assumed, quiet_gaps

NOW = datetime(2025, 6, 1, 12, tzinfo=UTC)
REGION = "eu-west-1"
BLOCK_ALL = {
    "BlockPublicAcls": True, "IgnorePublicAcls": True,
    "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
}  # fmt: skip


class Calls:
    """Counts the operations of every client the fleet makes."""

    def __init__(self) -> None:
        self.seen: Counter[str] = Counter()

    def __call__(self, client: Any) -> None:
        def count(model: Any, **_: Any) -> None:
            self.seen[f"{model.service_model.service_name}.{model.name}"] += 1

        client.meta.events.register("before-call", count)


@pytest.fixture(scope="module")
def calls() -> Calls:
    return Calls()


@pytest.fixture(scope="module")
def fleet(base: boto3.Session, url: str, calls: Calls) -> Iterator[Fleet]:
    for number, name in ((PROD, "bpa-prod-open"), (STAGING, "bpa-staging-open")):
        s3 = assumed(base, url, number, "s3", REGION)
        s3.create_bucket(Bucket=name, CreateBucketConfiguration={"LocationConstraint": REGION})
        s3.put_bucket_acl(Bucket=name, ACL="public-read")
    with quiet_gaps() as gaps:
        sessions = AccountSessions(base, endpoint_url=url, gaps_url=gaps, on_client=calls)
        yield build_fleet(parse_accounts(ACCOUNTS), sessions)


def _public(fleet: Fleet) -> set[tuple[str, str]]:
    found = security_across(fleet, NOW, Topology()).findings
    return {(str(f.get("account")), str(f.get("fix_bucket")))
            for f in found if f.get("check") == "bucket_public"}  # fmt: skip


def _s3control(base: boto3.Session, url: str, number: str) -> Any:
    creds = base.client("sts", endpoint_url=url).assume_role(
        RoleArn=f"arn:aws:iam::{number}:role/seed", RoleSessionName="seed"
    )["Credentials"]
    session = boto3.Session(
        region_name=REGION, aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"], aws_session_token=creds["SessionToken"],
    )  # fmt: skip
    return make_clients(REGION, url, session=session).s3control


def test_an_account_that_blocks_public_access_has_no_public_bucket(
    base: boto3.Session, url: str, fleet: Fleet, calls: Calls
) -> None:
    assert {("prod", "bpa-prod-open"), ("staging", "bpa-staging-open")} <= _public(fleet)
    prod = _s3control(base, url, PROD)
    # a setting that leaves ACLs their say does not stop a public ACL (BlockPublicAcls only
    # refuses new ones)
    prod.put_public_access_block(
        AccountId=PROD, PublicAccessBlockConfiguration={**BLOCK_ALL, "IgnorePublicAcls": False}
    )
    assert ("prod", "bpa-prod-open") in _public(fleet)

    prod.put_public_access_block(AccountId=PROD, PublicAccessBlockConfiguration=BLOCK_ALL)
    calls.seen.clear()
    public = _public(fleet)
    assert ("prod", "bpa-prod-open") not in public
    assert ("staging", "bpa-staging-open") in public  # the other account's is still public
    assert calls.seen["s3control.GetPublicAccessBlock"] == 2  # each account's setting, once
    acls = calls.seen["s3.GetBucketAcl"]
    # prod's buckets (the seeded ones, more) were not asked about their ACL: staging's were
    staging_buckets = len(assumed(base, url, STAGING, "s3", REGION).list_buckets()["Buckets"])
    assert acls == staging_buckets, (acls, staging_buckets)

    # the inventory's "which buckets are public" judges the same way
    assert _listed_public(fleet) >= {("staging", "bpa-staging-open")}
    assert ("prod", "bpa-prod-open") not in _listed_public(fleet)

    prod.delete_public_access_block(AccountId=PROD)
    assert ("prod", "bpa-prod-open") in _public(fleet)  # and back
    assert ("prod", "bpa-prod-open") in _listed_public(fleet)


def _listed_public(fleet: Fleet) -> set[tuple[str, str]]:
    query = question_to_query("which buckets are public")
    assert query is not None
    found = run(query, InventorySources(fleet=fleet))
    return {(r.account, r.name) for r in found.resources}
