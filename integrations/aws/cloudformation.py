"""CloudFormation stacks as written (template text) and as built (logical id → physical id),
and the live state of the resource kinds drift compares, as canonical attributes: names shared
with ``bot/drift/mapping.yaml`` so one comparison serves CloudFormation and Terraform."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from integrations.aws.errors import AwsError, AwsNotFound, aws_errors, error_code


@dataclass(frozen=True)
class StackResource:
    logical_id: str
    type: str
    physical_id: str


@dataclass(frozen=True)
class Stack:
    name: str
    template: str  # the template's text (a JSON body comes back parsed: dumped again)
    resources: list[StackResource]
    as_written: bool = True  # False when ``template`` is that dump: its lines are not the file's


def stack_names(cf: Any) -> list[str]:
    """Every stack in the client's region; ``AwsError`` when CloudFormation cannot be read."""
    names: list[str] = []
    try:
        with aws_errors("stacks"):
            for page in cf.get_paginator("describe_stacks").paginate():
                names += [s["StackName"] for s in page.get("Stacks", [])]
    except BotoCoreError as exc:  # unreachable endpoint, no credentials
        raise AwsError(type(exc).__name__, str(exc)) from exc
    return sorted(names)


def read_stack(cf: Any, name: str) -> Stack:
    with aws_errors(f"stack {name}"):
        try:
            body = cf.get_template(StackName=name)["TemplateBody"]
            summaries = []
            for page in cf.get_paginator("list_stack_resources").paginate(StackName=name):
                summaries += page.get("StackResourceSummaries", [])
        except ClientError as exc:  # CloudFormation's ValidationError names a missing stack
            if "does not exist" in str(exc.response.get("Error", {}).get("Message", "")):
                raise AwsNotFound(f"stack {name} not found") from exc
            raise
    text = body if isinstance(body, str) else json.dumps(body, indent=2)
    resources = [
        StackResource(r["LogicalResourceId"], r["ResourceType"], r.get("PhysicalResourceId", ""))
        for r in summaries
        if r.get("PhysicalResourceId")
    ]
    return Stack(name, text, resources, as_written=isinstance(body, str))


# ---------------------------------------------------------------- live state
def _tags(tags: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in tags or []}


def sg_rule(proto: str, lo: Any, hi: Any, source: str) -> str:
    """One ingress permission as text; CloudFormation, Terraform and EC2 spell it alike here."""
    proto = {"-1": "all", "6": "tcp", "17": "udp", "1": "icmp"}.get(str(proto), str(proto))
    ports = (
        "all" if proto == "all" or lo is None else f"{int(lo)}-{int(hi if hi is not None else lo)}"
    )
    return f"{proto} {ports} from {source}"


def _security_group(clients: Any, group_id: str) -> dict[str, Any]:
    group = clients.ec2.describe_security_groups(GroupIds=[group_id])["SecurityGroups"][0]
    rules: set[str] = set()
    for p in group.get("IpPermissions", []):
        lo, hi, proto = p.get("FromPort"), p.get("ToPort"), p.get("IpProtocol", "-1")
        sources = [r["CidrIp"] for r in p.get("IpRanges", [])]
        sources += [r["CidrIpv6"] for r in p.get("Ipv6Ranges", [])]
        pairs = [g["GroupId"] for g in p.get("UserIdGroupPairs", [])]
        sources += ["self" if g == group_id else g for g in pairs]  # Terraform's `self = true`
        rules |= {sg_rule(proto, lo, hi, s) for s in sources}
    return {"ingress": rules, "tags": _tags(group.get("Tags"))}


def _optional(call: Callable[[], Any], missing: str) -> Any:
    try:
        return call()
    except ClientError as exc:
        if missing in error_code(exc):
            return None
        raise


def _bucket(clients: Any, name: str) -> dict[str, Any]:
    s3 = clients.s3
    try:
        s3.head_bucket(Bucket=name)
    except ClientError as exc:
        if error_code(exc) in ("404", "NoSuchBucket"):
            raise AwsNotFound(f"bucket {name}") from exc
        raise
    enc = _optional(lambda: s3.get_bucket_encryption(Bucket=name), "ServerSideEncryption")
    rules = (enc or {}).get("ServerSideEncryptionConfiguration", {}).get("Rules", [])
    algorithm = next(
        (
            r["ApplyServerSideEncryptionByDefault"]["SSEAlgorithm"]
            for r in rules
            if "ApplyServerSideEncryptionByDefault" in r
        ),
        None,
    )
    block = _optional(lambda: s3.get_public_access_block(Bucket=name), "NoSuchPublicAccess")
    config = (block or {}).get("PublicAccessBlockConfiguration", {})
    tags = _optional(lambda: s3.get_bucket_tagging(Bucket=name), "NoSuchTagSet")
    return {
        "sse_algorithm": algorithm,
        "block_public_acls": bool(config.get("BlockPublicAcls")),
        "block_public_policy": bool(config.get("BlockPublicPolicy")),
        "ignore_public_acls": bool(config.get("IgnorePublicAcls")),
        "restrict_public_buckets": bool(config.get("RestrictPublicBuckets")),
        "tags": _tags((tags or {}).get("TagSet")),
    }


def _instance(clients: Any, instance_id: str) -> dict[str, Any]:
    found = clients.ec2.describe_instances(InstanceIds=[instance_id])["Reservations"]
    instance = found[0]["Instances"][0]
    if instance.get("State", {}).get("Name") == "terminated":
        raise AwsNotFound(f"instance {instance_id} is terminated")
    return {"instance_type": instance["InstanceType"], "tags": _tags(instance.get("Tags"))}


def _function(clients: Any, name: str) -> dict[str, Any]:
    c = clients.lambda_.get_function_configuration(FunctionName=name)
    return {
        "memory_size": c.get("MemorySize"),
        "timeout": c.get("Timeout"),
        "runtime": c.get("Runtime"),
    }


def _db_instance(clients: Any, identifier: str) -> dict[str, Any]:
    db = clients.rds.describe_db_instances(DBInstanceIdentifier=identifier)["DBInstances"][0]
    return {"instance_class": db["DBInstanceClass"], "multi_az": bool(db.get("MultiAZ"))}


READERS: dict[str, Callable[[Any, str], dict[str, Any]]] = {
    "security_group": _security_group,
    "bucket": _bucket,
    "instance": _instance,
    "function": _function,
    "db_instance": _db_instance,
}


def live_attributes(clients: Any, kind: str, physical_id: str) -> dict[str, Any] | None:
    """The canonical attributes of one live resource; ``None`` when it no longer exists.
    ``kind`` names a reader in ``READERS`` (the drift mapping's ``live`` field)."""
    try:
        with aws_errors(f"{kind} {physical_id}"):
            return READERS[kind](clients, physical_id)
    except AwsNotFound:  # said by the reader, or by the service's error code
        return None
