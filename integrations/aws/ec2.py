"""EC2 instances and security groups."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from integrations.aws.errors import AwsNotFound, aws_errors


@dataclass(frozen=True)
class Instance:
    instance_id: str
    name: str | None
    state: str
    instance_type: str
    security_group_ids: list[str]
    tags: dict[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class IngressRule:
    protocol: str
    from_port: int | None
    to_port: int | None
    cidr: str

    @property
    def open_to_world(self) -> bool:
        return self.cidr in ("0.0.0.0/0", "::/0")


@dataclass(frozen=True)
class SecurityGroup:
    group_id: str
    name: str
    ingress: list[IngressRule]


def _tags(raw: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in raw or []}


def describe_instances(
    client: Any, *, instance_ids: list[str] | None = None, name: str | None = None
) -> list[Instance]:
    """Instances, optionally by id or by ``Name`` tag."""
    request: dict[str, Any] = {}
    if instance_ids:
        request["InstanceIds"] = instance_ids
    if name:
        request["Filters"] = [{"Name": "tag:Name", "Values": [name]}]
    out: list[Instance] = []
    with aws_errors("EC2 instances"):
        for page in client.get_paginator("describe_instances").paginate(**request):
            for reservation in page["Reservations"]:
                for raw in reservation["Instances"]:
                    tags = _tags(raw.get("Tags"))
                    out.append(
                        Instance(
                            instance_id=raw["InstanceId"],
                            name=tags.get("Name"),
                            state=raw["State"]["Name"],
                            instance_type=raw["InstanceType"],
                            security_group_ids=[
                                g["GroupId"] for g in raw.get("SecurityGroups", [])
                            ],
                            tags=tags,
                        )
                    )
    return out


def find_instance(client: Any, name_or_id: str) -> Instance:
    """One instance by id (``i-…``) or ``Name`` tag."""
    if name_or_id.startswith("i-"):
        found = describe_instances(client, instance_ids=[name_or_id])
    else:
        found = describe_instances(client, name=name_or_id)
    if not found:
        raise AwsNotFound(f"EC2 instance {name_or_id} not found")
    return found[0]


def security_groups(
    client: Any, *, names: list[str] | None = None, group_ids: list[str] | None = None
) -> list[SecurityGroup]:
    request: dict[str, Any] = {}
    if names:
        request["Filters"] = [{"Name": "group-name", "Values": names}]
    if group_ids:
        request["GroupIds"] = group_ids
    with aws_errors("security groups"):
        groups = client.describe_security_groups(**request)["SecurityGroups"]
    out = []
    for group in groups:
        rules = []
        for perm in group.get("IpPermissions", []):
            cidrs = [r["CidrIp"] for r in perm.get("IpRanges", [])]
            cidrs += [r["CidrIpv6"] for r in perm.get("Ipv6Ranges", [])]
            for cidr in cidrs:
                rules.append(
                    IngressRule(
                        perm.get("IpProtocol", "-1"), perm.get("FromPort"), perm.get("ToPort"), cidr
                    )
                )
        out.append(SecurityGroup(group["GroupId"], group["GroupName"], rules))
    return out
