"""Drift against the sandbox's AWS (moto server, real boto3): stacks are created from a
template, then resources are changed with boto3 behind CloudFormation's back; drift names each
change with expected and actual values and the template line, and an untouched stack has none."""

from __future__ import annotations

import csv
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from bot.drift.cloudformation import cloudformation_drift, stack_drift
from bot.drift.terraform import TfResource, parse_terraform, terraform_drift
from bot.errors import NotFound, UpstreamUnavailable, UserError
from integrations.aws.cloudformation import read_stack
from integrations.aws.session import AwsClients, make_clients
from sandbox.scenario import parse_scenario_text
from sandbox.world import SandboxWorld
from tests.cli import run_aiops
from tests.integration.aws.worlds import clients_of

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
    return clients_of(world)


@pytest.fixture(scope="module")
def cf(world: SandboxWorld, aws: AwsClients) -> Any:
    ep = world.endpoints
    assert world.aws is not None  # started by the module's world fixture
    session = world.aws.session()
    iam = session.client("iam", region_name=ep.region, endpoint_url=ep.aws_endpoint_url)
    role = iam.create_role(RoleName="drift-fn", AssumeRolePolicyDocument=json.dumps(TRUST))
    client = session.client(
        "cloudformation", region_name=ep.region, endpoint_url=ep.aws_endpoint_url
    )
    for prefix in ("calm", "app", "tf"):
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
    origins = {d.origin for d in every.drifts}
    assert "stack app" in origins and "stack calm" not in origins


def test_a_json_template_names_the_path_of_the_property(cf: Any, aws: AwsClients) -> None:
    template = {
        "Resources": {
            "JsonSg": {
                "Type": "AWS::EC2::SecurityGroup",
                "Properties": {"GroupDescription": "json", "Tags": [{"Key": "tier", "Value": "1"}]},
            }
        }
    }
    cf.create_stack(StackName="json-app", TemplateBody=json.dumps(template, indent=2))
    assert stack_drift(read_stack(cf, "json-app"), aws).drifts == []
    [res] = read_stack(cf, "json-app").resources
    aws.ec2.create_tags(Resources=[res.physical_id], Tags=[{"Key": "tier", "Value": "2"}])
    [d] = stack_drift(read_stack(cf, "json-app"), aws).drifts
    assert (d.attribute, d.expected, d.actual) == ("tags.tier", "1", "2")
    # boto3 hands a JSON body back parsed, so its lines are unknown: the path is given instead
    assert d.source == "template: Resources.JsonSg.Properties.Tags"


def test_an_unreachable_cloudformation_is_upstream_unavailable() -> None:
    closed = make_clients("eu-west-1", "http://127.0.0.1:9")  # nothing listens on discard
    with pytest.raises(UpstreamUnavailable, match="CloudFormation cannot be read"):
        cloudformation_drift(closed.cloudformation, closed)


def test_an_unknown_stack_is_a_clear_not_found(cf: Any, aws: AwsClients) -> None:
    with pytest.raises(NotFound, match="no-such-stack"):
        cloudformation_drift(cf, aws, "no-such-stack")


# ---------------------------------------------------------------- Terraform
def _declared(cf: Any, prefix: str) -> list[tuple[str, str, str, dict[str, Any]]]:
    """(module, type, name, attributes) as Terraform would hold the stack's resources."""
    ids = {r.logical_id: r.physical_id for r in read_stack(cf, prefix).resources}
    rule = {"protocol": "tcp", "ipv6_cidr_blocks": [], "security_groups": [], "self": False}
    return [
        (
            "",
            "aws_security_group",
            "web",
            {
                "id": ids["WebSg"],
                "tags": {"team": "web"},
                "ingress": [
                    {**rule, "from_port": 443, "to_port": 443, "cidr_blocks": ["0.0.0.0/0"]},
                    {**rule, "from_port": 80, "to_port": 80, "cidr_blocks": ["10.0.0.0/8"]},
                ],
            },
        ),
        (
            "",
            "aws_s3_bucket",
            "assets",
            {
                "id": f"{prefix}-assets",
                "bucket": f"{prefix}-assets",
                "tags": {"team": "web"},
                "server_side_encryption_configuration": [
                    {
                        "rule": [
                            {
                                "apply_server_side_encryption_by_default": [
                                    {"sse_algorithm": "AES256"}
                                ]
                            }
                        ]
                    }
                ],
            },
        ),
        (
            "",
            "aws_s3_bucket",
            "logs",
            {
                "id": f"{prefix}-logs",
                "bucket": f"{prefix}-logs",
                "tags": None,
                "server_side_encryption_configuration": [],
            },
        ),
        (
            "",
            "aws_instance",
            "web",
            {
                "id": ids["Web"],
                "instance_type": "t3.small",
                "tags": {"Name": f"{prefix}-web", "team": "web"},
            },
        ),
        (
            "",
            "aws_lambda_function",
            "resize",
            {
                "id": f"{prefix}-resize",
                "function_name": f"{prefix}-resize",
                "memory_size": 256,
                "timeout": 30,
                "runtime": "python3.12",
            },
        ),
        (
            "module.data",
            "aws_db_instance",
            "orders",
            {
                "id": "db-4AB2C",
                "identifier": f"{prefix}-orders",
                "instance_class": "db.t3.micro",
                "multi_az": False,
            },
        ),
        ("", "aws_sns_topic", "events", {"id": "arn:aws:sns:eu-west-1:123456789012:x"}),
    ]


def _state(declared: list[tuple[str, str, str, dict[str, Any]]]) -> str:
    resources = [
        {
            "mode": "data",
            "type": "aws_caller_identity",
            "name": "me",
            "instances": [{"attributes": {"id": "123456789012"}}],
        },
    ]
    for module, type_, name, attributes in declared:
        instance: dict[str, Any] = {"attributes": attributes}
        if type_ == "aws_instance":
            instance["index_key"] = 0
        entry = {"mode": "managed", "type": type_, "name": name, "instances": [instance]}
        resources.append({**entry, "module": module} if module else entry)
    return json.dumps({"version": 4, "terraform_version": "1.9.0", "resources": resources})


def _show_json(declared: list[tuple[str, str, str, dict[str, Any]]]) -> str:
    def res(module: str, type_: str, name: str, values: dict[str, Any]) -> dict[str, Any]:
        address = ".".join(p for p in (module, type_, name) if p)
        if type_ == "aws_instance":
            address += "[0]"
        return {
            "address": address,
            "mode": "managed",
            "type": type_,
            "name": name,
            "values": values,
        }

    root = [res(*d) for d in declared if not d[0]]
    child = [res(*d) for d in declared if d[0]]
    module = {"resources": root, "child_modules": [{"address": "module.data", "resources": child}]}
    return json.dumps({"format_version": "1.2", "planned_values": {"root_module": module}})


@pytest.mark.parametrize("render", [_state, _show_json], ids=["tfstate", "plan-json"])
def test_untouched_terraform_resources_have_no_drift(cf: Any, aws: AwsClients, render: Any) -> None:
    resources = parse_terraform(render(_declared(cf, "calm")), "calm.tfstate")
    report = terraform_drift(resources, aws, "calm.tfstate")
    assert report.drifts == [] and report.errors == []
    assert report.compared == 6
    assert report.skipped == ["aws_sns_topic.events (aws_sns_topic)"]


def test_each_change_behind_terraform_is_found(cf: Any, aws: AwsClients) -> None:
    declared = _declared(cf, "tf")
    sg = declared[0][3]["id"]
    instance = declared[3][3]["id"]
    aws.ec2.authorize_security_group_ingress(
        GroupId=sg, IpPermissions=[{"IpProtocol": "-1", "IpRanges": [{"CidrIp": "0.0.0.0/0"}]}]
    )
    aws.s3.put_bucket_tagging(
        Bucket="tf-assets", Tagging={"TagSet": [{"Key": "team", "Value": "data"}]}
    )
    aws.s3.delete_bucket(Bucket="tf-logs")
    aws.ec2.stop_instances(InstanceIds=[instance])
    aws.ec2.modify_instance_attribute(InstanceId=instance, InstanceType={"Value": "t3.large"})
    aws.lambda_.update_function_configuration(FunctionName="tf-resize", Runtime="python3.11")
    aws.rds.modify_db_instance(
        DBInstanceIdentifier="tf-orders", MultiAZ=True, ApplyImmediately=True
    )

    for render in (_state, _show_json):
        report = terraform_drift(parse_terraform(render(declared), "x"), aws, "tf.tfstate")
        found = {(d.source, d.change, d.attribute, d.expected, d.actual) for d in report.drifts}
        assert found == {
            (
                "state: aws_security_group.web",
                "added",
                "ingress",
                "(none)",
                "all all from 0.0.0.0/0",
            ),
            ("state: aws_s3_bucket.assets", "changed", "tags.team", "web", "data"),
            ("state: aws_s3_bucket.logs", "removed", "", "tf-logs", "(none)"),
            ("state: aws_instance.web[0]", "changed", "instance_type", "t3.small", "t3.large"),
            ("state: aws_lambda_function.resize", "changed", "runtime", "python3.12", "python3.11"),
            ("state: module.data.aws_db_instance.orders", "changed", "multi_az", "False", "True"),
        }, render.__name__
        assert report.errors == []


def test_a_rule_that_names_its_own_group_is_terraform_self(aws: AwsClients) -> None:
    vpc = aws.ec2.describe_vpcs()["Vpcs"][0]["VpcId"]
    group = aws.ec2.create_security_group(GroupName="mesh", Description="mesh", VpcId=vpc)
    gid = group["GroupId"]
    aws.ec2.authorize_security_group_ingress(
        GroupId=gid,
        IpPermissions=[{"IpProtocol": "tcp", "FromPort": 7000, "ToPort": 7000,
                        "UserIdGroupPairs": [{"GroupId": gid}]}],
    )  # fmt: skip
    rule = {"protocol": "tcp", "from_port": 7000, "to_port": 7000, "cidr_blocks": []}
    declared = [
        ("", "aws_security_group", "mesh", {"id": gid, "ingress": [{**rule, "self": True}]})
    ]
    report = terraform_drift(parse_terraform(_state(declared), "x"), aws, "mesh.tfstate")
    assert report.compared == 1 and report.drifts == []
    declared[0][3]["ingress"] = [{**rule, "self": False}]
    report = terraform_drift(parse_terraform(_state(declared), "x"), aws, "mesh.tfstate")
    assert [(d.change, d.actual) for d in report.drifts] == [("added", "tcp 7000-7000 from self")]


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("{not json", "not JSON"),
        ('{"version": 3, "resources": []}', "version 3"),
        ('{"format_version": "1.0"}', "not a Terraform state"),
        ('{"version": 4, "resources": [{"mode": "managed"}]}', "malformed"),
    ],
)
def test_a_bad_state_file_gets_a_clear_message(text: str, message: str) -> None:
    with pytest.raises(UserError, match=message):
        parse_terraform(text, "bad.tfstate")


def test_a_resource_type_drift_does_not_read_is_listed_as_skipped(aws: AwsClients) -> None:
    report = terraform_drift([TfResource("aws_vpc.main", "aws_vpc", {"id": "vpc-1"})], aws, "x")
    assert report.skipped == ["aws_vpc.main (aws_vpc)"] and report.compared == 0


# ---------------------------------------------------------------- `aiops audit drift`
def _aiops(world: SandboxWorld, *args: str) -> subprocess.CompletedProcess[str]:
    lines = (line.removeprefix("export ").partition("=") for line in world.endpoints.env_lines())
    return run_aiops(*args, env={key: value for key, _, value in lines})


def test_cli_reports_a_stack_and_a_state_file(world: SandboxWorld, cf: Any, tmp_path: Path) -> None:
    state = tmp_path / "calm.tfstate"
    state.write_text(_state(_declared(cf, "calm")))
    r = _aiops(world, "audit", "drift", "--stack", "calm", "--tfstate", str(state),
               "--format", "json")  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "0 differences in 12 resources compared" in r.stderr
    assert json.loads(r.stdout) == []  # the summary line is on stderr

    state.write_text(_state([d for d in _declared(cf, "calm") if d[1] == "aws_s3_bucket"]))
    out = tmp_path / "drift.csv"
    r = _aiops(world, "audit", "drift", "--tfstate", str(state), "--format", "csv",
               "--out", str(out))  # fmt: skip
    assert r.returncode == 0, r.stderr
    assert "0 differences in 2 resources" in r.stderr  # no --stack: Terraform alone

    [instance] = [d for d in _declared(cf, "calm") if d[1] == "aws_instance"]
    instance[3]["instance_type"] = "t3.nano"  # the state says nano, the live one is small
    state.write_text(_state([instance]))
    r = _aiops(world, "audit", "drift", "--tfstate", str(state), "--format", "csv",
               "--out", str(out))  # fmt: skip
    assert r.returncode == 0, r.stderr
    rows = list(csv.DictReader(out.read_text().splitlines()))
    assert [(row["check"], row["section"]) for row in rows] == [("changed", "drift: calm.tfstate")]
    assert "instance_type: expected t3.nano, actual t3.small" in rows[0]["summary"]
    assert "state: aws_instance.web[0]" in rows[0]["summary"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--stack", "no-such-stack"], "no-such-stack"),
        (["--tfstate", "/nonexistent/terraform.tfstate"], "cannot read it"),
        (["--format", "xml"], "one of table"),
    ],
)
def test_cli_bad_input_is_a_clear_message(
    world: SandboxWorld, args: list[str], message: str
) -> None:
    r = _aiops(world, "audit", "drift", *args)
    assert r.returncode != 0
    assert message in r.stdout + r.stderr
    assert "Traceback" not in r.stdout + r.stderr
