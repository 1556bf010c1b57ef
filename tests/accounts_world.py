"""Two sandbox accounts × two regions with different resources, and a third account whose role
STS refuses (a session name over STS's 64-character limit, rejected by the server as AWS does).
moto serves an assumed role's requests in the account of the role ARN's account id; the gap
endpoint (``quiet_gaps``) answers what moto lacks: CloudTrail with no events, GuardDuty,
Inspector and Config not enabled."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import boto3

from sandbox.aws import moto_server
from sandbox.aws.gaps import GapServer
from sandbox.aws.gaps_security import SecurityServices
from sandbox.scenario import parse_scenario_text

REGIONS = ("eu-west-1", "us-east-1")
PROD, STAGING, BROKEN = "111111111111", "222222222222", "333333333333"
ACCOUNTS = f"""\
regions: [eu-west-1, us-east-1]
max_concurrency: 4
accounts:
  - {{name: prod, role_arn: "arn:aws:iam::{PROD}:role/aiops-audit"}}
  - {{name: staging, role_arn: "arn:aws:iam::{STAGING}:role/aiops-audit"}}
  - name: broken
    role_arn: "arn:aws:iam::{BROKEN}:role/aiops-audit"
    session_name: "{"s" * 70}"
"""


def base_session() -> boto3.Session:
    return boto3.Session(region_name=REGIONS[0], **moto_server.CREDENTIALS)


def assumed(base: boto3.Session, url: str, account: str, service: str, region: str) -> Any:
    creds = base.client("sts", endpoint_url=url).assume_role(
        RoleArn=f"arn:aws:iam::{account}:role/seed", RoleSessionName="seed"
    )["Credentials"]
    return boto3.client(
        service,
        region_name=region,
        endpoint_url=url,
        aws_access_key_id=creds["AccessKeyId"],
        aws_secret_access_key=creds["SecretAccessKey"],
        aws_session_token=creds["SessionToken"],
    )


def _open_group(ec2: Any, name: str, port: int) -> None:
    gid = ec2.create_security_group(GroupName=name, Description=name)["GroupId"]
    ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[
            {"IpProtocol": "tcp", "FromPort": port, "ToPort": port,
             "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}
        ],
    )  # fmt: skip


def seeded_session(url: str) -> boto3.Session:
    """The bot's own session (``base_session``) on the moto server at ``url``, with the world's
    accounts seeded there (``seed``)."""
    base = base_session()
    seed(base, url)
    return base


def seed(base: boto3.Session, url: str) -> None:
    """prod: SSH open in eu-west-1, RDP in us-east-1, a user and a public bucket; staging: a
    database port open in eu-west-1 and a user."""
    _open_group(assumed(base, url, PROD, "ec2", "eu-west-1"), "prod-ssh", 22)
    _open_group(assumed(base, url, PROD, "ec2", "us-east-1"), "prod-rdp", 3389)
    _open_group(assumed(base, url, STAGING, "ec2", "eu-west-1"), "staging-db", 5432)
    assumed(base, url, PROD, "iam", "us-east-1").create_user(UserName="prod-deployer")
    assumed(base, url, STAGING, "iam", "us-east-1").create_user(UserName="staging-ci")
    s3 = assumed(base, url, PROD, "s3", "eu-west-1")
    s3.create_bucket(
        Bucket="prod-public-assets",
        CreateBucketConfiguration={"LocationConstraint": "eu-west-1"},
    )
    s3.put_bucket_acl(Bucket="prod-public-assets", ACL="public-read")


#: the smallest world: nothing in CloudTrail, no GuardDuty, Inspector or Config
_QUIET = """\
version: 1
name: accounts
now: "2025-06-01T12:00:00Z"
region: eu-west-1
services: [{name: app, runs_on: {kind: k8s_deployment, namespace: prod, name: app}}]
alerts: [{id: a1, at: -1m, format: generic, name: quiet, severity: warning}]
"""


@contextmanager
def quiet_gaps() -> Iterator[str]:
    """The gap endpoint's URL, for every account: no root use, threat services off."""
    scenario = parse_scenario_text(_QUIET, "accounts-gaps.yaml").scenario
    server = GapServer([], [], SecurityServices(scenario, {})).start()
    try:
        yield server.url
    finally:
        server.stop()
