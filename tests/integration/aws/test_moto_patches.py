"""The sandbox's moto patches (``sandbox.aws.moto_fidelity``, ``sandbox.aws.moto_speed``) on
the server the tests share, through real boto3: answers as AWS gives them, and the speed-ups
leave answers unchanged as the state changes under them."""

from __future__ import annotations

import json
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import boto3
import pytest

from sandbox.aws import moto_server

TRUST = json.dumps(
    {
        "Version": "2012-10-17",
        "Statement": [{"Effect": "Allow", "Principal": {"AWS": "*"}, "Action": "sts:AssumeRole"}],
    }
)


@pytest.fixture(scope="module")
def session() -> Iterator[tuple[boto3.Session, str]]:
    url = moto_server.acquire()
    try:
        yield boto3.Session(region_name="eu-west-1", **moto_server.CREDENTIALS), url
    finally:
        moto_server.release()


def test_snapshots_of_self_are_the_accounts_own(session: tuple[boto3.Session, str]) -> None:
    boto, url = session
    ec2 = boto.client("ec2", endpoint_url=url)
    volume = ec2.create_volume(AvailabilityZone="eu-west-1a", Size=1)["VolumeId"]
    mine = ec2.create_snapshot(VolumeId=volume)["SnapshotId"]
    own = ec2.describe_snapshots(OwnerIds=["self"])["Snapshots"]
    assert [s["SnapshotId"] for s in own] == [mine]
    assert len(ec2.describe_snapshots()["Snapshots"]) > 1  # moto's AMIs' snapshots, unasked


def test_the_credential_report_is_dated_when_made(session: tuple[boto3.Session, str]) -> None:
    boto, url = session
    iam = boto.client("iam", endpoint_url=url)
    iam.create_user(UserName="dated")
    iam.generate_credential_report()
    report = iam.get_credential_report()
    assert datetime.now(UTC) - report["GeneratedTime"] < timedelta(minutes=5)
    assert b"dated," in report["Content"]


def test_assumed_roles_work_as_roles_come_and_go(session: tuple[boto3.Session, str]) -> None:
    boto, url = session
    iam = boto.client("iam", endpoint_url=url)
    sts = boto.client("sts", endpoint_url=url)

    def call_as(role: str) -> Any:
        creds = sts.assume_role(RoleArn=role, RoleSessionName="patched")["Credentials"]
        assumed = boto3.Session(
            region_name="eu-west-1",
            aws_access_key_id=creds["AccessKeyId"],
            aws_secret_access_key=creds["SecretAccessKey"],
            aws_session_token=creds["SessionToken"],
        )
        return assumed.client("sts", endpoint_url=url).get_caller_identity()

    first = iam.create_role(RoleName="first", AssumeRolePolicyDocument=TRUST)["Role"]
    assert call_as(first["Arn"])["Arn"].endswith("assumed-role/first/patched")
    iam.delete_role(RoleName="first")
    second = iam.create_role(RoleName="second", AssumeRolePolicyDocument=TRUST)["Role"]
    who = call_as(second["Arn"])  # the role index must see the role made after it was built
    assert who["Arn"].endswith("assumed-role/second/patched")
    assert who["UserId"].startswith(second["RoleId"])
