"""Seed a scenario's ``aws:`` resources into moto with boto3 calls.

Where moto's API cannot express a scenario's state (an RDS status such as
``incompatible-parameters``, an ECS service running fewer tasks than desired, an access key's
age, an ECS task-definition revision number), the value is set on moto's in-process backend
right after the API call that created the object. docs/sandbox.md lists each of these.
"""

from __future__ import annotations

import io
import json
import zipfile
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import boto3

from bot.yamlloc import load_yaml
from sandbox.aws.ecs_rollout import set_rollout
from sandbox.aws.moto_server import ACCOUNT_ID, backend
from sandbox.aws.seed_extra import seed_v11
from sandbox.aws.seed_health import seed_stopped_tasks, seed_target_groups
from sandbox.aws.seed_rds import seed_databases
from sandbox.scenario_resources import Aws

AMI_ID = "ami-12c6146b"  # one of moto's bundled example AMIs
_PUBLIC_READ = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "PublicRead",
            "Effect": "Allow",
            "Principal": "*",
            "Action": "s3:GetObject",
            "Resource": "arn:aws:s3:::{bucket}/*",
        }
    ],
}
_LAMBDA_TRUST = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Effect": "Allow",
            "Principal": {"Service": "lambda.amazonaws.com"},
            "Action": "sts:AssumeRole",
        }
    ],
}


def _zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "def handler(event, context):\n    return {}\n")
    return buffer.getvalue()


def _security_groups(ec2: Any, aws: Aws) -> dict[str, str]:
    ids: dict[str, str] = {}
    for group in aws.security_groups:
        created = ec2.create_security_group(
            GroupName=group.name, Description=group.description or f"{group.name} (sandbox)"
        )
        ids[group.name] = created["GroupId"]
        permissions = []
        for rule in group.ingress:
            ranges = (
                {"Ipv6Ranges": [{"CidrIpv6": rule.cidr}]}
                if ":" in rule.cidr
                else {"IpRanges": [{"CidrIp": rule.cidr}]}
            )
            permissions.append(
                {"IpProtocol": rule.protocol, "FromPort": rule.port, "ToPort": rule.port, **ranges}
            )
        if permissions:
            ec2.authorize_security_group_ingress(GroupId=ids[group.name], IpPermissions=permissions)
    return ids


def _instances(ec2: Any, aws: Aws, groups: dict[str, str]) -> dict[str, str]:
    refs: dict[str, str] = {}
    # one default subnet, named explicitly: moto then gives each instance an address inside it
    # (without one it draws a random 10.x address that no route of the VPC covers)
    vpc = ec2.describe_vpcs(Filters=[{"Name": "isDefault", "Values": ["true"]}])["Vpcs"]
    subnets = (
        ec2.describe_subnets(Filters=[{"Name": "vpc-id", "Values": [vpc[0]["VpcId"]]}])["Subnets"]
        if vpc
        else []
    )
    placed = {"SubnetId": sorted(s["SubnetId"] for s in subnets)[0]} if subnets else {}
    for inst in aws.ec2_instances:
        tags = {"Name": inst.id_ref, **inst.tags, "aiops:id_ref": inst.id_ref}
        created = ec2.run_instances(
            **placed,
            ImageId=AMI_ID,
            MinCount=1,
            MaxCount=1,
            InstanceType=inst.instance_type,
            SecurityGroupIds=[groups[name] for name in inst.security_groups],
            TagSpecifications=[
                {
                    "ResourceType": "instance",
                    "Tags": [{"Key": k, "Value": v} for k, v in tags.items()],
                }
            ],
        )
        refs[inst.id_ref] = created["Instances"][0]["InstanceId"]
    stopped = [refs[i.id_ref] for i in aws.ec2_instances if i.state == "stopped"]
    if stopped:
        ec2.stop_instances(InstanceIds=stopped)
    return refs


def _buckets(s3: Any, aws: Aws, region: str) -> None:
    for bucket in aws.s3_buckets:
        extra = (
            {}
            if region == "us-east-1"
            else {"CreateBucketConfiguration": {"LocationConstraint": region}}
        )
        s3.create_bucket(Bucket=bucket.name, **extra)
        block = not bucket.public
        s3.put_public_access_block(
            Bucket=bucket.name,
            PublicAccessBlockConfiguration={
                "BlockPublicAcls": block,
                "IgnorePublicAcls": block,
                "BlockPublicPolicy": block,
                "RestrictPublicBuckets": block,
            },
        )
        if bucket.public:
            policy = json.dumps(_PUBLIC_READ).replace("{bucket}", bucket.name)
            s3.put_bucket_policy(Bucket=bucket.name, Policy=policy)
        if bucket.encrypted:
            s3.put_bucket_encryption(
                Bucket=bucket.name,
                ServerSideEncryptionConfiguration={
                    "Rules": [{"ApplyServerSideEncryptionByDefault": {"SSEAlgorithm": "AES256"}}]
                },
            )


def _functions(lam: Any, iam: Any, aws: Aws) -> None:
    if not aws.lambda_functions:
        return
    role = iam.create_role(
        RoleName="aiops-sandbox-lambda", AssumeRolePolicyDocument=json.dumps(_LAMBDA_TRUST)
    )["Role"]["Arn"]
    code = _zip()
    for fn in aws.lambda_functions:
        lam.create_function(
            FunctionName=fn.name,
            Runtime=fn.runtime,
            Role=role,
            Handler="handler.handler",
            Code={"ZipFile": code},
            Timeout=fn.timeout,
            MemorySize=fn.memory,
        )
        if fn.reserved_concurrency is not None:
            lam.put_function_concurrency(
                FunctionName=fn.name, ReservedConcurrentExecutions=fn.reserved_concurrency
            )


def register_task_definition(
    ecs: Any,
    region: str,
    family: str,
    revision: int,
    image: str,
    *,
    port: int | None = None,
    health_path: str | None = None,
) -> None:
    """Register ``family:revision`` (moto numbers revisions max+1; we place the number), with
    the container's port and its own health check when the scenario gives them."""
    definitions = backend("ecs", region).task_definitions.setdefault(family, {})
    if revision in definitions:
        return
    current = max(definitions, default=0)
    placeholder = revision - 1 if revision - 1 > current else None
    if placeholder is not None:
        definitions[placeholder] = None
    try:
        ecs.register_task_definition(
            family=family,
            containerDefinitions=[
                {
                    "name": family,
                    "image": image,
                    "memory": 512,
                    "essential": True,
                    **({"portMappings": [{"containerPort": port}]} if port else {}),
                    **(
                        {
                            "healthCheck": {
                                "command": [
                                    "CMD-SHELL",
                                    f"curl -f http://localhost:{port or 80}{health_path} || exit 1",
                                ]
                            }
                        }
                        if health_path
                        else {}
                    ),
                }
            ],
        )
    finally:
        if placeholder is not None:
            definitions.pop(placeholder, None)


def _ecs(ecs: Any, aws: Aws, region: str) -> None:
    images = {(t.family, t.revision): t.image for t in aws.ecs_task_definitions}
    served = {(t.family, t.revision): t for t in aws.ecs_task_definitions}
    wanted = set(images)
    for svc in aws.ecs_services:
        revisions = svc.task_definition_revisions or [1]
        wanted.update((svc.name, revision) for revision in revisions)
    for family, revision in sorted(wanted):
        image = images.get((family, revision), f"sandbox.local/{family}:revision-{revision}")
        spec = served.get((family, revision))
        register_task_definition(
            ecs,
            region,
            family,
            revision,
            image,
            port=spec.container_port if spec else None,
            health_path=spec.health_check_path if spec else None,
        )
    for cluster in sorted({svc.cluster for svc in aws.ecs_services}):
        ecs.create_cluster(clusterName=cluster)
    for svc in aws.ecs_services:
        live = max(svc.task_definition_revisions, default=1)
        ecs.create_service(
            cluster=svc.cluster,
            serviceName=svc.name,
            taskDefinition=f"{svc.name}:{live}",
            desiredCount=svc.desired,
        )
        model = backend("ecs", region).services[f"{svc.cluster}:{svc.name}"]
        set_rollout(model, running=svc.running)  # fewer running than desired: IN_PROGRESS


#: stand-ins for AWS-managed policies, by name (moto has none)
MANAGED: dict[str, list[dict[str, Any]]] = load_yaml(
    Path(__file__).with_name("managed_policies.yaml").read_text()
)


def _users(iam: Any, aws: Aws, now: datetime) -> None:
    created_policies: dict[str, str] = {}
    for user in aws.iam_users:
        iam.create_user(UserName=user.name)
        for name in user.policies:
            if name not in created_policies:
                # moto does not load AWS-managed policies; a same-named customer policy stands in.
                statements = MANAGED.get(name, MANAGED["ReadOnlyAccess"])
                document = {"Version": "2012-10-17", "Statement": statements}
                arn = iam.create_policy(PolicyName=name, PolicyDocument=json.dumps(document))
                created_policies[name] = arn["Policy"]["Arn"]
            iam.attach_user_policy(UserName=user.name, PolicyArn=created_policies[name])
        if user.access_key_age_days is not None:
            key = iam.create_access_key(UserName=user.name)["AccessKey"]["AccessKeyId"]
            model = backend("iam", "global").users[user.name]
            for access_key in model.access_keys:
                if access_key.access_key_id == key:
                    access_key.create_date = (
                        now - timedelta(days=user.access_key_age_days)
                    ).replace(tzinfo=None)
        if user.mfa:
            serial = iam.create_virtual_mfa_device(VirtualMFADeviceName=f"{user.name}-mfa")
            iam.enable_mfa_device(
                UserName=user.name,
                SerialNumber=serial["VirtualMFADevice"]["SerialNumber"],
                AuthenticationCode1="123456",
                AuthenticationCode2="654321",
            )


def seed_resources(
    session: boto3.Session, endpoint: str, aws: Aws, now: datetime
) -> dict[str, str]:
    """Create every resource of ``aws``; returns ``id_ref -> real id``."""
    region = session.region_name or "us-east-1"
    client = lambda name: session.client(name, endpoint_url=endpoint)  # noqa: E731
    refs: dict[str, str] = {}
    if aws.security_groups or aws.ec2_instances:
        ec2 = client("ec2")
        groups = _security_groups(ec2, aws)
        refs.update(_instances(ec2, aws, groups))
    if aws.s3_buckets:
        _buckets(client("s3"), aws, region)
    if aws.rds_instances:
        refs.update(seed_databases(client("rds"), aws, region))
    if aws.lambda_functions or aws.iam_users:
        iam = client("iam")
        _functions(client("lambda"), iam, aws)
        _users(iam, aws, now)
    if aws.ecs_services or aws.ecs_task_definitions:
        _ecs(client("ecs"), aws, region)
    refs.update(seed_v11(session, endpoint, aws, now))
    if aws.target_groups:
        seed_target_groups(session, endpoint, aws, refs)
    if aws.ecs_stopped_tasks:
        seed_stopped_tasks(session, endpoint, aws, now)
    return refs


__all__ = ["ACCOUNT_ID", "seed_resources"]
