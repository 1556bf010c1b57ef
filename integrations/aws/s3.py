"""S3 bucket exposure: public access block, policy, ACL, default encryption."""

from __future__ import annotations

import json
import logging
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from integrations.aws.errors import AwsError, AwsNotFound, aws_errors

log = logging.getLogger(__name__)

_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@dataclass(frozen=True)
class BucketState:
    """``block_public_access``: Block Public Access (the bucket's and the account's settings
    together) takes away what both a policy and an ACL grant. ``policy_public`` /
    ``acl_public`` are not read (False) where a setting takes that one away: it cannot make
    the bucket public then."""

    name: str
    block_public_access: bool
    policy_public: bool
    acl_public: bool
    encrypted: bool

    @property
    def public(self) -> bool:
        return not self.block_public_access and (self.policy_public or self.acl_public)


#: the Block Public Access settings that take existing public access away (bucket or account
#: level, each setting as set at either): ``RestrictPublicBuckets`` what a public policy
#: grants, ``IgnorePublicAcls`` what a public ACL grants. (``BlockPublicPolicy`` and
#: ``BlockPublicAcls`` only refuse new public policies and ACLs: one already there still
#: counts.)
POLICY_OFF, ACL_OFF = "RestrictPublicBuckets", "IgnorePublicAcls"
BLOCKING = (POLICY_OFF, ACL_OFF)


def account_public_access_block(s3control: Any, account_id: str) -> dict[str, bool]:
    """The account's own Block Public Access (``s3control:GetPublicAccessBlock``), which AWS
    applies to every bucket of the account on top of the bucket's; ``{}`` when none is set."""
    block: dict[str, Any] = {}
    what = f"account {account_id} Block Public Access"
    with aws_errors(what, absent="NoSuchPublicAccessBlockConfiguration"):
        answer = s3control.get_public_access_block(AccountId=account_id)
        block = answer["PublicAccessBlockConfiguration"]
    return {k: bool(v) for k, v in block.items()}


def account_block(s3control: Any, account_id: str | None) -> dict[str, bool] | None:
    """``account_public_access_block``, or None when it cannot be read (no client or id, or
    no ``s3:GetAccountPublicAccessBlock``): each bucket's own settings then decide."""
    if s3control is None or not account_id:
        return None
    try:
        return account_public_access_block(s3control, account_id)
    except (AwsError, AwsNotFound) as exc:
        log.info("account %s Block Public Access not read: %s", account_id, exc)
        return None


def _on(key: str, *configs: dict[str, Any] | None) -> bool:
    """Whether ``key`` is on at any level."""
    return any(bool((c or {}).get(key)) for c in configs)


def _blocks(*configs: dict[str, Any] | None) -> bool:
    """Whether the settings together leave neither a policy nor an ACL a say."""
    return all(_on(k, *configs) for k in BLOCKING)


def list_buckets(client: Any) -> list[str]:
    """Every bucket of the account (paginated: one page holds up to 10,000)."""
    pages = client.get_paginator("list_buckets").paginate()
    return [b["Name"] for page in pages for b in page.get("Buckets", [])]


#: bucket reads in flight at once per listing (S3 has no batch call; a client is thread-safe)
STATE_WORKERS = 8


def bucket_states(
    client: Any, buckets: list[str], account: dict[str, bool] | None = None
) -> list[BucketState]:
    """``bucket_state`` of each bucket, in order, read concurrently; ``account``: the
    account's Block Public Access (``account_public_access_block``), when read."""
    if len(buckets) < 2:
        return [bucket_state(client, b, account) for b in buckets]
    with ThreadPoolExecutor(min(STATE_WORKERS, len(buckets)), "s3-state") as pool:
        return list(pool.map(lambda b: bucket_state(client, b, account), buckets))


def bucket_state(client: Any, bucket: str, account: dict[str, bool] | None = None) -> BucketState:
    """Up to four reads per bucket (S3 has no batch call): Block Public Access first, then the
    policy and the ACL only where it leaves them a say; a missing bucket fails the first with
    ``NoSuchBucket`` (``AwsNotFound``), so no separate existence check is needed. When the
    account's own Block Public Access (``account``) takes both away, only the bucket's
    encryption is read."""
    if _blocks(account):
        return BucketState(bucket, True, False, False, _encrypted(client, bucket))
    config: dict[str, Any] = {}
    with aws_errors(f"bucket {bucket}", absent="NoSuchPublicAccessBlock"):
        config = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
    encrypted = _encrypted(client, bucket)
    if _blocks(config, account):  # neither the policy nor the ACL can make it public
        return BucketState(bucket, True, False, False, encrypted)
    policy_public = False if _on(POLICY_OFF, config, account) else _policy_public(client, bucket)
    acl_public = False if _on(ACL_OFF, config, account) else _acl_public(client, bucket)
    return BucketState(bucket, False, policy_public, acl_public, encrypted)


def _policy_public(client: Any, bucket: str) -> bool:
    policy: dict[str, Any] = {}  # none: nothing it could grant
    with aws_errors(f"bucket {bucket}", absent="NoSuchBucketPolicy"):
        policy = json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])
    return any(
        s.get("Effect") == "Allow" and s.get("Principal") in ("*", {"AWS": "*"})
        for s in policy.get("Statement", [])
    )


def _acl_public(client: Any, bucket: str) -> bool:
    grants = client.get_bucket_acl(Bucket=bucket).get("Grants", [])
    return any(g.get("Grantee", {}).get("URI") == _ALL_USERS for g in grants)


def _encrypted(client: Any, bucket: str) -> bool:
    rules: dict[str, Any] = {}
    with aws_errors(f"bucket {bucket}", absent="ServerSideEncryptionConfigurationNotFound"):
        rules = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    return bool(rules.get("Rules"))
