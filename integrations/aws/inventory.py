"""Resource listings for the inventory: one paginated reader per resource type.

Each reader returns :class:`Resource` rows with the fields a person needs to recognise the
resource (id, name, state, tags) plus a few type-specific attributes. Readers page through
the API with boto3 paginators and make a bounded number of extra calls per resource only
where the list call does not carry the field (bucket exposure, IAM MFA).
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from integrations.aws.errors import aws_errors
from integrations.aws.posture_reads import owner_account
from integrations.aws.s3 import account_block, bucket_states


@dataclass(frozen=True)
class Resource:
    """One listed resource. ``attrs`` are type-specific, already as display strings."""

    kind: str
    id: str
    name: str
    region: str
    state: str = ""
    tags: dict[str, str] = field(default_factory=dict)
    attrs: dict[str, str] = field(default_factory=dict)
    account: str = ""  # set when several accounts are read

    def value(self, key: str) -> str | None:
        """A field by name: ``id``, ``name``, ``state``, ``region``, ``account``, ``tag:K`` or
        an attribute."""
        if key.startswith("tag:"):
            return self.tags.get(key[4:])
        if key in ("id", "name", "state", "region", "kind", "account"):
            return str(getattr(self, key))
        return self.attrs.get(key)


def _tags(raw: list[dict[str, str]] | None) -> dict[str, str]:
    return {t["Key"]: t["Value"] for t in raw or [] if "Key" in t}


def _pages(paginator: Any, key: str, **request: Any) -> Iterator[Any]:
    for page in paginator.paginate(**request):
        yield from page.get(key, [])


def _guard(what: str, read: Callable[[], list[Resource]]) -> list[Resource]:
    with aws_errors(what):
        return read()


def ec2_instances(client: Any, region: str) -> list[Resource]:
    def read() -> list[Resource]:
        out: list[Resource] = []
        for reservation in _pages(client.get_paginator("describe_instances"), "Reservations"):
            for raw in reservation.get("Instances", []):
                tags = _tags(raw.get("Tags"))
                out.append(
                    Resource(
                        kind="ec2",
                        id=raw["InstanceId"],
                        name=tags.get("Name", ""),
                        region=region,
                        state=raw.get("State", {}).get("Name", ""),
                        tags=tags,
                        attrs={
                            "type": raw.get("InstanceType", ""),
                            "private_ip": raw.get("PrivateIpAddress", "") or "",
                            "public_ip": raw.get("PublicIpAddress", "") or "",
                            "launched": str(raw.get("LaunchTime", ""))[:19],
                        },
                    )
                )
        return out

    return _guard("EC2 instances", read)


def rds_instances(client: Any, region: str) -> list[Resource]:
    def read() -> list[Resource]:
        out: list[Resource] = []
        for raw in _pages(client.get_paginator("describe_db_instances"), "DBInstances"):
            out.append(
                Resource(
                    kind="rds",
                    id=raw["DBInstanceIdentifier"],
                    name=raw["DBInstanceIdentifier"],
                    region=region,
                    state=raw.get("DBInstanceStatus", ""),
                    tags=_tags(raw.get("TagList")),
                    attrs={
                        "engine": raw.get("Engine", ""),
                        "class": raw.get("DBInstanceClass", ""),
                        "multi_az": str(bool(raw.get("MultiAZ"))).lower(),
                        "encrypted": str(bool(raw.get("StorageEncrypted"))).lower(),
                    },
                )
            )
        return out

    return _guard("RDS instances", read)


def buckets(clients: Any, region: str) -> list[Resource]:
    """Every bucket of the account (``clients``: ``AwsClients``), public as the security audit
    judges it: the account's own Block Public Access applied."""
    client = clients.s3

    def read() -> list[Resource]:
        out: list[Resource] = []
        listed = client.list_buckets().get("Buckets", [])
        control = getattr(clients, "s3control", None)
        account = account_block(control, owner_account(clients.ec2) if control else None)
        states = bucket_states(client, [raw["Name"] for raw in listed], account)
        for raw, state in zip(listed, states, strict=True):
            name = raw["Name"]
            out.append(
                Resource(
                    kind="buckets",
                    id=name,
                    name=name,
                    region=region,
                    state="public" if state.public else "private",
                    attrs={
                        "public": str(state.public).lower(),
                        "encrypted": str(state.encrypted).lower(),
                        "created": str(raw.get("CreationDate", ""))[:19],
                    },
                )
            )
        return out

    return _guard("S3 buckets", read)


def lambdas(client: Any, region: str) -> list[Resource]:
    def read() -> list[Resource]:
        return [
            Resource(
                kind="lambdas",
                id=raw["FunctionName"],
                name=raw["FunctionName"],
                region=region,
                state=raw.get("State", "") or "Active",
                attrs={
                    "runtime": raw.get("Runtime", "") or "",
                    "memory_mb": str(raw.get("MemorySize", "")),
                    "timeout_s": str(raw.get("Timeout", "")),
                },
            )
            for raw in _pages(client.get_paginator("list_functions"), "Functions")
        ]

    return _guard("Lambda functions", read)


def ecs_services(client: Any, region: str) -> list[Resource]:
    def read() -> list[Resource]:
        out: list[Resource] = []
        for cluster_arn in _pages(client.get_paginator("list_clusters"), "clusterArns"):
            arns = list(
                _pages(client.get_paginator("list_services"), "serviceArns", cluster=cluster_arn)
            )
            for start in range(0, len(arns), 10):  # describe_services takes 10 at a time
                page = client.describe_services(cluster=cluster_arn, services=arns[start:][:10])
                for raw in page.get("services", []):
                    out.append(
                        Resource(
                            kind="ecs",
                            id=raw["serviceArn"],
                            name=raw["serviceName"],
                            region=region,
                            state=raw.get("status", ""),
                            tags=_tags(
                                [
                                    {"Key": t["key"], "Value": t["value"]}
                                    for t in raw.get("tags", [])
                                ]
                            ),
                            attrs={
                                "cluster": cluster_arn.rsplit("/", 1)[-1],
                                "desired": str(raw.get("desiredCount", "")),
                                "running": str(raw.get("runningCount", "")),
                                "launch_type": raw.get("launchType", "") or "",
                            },
                        )
                    )
        return out

    return _guard("ECS services", read)


def load_balancers(client: Any, region: str) -> list[Resource]:
    def read() -> list[Resource]:
        return [
            Resource(
                kind="load_balancers",
                id=raw["LoadBalancerArn"],
                name=raw["LoadBalancerName"],
                region=region,
                state=raw.get("State", {}).get("Code", ""),
                attrs={
                    "type": raw.get("Type", ""),
                    "scheme": raw.get("Scheme", ""),
                    "dns": raw.get("DNSName", ""),
                },
            )
            for raw in _pages(client.get_paginator("describe_load_balancers"), "LoadBalancers")
        ]

    return _guard("load balancers", read)


def security_groups(client: Any, region: str) -> list[Resource]:
    def read() -> list[Resource]:
        out: list[Resource] = []
        for raw in _pages(client.get_paginator("describe_security_groups"), "SecurityGroups"):
            world = sorted(
                {
                    str(p.get("FromPort", "all"))
                    for p in raw.get("IpPermissions", [])
                    if any(r.get("CidrIp") == "0.0.0.0/0" for r in p.get("IpRanges", []))
                    or any(r.get("CidrIpv6") == "::/0" for r in p.get("Ipv6Ranges", []))
                }
            )
            out.append(
                Resource(
                    kind="security_groups",
                    id=raw["GroupId"],
                    name=raw.get("GroupName", ""),
                    region=region,
                    tags=_tags(raw.get("Tags")),
                    attrs={
                        "vpc": raw.get("VpcId", "") or "",
                        "open_to_world": ",".join(world),
                        "public": str(bool(world)).lower(),
                    },
                )
            )
        return out

    return _guard("security groups", read)


def iam_users(client: Any, region: str) -> list[Resource]:
    def read() -> list[Resource]:
        out: list[Resource] = []
        for raw in _pages(client.get_paginator("list_users"), "Users"):
            name = raw["UserName"]
            mfa = bool(client.list_mfa_devices(UserName=name).get("MFADevices"))
            out.append(
                Resource(
                    kind="iam_users",
                    id=raw.get("Arn", name),
                    name=name,
                    region="global",
                    attrs={
                        "mfa": str(mfa).lower(),
                        "created": str(raw.get("CreateDate", ""))[:19],
                        "password_last_used": str(raw.get("PasswordLastUsed", "") or "")[:19],
                    },
                )
            )
        return out

    return _guard("IAM users", read)


def iam_roles(client: Any, region: str) -> list[Resource]:
    def read() -> list[Resource]:
        return [
            Resource(
                kind="iam_roles",
                id=raw.get("Arn", raw["RoleName"]),
                name=raw["RoleName"],
                region="global",
                attrs={
                    "path": raw.get("Path", ""),
                    "created": str(raw.get("CreateDate", ""))[:19],
                },
            )
            for raw in _pages(client.get_paginator("list_roles"), "Roles")
        ]

    return _guard("IAM roles", read)
