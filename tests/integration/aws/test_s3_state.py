"""``bucket_state`` on the sandbox's S3 (moto server, real boto3): four reads per bucket, and a
bucket that does not exist is ``AwsNotFound`` (from the first read; no separate check). Block
Public Access counts setting by setting, bucket and account together: ``IgnorePublicAcls`` takes
away what an ACL grants, ``RestrictPublicBuckets`` what a policy grants; the ``Block…`` settings
only refuse new ones."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import boto3
import pytest

from integrations.aws.errors import AwsNotFound
from integrations.aws.s3 import bucket_state, bucket_states
from sandbox.aws import moto_server


@pytest.fixture(scope="module")
def s3() -> Iterator[Any]:
    url = moto_server.acquire()
    try:
        session = boto3.Session(region_name="us-east-1", **moto_server.CREDENTIALS)
        yield session.client("s3", endpoint_url=url)
    finally:
        moto_server.release()


def test_a_missing_bucket_is_not_found(s3: Any) -> None:
    with pytest.raises(AwsNotFound, match="bucket no-such-bucket-here"):
        bucket_state(s3, "no-such-bucket-here")


def test_a_public_bucket_costs_four_reads(s3: Any) -> None:
    s3.create_bucket(Bucket="open-assets")
    s3.put_bucket_acl(Bucket="open-assets", ACL="public-read")
    calls: list[str] = []
    s3.meta.events.register("before-call", lambda model, **_: calls.append(model.name))
    state = bucket_state(s3, "open-assets")
    assert state.public and state.acl_public
    assert len(calls) == 4


def test_many_buckets_are_read_concurrently_and_kept_in_order(s3: Any) -> None:
    names = [f"many-{i:02d}" for i in range(12)]
    for name in names:
        s3.create_bucket(Bucket=name)
    s3.put_bucket_acl(Bucket="many-07", ACL="public-read")
    states = bucket_states(s3, names)
    assert [s.name for s in states] == names
    assert [s.name for s in states if s.public] == ["many-07"]


def test_a_blocked_bucket_is_not_asked_about_its_policy_or_acl(s3: Any) -> None:
    s3.create_bucket(Bucket="locked-assets")
    s3.put_bucket_acl(Bucket="locked-assets", ACL="public-read")  # overridden by the block
    s3.put_public_access_block(
        Bucket="locked-assets",
        PublicAccessBlockConfiguration={
            "BlockPublicAcls": True, "IgnorePublicAcls": True,
            "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
        },
    )  # fmt: skip
    s3.put_bucket_encryption(
        Bucket="locked-assets",
        ServerSideEncryptionConfiguration={
            "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
        },
    )
    calls: list[str] = []
    s3.meta.events.register("before-call", lambda model, **_: calls.append(model.name))
    state = bucket_state(s3, "locked-assets")
    assert not state.public and state.block_public_access and state.encrypted
    assert calls == ["GetPublicAccessBlock", "GetBucketEncryption"]


def _acl_public_bucket(s3: Any, name: str, block: dict[str, bool]) -> None:
    s3.create_bucket(Bucket=name)
    s3.put_bucket_acl(Bucket=name, ACL="public-read")
    s3.put_public_access_block(Bucket=name, PublicAccessBlockConfiguration=block)


def test_each_setting_takes_away_its_own_kind_of_public_access(s3: Any) -> None:
    # policies restricted, new ACLs refused, but the ACL already there still grants: public
    _acl_public_bucket(s3, "acl-still-open", {
        "BlockPublicAcls": True, "IgnorePublicAcls": False,
        "BlockPublicPolicy": True, "RestrictPublicBuckets": True,
    })  # fmt: skip
    calls: list[str] = []
    s3.meta.events.register("before-call", lambda model, **_: calls.append(model.name))
    state = bucket_state(s3, "acl-still-open")
    assert state.public and state.acl_public and not state.block_public_access
    assert "GetBucketPolicy" not in calls and "GetBucketAcl" in calls  # the policy has no say
    # the ACL ignored, the policy (none) read: not public
    _acl_public_bucket(s3, "acl-ignored", {"IgnorePublicAcls": True})
    assert not bucket_state(s3, "acl-ignored").public
    # the bucket ignores ACLs and the account restricts policies: blocked, two reads
    calls.clear()
    both = bucket_state(s3, "acl-ignored", {"RestrictPublicBuckets": True})
    assert both.block_public_access and not both.public
    assert calls == ["GetPublicAccessBlock", "GetBucketEncryption"]
