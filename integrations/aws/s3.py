"""S3 bucket exposure: public access block, policy, ACL, default encryption."""

from __future__ import annotations

import json
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import ClientError

from integrations.aws.errors import convert

_ALL_USERS = "http://acs.amazonaws.com/groups/global/AllUsers"


@dataclass(frozen=True)
class BucketState:
    """``policy_public`` / ``acl_public`` are not read (False) when the bucket's Block Public
    Access overrides them: they cannot make it public then."""

    name: str
    block_public_access: bool
    policy_public: bool
    acl_public: bool
    encrypted: bool

    @property
    def public(self) -> bool:
        return not self.block_public_access and (self.policy_public or self.acl_public)


#: the Block Public Access settings that leave a bucket's policy and ACL no say in whether it is
#: public (bucket or account level, the most restrictive of the two applies)
BLOCKING = ("BlockPublicPolicy", "RestrictPublicBuckets")


def account_public_access_block(s3control: Any, account_id: str) -> dict[str, bool]:
    """The account's own Block Public Access (``s3control:GetPublicAccessBlock``), which AWS
    applies to every bucket of the account on top of the bucket's; ``{}`` when none is set."""
    try:
        config = s3control.get_public_access_block(AccountId=account_id)
    except ClientError as exc:
        if "NoSuchPublicAccessBlockConfiguration" in _code(exc):
            return {}
        raise convert(exc, f"account {account_id} Block Public Access") from exc
    return {k: bool(v) for k, v in config["PublicAccessBlockConfiguration"].items()}


def _blocks(*configs: dict[str, Any] | None) -> bool:
    """Whether the settings together (each one as set at either level) block."""
    return all(any(bool((c or {}).get(k)) for c in configs) for k in BLOCKING)


def _code(exc: ClientError) -> str:
    return str(exc.response.get("Error", {}).get("Code", ""))


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
    """Up to four reads per bucket (S3 has no batch call): Block Public Access first, and the
    policy and ACL only when it leaves them a say; a missing bucket fails the first with
    ``NoSuchBucket`` (``AwsNotFound``), so no separate existence check is needed. When the
    account's own Block Public Access blocks (``account``), the bucket's public-access reads are
    not needed: only its encryption is read."""
    if _blocks(account):
        return BucketState(bucket, True, False, False, _encrypted(client, bucket))
    try:
        config = client.get_public_access_block(Bucket=bucket)["PublicAccessBlockConfiguration"]
        blocked = _blocks(config, account)
    except ClientError as exc:
        if "NoSuchPublicAccessBlock" not in _code(exc):
            raise convert(exc, f"bucket {bucket}") from exc
        blocked = False  # (the account's settings alone do not block: see above)
    encrypted = _encrypted(client, bucket)
    if blocked:  # public only if not blocked: the policy and the ACL cannot change that
        return BucketState(bucket, True, False, False, encrypted)
    try:
        policy = json.loads(client.get_bucket_policy(Bucket=bucket)["Policy"])
        statements = policy.get("Statement", [])
        policy_public = any(
            s.get("Effect") == "Allow" and s.get("Principal") in ("*", {"AWS": "*"})
            for s in statements
        )
    except ClientError as exc:
        if "NoSuchBucketPolicy" not in _code(exc):
            raise convert(exc, f"bucket {bucket}") from exc
        policy_public = False
    grants = client.get_bucket_acl(Bucket=bucket).get("Grants", [])
    acl_public = any(g.get("Grantee", {}).get("URI") == _ALL_USERS for g in grants)
    return BucketState(bucket, blocked, policy_public, acl_public, encrypted)


def _encrypted(client: Any, bucket: str) -> bool:
    try:
        rules = client.get_bucket_encryption(Bucket=bucket)["ServerSideEncryptionConfiguration"]
    except ClientError as exc:
        if "ServerSideEncryptionConfigurationNotFound" not in _code(exc):
            raise convert(exc, f"bucket {bucket}") from exc
        return False
    return bool(rules.get("Rules"))
