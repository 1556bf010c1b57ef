"""Drift against the sandbox's AWS (moto server, real boto3): stacks are created from a
template, then resources are changed with boto3 behind CloudFormation's back; drift names each
change with expected and actual values and the template line, and an untouched stack has none."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest

from bot.drift.cloudformation import cloudformation_drift, stack_drift
from bot.errors import NotFound
from integrations.aws.cloudformation import read_stack
from integrations.aws.session import AwsClients, make_clients
from sandbox.scenario import parse_scenario_text
from sandbox.world import SandboxWorld

WORLD = """\
version: 1
name: drift
now: "2025-06-01T12:00:00Z"
region: eu-west-1
services:
  - {name: web, runs_on: {kind: ec2, name: web-1}}
aws:
  ec2_instances:
    - {id_ref: web-1, instance_type: t3.small, tags: {Name: web-1}}
alerts:
  - {id: a1, at: -1m, format: generic, name: drift-check, severity: warning}
"""

TEMPLATE = """\
AWSTemplateFormatVersion: '2010-09-09'
Description: drift test stack
Resources:
  WebSg:
    Type: AWS::EC2::SecurityGroup
    Properties:
      GroupDescription: web
      SecurityGroupIngress:
        - {IpProtocol: tcp, FromPort: 443, ToPort: 443, CidrIp: 0.0.0.0/0}
        - {IpProtocol: tcp, FromPort: 80, ToPort: 80, CidrIp: 10.0.0.0/8}
      Tags: [{Key: team, Value: web}]
  Assets:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: PREFIX-assets
      BucketEncryption:
        ServerSideEncryptionConfiguration:
          - ServerSideEncryptionByDefault: {SSEAlgorithm: AES256}
      Tags: [{Key: team, Value: web}]
  Logs:
    Type: AWS::S3::Bucket
    Properties:
      BucketName: PREFIX-logs
  Web:
    Type: AWS::EC2::Instance
    Properties:
      ImageId: ami-12c6146b
      InstanceType: t3.small
      Tags: [{Key: Name, Value: PREFIX-web}, {Key: team, Value: web}]
  Resize:
    Type: AWS::Lambda::Function
    Properties:
      FunctionName: PREFIX-resize
      Runtime: python3.12
      Handler: index.handler
      Role: ROLE
      MemorySize: 256
      Timeout: 30
      Code: {ZipFile: "def handler(event, context): return 1"}
  Db:
    Type: AWS::RDS::DBInstance
    Properties:
      DBInstanceIdentifier: PREFIX-orders
      DBInstanceClass: db.t3.micro
      Engine: postgres
      MultiAZ: false
      AllocatedStorage: "20"
      MasterUsername: app
      MasterUserPassword: not-a-real-secret
  Topic:
    Type: AWS::SNS::Topic
    Properties:
      TopicName: !Sub "${AWS::StackName}-events"
"""

TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


@pytest.fixture(scope="module")
def world() -> Iterator[SandboxWorld]:
    with SandboxWorld(parse_scenario_text(WORLD, "drift.yaml").scenario) as running:
        yield running


@pytest.fixture(scope="module")
def aws(world: SandboxWorld) -> AwsClients:
    ep = world.endpoints
    return make_clients(ep.region, ep.aws_endpoint_url, session=world.aws.session())


@pytest.fixture(scope="module")
def cf(world: SandboxWorld, aws: AwsClients) -> Any:
    ep = world.endpoints
    session = world.aws.session()
    iam = session.client("iam", region_name=ep.region, endpoint_url=ep.aws_endpoint_url)
    role = iam.create_role(RoleName="drift-fn", AssumeRolePolicyDocument=json.dumps(TRUST))
    client = session.client(
        "cloudformation", region_name=ep.region, endpoint_url=ep.aws_endpoint_url
    )
    for prefix in ("calm", "app"):
        body = TEMPLATE.replace("PREFIX", prefix).replace("ROLE", role["Role"]["Arn"])
        client.create_stack(StackName=prefix, TemplateBody=body)
    return client


def _line(text: str, needle: str, after: str) -> str:
    """The template line of ``needle``, the first after the line holding ``after``."""
    lines = text.splitlines()
    start = next(i for i, line in enumerate(lines) if after in line)
    return f"template line {next(i for i in range(start, len(lines)) if needle in lines[i]) + 1}"


def test_an_untouched_stack_has_no_drift(cf: Any, aws: AwsClients) -> None:
    report = stack_drift(read_stack(cf, "calm"), aws)
    assert report.drifts == [] and report.errors == []
    assert report.compared == 6  # the SNS topic is not a kind drift reads
    assert report.skipped == ["Topic (AWS::SNS::Topic)"]


def test_each_change_behind_the_stack_is_found(cf: Any, aws: AwsClients) -> None:
    stack = read_stack(cf, "app")
    ids = {r.logical_id: r.physical_id for r in stack.resources}
    sg, instance = ids["WebSg"], ids["Web"]
    aws.ec2.authorize_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 22,
                "ToPort": 22,
                "IpRanges": [{"CidrIp": "0.0.0.0/0"}],
            }
        ],
    )
    aws.ec2.revoke_security_group_ingress(
        GroupId=sg,
        IpPermissions=[
            {
                "IpProtocol": "tcp",
                "FromPort": 80,
                "ToPort": 80,
                "IpRanges": [{"CidrIp": "10.0.0.0/8"}],
            }
        ],
    )
    aws.ec2.create_tags(Resources=[sg], Tags=[{"Key": "team", "Value": "ops"}])
    aws.s3.delete_bucket_encryption(Bucket="app-assets")
    aws.s3.delete_bucket(Bucket="app-logs")
    aws.ec2.stop_instances(InstanceIds=[instance])
    aws.ec2.modify_instance_attribute(InstanceId=instance, InstanceType={"Value": "m5.large"})
    aws.ec2.create_tags(Resources=[instance], Tags=[{"Key": "owner", "Value": "bob"}])
    aws.ec2.delete_tags(Resources=[instance], Tags=[{"Key": "team"}])
    aws.lambda_.update_function_configuration(
        FunctionName="app-resize", MemorySize=1024, Timeout=90
    )
    aws.rds.modify_db_instance(
        DBInstanceIdentifier="app-orders",
        DBInstanceClass="db.m5.large",
        MultiAZ=True,
        ApplyImmediately=True,
    )

    report = stack_drift(read_stack(cf, "app"), aws)
    found = {(d.resource, d.change, d.attribute, d.expected, d.actual) for d in report.drifts}
    assert found == {
        ("WebSg", "added", "ingress", "(none)", "tcp 22-22 from 0.0.0.0/0"),
        ("WebSg", "removed", "ingress", "tcp 80-80 from 10.0.0.0/8", "(none)"),
        ("WebSg", "changed", "tags.team", "web", "ops"),
        ("Assets", "changed", "sse_algorithm", "AES256", "(none)"),
        ("Logs", "removed", "", "app-logs", "(none)"),
        ("Web", "changed", "instance_type", "t3.small", "m5.large"),
        ("Web", "added", "tags.owner", "(none)", "bob"),
        ("Web", "removed", "tags.team", "web", "(none)"),
        ("Resize", "changed", "memory_size", "256", "1024"),
        ("Resize", "changed", "timeout", "30", "90"),
        ("Db", "changed", "instance_class", "db.t3.micro", "db.m5.large"),
        ("Db", "changed", "multi_az", "False", "True"),
    }
    assert report.errors == []
    lines = {(d.resource, d.attribute): d.source for d in report.drifts}
    assert lines[("WebSg", "ingress")] == _line(stack.template, "SecurityGroupIngress:", "WebSg:")
    assert lines[("Db", "instance_class")] == _line(stack.template, "DBInstanceClass:", "Db:")
    assert lines[("Logs", "")] == _line(stack.template, "Logs:", "Resources:")
    # the calm stack is still calm when every stack is read
    every = cloudformation_drift(cf, aws)
    assert {d.origin for d in every.drifts} == {"stack app"}


def test_an_unknown_stack_is_a_clear_not_found(cf: Any, aws: AwsClients) -> None:
    with pytest.raises(NotFound, match="no-such-stack"):
        cloudformation_drift(cf, aws, "no-such-stack")
